"""The counselor's caseload, most urgent first (docs/domain.md, "Caseloads").

One row per open case of the counselor's students, each saying the next thing to
do and where to do it. Reads only, in a fixed number of queries whatever the
size of the caseload.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone

from interventions.escalation import FIDELITY_THRESHOLD
from interventions.models import (
    ActionKind,
    Case,
    CaseAction,
    CaseStatus,
    Placement,
    Rung,
)
from interventions.selectors import Fidelity, fidelities
from schools.access_log import note_students
from schools.models import Course, Student, grade_label


class Urgency:
    """Why a case needs the counselor now, most pressing first."""

    REVIEW_OVERDUE = 0
    ACTIONS_OVERDUE = 1
    NO_CHECK_THIS_WEEK = 2
    WAITLISTED = 3
    PLAN_NOT_DELIVERED = 4
    # Attended below the share that counts as delivered: at the review the plan
    # would be "not delivered"; there is still time to get the student there.
    ATTENDANCE_LOW = 5
    ON_TRACK = 6

    LABELS = {
        REVIEW_OVERDUE: "Review overdue",
        ACTIONS_OVERDUE: "Actions overdue",
        NO_CHECK_THIS_WEEK: "No progress check this week",
        WAITLISTED: "Waiting for a seat",
        PLAN_NOT_DELIVERED: "Plan not delivered",
        ATTENDANCE_LOW: f"Attendance below {FIDELITY_THRESHOLD:.0%}",
        ON_TRACK: "On schedule",
    }


@dataclass
class CaseloadRow:
    case: Case
    urgency: int
    reasons: list[str]
    next_step: str
    next_url: str
    overdue_actions: int
    last_check_on: datetime.date | None
    fidelity: Fidelity | None
    waitlist_position: int | None

    @property
    def urgency_label(self) -> str:
        return Urgency.LABELS[self.urgency]


@dataclass
class Caseload:
    rows: list[CaseloadRow]
    students_without_case: int
    rungs: list[Rung]
    courses: list[Course]
    grades: list[tuple[int, str]]


class UnknownFilter(ValueError):
    """A filter value that names no rung, course or grade of the caseload."""


def _week_start(today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=today.weekday())


def caseload_for(
    *,
    counselor,
    school_ids: list[int],
    rung: str = "",
    course: str = "",
    grade: str = "",
    today: datetime.date | None = None,
) -> Caseload:
    """The open cases of the counselor's students (or cases the counselor holds),
    filtered and sorted by urgency. Raises UnknownFilter for a filter value that
    is not one of the caseload's rungs, courses or grades."""
    today = today or timezone.localdate()
    mine = Q(counselor=counselor) | Q(student__counselor=counselor)
    cases = Case.objects.open().filter(mine, school_id__in=school_ids)
    rungs = list(
        Rung.objects.filter(school_id__in=school_ids, is_active=True).order_by(
            "school_id", "position"
        )
    )
    courses = list(
        Course.objects.filter(
            pk__in=Case.objects.open()
            .filter(mine, school_id__in=school_ids)
            .values("course_id")
        ).order_by("title")
    )
    grades = sorted(
        Student.objects.filter(
            counselor=counselor,
            school_id__in=school_ids,
            is_active=True,
            grade_level__isnull=False,  # ungraded students are no grade to filter by
        )
        .order_by()  # the model's ordering would make DISTINCT keep repeats
        .values_list("grade_level", flat=True)
        .distinct()
    )
    cases = _filtered(cases, rung, course, grade, rungs, courses, grades)
    cases = list(
        cases.select_related("student", "course", "rung")
        .annotate(
            # Only the current rung's actions: what was left undone on an
            # earlier rung stays on the record but is not today's work.
            overdue_actions=Count(
                "actions",
                filter=Q(
                    actions__done_at__isnull=True,
                    actions__due_on__lt=today,
                    actions__rung_id=F("rung_id"),
                ),
                distinct=True,
            ),
            last_check_on=Max("checks__checked_on"),
            checks_due=Count(
                "actions",
                filter=Q(
                    actions__kind=ActionKind.PROGRESS_CHECK,
                    actions__rung_id=F("rung_id"),
                    actions__done_at__isnull=True,
                    actions__due_on__lte=today + datetime.timedelta(days=6),
                ),
                distinct=True,
            ),
        )
        .order_by("next_review_on", "pk")
    )
    fidelity = fidelities(cases, today=today)
    positions = _waitlist_positions(cases)
    first_overdue = _first_overdue_actions(cases, today)
    rows = [
        _row(case, today, fidelity.get(case.pk), positions.get(case.pk), first_overdue)
        for case in cases
    ]
    rows.sort(key=lambda r: (r.urgency, r.case.next_review_on or today, r.case.pk))
    note_students([row.case.student for row in rows], what="Caseload")
    with_case = {row.case.student_id for row in rows}
    without = (
        Student.objects.filter(
            counselor=counselor, school_id__in=school_ids, is_active=True
        )
        .exclude(pk__in=with_case)
        .count()
    )
    return Caseload(
        rows=rows,
        students_without_case=without,
        rungs=rungs,
        courses=courses,
        grades=[(g, grade_label(g)) for g in grades],
    )


