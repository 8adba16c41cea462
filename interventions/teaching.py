"""What a teacher sees of the ladder: the supports their students are getting,
and the case actions assigned to them (docs/domain.md, "Who sees what").

Never a confidential note: nothing here reads notes at all.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Prefetch
from django.utils import timezone

from interventions.models import OPEN_STATUSES, Case, CaseAction, Placement
from schools.access import roles_of
from schools.access_log import note_students
from schools.models import Enrollment, Section


def actions_for(user, *, today: datetime.date | None = None) -> list[CaseAction]:
    """The open case actions assigned to this person, soonest due first."""
    today = today or timezone.localdate()
    actions = list(
        # The current rung's actions: what an earlier rung left undone stays on
        # the case's record but is no longer anyone's work.
        CaseAction.objects.filter(
            owner=user,
            done_at__isnull=True,
            case__status__in=OPEN_STATUSES,
            rung_id=F("case__rung_id"),
            # Only schools where the person still works: someone who moved on
            # no longer sees the old school's students.
            case__school_id__in=[r.school_id for r in roles_of(user) if r.school_id],
        )
        .select_related("case__student", "case__course")
        .order_by("due_on", "pk")[:100]
    )
    note_students([a.case.student for a in actions], what="My case actions")
    for action in actions:
        action.overdue = action.due_on < today
    return actions


@dataclass
class SupportedStudent:
    case: Case
    groups: list[Placement] = field(default_factory=list)

    @property
    def supports(self) -> str:
        """What the school is doing, in words: the rung's description."""
        return self.case.rung_snapshot.get("description", "")


@dataclass
class SectionSupports:
    section: Section
    students: list[SupportedStudent]


def supports_for_teacher(user, *, school_ids: list[int]) -> list[SectionSupports]:
    """For each of the teacher's current sections, the students with an open
    case in that course, their rung and the supports being provided. Three
    queries whatever the number of sections."""
    sections = list(
        Section.objects.current()
        .filter(section_teachers__teacher=user, course__school_id__in=school_ids)
        .select_related("course")
        .order_by("period", "name")
    )
    enrolled = defaultdict(set)
    for section_id, student_id in (
        Enrollment.objects.active()
        .filter(section__in=sections)
        .values_list("section_id", "student_id")
    ):
        enrolled[section_id].add(student_id)
    all_students = set().union(*enrolled.values()) if enrolled else set()
    cases = list(
        Case.objects.open()
        .filter(
            student_id__in=all_students,
            course_id__in={s.course_id for s in sections},
        )
        .select_related("student")
        .prefetch_related(
            Prefetch(
                "placements",
                queryset=Placement.objects.exclude(
                    status=Placement.Status.ENDED
                ).select_related("group"),
            )
        )
        .order_by("student__last_name", "student__first_name")
    )
    note_students([c.student for c in cases], what="Supports for my students")
    result = []
    for section in sections:
        students = [
            SupportedStudent(case=case, groups=list(case.placements.all()))
            for case in cases
            if case.course_id == section.course_id
            and case.student_id in enrolled[section.pk]
        ]
        if students:
            result.append(SectionSupports(section=section, students=students))
    return result
