"""Reads for common assessments."""

from __future__ import annotations

from collections.abc import Collection

from assessments.models import StudentMastery


def proficiency_levels(
    *, student_ids: Collection[int], outcome_ids: Collection[int]
) -> dict[tuple[int, int], str]:
    """Current mastery level per (student, outcome) pair with evidence: one query."""
    rows = StudentMastery.objects.filter(
        student_id__in=student_ids, outcome_id__in=outcome_ids
    ).values_list("student_id", "outcome_id", "status")
    return {(student, outcome): status for student, outcome, status in rows}