def _is_id(raw: str) -> bool:
    """Whether `raw` can be a row's id: isdigit() alone lets through "²",
    which int() refuses, and a 64-bit id has at most 18 digits here."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 18


def _filtered(cases, rung, course, grade, rungs, courses, grades):
    if rung:
        if not _is_id(rung) or int(rung) not in {r.pk for r in rungs}:
            raise UnknownFilter(f"“{rung}” is not a rung of your school's ladder.")
        cases = cases.filter(rung_id=int(rung))
    if course:
        if not _is_id(course) or int(course) not in {c.pk for c in courses}:
            raise UnknownFilter(
                f"“{course}” is not a course with a case on your caseload."
            )
        cases = cases.filter(course_id=int(course))
    if grade:
        try:
            value = int(grade)
        except ValueError:
            value = None
        if value not in grades:
            raise UnknownFilter(f"“{grade}” is not a grade on your caseload.")
        cases = cases.filter(student__grade_level=value)
    return cases


def _waitlist_positions(cases: list[Case]) -> dict[int, int]:
    waiting = [c.pk for c in cases if c.status == CaseStatus.WAITLISTED]
    if not waiting:
        return {}
    placements = Placement.objects.filter(
        case_id__in=waiting, status=Placement.Status.WAITLISTED
    ).values("case_id", "group_id", "requested_at", "pk")
    lines = Placement.objects.filter(
        group_id__in={p["group_id"] for p in placements},
        status=Placement.Status.WAITLISTED,
    ).values_list("group_id", "requested_at", "pk")
    positions = {}
    for p in placements:
        ahead = sum(
            1
            for group_id, at, pk in lines
            if group_id == p["group_id"] and (at, pk) < (p["requested_at"], p["pk"])
        )
        positions[p["case_id"]] = ahead + 1
    return positions


def _first_overdue_actions(cases: list[Case], today) -> dict[int, CaseAction]:
    overdue = CaseAction.objects.filter(
        case_id__in=[c.pk for c in cases if c.overdue_actions],
        done_at__isnull=True,
        due_on__lt=today,
        rung_id=F("case__rung_id"),
    ).order_by("case_id", "due_on", "pk")
    first: dict[int, CaseAction] = {}
    for action in overdue:
        first.setdefault(action.case_id, action)
    return first


def _row(case, today, fidelity, position, first_overdue) -> CaseloadRow:
    url = reverse("interventions:case", args=[case.pk])
    checked_this_week = bool(
        case.last_check_on and case.last_check_on >= _week_start(today)
    )
    reasons = []
    steps = []
    if case.next_review_on and case.next_review_on < today:
        reasons.append(Urgency.REVIEW_OVERDUE)
        days = (today - case.next_review_on).days
        steps.append(
            (
                f"Review was due {days} day{'s' if days != 1 else ''} ago: decide "
                "whether the student exits, stays or moves up",
                f"{url}#decision",
            )
        )
    if case.overdue_actions:
        reasons.append(Urgency.ACTIONS_OVERDUE)
        action = first_overdue.get(case.pk)
        more = case.overdue_actions - 1
        steps.append(
            (
                f"Overdue: {action.title if action else 'an action'}"
                + (f" and {more} more" if more > 0 else ""),
                f"{url}#actions",
            )
        )
    if case.checks_due and not checked_this_week:
        reasons.append(Urgency.NO_CHECK_THIS_WEEK)
        steps.append(("Log this week's progress check", f"{url}#checks"))
    if case.status == CaseStatus.WAITLISTED:
        reasons.append(Urgency.WAITLISTED)
        steps.append(
            (
                f"Waiting for a seat in the {case.rung_name.lower()}"
                + (f" (number {position} in line)" if position else ""),
                f"{url}#groups",
            )
        )
    if case.status == CaseStatus.PLAN_NOT_DELIVERED:
        reasons.append(Urgency.PLAN_NOT_DELIVERED)
        steps.append(
            ("The plan was not delivered: see what was missed", f"{url}#actions")
        )
    if (
        fidelity is not None
        and fidelity.below_threshold
        and case.status == CaseStatus.ACTIVE
    ):
        reasons.append(Urgency.ATTENDANCE_LOW)
        review = (
            f"the review on {case.next_review_on:%-d %b}"
            if case.next_review_on
            else "the review"
        )
        steps.append(
            (
                f"Attended {fidelity.attended} of {fidelity.scheduled} sessions "
                f"({fidelity.percent:g}%): see that the student gets to the group "
                f"before {review}",
                f"{url}#groups",
            )
        )
    if not steps:
        steps.append(
            (
                f"Next review on {case.next_review_on:%-d %b}"
                if case.next_review_on
                else "Open the case",
                url,
            )
        )
    return CaseloadRow(
        case=case,
        urgency=min(reasons) if reasons else Urgency.ON_TRACK,
        reasons=[Urgency.LABELS[r] for r in sorted(reasons)],
        next_step=steps[0][0],
        next_url=steps[0][1],
        overdue_actions=case.overdue_actions,
        last_check_on=case.last_check_on,
        fidelity=fidelity,
        waitlist_position=position,
    )
