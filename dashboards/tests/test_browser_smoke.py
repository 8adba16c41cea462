"""Every demo role logs in through a real browser and sees its own home page."""

import re

import pytest

from dashboards.tests.browser import assert_accessible, log_in, screenshot, wait_for
from schools.demo import DEMO_PASSWORD, DemoBuilder, demo_logins

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME_HEADINGS = {
    "district_admin": "Schools side by side",
    "principal": "at a glance",
    "teacher": "Today",
    "counselor": "Today",
    "interventionist": "My intervention groups",
}


@pytest.fixture
def demo():
    DemoBuilder(seed=7).build(high_school_students=40, district_students=None)
    return demo_logins()


def test_each_demo_role_logs_in_and_sees_its_home_page(page, live_server, demo):
    assert {login.role for login in demo} == set(HOME_HEADINGS)
    for login in demo:
        log_in(page, live_server.url, login.email, DEMO_PASSWORD)
        assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
        heading = page.get_by_role("heading", level=2).first.inner_text()
        assert HOME_HEADINGS[login.role] in heading, (login.email, heading)
        assert_accessible(page)
        screenshot(page, f"home-{login.role}-{login.email.split('@')[1]}")
        page.locator(".dropdown-toggle").click()
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{live_server.url}/accounts/login/")


def test_wrong_password_is_refused_with_a_message(page, live_server, demo):
    log_in(page, live_server.url, demo[0].email, "not-the-password")
    assert page.get_by_text("do not match an account").is_visible()
    assert_accessible(page)


def test_keyboard_user_reaches_main_content_and_a_student(page, live_server, demo):
    teacher = next(
        login for login in demo if login.email == "teacher@stevenson.example"
    )
    log_in(page, live_server.url, teacher.email, DEMO_PASSWORD)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("element => element === document.activeElement")
    page.keyboard.press("Enter")
    # Tab from the main region lands on the first class link.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Period" in focused
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name=re.compile("^Roster")).is_visible()
    assert_accessible(page)
    first_student = page.locator("tbody th a").first
    first_student.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="Classes").is_visible()
    assert_accessible(page)
    screenshot(page, "student-record")


def test_student_search_filters_as_you_type(page, live_server, demo):
    principal = next(
        login for login in demo if login.email == "principal@stevenson.example"
    )
    log_in(page, live_server.url, principal.email, DEMO_PASSWORD)
    page.get_by_role("link", name="Students").click()
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    page.get_by_label("Name or student ID").fill("100003")
    wait_for(
        page,
        "document.querySelector('#student-results p')"
        ".textContent.startsWith('1 student')",
    )
    assert page.locator("#student-results tbody tr").count() == 1
    screenshot(page, "student-search")
