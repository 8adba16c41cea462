"""The periodic task: each school once a day at its hour, missed hours caught up,
and a run cut short mid-way finished by the next without doubling anything."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Event
from interventions import sweep as sweep_module
from interventions.models import CaseStatus, Policy, SweepRun
from interventions.tasks import daily_reviews, schools_due
from interventions.tests.conftest import open_case

pytestmark = pytest.mark.django_db


def local(day, hour, minute=0):
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(hour, minute))
    )


DAY = datetime.date(2026, 11, 16)


def test_each_school_is_reviewed_once_a_day_from_its_hour(cast):
    Policy.objects.create(school=cast.school, sweep_hour=7)
    with time_machine.travel(local(DAY, 6, 30), tick=False):
        due = {s.pk for s in schools_due(timezone.now())}
    assert cast.school.pk not in due and cast.other_school.pk in due  # default 6
    with time_machine.travel(local(DAY, 7, 15), tick=False):
        assert daily_reviews() == 2
        assert daily_reviews() == 0  # twice in a day changes nothing
    assert SweepRun.objects.filter(as_of=DAY, status="succeeded").count() == 2
    # A missed hour is caught up: the next day's first beat, late in the day.
    with time_machine.travel(local(DAY + datetime.timedelta(1), 22), tick=False):
        assert daily_reviews() == 2


def test_a_run_cut_short_is_finished_by_the_next_without_doubling(ladder, monkeypatch):
    cases = [
        open_case(ladder, s, on=datetime.date(2026, 10, 5)).case
        for s in ladder.taught_students
    ]
    review = cases[0].next_review_on
    real = sweep_module.review_case
    calls = []

    def dies_on_the_second(*, case_id, as_of):
        calls.append(case_id)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the worker is killed, not a Python error
        return real(case_id=case_id, as_of=as_of)

    monkeypatch.setattr(sweep_module, "review_case", dies_on_the_second)
    with (
        time_machine.travel(local(review, 6), tick=False),
        pytest.raises(KeyboardInterrupt),
    ):
        sweep_module.sweep_school(school=ladder.school, as_of=review)
    monkeypatch.setattr(sweep_module, "review_case", real)
    cut_short = SweepRun.objects.get()
    assert cut_short.status == SweepRun.Status.RUNNING  # never finished
    with time_machine.travel(local(review, 7), tick=False):
        sweep_module.sweep_school(school=ladder.school, as_of=review)
    for case in cases:
        case.refresh_from_db()
        assert case.status == CaseStatus.PLAN_NOT_DELIVERED
        assert (
            Event.objects.filter(
                case=case, type=EventType.CASE_PLAN_NOT_DELIVERED
            ).count()
            == 1
        )


def test_a_run_whose_worker_died_is_marked_failed_by_the_next(cast):
    # A worker killed mid-review leaves its run "running". The next review of
    # the school holds the school's lock, so no live review can be running:
    # the old one is closed as failed, saying why, and the principal's page and
    # /healthz stop showing a review in progress for good.
    with time_machine.travel(local(DAY, 6, 5), tick=False):
        dead = SweepRun.objects.create(
            school=cast.school, kind=SweepRun.Kind.DAILY, as_of=DAY
        )
    with time_machine.travel(local(DAY, 6, 30), tick=False):
        assert daily_reviews() == 2
    dead.refresh_from_db()
    assert dead.status == SweepRun.Status.FAILED
    assert dead.finished_at == local(DAY, 6, 30)
    assert "stopped before it finished" in dead.error
    assert SweepRun.objects.get(school=cast.school, status="succeeded").as_of == DAY
