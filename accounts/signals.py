"""Session bookkeeping at log-in (docs/deployment.md, "Accounts")."""

from accounts.middleware import stamp_session
from accounts.two_factor import (
    SETUP_PENDING,
    has_authenticator_app,
    two_factor_required,
)


def start_session_clocks(sender, request, user, **kwargs) -> None:
    # Django's signal: every log-in, whatever the path.
    if request is not None and hasattr(request, "session"):
        stamp_session(request)


def ask_for_two_factor_setup(sender, request, user, **kwargs) -> None:
    # allauth's signal, sent once the log-in (password, then code if any) is
    # complete.
    if two_factor_required(user) and not has_authenticator_app(user):
        request.session[SETUP_PENDING] = True
