"""Reads of the ladder, cases and groups. Nothing here writes, and nothing here
imports a service."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Role, User
from assessments.models import CommonAssessment, ItemScore, StudentMastery
from interventions.escalation import FIDELITY_THRESHOLD
from interventions.models import (
    Attendance,
    Case,
    Group,
    Placement,
    Rung,
    Session,
)
from schools.models import Course, SectionTeacher, StaffRole
from teams.models import Team


def active_rungs(school_id: int) -> list[Rung]:
    return list(
        Rung.objects.filter(school_id=school_id, is_active=True).order_by("position")
    )


def first_rung(school_id: int) -> Rung | None:
    return (
        Rung.objects.filter(school_id=school_id, is_active=True)
        .order_by("position")
        .first()
    )


def team_of(course: Course) -> Team | None:
    """The active team that owns the course's essential outcomes."""
    return Team.objects.filter(courses=course, is_active=True).order_by("pk").first()


@dataclass(frozen=True)
class CasePeople:
    teacher: User | None
    counselor: User | None
    advisor: User | None
    principal: User | None
    supervisor: User | None


def case_people(case: Case, *, on: datetime.date | None = None) -> CasePeople:
    """The real people a case's actions go to."""
    on = on or timezone.localdate()
    student = case.student
    teacher_link = (
        SectionTeacher.objects.filter(
            section__course_id=case.course_id,
            section__term__start_date__lte=on,
            section__term__end_date__gte=on,
            section__enrollments__student_id=student.pk,
            teacher__is_active=True,
        )
        .select_related("teacher")
        .order_by("pk")
        .first()
    )
    principal_role = (
        StaffRole.objects.filter(
            school_id=case.school_id, role=Role.PRINCIPAL, is_active=True
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    supervisor = None
    kind = case.rung_snapshot.get("group_kind") or (
        case.rung.group_kind if case.rung_id else ""
    )
    if kind:
        group = group_for_rung(case.school_id, kind)
        supervisor = group.supervisor if group else None
    return CasePeople(
        teacher=teacher_link.teacher if teacher_link else None,
        counselor=case.counselor,
        advisor=student.faculty_advisor,
        principal=principal_role.user if principal_role else None,
        supervisor=supervisor,
    )


def group_for_rung(school_id: int, kind: str) -> Group | None:
    """The group a rung of this kind places students in: the one with the most
    free seats, so a school with two study halls fills them evenly."""
    groups = list(
        Group.objects.filter(school_id=school_id, kind=kind, is_active=True)
        .select_related("supervisor")
        .order_by("pk")
    )
    if not groups:
        return None

    def free(group: Group) -> float:
        if group.capacity is None:
            return float("inf")
        return (
            group.capacity
            - group.placements.filter(status=Placement.Status.PLACED).count()
        )

    return max(groups, key=free)


def group_members_on(group: Group, on: datetime.date) -> dict[int, Placement]:
    """The students seated in the group on a day, by student id."""
    placements = group.placements.filter(
        status__in=[Placement.Status.PLACED, Placement.Status.ENDED],
        placed_on__lte=on,
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
    return {p.student_id: p for p in placements.select_related("student")}


@dataclass(frozen=True)
class Fidelity:
    attended: int
    scheduled: int

    @property
    def percent(self) -> float | None:
        if not self.scheduled:
            return None
        return round(100 * self.attended / self.scheduled, 1)

    @property
    def below_threshold(self) -> bool:
        """Below the share of sessions that counts as the rung being delivered."""
        return bool(self.scheduled) and (
            Decimal(self.attended) / Decimal(self.scheduled) < FIDELITY_THRESHOLD
        )

    @property
    def label(self) -> str:
        if not self.scheduled:
            return "no sessions yet"
        text = f"{self.attended} of {self.scheduled} sessions ({self.percent:g}%)"
        if self.below_threshold:
            text += f", below {FIDELITY_THRESHOLD:.0%}"
        return text


def fidelity(case: Case, *, today: datetime.date | None = None) -> Fidelity:
    """Sessions attended ÷ sessions held since the student entered the rung.
    An excused absence is not counted as scheduled (docs/domain.md)."""
    return fidelities([case], today=today).get(case.pk, Fidelity(0, 0))


def fidelities(
    cases: list[Case], *, today: datetime.date | None = None
) -> dict[int, Fidelity]:
    """Fidelity of many cases in three queries. A case counts the student's
    seats in groups of its rung's kind, whichever case the seat was taken for
    (one tutoring-centre seat serves a student's cases in two courses)."""
    today = today or timezone.localdate()
    if not cases:
        return {}
    placements = list(
        Placement.objects.filter(student_id__in={c.student_id for c in cases})
        .exclude(placed_on__isnull=True)
        .values_list("student_id", "group_id", "group__kind", "placed_on", "ended_on")
    )
    if not placements:
        return {}
    groups = {group_id for _, group_id, _, _, _ in placements}
    sessions_by_group: dict[int, list[datetime.date]] = {}
    for group_id, on in Session.objects.filter(
        group_id__in=groups, on__lte=today
    ).values_list("group_id", "on"):
        sessions_by_group.setdefault(group_id, []).append(on)
    mark_of = {
        (s, g, on): mark
        for s, g, on, mark in Attendance.objects.filter(
            student_id__in={p[0] for p in placements},
            session__group_id__in=groups,
            session__on__lte=today,
        ).values_list("student_id", "session__group_id", "session__on", "mark")
    }
    by_student = {}
    for row in placements:
        by_student.setdefault(row[0], []).append(row)
    result: dict[int, Fidelity] = {}
    for case in cases:
        kind = case.rung_snapshot.get("group_kind") or (
            case.rung.group_kind if case.rung_id else ""
        )
        attended = scheduled = 0
        seated = False
        for student_id, group_id, group_kind, placed_on, ended_on in by_student.get(
            case.student_id, []
        ):
            if group_kind != kind:
                continue
            seated = True
            start = max(placed_on, case.rung_entered_on)
            end = min(ended_on or today, today)
            for on in sessions_by_group.get(group_id, []):
                if not start <= on <= end:
                    continue
                mark = mark_of.get((student_id, group_id, on))
                if mark == Attendance.Mark.EXCUSED:
                    continue
                scheduled += 1
                if mark == Attendance.Mark.PRESENT:
                    attended += 1
        if seated:
            result[case.pk] = Fidelity(attended, scheduled)
    return result


def open_cases(school_id: int) -> QuerySet[Case]:
    return Case.objects.open().filter(school_id=school_id)


def mastery_snapshots(
    student_ids: list[int], outcome_ids: list[int]
) -> dict[tuple[int, int], dict]:
    """The kept mastery behind each (student, outcome), as a case freezes it:
    status, value (or "k of n" progress), method, the calculation, and the
    newest finalized assessment it rests on. Two queries; the second returns
    one row per (student, outcome), its newest assessment (DISTINCT ON), not
    every score behind it."""
    masteries = StudentMastery.objects.filter(
        student_id__in=student_ids, outcome_id__in=outcome_ids
    )
    latest = {
        (student_id, outcome_id): (title, day)
        for student_id, outcome_id, title, day in (
            ItemScore.objects.filter(
                student_id__in=student_ids,
                item__outcome_id__in=outcome_ids,
                item__assessment__status=CommonAssessment.Status.FINALIZED,
            )
            .order_by(
                "student_id",
                "item__outcome_id",
                "-item__assessment__administered_on",
                "-item__assessment_id",
            )
            .distinct("student_id", "item__outcome_id")
            .values_list(
                "student_id",
                "item__outcome_id",
                "item__assessment__title",
                "item__assessment__administered_on",
            )
        )
    }
    snapshots = {}
    for mastery in masteries:
        key = (mastery.student_id, mastery.outcome_id)
        title, day = latest.get(key, ("", None))
        snapshots[key] = {
            "status": mastery.status,
            "value": float(mastery.value) if mastery.value is not None else None,
            "progress": mastery.progress,
            "method": mastery.method,
            "score_count": mastery.score_count,
            "calculation": mastery.explanation,
            "assessment": title,
            "assessment_on": day.isoformat() if day else None,
            "computed_at": mastery.computed_at.isoformat(),
        }
    return snapshots
