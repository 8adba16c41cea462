"""SMART goals: the proficiency computation on hand-made data, validation, events."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Event
from schools.tests.factories import EnrollmentFactory, SectionFactory, StudentFactory
from teams import selectors, services
from teams.models import SmartGoal
from teams.selectors import (
    EXCEEDS,
    NOT_YET,
    PROFICIENT,
    GoalProgress,
    ProficiencyCount,
    count_proficient,
)
from teams.tests.factories import GoalFactory, OutcomeFactory, SchoolGoalFactory

TODAY = datetime.date(2026, 11, 2)


# The computation, without a database -----------------------------------------


def test_count_on_one_outcome():
    levels = {
        (1, 10): PROFICIENT,
        (2, 10): EXCEEDS,
        (3, 10): NOT_YET,
        (4, 11): PROFICIENT,  # another outcome: no evidence on 10
    }
    count = count_proficient(
        students={1, 2, 3, 4, 5}, outcome_ids=[10], proficiency=levels
    )
    assert count == ProficiencyCount(students=5, measured=3, proficient=2)
    assert count.percent == Decimal("66.7")


def test_all_outcomes_needs_every_assessed_outcome_proficient():
    levels = {
        (1, 10): PROFICIENT,
        (1, 11): EXCEEDS,  # proficient on both
        (2, 10): PROFICIENT,
        (2, 11): NOT_YET,  # not yet on one: not proficient
        (3, 10): PROFICIENT,  # assessed on one only, proficient on it
    }
    count = count_proficient(
        students={1, 2, 3, 4}, outcome_ids=[10, 11], proficiency=levels
    )
    assert (count.measured, count.proficient) == (3, 2)
    assert count.percent == Decimal("66.7")


def test_no_evidence_is_not_zero_percent():
    count = count_proficient(students={1, 2}, outcome_ids=[10], proficiency={})
    assert count.percent is None and not count.has_evidence


def test_rounding_is_half_up_to_one_decimal():
    count = ProficiencyCount(students=8, measured=8, proficient=5)
    assert count.percent == Decimal("62.5")
    assert ProficiencyCount(students=3, measured=3, proficient=2).percent == Decimal(
        "66.7"
    )


class FakeGoal:
    def __init__(self, baseline, target, deadline, created):
        self.baseline = baseline
        self.target = Decimal(target)
        self.deadline = deadline
        self.created_at = timezone.make_aware(
            datetime.datetime.combine(created, datetime.time(12))
        )


@pytest.mark.parametrize(
    ("proficient", "expected_status"),
    [(8, GoalProgress.MET), (7, GoalProgress.ON_TRACK), (6, GoalProgress.BEHIND)],
)
def test_status_against_a_straight_line_from_baseline_to_target(
    proficient, expected_status
):
    # 50% → 80% over 100 days; 50 days in, 65% is expected.
    goal = FakeGoal(
        Decimal(50),
        80,
        TODAY + datetime.timedelta(days=50),
        TODAY - datetime.timedelta(days=50),
    )
    progress = GoalProgress(
        goal=goal,
        count=ProficiencyCount(students=10, measured=10, proficient=proficient),
        today=TODAY,
    )
    assert progress.expected == Decimal("65.0")
    assert progress.status == expected_status


def test_status_after_the_deadline_and_without_evidence():
    goal = FakeGoal(
        Decimal(50),
        80,
        TODAY - datetime.timedelta(days=1),
        TODAY - datetime.timedelta(days=90),
    )
    missed = GoalProgress(goal=goal, count=ProficiencyCount(10, 10, 7), today=TODAY)
    assert missed.status == GoalProgress.MISSED
    unknown = FakeGoal(None, 80, TODAY + datetime.timedelta(days=9), TODAY)
    measured = GoalProgress(
        goal=unknown, count=ProficiencyCount(10, 10, 6), today=TODAY
    )
    assert measured.status == GoalProgress.BELOW_TARGET
    none = GoalProgress(goal=goal, count=ProficiencyCount(10, 0, 0), today=TODAY)
    assert none.status == GoalProgress.NO_EVIDENCE
    assert none.status_label == "No evidence yet"


# Against the database ----------------------------------------------------------


def all_students(squad):
    return [*squad.taught_students, *squad.colleague_students]


@pytest.mark.django_db
def test_goal_progress_reads_the_registered_source(squad, proficiency_source):
    outcome = squad.outcomes[0]
    goal = GoalFactory(outcome=outcome)
    assert selectors.goal_progress(goal).status == GoalProgress.NO_EVIDENCE
    students = all_students(squad)  # 5 students in the team's two sections
    for student in students[:3]:
        proficiency_source[(student.pk, outcome.pk)] = PROFICIENT
    proficiency_source[(students[3].pk, outcome.pk)] = NOT_YET
    proficiency_source[(squad.untaught_student.pk, outcome.pk)] = PROFICIENT  # not ours
    progress = selectors.goal_progress(goal)
    assert progress.count == ProficiencyCount(students=5, measured=4, proficient=3)
    assert progress.percent == Decimal("75.0")


@pytest.mark.django_db
def test_course_goal_covers_the_active_outcomes_of_the_course(
    squad, proficiency_source
):
    first, second, third = squad.outcomes
    services.outcome_retire(outcome=third, actor=squad.teacher)
    goal = GoalFactory(outcome=None, team=squad.team, course=squad.course)
    a, b = squad.taught_students[:2]
    proficiency_source.update(
        {
            (a.pk, first.pk): PROFICIENT,
            (a.pk, second.pk): PROFICIENT,
            (a.pk, third.pk): NOT_YET,  # retired: no longer counts
            (b.pk, first.pk): PROFICIENT,
            (b.pk, second.pk): NOT_YET,
        }
    )
    progress = selectors.goal_progress(goal)
    assert (progress.count.measured, progress.count.proficient) == (2, 1)


@pytest.mark.django_db
def test_students_of_past_terms_and_inactive_students_do_not_count(squad):
    past = SectionFactory(
        course=squad.course,
        term__start_date=timezone.localdate() - datetime.timedelta(days=400),
        term__end_date=timezone.localdate() - datetime.timedelta(days=200),
    )
    EnrollmentFactory(section=past, student=StudentFactory(school=squad.school))
    squad.colleague_students[0].is_active = False
    squad.colleague_students[0].save()
    goal = GoalFactory(outcome=squad.outcomes[0])
    assert selectors.goal_progress(goal).count.students == 4


@pytest.mark.django_db
def test_batched_progress_runs_a_fixed_number_of_queries(
    squad, proficiency_source, django_assert_num_queries
):
    goals = [GoalFactory(outcome=o) for o in squad.outcomes]
    few = list(selectors.goals_with_scope(SmartGoal.objects.filter(team=squad.team)))
    with django_assert_num_queries(2 + sources_queries()) as small:
        selectors.goals_progress(few)
    for _ in range(5):
        more = OutcomeFactory(team=squad.team, course=squad.course)
        goals.append(GoalFactory(outcome=more))
    goals.append(GoalFactory(outcome=None, team=squad.team, course=squad.course))
    loaded = list(selectors.goals_with_scope(SmartGoal.objects.filter(team=squad.team)))
    with django_assert_num_queries(len(small.captured_queries)):
        progress = selectors.goals_progress(loaded)
    assert len(progress) == len(goals)


def sources_queries() -> int:
    """Queries the registered proficiency sources run (other apps may add one)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        selectors.proficiency_for(student_ids={1}, outcome_ids={1})
    return len(captured.captured_queries)


