"""How django-allauth behaves in PLC: no sign-up, the product's own messages,
and secrets kept encrypted."""

import base64
import hashlib
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

from accounts.two_factor import two_factor_required


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # One message for a wrong password, an unknown address and an inactive
        # account, so the form tells nobody which addresses have accounts.
        "email_password_mismatch": (
            "That e-mail address and password do not match an account. Check both "
            "and try again; passwords are case-sensitive."
        ),
        "too_many_login_attempts": (
            "Too many failed log-in attempts. For your safety, log-in with this "
            "e-mail address or from this network is paused for "
            f"{settings.LOGIN_LOCKOUT_MINUTES} minutes; try again after that, or "
            "ask your school's office for help."
        ),
    }

    def is_open_for_signup(self, request) -> bool:
        # Accounts come from the roster import; nobody creates their own.
        return False

    def is_ajax(self, request) -> bool:
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # Turning two-factor on or off asks for the password again, unless the
        # person typed it moments ago: a principal sent to set it up right after
        # logging in is not asked twice.
        request = context.request
        records = get_authentication_records(request, request.user)
        if records and time.time() - records[-1]["at"] < (
            settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
        ):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)


def _fernet() -> MultiFernet:
    # Derived from SECRET_KEY, with SECRET_KEY_FALLBACKS still able to read what
    # an earlier key wrote, so rotating the key does not lock anyone out.
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    hashlib.sha256(f"plc-mfa-secret:{key}".encode()).digest()
                )
            )
            for key in keys
        ]
    )


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "Two-factor log-in is required for your role, so it cannot be turned "
            "off. To move it to a new phone, ask the district's PLC administrator "
            "to reset it; you then set it up again at your next log-in."
        ),
        "incorrect_code": "That code is not right. Type the six digits your "
        "authenticator app shows now.",
    }

    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet().decrypt(encrypted_text.encode()).decode()

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type != Authenticator.Type.TOTP:
            return True
        return not two_factor_required(authenticator.user)
