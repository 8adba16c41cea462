"""Kept mastery: it rests on finalized results only, it changes (and says so)
only when it changes, and what is due is found in the database.

What flagging relies on (docs/domain.md, "Mastery"): a row per student and
outcome computed from finalized assessments, retakes included once finalized;
`computed_at` moving only with the status, value, progress or score count; the
students of a finalized or reopened assessment marked due in the transaction of
the change; `mastery_refresh` answering exactly the students whose mastery
changed.
"""

import datetime
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from assessments import kept, mastery, services
from assessments.models import (
    CommonAssessment,
    ItemScore,
    KeptMethod,
    MasteryDirty,
    StudentMastery,
)
from assessments.scoring import Cell, outcome_percent
from assessments.tests.conftest import enter
from teams.models import EssentialOutcome

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.UTC)


def fill(exam, student, values, assessment=None, items=None):
    for item, raw in zip(items or exam.items, values, strict=True):
        if assessment is None:
            enter(exam, student, item.number, raw)
        else:
            services.score_enter(
                assessment=assessment,
                item=item,
                student=student,
                raw=raw,
                seen_version=0,
                actor=exam.teacher,
            )


def finalize(exam, assessment=None):
    services.assessment_finalize(
        assessment=assessment or exam.assessment, actor=exam.teacher
    )


def kept_levels(student) -> dict[str, tuple]:
    return {
        row.outcome.code: (row.status, row.value, row.score_count)
        for row in StudentMastery.objects.filter(student=student).select_related(
            "outcome"
        )
    }


def due() -> set[int]:
    return set(MasteryDirty.objects.values_list("student_id", flat=True))


def second_assessment(exam, *, days_after=7, status="open", outcome_index=0):
    """A one-outcome check a week after the exam: one item of 10 points."""
    check = services.assessment_create(
        team=exam.team,
        course=exam.course,
        title="Check",
        administered_on=exam.assessment.administered_on
        + datetime.timedelta(days=days_after),
        actor=exam.teacher,
    )
    (item,) = services.items_replace(
        assessment=check,
        items=[services.ItemSpec(1, Decimal(10), exam.outcomes[outcome_index])],
        actor=exam.teacher,
    )
    services.assessment_open(assessment=check, actor=exam.teacher)
    return check, item


# Finalized results only -----------------------------------------------------------


def test_an_open_assessments_scores_do_not_count_until_it_is_finalized(exam):
    student = exam.taught_students[0]
    fill(exam, student, ["4", "2", "4"])

    assert services.mastery_refresh(student_ids=[student.pk]) == set()
    assert kept_levels(student) == {}

    finalize(exam)
    assert services.mastery_refresh() == {student.pk}
    assert kept_levels(student) == {
        "ALG1.EO1": ("exceeds", Decimal(100), 1),
        "ALG1.EO2": ("exceeds", Decimal(100), 1),
    }


def test_a_retake_counts_once_it_is_finalized(exam):
    student = exam.taught_students[0]
    fill(exam, student, ["1", "0", "4"])  # EO1 1 of 6: 16.67%
    finalize(exam)
    services.mastery_refresh()
    retake = services.retake_create(
        original=exam.assessment,
        administered_on=exam.assessment.administered_on + datetime.timedelta(days=9),
        actor=exam.teacher,
    )
    services.assessment_open(assessment=retake, actor=exam.teacher)
    fill(exam, student, ["4", "2", "4"], retake, list(retake.items.all()))

    assert services.mastery_refresh(student_ids=[student.pk]) == set()
    assert kept_levels(student)["ALG1.EO1"][2] == 1

    finalize(exam, retake)
    assert services.mastery_refresh() == {student.pk}
    # Decaying average, w = 0.65: 16.67 × 0.35 + 100 × 0.65 = 70.83.
    assert kept_levels(student)["ALG1.EO1"] == ("not_yet", Decimal("70.833"), 2)


