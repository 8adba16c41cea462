"""Saving one cell: validation, versions, and two people editing one cell."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments import services
from assessments.models import ItemScore
from assessments.tests.conftest import enter

pytestmark = pytest.mark.django_db


def test_a_valid_score_is_saved_with_who_entered_it(exam):
    student = exam.taught_students[0]
    result = enter(exam, student, 1, "3")
    assert result.saved and not result.error
    score = ItemScore.objects.get(item=exam.items[0], student=student)
    assert (score.points, score.mark, score.version) == (Decimal(3), "", 1)
    assert score.entered_by == exam.teacher


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("5", "more than the 4 points"),
        ("-1", "cannot be negative"),
        ("abc", "is not a score"),
    ],
)
def test_invalid_values_are_refused_and_nothing_is_saved(exam, raw, message):
    result = enter(exam, exam.taught_students[0], 1, raw)
    assert not result.saved
    assert message in result.error
    assert not ItemScore.objects.exists()


def test_absent_and_exempt_marks(exam):
    student = exam.taught_students[0]
    enter(exam, student, 1, "a")
    enter(exam, student, 2, "x")
    marks = dict(ItemScore.objects.values_list("item__number", "mark"))
    assert marks == {1: "absent", 2: "exempt"}


def test_editing_bumps_the_version(exam):
    student = exam.taught_students[0]
    enter(exam, student, 1, "3")
    result = enter(exam, student, 1, "4", seen=1)
    assert result.saved
    assert result.score.version == 2
    assert result.score.points == 4


def test_the_later_of_two_editors_is_told_and_nothing_is_overwritten(exam):
    student = exam.taught_students[0]
    enter(exam, student, 1, "2")  # both editors load the cell at version 1
    first = enter(exam, student, 1, "3", seen=1, actor=exam.teacher)
    second = enter(exam, student, 1, "1", seen=1, actor=exam.colleague)
    assert first.saved
    assert not second.saved and second.conflict
    assert "Changed by someone else" in second.error
    assert second.score.points == 3  # the first editor's value stands
    assert ItemScore.objects.get(item=exam.items[0], student=student).points == 3


def test_two_editors_creating_the_same_cell(exam):
    student = exam.taught_students[0]
    first = enter(exam, student, 1, "3", seen=0)
    second = enter(exam, student, 1, "1", seen=0, actor=exam.colleague)
    assert first.saved and second.conflict
    assert ItemScore.objects.get(item=exam.items[0], student=student).points == 3


def test_retyping_the_same_value_saves_nothing(exam):
    student = exam.taught_students[0]
    enter(exam, student, 1, "3")
    result = enter(exam, student, 1, "3", seen=1)
    assert not result.saved and not result.error
    assert result.score.version == 1


def test_nothing_can_be_entered_in_a_draft_or_finalized_assessment(exam):
    services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    result = enter(exam, exam.taught_students[0], 1, "3")
    assert not result.saved
    assert "only while the assessment is open" in result.error


def test_items_cannot_change_once_open(exam):
    with pytest.raises(ValidationError, match="only while the assessment is a draft"):
        services.items_replace(
            assessment=exam.assessment,
            items=[services.ItemSpec(1, Decimal(1), exam.outcomes[0])],
            actor=exam.teacher,
        )


def test_item_validation_names_each_problem(squad):
    import datetime

    from teams.tests.factories import OutcomeFactory

    draft = services.assessment_create(
        team=squad.team,
        course=squad.course,
        title="Unit 2",
        administered_on=datetime.date.today(),
        actor=squad.teacher,
    )
    other_team_outcome = OutcomeFactory(team=squad.foreign_team)
    with pytest.raises(ValidationError) as error:
        services.items_replace(
            assessment=draft,
            items=[
                services.ItemSpec(1, Decimal(0), squad.outcomes[0]),
                services.ItemSpec(1, Decimal(2), squad.outcomes[0]),
                services.ItemSpec(2, Decimal(2), other_team_outcome),
            ],
            actor=squad.teacher,
        )
    text = " ".join(error.value.messages)
    assert "repeated: 1" in text
    assert "Item 1: the most points must be above 0" in text
    assert f"{other_team_outcome.code} is not an outcome of" in text
    assert not draft.items.exists()


def test_cuts_default_to_80_and_95_per_outcome(exam):
    cuts = {
        c.outcome.code: (c.mastery_cut, c.exceeds_cut)
        for c in exam.assessment.cuts.all()
    }
    assert cuts == {"ALG1.EO1": (80, 95), "ALG1.EO2": (80, 95)}


def test_an_assessment_needs_one_of_the_teams_courses(squad):
    import datetime

    with pytest.raises(ValidationError, match="one of the team's courses"):
        services.assessment_create(
            team=squad.team,
            course=squad.foreign_section.course,
            title="Wrong course",
            administered_on=datetime.date.today(),
            actor=squad.teacher,
        )
