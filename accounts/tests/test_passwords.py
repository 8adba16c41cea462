"""Django's password validators refuse weak passwords, saying why."""

import pytest
from django.urls import reverse

from accounts.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("short1", "too short. It must contain at least 10 characters"),
        ("password123", "too common"),
        ("1234567890123", "entirely numeric"),
        ("rivera-stevenson", "too similar to the e-mail address"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(login, new_password, message):
    user = UserFactory(email="rivera-stevenson@school.example")
    response = login(user).post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