# Setting goals ------------------------------------------------------------------


def new_goal(squad, **fields):
    data = {
        "team": squad.team,
        "actor": squad.teacher,
        "outcome": squad.outcomes[0],
        "target": Decimal(80),
        "deadline": timezone.localdate() + datetime.timedelta(days=60),
    }
    return services.goal_create(**{**data, **fields})


@pytest.mark.django_db
def test_baseline_is_computed_at_creation(squad, proficiency_source):
    outcome = squad.outcomes[0]
    for student in squad.taught_students:
        proficiency_source[(student.pk, outcome.pk)] = PROFICIENT
    proficiency_source[(squad.colleague_students[0].pk, outcome.pk)] = NOT_YET
    goal = new_goal(squad, target=Decimal(90))
    assert goal.computed_baseline == Decimal("75.0")
    assert goal.baseline == Decimal("75.0")
    assert "from 75% to 90%" in goal.statement


@pytest.mark.django_db
def test_without_evidence_the_baseline_waits(squad):
    goal = new_goal(squad)
    assert goal.computed_baseline is None and goal.baseline is None
    assert "rises to 80%" in goal.statement


@pytest.mark.django_db
def test_target_below_the_baseline_is_refused(squad, proficiency_source):
    for student in all_students(squad):
        proficiency_source[(student.pk, squad.outcomes[0].pk)] = PROFICIENT
    with pytest.raises(ValidationError) as error:
        new_goal(squad, target=Decimal(90))
    assert "above the baseline (100%)" in error.value.message_dict["target"][0]
    assert not SmartGoal.objects.exists()


