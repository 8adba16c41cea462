"""Flagging and the daily review, on real data, with a frozen clock."""

import datetime
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Event
from assessments import services as assessment_services
from assessments.models import CommonAssessment, ReteachItem, StudentMastery
from interventions.flagging import flag_students
from interventions.models import Case, CaseAction, CaseStatus, Policy, SweepRun
from interventions.sweep import sweep_school
from interventions.tests.conftest import open_case

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 10, 5)


def at(day):
    return time_machine.travel(
        timezone.make_aware(datetime.datetime.combine(day, datetime.time(7))),
        tick=False,
    )


def finalized(ladder, outcome, student, points, on, *, title=None, retake_of=None):
    """A finalized common assessment of one item on `outcome`, scored for one
    student, and the student's kept mastery brought up to date."""
    assessment = assessment_services.assessment_create(
        team=ladder.team,
        course=ladder.course,
        title=title or f"Check of {on}",
        administered_on=on,
        actor=ladder.principal,
    )
    if retake_of is not None:
        CommonAssessment.objects.filter(pk=assessment.pk).update(retake_of=retake_of)
    (item,) = assessment_services.items_replace(
        assessment=assessment,
        items=[assessment_services.ItemSpec(1, Decimal(10), outcome)],
        actor=ladder.principal,
    )
    assessment_services.assessment_open(assessment=assessment, actor=ladder.principal)
    assessment_services.score_enter(
        assessment=assessment,
        item=item,
        student=student,
        raw=str(points),
        seen_version=0,
        actor=ladder.principal,
    )
    assessment_services.assessment_finalize(
        assessment=assessment, actor=ladder.principal
    )
    assessment_services.mastery_recompute(student_ids=[student.pk])
    return assessment


def deliver(case, day):
    """Every action of the current rung done, and no group sessions missed."""
    CaseAction.objects.filter(case=case, rung_id=case.rung_id).update(
        done_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    )


# Flagging --------------------------------------------------------------------------


@pytest.fixture
def no_reteach_wait(ladder):
    """One student's low score puts their class under the reteach threshold; most
    tests here are about the student, so the school does not wait."""
    Policy.objects.create(school=ladder.school, hold_for_reteach=False)


def test_a_student_not_yet_proficient_is_flagged_once(ladder, no_reteach_wait):
    student = ladder.taught_students[0]
    outcome = ladder.outcomes[0]
    finalized(ladder, outcome, student, 4, MONDAY)
    counts = flag_students(school=ladder.school, on=MONDAY)
    assert counts.opened == 1
    case = Case.objects.get(student=student)
    snapshot = case.outcomes.get().snapshot
    assert snapshot["status"] == "not_yet"
    assert snapshot["assessment_on"] == MONDAY.isoformat()
    assert flag_students(school=ladder.school, on=MONDAY).opened == 0
    assert Case.objects.filter(student=student).count() == 1


def test_under_n_mastery_a_student_with_every_score_at_the_cut_is_not_flagged(
    ladder, no_reteach_wait
):
    # Three scores at the cut are needed; one at the cut is "1 of 3": not yet
    # proficient, but nothing missed. A score below the cut is a miss.
    student = ladder.taught_students[0]
    outcome = ladder.outcomes[0]
    ladder.team.mastery_method, ladder.team.mastery_n = "n_mastery", 3
    ladder.team.save()
    finalized(ladder, outcome, student, 9, MONDAY - datetime.timedelta(7))

    counts = flag_students(school=ladder.school, on=MONDAY)
    assert (counts.opened, counts.still_gathering) == (0, 1)
    assert not Case.objects.filter(student=student).exists()

    finalized(ladder, outcome, student, 3, MONDAY - datetime.timedelta(1))
    counts = flag_students(school=ladder.school, on=MONDAY)
    assert (counts.opened, counts.still_gathering) == (1, 0)


