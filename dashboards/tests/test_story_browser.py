"""The student's story and their record of access in Chromium: accessible
(axe-core, WCAG 2.1 AA) at laptop and phone widths, usable from the keyboard,
and without confidential text for a teacher."""

import pytest

from accounts.tests.factories import TEST_PASSWORD
from dashboards.tests.browser import assert_accessible, log_in, screenshot
from dashboards.tests.test_story import CONFIDENTIAL, story  # noqa: F401
from interventions.tests.conftest import ladder  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _password(*users):
    for user in users:
        user.set_password(TEST_PASSWORD)
        user.save()


def test_a_teacher_reads_the_story_from_the_keyboard(page, live_server, story):  # noqa: F811
    student = story.taught_students[0]
    _password(story.teacher)
    log_in(page, live_server.url, story.teacher.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/students/{student.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == student.full_name
    assert CONFIDENTIAL not in page.content()
    assert page.get_by_text("Restricted note by").first.is_visible()
    assert page.get_by_role("link", name="Record of access").count() == 0
    assert_accessible(page)
    screenshot(page, "story-teacher")
    # The contents lead to each part from the keyboard.
    link = page.get_by_role("navigation", name="On this page").get_by_role(
        "link", name="Interventions"
    )
    link.focus()
    page.keyboard.press("Enter")
    assert page.url.endswith("#interventions")
    page.set_viewport_size(PHONE)
    assert_accessible(page)


def test_a_principal_opens_the_record_of_access_and_sees_the_teachers_read(
    page,
    live_server,
    story,  # noqa: F811
):
    student = story.taught_students[0]
    _password(story.teacher, story.principal)
    log_in(page, live_server.url, story.teacher.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/students/{student.pk}/")
    page.context.clear_cookies()
    log_in(page, live_server.url, story.principal.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/students/{student.pk}/")
    assert CONFIDENTIAL in page.content()
    assert_accessible(page)
    screenshot(page, "story-principal")
    page.get_by_role("link", name="Record of access").click()
    page.wait_for_load_state("networkidle")
    assert (
        page.get_by_role("heading", level=1).inner_text().startswith("Record of access")
    )
    table = page.get_by_role("table")
    assert story.teacher.email in table.inner_text()
    assert_accessible(page)
    screenshot(page, "story-access-record")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export the whole record (CSV)").click()
    assert download.value.suggested_filename.endswith(".csv")
    page.set_viewport_size(PHONE)
    assert_accessible(page)
