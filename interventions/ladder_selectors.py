"""Reads for the pages that set a school up for the ladder: the ladder itself,
faculty advisors and student mentors, and counselors' caseloads
(docs/domain.md, "The intervention ladder", "Caseloads" and "Who sees what").

Who may open each page is decided here, once per request: any staff member of
the school reads its ladder (it tells them what each rung means), the district
admin reads it too; the principal changes it. The principal and the school's
counselors assign advisors and mentors; the principal assigns caseloads. A
school outside a person's reach answers 404, like a missing one.

Caseload rules are plain values matched by pure functions, so the services and
the pages agree on which student a rule covers.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.events import EventType
from accounts.models import Event, Role, User
from interventions.models import OPEN_STATUSES, Case, CaseloadRule, Rung, RungAction
from schools.access import roles_of, students_for
from schools.access_log import note_students
from schools.models import School, StaffRole, Student, grade_label

# Who may open what -------------------------------------------------------------


@dataclass(frozen=True)
class SchoolSetup:
    """What one person may do with one school's ladder, advisors and caseloads."""

    school: School
    is_principal: bool
    is_counselor: bool

    @property
    def can_edit_ladder(self) -> bool:
        return self.is_principal

    @property
    def can_assign_people(self) -> bool:
        """Faculty advisors and student mentors."""
        return self.is_principal or self.is_counselor

    @property
    def can_assign_caseloads(self) -> bool:
        return self.is_principal

    @property
    def sees_case_counts(self) -> bool:
        return self.is_principal or self.is_counselor


def _setup(user, school: School) -> SchoolSetup:
    held = {r.role for r in roles_of(user) if r.school_id == school.pk}
    return SchoolSetup(
        school=school,
        is_principal=Role.PRINCIPAL in held,
        is_counselor=Role.COUNSELOR in held,
    )


def ladder_schools(user) -> QuerySet[School]:
    """Schools whose ladder the user reads: any role there, or their district's."""
    roles = roles_of(user)
    if not roles:
        return School.objects.none()
    condition = Q(pk__in=[r.school_id for r in roles if r.school_id])
    districts = [r.district_id for r in roles if r.role == Role.DISTRICT_ADMIN]
    if districts:
        condition |= Q(district_id__in=districts)
    return School.objects.filter(condition).order_by("name")


def ladder_school_for(user, pk: int) -> SchoolSetup:
    return _setup(user, get_object_or_404(ladder_schools(user), pk=pk))


def ladder_school_to_edit(user, pk: int) -> SchoolSetup:
    setup = ladder_school_for(user, pk)
    if not setup.can_edit_ladder:
        raise Http404("Only the principal changes the ladder.")
    return setup


def people_school_for(user, pk: int) -> SchoolSetup:
    """A school whose advisors and mentors the user assigns."""
    setup = ladder_school_for(user, pk)
    if not setup.can_assign_people:
        raise Http404("Only the principal and the counselors assign advisors.")
    return setup


def caseload_school_for(user, pk: int) -> SchoolSetup:
    setup = ladder_school_for(user, pk)
    if not setup.can_assign_caseloads:
        raise Http404("Only the principal assigns caseloads.")
    return setup


# The ladder ------------------------------------------------------------------------


@dataclass(frozen=True)
class Ladder:
    rungs: list[Rung]  # active, in order, each with `open_cases` and its actions
    retired: list[Rung]

    @property
    def is_set_up(self) -> bool:
        return bool(self.rungs or self.retired)


def ladder(school: School) -> Ladder:
    """The school's rungs with their required actions and how many open cases
    stand on each, in two queries."""
    rungs = list(
        Rung.objects.filter(school=school)
        .annotate(open_cases=Count("cases", filter=Q(cases__status__in=OPEN_STATUSES)))
        .prefetch_related(
            Prefetch("actions", queryset=RungAction.objects.order_by("position", "pk"))
        )
        .order_by("position", "pk")
    )
    return Ladder(
        rungs=[r for r in rungs if r.is_active],
        retired=[r for r in rungs if not r.is_active],
    )