def test_a_new_outcome_is_added_to_the_open_case(ladder, no_reteach_wait):
    student = ladder.taught_students[0]
    finalized(ladder, ladder.outcomes[0], student, 4, MONDAY)
    flag_students(school=ladder.school, on=MONDAY)
    finalized(ladder, ladder.outcomes[1], student, 3, MONDAY + datetime.timedelta(1))
    counts = flag_students(school=ladder.school, on=MONDAY + datetime.timedelta(1))
    assert (counts.opened, counts.outcomes_added) == (0, 1)
    assert Case.objects.get(student=student).outcomes.count() == 2


def test_a_class_waiting_for_its_reteach_is_not_flagged_until_the_reassessment(
    ladder,
):
    student = ladder.taught_students[0]
    outcome = ladder.outcomes[0]
    first = finalized(ladder, outcome, student, 4, MONDAY)
    assert ReteachItem.objects.filter(section=ladder.section, outcome=outcome).exists()
    counts = flag_students(school=ladder.school, on=MONDAY)
    assert (counts.opened, counts.held_for_reteach) == (0, 1)
    # Once the re-assessment is finalized, a student still not there is flagged.
    finalized(
        ladder, outcome, student, 5, MONDAY + datetime.timedelta(14), retake_of=first
    )
    assert flag_students(school=ladder.school, on=MONDAY).opened == 1


def test_a_school_may_choose_not_to_wait_for_the_reteach(ladder):
    finalized(ladder, ladder.outcomes[0], ladder.taught_students[0], 4, MONDAY)
    Policy.objects.create(school=ladder.school, hold_for_reteach=False)
    assert flag_students(school=ladder.school, on=MONDAY).opened == 1


def test_an_outcome_decided_without_new_evidence_is_not_flagged_again(
    ladder, no_reteach_wait
):
    student = ladder.taught_students[0]
    finalized(ladder, ladder.outcomes[0], student, 4, MONDAY)
    flag_students(school=ladder.school, on=MONDAY)
    case = Case.objects.get()
    from interventions import services

    services.case_exit(
        case=case,
        actor=ladder.counselor,
        reason="Shown mastery in class",
        on=MONDAY + datetime.timedelta(3),
    )
    assert (
        flag_students(school=ladder.school, on=MONDAY + datetime.timedelta(4)).opened
        == 0
    )
    # A newer finalized score, still short, opens a new case.
    finalized(ladder, ladder.outcomes[0], student, 5, MONDAY + datetime.timedelta(20))
    assert (
        flag_students(school=ladder.school, on=MONDAY + datetime.timedelta(20)).opened
        == 1
    )


# The daily review ------------------------------------------------------------------


def test_a_student_proficient_on_new_evidence_exits_at_review(ladder):
    student = ladder.taught_students[0]
    case = open_case(ladder, student, on=MONDAY).case
    review = case.next_review_on
    finalized(ladder, ladder.outcomes[0], student, 9, review - datetime.timedelta(2))
    with at(review):
        run = sweep_school(school=ladder.school, as_of=review)
    case.refresh_from_db()
    assert case.status == CaseStatus.EXITED
    assert run.status == SweepRun.Status.SUCCEEDED
    assert run.counts["exited"] == 1
    exited = Event.objects.get(case=case, type=EventType.CASE_EXITED)
    assert exited.system == "daily_review" and exited.actor is None
    assert exited.data["rule"]["rule"] == "exit"
    assert exited.reason.startswith("Proficient on ALG1.EO1")


