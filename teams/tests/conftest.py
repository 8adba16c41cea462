"""The root cast, plus a team: the Algebra 1 team of Stevenson High School.

`teacher` (Rivera) leads it; `colleague` is a member who teaches another
Algebra 1 section; `bystander` teaches at the school but is on no team. The
other school has a team of its own that nobody here may see.
"""

from types import SimpleNamespace

import pytest

from accounts.models import Role
from schools.tests.factories import (
    EnrollmentFactory,
    SectionFactory,
    StudentFactory,
    staff,
    teach,
)
from teams import selectors
from teams.models import TeamMembership
from teams.tests.factories import MembershipFactory, OutcomeFactory, TeamFactory


@pytest.fixture
def squad(cast):
    course = cast.section.course
    colleague = staff(
        Role.TEACHER, school=cast.school, email="colleague@stevenson.example"
    )
    bystander = staff(
        Role.TEACHER, school=cast.school, email="bystander@stevenson.example"
    )
    colleague_section = SectionFactory(
        course=course, term=cast.section.term, name="Algebra 1 — Period 4"
    )
    teach(colleague, colleague_section)
    colleague_students = [
        EnrollmentFactory(
            section=colleague_section, student=StudentFactory(school=cast.school)
        ).student
        for _ in range(2)
    ]
    team = TeamFactory(school=cast.school, name="Algebra 1 team", courses=[course])
    MembershipFactory(team=team, user=cast.teacher, role=TeamMembership.Role.LEAD)
    MembershipFactory(team=team, user=colleague)
    outcomes = [
        OutcomeFactory(team=team, course=course, code=f"ALG1.EO{i}", position=i)
        for i in (1, 2, 3)
    ]
    foreign_team = TeamFactory(
        school=cast.other_school,
        name="Riverbend math",
        courses=[cast.foreign_section.course],
    )
    MembershipFactory(
        team=foreign_team, user=cast.other_teacher, role=TeamMembership.Role.LEAD
    )
    return SimpleNamespace(
        **vars(cast),
        course=course,
        colleague=colleague,
        bystander=bystander,
        colleague_section=colleague_section,
        colleague_students=colleague_students,
        team=team,
        outcomes=outcomes,
        foreign_team=foreign_team,
    )


@pytest.fixture
def proficiency_source():
    """Register a hand-made table of mastery levels for the test's duration."""
    table: dict[tuple[int, int], str] = {}

    def source(*, student_ids, outcome_ids):
        return {
            key: level
            for key, level in table.items()
            if key[0] in student_ids and key[1] in outcome_ids
        }

    selectors.register_proficiency_source(source)
    yield table
    selectors._proficiency_sources.remove(source)
