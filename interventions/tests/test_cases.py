"""Opening a case, entering rungs, moving, exiting and referring."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.events import EventType
from accounts.models import Event
from interventions import services
from interventions.models import (
    ActionKind,
    Case,
    CaseAction,
    CaseStatus,
    Placement,
    Responsible,
    Rung,
)
from interventions.tests.conftest import open_case, snapshot

pytestmark = pytest.mark.django_db


def test_every_new_school_gets_stevensons_ladder(cast):
    rungs = services.ladder_install_default(school=cast.school, system="test")
    assert [(r.name, r.tier, r.review_days) for r in rungs] == [
        ("Support", 1, 42),
        ("Required tutoring", 2, 42),
        ("Guided study hall", 3, 42),
    ]
    assert rungs[2].needs_contract and not rungs[0].needs_contract
    assert all(r.sends_parent_notice for r in rungs)
    # Installing again changes nothing.
    services.ladder_install_default(school=cast.school, system="test")
    assert Rung.objects.filter(school=cast.school).count() == 3


def test_opening_a_case_enters_the_first_rung_with_its_actions(ladder):
    student = ladder.taught_students[0]
    opening = open_case(ladder, student, on=datetime.date(2026, 10, 5))
    case = opening.case
    assert opening.created
    assert case.status == CaseStatus.ACTIVE
    assert case.rung.name == "Support"
    assert case.rung_snapshot["tier"] == 1
    assert case.next_review_on == datetime.date(2026, 11, 16)
    assert case.counselor == ladder.counselor
    assert case.team == ladder.team
    outcome = case.outcomes.get()
    assert outcome.snapshot["calculation"] == "latest score 55% < 80%"
    owners = {a.responsible: (a.owner, a.owner_note) for a in case.actions.all()}
    assert owners[Responsible.TEACHER] == (ladder.teacher, "")
    # No advisor is assigned: the advisor's actions go to the counselor, saying so.
    assert owners[Responsible.FACULTY_ADVISOR] == (
        ladder.counselor,
        "no advisor assigned",
    )
    assert case.actions.filter(due_on=datetime.date(2026, 10, 8)).exists()
    assert not case.actions.filter(due_on__week_day__in=[1, 7]).exists()
    # The first rung places the student in the tutoring centre (no seat limit).
    assert opening.placement.group == ladder.tutoring
    assert opening.placement.status == Placement.Status.PLACED


def test_an_assigned_advisor_gets_the_advisors_actions(ladder):
    student = ladder.taught_students[0]
    services.advisor_assign(
        student=student, advisor=ladder.principal, actor=ladder.principal
    )
    case = open_case(ladder, student).case
    advisor_actions = case.actions.filter(responsible=Responsible.FACULTY_ADVISOR)
    assert {(a.owner, a.owner_note) for a in advisor_actions} == {
        (ladder.principal, "")
    }


def test_a_second_flag_adds_the_outcome_to_the_open_case(ladder):
    student = ladder.taught_students[0]
    first = open_case(ladder, student, outcomes=ladder.outcomes[:1]).case
    again = open_case(ladder, student, outcomes=ladder.outcomes[:2])
    assert not again.created
    assert again.case.pk == first.pk
    assert [o.code for o in again.outcomes_added] == ["ALG1.EO2"]
    assert first.outcomes.count() == 2
    assert Case.objects.filter(student=student).count() == 1
    # Nothing new to add: nothing written.
    events = Event.objects.filter(case=first).count()
    open_case(ladder, student, outcomes=ladder.outcomes[:2])
    assert Event.objects.filter(case=first).count() == events


def test_a_case_needs_outcomes_of_its_course_and_a_ladder(ladder, cast):
    from teams.tests.factories import OutcomeFactory

    other = OutcomeFactory(team=ladder.team, course=cast.other_section.course)
    with pytest.raises(ValidationError, match="not an outcome of"):
        open_case(ladder, outcomes=[other])
    with pytest.raises(ValidationError, match="at least one"):
        services.case_open(
            student=ladder.taught_students[0],
            course=ladder.course,
            outcomes=[],
            system="test",
        )
    Rung.objects.filter(school=cast.school).update(is_active=False)
    with pytest.raises(ValidationError, match="no intervention ladder"):
        open_case(ladder, student=ladder.taught_students[1])
    assert not Case.objects.exists()


def test_moving_up_enters_the_next_rung_and_keeps_the_old_actions(ladder):
    case = open_case(ladder).case
    old_actions = set(case.actions.values_list("pk", flat=True))
    services.case_move(
        case=case, actor=ladder.counselor, direction="up", reason="No progress"
    )
    case.refresh_from_db()
    assert case.rung.name == "Required tutoring"
    assert old_actions < set(case.actions.values_list("pk", flat=True))
    weekly = case.actions.filter(kind=ActionKind.PROGRESS_CHECK)
    assert weekly.count() == 6  # one a week for a six-week rung
    # The tutoring-centre pass ends; required tutoring starts.
    groups = {
        (p.group.name, p.status)
        for p in Placement.objects.filter(case=case).select_related("group")
    }
    assert groups == {
        ("Tutoring centre", Placement.Status.ENDED),
        ("Required tutoring", Placement.Status.PLACED),
    }
    moved = Event.objects.get(case=case, type=EventType.CASE_MOVED_UP)
    assert moved.reason == "No progress"
    assert moved.before["rung"] == "Support"
    assert moved.after == {"rung": "Required tutoring", "tier": 2, "status": "active"}


def test_the_ladder_has_ends(ladder):
    case = open_case(ladder).case
    with pytest.raises(ValidationError, match="first rung; exit it"):
        services.case_move(
            case=case, actor=ladder.counselor, direction="down", reason="x"
        )
    services.case_move(case=case, actor=ladder.counselor, direction="up", reason="a")
    services.case_move(case=case, actor=ladder.counselor, direction="up", reason="b")
    with pytest.raises(ValidationError, match="top rung; refer"):
        services.case_move(
            case=case, actor=ladder.counselor, direction="up", reason="c"
        )
    services.case_refer(
        case=case, actor=ladder.counselor, reason="Three rungs, no gain"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED
    assert not Placement.objects.filter(case=case).exclude(status="ended").exists()


def test_every_decision_needs_a_reason(ladder):
    case = open_case(ladder).case
    for decide in (
        lambda: services.case_move(
            case=case, actor=ladder.counselor, direction="up", reason=" "
        ),
        lambda: services.case_exit(case=case, actor=ladder.counselor, reason=""),
        lambda: services.case_refer(case=case, actor=ladder.counselor, reason=""),
    ):
        with pytest.raises(ValidationError, match="Say why"):
            decide()
    case.refresh_from_db()
    assert case.rung.name == "Support" and case.status == CaseStatus.ACTIVE


def test_a_closed_case_takes_no_more_decisions_and_a_new_one_can_open(ladder):
    student = ladder.taught_students[0]
    case = open_case(ladder, student).case
    services.case_exit(case=case, actor=ladder.counselor, reason="Proficient on retake")
    with pytest.raises(ValidationError, match="exited already"):
        services.case_exit(case=case, actor=ladder.counselor, reason="again")
    reopened = open_case(ladder, student)
    assert reopened.created and reopened.case.pk != case.pk


def test_the_timeline_tells_the_story(ladder):
    case = open_case(ladder).case
    services.case_move(
        case=case, actor=ladder.counselor, direction="up", reason="No gain"
    )
    services.case_exit(case=case, actor=ladder.principal, reason="Proficient")
    types = list(
        Event.objects.filter(case=case)
        .order_by("at", "pk")
        .values_list("type", flat=True)
    )
    assert types == [
        EventType.CASE_OPENED,
        EventType.CASE_RUNG_ENTERED,
        EventType.PLACED,
        EventType.CASE_MOVED_UP,
        EventType.CASE_RUNG_ENTERED,
        EventType.PLACEMENT_ENDED,
        EventType.PLACED,
        EventType.PLACEMENT_ENDED,
        EventType.CASE_EXITED,
    ]
    assert Event.objects.filter(case=case, actor__isnull=True, system="test").exists()


def test_only_the_owner_a_counselor_or_the_principal_marks_an_action(ladder, cast):
    case = open_case(ladder).case
    teacher_action = case.actions.get(responsible=Responsible.TEACHER)
    from schools.tests.factories import staff

    colleague = staff("teacher", school=cast.school, email="colleague@x.example")
    with pytest.raises(ValidationError, match="assigned to someone else"):
        services.case_action_set_done(action=teacher_action, actor=colleague)
    services.case_action_set_done(
        action=teacher_action, actor=ladder.teacher, note="Talked after class"
    )
    teacher_action.refresh_from_db()
    assert teacher_action.is_done and teacher_action.note == "Talked after class"
    counselor_action = case.actions.filter(responsible=Responsible.COUNSELOR).first()
    services.case_action_set_done(action=counselor_action, actor=ladder.principal)
    assert CaseAction.objects.get(pk=counselor_action.pk).done_by == ladder.principal


def test_snapshot_is_frozen_on_the_case(ladder):
    case = open_case(ladder).case
    assert case.outcomes.get().snapshot == snapshot()


def test_nothing_falls_due_on_a_weekend():
    assert services.school_day(datetime.date(2026, 10, 3)) == datetime.date(2026, 10, 5)
    assert services.school_day(datetime.date(2026, 10, 4)) == datetime.date(2026, 10, 5)
    assert services.school_day(datetime.date(2026, 10, 6)) == datetime.date(2026, 10, 6)


def test_a_second_course_shares_the_students_seat(ladder, cast):
    from teams.tests.factories import OutcomeFactory

    student = ladder.taught_students[0]
    algebra = open_case(ladder, student).case
    biology_course = cast.other_section.course
    biology = services.case_open(
        student=student,
        course=biology_course,
        outcomes=[(OutcomeFactory(team=ladder.team, course=biology_course), {})],
        system="test",
    )
    assert biology.created
    seats = Placement.objects.filter(student=student).exclude(status="ended")
    assert seats.count() == 1 and seats.get().group == ladder.tutoring
    # Moving the algebra case up keeps the seat for the biology case.
    services.case_move(case=algebra, actor=ladder.counselor, direction="up", reason="x")
    tutoring = Placement.objects.get(student=student, group=ladder.tutoring)
    assert tutoring.status == "placed" and tutoring.case == biology.case
