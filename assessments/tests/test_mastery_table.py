"""The kept mastery table: what it stores, when it changes, and who reads it."""

import datetime
import time
from decimal import Decimal

import pytest

from assessments import services
from assessments.models import StudentMastery
from assessments.tests.conftest import enter

pytestmark = pytest.mark.django_db


def fill(exam, student, values):
    for number, raw in enumerate(values, start=1):
        enter(exam, student, number, raw)


def finalize(exam, assessment=None):
    """Finalize the assessment and recompute the students it marked due, as the
    task enqueued on commit would."""
    services.assessment_finalize(
        assessment=assessment or exam.assessment, actor=exam.teacher
    )
    services.mastery_refresh()


def test_outcome_scores_and_mastery_from_entered_points(exam):
    student = exam.taught_students[0]
    fill(exam, student, ["3", "2", "4"])  # EO1: 5/6 = 83.3%, EO2: 4/4 = 100%
    finalize(exam)
    stored = {m.outcome.code: m for m in StudentMastery.objects.filter(student=student)}
    assert stored["ALG1.EO1"].status == "proficient"
    assert stored["ALG1.EO1"].value == Decimal("83.333")
    assert stored["ALG1.EO2"].status == "exceeds"
    assert stored["ALG1.EO1"].score_count == 1
    assert "83.33" in stored["ALG1.EO1"].explanation


def test_a_half_entered_outcome_is_not_evidence_yet(exam):
    student = exam.taught_students[0]
    enter(exam, student, 1, "1")  # item 2 of EO1 still blank
    enter(exam, student, 3, "1")
    finalize(exam)
    codes = set(
        StudentMastery.objects.filter(student=student).values_list(
            "outcome__code", flat=True
        )
    )
    assert codes == {"ALG1.EO2"}


def test_scores_combine_by_administration_date_not_entry_order(exam):
    """A retake given later counts as the later score even if entered first."""
    student = exam.taught_students[0]
    retake_date = exam.assessment.administered_on + datetime.timedelta(days=14)
    fill(exam, student, ["1", "0", "0"])  # EO1 16.7%: not yet
    finalize(exam)
    retake = services.retake_create(
        original=exam.assessment, administered_on=retake_date, actor=exam.teacher
    )
    services.assessment_open(assessment=retake, actor=exam.teacher)
    for item, raw in zip(retake.items.order_by("number"), ["4", "2", "4"], strict=True):
        services.score_enter(
            assessment=retake,
            item=item,
            student=student,
            raw=raw,
            seen_version=0,
            actor=exam.teacher,
        )
    # Team default: decaying average, w = 0.65: 16.67 × 0.35 + 100 × 0.65 = 70.83
    finalize(exam, retake)
    eo1 = StudentMastery.objects.get(student=student, outcome=exam.outcomes[0])
    assert eo1.value == pytest.approx(Decimal("70.833"), abs=Decimal("0.01"))
    assert eo1.status == "not_yet"
    assert eo1.score_count == 2


def test_retake_is_for_the_students_not_yet_proficient(exam):
    strong, weak, *_ = exam.taught_students
    fill(exam, strong, ["4", "2", "4"])
    fill(exam, weak, ["1", "0", "4"])
    finalize(exam)
    retake = services.retake_create(
        original=exam.assessment,
        administered_on=exam.assessment.administered_on + datetime.timedelta(days=10),
        actor=exam.teacher,
    )
    assert set(retake.students.all()) == {weak}
    assert [i.number for i in retake.items.all()] == [1, 2, 3]
    assert retake.retake_of == exam.assessment


def test_clearing_every_score_removes_the_stale_mastery(exam):
    student = exam.taught_students[0]
    fill(exam, student, ["3", "2", "4"])
    finalize(exam)
    assert StudentMastery.objects.filter(student=student).count() == 2
    services.assessment_reopen(
        assessment=exam.assessment, actor=exam.teacher, reason="Wrong student"
    )
    for number in (1, 2, 3):
        enter(exam, student, number, "")
    finalize(exam)
    assert not StudentMastery.objects.filter(student=student).exists()


def test_recompute_is_idempotent(exam):
    student = exam.taught_students[0]
    fill(exam, student, ["3", "2", "4"])
    finalize(exam)
    first = list(
        StudentMastery.objects.values_list("outcome_id", "value", "status", "pk")
    )
    assert first
    assert services.mastery_recompute(student_ids=[student.pk]) == set()
    again = list(
        StudentMastery.objects.values_list("outcome_id", "value", "status", "pk")
    )
    assert sorted(first) == sorted(again)


