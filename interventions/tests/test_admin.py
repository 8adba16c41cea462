"""The ladder's records can be looked at in the admin, never written there."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.tests.factories import UserFactory
from interventions.tests.conftest import open_case

pytestmark = pytest.mark.django_db

MODELS = [m for m in admin.site._registry if m._meta.app_label == "interventions"]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelists_open_and_nothing_is_added_by_hand(client, ladder, model):
    open_case(ladder)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    prefix = f"admin:interventions_{model._meta.model_name}"
    assert client.get(reverse(f"{prefix}_changelist")).status_code == 200
    assert client.get(reverse(f"{prefix}_add")).status_code == 403
    obj = model.objects.first()
    if obj is not None:
        assert client.get(reverse(f"{prefix}_change", args=[obj.pk])).status_code == 200