@pytest.mark.django_db
def test_an_override_needs_a_reason_and_is_an_event(squad):
    with pytest.raises(ValidationError) as error:
        new_goal(squad, baseline_override=Decimal(60))
    assert "baseline_override_reason" in error.value.message_dict
    goal = new_goal(
        squad, baseline_override=Decimal(60), baseline_override_reason="Last year"
    )
    assert goal.baseline == Decimal(60)
    event = Event.objects.get(type="goal.baseline_overridden")
    assert event.reason == "Last year" and event.actor == squad.teacher
    assert "computed: no evidence" in event.summary
    with pytest.raises(ValidationError) as error:
        new_goal(
            squad,
            baseline_override=Decimal(85),
            baseline_override_reason="Typo",
        )
    assert "target" in error.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize("days", [0, -1])
def test_deadline_must_be_in_the_future(squad, days):
    with pytest.raises(ValidationError) as error:
        new_goal(squad, deadline=timezone.localdate() + datetime.timedelta(days=days))
    assert "deadline" in error.value.message_dict


@pytest.mark.django_db
def test_scope_and_school_goal_must_belong_to_the_team(squad):
    foreign = OutcomeFactory(team=squad.foreign_team)
    with pytest.raises(ValidationError) as error:
        new_goal(squad, outcome=foreign)
    assert "scope" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        new_goal(squad, school_goal=SchoolGoalFactory(school=squad.other_school))
    assert "school_goal" in error.value.message_dict
    assert new_goal(squad, school_goal=SchoolGoalFactory(school=squad.school)).pk


@pytest.mark.django_db
def test_update_keeps_a_passed_deadline_but_refuses_a_new_past_one(squad):
    goal = GoalFactory(outcome=squad.outcomes[0], deadline=timezone.localdate())
    common = {
        "goal": goal,
        "actor": squad.teacher,
        "target": Decimal(85),
        "school_goal": None,
        "baseline_override": None,
        "baseline_override_reason": "",
        "today": timezone.localdate() + datetime.timedelta(days=3),
    }
    services.goal_update(deadline=goal.deadline, **common)
    with pytest.raises(ValidationError):
        services.goal_update(
            deadline=timezone.localdate() + datetime.timedelta(days=1), **common
        )


@pytest.mark.django_db
def test_goal_form_shows_errors_on_fields(login, squad):
    response = login(squad.teacher).post(
        reverse("teams:goal_create", args=[squad.team.pk]),
        {
            "scope": f"outcome:{squad.outcomes[0].pk}",
            "target": "80",
            "deadline": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
            "baseline_override": "85",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "baseline_override_reason" in errors
    assert not SmartGoal.objects.exists()


@pytest.mark.django_db
def test_goal_form_saves_a_course_goal(login, squad):
    response = login(squad.teacher).post(
        reverse("teams:goal_create", args=[squad.team.pk]),
        {
            "scope": f"course:{squad.course.pk}",
            "target": "75",
            "deadline": (
                timezone.localdate() + datetime.timedelta(days=30)
            ).isoformat(),
        },
    )
    assert response.status_code == 302
    goal = SmartGoal.objects.get()
    assert goal.course == squad.course and goal.outcome is None


@pytest.mark.django_db
def test_principal_sees_every_goal_of_the_school(login, squad):
    GoalFactory(outcome=squad.outcomes[0])
    GoalFactory(outcome=OutcomeFactory(team=squad.foreign_team))
    page = login(squad.principal).get(
        reverse("teams:school_goals", args=[squad.school.pk])
    )
    assert len(page.context["progress"]) == 1
    assert "No evidence yet" in page.content.decode()
