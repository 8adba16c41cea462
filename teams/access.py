"""Who may see and change which team.

A teacher sees the teams they belong to; a principal every team of their school;
a district admin every team of the district, read-only. A foreign team answers
404, exactly like a missing one.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Role
from schools.access import roles_of
from schools.models import Enrollment, School, Section
from teams.models import Team, TeamMembership


def _member_school_ids(roles) -> list[int]:
    # A membership counts only while its holder still works at the team's school.
    return sorted({r.school_id for r in roles if r.school_id})


def teams_for(user) -> QuerySet[Team]:
    roles = roles_of(user)
    if not roles:
        return Team.objects.none()
    conditions = Q(memberships__user=user, school_id__in=_member_school_ids(roles)) & Q(
        is_active=True
    )
    principal_schools = [r.school_id for r in roles if r.role == Role.PRINCIPAL]
    districts = [r.district_id for r in roles if r.role == Role.DISTRICT_ADMIN]
    if principal_schools:
        conditions |= Q(school_id__in=principal_schools)
    if districts:
        conditions |= Q(school__district_id__in=districts)
    return Team.objects.filter(
        pk__in=Team.objects.filter(conditions).values("pk")
    ).select_related("school")


@dataclass(frozen=True)
class TeamAccess:
    """What one person may do in one team, worked out once per request."""

    team: Team
    membership: TeamMembership | None
    is_principal: bool

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    @property
    def is_lead(self) -> bool:
        return self.membership is not None and self.membership.is_lead

    @property
    def can_manage(self) -> bool:
        """Name, kind, courses and members are the principal's to set."""
        return self.is_principal

    @property
    def can_lead(self) -> bool:
        """Norms, outcomes and SMART goals: the lead's, and the principal's."""
        return self.is_lead or self.is_principal

    @property
    def can_contribute(self) -> bool:
        """Meetings and action items: any member's."""
        return self.is_member or self.is_principal


def team_access(user, team: Team) -> TeamAccess:
    roles = roles_of(user)
    membership = (
        TeamMembership.objects.filter(team=team, user=user)
        .select_related("user")
        .first()
        if team.school_id in _member_school_ids(roles) and team.is_active
        else None
    )
    is_principal = any(
        r.role == Role.PRINCIPAL and r.school_id == team.school_id for r in roles
    )
    return TeamAccess(team=team, membership=membership, is_principal=is_principal)


def team_for(user, pk: int) -> TeamAccess:
    team = get_object_or_404(teams_for(user), pk=pk)
    return team_access(user, team)


def team_to_lead(user, pk: int) -> TeamAccess:
    access = team_for(user, pk)
    if not access.can_lead:
        raise Http404("Only the team's lead or the principal may change this.")
    return access


def team_to_contribute(user, pk: int) -> TeamAccess:
    access = team_for(user, pk)
    if not access.can_contribute:
        raise Http404("Only the team's members may change this.")
    return access


def team_to_manage(user, pk: int) -> TeamAccess:
    access = team_for(user, pk)
    if not access.can_manage:
        raise Http404("Only the principal may change this.")
    return access


def schools_to_manage(user) -> QuerySet[School]:
    """Schools whose teams and commitments the user sets: the principal's."""
    ids = [r.school_id for r in roles_of(user) if r.role == Role.PRINCIPAL]
    return School.objects.filter(pk__in=ids).order_by("name")


def staff_schools(user) -> QuerySet[School]:
    """Schools whose shared commitments the user reads: any role there."""
    roles = roles_of(user)
    school_ids = [r.school_id for r in roles if r.school_id]
    districts = [r.district_id for r in roles if r.role == Role.DISTRICT_ADMIN]
    condition = Q(pk__in=school_ids)
    if districts:
        condition |= Q(district_id__in=districts)
    if not roles:
        return School.objects.none()
    return School.objects.filter(condition).order_by("name")


def staff_school_for(user, pk: int) -> School:
    return get_object_or_404(staff_schools(user), pk=pk)


def school_to_manage(user, pk: int) -> School:
    return get_object_or_404(schools_to_manage(user), pk=pk)


def _team_sections(user, roles) -> QuerySet[Section]:
    return Section.objects.current().filter(
        course__teams__memberships__user=user,
        course__teams__is_active=True,
        course__teams__school_id__in=_member_school_ids(roles),
    )


def team_student_rule(user, roles) -> Q | None:
    """Members see the students of every current section of the team's courses."""
    if not _member_school_ids(roles):
        return None
    enrolled = (
        Enrollment.objects.active()
        .filter(section__in=_team_sections(user, roles))
        .values("student_id")
    )
    return Q(pk__in=enrolled)


def team_section_rule(user, roles) -> Q | None:
    if not _member_school_ids(roles):
        return None
    return Q(pk__in=_team_sections(user, roles).values("pk"))


def school_to_oversee(user, pk: int) -> School:
    """A school whose SMART goals the user reviews: its principal, the district."""
    roles = roles_of(user)
    principal_schools = [r.school_id for r in roles if r.role == Role.PRINCIPAL]
    districts = [r.district_id for r in roles if r.role == Role.DISTRICT_ADMIN]
    if not roles:
        raise Http404("No such school.")
    return get_object_or_404(
        School.objects.filter(
            Q(pk__in=principal_schools) | Q(district_id__in=districts)
        ),
        pk=pk,
    )


def can_oversee(user, school: School) -> bool:
    return any(
        (r.role == Role.PRINCIPAL and r.school_id == school.pk)
        or (r.role == Role.DISTRICT_ADMIN and r.district_id == school.district_id)
        for r in roles_of(user)
    )