def test_a_retake_makes_no_reteach_item(exam):
    """A retake is given to the students not yet proficient, so its class rates
    say nothing about the lesson: below the threshold, as they nearly always
    are, they must not hold those students back again (docs/domain.md,
    "Core-instruction triage")."""
    from assessments.models import ReteachItem

    for student, values in zip(
        exam.taught_students,
        [["4", "2", "4"], ["0", "0", "4"], ["1", "1", "4"]],
        strict=True,
    ):
        fill(exam, student, values)
    finalize(exam)
    services.mastery_refresh()
    assert ReteachItem.objects.count() == 1
    retake = services.retake_create(
        original=exam.assessment,
        administered_on=exam.assessment.administered_on + datetime.timedelta(days=9),
        actor=exam.teacher,
    )
    services.assessment_open(assessment=retake, actor=exam.teacher)
    for student in exam.taught_students[1:]:
        fill(exam, student, ["1", "0", "4"], retake, list(retake.items.all()))
    finalize(exam, retake)

    assert ReteachItem.objects.count() == 1
    assert services.reteach_items_refresh(assessment=retake) == []


def test_reopening_withdraws_the_results_until_they_are_finalized_again(exam):
    student = exam.taught_students[0]
    fill(exam, student, ["4", "2", "4"])
    finalize(exam)
    services.mastery_refresh()

    services.assessment_reopen(
        assessment=exam.assessment, actor=exam.teacher, reason="Item 3 misgraded."
    )
    assert due() == {student.pk}
    assert services.mastery_refresh() == {student.pk}
    assert kept_levels(student) == {}  # no finalized evidence left: rows removed

    enter(exam, student, 3, "1")
    assert services.mastery_refresh() == set()
    finalize(exam)
    assert services.mastery_refresh() == {student.pk}
    assert kept_levels(student)["ALG1.EO2"] == ("not_yet", Decimal(25), 1)


# Marked due in the transaction of the change ----------------------------------


def test_typing_into_an_open_assessment_marks_no_one(exam):
    for student in exam.taught_students:
        fill(exam, student, ["4", "2", "4"])
    assert due() == set()


def test_finalizing_marks_the_students_with_results_on_it(exam):
    a, b, _ = exam.taught_students
    fill(exam, a, ["4", "2", "4"])
    enter(exam, b, 1, "a")  # a mark is a result too; the third has none
    finalize(exam)
    assert due() == {a.pk, b.pk}


def test_a_finalize_that_is_rolled_back_marks_no_one(exam):
    fill(exam, exam.taught_students[0], ["4", "2", "4"])
    with pytest.raises(RuntimeError), transaction.atomic():
        finalize(exam)
        assert due() == {exam.taught_students[0].pk}
        raise RuntimeError("the request failed after finalizing")
    assert due() == set()
    exam.assessment.refresh_from_db()
    assert exam.assessment.status == CommonAssessment.Status.OPEN


def test_finalizing_enqueues_the_students_it_marked(exam, monkeypatch):
    enqueued = []
    monkeypatch.setattr(services, "_enqueue_recompute", enqueued.append)
    a, b, _ = exam.taught_students
    fill(exam, a, ["4", "2", "4"])
    fill(exam, b, ["1", "1", "1"])
    enqueued.clear()
    finalize(exam)
    assert [sorted(ids) for ids in enqueued] == [sorted([a.pk, b.pk])]


def test_moving_a_finalized_assessments_date_marks_its_students(exam):
    a = exam.taught_students[0]
    fill(exam, a, ["4", "2", "4"])
    finalize(exam)
    services.mastery_refresh()
    assert due() == set()
    services.assessment_update(
        assessment=exam.assessment,
        title=exam.assessment.title,
        administered_on=exam.assessment.administered_on - datetime.timedelta(days=1),
        actor=exam.teacher,
    )
    assert due() == {a.pk}


def test_a_lost_message_is_made_good_by_the_next_sweep(
    exam, django_capture_on_commit_callbacks, monkeypatch
):
    from assessments import tasks

    monkeypatch.setattr(tasks.recompute_mastery, "delay", lambda ids: None)
    student = exam.taught_students[0]
    fill(exam, student, ["4", "2", "4"])
    with django_capture_on_commit_callbacks(execute=True):
        finalize(exam)
    assert kept_levels(student) == {}  # the message never arrived

    assert tasks.recompute_all_mastery() == 1
    assert set(kept_levels(student)) == {"ALG1.EO1", "ALG1.EO2"}
    assert due() == set()


