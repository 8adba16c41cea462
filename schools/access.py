"""Who may see what: the one layer every view goes through.

Access follows need-to-know (FERPA's "legitimate educational interest"): each
function returns a queryset scoped to what the user's roles allow, and the
`*_for(user, pk)` helpers answer 404 for anything outside it, so a foreign object
is indistinguishable from a missing one.
"""

from collections.abc import Callable
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Role
from schools.access_log import note_students
from schools.models import Enrollment, School, Section, StaffRole, Student

# Apps above `schools` (teams, interventions) widen access through these hooks,
# registered in their AppConfig.ready(), so the roster never imports them. A rule
# takes the user and their active roles and returns a Q over the model, or None.
Rule = Callable[..., Q | None]
_student_rules: list[Rule] = []
_section_rules: list[Rule] = []


def register_student_rule(rule: Rule) -> None:
    if rule not in _student_rules:
        _student_rules.append(rule)


def register_section_rule(rule: Rule) -> None:
    if rule not in _section_rules:
        _section_rules.append(rule)


def _extra(rules: list[Rule], user) -> list[Q]:
    roles = roles_of(user)
    if not roles:
        return []
    return [q for rule in rules if (q := rule(user, roles)) is not None]


def roles_of(user) -> list[StaffRole]:
    """The user's active roles, read once per request and kept on the user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = user.__dict__.get("_active_staff_roles")
    if cached is None:
        cached = list(
            StaffRole.objects.filter(user=user, is_active=True).select_related(
                "school", "district"
            )
        )
        user.__dict__["_active_staff_roles"] = cached
    return cached


def role_names(user) -> set[str]:
    return {staff_role.role for staff_role in roles_of(user)}


def _school_ids(user, role: str) -> list[int]:
    return [r.school_id for r in roles_of(user) if r.role == role]


def _district_ids(user) -> list[int]:
    return [r.district_id for r in roles_of(user) if r.role == Role.DISTRICT_ADMIN]


def _any(conditions: list[Q]) -> Q | None:
    return reduce(or_, conditions) if conditions else None


def schools_for(user) -> QuerySet[School]:
    districts = _district_ids(user)
    school_ids = [r.school_id for r in roles_of(user) if r.school_id]
    condition = _any(
        ([Q(district_id__in=districts)] if districts else [])
        + ([Q(pk__in=school_ids)] if school_ids else [])
    )
    if condition is None:
        return School.objects.none()
    return School.objects.filter(condition)


def sections_for(user) -> QuerySet[Section]:
    """Sections whose rosters the user may open."""
    districts = _district_ids(user)
    principal_schools = _school_ids(user, Role.PRINCIPAL)
    teacher_schools = _school_ids(user, Role.TEACHER)
    conditions = []
    if districts:
        conditions.append(Q(course__school__district_id__in=districts))
    if principal_schools:
        conditions.append(Q(course__school_id__in=principal_schools))
    if teacher_schools:
        conditions.append(
            Q(
                pk__in=Section.objects.filter(
                    section_teachers__teacher=user,
                    course__school_id__in=teacher_schools,
                ).values("pk")
            )
        )
    conditions += _extra(_section_rules, user)
    condition = _any(conditions)
    if condition is None:
        return Section.objects.none()
    return Section.objects.filter(condition)


def students_for(user) -> QuerySet[Student]:
    """Students whose records the user may read."""
    districts = _district_ids(user)
    principal_schools = _school_ids(user, Role.PRINCIPAL)
    counselor_schools = _school_ids(user, Role.COUNSELOR)
    teacher_schools = _school_ids(user, Role.TEACHER)
    conditions = []
    if districts:
        conditions.append(Q(school__district_id__in=districts))
    if principal_schools:
        conditions.append(Q(school_id__in=principal_schools))
    if counselor_schools:
        conditions.append(Q(counselor=user, school_id__in=counselor_schools))
    if teacher_schools:
        taught = (
            Enrollment.objects.active()
            .filter(
                section__in=Section.objects.current().filter(
                    section_teachers__teacher=user,
                    course__school_id__in=teacher_schools,
                )
            )
            .values("student_id")
        )
        conditions.append(Q(pk__in=taught))
    conditions += _extra(_student_rules, user)
    condition = _any(conditions)
    if condition is None:
        return Student.objects.none()
    return Student.objects.filter(condition)


def school_for(user, pk: int) -> School:
    return get_object_or_404(schools_for(user), pk=pk)


def section_for(user, pk: int) -> Section:
    return get_object_or_404(
        sections_for(user).select_related("course__school", "term"), pk=pk
    )


def student_for(user, pk: int, *, what: str = "Student record") -> Student:
    """The student, noted as read by this request (see `access_log`)."""
    student = get_object_or_404(
        students_for(user).select_related(
            "school", "counselor", "faculty_advisor", "mentor"
        ),
        pk=pk,
    )
    note_students([student], what=what)
    return student
