"""The extension list passes axe-core (WCAG 2.1 A and AA) at laptop and phone
widths, and a student is placed from it."""

import pytest

from accounts.tests.factories import TEST_PASSWORD
from dashboards.tests.browser import assert_accessible, log_in, screenshot
from interventions.models import Group, GroupKind, Placement
from interventions.tests.test_extension import exceeds

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_principal_places_a_student_who_exceeds(page, live_server, ladder):
    star = ladder.taught_students[0]
    exceeds(star, ladder.outcomes[0])
    for name in ("Math seminar", "Research club"):
        Group.objects.create(
            school=ladder.school, name=name, kind=GroupKind.EXTENSION, weekdays=[3]
        )
    log_in(page, live_server.url, ladder.principal.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/interventions/schools/{ladder.school.pk}/extension/")
    assert_accessible(page)
    screenshot(page, "extension-list")
    page.get_by_label(f"Extension group for {star.full_name}").select_option(
        label="Research club"
    )
    page.get_by_role("button", name=f"Place {star.full_name}").click()
    page.wait_for_load_state("networkidle")
    assert Placement.objects.get(student=star).group.name == "Research club"
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/interventions/schools/{ladder.school.pk}/extension/")
    assert_accessible(page)