def test_a_sweep_with_nothing_due_costs_a_fixed_few_queries(
    exam, django_assert_num_queries
):
    for student in exam.taught_students:
        fill(exam, student, ["4", "2", "4"])
    finalize(exam)
    services.mastery_rebuild()
    assert services.mastery_refresh() == set()
    # The outcomes with kept mastery, the methods they were built with, and an
    # empty pick of marks (with its savepoint).
    with django_assert_num_queries(5):
        assert services.mastery_refresh() == set()


def test_a_batch_costs_the_same_queries_for_one_student_or_five(
    exam, django_assert_num_queries
):
    students = exam.taught_students + exam.colleague_students
    for student in students:
        fill(exam, student, ["4", "2", "4"])
    finalize(exam)
    services.mastery_refresh()
    StudentMastery.objects.all().delete()
    kept.mark_students([students[0].pk])
    # Take the marks, sum the scores, read the outcomes' methods (once per
    # refresh), read the kept rows, write the changed ones, clear the marks,
    # find the schools whose figures moved; and the batch's savepoint.
    with django_assert_num_queries(9):
        assert services.mastery_refresh(student_ids=[students[0].pk]) == {
            students[0].pk
        }
    StudentMastery.objects.all().delete()
    kept.mark_students([s.pk for s in students])
    with django_assert_num_queries(9):
        services.mastery_refresh(student_ids=[s.pk for s in students])
    assert StudentMastery.objects.count() == 2 * len(students)


# computed_at, and what counts as a change ----------------------------------------


def test_an_unchanged_recompute_keeps_computed_at(exam):
    student = exam.taught_students[0]
    fill(exam, student, ["3", "2", "4"])
    with time_machine.travel(T0, tick=False):
        finalize(exam)
        services.mastery_refresh()
    with time_machine.travel(T0 + datetime.timedelta(hours=6), tick=False):
        assert services.mastery_refresh(student_ids=[student.pk]) == set()
        services.mastery_rebuild()
    assert set(
        StudentMastery.objects.filter(student=student).values_list(
            "computed_at", flat=True
        )
    ) == {T0}


def test_computed_at_moves_only_on_the_rows_that_changed(exam):
    student = exam.taught_students[0]
    fill(exam, student, ["3", "2", "4"])
    with time_machine.travel(T0, tick=False):
        finalize(exam)
        services.mastery_refresh()
    check, item = second_assessment(exam, outcome_index=0)  # EO1 only
    services.score_enter(
        assessment=check,
        item=item,
        student=student,
        raw="10",
        seen_version=0,
        actor=exam.teacher,
    )
    later = T0 + datetime.timedelta(days=1)
    with time_machine.travel(later, tick=False):
        finalize(exam, check)
        assert services.mastery_refresh() == {student.pk}
    stamps = dict(
        StudentMastery.objects.filter(student=student).values_list(
            "outcome__code", "computed_at"
        )
    )
    assert stamps == {"ALG1.EO1": later, "ALG1.EO2": T0}
    watermark = T0 + datetime.timedelta(hours=1)
    assert list(
        StudentMastery.objects.filter(computed_at__gt=watermark).values_list(
            "student_id", "outcome__code"
        )
    ) == [(student.pk, "ALG1.EO1")]


def test_new_wording_alone_is_rewritten_without_counting_as_a_change(exam):
    """Latest and decaying average agree on a single score: the team's new
    method rewrites the calculation shown, but the level, value and count stay,
    so the row keeps its `computed_at` and the student is not reported."""
    student = exam.taught_students[0]
    fill(exam, student, ["4", "2", "4"])
    with time_machine.travel(T0, tick=False):
        finalize(exam)
        services.mastery_rebuild()
    exam.team.mastery_method = "latest"
    exam.team.save()

    assert services.mastery_refresh() == set()

    row = StudentMastery.objects.get(student=student, outcome=exam.outcomes[0])
    assert (row.method, row.explanation) == (
        "latest",
        "Latest of 1 scores: 100. 100 reaches the exceeds cut of 95: exceeds.",
    )
    assert row.computed_at == T0


