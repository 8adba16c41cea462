"""Session limits and the two-factor set-up gate (docs/deployment.md, "Accounts").

Both read only the session, which the authentication middleware has loaded
already, so an ordinary page costs no extra query; the session is written at most
once a minute to record activity.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.two_factor import SETUP_PENDING, has_authenticator_app

LOGGED_IN_AT = "plc_logged_in_at"
LAST_SEEN_AT = "plc_last_seen_at"
# Activity is recorded no more often than this, so that a burst of requests (a
# page and its htmx fragments) writes the session once.
ACTIVITY_GRANULARITY = 60


def stamp_session(request: HttpRequest) -> None:
    """Start the clocks of a session that has just logged in."""
    now = int(time.time())
    request.session[LOGGED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


class SessionLimitMiddleware:
    """Logs out a session idle for SESSION_IDLE_MINUTES, or older than
    SESSION_MAX_HOURS since log-in however active, and says why on the log-in
    page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            ended = self._ended(request)
            if ended:
                logout(request)
                messages.info(request, ended)
                return HttpResponseRedirect(
                    f"{reverse(settings.LOGIN_URL)}?next={quote(request.get_full_path())}"
                )
        return self.get_response(request)

    def _ended(self, request: HttpRequest) -> str:
        session = request.session
        now = int(time.time())
        # A session from before these limits has no stamps: its clocks start now.
        logged_in_at = session.get(LOGGED_IN_AT)
        last_seen_at = session.get(LAST_SEEN_AT)
        if logged_in_at is None or last_seen_at is None:
            stamp_session(request)
            return ""
        if now - logged_in_at > settings.SESSION_MAX_HOURS * 3600:
            return (
                f"For your security you were logged out {settings.SESSION_MAX_HOURS} "
                "hours after you logged in. Log in again to go on."
            )
        if now - last_seen_at > settings.SESSION_IDLE_MINUTES * 60:
            return (
                "For your security you were logged out after "
                f"{settings.SESSION_IDLE_MINUTES} minutes without activity. Log in "
                "again to go on."
            )
        if now - last_seen_at >= ACTIVITY_GRANULARITY:
            session[LAST_SEEN_AT] = now
        return ""


class TwoFactorSetupMiddleware:
    """While a person whose role requires two-factor has not set it up, every page
    but the set-up pages and log-out leads to the set-up page. Only their requests
    pay the query that asks whether they have done it yet."""

    ALLOWED_PREFIXES = ("/accounts/2fa/", "/accounts/reauthenticate/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and request.session.get(SETUP_PENDING)
            and not self._allowed(request.path)
        ):
            if not has_authenticator_app(request.user):
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
            del request.session[SETUP_PENDING]
        return self.get_response(request)

    def _allowed(self, path: str) -> bool:
        return path.startswith(self.ALLOWED_PREFIXES) or path in (
            reverse("accounts:logout"),
            reverse("healthz"),
        )
