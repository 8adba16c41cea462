"""Principals see when the daily review last ran and what it did; a failed or
missed run shows."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from interventions.models import SweepRun
from interventions.review_status import review_status

pytestmark = pytest.mark.django_db
HOME = reverse("dashboards:home")


def local(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


DAY = datetime.date(2026, 11, 3)


def test_before_the_hour_nothing_is_missed_after_it_a_missing_run_is(cast):
    (status,) = review_status([cast.school.pk], now=local(DAY, 7))
    assert status.healthy and status.last is None
    (status,) = review_status([cast.school.pk], now=local(DAY, 9))
    assert status.missed and status.problem.endswith("has not run today")


def test_a_successful_run_is_shown_with_its_counts(login, cast):
    SweepRun.objects.create(
        school=cast.school,
        kind=SweepRun.Kind.DAILY,
        as_of=DAY,
        status=SweepRun.Status.SUCCEEDED,
        started_at=local(DAY, 6),
        finished_at=local(DAY, 6),
        counts={"opened": 3, "exited": 2, "escalated": 1},
    )
    (status,) = review_status([cast.school.pk], now=local(DAY, 11))
    assert status.healthy
    with time_machine.travel(local(DAY, 11), tick=False):
        page = login(cast.principal).get(HOME).content.decode()
    assert "3 cases opened" in page and "2 exited" in page and "1 moved up" in page


def test_a_failed_run_shows_on_the_principals_page(login, cast):
    SweepRun.objects.create(
        school=cast.school,
        kind=SweepRun.Kind.DAILY,
        as_of=DAY,
        status=SweepRun.Status.FAILED,
        started_at=local(DAY, 6),
        finished_at=local(DAY, 6),
        error="case 12: RuntimeError: the database said no",
    )
    with time_machine.travel(local(DAY, 8), tick=False):
        (status,) = review_status([cast.school.pk])
        page = login(cast.principal).get(HOME).content.decode()
    assert status.failed and "the database said no" in status.problem
    assert "Failed" in page and "the database said no" in page
