"""Background work of the ladder: the daily review of each school at its hour,
and flagging right after results change (docs/domain.md, "Reviewing a case")."""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections import defaultdict

from celery import shared_task
from django.db import connection
from django.utils import timezone

from accounts.changes import schools_changed
from interventions import digest, notices
from interventions.flagging import flag_students
from interventions.models import Policy, SweepRun
from interventions.sweep import sweep_school
from schools.models import School, Student

logger = logging.getLogger(__name__)
DEFAULT_HOUR = Policy._meta.get_field("sweep_hour").default
LOCK_NAMESPACE = 7_301  # advisory-lock namespace of the daily review


def refresh_mastery() -> int:
    """Recompute every student whose kept mastery is marked due (and flag them,
    through the hook); how many changed."""
    from assessments.tasks import recompute_all_mastery

    return recompute_all_mastery()


@contextlib.contextmanager
def school_lock(school_id: int):
    """One daily review of a school at a time, across processes and machines."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, school_id]
        )
        got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, school_id]
                )


def schools_due(now: datetime.datetime) -> list[School]:
    """Schools whose review hour has come today and that have no successful
    review for today yet (a missed hour is caught up at the next beat)."""
    local = timezone.localtime(now)
    today = local.date()
    hours = dict(Policy.objects.values_list("school_id", "sweep_hour"))
    done = set(
        SweepRun.objects.filter(
            kind=SweepRun.Kind.DAILY, status=SweepRun.Status.SUCCEEDED, as_of=today
        ).values_list("school_id", flat=True)
    )
    return [
        school
        for school in School.objects.filter(is_active=True).order_by("pk")
        if school.pk not in done and local.hour >= hours.get(school.pk, DEFAULT_HOUR)
    ]


def close_dead_runs(school: School) -> int:
    """Mark failed the school's daily runs still "running": called under the
    school's lock, which a live review holds for as long as it runs, so such a
    run's worker died (the lock dies with its connection)."""
    closed = SweepRun.objects.filter(
        school=school, kind=SweepRun.Kind.DAILY, status=SweepRun.Status.RUNNING
    ).update(
        status=SweepRun.Status.FAILED,
        finished_at=timezone.now(),
        error="The review stopped before it finished (its worker was stopped or "
        "lost); the next review of the school went on from where it was.",
    )
    if closed:
        schools_changed([school.pk])
    return closed


@shared_task(acks_late=True)
def daily_reviews() -> int:
    """Beat runs this every quarter hour; it reviews each school once a day."""
    now = timezone.now()
    today = timezone.localtime(now).date()
    reviewed = 0
    refresh_mastery()
    for school in schools_due(now):
        with school_lock(school.pk) as got:
            if not got:
                continue  # another worker is reviewing this school
            close_dead_runs(school)
            if SweepRun.objects.filter(
                school=school,
                kind=SweepRun.Kind.DAILY,
                status=SweepRun.Status.SUCCEEDED,
                as_of=today,
            ).exists():
                continue
            sweep_school(school=school, as_of=today)
            reviewed += 1
    return reviewed


def flag_changed(student_ids: list[int]) -> int:
    """Flag the students whose kept mastery just changed, school by school, so
    new cases show within seconds of a class's results being finalized."""
    by_school = defaultdict(list)
    for student_id, school_id in Student.objects.filter(pk__in=student_ids).values_list(
        "pk", "school_id"
    ):
        by_school[school_id].append(student_id)
    today = timezone.localdate()
    opened = 0
    for school in School.objects.filter(pk__in=by_school):
        counts = flag_students(
            school=school, on=today, student_ids=by_school[school.pk]
        )
        opened += counts.opened
    return opened


# Notifications and parent notices (interventions/digest.py, notices.py) ----------


@shared_task(acks_late=True)
def send_daily_digests() -> dict:
    """Beat runs this once a day: one e-mail per person with something new."""
    run = digest.digests_send()
    return {"people": run.people, "items": run.items, "failed": run.failed}


@shared_task(
    acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def parent_notice_send(*, notice_id: int) -> bool:
    """E-mail one parent letter, queued when its case entered the rung."""
    return notices.parent_notice_email(notice_id=notice_id)


@shared_task(acks_late=True)
def send_pending_parent_notices() -> int:
    """Beat runs this every quarter hour: letters whose mail server refused or
    failed them for a while go out now."""
    return notices.parent_notices_send_pending()
