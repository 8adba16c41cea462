"""`manage.py check --deploy` with production settings reports nothing
(docs/deployment.md, "Security headers")."""

import ast
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def check_deploy(**overrides) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "SESSION_", "CSRF_", "REQUIRE_2FA"))
        and key
        not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(
        PLC_IGNORE_DOTENV="1",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="plc.example.org",
        **overrides,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("variable", "warning"),
    [
        ("SECURE_HSTS_PRELOAD", "security.W021"),
        ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "security.W005"),
    ],
)
def test_turning_hsts_options_off_is_reported(variable, warning):
    # The operator may turn them off; the check then says so, as it should.
    result = check_deploy(**{variable: "0"})
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


@pytest.mark.django_db
def production(name: str):
    """A setting as production computes it (DEBUG off), whatever this run's
    DEBUG: `make test` runs the suite with DEBUG on."""
    result = read_setting(name)
    assert result.returncode == 0, result.stderr
    return ast.literal_eval(result.stdout.strip())


def test_production_responses_carry_the_security_headers(client, settings):
    for name in (
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_REFERRER_POLICY",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "X_FRAME_OPTIONS",
    ):
        setattr(settings, name, production(name))
    settings.SECURE_SSL_REDIRECT = False
    response = client.get("/accounts/login/", secure=True)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


def test_session_and_csrf_cookies_are_secure_and_http_only():
    assert production("SESSION_COOKIE_SECURE") is True
    assert production("SESSION_COOKIE_HTTPONLY") is True
    assert production("CSRF_COOKIE_SECURE") is True


def read_setting(name: str, **overrides) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items() if key != "REQUIRE_2FA_ROLES"
    }
    environment.update(
        PLC_IGNORE_DOTENV="1",
        DJANGO_SETTINGS_MODULE="plc.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="plc.example.org",
        **overrides,
    )
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings;"
            f"print(repr(settings.{name}))",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_requires_two_factor_of_principals_and_district_admins():
    result = read_setting("REQUIRE_2FA_ROLES")
    assert result.stdout.strip() == "['principal', 'district_admin']", result.stderr


def test_a_demo_can_turn_the_requirement_off():
    result = read_setting("REQUIRE_2FA_ROLES", REQUIRE_2FA_ROLES="")
    assert result.stdout.strip() == "[]", result.stderr


def test_a_role_that_does_not_exist_is_refused_at_start_up():
    result = read_setting("REQUIRE_2FA_ROLES", REQUIRE_2FA_ROLES="principal,boss")
    assert result.returncode != 0
    assert "REQUIRE_2FA_ROLES names boss, which is not a role" in result.stderr
