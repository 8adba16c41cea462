"""The demo teams: realistic, valid, cheap to build, led by the demo teacher."""

import pytest

from schools.demo import DemoBuilder
from teams.demo import build_demo_teams
from teams.models import (
    ActionItem,
    EssentialOutcome,
    SchoolCommitments,
    SmartGoal,
    Team,
    validate_standard_code,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    district = DemoBuilder(seed=7).build(
        high_school_students=120, district_students=None
    )
    build_demo_teams(district, seed=7)
    return district


def test_every_course_has_a_team_with_four_to_eight_outcomes(demo):
    stevenson = demo.schools.get(sourced_id="demo-stevenson")
    boones_mill = demo.schools.get(sourced_id="demo-boonesmill")
    assert Team.objects.filter(school=stevenson, kind="course").count() == 16
    grade_teams = Team.objects.filter(school=boones_mill, kind="grade_level")
    assert grade_teams.count() == 6
    assert all(team.courses.count() == 2 for team in grade_teams)
    for team in Team.objects.prefetch_related("courses", "outcomes"):
        for course in team.courses.all():
            count = sum(1 for o in team.outcomes.all() if o.course_id == course.pk)
            assert 4 <= count <= 8, (team, course)


def test_outcomes_are_valid(demo):
    for outcome in EssentialOutcome.objects.all():
        outcome.full_clean()
        for code in outcome.standards:
            validate_standard_code(code)


def test_the_demo_teacher_leads_algebra_1(demo):
    team = Team.objects.get(name="Algebra 1 team")
    lead = team.memberships.get(role="lead").user
    assert lead.email == "teacher@stevenson.example"
    items = ActionItem.objects.filter(owner=lead, done_at__isnull=True)
    assert items.count() >= 2
    assert any(item.is_overdue() for item in items)


def test_commitments_goals_and_meetings(demo):
    assert SchoolCommitments.objects.count() == 2
    for team in Team.objects.all():
        assert 1 <= SmartGoal.objects.filter(team=team).count() <= 2
        assert team.norms.count() >= 4
        assert team.meetings.filter(attendees__isnull=False).exists()
    for goal in SmartGoal.objects.all():
        assert goal.baseline is None or goal.target > goal.baseline


def test_demo_query_count_does_not_grow_with_students(django_assert_max_num_queries):
    district = DemoBuilder(seed=3).build(
        high_school_students=60, district_students=None
    )
    with django_assert_max_num_queries(60):
        build_demo_teams(district, seed=3)
