"""The principal's dashboard in a real browser: it draws its charts with their
text, passes axe, opens a drill-down from the keyboard, and prints; the
district dashboard sorts. Screenshots go to test-artifacts/."""

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
        high_school_students=60, district_students=None
    )
    teams = build_demo_teams(district, seed=7)
    build_demo_assessments(teams, seed=7)
    build_demo_interventions(district, seed=7)


def test_dashboard_draws_its_charts_and_opens_a_drill_down(page, live_server, demo):
    log_in(page, live_server.url, "principal@stevenson.example", DEMO_PASSWORD)
    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "the school at a glance" in page.get_by_role("heading", level=1).inner_text()

    pyramid = page.locator("svg.pyramid")
    assert pyramid.get_attribute("role") == "img"
    assert "Students per tier now." in pyramid.locator("desc").text_content()
    assert pyramid.locator("polygon").count() >= 3
    sparklines = page.locator("svg.sparkline")
    assert sparklines.count() > 0
    assert "across the term" in sparklines.first.get_attribute("aria-label")
    assert page.locator("td.heat-cell .heat-cue").count() > 0
    assert_accessible(page)
    screenshot(page, "dashboard-principal")

    # Keyboard: focus the pyramid's "Core only" count and open it with Enter.
    link = page.locator("table a[href*='measure=tier&tier=core']").first
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Students at a tier of the pyramid now"
    )
    assert page.locator("tbody tr").count() > 0
    assert_accessible(page)
    screenshot(page, "dashboard-drilldown")

    # A heat-map cell opens by click.
    page.go_back()
    page.locator("td.heat-cell a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", level=1).inner_text()
    assert page.locator("tbody tr").count() > 0


def test_dashboard_prints_without_navigation(page, live_server, demo):
    log_in(page, live_server.url, "principal@stevenson.example", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/dashboard/")
    page.emulate_media(media="print")
    assert not page.locator("nav.plc-navbar").is_visible()
    assert not page.get_by_role("button", name="Print").is_visible()
    assert page.locator("svg.pyramid").is_visible()
    screenshot(page, "dashboard-print")


def test_district_dashboard_sorts_and_passes_axe(page, live_server, demo):
    log_in(page, live_server.url, "admin@lakeside.example", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/district/")
    assert_accessible(page)
    page.get_by_role("link", name="Active students").click()
    page.wait_for_load_state("networkidle")
    header = page.locator("th[aria-sort='ascending']")
    assert "Active students" in header.inner_text()
    screenshot(page, "dashboard-district")
