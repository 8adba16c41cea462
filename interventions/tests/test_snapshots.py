"""A case freezes the mastery that flagged it, with the assessment behind it."""

import datetime
from decimal import Decimal

import pytest

from assessments import services as assessment_services
from assessments.services import mastery_recompute
from interventions.selectors import mastery_snapshots

pytestmark = pytest.mark.django_db


def test_the_snapshot_names_the_value_method_calculation_and_assessment(ladder):
    student = ladder.taught_students[0]
    outcome = ladder.outcomes[0]
    assessment = assessment_services.assessment_create(
        team=ladder.team,
        course=ladder.course,
        title="Unit 2 common assessment",
        administered_on=datetime.date(2026, 10, 1),
        actor=ladder.principal,
    )
    (item,) = assessment_services.items_replace(
        assessment=assessment,
        items=[assessment_services.ItemSpec(1, Decimal(10), outcome)],
        actor=ladder.principal,
    )
    assessment_services.assessment_open(assessment=assessment, actor=ladder.principal)
    assessment_services.score_enter(
        assessment=assessment,
        item=item,
        student=student,
        raw="5",
        seen_version=0,
        actor=ladder.principal,
    )
    assessment_services.assessment_finalize(
        assessment=assessment, actor=ladder.principal
    )
    mastery_recompute(student_ids=[student.pk])
    snapshot = mastery_snapshots([student.pk], [outcome.pk])[(student.pk, outcome.pk)]
    assert snapshot["status"] == "not_yet"
    assert snapshot["assessment"] == "Unit 2 common assessment"
    assert snapshot["assessment_on"] == "2026-10-01"
    assert snapshot["method"] == ladder.team.mastery_method
    assert "50" in snapshot["calculation"]
