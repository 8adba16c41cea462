"""Failed log-ins are limited per account and per client address
(docs/deployment.md, "Accounts")."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import TEST_PASSWORD, UserFactory
from accounts.tests.helpers import post_login

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed log-in attempts"


def fail(client, email, times, **extra):
    for _ in range(times):
        response = post_login(client, email, "wrong-password", **extra)
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()


def test_five_failures_lock_the_account_even_for_the_right_password(client):
    UserFactory(email="rivera@stevenson.example")
    fail(client, "rivera@stevenson.example", 5)

    response = post_login(client, "rivera@stevenson.example", TEST_PASSWORD)

    assert response.status_code == 200
    page = response.content.decode()
    assert LOCKED in page
    assert "15 minutes" in page
    assert "_auth_user_id" not in client.session


def test_an_address_with_no_account_gets_the_same_answer(client):
    UserFactory(email="rivera@stevenson.example")
    fail(client, "rivera@stevenson.example", 5)
    fail(client, "nobody@stevenson.example", 5)

    real = post_login(client, "rivera@stevenson.example", "wrong-password")
    unknown = post_login(client, "nobody@stevenson.example", "wrong-password")

    def message(response):
        return response.context["form"].non_field_errors()

    assert message(real) == message(unknown)
    assert LOCKED in message(real)[0]


def test_the_lock_counts_the_address_whatever_its_case(client):
    UserFactory(email="rivera@stevenson.example")
    fail(client, "Rivera@Stevenson.example", 3)
    fail(client, "RIVERA@stevenson.example", 2)
    response = post_login(client, "rivera@stevenson.example")
    assert LOCKED in response.content.decode()


def test_a_locked_account_does_not_lock_another(client):
    UserFactory(email="rivera@stevenson.example")
    UserFactory(email="chen@stevenson.example")
    fail(client, "rivera@stevenson.example", 5)

    response = post_login(client, "chen@stevenson.example")

    assert response.status_code == 302


def test_the_lock_ends_after_the_lockout_period(client):
    UserFactory(email="rivera@stevenson.example")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, "rivera@stevenson.example", 5)
    with time_machine.travel(start + datetime.timedelta(minutes=14), tick=False):
        assert LOCKED in post_login(client, "rivera@stevenson.example").content.decode()
    with time_machine.travel(start + datetime.timedelta(minutes=16), tick=False):
        assert post_login(client, "rivera@stevenson.example").status_code == 302


def test_a_success_does_not_reset_the_count(client):
    # Otherwise someone who knows one password could interleave it with guesses.
    UserFactory(email="rivera@stevenson.example")
    fail(client, "rivera@stevenson.example", 4)
    assert post_login(client, "rivera@stevenson.example").status_code == 302
    client.logout()
    fail(client, "rivera@stevenson.example", 1)
    assert LOCKED in post_login(client, "rivera@stevenson.example").content.decode()


def test_failures_from_one_address_across_accounts_lock_that_address(settings):
    # Behind the HTTPS proxy, as production is (with DEBUG on, as under `make
    # test`, the proxy count defaults to 0 and every client is 127.0.0.1).
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed": "6/15m/ip,5/15m/key",
    }
    UserFactory(email="rivera@stevenson.example")
    guesser = Client(HTTP_X_FORWARDED_FOR="203.0.113.9")
    for n in range(6):
        fail(guesser, f"person{n}@stevenson.example", 1)

    refused = post_login(guesser, "rivera@stevenson.example")
    assert LOCKED in refused.content.decode()

    # Someone at another address is not affected.
    colleague = Client(HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert post_login(colleague, "rivera@stevenson.example").status_code == 302
