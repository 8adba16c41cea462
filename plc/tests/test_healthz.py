import pytest
from django.db import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthy_when_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "outbox": "ok",
        "reviews": "ok",
    }


def test_503_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"].startswith("down")
    assert response.json()["database"] == "ok"


def test_503_when_the_database_is_down(client, monkeypatch):
    from plc import views

    class Broken:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(views, "connection", Broken())
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "down: OperationalError"


def test_healthz_needs_no_login_and_reveals_nothing_else(client):
    body = client.get(reverse("healthz")).json()
    assert set(body) == {"status", "database", "broker", "outbox", "reviews"}


def test_503_when_a_schools_daily_review_failed(client, cast):
    import datetime

    from django.utils import timezone

    from interventions.models import SweepRun

    now = timezone.now()
    for school in (cast.school, cast.other_school):
        SweepRun.objects.create(
            school=school,
            kind=SweepRun.Kind.DAILY,
            as_of=timezone.localdate(),
            status=SweepRun.Status.SUCCEEDED,
            started_at=now - datetime.timedelta(minutes=5),
            finished_at=now,
        )
    assert client.get(reverse("healthz")).json()["reviews"] == "ok"
    SweepRun.objects.create(
        school=cast.school,
        kind=SweepRun.Kind.DAILY,
        as_of=timezone.localdate(),
        status=SweepRun.Status.FAILED,
        started_at=now,
        finished_at=now,
        error="RuntimeError: the database said no",
    )
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["reviews"] == (
        "failing: the daily review of Stevenson High School failed: "
        "RuntimeError: the database said no"
    )
