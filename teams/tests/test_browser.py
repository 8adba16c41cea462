"""Team pages in a real browser: accessible (axe-core, WCAG 2.1 AA) on a laptop
and a phone, and reorderable from the keyboard."""

import json
from pathlib import Path

import pytest

from dashboards.tests.browser import wait_for
from schools.demo import DEMO_PASSWORD, DemoBuilder
from teams.demo import build_demo_teams
from teams.models import Team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}


def log_in(page, base_url, email):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")


def assert_accessible(page):
    # Not as a <script> tag: the Content Security Policy refuses inline scripts.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    violations = [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
    ]
    assert not violations, (page.url, json.dumps(violations, indent=2))


@pytest.fixture
def demo():
    district = DemoBuilder(seed=7).build(
        high_school_students=40, district_students=None
    )
    build_demo_teams(district, seed=7)
    team = Team.objects.get(name="Algebra 1 team")
    return {
        "team": team,
        "meeting": team.meetings.order_by("held_on").first(),
        "outcome": team.outcomes.first(),
        "goal": team.goals.first(),
        "school": team.school,
    }


def team_pages(d):
    t, s = d["team"].pk, d["school"].pk
    return [
        "/teams/",
        f"/teams/{t}/",
        f"/teams/{t}/outcomes/",
        f"/teams/{t}/outcomes/new/",
        f"/teams/{t}/outcomes/{d['outcome'].pk}/edit/",
        f"/teams/{t}/outcomes/import/",
        f"/teams/{t}/goals/new/",
        f"/teams/{t}/goals/{d['goal'].pk}/edit/",
        f"/teams/{t}/norms/",
        f"/teams/{t}/meetings/",
        f"/teams/{t}/meetings/new/",
        f"/teams/{t}/meetings/{d['meeting'].pk}/",
        f"/teams/{t}/members/",
        f"/teams/{t}/history/",
        f"/teams/schools/{s}/",
        "/",
    ]


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_lead_pages_are_accessible(page, live_server, demo, viewport):
    page.set_viewport_size(viewport)
    log_in(page, live_server.url, "teacher@stevenson.example")
    for path in team_pages(demo):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert_accessible(page)
        # Nothing wider than the screen: the page never scrolls sideways.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 1, (path, overflow)


def test_principal_pages_are_accessible(page, live_server, demo):
    log_in(page, live_server.url, "principal@stevenson.example")
    school = demo["school"].pk
    for path in (
        f"/teams/new/{school}/",
        f"/teams/{demo['team'].pk}/edit/",
        f"/teams/{demo['team'].pk}/members/",
        f"/teams/schools/{school}/edit/",
        f"/teams/schools/{school}/goals/",
    ):
        assert page.goto(live_server.url + path).status == 200, path
        assert_accessible(page)


def test_outcomes_reorder_from_the_keyboard(page, live_server, demo):
    log_in(page, live_server.url, "teacher@stevenson.example")
    page.goto(f"{live_server.url}/teams/{demo['team'].pk}/outcomes/")
    codes = page.locator("tbody th").all_inner_texts()
    page.get_by_role("button", name=f"Move {codes[0]} down").focus()
    page.keyboard.press("Enter")
    wait_for(page, f"document.querySelector('tbody th').innerText !== {codes[0]!r}")
    assert page.locator("tbody th").all_inner_texts()[:2] == [codes[1], codes[0]]
    # Focus stays on the moved outcome's button, so the next Enter moves it again.
    focused = page.evaluate("document.activeElement.innerText")
    assert f"Move {codes[0]} down" in focused
    page.keyboard.press("Enter")
    wait_for(
        page, f"document.querySelectorAll('tbody th')[2].innerText === {codes[0]!r}"
    )


def test_an_action_item_is_ticked_off_from_the_home_page(page, live_server, demo):
    log_in(page, live_server.url, "teacher@stevenson.example")
    toggle = page.locator("#my-action-items ~ ul .action-toggle").first
    toggle.click()
    page.wait_for_selector("#my-action-items ~ ul .action-toggle[aria-pressed='true']")
    page.reload()
    assert page.locator(".action-done").count() == 0  # done items leave the list