def test_a_teams_new_method_reaches_kept_mastery_at_the_next_sweep(exam):
    student = exam.taught_students[0]
    fill(exam, student, ["1", "1", "4"])  # EO1: 2 of 6 = 33.33%
    finalize(exam)
    check, item = second_assessment(exam)
    services.score_enter(
        assessment=check,
        item=item,
        student=student,
        raw="10",
        seen_version=0,
        actor=exam.teacher,
    )
    finalize(exam, check)
    services.mastery_rebuild()
    # Decaying average: 33.33 × 0.35 + 100 × 0.65 = 76.67: not yet.
    assert kept_levels(student)["ALG1.EO1"] == ("not_yet", Decimal("76.667"), 2)

    exam.team.mastery_method = "highest"
    exam.team.save()
    assert services.mastery_refresh() == {student.pk}
    assert kept_levels(student)["ALG1.EO1"] == ("exceeds", Decimal(100), 2)
    assert KeptMethod.objects.get(outcome=exam.outcomes[0]).parameters == "highest"
    assert services.mastery_refresh() == set()
    assert due() == set()


def test_refresh_answers_exactly_the_students_whose_mastery_changed(exam):
    a, b, c = exam.taught_students
    fill(exam, a, ["4", "2", "4"])
    fill(exam, b, ["4", "2", "4"])
    finalize(exam)
    assert services.mastery_refresh() == {a.pk, b.pk}

    check, item = second_assessment(exam)
    services.score_enter(
        assessment=check,
        item=item,
        student=a,
        raw="3",
        seen_version=0,
        actor=exam.teacher,
    )
    finalize(exam, check)
    kept.mark_students([b.pk, c.pk])  # due, but nothing of theirs changed

    assert services.mastery_refresh() == {a.pk}
    assert due() == set()
    assert services.mastery_refresh(student_ids=[a.pk, b.pk, c.pk]) == set()


# The full rebuild, the batches, and the rules --------------------------------------


def reference(student_ids) -> dict[tuple[int, int], tuple]:
    """docs/domain.md's rules straight from the item scores, one cell at a time,
    as mastery was kept before the scores were summed in SQL."""
    outcomes = {
        o.pk: o.mastery for o in EssentialOutcome.objects.select_related("team")
    }
    scores = {
        (s.item_id, s.student_id): s
        for s in ItemScore.objects.filter(student_id__in=student_ids)
    }
    evidence: dict[tuple[int, int], list] = {}
    for assessment in CommonAssessment.objects.filter(
        status=CommonAssessment.Status.FINALIZED
    ).prefetch_related("items", "cuts"):
        cuts = {c.outcome_id: c for c in assessment.cuts.all()}
        by_outcome: dict[int, list] = {}
        for item in assessment.items.all():
            by_outcome.setdefault(item.outcome_id, []).append(item)
        for student_id in student_ids:
            if not any((i.pk, student_id) in scores for i in assessment.items.all()):
                continue
            for outcome_id, items in by_outcome.items():
                cells = []
                for item in items:
                    score = scores.get((item.pk, student_id))
                    cells.append(
                        Cell(
                            item.max_points,
                            score.points if score else None,
                            score.mark if score else "",
                        )
                    )
                percent = outcome_percent(cells)
                if percent is not None:
                    cut = cuts[outcome_id]
                    evidence.setdefault((student_id, outcome_id), []).append(
                        (assessment.administered_on, assessment.pk, percent, cut)
                    )
    result = {}
    for key, entries in evidence.items():
        entries.sort(key=lambda entry: entry[:2])
        params = outcomes[key[1]]
        cut = entries[-1][3]
        computed = mastery.compute(
            [float(percent) for _, _, percent, _ in entries],
            method=params["method"],
            cut=float(cut.mastery_cut),
            exceeds=float(cut.exceeds_cut),
            weight=float(params["weight"]) if params.get("weight") else None,
            n=params.get("n"),
        )
        value = (
            None if computed.value is None else Decimal(str(round(computed.value, 3)))
        )
        result[key] = (computed.status, value, computed.progress, computed.count)
    return result


