"""Helpers for the browser tests: log in like a person, check accessibility."""

import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"


def log_in(page, base_url: str, email: str, password: str) -> None:
    """Log in through the form; when the account uses two-factor, type the code
    its authenticator app would show, and when its role requires two-factor and
    it has none yet, set it up as the person would, then go home."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
    if "/accounts/2fa/authenticate/" in page.url:
        _type_code(page, _stored_secret(email), button="Log in")
    if "/accounts/2fa/totp/activate/" in page.url:
        secret = page.locator("#authenticator_secret").input_value()
        _type_code(page, secret, button="Turn on")
        page.goto(f"{base_url}/")
        page.wait_for_load_state("networkidle")


def _stored_secret(email: str) -> str:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    authenticator = Authenticator.objects.get(
        user__email=email.lower(), type=Authenticator.Type.TOTP
    )
    return decrypt(authenticator.data["secret"])


def _type_code(page, secret: str, *, button: str) -> None:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    # A code works once: a second log-in within the same 30 seconds takes the
    # next step's code, which the site accepts too.
    step = int(time.time()) // 30
    for offset in (0, 1, -1):
        page.get_by_label("Code").fill(
            format_hotp_value(hotp_value(secret, step + offset))
        )
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state("networkidle")
        if not page.get_by_text("That code is not right").count():
            return
    raise AssertionError(f"no code was accepted for the authenticator at {page.url}")


def wait_for(page, expression: str, *, timeout: float = 30_000) -> None:
    """Wait until the JavaScript `expression` is true in the page.

    Playwright's own wait_for_function builds its predicate with eval inside the
    page, which the Content Security Policy refuses (no 'unsafe-eval');
    page.evaluate goes through the browser's debugging protocol instead."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"still false after {timeout / 1000:g} s: {expression}"
            )
        page.wait_for_timeout(50)


def axe_violations(page) -> list[dict]:
    """WCAG 2.1 A and AA violations that axe-core finds on the current page."""
    # Evaluated through the browser's debugging protocol, not added as a <script>
    # tag: the Content Security Policy refuses inline scripts, and would refuse
    # axe's tag like any other.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    return [
        {
            "id": violation["id"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"][:5]],
        }
        for violation in result["violations"]
    ]


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, json.dumps(violations, indent=2)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