def test_smart_goal_progress_reads_the_mastery_table(exam):
    from teams import selectors as team_selectors

    strong, weak, _ = exam.taught_students
    fill(exam, strong, ["4", "2", "4"])
    fill(exam, weak, ["1", "0", "4"])
    finalize(exam)
    levels = team_selectors.proficiency_for(
        student_ids=[strong.pk, weak.pk], outcome_ids=[exam.outcomes[0].pk]
    )
    assert levels == {
        (strong.pk, exam.outcomes[0].pk): "exceeds",
        (weak.pk, exam.outcomes[0].pk): "not_yet",
    }


def test_finalizing_creates_reteach_items_below_the_threshold(exam):
    from assessments.models import ReteachItem

    # Rivera's section: 1 of 3 proficient on EO1 (33%) → reteach.
    # The colleague's section: 2 of 2 proficient → no reteach.
    for student, values in zip(
        exam.taught_students,
        [["4", "2", "4"], ["0", "0", "4"], ["1", "1", "4"]],
        strict=True,
    ):
        fill(exam, student, values)
    for student in exam.colleague_students:
        fill(exam, student, ["4", "2", "4"])
    services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    items = list(ReteachItem.objects.all())
    assert [(i.section, i.outcome.code) for i in items] == [(exam.section, "ALG1.EO1")]
    assert items[0].proficient_percent == Decimal("33.3")
    assert items[0].threshold == 70
    services.reteach_items_refresh(assessment=exam.assessment)
    assert ReteachItem.objects.count() == 1


@pytest.mark.celery
def test_finalizing_updates_mastery_through_a_real_worker(exam, celery_worker):
    from assessments.models import MasteryDirty

    student = exam.taught_students[0]
    fill(exam, student, ["3", "2", "4"])
    services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if StudentMastery.objects.filter(student=student).count() == 2:
            break
        time.sleep(0.1)
    assert StudentMastery.objects.filter(student=student).count() == 2
    # The task cleared the mark it recomputed: the next sweep has nothing to do.
    assert not MasteryDirty.objects.filter(student=student).exists()


def given_n_mastery(exam, percents):
    """EO1 counts "proficient n times" with n = 3; the first taught student
    scores these percents on one-item assessments a week apart, oldest first."""
    outcome = exam.outcomes[0]
    outcome.mastery_method, outcome.mastery_n = "n_mastery", 3
    outcome.save()
    student = exam.taught_students[0]
    start = exam.assessment.administered_on - datetime.timedelta(weeks=len(percents))
    assessments = []
    for week, percent in enumerate(percents):
        assessment = services.assessment_create(
            team=exam.team,
            course=exam.course,
            title=f"Check {week + 1}",
            administered_on=start + datetime.timedelta(weeks=week),
            actor=exam.teacher,
        )
        (item,) = services.items_replace(
            assessment=assessment,
            items=[services.ItemSpec(1, Decimal(20), outcome)],
            actor=exam.teacher,
        )
        services.assessment_open(assessment=assessment, actor=exam.teacher)
        services.score_enter(
            assessment=assessment,
            item=item,
            student=student,
            raw=str(percent * 20 // 100),
            seen_version=0,
            actor=exam.teacher,
        )
        services.assessment_finalize(assessment=assessment, actor=exam.teacher)
        assessments.append(assessment)
    services.mastery_refresh()
    return student, assessments


def test_n_mastery_short_of_n_at_the_cut_keeps_no_value(exam):
    # 80 and 85 reach the cut of 80, 60 does not: 2 of the 3 needed, so mastery
    # is not established. No value is kept, not the mean 75 of the three.
    student, _ = given_n_mastery(exam, [80, 85, 60])
    kept = StudentMastery.objects.get(student=student, outcome=exam.outcomes[0])
    assert (kept.value, kept.status, kept.score_count) == (None, "not_yet", 3)
    assert kept.progress == "2 of 3 scores at the cut"
    assert "75" not in kept.explanation


def test_n_mastery_keeps_the_mean_once_n_scores_reach_the_cut(exam):
    student, _ = given_n_mastery(exam, [80, 85, 60, 90])
    kept = StudentMastery.objects.get(student=student, outcome=exam.outcomes[0])
    assert (kept.value, kept.status) == (Decimal(85), "proficient")
    assert kept.progress == "3 of 3 scores at the cut"