def rung_for(setup: SchoolSetup, pk: int) -> Rung:
    return get_object_or_404(
        Rung.objects.filter(school=setup.school)
        .annotate(open_cases=Count("cases", filter=Q(cases__status__in=OPEN_STATUSES)))
        .prefetch_related(
            Prefetch("actions", queryset=RungAction.objects.order_by("position", "pk"))
        ),
        pk=pk,
    )


# Faculty advisors and student mentors ------------------------------------------


def school_staff(school: School) -> QuerySet[User]:
    """The people who may advise the school's students: anyone with an active
    role there."""
    return (
        User.objects.filter(
            is_active=True,
            pk__in=StaffRole.objects.filter(school=school, is_active=True).values(
                "user_id"
            ),
        )
        .order_by("last_name", "first_name", "email")
        .distinct()
    )


def advisees(
    *, user, school: School, query: str = "", without_advisor: bool = False
) -> QuerySet[Student]:
    """The school's active students the user may see, by name or student ID."""
    students = (
        students_for(user)
        .filter(school=school, is_active=True)
        .select_related("faculty_advisor", "mentor")
    )
    for word in query.split():
        students = students.filter(
            Q(first_name__icontains=word)
            | Q(preferred_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(local_id__iexact=word)
        )
    if without_advisor:
        students = students.filter(faculty_advisor__isnull=True)
    return students.order_by("last_name", "first_name", "local_id")


def advisees_page(
    *,
    user,
    school: School,
    query: str = "",
    without_advisor: bool = False,
    number,
    per_page: int,
) -> Page:
    """One page of `advisees`; the students on it are noted as read."""
    students = advisees(
        user=user, school=school, query=query, without_advisor=without_advisor
    )
    page = Paginator(students, per_page).get_page(number)
    note_students(page.object_list, what="Faculty advisors and mentors")
    return page


def advisee_for(user, school: School, pk: int) -> Student:
    student = get_object_or_404(advisees(user=user, school=school), pk=pk)
    note_students([student], what="Faculty advisors and mentors")
    return student


def mentor_by_local_id(school: School, local_id: str) -> Student | None:
    return (
        Student.objects.filter(school=school, is_active=True, local_id=local_id)
        .only("pk", "school_id", "grade_level", "first_name", "last_name")
        .first()
    )


# Caseloads ---------------------------------------------------------------------


def name_key(text: str) -> str:
    """A last name as caseload ranges compare it: letters only, accents
    dropped, upper case, so “de la Cruz” files under D and “Ávila” under A."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(
        ch for ch in decomposed if ch.isalpha() and not unicodedata.combining(ch)
    ).upper()


# Sorts after every letter: the end of a range includes every name it begins.
_END = "\U0010ffff"


@dataclass(frozen=True)
class RuleSpec:
    """A caseload rule as plain values. `last_name_to` of “F” covers every
    name beginning with F; an empty end is open."""

    counselor_id: int
    last_name_from: str = ""
    last_name_to: str = ""
    grade_level: int | None = None
    # Where the rule stands on the form, to name it in a message.
    row: int = field(default=0, compare=False)

    @property
    def lower(self) -> str:
        return name_key(self.last_name_from)

    @property
    def upper(self) -> str:
        to = name_key(self.last_name_to)
        return to + _END if to else _END

    @property
    def has_range(self) -> bool:
        return bool(self.lower or name_key(self.last_name_to))

    @property
    def is_empty(self) -> bool:
        return not self.has_range and self.grade_level is None

    @property
    def runs_backwards(self) -> bool:
        return self.has_range and not self.lower < self.upper

    def covers(self, last_name: str, grade_level: int | None) -> bool:
        if self.is_empty:
            return False
        if self.grade_level is not None and grade_level != self.grade_level:
            return False
        key = name_key(last_name)
        return self.lower <= key < self.upper

    def overlaps(self, other: RuleSpec) -> bool:
        """Whether some student could match both rules."""
        if self.is_empty or other.is_empty:
            return False
        if (
            self.grade_level is not None
            and other.grade_level is not None
            and self.grade_level != other.grade_level
        ):
            return False
        return self.lower < other.upper and other.lower < self.upper

    @classmethod
    def of(cls, rule: CaseloadRule) -> RuleSpec:
        return cls(
            counselor_id=rule.counselor_id,
            last_name_from=rule.last_name_from,
            last_name_to=rule.last_name_to,
            grade_level=rule.grade_level,
        )


def rule_label(rule) -> str:
    """“A–F, grade 9”, “grade 10”, “from M”, for a rule or a RuleSpec."""
    parts = []
    start, end = rule.last_name_from.strip(), rule.last_name_to.strip()
    if start and end:
        parts.append(f"{start}–{end}")
    elif start:
        parts.append(f"{start} onwards")
    elif end:
        parts.append(f"up to {end}")
    if rule.grade_level is not None:
        parts.append(f"grade {grade_label(rule.grade_level)}")
    return ", ".join(parts) or "no range or grade"


def rule_for(
    specs: list[RuleSpec], last_name: str, grade_level: int
) -> RuleSpec | None:
    """The rule that covers a student: the first, though saved rules never
    overlap."""
    return next((s for s in specs if s.covers(last_name, grade_level)), None)


def school_counselors(school: School) -> QuerySet[User]:
    return (
        User.objects.filter(
            is_active=True,
            pk__in=StaffRole.objects.filter(
                school=school, role=Role.COUNSELOR, is_active=True
            ).values("user_id"),
        )
        .order_by("last_name", "first_name", "email")
        .distinct()
    )


def caseload_rules(school: School) -> list[CaseloadRule]:
    """The school's rules, each with its `label` in words."""
    rules = list(
        CaseloadRule.objects.filter(school=school)
        .select_related("counselor")
        .order_by("last_name_from", "last_name_to", "grade_level", "pk")
    )
    for rule in rules:
        rule.label = rule_label(rule)
    return rules


def hand_assigned_ids(school_id: int) -> set[int]:
    """Students whose counselor was last set by hand, one student at a time:
    the caseload rules leave them where they are.

    Read from the record of change (the newest counselor event of each student
    says whether a person chose the counselor or a rule did), in one query.
    """
    latest = (
        Event.objects.filter(
            type=EventType.COUNSELOR_ASSIGNED,
            school_id=school_id,
            student__isnull=False,
        )
        .order_by("student_id", "-at", "-pk")
        .distinct("student_id")
        .values("pk")
    )
    return set(
        Event.objects.filter(pk__in=latest, data__by_hand=True).values_list(
            "student_id", flat=True
        )
    )


@dataclass(frozen=True)
class CounselorLoad:
    counselor: User
    students: int
    open_cases: int
    rules: list[CaseloadRule]


@dataclass(frozen=True)
class Caseloads:
    loads: list[CounselorLoad]
    rules: list[CaseloadRule]
    without_counselor: int
    others: int  # students whose counselor no longer counsels at the school
    hand_assigned: list[Student]


def caseloads(school: School) -> Caseloads:
    """Each counselor's students and open cases, the rules, and the students
    assigned by hand, in a fixed number of queries whatever the school's size."""
    counselors = list(school_counselors(school))
    students_by = dict(
        Student.objects.filter(school=school, is_active=True)
        .values("counselor_id")
        .annotate(n=Count("pk"))
        .values_list("counselor_id", "n")
    )
    cases_by = dict(
        Case.objects.open()
        .filter(school=school)
        .values("counselor_id")
        .annotate(n=Count("pk"))
        .values_list("counselor_id", "n")
    )
    rules = caseload_rules(school)
    loads = [
        CounselorLoad(
            counselor=c,
            students=students_by.get(c.pk, 0),
            open_cases=cases_by.get(c.pk, 0),
            rules=[r for r in rules if r.counselor_id == c.pk],
        )
        for c in counselors
    ]
    known = {c.pk for c in counselors} | {None}
    hand = list(
        Student.objects.filter(
            school=school, is_active=True, pk__in=hand_assigned_ids(school.pk)
        )
        .select_related("counselor")
        .order_by("last_name", "first_name", "local_id")
    )
    note_students(hand, what="Caseloads: students assigned by hand")
    return Caseloads(
        loads=loads,
        rules=rules,
        without_counselor=students_by.get(None, 0),
        others=sum(n for pk, n in students_by.items() if pk not in known),
        hand_assigned=hand,
    )


def school_student_by_local_id(school: School, local_id: str) -> Student | None:
    return (
        Student.objects.filter(school=school, is_active=True, local_id=local_id)
        .select_related("counselor")
        .first()
    )
