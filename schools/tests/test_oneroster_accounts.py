"""Imported staff log in once an admin sends them a password-set e-mail."""

import re

import pytest
from django.urls import reverse

from accounts.models import Event, OutboxMessage, User
from accounts.services import send_password_set_email
from schools.oneroster import import_oneroster, open_source
from schools.tests.oneroster_helpers import FILES

pytestmark = pytest.mark.django_db


def queued_emails() -> list[dict]:
    """The e-mails queued for a worker to send (accounts/outbox.py)."""
    return [
        message.kwargs
        for message in OutboxMessage.objects.filter(task="accounts.tasks.send_email")
    ]


@pytest.fixture
def imported_teacher():
    assert import_oneroster(open_source(FILES / "v1_1_bulk")).ok
    return User.objects.get(sourced_id="t1")


def test_password_set_link_lets_an_imported_teacher_log_in(client, imported_teacher):
    assert not imported_teacher.has_usable_password()
    send_password_set_email(
        user=imported_teacher, domain="plc.example.org", use_https=True
    )
    (message,) = queued_emails()
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


def test_the_email_is_queued_with_the_change_and_sent_once_it_commits(
    imported_teacher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        send_password_set_email(user=imported_teacher, domain="x.example")
    assert OutboxMessage.objects.get().sent_at is None
    assert len(callbacks) == 1


def test_admin_action_sends_to_active_accounts_only(client, imported_teacher):
    admin = User.objects.create_superuser("root@lakeside.example", "pw-not-used-1")
    client.force_login(admin)
    gone = User.objects.get(sourced_id="t2")
    gone.is_active = False
    gone.save()
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {
            "action": "send_password_set_emails",
            "_selected_action": [imported_teacher.pk, gone.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert [email["to"] for email in queued_emails()] == [
        ["ana.rivera@lakeside.example"]
    ]
    assert "1 account(s) skipped: inactive, or with no e-mail address." in (
        response.content.decode()
    )
    assert Event.objects.filter(type="user.password_set_sent").count() == 1


def test_admin_action_skips_staff_imported_without_an_email(client, imported_teacher):
    admin = User.objects.create_superuser("root@lakeside.example", "pw-not-used-1")
    client.force_login(admin)
    no_email = User.objects.get(sourced_id="t2")
    no_email.email = "staff-0a1b2c@no-email.invalid"
    no_email.save()
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {
            "action": "send_password_set_emails",
            "_selected_action": [imported_teacher.pk, no_email.pk],
        },
        follow=True,
    )
    assert [email["to"] for email in queued_emails()] == [
        ["ana.rivera@lakeside.example"]
    ]
    assert "1 account(s) skipped" in response.content.decode()