def test_a_plan_not_delivered_is_held_and_reviewed_again(ladder):
    case = open_case(ladder, on=MONDAY).case
    review = case.next_review_on
    with at(review):
        run = sweep_school(school=ladder.school, as_of=review)
    case.refresh_from_db()
    assert case.status == CaseStatus.PLAN_NOT_DELIVERED
    assert case.rung.name == "Support"  # not moved up
    assert case.next_review_on == review + datetime.timedelta(days=14)
    held = Event.objects.get(case=case, type=EventType.CASE_PLAN_NOT_DELIVERED)
    assert "required actions not done" in held.reason
    numbers = held.data["rule"]["numbers"]
    assert numbers["actions_due"] == 6 and numbers["actions_done"] == 0
    assert run.counts["held"] == 1
    # The counselor and the principal are told, in their next digest.
    from interventions.models import Notification

    told = set(
        Notification.objects.filter(kind="plan_not_delivered", case=case).values_list(
            "user", flat=True
        )
    )
    assert told == {ladder.counselor.pk, ladder.principal.pk}


def test_a_delivered_plan_that_did_not_work_moves_up_then_refers(ladder):
    case = open_case(ladder, on=MONDAY).case
    for expected in ("Required tutoring", "Guided study hall"):
        review = case.next_review_on
        deliver(case, review)
        with at(review):
            sweep_school(school=ladder.school, as_of=review)
        case.refresh_from_db()
        assert case.rung.name == expected
    review = case.next_review_on
    case.refresh_from_db()
    deliver(case, review)
    with at(review):
        run = sweep_school(school=ladder.school, as_of=review)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED
    assert run.counts["referred"] == 1


def test_moving_up_into_a_full_group_waits_for_a_seat(ladder):
    from interventions import services

    case = open_case(ladder, on=MONDAY).case
    services.case_move(
        case=case, actor=ladder.counselor, direction="up", reason="x", on=MONDAY
    )
    case.refresh_from_db()
    for other in ladder.taught_students[1:3]:  # fill the study hall's two seats
        services.placement_request(
            group=ladder.study_hall, student=other, actor=ladder.principal
        )
    review = case.next_review_on
    deliver(case, review)
    with at(review):
        run = sweep_school(school=ladder.school, as_of=review)
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITLISTED
    assert run.counts["waitlisted"] == 1


def test_the_same_review_twice_changes_nothing_the_second_time(ladder):
    case = open_case(ladder, on=MONDAY).case
    review = case.next_review_on
    with at(review):
        sweep_school(school=ladder.school, as_of=review)
        events = Event.objects.count()
        second = sweep_school(school=ladder.school, as_of=review)
    assert Event.objects.count() == events
    assert sum(second.counts.values()) == 0
    assert SweepRun.objects.filter(school=ladder.school).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_reviews_at_once_decide_each_case_once(ladder):
    from interventions.tests.conftest import open_case as opening

    cases = [opening(ladder, s, on=MONDAY).case for s in ladder.taught_students]
    review = cases[0].next_review_on
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            sweep_school(school=ladder.school, as_of=review)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    for case in cases:
        assert (
            Event.objects.filter(
                case=case, type=EventType.CASE_PLAN_NOT_DELIVERED
            ).count()
            == 1
        )
    runs = SweepRun.objects.filter(school=ladder.school)
    assert sum(run.counts["held"] for run in runs) == len(cases)


def test_a_failing_case_is_reported_and_the_others_are_decided(ladder, monkeypatch):
    from interventions import sweep

    first = open_case(ladder, ladder.taught_students[0], on=MONDAY).case
    second = open_case(ladder, ladder.taught_students[1], on=MONDAY).case
    real = sweep.review_facts

    def broken(case, as_of):
        if case.pk == first.pk:
            raise RuntimeError("the database said no")
        return real(case, as_of)

    monkeypatch.setattr(sweep, "review_facts", broken)
    review = first.next_review_on
    with at(review):
        run = sweep_school(school=ladder.school, as_of=review)
    assert run.status == SweepRun.Status.FAILED
    assert f"case {first.pk}: RuntimeError: the database said no" in run.error
    second.refresh_from_db()
    assert second.status == CaseStatus.PLAN_NOT_DELIVERED
    assert StudentMastery.objects.count() == 0  # nothing else touched