def kept_table() -> dict[tuple[int, int], tuple]:
    return {
        (row.student_id, row.outcome_id): (
            row.status,
            row.value,
            row.progress,
            row.score_count,
            row.method,
            row.explanation,
        )
        for row in StudentMastery.objects.all()
    }


@pytest.fixture
def year(exam):
    """Three finalized assessments, a finalized retake and an open one, with
    absences, exemptions, a half-entered outcome and three methods."""
    eo2 = exam.outcomes[1]
    eo2.mastery_method, eo2.mastery_n = "n_mastery", 2
    eo2.save()
    students = exam.taught_students + exam.colleague_students
    rows = [
        ["4", "2", "4"],
        ["1", "a", "3"],
        ["x", "x", "x"],  # exempt throughout: no evidence
        ["2", "", "4"],  # EO1 half entered: no EO1 evidence
        ["0", "1", "a"],
    ]
    for student, values in zip(students, rows, strict=True):
        fill(exam, student, values)
    finalize(exam)
    services.mastery_refresh()  # the retake is for those not yet proficient
    check, item = second_assessment(exam, days_after=14, outcome_index=1)
    for student, raw in zip(students, ["10", "8", "a", "9", "2"], strict=True):
        services.score_enter(
            assessment=check,
            item=item,
            student=student,
            raw=raw,
            seen_version=0,
            actor=exam.teacher,
        )
    finalize(exam, check)
    retake = services.retake_create(
        original=exam.assessment,
        administered_on=exam.assessment.administered_on + datetime.timedelta(days=7),
        actor=exam.teacher,
    )
    services.assessment_open(assessment=retake, actor=exam.teacher)
    for student in retake.students.all():
        fill(exam, student, ["3", "2", "4"], retake, list(retake.items.all()))
    finalize(exam, retake)
    still_open, item = second_assessment(exam, days_after=21)
    for student in students:
        services.score_enter(
            assessment=still_open,
            item=item,
            student=student,
            raw="0",
            seen_version=0,
            actor=exam.teacher,
        )
    return students


def test_a_full_rebuild_equals_each_student_recomputed_alone(year, monkeypatch):
    monkeypatch.setattr(kept, "BATCH", 2)  # several batches, even here
    rebuilt = services.mastery_rebuild()
    assert rebuilt.students >= len(year)
    whole = kept_table()
    assert len(whole) >= 6

    StudentMastery.objects.all().delete()
    for student in year:
        services.mastery_refresh(student_ids=[student.pk])
    assert kept_table() == whole


def test_the_sums_in_sql_keep_the_rules_of_an_outcome_score(year):
    services.mastery_rebuild()
    assert {key: row[:4] for key, row in kept_table().items()} == reference(
        [s.pk for s in year]
    )


def test_a_rebuild_from_scratch_removes_rows_without_finalized_evidence(year, exam):
    ghost = exam.taught_students[2]  # exempt throughout
    StudentMastery.objects.create(
        student=ghost,
        outcome=exam.outcomes[0],
        value=Decimal(50),
        status="not_yet",
        score_count=1,
        method="latest",
        explanation="Left over.",
    )
    rebuilt = services.mastery_rebuild()
    assert rebuilt.deleted >= 1
    assert not StudentMastery.objects.filter(student=ghost).exists()


# Two refreshes at once ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_mark_another_refresh_holds_is_left_to_it(exam):
    student = exam.taught_students[0]
    fill(exam, student, ["4", "2", "4"])
    finalize(exam)
    held, release = threading.Event(), threading.Event()

    def other_refresh():
        try:
            with transaction.atomic():
                list(MasteryDirty.objects.select_for_update().filter(student=student))
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_refresh)
    thread.start()
    try:
        assert held.wait(10)
        started = timezone.now()
        assert services.mastery_refresh() == set()  # skipped, not waited for
        assert (timezone.now() - started).total_seconds() < 5
        assert due() == {student.pk}
    finally:
        release.set()
        thread.join()
    assert services.mastery_refresh() == {student.pk}
    assert due() == set()
