import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def test_log_in_with_email_in_any_case(client):
    UserFactory(email="rivera@stevenson.example")
    response = client.post(
        LOGIN, {"login": "Rivera@Stevenson.EXAMPLE", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboards:home")


def test_wrong_password_gets_a_clear_message_and_no_session(client):
    UserFactory(email="rivera@stevenson.example")
    response = client.post(
        LOGIN, {"login": "rivera@stevenson.example", "password": "nope"}
    )
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_inactive_account_cannot_log_in(client):
    UserFactory(email="gone@stevenson.example", is_active=False)
    response = client.post(
        LOGIN, {"login": "gone@stevenson.example", "password": TEST_PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    # Only someone who knows the password learns that the account is inactive.
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "ask your school's office to restore your account" in page


def test_inactive_account_with_a_wrong_password_looks_like_any_other(client):
    UserFactory(email="gone@stevenson.example", is_active=False)
    response = client.post(
        LOGIN, {"login": "gone@stevenson.example", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()


def test_login_page_labels_its_fields(client):
    import re

    page = client.get(LOGIN).content.decode()
    for field in ("login", "password"):
        assert re.search(rf'<label\s+for="id_{field}"', page)
        assert f'id="id_{field}"' in page
    assert re.search(r'<label\s+for="id_login"[^>]*>\s*E-mail address', page)
    assert "Forgot your password?" in page
    assert "Sign up" not in page


def test_log_in_goes_on_to_the_page_asked_for(client):
    UserFactory(email="rivera@stevenson.example")
    response = client.post(
        LOGIN + "?next=/teams/",
        {
            "login": "rivera@stevenson.example",
            "password": TEST_PASSWORD,
            "next": "/teams/",
        },
    )
    assert response.status_code == 302
    assert response.url == "/teams/"


def test_log_in_never_leads_off_the_site(client):
    UserFactory(email="rivera@stevenson.example")
    response = client.post(
        LOGIN,
        {
            "login": "rivera@stevenson.example",
            "password": TEST_PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboards:home")


def test_nobody_signs_up(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@anywhere.example", "password1": "a-long-new-pass-42"},
    )
    assert response.status_code in (302, 404)
    assert not User.objects.filter(email="new@anywhere.example").exists()


def test_admin_log_in_goes_through_the_same_log_in(client):
    # The admin's own form would skip the limits and the second step.
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_logout_is_a_post_and_ends_the_session(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change_needs_the_old_password(client):
    user = UserFactory()
    client.force_login(user)
    url = reverse("accounts:password_change")
    bad = client.post(
        url,
        {
            "old_password": "wrong",
            "new_password1": "a-new-long-password-1",
            "new_password2": "a-new-long-password-1",
        },
    )
    assert bad.status_code == 200
    assert "old password was entered incorrectly" in bad.content.decode()
    good = client.post(
        url,
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-new-long-password-1",
            "new_password2": "a-new-long-password-1",
        },
    )
    assert good.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-long-password-1")


def test_emails_are_unique_whatever_their_case():
    from django.db import IntegrityError, transaction

    User.objects.create_user("Same@School.example", "pw-123456789")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="SAME@school.example")
    assert User.objects.get(email="same@school.example")


def test_superuser_created_from_the_command_line_can_log_in(client):
    User.objects.create_superuser("root@district.example", "long-enough-password")
    assert client.login(
        username="root@district.example", password="long-enough-password"
    )
