"""Flag → case → review → escalate → exit, through a real Celery worker on real
Redis, with the clock frozen for each review."""

import datetime
import time
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Event
from assessments import services as assessment_services
from interventions.models import Case, CaseAction, CaseStatus, Policy
from interventions.sweep import sweep_school

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def give_assessment(ladder, student, points, on):
    assessment = assessment_services.assessment_create(
        team=ladder.team,
        course=ladder.course,
        title=f"Common assessment of {on:%-d %b}",
        administered_on=on,
        actor=ladder.teacher,
    )
    (item,) = assessment_services.items_replace(
        assessment=assessment,
        items=[assessment_services.ItemSpec(1, Decimal(10), ladder.outcomes[0])],
        actor=ladder.teacher,
    )
    assessment_services.assessment_open(assessment=assessment, actor=ladder.teacher)
    assessment_services.score_enter(
        assessment=assessment,
        item=item,
        student=student,
        raw=str(points),
        seen_version=0,
        actor=ladder.teacher,
    )
    assessment_services.assessment_finalize(assessment=assessment, actor=ladder.teacher)


def review(ladder, case):
    day = case.next_review_on
    with time_machine.travel(
        timezone.make_aware(datetime.datetime.combine(day, datetime.time(6))),
        tick=False,
    ):
        sweep_school(school=ladder.school, as_of=day)
    case.refresh_from_db()
    return case


def test_a_student_is_flagged_escalated_and_exits_when_they_learn(
    ladder, celery_worker
):
    Policy.objects.create(school=ladder.school, hold_for_reteach=False)
    ladder.team.mastery_method = "latest"  # the newest score decides
    ladder.team.save()
    student = ladder.taught_students[0]
    started = time.monotonic()
    give_assessment(ladder, student, 4, timezone.localdate())
    # The worker recomputes mastery and flags: the case shows within seconds.
    assert wait_for(lambda: Case.objects.filter(student=student).exists(), 10)
    assert time.monotonic() - started < 2
    case = Case.objects.get(student=student)
    assert case.rung.name == "Support"
    opened = Event.objects.get(case=case, type=EventType.CASE_OPENED)
    assert opened.system == "flagging"

    # Nothing was done: the plan was not delivered, so the student is not moved.
    case = review(ladder, case)
    assert case.status == CaseStatus.PLAN_NOT_DELIVERED and case.rung.name == "Support"

    # Done, and still not there: up a rung.
    CaseAction.objects.filter(case=case).update(done_at=timezone.now())
    case = review(ladder, case)
    assert case.rung.name == "Required tutoring"
    assert case.status == CaseStatus.ACTIVE

    # The student learns it; the next review sees the new evidence and exits.
    CaseAction.objects.filter(case=case).update(done_at=timezone.now())
    give_assessment(ladder, student, 9, case.next_review_on - datetime.timedelta(3))
    assert wait_for(lambda: student.masteries.filter(status="proficient").exists(), 10)
    case = review(ladder, case)
    assert case.status == CaseStatus.EXITED
    types = list(
        Event.objects.filter(case=case).order_by("pk").values_list("type", flat=True)
    )
    assert (
        types.index(EventType.CASE_PLAN_NOT_DELIVERED)
        < types.index(EventType.CASE_MOVED_UP)
        < types.index(EventType.CASE_EXITED)
    )
