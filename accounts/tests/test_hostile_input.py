"""Random and hostile input to the account forms: never a server error, and
nobody is logged in or has a password changed by it.

Covered here: log-in (login, password), password reset (email), password
change (old password, new password twice). Field names are read from each page.
"""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from plc.tests.hostile import db_settings, field_names, hostile_form

pytestmark = pytest.mark.django_db


@db_settings
@given(data=st.data())
def test_log_in_and_password_reset(cast, client, data):
    for name in ("accounts:login", "accounts:password_reset"):
        url = reverse(name)
        names = field_names(client.get(url).content)
        response = client.post(url, hostile_form(data, names))
        assert response.status_code < 500, url
        assert "_auth_user_id" not in client.session


@db_settings
@given(data=st.data())
def test_password_change(cast, client, data):
    client.force_login(cast.teacher)
    url = reverse("accounts:password_change")
    names = field_names(client.get(url).content)
    password = cast.teacher.password
    response = client.post(url, hostile_form(data, names))
    assert response.status_code < 500
    cast.teacher.refresh_from_db()
    if response.status_code != 302:
        assert cast.teacher.password == password
        client.force_login(cast.teacher)
