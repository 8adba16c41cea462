"""The roster and people are all in the Django admin, searchable and filterable."""

import pytest
from django.contrib import admin
from django.db import transaction
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

APPS = {"accounts", "schools"}


def registered_models():
    return [model for model in admin.site._registry if model._meta.app_label in APPS]


@pytest.fixture
def admin_client(client, cast):
    from accounts.events import EventType
    from accounts.services import event_record
    from schools.models import AccessedStudent, AccessRecord
    from schools.tests.factories import GuardianFactory

    GuardianFactory(district=cast.district).students.add(cast.taught_students[0])
    with transaction.atomic():
        event_record(
            type=EventType.COMMITMENTS_UPDATED,
            actor=cast.principal,
            school=cast.school,
            summary="Edited the school's mission",
            before={"mission": ""},
            after={"mission": "Learning for all"},
        )
    record = AccessRecord.objects.create(
        user=cast.teacher, role="Teacher", kind="page", what="Student record", path="/"
    )
    AccessedStudent.objects.create(
        record=record, student=cast.untaught_student, at=record.at
    )
    client.force_login(User.objects.create_superuser("root@district.example", "x" * 12))
    return client


def test_every_roster_model_is_registered():
    names = {model.__name__ for model in registered_models()}
    assert names >= {
        "User",
        "Event",
        "AccessRecord",
        "District",
        "School",
        "StaffRole",
        "Term",
        "Course",
        "Section",
        "Student",
        "Enrollment",
        "Guardian",
    }


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m.__name__)
def test_changelist_searches_and_filters(admin_client, model):
    model_admin = admin.site._registry[model]
    assert model_admin.search_fields, f"{model.__name__} has no search"
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert admin_client.get(url, {"q": "a"}).status_code == 200


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m.__name__)
def test_change_page_opens(admin_client, model):
    obj = model.objects.first()
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    if obj is None:  # a model the cast does not create: its add page, then
        assert admin_client.get(reverse(f"{prefix}_add")).status_code in {200, 403}
        return
    assert (
        admin_client.get(reverse(f"{prefix}_change", args=[obj.pk])).status_code == 200
    )


def test_teachers_cannot_reach_the_admin(client, cast):
    client.force_login(cast.teacher)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_staff_who_are_not_superusers_cannot_reach_the_admin(client, cast):
    cast.principal.is_staff = True
    cast.principal.save()
    client.force_login(cast.principal)
    response = client.get(reverse("admin:schools_student_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url
