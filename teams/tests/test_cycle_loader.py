"""The cycle's facts loaded from the database: which assessment is a unit's,
which students count, the links, and a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    AssessmentItem,
    CommonAssessment,
    ReteachItem,
    StudentMastery,
)
from interventions.models import Case, CaseOutcome, Group, GroupKind, Placement
from schools.tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    SchoolFactory,
    SectionFactory,
    StudentFactory,
    TermFactory,
)
from teams.cycle import State, cycle_for_team, cycles_for_school
from teams.tests.factories import MeetingFactory, OutcomeFactory, TeamFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 30)
Status = CommonAssessment.Status


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(15)))


def assessment(team, course, outcomes, on, status=Status.FINALIZED, **fields):
    a = CommonAssessment.objects.create(
        team=team,
        course=course,
        title=f"Assessment of {on}",
        administered_on=on,
        status=status,
        finalized_at=at(on + datetime.timedelta(days=4))
        if status == Status.FINALIZED
        else None,
        **fields,
    )
    for number, outcome in enumerate(outcomes, start=1):
        AssessmentItem.objects.create(
            assessment=a, number=number, max_points=Decimal(4), outcome=outcome
        )
    return a


def mastery(student, outcome, status):
    value = {"not_yet": 50, "proficient": 85, "exceeds": 98}[status]
    return StudentMastery.objects.create(
        student=student,
        outcome=outcome,
        value=value,
        status=status,
        score_count=1,
        method="latest",
        explanation="",
    )


def build_team(school, term, name="Grade 3", units=3):
    course = CourseFactory(school=school, title=f"{name} Mathematics")
    team = TeamFactory(school=school, name=name, courses=[course])
    outcomes = {}
    for number in range(1, units + 1):
        outcomes[f"Unit {number}"] = [
            OutcomeFactory(team=team, course=course, unit=f"Unit {number}")
            for _ in range(2 if number == 1 else 1)
        ]
    section = SectionFactory(course=course, term=term)
    return team, course, outcomes, section


@pytest.fixture
def boones_mill():
    school = SchoolFactory(name="Boones Mill Elementary")
    term = TermFactory(
        school=school,
        start_date=datetime.date(2026, 8, 15),
        end_date=datetime.date(2027, 6, 15),
    )
    team, course, outcomes, section = build_team(school, term)
    students = [
        EnrollmentFactory(
            section=section, student=StudentFactory(school=school)
        ).student
        for _ in range(4)
    ]
    unit1, unit2 = outcomes["Unit 1"], outcomes["Unit 2"]
    meeting = MeetingFactory(team=team, held_on=datetime.date(2026, 9, 22))
    first = assessment(
        team, course, unit1, datetime.date(2026, 9, 14), data_meeting=meeting
    )
    retake = assessment(
        team,
        course,
        unit1,
        datetime.date(2026, 10, 12),
        status=Status.OPEN,
        retake_of=first,
    )
    second = assessment(team, course, unit2, datetime.date(2026, 11, 23), Status.OPEN)
    # Unit 1: two students not yet (one with a case), one exceeds (placed in
    # extension), one proficient. A student missing both of the unit's
    # outcomes counts once.
    s1, s2, s3, s4 = students
    mastery(s1, unit1[0], "not_yet")
    mastery(s1, unit1[1], "not_yet")
    mastery(s2, unit1[0], "not_yet")
    mastery(s3, unit1[0], "exceeds")
    mastery(s4, unit1[0], "proficient")
    case = Case.objects.create(student=s1, course=course, team=team, school=school)
    CaseOutcome.objects.create(case=case, outcome=unit1[0], snapshot={})
    CaseOutcome.objects.create(case=case, outcome=unit1[1], snapshot={})
    group = Group.objects.create(
        school=school, name="Math club", kind=GroupKind.EXTENSION
    )
    Placement.objects.create(group=group, student=s3, status=Placement.Status.PLACED)
    # A student who took the course in an earlier term is not counted.
    old_term = TermFactory(
        school=school,
        start_date=datetime.date(2025, 8, 15),
        end_date=datetime.date(2026, 6, 15),
    )
    gone = EnrollmentFactory(
        section=SectionFactory(course=course, term=old_term),
        student=StudentFactory(school=school),
    ).student
    mastery(gone, unit1[0], "not_yet")
    return locals()


def test_each_unit_gets_its_assessment_retake_meeting_and_counts(boones_mill):
    b = boones_mill
    units = cycle_for_team(b["team"], b["term"], today=TODAY)
    assert [u.unit_label for u in units] == ["Unit 1", "Unit 2", "Unit 3"]
    unit1, unit2, unit3 = units
    facts = unit1.facts
    assert facts.outcome_count == 2
    assert facts.assessment.pk == b["first"].pk
    assert facts.assessment.finalized_on == datetime.date(2026, 9, 18)
    assert facts.assessment.meeting_on == datetime.date(2026, 9, 22)
    assert facts.retake.pk == b["retake"].pk
    assert (facts.not_yet, facts.not_yet_without_response) == (2, 1)
    assert (facts.exceeds, facts.exceeds_in_extension) == (1, 1)
    assert [s.state for s in unit1.steps] == [
        State.DONE,
        State.DONE,
        State.DONE,
        State.DONE,
        State.LATE,  # s2 has no intervention, 10 weeks after the results
        State.DONE,
    ]
    assert unit2.facts.assessment.pk == b["second"].pk
    assert [s.state for s in unit2.steps][:3] == [
        State.DONE,
        State.DONE,
        State.PLANNED,  # results due 30 November: today
    ]
    assert unit3.facts.assessment is None
    assert unit3.steps[1].state == State.WAITING


def test_a_class_being_retaught_is_its_students_response(boones_mill):
    b = boones_mill
    ReteachItem.objects.create(
        assessment=b["first"],
        section=b["section"],
        outcome=b["unit1"][0],
        proficient_percent=50,
        threshold=70,
    )
    (unit1, *_) = cycle_for_team(b["team"], b["term"], today=TODAY)
    assert unit1.facts.not_yet_without_response == 0
    assert unit1.steps[4].state == State.DONE


def test_a_later_unit_assessed_first_makes_the_skipped_one_late(boones_mill):
    b = boones_mill
    assessment(
        b["team"], b["course"], b["outcomes"]["Unit 3"], datetime.date(2026, 11, 2)
    )
    _, unit2, unit3 = cycle_for_team(b["team"], b["term"], today=TODAY)
    assert unit2.steps[1].state == State.DONE  # unit 2's was given on 23 November
    CommonAssessment.objects.filter(pk=b["second"].pk).update(status=Status.DRAFT)
    _, unit2, unit3 = cycle_for_team(b["team"], b["term"], today=TODAY)
    assert unit2.steps[1].is_late  # a draft past its date
    assert unit3.steps[1].state == State.DONE


def test_assessments_outside_the_term_do_not_count(boones_mill):
    b = boones_mill
    old = CommonAssessment.objects.filter(pk=b["first"].pk)
    old.update(administered_on=datetime.date(2026, 5, 1))
    (unit1, *_) = cycle_for_team(b["team"], b["term"], today=TODAY)
    # Its retake still falls in the term, but it re-assesses nothing this term.
    assert unit1.facts.assessment is None


def test_links_lead_to_where_each_step_is_done(boones_mill):
    b = boones_mill
    unit1, unit2, unit3 = cycle_for_team(b["team"], b["term"], today=TODAY)
    first, team = b["first"], b["team"]
    assert unit1.links == {
        "outcomes": reverse("teams:outcomes", args=[team.pk]),
        "assessment": reverse("assessments:detail", args=[first.pk]),
        "results": reverse("assessments:data", args=[first.pk]),
        "meeting": reverse("teams:meeting", args=[team.pk, b["meeting"].pk]),
        "response": reverse("assessments:data", args=[first.pk]),
        "reassessment": reverse("assessments:detail", args=[b["retake"].pk]),
    }
    assert unit2.links["results"] == reverse(
        "assessments:detail", args=[b["second"].pk]
    )
    assert unit3.links["assessment"] == reverse("assessments:team", args=[team.pk])
    assert unit1.steps[3].url == unit1.links["meeting"]


def test_the_current_terms_are_used_when_none_is_given(boones_mill):
    b = boones_mill
    today = timezone.localdate()
    # The fixture's term runs to June 2027; a term of today's is needed.
    TermFactory(school=b["school"])
    units = cycle_for_team(b["team"], today=today)
    assert [u.unit_label for u in units] == ["Unit 1", "Unit 2", "Unit 3"]


def test_a_term_of_another_school_is_refused(boones_mill):
    other = TermFactory()
    with pytest.raises(ValueError, match="not a term of school"):
        cycle_for_team(boones_mill["team"], other, today=TODAY)


def test_a_team_without_outcomes_shows_one_row_saying_so(boones_mill):
    b = boones_mill
    bare = TeamFactory(school=b["school"], name="Grade 4")
    (team1, team2) = cycles_for_school(b["school"].pk, b["term"], today=TODAY)
    assert [t.team_name for t in (team1, team2)] == ["Grade 3", "Grade 4"]
    (only,) = team2.units
    assert only.facts.team_id == bare.pk
    assert only.steps[0].is_late  # 14 days into the term, long ago
    assert team2.late_count == 1


def test_the_school_lists_only_its_own_active_teams(boones_mill):
    b = boones_mill
    TeamFactory(school=b["school"], name="Retired team", is_active=False)
    elsewhere = SchoolFactory()
    TeamFactory(school=elsewhere, name="Elsewhere")
    names = [
        t.team_name for t in cycles_for_school(b["school"].pk, b["term"], today=TODAY)
    ]
    assert names == ["Grade 3"]


def test_the_school_costs_five_queries_whatever_its_size(
    boones_mill, django_assert_num_queries
):
    b = boones_mill
    with django_assert_num_queries(5):  # teams, outcomes, assessments, mastery + term
        small = cycles_for_school(b["school"].pk, today=TODAY)
    for n in range(3):
        team, course, outcomes, section = build_team(
            b["school"], b["term"], name=f"Grade {n + 4}", units=4
        )
        student = EnrollmentFactory(
            section=section, student=StudentFactory(school=b["school"])
        ).student
        for unit in outcomes.values():
            given = assessment(team, course, unit, datetime.date(2026, 10, 5))
            assessment(team, course, unit, datetime.date(2026, 11, 2), retake_of=given)
            mastery(student, unit[0], "not_yet")
    with django_assert_num_queries(5):
        large = cycles_for_school(b["school"].pk, today=TODAY)
    assert len(large) == len(small) + 3
    assert sum(len(t.units) for t in large) == 3 + 12


def test_one_team_costs_three_queries_with_a_term_given(
    boones_mill, django_assert_num_queries
):
    b = boones_mill
    with django_assert_num_queries(3):  # outcomes, assessments, mastery
        cycle_for_team(b["team"], b["term"], today=TODAY)
    for unit in range(4, 10):
        outcome = OutcomeFactory(
            team=b["team"], course=b["course"], unit=f"Unit {unit}"
        )
        assessment(b["team"], b["course"], [outcome], datetime.date(2026, 10, unit))
    with django_assert_num_queries(3):
        units = cycle_for_team(b["team"], b["term"], today=TODAY)
    assert len(units) == 9


def test_the_course_is_named_only_when_the_team_spans_courses(boones_mill):
    b = boones_mill
    units = cycle_for_team(b["team"], b["term"], today=TODAY)
    assert not any(u.show_course for u in units)
    reading = CourseFactory(school=b["school"], title="Grade 3 Reading")
    b["team"].courses.add(reading)
    OutcomeFactory(team=b["team"], course=reading, unit="Unit 1")
    units = cycle_for_team(b["team"], b["term"], today=TODAY)
    assert all(u.show_course for u in units)
    assert [(u.facts.course_title, u.unit_label) for u in units][-1] == (
        "Grade 3 Reading",
        "Unit 1",
    )
