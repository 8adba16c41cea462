"""Two-factor log-in with an authenticator app (TOTP): optional for everyone,
required for principals and district admins (docs/deployment.md, "Accounts")."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.tests.helpers import current_code, give_totp, post_login, totp_secret

pytestmark = pytest.mark.django_db
HOME = reverse("dashboards:home")
SET_UP = reverse("mfa_activate_totp")
AUTHENTICATE = reverse("mfa_authenticate")


@pytest.fixture(autouse=True)
def production_roles(settings):
    # What production requires by default (plc/settings.py); the suite's
    # conftest turns it off for tests of other features.
    settings.REQUIRE_2FA_ROLES = [Role.PRINCIPAL, Role.DISTRICT_ADMIN]


def set_up_totp(client) -> str:
    """Go through the set-up page as a person would; the secret they typed in."""
    page = client.get(SET_UP)
    assert page.status_code == 200
    secret = re.search(r"\b([A-Z2-7]{32})\b", page.content.decode()).group(1)
    response = client.post(SET_UP, {"code": current_code(secret)})
    assert response.status_code == 302, response.content.decode()
    return secret


@pytest.mark.parametrize("who", ["principal", "district_admin"])
def test_principals_and_district_admins_must_set_it_up_at_log_in(cast, who):
    client = Client()
    response = post_login(client, getattr(cast, who).email)
    assert response.status_code == 302
    assert client.get(HOME).url == SET_UP
    for url in (reverse("teams:list"), reverse("accounts:password_change")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == SET_UP
    page = client.get(SET_UP).content.decode()
    assert "must set up two-factor" in page

    set_up_totp(client)

    assert client.get(HOME).status_code == 200
    assert Authenticator.objects.filter(
        user=getattr(cast, who), type=Authenticator.Type.TOTP
    ).exists()


def test_a_refused_page_cannot_be_reached_by_post_either(cast):
    client = Client()
    post_login(client, cast.principal.email)
    response = client.post(reverse("accounts:password_change"), {})
    assert response.status_code == 302
    assert response.url == SET_UP


def test_logging_out_is_still_possible_before_set_up(cast):
    client = Client()
    post_login(client, cast.principal.email)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("who", ["teacher", "counselor", "interventionist"])
def test_other_staff_are_not_asked(cast, who):
    client = Client()
    post_login(client, getattr(cast, who).email)
    assert client.get(HOME).status_code == 200


def test_a_role_that_ended_does_not_require_it(cast):
    cast.principal.staff_roles.update(is_active=False)
    client = Client()
    post_login(client, cast.principal.email)
    assert client.get(HOME).status_code == 200


def test_the_requirement_is_a_setting(cast, settings):
    settings.REQUIRE_2FA_ROLES = []
    client = Client()
    post_login(client, cast.principal.email)
    assert client.get(HOME).status_code == 200

    settings.REQUIRE_2FA_ROLES = [Role.TEACHER]
    client = Client()
    post_login(client, cast.teacher.email)
    assert client.get(HOME).url == SET_UP


def test_anyone_may_turn_it_on_and_then_logs_in_with_a_code(cast):
    client = Client()
    post_login(client, cast.teacher.email)
    secret = set_up_totp(client)
    client.post(reverse("accounts:logout"))

    client = Client()
    response = post_login(client, cast.teacher.email)
    assert response.status_code == 302
    assert response.url == AUTHENTICATE
    assert "_auth_user_id" not in client.session
    assert client.get(HOME).status_code == 302  # not logged in yet

    wrong = client.post(AUTHENTICATE, {"code": "000000"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()

    right = client.post(AUTHENTICATE, {"code": current_code(secret, offset=1)})
    assert right.status_code == 302
    assert client.get(HOME).status_code == 200


def test_a_principal_with_an_authenticator_logs_in_with_a_code(cast):
    secret = give_totp(cast.principal)
    client = Client()
    assert post_login(client, cast.principal.email).url == AUTHENTICATE
    client.post(AUTHENTICATE, {"code": current_code(secret)})
    assert client.get(HOME).status_code == 200


def test_wrong_codes_are_limited_too(cast):
    give_totp(cast.teacher)
    client = Client()
    post_login(client, cast.teacher.email)
    for _ in range(10):
        client.post(AUTHENTICATE, {"code": "000000"})
    response = client.post(AUTHENTICATE, {"code": "000000"})
    assert "Too many" in response.content.decode()


def test_a_principal_cannot_turn_it_off(cast):
    secret = give_totp(cast.principal)
    client = Client()
    post_login(client, cast.principal.email)
    client.post(AUTHENTICATE, {"code": current_code(secret)})

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 200
    assert "required for your role" in response.content.decode()
    assert Authenticator.objects.filter(user=cast.principal).exists()


def test_a_teacher_can_turn_it_off(cast):
    secret = give_totp(cast.teacher)
    assert totp_secret(cast.teacher) == secret
    client = Client()
    post_login(client, cast.teacher.email)
    client.post(AUTHENTICATE, {"code": current_code(secret)})

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 302
    assert not Authenticator.objects.filter(
        user=cast.teacher, type=Authenticator.Type.TOTP
    ).exists()


def test_the_secret_is_not_stored_in_the_clear(cast):
    secret = give_totp(cast.teacher)
    stored = Authenticator.objects.get(user=cast.teacher).data["secret"]
    assert secret not in stored


def test_a_wrong_password_never_reaches_the_code_step(cast):
    give_totp(cast.principal)
    client = Client()
    response = post_login(client, cast.principal.email, "wrong-password")
    assert response.status_code == 200
    assert client.get(AUTHENTICATE).status_code == 302


def test_demo_logins_say_how_to_run_a_demo_without_it(cast, settings):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "required of principals, district admins" in out.getvalue()
    assert "REQUIRE_2FA_ROLES=" in out.getvalue()

    settings.REQUIRE_2FA_ROLES = []
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "principal@stevenson.example" in out.getvalue()
    assert "Two-factor" not in out.getvalue()


def test_secrets_survive_a_rotated_secret_key(cast, settings):
    from allauth.mfa.utils import decrypt

    secret = give_totp(cast.teacher)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-0123456789"
    settings.SECRET_KEY_FALLBACKS = [old_key]
    stored = Authenticator.objects.get(user=cast.teacher).data["secret"]
    assert decrypt(stored) == secret
