import re
import time

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.tests.factories import UserFactory


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.celery
def test_reset_email_is_sent_by_a_real_worker_after_commit(client, celery_worker):
    user = UserFactory(email="rivera@stevenson.example", first_name="Ana")
    response = client.post(
        reverse("accounts:password_reset"), {"email": "Rivera@Stevenson.example"}
    )
    assert response.status_code == 302
    assert wait_for(lambda: len(mail.outbox) == 1), "the worker sent no e-mail"
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "Reset your PLC password" in message.subject
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", message.body)
    assert link, message.body

    form = client.get(link.group(1), follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {
            "new_password1": "a-much-better-pass-42",
            "new_password2": "a-much-better-pass-42",
        },
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-much-better-pass-42")


@pytest.mark.django_db
def test_unknown_address_gets_the_same_answer_and_no_email(client):
    response = client.post(
        reverse("accounts:password_reset"), {"email": "nobody@nowhere.example"}
    )
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []


@pytest.mark.django_db
def test_used_or_expired_link_says_so_plainly(client):
    user = UserFactory()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    user.set_password("changed-since-the-link-was-made")
    user.save()  # changing the password invalidates the token
    response = client.get(
        reverse("accounts:password_reset_confirm", args=[uid, token]), follow=True
    )
    assert response.status_code == 200
    assert b"This reset link no longer works" in response.content
    assert b"Send me a new link" in response.content
