"""Imported staff log in once an admin sends them a password-set e-mail."""

import re
from unittest import mock

import pytest
from django.urls import reverse

from accounts.models import Event, User
from accounts.services import send_password_set_email
from schools.oneroster import import_oneroster, open_source
from schools.tests.oneroster_helpers import FILES

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported_teacher():
    assert import_oneroster(open_source(FILES / "v1_1_bulk")).ok
    return User.objects.get(sourced_id="t1")


def test_password_set_link_lets_an_imported_teacher_log_in(
    client, imported_teacher, django_capture_on_commit_callbacks
):
    assert not imported_teacher.has_usable_password()
    with (
        mock.patch("accounts.tasks.send_email.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        send_password_set_email(
            user=imported_teacher, domain="plc.example.org", use_https=True
        )
    message = delay.call_args.kwargs
    assert message["to"] == ["ana.rivera@lakeside.example"]
    assert "choose a password" in message["subject"]
    link = re.search(r"https://plc\.example\.org(/accounts/\S+)", message["body"])
    assert link, message["body"]

    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {
            "new_password1": "a-first-password-42",
            "new_password2": "a-first-password-42",
        },
    )
    assert done.status_code == 302
    assert client.login(
        username="ana.rivera@lakeside.example", password="a-first-password-42"
    )


def test_nothing_is_sent_before_the_transaction_commits(imported_teacher):
    with mock.patch("accounts.tasks.send_email.delay") as delay:
        send_password_set_email(user=imported_teacher, domain="x.example")
    assert not delay.called


def test_admin_action_sends_to_active_accounts_only(
    client, imported_teacher, django_capture_on_commit_callbacks
):
    admin = User.objects.create_superuser("root@lakeside.example", "pw-not-used-1")
    client.force_login(admin)
    gone = User.objects.get(sourced_id="t2")
    gone.is_active = False
    gone.save()
    with (
        mock.patch("accounts.tasks.send_email.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {
                "action": "send_password_set_emails",
                "_selected_action": [imported_teacher.pk, gone.pk],
            },
            follow=True,
        )
    assert response.status_code == 200
    assert [c.kwargs["to"] for c in delay.call_args_list] == [
        ["ana.rivera@lakeside.example"]
    ]
    assert "1 inactive account(s) skipped" in response.content.decode()
    assert Event.objects.filter(type="user.password_set_sent").count() == 1
