"""A student's story: everything the school knows about one student's learning,
on one page, each part as the reader may see it (docs/domain.md, "The
student's page" and "Who sees what").

Reads only. The student comes through `schools.access.student_for` (another
school's student answers 404 and the read is noted in the record of access);
the cases through `interventions.access.cases_for`, so a teacher sees the cases
of the students they may see and a case of another school is not shown; a
confidential note shows its text only to a counselor or principal of the case's
school, as on the case page.

`student_story` costs a fixed number of queries whatever the length of the
student's history: each part is one query (or one aggregate), never one per
assessment, case or session.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Event, Role, User
from assessments.analysis import spreadsheet_safe
from assessments.models import CommonAssessment, StudentMastery
from assessments.selectors import outcome_scores_for
from interventions.access import case_access, cases_for
from interventions.case_selectors import MASTERY_LABELS, METHOD_LABELS
from interventions.models import (
    Attendance,
    Case,
    CaseNote,
    CaseOutcome,
    ParentContact,
    Placement,
    ProgressCheck,
    Session,
)
from interventions.selectors import Fidelity, fidelities
from schools.access import roles_of, student_for, students_for
from schools.access_log import note_students
from schools.models import (
    AccessedStudent,
    Enrollment,
    Guardian,
    Section,
    SectionTeacher,
    Student,
)
from teams.models import EssentialOutcome

# The events that move a case along the ladder: its rungs over time.
RUNG_EVENTS = (
    EventType.CASE_OPENED,
    EventType.CASE_RUNG_ENTERED,
    EventType.CASE_MOVED_UP,
    EventType.CASE_MOVED_DOWN,
    EventType.CASE_PLAN_NOT_DELIVERED,
    EventType.CASE_OVERRIDE,
    EventType.CASE_EXITED,
    EventType.CASE_REFERRED,
    EventType.CASE_CLOSED,
)
# A level's label and the word that carries it besides colour.
LEVELS = {
    "not_yet": "Not yet proficient",
    "proficient": "Proficient",
    "exceeds": "Exceeds",
}
ACCESS_RECORD_PAGE_SIZE = 50
RECENT_NOTES = 3


def _level(percent: Decimal, cut: Decimal, exceeds: Decimal) -> str:
    if percent >= exceeds:
        return "exceeds"
    if percent >= cut:
        return "proficient"
    return "not_yet"


# Mastery and assessment history ---------------------------------------------------


@dataclass(frozen=True)
class Score:
    """One outcome score on one finalized assessment."""

    on: datetime.date
    assessment: CommonAssessment | None
    percent: Decimal
    cut: Decimal
    exceeds: Decimal

    @property
    def level(self) -> str:
        return _level(self.percent, self.cut, self.exceeds)

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]


@dataclass(frozen=True)
class MasteryRow:
    """Kept mastery of one outcome, with the method, the arithmetic and the
    scores it rests on, oldest first."""

    outcome: EssentialOutcome
    mastery: StudentMastery | None
    scores: list[Score]

    @property
    def status(self) -> str:
        return self.mastery.status if self.mastery else "no_evidence"

    @property
    def status_label(self) -> str:
        return MASTERY_LABELS.get(self.status, self.status)

    @property
    def method_label(self) -> str:
        method = self.mastery.method if self.mastery else ""
        return METHOD_LABELS.get(method, method.replace("_", " "))


@dataclass(frozen=True)
class CourseMastery:
    course_title: str
    rows: list[MasteryRow]


@dataclass(frozen=True)
class AssessmentScore:
    outcome: EssentialOutcome
    score: Score


@dataclass(frozen=True)
class AssessmentRow:
    """One finalized assessment the student took, with a score per outcome."""

    assessment: CommonAssessment
    scores: list[AssessmentScore]


def _mastery_parts(student: Student) -> tuple[list[CourseMastery], list[AssessmentRow]]:
    """Four queries: the outcome scores (one aggregate), the kept mastery, the
    outcomes and the assessments."""
    evidence = outcome_scores_for([student.pk])
    masteries = {
        m.outcome_id: m for m in StudentMastery.objects.filter(student=student)
    }
    outcome_ids = set(masteries) | {outcome_id for _, outcome_id in evidence}
    assessment_ids = {entry[1] for entries in evidence.values() for entry in entries}
    outcomes = {
        o.pk: o
        for o in EssentialOutcome.objects.filter(pk__in=outcome_ids).select_related(
            "course"
        )
    }
    assessments = {
        a.pk: a
        for a in CommonAssessment.objects.filter(pk__in=assessment_ids).select_related(
            "course"
        )
    }
    scores_of: dict[int, list[Score]] = {}
    by_assessment: dict[int, list[AssessmentScore]] = defaultdict(list)
    for (_, outcome_id), entries in evidence.items():
        scores = [
            Score(on, assessments.get(assessment_id), percent, cut, exceeds)
            for on, assessment_id, percent, cut, exceeds in entries
        ]
        scores_of[outcome_id] = scores
        for score, (_, assessment_id, *_) in zip(scores, entries, strict=True):
            if outcome_id in outcomes:
                by_assessment[assessment_id].append(
                    AssessmentScore(outcomes[outcome_id], score)
                )
    by_course: dict[str, list[MasteryRow]] = defaultdict(list)
    for outcome in sorted(
        outcomes.values(), key=lambda o: (o.course.title, o.position, o.code)
    ):
        by_course[outcome.course.title].append(
            MasteryRow(
                outcome, masteries.get(outcome.pk), scores_of.get(outcome.pk, [])
            )
        )
    history = [
        AssessmentRow(
            assessments[pk],
            sorted(
                by_assessment[pk], key=lambda s: (s.outcome.position, s.outcome.code)
            ),
        )
        for pk in sorted(
            by_assessment,
            key=lambda pk: (assessments[pk].administered_on, pk),
            reverse=True,
        )
        if pk in assessments
    ]
    return [CourseMastery(title, rows) for title, rows in by_course.items()], history


# Interventions --------------------------------------------------------------------


@dataclass(frozen=True)
class RungStep:
    """A stretch of the case on one rung, or how the case ended."""

    at: datetime.datetime
    label: str
    tier: int | None
    kind: str  # "rung", "held", "moved", "end"
    reason: str


@dataclass(frozen=True)
class NoteRow:
    note: CaseNote
    restricted: bool


@dataclass
class CaseStory:
    case: Case
    outcomes: list[CaseOutcome] = field(default_factory=list)
    steps: list[RungStep] = field(default_factory=list)
    fidelity: Fidelity | None = None
    checks: list[ProgressCheck] = field(default_factory=list)
    notes: list[NoteRow] = field(default_factory=list)

    @property
    def last_check(self) -> ProgressCheck | None:
        return self.checks[0] if self.checks else None

    @property
    def recent_notes(self) -> list[NoteRow]:
        """The newest notes; the rest are on the case page, so the story stays
        one screen per case however long the case has run."""
        return self.notes[:RECENT_NOTES]


def _step(event: Event) -> RungStep:
    after = event.after
    kind = {
        EventType.CASE_RUNG_ENTERED: "rung",
        EventType.CASE_PLAN_NOT_DELIVERED: "held",
        EventType.CASE_MOVED_UP: "moved",
        EventType.CASE_MOVED_DOWN: "moved",
        EventType.CASE_OVERRIDE: "moved",
        EventType.CASE_OPENED: "opened",
    }.get(event.type, "end")
    return RungStep(
        at=event.at,
        label=event.summary,
        tier=after.get("tier") if kind == "rung" else None,
        kind=kind,
        reason=event.reason,
    )


def _case_stories(
    user: User, student: Student, today: datetime.date
) -> list[CaseStory]:
    """The student's cases the reader may see, newest first, each with its
    rungs over time from the record of change. Seven queries (three of them
    for attendance) however many cases, events, checks and notes."""
    cases = list(
        cases_for(user)
        .filter(student=student)
        .select_related("course", "rung", "counselor", "team")
        .prefetch_related(
            Prefetch(
                "outcomes",
                queryset=CaseOutcome.objects.select_related("outcome"),
            )
        )
        .order_by("-opened_on", "-pk")
    )
    if not cases:
        return []
    stories = {
        case.pk: CaseStory(case, outcomes=list(case.outcomes.all())) for case in cases
    }
    for event in Event.objects.filter(case__in=stories, type__in=RUNG_EVENTS).order_by(
        "at", "pk"
    ):
        stories[event.case_id].steps.append(_step(event))
    for case_id, fid in fidelities(cases, today=today).items():
        stories[case_id].fidelity = fid
    for check in ProgressCheck.objects.filter(case__in=stories).select_related("by"):
        stories[check.case_id].checks.append(check)
    confidential_ok = {
        case.pk: case_access(user, case).can_see_confidential for case in cases
    }
    for note in CaseNote.objects.filter(case__in=stories).select_related("by"):
        restricted = note.confidential and not confidential_ok[note.case_id]
        stories[note.case_id].notes.append(NoteRow(note, restricted))
    return [stories[case.pk] for case in cases]


@dataclass(frozen=True)
class GroupRow:
    """A seat (or a place on the waitlist) in a group, with attendance."""

    placement: Placement
    present: int
    absent: int
    excused: int
    not_taken: int
    recent: list[tuple[datetime.date, str]]

    @property
    def scheduled(self) -> int:
        """Sessions that count: an excused absence is not scheduled
        (docs/domain.md, "Reviewing a case")."""
        return self.present + self.absent

    @property
    def percent(self) -> float | None:
        if not self.scheduled:
            return None
        return round(100 * self.present / self.scheduled, 1)


RECENT_SESSIONS = 5


def _group_rows(
    student: Student, case_ids: set[int], today: datetime.date
) -> list[GroupRow]:
    """Seats in groups for the reader's cases (and in extension groups, which
    hang on no case), with attendance: three queries."""
    placements = [
        p
        for p in Placement.objects.filter(student=student)
        .select_related("group__supervisor", "case__course")
        .order_by("-requested_at", "-pk")
        if p.case_id is None or p.case_id in case_ids
    ]
    if not placements:
        return []
    groups = {p.group_id for p in placements}
    sessions: dict[int, list[datetime.date]] = defaultdict(list)
    for group_id, on in (
        Session.objects.filter(group_id__in=groups, on__lte=today)
        .order_by("-on")
        .values_list("group_id", "on")
    ):
        sessions[group_id].append(on)
    marks = {
        (group_id, on): mark
        for group_id, on, mark in Attendance.objects.filter(
            student=student, session__group_id__in=groups, session__on__lte=today
        ).values_list("session__group_id", "session__on", "mark")
    }
    labels = dict(Attendance.Mark.choices)
    rows = []
    for placement in placements:
        counts = {"present": 0, "absent": 0, "excused": 0, "": 0}
        recent = []
        if placement.placed_on:
            end = min(placement.ended_on or today, today)
            for on in sessions.get(placement.group_id, []):
                if not placement.placed_on <= on <= end:
                    continue
                mark = marks.get((placement.group_id, on), "")
                counts[mark] += 1
                if len(recent) < RECENT_SESSIONS:
                    recent.append((on, labels.get(mark, "Not taken")))
        rows.append(
            GroupRow(
                placement=placement,
                present=counts["present"],
                absent=counts["absent"],
                excused=counts["excused"],
                not_taken=counts[""],
                recent=recent,
            )
        )
    return rows


# The page -------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    student: Student
    enrollments: list[Enrollment]
    guardians: list[Guardian]
    mastery: list[CourseMastery]
    history: list[AssessmentRow]
    cases: list[CaseStory]
    groups: list[GroupRow]
    contacts: list[ParentContact]
    can_open_case: bool
    can_see_access_record: bool

    @property
    def open_cases(self) -> list[CaseStory]:
        return [c for c in self.cases if c.case.is_open]


def _current_enrollments(student: Student) -> list[Enrollment]:
    return list(
        Enrollment.objects.active()
        .filter(student=student, section__in=Section.objects.current())
        .select_related("section__course", "section__term")
        .prefetch_related(
            Prefetch(
                "section__section_teachers",
                queryset=SectionTeacher.objects.select_related("teacher").order_by(
                    "teacher__last_name", "teacher__first_name"
                ),
            )
        )
        .order_by("section__course__title", "section__name")
    )


def may_see_access_record(user, student: Student) -> bool:
    """A principal of the student's school, or a district admin of its
    district."""
    return any(
        (r.role == Role.PRINCIPAL and r.school_id == student.school_id)
        or (
            r.role == Role.DISTRICT_ADMIN
            and r.district_id == student.school.district_id
        )
        for r in roles_of(user)
    )


def student_story(*, user: User, pk: int, today: datetime.date | None = None) -> Story:
    """The story of one student the reader may see; 404 for anyone else's."""
    today = today or timezone.localdate()
    student = student_for(user, pk)
    mastery, history = _mastery_parts(student)
    cases = _case_stories(user, student, today)
    case_ids = {c.case.pk for c in cases}
    roles = roles_of(user)
    return Story(
        student=student,
        enrollments=_current_enrollments(student),
        guardians=list(
            student.guardians.filter(is_active=True).order_by("last_name", "first_name")
        ),
        mastery=mastery,
        history=history,
        cases=cases,
        groups=_group_rows(student, case_ids, today),
        contacts=list(
            ParentContact.objects.filter(case__in=case_ids).select_related(
                "guardian", "by", "case__course"
            )
        )
        if case_ids
        else [],
        can_open_case=any(
            r.role in (Role.PRINCIPAL, Role.COUNSELOR)
            and r.school_id == student.school_id
            for r in roles
        ),
        can_see_access_record=may_see_access_record(user, student),
    )


