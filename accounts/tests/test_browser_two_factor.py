"""Two-factor set-up and log-in in a real browser: accessible (axe-core, WCAG 2.1
AA), and the path the browser helper `log_in` takes for principals."""

import pytest

from accounts.models import Role
from accounts.tests.factories import TEST_PASSWORD
from dashboards.tests.browser import (
    _type_code,
    assert_accessible,
    log_in,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def production_roles(settings):
    settings.REQUIRE_2FA_ROLES = [Role.PRINCIPAL, Role.DISTRICT_ADMIN]


def submit_password(page, base_url, email):
    page.goto(f"{base_url}/accounts/login/")
    assert_accessible(page)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")


def test_a_principal_sets_it_up_then_logs_in_with_a_code(page, live_server, cast):
    email = cast.principal.email
    submit_password(page, live_server.url, email)

    assert page.url.endswith("/accounts/2fa/totp/activate/")
    assert page.get_by_role("heading", name="Set up two-factor log-in").is_visible()
    assert page.get_by_text("you must set up two-factor log-in").is_visible()
    assert_accessible(page)
    screenshot(page, "two-factor-set-up")
    page.goto(f"{live_server.url}/teams/")
    assert page.url.endswith("/accounts/2fa/totp/activate/")

    secret = page.locator("#authenticator_secret").input_value()
    _type_code(page, secret, button="Turn on")
    assert_accessible(page)  # the recovery codes shown once set up
    page.goto(f"{live_server.url}/teams/")
    assert page.url.endswith("/teams/")
    for path in ("/accounts/2fa/", "/accounts/sessions/"):
        page.goto(f"{live_server.url}{path}")
        assert page.url.endswith(path)
        assert_accessible(page)
    screenshot(page, "sessions")

    page.get_by_role("button", name=cast.principal.display_name).click()
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state("networkidle")

    submit_password(page, live_server.url, email)
    assert page.url.endswith("/accounts/2fa/authenticate/")
    assert_accessible(page)
    screenshot(page, "two-factor-code")
    _type_code(page, secret, button="Log in")
    assert page.url == f"{live_server.url}/"


def test_the_helper_logs_a_principal_in_whatever_the_state(page, live_server, cast):
    log_in(page, live_server.url, cast.principal.email, TEST_PASSWORD)
    assert page.url == f"{live_server.url}/"
    page.context.clear_cookies()
    log_in(page, live_server.url, cast.principal.email, TEST_PASSWORD)
    assert page.url == f"{live_server.url}/"
