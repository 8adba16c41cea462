"""Who must log in with a second factor (docs/deployment.md, "Accounts").

Principals and district admins see every student of a school or a district, so
their accounts are worth more to an attacker; REQUIRE_2FA_ROLES names the roles
whose holders must set up an authenticator app before they can use PLC.
"""

from allauth.mfa.models import Authenticator
from django.conf import settings

# Set at log-in, cleared when the person adds an authenticator; while set, the
# only pages they may open are the set-up pages and log-out
# (accounts/middleware.py). Kept in the session so that no page pays a query.
SETUP_PENDING = "plc_2fa_setup_pending"


def two_factor_required(user) -> bool:
    """Whether the user holds, anywhere, an active role that requires two-factor."""
    roles = settings.REQUIRE_2FA_ROLES
    if not roles:
        return False
    return user.staff_roles.filter(is_active=True, role__in=roles).exists()


def has_authenticator_app(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists()