# The record of access -------------------------------------------------------------


def access_record_student_for(user, pk: int) -> Student:
    """The student whose record of access this reader may open: 404 when the
    student is outside their reach, 403 when they may see the student but not
    who else has (a teacher, a counselor)."""
    student = get_object_or_404(students_for(user).select_related("school"), pk=pk)
    if not may_see_access_record(user, student):
        raise PermissionDenied("Only the school's principal sees who read a record.")
    return student


def _access_rows(student: Student):
    return (
        AccessedStudent.objects.filter(student=student)
        .select_related("record__user")
        .order_by("-at", "-pk")
    )


def access_record_page(*, student: Student, number) -> Page:
    """One page of who read or exported this student's data, newest first.
    Reading it is itself a read of the student's record."""
    note_students([student], what="Record of access")
    return Paginator(_access_rows(student), ACCESS_RECORD_PAGE_SIZE).get_page(number)


ACCESS_CSV_HEADER = [
    "When (UTC)",
    "Staff member",
    "E-mail",
    "Role",
    "Page or export",
    "Kind",
    "Address",
    "Students in the same read",
]


def access_record_export(*, student: Student) -> Iterator[list[str]]:
    """The whole record as CSV rows, formula-safe, read in chunks as the file
    is sent. Exporting it is recorded, now, as an export of the student's data:
    the rows are read after the request's record of access is written."""
    note_students([student], what="Record of access (CSV export)", export=True)
    return _access_csv_rows(student)


def _access_csv_rows(student: Student) -> Iterator[list[str]]:
    yield ACCESS_CSV_HEADER
    for row in _access_rows(student).iterator(chunk_size=2000):
        record = row.record
        who = record.user
        yield [
            spreadsheet_safe(value)
            for value in (
                row.at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                who.display_name if who else "A removed account",
                who.email if who else "",
                record.role,
                record.what,
                record.get_kind_display(),
                record.path,
                record.student_count,
            )
        ]
