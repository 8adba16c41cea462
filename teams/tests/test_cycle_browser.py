"""The team's cycle in a real browser: accessible (axe-core, WCAG 2.1 AA) on a
laptop and a phone, and each step's link reached from the keyboard."""

import pytest

from assessments.demo import build_demo_assessments
from dashboards.tests.browser import assert_accessible, log_in, screenshot
from interventions.demo import build_demo_interventions
from schools.demo import DEMO_PASSWORD, DemoBuilder
from teams.demo import build_demo_teams
from teams.models import Team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team():
    district = DemoBuilder(seed=7).build(
        high_school_students=40, district_students=None
    )
    teams = build_demo_teams(district, seed=7)
    build_demo_assessments(teams, seed=7)
    build_demo_interventions(district, seed=7)
    return Team.objects.get(name="Algebra 1 team")


def test_the_team_page_shows_its_cycle_accessibly(page, live_server, team):
    lead = team.memberships.get(role="lead").user
    log_in(page, live_server.url, lead.email, DEMO_PASSWORD)
    for name, viewport in (
        ("laptop", {"width": 1366, "height": 900}),
        ("phone", {"width": 390, "height": 844}),
    ):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}{team.get_absolute_url()}")
        page.wait_for_load_state("networkidle")
        table = page.get_by_role("table", name="Where Algebra 1 team stands")
        assert page.get_by_role("heading", name="Our teaching-learning cycle")
        assert table.locator("tbody tr").count() >= 3
        assert_accessible(page)
        screenshot(page, f"team-cycle-{name}")
    # The first step's link is reached with the keyboard and opens its page.
    link = page.locator(".cycle-table a").first
    link.focus()
    assert link.evaluate("element => element === document.activeElement")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/outcomes/" in page.url
