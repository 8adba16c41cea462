"""Seats, waitlists, attendance and fidelity."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.events import EventType
from accounts.models import Event
from interventions import selectors, services
from interventions.models import Attendance, CaseStatus, Placement
from interventions.tests.conftest import open_case
from schools.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 10, 5)


def students(ladder, n):
    return [
        EnrollmentFactory(
            section=ladder.section,
            student=StudentFactory(school=ladder.school, counselor=ladder.counselor),
        ).student
        for _ in range(n)
    ]


def test_a_full_group_waitlists_in_order_and_a_freed_seat_goes_to_the_head(ladder):
    a, b, c, d = students(ladder, 4)  # the study hall has 2 seats
    placed = [
        services.placement_request(
            group=ladder.study_hall, student=s, actor=ladder.principal
        )
        for s in (a, b, c, d)
    ]
    assert [p.status for p in placed] == [
        "placed",
        "placed",
        "waitlisted",
        "waitlisted",
    ]
    waitlisted = Event.objects.get(type=EventType.WAITLISTED, student=d)
    assert "number 2 in line" in waitlisted.summary
    services.placement_end(placement=placed[0], actor=ladder.principal, reason="Moved")
    statuses = dict(
        Placement.objects.filter(group=ladder.study_hall).values_list(
            "student_id", "status"
        )
    )
    assert statuses == {
        a.pk: "ended",
        b.pk: "placed",
        c.pk: "placed",
        d.pk: "waitlisted",
    }


def test_the_same_student_is_not_placed_twice(ladder):
    student = ladder.taught_students[0]
    services.placement_request(
        group=ladder.required, student=student, actor=ladder.principal
    )
    with pytest.raises(ValidationError, match="already in Required tutoring"):
        services.placement_request(
            group=ladder.required, student=student, actor=ladder.principal
        )


def test_a_case_reaching_a_full_rung_waits_for_a_seat(ladder):
    others = students(ladder, 2)
    for student in others:
        services.placement_request(
            group=ladder.study_hall, student=student, actor=ladder.principal
        )
    case = open_case(ladder).case
    for reason in ("a", "b"):
        services.case_move(
            case=case, actor=ladder.counselor, direction="up", reason=reason
        )
    case.refresh_from_db()
    assert case.rung.name == "Guided study hall"
    assert case.status == CaseStatus.WAITLISTED
    seat = Placement.objects.get(student=others[0], group=ladder.study_hall)
    services.placement_end(placement=seat, actor=ladder.principal)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE


def test_attendance_is_refused_for_strangers_bad_marks_and_days_to_come(ladder):
    member, stranger = students(ladder, 2)
    services.placement_request(
        group=ladder.study_hall, student=member, actor=ladder.interventionist, on=MONDAY
    )
    with time_machine.travel(datetime.datetime(2026, 10, 6, 15, 0), tick=False):
        with pytest.raises(ValidationError, match="not in Guided study hall"):
            services.attendance_take(
                group=ladder.study_hall,
                actor=ladder.interventionist,
                on=MONDAY,
                marks={member.pk: ("present", True), stranger.pk: ("present", None)},
            )
        with pytest.raises(ValidationError, match="is not present, absent or excused"):
            services.attendance_take(
                group=ladder.study_hall,
                actor=ladder.interventionist,
                on=MONDAY,
                marks={member.pk: ("late", None)},
            )
        with pytest.raises(ValidationError, match="day to come"):
            services.attendance_take(
                group=ladder.study_hall,
                actor=ladder.interventionist,
                on=datetime.date(2026, 10, 7),
                marks={member.pk: ("present", None)},
            )
        assert not Attendance.objects.exists()
        services.attendance_take(
            group=ladder.study_hall,
            actor=ladder.interventionist,
            on=MONDAY,
            marks={member.pk: ("absent", None)},
        )
        # Taking it again corrects the day; nothing is doubled.
        services.attendance_take(
            group=ladder.study_hall,
            actor=ladder.interventionist,
            on=MONDAY,
            marks={member.pk: ("present", True)},
        )
    mark = Attendance.objects.get()
    assert (mark.mark, mark.homework_done) == ("present", True)
    corrected = Event.objects.filter(type=EventType.ATTENDANCE_TAKEN).first()
    assert corrected.before == {"marks": {str(member.pk): "absent"}}


def test_fidelity_counts_sessions_attended_since_the_rung_began(ladder):
    with time_machine.travel(datetime.datetime(2026, 10, 5, 9, 0), tick=False):
        case = open_case(ladder, on=MONDAY).case  # placed in the tutoring centre
    student = case.student
    marks = ["present", "present", "absent", "excused", "present"]
    with time_machine.travel(datetime.datetime(2026, 10, 12, 9, 0), tick=False):
        for day, mark in enumerate(marks):
            services.attendance_take(
                group=ladder.tutoring,
                actor=ladder.principal,
                on=MONDAY + datetime.timedelta(days=day),
                marks={student.pk: (mark, None)},
            )
        fidelity = selectors.fidelity(case)
    # 3 present of 4 scheduled: the excused day is not counted against the plan.
    assert (fidelity.attended, fidelity.scheduled) == (3, 4)
    assert fidelity.percent == 75.0
    assert fidelity.label == "3 of 4 sessions (75%), below 80%"


def test_fidelity_of_many_cases_is_two_queries(ladder, django_assert_num_queries):
    cases = [open_case(ladder, s).case for s in ladder.taught_students]
    with django_assert_num_queries(3):
        result = selectors.fidelities(cases)
    assert set(result) == {c.pk for c in cases}
