"""Who may see, build and enter which common assessment.

An assessment belongs to a team: the team's members and the school's principal
see it (district admins read it); leads build it; each teacher enters results
for the students of their own sections, and a lead for any section of the team.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from assessments.models import CommonAssessment
from schools.models import Section
from teams.access import TeamAccess, team_access, teams_for


@dataclass(frozen=True)
class AssessmentAccess:
    assessment: CommonAssessment
    team: TeamAccess

    @property
    def can_build(self) -> bool:
        return self.team.can_lead

    @property
    def can_enter(self) -> bool:
        return self.team.can_contribute


def assessments_for(user) -> QuerySet[CommonAssessment]:
    return CommonAssessment.objects.filter(team__in=teams_for(user)).select_related(
        "team__school", "course", "retake_of"
    )


def assessment_for(user, pk: int) -> AssessmentAccess:
    assessment = get_object_or_404(assessments_for(user), pk=pk)
    return AssessmentAccess(
        assessment=assessment, team=team_access(user, assessment.team)
    )


def assessment_to_build(user, pk: int) -> AssessmentAccess:
    access = assessment_for(user, pk)
    if not access.can_build:
        raise Http404("Only the team's lead or the principal may change this.")
    return access


def entry_sections(user, access: AssessmentAccess) -> QuerySet[Section]:
    """Current sections of the assessment's course whose results the user enters."""
    assessment = access.assessment
    sections = Section.objects.current().filter(
        course=assessment.course, course__school_id=assessment.team.school_id
    )
    if access.team.can_lead:
        return sections
    if not access.team.is_member:
        return Section.objects.none()
    return sections.filter(section_teachers__teacher=user)


def entry_section_for(user, access: AssessmentAccess, pk: int) -> Section:
    return get_object_or_404(
        entry_sections(user, access).select_related("course", "term"), pk=pk
    )
