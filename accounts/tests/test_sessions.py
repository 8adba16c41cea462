"""Sessions end when idle, at an absolute limit, and when the person logs out or
changes their password elsewhere (docs/deployment.md, "Accounts")."""

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import TEST_PASSWORD, UserFactory
from accounts.tests.helpers import LOGIN, post_login

pytestmark = pytest.mark.django_db
HOME = reverse("dashboards:home")
START = timezone.now().replace(microsecond=0)


def at(minutes: float):
    return time_machine.travel(START + datetime.timedelta(minutes=minutes), tick=False)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def rivera(db):
    return UserFactory(email="rivera@stevenson.example")


def test_a_session_ends_after_thirty_idle_minutes(client, rivera):
    with at(0):
        assert post_login(client, rivera.email).status_code == 302
    with at(29):
        assert client.get(HOME).status_code == 200
    with at(29 + 31):
        response = client.get(HOME)
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={HOME}"
    assert not logged_in(client)
    page = client.get(response.url).content.decode()
    assert "logged out after 30 minutes without activity" in page


def test_activity_keeps_a_session_alive(client, rivera):
    with at(0):
        post_login(client, rivera.email)
    for minute in range(20, 240, 20):
        with at(minute):
            assert client.get(HOME).status_code == 200, minute


def test_the_idle_limit_is_a_setting(client, rivera, settings):
    settings.SESSION_IDLE_MINUTES = 5
    with at(0):
        post_login(client, rivera.email)
    with at(6):
        assert client.get(HOME).status_code == 302
    assert not logged_in(client)


def test_a_session_ends_twelve_hours_after_log_in_however_active(client, rivera):
    with at(0):
        post_login(client, rivera.email)
    minute = 0
    while minute < 12 * 60 - 20:
        minute += 20
        with at(minute):
            assert client.get(HOME).status_code == 200, minute
    with at(12 * 60 + 1):
        response = client.get(HOME)
    assert response.status_code == 302
    assert not logged_in(client)
    page = client.get(response.url).content.decode()
    assert "12 hours after you logged in" in page


def test_the_absolute_limit_is_a_setting(client, rivera, settings):
    settings.SESSION_MAX_HOURS = 1
    with at(0):
        post_login(client, rivera.email)
    for minute in (20, 40, 59):
        with at(minute):
            assert client.get(HOME).status_code == 200
    with at(61):
        assert client.get(HOME).status_code == 302


def test_a_quiet_request_does_not_rewrite_the_session(client, rivera):
    # Recording activity on every request would add a write to every page.
    with at(0):
        post_login(client, rivera.email)
        client.get(HOME)
    key = client.session.session_key
    saved = Session.objects.get(session_key=key).session_data
    with at(0.5):
        client.get(HOME)
    assert Session.objects.get(session_key=key).session_data == saved


def test_log_out_ends_every_session_of_that_person(rivera):
    laptop, phone = Client(), Client()
    other = UserFactory()
    bystander = Client()
    for device in (laptop, phone):
        assert post_login(device, rivera.email).status_code == 302
    assert post_login(bystander, other.email).status_code == 302

    laptop.post(reverse("accounts:logout"))

    assert phone.get(HOME).status_code == 302
    assert not logged_in(phone)
    assert bystander.get(HOME).status_code == 200
    remaining = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(rivera.pk) not in remaining


def test_the_admins_log_out_ends_every_session_too(db):
    """An operator leaving the admin site is logged out everywhere, as from the
    product's own pages: the admin's own logout would end this session only."""
    operator = UserFactory(email="ops@lakeside.example", is_staff=True)
    operator.is_superuser = True
    operator.save()
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        assert post_login(device, operator.email).status_code == 302
    assert phone.get("/admin/").status_code == 200

    response = laptop.post("/admin/logout/")

    assert response.status_code == 302
    assert not logged_in(laptop)
    assert phone.get("/admin/").status_code == 302
    assert not logged_in(phone)


def test_the_admins_log_out_is_a_post_and_asks_nothing_of_anyone_else(client, rivera):
    """A link or an image cannot log an operator out (GET is refused), and a
    post from someone not logged in ends nothing and shows nothing."""
    assert post_login(client, rivera.email).status_code == 302
    assert client.get("/admin/logout/").status_code == 405
    assert logged_in(client)
    anonymous = Client()
    response = anonymous.post("/admin/logout/")
    assert response.status_code == 302
    assert logged_in(client)


def test_password_change_ends_the_other_sessions_and_keeps_this_one(rivera):
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        post_login(device, rivera.email)
    phone_key = phone.session.session_key

    response = laptop.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-new-long-password-1",
            "new_password2": "a-new-long-password-1",
        },
    )

    assert response.status_code == 302
    assert not Session.objects.filter(session_key=phone_key).exists()
    assert phone.get(HOME).status_code == 302
    assert laptop.get(HOME).status_code == 200


def test_sessions_page_lists_and_ends_a_persons_sessions(rivera):
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        post_login(device, rivera.email)
    page = laptop.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert page.content.decode().count("<tr>") == 3  # the header and two sessions
    assert "Log out of the other sessions" in page.content.decode()

    laptop.post(reverse("usersessions_list"))

    assert phone.get(HOME).status_code == 302
    assert laptop.get(HOME).status_code == 200
