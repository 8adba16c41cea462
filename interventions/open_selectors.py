"""What the page that opens a case by hand reads (docs/domain.md, "Cases").

A counselor or the principal opens a case when a student needs the ladder
before a common assessment flags them: a teacher's referral, a parent's
request. They may open one for the students they may see at a school where
they are a counselor or the principal; anyone else is refused like a stranger.

Every read that hands students to the page notes them in the record of access,
and each runs in a fixed number of queries. Nothing here writes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role
from assessments.mastery import NO_EVIDENCE
from interventions.case_selectors import MASTERY_LABELS, METHOD_LABELS
from interventions.models import Case, Rung
from interventions.selectors import first_rung, mastery_snapshots
from schools.access import roles_of, students_for
from schools.access_log import note_students
from schools.models import Course, Enrollment, Section, Student
from teams.models import EssentialOutcome

# Enough for a common surname in a school of 4,000; more asks for more letters.
SEARCH_SHOWN = 40


def opening_school_ids(user) -> list[int]:
    """The schools where the user is a counselor or the principal."""
    return sorted(
        {
            r.school_id
            for r in roles_of(user)
            if r.role in (Role.COUNSELOR, Role.PRINCIPAL) and r.school_id
        }
    )


def openable_students(user) -> QuerySet[Student]:
    """Active students the user may read, at a school where they open cases."""
    schools = opening_school_ids(user)
    if not schools:
        return Student.objects.none()
    return students_for(user).filter(school_id__in=schools, is_active=True)


def _name_or_id(query: str) -> Q:
    words = query.split()
    if len(words) == 1:
        return (
            Q(local_id__iexact=query)
            | Q(last_name__istartswith=query)
            | Q(first_name__istartswith=query)
            | Q(preferred_name__istartswith=query)
        )
    # "Nia Agu" finds Nia Aguilar, not every Nia and every Agu….
    return (
        Q(first_name__istartswith=words[0]) | Q(preferred_name__istartswith=words[0])
    ) & Q(last_name__istartswith=" ".join(words[1:]))


@dataclass(frozen=True)
class StudentSearch:
    query: str
    students: list[Student]  # each with `open_cases`, course and rung loaded
    more: bool


def student_search(*, user, query: str) -> StudentSearch:
    """Students the user may open a case for, by name or student ID, each
    with their open cases. Three queries, whatever the number found."""
    query = query.strip()
    # No name or ID holds a NUL, and the database refuses to compare one.
    if not query or "\x00" in query:
        return StudentSearch(query, [], False)
    found = list(
        openable_students(user)
        .filter(_name_or_id(query))
        .select_related("school")
        .prefetch_related(
            Prefetch(
                "cases",
                queryset=Case.objects.open()
                .select_related("course", "rung")
                .order_by("course__title"),
                to_attr="open_cases",
            )
        )
        .order_by("last_name", "first_name", "local_id")[: SEARCH_SHOWN + 1]
    )
    students = found[:SEARCH_SHOWN]
    note_students(students, what="Student search to open an intervention case")
    return StudentSearch(query, students, len(found) > SEARCH_SHOWN)


def student_to_open(user, pk: str) -> Student:
    """The student, for someone who may open a case for them; anyone else, or
    a pk that names nobody, answers 404."""
    if not (str(pk).isascii() and str(pk).isdigit() and len(str(pk)) <= 18):
        raise Http404("No such student.")
    student = get_object_or_404(
        openable_students(user).select_related("school", "counselor"), pk=int(pk)
    )
    note_students([student], what="Opening an intervention case")
    return student


# The student's courses and outcomes ---------------------------------------------------


@dataclass(frozen=True)
class OutcomeChoice:
    """An essential outcome, with the student's kept mastery of it now."""

    outcome: EssentialOutcome
    snapshot: dict | None
    on_case: bool

    @property
    def status(self) -> str:
        if self.snapshot is None:
            return MASTERY_LABELS[NO_EVIDENCE]
        return MASTERY_LABELS.get(self.snapshot["status"], self.snapshot["status"])

    @property
    def is_not_yet(self) -> bool:
        return self.snapshot is not None and self.snapshot["status"] == "not_yet"

    @property
    def level(self) -> str:
        """ "48.5%", or "1 of 3 scores at the cut" while there is no value yet."""
        if self.snapshot is None:
            return ""
        if self.snapshot["value"] is not None:
            return f"{self.snapshot['value']:g}%"
        return self.snapshot["progress"]

    @property
    def calculation(self) -> str:
        return self.snapshot["calculation"] if self.snapshot else ""

    @property
    def method(self) -> str:
        if self.snapshot is None or not self.snapshot["method"]:
            return ""
        method = self.snapshot["method"]
        return METHOD_LABELS.get(method, method.replace("_", " "))

    @property
    def assessment(self) -> str:
        """The newest finalized assessment the mastery rests on."""
        return self.snapshot["assessment"] if self.snapshot else ""


