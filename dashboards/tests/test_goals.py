"""SMART goals on the principal's dashboard: the on-track rule on worked cases,
each goal's figures against hand-counted kept mastery, the term's goals only,
four queries whatever the size."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from assessments.models import StudentMastery
from dashboards.goals import goals_for, goals_rows
from schools.tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    SchoolFactory,
    SectionFactory,
    StudentFactory,
    TermFactory,
)
from teams.selectors import GoalProgress, expected_on, goal_status
from teams.tests.factories import GoalFactory, OutcomeFactory, TeamFactory

TODAY = timezone.localdate()
P, E, N = (
    StudentMastery.Status.PROFICIENT,
    StudentMastery.Status.EXCEEDS,
    StudentMastery.Status.NOT_YET,
)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


# On track: worked cases, without the database ------------------------------------

# "The share of Algebra 1 students proficient on EO3 rises from 62% to 80% by
# 15 March", set on 1 September: 195 days. On 1 December, 91 days in, the line
# stands at 62 + 18 × 91 / 195 = 62 + 8.4 = 70.4.
START = datetime.date(2026, 9, 1)
DEADLINE = datetime.date(2027, 3, 15)
DEC_1 = datetime.date(2026, 12, 1)


def status(current, *, baseline=Decimal(62), today=DEC_1):
    return goal_status(
        current=None if current is None else Decimal(current),
        baseline=baseline,
        target=Decimal(80),
        start=START,
        deadline=DEADLINE,
        today=today,
    )


def test_the_line_from_baseline_to_target():
    def line(today):
        return expected_on(
            baseline=Decimal(62),
            target=Decimal(80),
            start=START,
            deadline=DEADLINE,
            today=today,
        )

    assert line(DEC_1) == Decimal("70.4")
    assert line(START) == Decimal(62)
    assert line(DEADLINE) == Decimal(80)
    # Before the goal's first day it stands at the baseline, after its
    # deadline at the target.
    assert line(START - datetime.timedelta(days=5)) == Decimal(62)
    assert line(DEADLINE + datetime.timedelta(days=5)) == Decimal(80)


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ("70.4", GoalProgress.ON_TRACK),  # on the line
        ("75", GoalProgress.ON_TRACK),
        ("70.3", GoalProgress.BEHIND),
        ("50", GoalProgress.BEHIND),  # below the baseline
        ("80", GoalProgress.MET),  # the target, whatever the date
        (None, GoalProgress.NO_EVIDENCE),
    ],
)
def test_on_track_on_1_december(current, expected):
    assert status(current) == expected


def test_after_the_deadline_a_goal_short_of_its_target_is_missed():
    later = DEADLINE + datetime.timedelta(days=1)
    assert status("79.9", today=later) == GoalProgress.MISSED
    assert status("80", today=later) == GoalProgress.MET
    assert status("79.9", today=DEADLINE) == GoalProgress.BEHIND


def test_without_a_baseline_there_is_no_line_only_the_target():
    assert status("75", baseline=None) == GoalProgress.BELOW_TARGET
    assert status("85", baseline=None) == GoalProgress.MET


def test_a_goal_due_the_day_it_was_set_expects_its_target():
    assert (
        expected_on(
            baseline=Decimal(40),
            target=Decimal(60),
            start=START,
            deadline=START,
            today=START,
        )
        == 60
    )


# Against the database ----------------------------------------------------------


def at_noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def mastery(student, outcome, status):
    StudentMastery.objects.create(
        student=student,
        outcome=outcome,
        status=status,
        value=None if status == N else Decimal(90),
        score_count=1,
        method="latest",
        explanation="",
    )


@pytest.fixture
def school():
    """Algebra 1: five students now (0–4), two in a past term (p0, p1).

    EO1: 0 P, 1 E, 2 P, 3 not yet, 4 no result     → 3 of 4: 75.0%
    EO2: 0 P, 1 not yet
    All of Algebra 1 (EO1 and EO2, each as assessed):
         0 yes, 1 no, 2 yes, 3 no                   → 2 of 4: 50.0%
    Past term, EO1: p0 P, p1 not yet                → 1 of 2: 50.0%
    """
    school = SchoolFactory()
    term = TermFactory(school=school, start_date=days(-90), end_date=days(90))
    past_term = TermFactory(school=school, start_date=days(-300), end_date=days(-120))
    algebra = CourseFactory(school=school, title="Algebra 1")
    biology = CourseFactory(school=school, title="Biology")
    algebra_team = TeamFactory(school=school, name="Algebra 1 team", courses=[algebra])
    biology_team = TeamFactory(school=school, name="Biology team", courses=[biology])
    eo1 = OutcomeFactory(team=algebra_team, course=algebra, code="ALG1.EO1")
    eo2 = OutcomeFactory(team=algebra_team, course=algebra, code="ALG1.EO2")
    bio1 = OutcomeFactory(team=biology_team, course=biology, code="BIO.EO1")
    section = SectionFactory(course=algebra, term=term)
    SectionFactory(course=biology, term=term)
    students = [
        EnrollmentFactory(section=section, student__school=school).student
        for _ in range(5)
    ]
    for student, level in zip(students, [P, E, P, N], strict=False):
        mastery(student, eo1, level)
    mastery(students[0], eo2, P)
    mastery(students[1], eo2, N)
    past_section = SectionFactory(course=algebra, term=past_term)
    past = [
        EnrollmentFactory(
            section=past_section,
            student__school=school,
            begin_date=past_term.start_date,
            end_date=past_term.end_date,
        ).student
        for _ in range(2)
    ]
    mastery(past[0], eo1, P)
    mastery(past[1], eo1, N)
    goals = SimpleNamespace(
        # 50 → 80 over 120 days, 60 in: 65.0 expected; 75.0 now.
        on_track=GoalFactory(
            outcome=eo1,
            computed_baseline=50,
            target=80,
            created_at=at_noon(days(-60)),
            deadline=days(60),
        ),
        # 70 → 90 over 60 days, 30 in: 80.0 expected; 50.0 now.
        behind=GoalFactory(
            outcome=None,
            team=algebra_team,
            course=algebra,
            computed_baseline=70,
            target=90,
            created_at=at_noon(days(-30)),
            deadline=days(30),
        ),
        no_evidence=GoalFactory(
            outcome=bio1, target=60, created_at=at_noon(days(-10)), deadline=days(80)
        ),
        # 40 → 60 from day −200 to day −100: on the past term's last day
        # (−120), 80 days in, 56.0 expected; 50.0 then.
        past=GoalFactory(
            outcome=eo1,
            computed_baseline=40,
            target=60,
            created_at=at_noon(days(-200)),
            deadline=days(-100),
        ),
    )
    # Not on the dashboard: a goal withdrawn, one of an archived team, one
    # of another school.
    GoalFactory(outcome=eo1, is_active=False, created_at=at_noon(days(-5)))
    archived = TeamFactory(school=school, is_active=False)
    GoalFactory(
        outcome=OutcomeFactory(team=archived, course=algebra),
        created_at=at_noon(days(-5)),
    )
    GoalFactory(created_at=at_noon(days(-5)))
    return SimpleNamespace(
        school=school,
        term=term,
        past_term=past_term,
        algebra=algebra,
        section=section,
        outcomes=[eo1, eo2],
        students=students,
        goals=goals,
    )


def figures(progress):
    return (
        progress.goal.baseline,
        progress.goal.target,
        progress.percent,
        progress.count.proficient,
        progress.count.measured,
        progress.expected,
        progress.status,
    )


@pytest.mark.django_db
def test_each_teams_goals_with_their_figures(school):
    result = goals_for(school.school.pk, school.term)
    goals = school.goals
    # By team, then deadline; the past goal ended before this term began.
    assert [p.goal for p in result] == [
        goals.behind,
        goals.on_track,
        goals.no_evidence,
    ]
    behind, on_track, no_evidence = result
    assert figures(on_track) == (
        Decimal(50),
        Decimal(80),
        Decimal("75.0"),
        3,
        4,
        Decimal("65.0"),
        GoalProgress.ON_TRACK,
    )
    assert figures(behind) == (
        Decimal(70),
        Decimal(90),
        Decimal("50.0"),
        2,
        4,
        Decimal("80.0"),
        GoalProgress.BEHIND,
    )
    assert no_evidence.status == GoalProgress.NO_EVIDENCE
    assert no_evidence.percent is None
    assert result.status_counts == [
        ("No evidence yet", 1),
        ("On track", 1),
        ("Behind", 1),
    ]


@pytest.mark.django_db
def test_a_past_term_shows_its_goals_as_they_stood_on_its_last_day(school):
    (past,) = goals_for(school.school.pk, school.past_term)
    assert past.goal == school.goals.past
    # The past term's two students, and the line on its last day, not today
    # (when the goal's deadline has passed).
    assert figures(past) == (
        Decimal(40),
        Decimal(60),
        Decimal("50.0"),
        1,
        2,
        Decimal("56.0"),
        GoalProgress.BEHIND,
    )


@pytest.mark.django_db
def test_the_term_must_be_the_schools(school):
    with pytest.raises(ValueError, match="not one of this school's terms"):
        goals_for(SchoolFactory().pk, school.term)


@pytest.mark.django_db
def test_four_queries_whatever_the_number_of_goals_and_students(
    school, django_assert_num_queries
):
    # The goals, the students of their courses, the outcomes of course
    # goals, and the kept mastery.
    with django_assert_num_queries(4):
        goals_for(school.school.pk, school.term)
    for _ in range(3):
        team = TeamFactory(school=school.school)
        course = CourseFactory(school=school.school)
        section = SectionFactory(course=course, term=school.term)
        outcome = OutcomeFactory(team=team, course=course)
        GoalFactory(outcome=outcome, created_at=at_noon(days(-5)))
        GoalFactory(outcome=None, team=team, course=course)
        for _ in range(4):
            student = StudentFactory(school=school.school)
            EnrollmentFactory(section=section, student=student)
            mastery(student, outcome, P)
    with django_assert_num_queries(4):
        result = goals_for(school.school.pk, school.term)
    assert len(result) == 9


@pytest.mark.django_db
def test_csv_rows_are_formula_safe(school):
    team = school.goals.on_track.team
    team.name = "=HYPERLINK(1)"
    team.save()
    header, rows = goals_rows(goals_for(school.school.pk, school.term))
    assert header == [
        "Team",
        "Goal",
        "Baseline %",
        "Target %",
        "Current % proficient",
        "Students proficient",
        "Students with results",
        "Expected % by now",
        "Deadline",
        "Status",
    ]
    on_track = rows[1]
    assert on_track[0] == "'=HYPERLINK(1)"
    assert on_track[2:] == [
        "50.0",
        "80.0",
        "75.0",
        "3",
        "4",
        "65.0",
        days(60).isoformat(),
        "On track",
    ]


@pytest.mark.django_db
@pytest.mark.urls("dashboards.tests.test_equity")
def test_partial_has_a_heading_table_headers_and_status_in_words(school):
    result = goals_for(school.school.pk, school.term)
    html = render_to_string("dashboards/_goals.html", {"goals": result})
    assert '<section class="goals' in html and "<h2" in html
    assert "<caption>" in html
    assert html.count('<th scope="col"') == 8
    assert html.count('<th scope="row"') == 3
    assert f"Expected on {TODAY:%-d %b %Y}" in html
    assert "style=" not in html and "<script" not in html
    assert "3 goals of the school's teams: 1 no evidence yet, 1 on track, 1 behind" in (
        " ".join(html.split())
    )
    # The status is a word beside its colour.
    assert ">✓ </span>On track</span>" in html
    assert ">▼ </span>Behind</span>" in html
    # An outcome goal's figure opens the students behind it, in this term.
    eo1 = school.outcomes[0]
    assert (
        f"?measure=kept_proficient&amp;outcome={eo1.pk}&amp;term={school.term.pk}"
        in html
    )


@pytest.mark.django_db
@pytest.mark.urls("dashboards.tests.test_equity")
def test_partial_without_goals_says_so(school):
    later = TermFactory(school=school.school, start_date=days(400), end_date=days(500))
    result = goals_for(school.school.pk, later)
    html = render_to_string("dashboards/_goals.html", {"goals": result})
    assert "No team has a SMART goal running in this term yet" in html
