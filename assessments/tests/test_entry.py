"""Saving one cell: validation, versions, and two people editing one cell."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.events import EventType
from accounts.models import Event
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


def test_a_grid_that_missed_the_finalizing_saves_nothing(exam):
    """The page was loaded while the assessment was open; a colleague finalized
    it since. The save reads the status under a lock, so a result never lands
    after the finalizing that kept mastery counted."""
    from assessments.models import CommonAssessment

    loaded_before = CommonAssessment.objects.get(pk=exam.assessment.pk)
    services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    assert loaded_before.status == CommonAssessment.Status.OPEN
    exam.assessment = loaded_before
    result = enter(exam, exam.taught_students[0], 1, "3")
    assert not result.saved
    assert "only while the assessment is open" in result.error
    assert not ItemScore.objects.exists()
    sheet = [services.RowEntry(exam.taught_students[0], {1: "3"})]
    with pytest.raises(ValidationError, match="only while the assessment is open"):
        services.scores_import(assessment=loaded_before, rows=sheet, actor=exam.teacher)
    assert not ItemScore.objects.exists()


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


# A pasted block ----------------------------------------------------------------


def cells(exam, block, *, seen=None):
    """The grid's cells for `block`: {(student, item number): typed text}."""
    current = {
        (score.student_id, score.item_id): score.version
        for score in ItemScore.objects.filter(item__assessment=exam.assessment)
    }
    return [
        services.CellEntry(
            item=exam.items[number - 1],
            student=student,
            raw=raw,
            seen_version=(
                seen
                if seen is not None
                else current.get((student.pk, exam.items[number - 1].pk), 0)
            ),
        )
        for (student, number), raw in block.items()
    ]


def paste(exam, block, *, actor=None, seen=None):
    return services.scores_enter(
        assessment=exam.assessment,
        cells=cells(exam, block, seen=seen),
        actor=actor or exam.teacher,
    )


def saved(exam):
    return {
        (score.student_id, score.item.number): (score.points, score.mark)
        for score in ItemScore.objects.select_related("item")
    }


def score_events():
    return Event.objects.filter(type=EventType.SCORE_CHANGED)


def test_a_pasted_block_saves_good_cells_and_marks_each_bad_one(exam):
    ana, ben, cal = exam.taught_students
    outcomes = paste(
        exam,
        {
            (ana, 1): "4",
            (ana, 2): "7",  # item 2 is worth 2 points
            (ben, 1): "a",
            (ben, 2): "two",
            (cal, 1): "3.5",
            (cal, 2): "x",
        },
    )
    assert [(o.saved, bool(o.error)) for o in outcomes] == [
        (True, False),
        (False, True),
        (True, False),
        (False, True),
        (True, False),
        (True, False),
    ]
    assert "more than the 2 points" in outcomes[1].error
    assert "“two” is not a score" in outcomes[3].error
    assert saved(exam) == {
        (ana.pk, 1): (Decimal(4), ""),
        (ben.pk, 1): (None, "absent"),
        (cal.pk, 1): (Decimal("3.5"), ""),
        (cal.pk, 2): (None, "exempt"),
    }


def test_a_pasted_cell_someone_changed_meanwhile_is_a_conflict_not_overwritten(exam):
    ana, ben, _ = exam.taught_students
    enter(exam, ana, 1, "2")
    block = cells(exam, {(ana, 1): "4", (ben, 1): "3"})  # the paster saw version 1
    enter(exam, ana, 1, "1", actor=exam.colleague)  # …then the colleague saved
    events_before = score_events().count()
    outcomes = services.scores_enter(
        assessment=exam.assessment, cells=block, actor=exam.teacher
    )
    assert outcomes[0].conflict and not outcomes[0].saved
    assert "Changed by someone else" in outcomes[0].error
    assert outcomes[0].score.points == 1  # the colleague's entry is shown
    assert outcomes[1].saved
    score = ItemScore.objects.get(item=exam.items[0], student=ana)
    assert (score.points, score.mark, score.version) == (Decimal(1), "", 2)
    assert score.entered_by == exam.colleague
    # Only Ben's cell is recorded as changed by the paster.
    new = score_events().order_by("pk")[events_before:]
    assert [(e.student_id, e.actor_id) for e in new] == [(ben.pk, exam.teacher.pk)]


def test_a_cell_created_by_someone_else_since_the_grid_loaded_is_a_conflict(exam):
    ana, ben, _ = exam.taught_students
    enter(exam, ana, 1, "2", actor=exam.colleague)
    outcomes = paste(exam, {(ana, 1): "4", (ben, 1): "3"}, seen=0)
    assert outcomes[0].conflict
    assert outcomes[1].saved
    assert saved(exam)[(ana.pk, 1)] == (Decimal(2), "")