@dataclass(frozen=True)
class CourseChoice:
    course: Course
    outcomes: list[OutcomeChoice]
    open_case: Case | None

    @property
    def not_yet(self) -> int:
        return sum(1 for o in self.outcomes if o.is_not_yet)


@dataclass(frozen=True)
class Opening:
    """Everything the page shows about one student before a case opens."""

    student: Student
    choices: list[CourseChoice]
    first_rung: Rung | None

    def choice(self, course_pk) -> CourseChoice | None:
        return next(
            (c for c in self.choices if str(c.course.pk) == str(course_pk)), None
        )


def opening_for(*, student: Student, on: datetime.date | None = None) -> Opening:
    """The student's current courses that have active essential outcomes, each
    with its outcomes, the student's mastery of each and the open case of the
    course, if any; and the rung a new case starts on. Six queries."""
    on = on or timezone.localdate()
    course_ids = (
        Enrollment.objects.active(on)
        .filter(
            student=student,
            section__in=Section.objects.current(on),
        )
        .values("section__course_id")
    )
    outcomes = list(
        EssentialOutcome.objects.filter(
            course_id__in=course_ids, is_active=True, team__is_active=True
        )
        .select_related("course")
        .order_by("course__title", "course_id", "position", "code")
    )
    snapshots = mastery_snapshots([student.pk], [o.pk for o in outcomes])
    cases = {
        case.course_id: case
        for case in Case.objects.open()
        .filter(student=student)
        .select_related("rung")
        .prefetch_related("outcomes")
    }
    choices: dict[int, CourseChoice] = {}
    for outcome in outcomes:
        case = cases.get(outcome.course_id)
        choice = choices.setdefault(
            outcome.course_id, CourseChoice(outcome.course, [], case)
        )
        on_case = case is not None and any(
            o.outcome_id == outcome.pk for o in case.outcomes.all()
        )
        choice.outcomes.append(
            OutcomeChoice(outcome, snapshots.get((student.pk, outcome.pk)), on_case)
        )
    return Opening(
        student=student,
        choices=list(choices.values()),
        first_rung=first_rung(student.school_id),
    )


def outcome_snapshots(
    *, student: Student, outcomes: list[EssentialOutcome]
) -> list[tuple[EssentialOutcome, dict]]:
    """The mastery each chosen outcome rests on now, as the case freezes it;
    an outcome without a score yet says so."""
    snapshots = mastery_snapshots([student.pk], [o.pk for o in outcomes])
    no_evidence = {
        "status": NO_EVIDENCE,
        "value": None,
        "progress": "",
        "method": "",
        "score_count": 0,
        "calculation": "No score yet.",
        "assessment": "",
        "assessment_on": None,
    }
    return [(o, snapshots.get((student.pk, o.pk), no_evidence)) for o in outcomes]
