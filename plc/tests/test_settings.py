"""A bad environment value stops the app at start-up with a message naming it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from plc import env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("yes", True), ("off", False), ("", False)]
)
def test_env_bool_reads_yes_and_no(monkeypatch, value, expected):
    monkeypatch.setenv("FLAG", value)
    assert env.env_bool("FLAG", not expected) is expected


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG='maybe' is not a yes/no"):
        env.env_bool("FLAG", False)


def test_env_int_refuses_words_and_small_numbers(monkeypatch):
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env.env_int("PORT", 25)
    monkeypatch.setenv("PORT", "0")
    with pytest.raises(ImproperlyConfigured, match="must be at least 1"):
        env.env_int("PORT", 25, minimum=1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mysql://db/plc", "must start with postgres:// or postgresql://"),
        ("sqlite:///plc.db", "must start with postgres://"),
        ("postgres://db:port/plc", "port that is not a number"),
    ],
)
def test_env_url_refuses_other_databases_and_bad_ports(monkeypatch, value, message):
    monkeypatch.setenv("DATABASE_URL", value)
    with pytest.raises(ImproperlyConfigured, match=message):
        env.env_url("DATABASE_URL", "", schemes=("postgres", "postgresql"))


def test_env_time_zone_refuses_unknown_zones(monkeypatch):
    monkeypatch.setenv("TIME_ZONE", "Mars/Olympus_Mons")
    with pytest.raises(ImproperlyConfigured, match="not a known time zone"):
        env.env_time_zone("TIME_ZONE", "UTC")


def run_check(**overrides):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
    }
    environment.update(overrides, PLC_IGNORE_DOTENV="1")
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_a_secret_key_refuses_to_start():
    result = run_check(DEBUG="0", ALLOWED_HOSTS="plc.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_without_allowed_hosts_refuses_to_start():
    result = run_check(DEBUG="0", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_a_database_url_for_another_engine_refuses_to_start():
    result = run_check(DEBUG="1", DATABASE_URL="mysql://root@localhost/plc")
    assert result.returncode != 0
    assert "DATABASE_URL='mysql://root@localhost/plc' must start with" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_reported_plainly():
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"],
        cwd=ROOT,
        env={
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:1/plc",
            "PLC_IGNORE_DOTENV": "1",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "The database cannot be reached" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_are_strict():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s;"
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
            " s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.DEBUG)",
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "SECURE_SSL_REDIRECT"},
            "DJANGO_SETTINGS_MODULE": "plc.settings",
            "PLC_IGNORE_DOTENV": "1",
            "DEBUG": "0",
            "SECRET_KEY": "s" * 50,
            "ALLOWED_HOSTS": "plc.example.org",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["True", "True", "True", "True", "False"]
