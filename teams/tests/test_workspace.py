"""The team workspace and the team list: content at a glance, fixed queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from schools.tests.factories import (
    EnrollmentFactory,
    SectionFactory,
    StudentFactory,
    staff,
)
from teams.models import Norm
from teams.tests.factories import (
    ActionItemFactory,
    GoalFactory,
    MeetingFactory,
    MembershipFactory,
    OutcomeFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


def test_workspace_shows_norms_outcomes_goals_meeting_and_actions(login, squad):
    Norm.objects.create(team=squad.team, text="We start on time.", position=0)
    GoalFactory(outcome=squad.outcomes[0])
    today = timezone.localdate()
    MeetingFactory(team=squad.team, held_on=today + datetime.timedelta(days=3))
    past = MeetingFactory(team=squad.team, held_on=today - datetime.timedelta(days=4))
    ActionItemFactory(meeting=past, title="Draft CA1", owner=squad.colleague)
    page = login(squad.teacher).get(squad.team.get_absolute_url()).content.decode()
    assert page.index("We start on time.") < page.index("SMART goals")
    assert "ALG1.EO1" in page and "A-REI.B.3" in page
    assert "No evidence yet" in page
    assert (today + datetime.timedelta(days=3)).strftime("%B") in page
    assert "Draft CA1" in page
    assert "5 students this term" in page


def test_retired_outcomes_leave_the_workspace_but_not_the_list(login, squad):
    from teams import services

    services.outcome_retire(outcome=squad.outcomes[0], actor=squad.teacher)
    client = login(squad.teacher)
    assert "ALG1.EO1" not in client.get(squad.team.get_absolute_url()).content.decode()
    outcomes_url = reverse("teams:outcomes", args=[squad.team.pk])
    assert "ALG1.EO1" not in client.get(outcomes_url).content.decode()
    assert "ALG1.EO1" in client.get(outcomes_url + "?retired=1").content.decode()


def grow(squad, n):
    """More of everything the workspace shows."""
    for i in range(n):
        member = staff(Role.TEACHER, school=squad.school)
        MembershipFactory(team=squad.team, user=member)
        section = SectionFactory(course=squad.course, term=squad.section.term)
        for _ in range(3):
            EnrollmentFactory(
                section=section, student=StudentFactory(school=squad.school)
            )
        outcome = OutcomeFactory(team=squad.team, course=squad.course)
        GoalFactory(outcome=outcome)
        Norm.objects.create(team=squad.team, text=f"Norm {i}", position=i)
        meeting = MeetingFactory(team=squad.team)
        ActionItemFactory(meeting=meeting, owner=member)
    course = SectionFactory(course__school=squad.school, term=squad.section.term).course
    squad.team.courses.add(course)
    OutcomeFactory(team=squad.team, course=course)


def sources_queries() -> int:
    from teams.selectors import proficiency_for

    with CaptureQueriesContext(connection) as captured:
        proficiency_for(student_ids={1}, outcome_ids={1})
    return len(captured.captured_queries)


def test_workspace_query_count_is_fixed(login, squad, django_assert_num_queries):
    grow(squad, 1)
    client = login(squad.teacher)
    url = squad.team.get_absolute_url()
    client.get(url)
    # 17 of the workspace's own (the navigation's unread count among them), 4
    # for the teaching-learning cycle, plus what the registered proficiency
    # sources read.
    with django_assert_num_queries(21 + sources_queries()) as small:
        client.get(url)
    grow(squad, 6)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize(("who", "queries"), [("principal", 9), ("teacher", 8)])
def test_team_list_query_count_is_fixed(
    login, squad, django_assert_num_queries, who, queries
):
    client = login(getattr(squad, who))
    url = reverse("teams:list")
    client.get(url)
    with django_assert_num_queries(queries) as small:
        client.get(url)
    for _ in range(5):
        team = TeamFactory(school=squad.school)
        MembershipFactory(team=team, user=squad.teacher, role="lead")
        team.courses.add(squad.course)
        OutcomeFactory(team=team, course=squad.course)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


@pytest.mark.parametrize("name", ["outcomes", "meetings", "members", "history"])
def test_other_team_pages_query_counts_are_fixed(
    login, squad, django_assert_num_queries, name
):
    grow(squad, 1)
    client = login(squad.teacher)
    url = reverse(f"teams:{name}", args=[squad.team.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    grow(squad, 4)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


def test_school_goals_query_count_is_fixed(login, squad, django_assert_num_queries):
    client = login(squad.principal)
    url = reverse("teams:school_goals", args=[squad.school.pk])
    grow(squad, 1)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    grow(squad, 4)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)
