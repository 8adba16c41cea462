"""Who may see and work on which case and group (docs/domain.md, "Who sees what").

- A principal: every case and group of their school; a district admin: of the
  district, read-only.
- A counselor: every case of their school (they decide escalations across the
  school), with confidential notes; the students on their caseload.
- A teacher: the cases of students they may see (their sections, their team's
  courses), without confidential notes.
- Anyone who owns an action of a case (a faculty advisor, say): that case.
- An interventionist or supervisor: the groups they run and the students placed
  or waiting in them.

A foreign case or group answers 404, like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Role
from interventions.models import Case, CaseAction, Group, Placement
from schools.access import roles_of, students_for
from schools.access_log import note_students


def _schools(roles, *names) -> list[int]:
    return [r.school_id for r in roles if r.role in names and r.school_id]


def _districts(roles) -> list[int]:
    return [r.district_id for r in roles if r.role == Role.DISTRICT_ADMIN]


def cases_for(user) -> QuerySet[Case]:
    roles = roles_of(user)
    if not roles:
        return Case.objects.none()
    conditions = [
        Q(student__in=students_for(user).values("pk")),
        Q(pk__in=CaseAction.objects.filter(owner=user).values("case_id")),
    ]
    if schools := _schools(roles, Role.PRINCIPAL, Role.COUNSELOR):
        conditions.append(Q(school_id__in=schools))
    if districts := _districts(roles):
        conditions.append(Q(school__district_id__in=districts))
    active_schools = [r.school_id for r in roles if r.school_id]
    scoped = Q(school_id__in=active_schools)
    if districts:
        scoped |= Q(school__district_id__in=districts)
    if set(active_schools) <= set(schools):
        # Principal or counselor of every school they hold a role in (or a
        # district admin only): the school and district rules alone decide,
        # and the student and owner rules would only cost PostgreSQL the
        # planning of their joins on every case page (10 ms of its 11).
        return Case.objects.filter(scoped)
    return Case.objects.filter(reduce(or_, conditions) & scoped)


@dataclass(frozen=True)
class CaseAccess:
    """What one person may do with one case, worked out once per request."""

    case: Case
    is_principal: bool
    is_counselor: bool
    is_district: bool

    @property
    def can_manage(self) -> bool:
        """Move, exit, refer, override, log checks and contacts, contracts."""
        return self.is_principal or self.is_counselor

    @property
    def can_see_confidential(self) -> bool:
        return self.is_principal or self.is_counselor

    @property
    def can_note(self) -> bool:
        return not self.is_district or self.can_manage


def case_access(user, case: Case) -> CaseAccess:
    roles = roles_of(user)
    school_roles = {r.role for r in roles if r.school_id == case.school_id}
    return CaseAccess(
        case=case,
        is_principal=Role.PRINCIPAL in school_roles,
        is_counselor=Role.COUNSELOR in school_roles,
        is_district=any(r.role == Role.DISTRICT_ADMIN for r in roles),
    )


def case_for(user, pk: int) -> CaseAccess:
    case = get_object_or_404(
        cases_for(user).select_related(
            "student__school",
            "student__counselor",
            "student__faculty_advisor",
            "student__mentor",
            "course",
            "team",
            "rung",
            "counselor",
        ),
        pk=pk,
    )
    note_students([case.student], what="Intervention case")
    return case_access(user, case)


def groups_for(user) -> QuerySet[Group]:
    roles = roles_of(user)
    if not roles:
        return Group.objects.none()
    conditions = [Q(supervisor=user, school_id__in=[r.school_id for r in roles])]
    if schools := _schools(roles, Role.PRINCIPAL, Role.COUNSELOR):
        conditions.append(Q(school_id__in=schools))
    if districts := _districts(roles):
        conditions.append(Q(school__district_id__in=districts))
    return Group.objects.filter(reduce(or_, conditions))


@dataclass(frozen=True)
class GroupAccess:
    group: Group
    is_supervisor: bool
    is_principal: bool

    @property
    def can_take_attendance(self) -> bool:
        return self.is_supervisor or self.is_principal

    @property
    def can_manage(self) -> bool:
        """Seats, supervisor, placements: the principal's."""
        return self.is_principal


def group_for(user, pk: int) -> GroupAccess:
    group = get_object_or_404(
        groups_for(user).select_related("school", "supervisor"), pk=pk
    )
    roles = roles_of(user)
    return GroupAccess(
        group=group,
        is_supervisor=group.supervisor_id == user.pk,
        is_principal=any(
            r.role == Role.PRINCIPAL and r.school_id == group.school_id for r in roles
        ),
    )


def group_student_rule(user, roles) -> Q | None:
    """Supervisors see the students placed or waiting in the groups they run."""
    schools = [r.school_id for r in roles if r.role == Role.INTERVENTIONIST]
    if not schools:
        return None
    return Q(
        pk__in=Placement.objects.filter(
            group__supervisor=user, group__school_id__in=schools
        )
        .exclude(status=Placement.Status.ENDED)
        .values("student_id")
    )
