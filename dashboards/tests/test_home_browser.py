"""The teacher's and the counselor's homes in a real browser: led by Today,
accessible (axe-core, WCAG 2.1 AA), each item a link the keyboard reaches."""

import pytest

from assessments.demo import build_demo_assessments
from dashboards.tests.browser import assert_accessible, log_in, screenshot
from interventions.demo import build_demo_interventions
from schools.demo import DEMO_PASSWORD, DemoBuilder
from teams.demo import build_demo_teams

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    district = DemoBuilder(seed=7).build(
        high_school_students=40, district_students=None
    )
    teams = build_demo_teams(district, seed=7)
    build_demo_assessments(teams, seed=7)
    build_demo_interventions(district, seed=7)


# Boones Mill's counselor: with the high school at 40 students, its few cases
# may all be settled by the replayed term, leaving nothing for today.
@pytest.mark.parametrize(
    "email", ["teacher@stevenson.example", "counselor@boonesmill.example"]
)
def test_today_leads_the_home_page(page, live_server, demo, email):
    log_in(page, live_server.url, email, DEMO_PASSWORD)
    first = page.get_by_role("heading", level=2).first
    assert first.inner_text() == "Today"
    items = page.locator(".today-list li")
    assert items.count() > 0
    assert_accessible(page)
    screenshot(page, f"home-today-{email.split('@')[0]}")
    # Skip to the content, then one Tab reaches the first thing to do.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == items.first.locator("a").inner_text()
