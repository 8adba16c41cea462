"""Flag every student who has not learned an essential outcome (docs/domain.md,
"Cases").

Reads kept mastery, which rests on finalized results only. For each student not
yet proficient on an active outcome of a course they are enrolled in now:

- with an open case in that course, the outcome is added to it (once);
- with no open case, a case opens at the first rung — unless the outcome was
  already decided on a case closed after the newest evidence (no new evidence,
  no new case);
- while the student's class waits for its reteach on that outcome (the school's
  "wait for the reteach" setting, on by default), nothing is flagged: the core
  lesson comes first, then the re-assessment decides.

Cases are opened in bulk (`bulk_open.py`): the same rows as opening each one
through `services.case_open`, in a fixed number of queries per batch of cases,
so a first review that flags a whole district takes seconds, not minutes.

Safe to run twice: a second run finds the outcomes already on their cases.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import Q

from assessments.mastery import still_gathering
from assessments.models import CommonAssessment, ReteachItem, StudentMastery
from interventions import selectors
from interventions.bulk_open import Opening, cases_open_bulk
from interventions.models import OPEN_STATUSES, CaseOutcome, Policy
from schools.models import Enrollment, School, Section


@dataclass
class FlagCounts:
    opened: int = 0
    outcomes_added: int = 0
    held_for_reteach: int = 0
    already_decided: int = 0
    still_gathering: int = 0
    cases: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "opened": self.opened,
            "outcomes_added": self.outcomes_added,
            "held_for_reteach": self.held_for_reteach,
            "already_decided": self.already_decided,
            "still_gathering": self.still_gathering,
        }


def flag_students(
    *,
    school: School,
    on: datetime.date,
    student_ids: Collection[int] | None = None,
    changed_since: datetime.datetime | None = None,
    system: str = "flagging",
) -> FlagCounts:
    """Flag the school's students whose kept mastery is not yet proficient:
    the given students, or those whose mastery changed since a moment, or (with
    neither) every student of the school."""
    counts = FlagCounts()
    if selectors.first_rung(school.pk) is None:
        return counts  # no ladder yet: nothing to open cases on
    masteries = StudentMastery.objects.filter(
        status=StudentMastery.Status.NOT_YET,
        student__school=school,
        student__is_active=True,
        outcome__is_active=True,
        outcome__team__is_active=True,
    )
    if student_ids is not None:
        masteries = masteries.filter(student_id__in=student_ids)
    if changed_since is not None:
        masteries = masteries.filter(computed_at__gt=changed_since)
    rows = list(masteries.select_related("outcome__course", "outcome__team", "student"))
    if not rows:
        return counts
    enrolled = _current_sections(rows, on)
    rows = [
        m for m in rows if (m.student_id, m.outcome.course_id) in enrolled
    ]  # only courses they take now
    gathering = {
        m.pk for m in rows if still_gathering(m.method, m.progress, m.score_count)
    }
    counts.still_gathering = len(gathering)
    rows = [m for m in rows if m.pk not in gathering]
    held = _held_for_reteach(school, rows, enrolled)
    rows = [m for m in rows if (m.student_id, m.outcome_id) not in held]
    counts.held_for_reteach = len(held)
    on_cases = set(
        CaseOutcome.objects.filter(
            case__status__in=OPEN_STATUSES,
            case__student_id__in={m.student_id for m in rows},
        ).values_list("case__student_id", "outcome_id")
    )
    closed = _closed_on(rows)
    # The newest evidence is needed where a closed case may have decided the
    # outcome already, and for the cases about to open: not for the outcomes
    # already on an open case, which a review run again finds in numbers.
    wanted = [
        m
        for m in rows
        if (m.student_id, m.outcome_id) in closed
        or (m.student_id, m.outcome_id) not in on_cases
    ]
    snapshots = selectors.mastery_snapshots(
        sorted({m.student_id for m in wanted}), sorted({m.outcome_id for m in wanted})
    )
    decided = _decided_without_new_evidence(closed, snapshots)
    by_case: dict[tuple[int, int], list[StudentMastery]] = defaultdict(list)
    for mastery in rows:
        key = (mastery.student_id, mastery.outcome_id)
        if key in decided:
            counts.already_decided += 1
        else:
            by_case[(mastery.student_id, mastery.outcome.course_id)].append(mastery)
    openings = []
    for (student_id, _course_id), masteries_of in sorted(by_case.items()):
        new = [m for m in masteries_of if (student_id, m.outcome_id) not in on_cases]
        if not new:
            continue
        first = new[0]
        openings.append(
            Opening(
                student=first.student,
                course=first.outcome.course,
                team=first.outcome.team,
                outcomes=[
                    (m.outcome, snapshots.get((student_id, m.outcome_id), {}))
                    for m in new
                ],
            )
        )
    if not openings:
        return counts
    opened = cases_open_bulk(
        school=school,
        openings=openings,
        on=on,
        system=system,
        reason="Not yet proficient on finalized common assessments",
    )
    counts.opened = len(opened.opened)
    counts.outcomes_added = opened.outcomes_added
    counts.cases = opened.cases
    return counts


def _current_sections(rows, on) -> dict[tuple[int, int], set[int]]:
    """(student, course) → the student's current sections of that course."""
    enrolled: dict[tuple[int, int], set[int]] = defaultdict(set)
    for student_id, course_id, section_id in (
        Enrollment.objects.active(on=on)
        .filter(
            student_id__in={m.student_id for m in rows},
            section__in=Section.objects.current(on).filter(
                course_id__in={m.outcome.course_id for m in rows}
            ),
        )
        .values_list("student_id", "section__course_id", "section_id")
    ):
        enrolled[(student_id, course_id)].add(section_id)
    return enrolled


