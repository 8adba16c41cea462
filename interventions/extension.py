"""Question four: students who already learned it (docs/domain.md, "Extension").

Students whose kept mastery exceeds on an essential outcome of a course they
take now, not yet in one of the school's extension groups, listed for
extension. Reads only; scoped to the students the viewer may see.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from assessments.models import StudentMastery
from interventions.models import Group, GroupKind, Placement
from schools.access import students_for
from schools.access_log import note_students
from schools.models import Course, Enrollment, Section, Student


@dataclass
class ExtensionRow:
    student: Student
    outcomes: list[str] = field(default_factory=list)


@dataclass
class ExtensionCourse:
    course: Course
    rows: list[ExtensionRow]


@dataclass
class ExtensionList:
    courses: list[ExtensionCourse]
    groups: list[Group]
    placed: int  # students who exceed and are already in an extension group


def extension_candidates(
    *, user, school_id: int, today: datetime.date | None = None
) -> ExtensionList:
    """Five queries whatever the size of the school."""
    today = today or timezone.localdate()
    groups = list(
        Group.objects.filter(
            school_id=school_id, kind=GroupKind.EXTENSION, is_active=True
        ).order_by("name")
    )
    in_extension = set(
        Placement.objects.filter(group__in=groups)
        .exclude(status=Placement.Status.ENDED)
        .values_list("student_id", flat=True)
    )
    masteries = (
        StudentMastery.objects.filter(
            status=StudentMastery.Status.EXCEEDS,
            outcome__is_active=True,
            student__in=students_for(user).filter(school_id=school_id, is_active=True),
        )
        .select_related("student", "outcome__course")
        .order_by("outcome__course__title", "student__last_name", "outcome__position")
    )
    current = set(
        Enrollment.objects.active(on=today)
        .filter(
            section__in=Section.objects.current(today).filter(
                course__school_id=school_id
            )
        )
        .values_list("student_id", "section__course_id")
    )
    by_course: dict[int, dict[int, ExtensionRow]] = defaultdict(dict)
    courses: dict[int, Course] = {}
    placed = set()
    for mastery in masteries:
        course = mastery.outcome.course
        if (mastery.student_id, course.pk) not in current:
            continue
        if mastery.student_id in in_extension:
            placed.add(mastery.student_id)
            continue
        courses[course.pk] = course
        row = by_course[course.pk].setdefault(
            mastery.student_id, ExtensionRow(student=mastery.student)
        )
        row.outcomes.append(mastery.outcome.code)
    listed = [
        ExtensionCourse(course=courses[pk], rows=list(rows.values()))
        for pk, rows in by_course.items()
    ]
    note_students(
        [row.student for block in listed for row in block.rows],
        what="Extension candidates",
    )
    return ExtensionList(courses=listed, groups=groups, placed=len(placed))