def test_a_create_that_races_another_is_a_conflict_and_the_rest_is_saved(
    exam, monkeypatch
):
    """Two people fill the same empty cell: the row appears between this paste's
    read and its insert. The database's unique constraint catches it."""
    ana, ben, _ = exam.taught_students
    enter(exam, ana, 1, "2", actor=exam.colleague)
    monkeypatch.setattr(services, "_locked_scores", lambda cells: {})
    outcomes = paste(exam, {(ana, 1): "4", (ben, 1): "3"}, seen=0)
    assert outcomes[0].conflict
    assert "Changed by someone else" in outcomes[0].error
    assert outcomes[1].saved
    assert saved(exam) == {
        (ana.pk, 1): (Decimal(2), ""),
        (ben.pk, 1): (Decimal(3), ""),
    }


def test_results_entered_while_open_enqueue_no_recompute(
    exam, django_capture_on_commit_callbacks
):
    from accounts.models import OutboxMessage

    ana, ben, cal = exam.taught_students
    with django_capture_on_commit_callbacks() as callbacks:
        paste(
            exam,
            {
                (ana, 1): "4",
                (ana, 2): "2",
                (ana, 3): "1",
                (ben, 1): "3",
                (cal, 1): "9",  # refused: Cal's mastery has nothing new
            },
        )
    # Kept mastery reads finalized results only; finalizing recomputes them.
    assert callbacks == []
    assert not OutboxMessage.objects.filter(
        task="assessments.tasks.recompute_mastery"
    ).exists()


def test_a_paste_that_changes_nothing_enqueues_nothing(
    exam, django_capture_on_commit_callbacks
):
    ana, *_ = exam.taught_students
    enter(exam, ana, 1, "4")
    with django_capture_on_commit_callbacks() as callbacks:
        outcomes = paste(exam, {(ana, 1): "4", (ana, 2): "9"})
    assert not callbacks
    assert not any(o.saved for o in outcomes)


def test_each_changed_cell_is_one_event_with_its_values_before_and_after(exam):
    ana, ben, _ = exam.taught_students
    enter(exam, ana, 1, "2")
    enter(exam, ana, 2, "1")
    before = set(score_events().values_list("pk", flat=True))
    paste(
        exam,
        {
            (ana, 1): "3.5",  # changed
            (ana, 2): "1",  # the same value: no event
            (ana, 3): "a",  # new
            (ben, 1): "5",  # refused: no event
        },
    )
    events = {
        event.data["item"]["number"]: event
        for event in score_events().exclude(pk__in=before)
    }
    assert sorted(events) == [1, 3]
    changed, new = events[1], events[3]
    assert changed.before == {"points": "2.00", "mark": ""}
    assert changed.after == {"points": "3.50", "mark": ""}
    assert new.before == {"points": None, "mark": ""}
    assert new.after == {"points": None, "mark": "absent"}
    assert changed.data["item"] == {"id": exam.items[0].pk, "number": 1}
    for event in events.values():
        assert event.actor == exam.teacher
        assert event.student == ana
        assert event.assessment == exam.assessment
        assert event.team == exam.team
        assert event.school_id == exam.school.pk
    assert "item 1" in changed.summary and "2 → 3.5" in changed.summary


def test_a_single_cell_is_one_event_and_retyping_it_is_none(exam):
    ana, *_ = exam.taught_students
    enter(exam, ana, 1, "3")
    enter(exam, ana, 1, "3")
    enter(exam, ana, 1, "")  # cleared
    assert [(e.before, e.after) for e in score_events().order_by("pk")] == [
        ({"points": None, "mark": ""}, {"points": "3.00", "mark": ""}),
        ({"points": "3.00", "mark": ""}, {"points": None, "mark": ""}),
    ]


def test_pasting_blanks_into_empty_cells_writes_nothing(exam):
    ana, *_ = exam.taught_students
    outcomes = paste(exam, {(ana, 1): "", (ana, 2): " "})
    assert not any(o.saved or o.error for o in outcomes)
    assert not ItemScore.objects.exists()
    assert not score_events().exists()


def test_a_failed_entry_writes_no_event(exam):
    ana, *_ = exam.taught_students
    enter(exam, ana, 1, "9")  # refused
    enter(exam, ana, 1, "2")
    count = score_events().count()
    enter(exam, ana, 1, "3", seen=7)  # a conflict
    services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    enter(exam, ana, 1, "4")  # closed
    paste(exam, {(ana, 2): "1"})  # closed
    assert score_events().count() == count == 1
    assert saved(exam) == {(ana.pk, 1): (Decimal(2), "")}


def test_a_paste_costs_the_same_queries_for_two_cells_or_nine(exam):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    students = exam.taught_students
    with CaptureQueriesContext(connection) as small:
        paste(exam, {(students[0], 1): "2", (students[0], 2): "2"})
    block = {(s, n): "1" for s in students for n in (1, 2, 3)}
    with CaptureQueriesContext(connection) as large:
        paste(exam, block)  # two cells changed, seven created: nine events
    assert len(large) == len(small) + 1  # the write of the two existing rows
    assert ItemScore.objects.count() == 9
    assert score_events().count() == 2 + 9