def _held_for_reteach(school, rows, enrolled) -> set[tuple[int, int]]:
    """(student, outcome) pairs whose class is below the reteach threshold on
    the outcome and whose re-assessment is not finalized yet."""
    policy = Policy.objects.filter(school=school).first()
    if policy is not None and not policy.hold_for_reteach:
        return set()
    sections = set().union(*enrolled.values()) if enrolled else set()
    items = list(
        ReteachItem.objects.filter(
            section_id__in=sections,
            outcome_id__in={m.outcome_id for m in rows},
        ).values_list("section_id", "outcome_id", "assessment_id")
    )
    if not items:
        return set()
    reassessed = set(
        CommonAssessment.objects.filter(
            retake_of_id__in={a for _, _, a in items},
            status=CommonAssessment.Status.FINALIZED,
        ).values_list("retake_of_id", flat=True)
    )
    waiting = {(s, o) for s, o, a in items if a not in reassessed}
    return {
        (m.student_id, m.outcome_id)
        for m in rows
        if any(
            (section, m.outcome_id) in waiting
            for section in enrolled.get((m.student_id, m.outcome.course_id), ())
        )
    }


def _closed_on(rows) -> dict[tuple[int, int], list[datetime.date]]:
    """(student, outcome) → the days its closed cases closed."""
    closed = defaultdict(list)
    for student_id, outcome_id, closed_on in CaseOutcome.objects.filter(
        ~Q(case__status__in=OPEN_STATUSES),
        case__student_id__in={m.student_id for m in rows},
        outcome_id__in={m.outcome_id for m in rows},
    ).values_list("case__student_id", "outcome_id", "case__closed_on"):
        if closed_on is not None:
            closed[(student_id, outcome_id)].append(closed_on)
    return closed


def _decided_without_new_evidence(closed, snapshots) -> set[tuple[int, int]]:
    """Outcomes already decided on a case closed on or after the newest
    evidence: the student is not flagged again until a newer finalized score."""
    decided = set()
    for key, days in closed.items():
        evidence = (snapshots.get(key) or {}).get("assessment_on")
        evidence_on = datetime.date.fromisoformat(evidence) if evidence else None
        if evidence_on is None or max(days) >= evidence_on:
            decided.add(key)
    return decided
