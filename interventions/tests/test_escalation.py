"""The review rules, with worked cases (no database)."""

import datetime

from interventions.escalation import (
    OutcomeEvidence,
    ReviewFacts,
    Rule,
    decide,
)

OPENED = datetime.date(2026, 9, 14)
AFTER = datetime.date(2026, 10, 20)
BEFORE = datetime.date(2026, 9, 1)


def facts(**changes):
    values = {
        "opened_on": OPENED,
        "outcomes": (OutcomeEvidence("ALG1.EO3", False, AFTER),),
        "actions_due": 6,
        "actions_done": 6,
        "sessions_scheduled": 10,
        "sessions_attended": 9,
        "has_group": True,
        "on_top_rung": False,
    }
    values.update(changes)
    return ReviewFacts(**values)


def test_proficient_on_new_evidence_exits():
    decision = decide(
        facts(
            outcomes=(
                OutcomeEvidence("ALG1.EO3", True, AFTER),
                OutcomeEvidence("ALG1.EO4", True, AFTER),
            )
        )
    )
    assert decision.rule == Rule.EXIT
    assert decision.reason == (
        "Proficient on ALG1.EO3, ALG1.EO4 on evidence since the case opened."
    )


def test_an_old_score_cannot_end_the_case():
    # Proficient, but only on a score from before the case opened.
    decision = decide(facts(outcomes=(OutcomeEvidence("ALG1.EO3", True, BEFORE),)))
    assert decision.rule == Rule.ESCALATE


def test_one_outcome_still_not_learned_keeps_the_case():
    decision = decide(
        facts(
            outcomes=(
                OutcomeEvidence("ALG1.EO3", True, AFTER),
                OutcomeEvidence("ALG1.EO4", False, AFTER),
            )
        )
    )
    assert decision.rule == Rule.ESCALATE
    assert "still not proficient on ALG1.EO4" in decision.reason


def test_attendance_below_80_percent_is_a_plan_not_delivered():
    # 7 of 10 sessions: 70% < 80%, so the student is not moved up.
    decision = decide(facts(sessions_attended=7))
    assert decision.rule == Rule.PLAN_NOT_DELIVERED
    assert decision.reason == (
        "The rung was not delivered: 7 of 10 sessions attended (70%, below 80%)."
    )
    assert decision.numbers["attendance"] == 0.7


def test_exactly_80_percent_is_delivered():
    assert decide(facts(sessions_attended=8)).rule == Rule.ESCALATE


def test_undone_actions_are_a_plan_not_delivered():
    decision = decide(facts(actions_done=4))
    assert decision.rule == Rule.PLAN_NOT_DELIVERED
    assert "2 of 6 required actions not done" in decision.reason


def test_both_misses_are_named():
    decision = decide(facts(actions_done=5, sessions_attended=2))
    assert decision.reason == (
        "The rung was not delivered: 1 of 6 required actions not done; "
        "2 of 10 sessions attended (20%, below 80%)."
    )


def test_no_group_means_attendance_is_not_counted():
    decision = decide(facts(has_group=False, sessions_scheduled=0, sessions_attended=0))
    assert decision.rule == Rule.ESCALATE
    assert decision.numbers["attendance"] is None


def test_the_top_rung_refers():
    assert decide(facts(on_top_rung=True)).rule == Rule.REFER


def test_a_full_next_group_waitlists():
    decision = decide(facts(next_group_full=True))
    assert decision.rule == Rule.WAITLIST
    assert "waiting for a seat" in decision.reason


def test_learning_beats_a_plan_not_delivered():
    # The student learned even though attendance was poor: they exit.
    decision = decide(
        facts(outcomes=(OutcomeEvidence("ALG1.EO3", True, AFTER),), sessions_attended=1)
    )
    assert decision.rule == Rule.EXIT
