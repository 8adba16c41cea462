"""The review rules, as pure functions over plain values (docs/domain.md,
"Reviewing a case").

At a case's review date the system decides, in this order:

1. Every flagged outcome is now proficient, on evidence newer than the case →
   the student exits.
2. The rung was not delivered — required actions left undone, or group
   attendance below 80% of the scheduled sessions → no escalation: the case is
   held ("plan not delivered"), reviewed again, and the counselor and principal
   are told. A plan that was not done has not failed.
3. Otherwise the student moves up a rung (waiting for a seat when its group is
   full), or, from the top rung, is referred to the student support team.

Each decision names the rule that made it and the numbers it read, so it can be
explained months later.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

# "The plan wasn't done" is not "the plan didn't work": below this share of
# scheduled sessions attended, a rung counts as not delivered.
FIDELITY_THRESHOLD = Decimal("0.80")


class Rule:
    EXIT = "exit"
    PLAN_NOT_DELIVERED = "plan_not_delivered"
    ESCALATE = "escalate"
    WAITLIST = "waitlist"
    REFER = "refer"


@dataclass(frozen=True)
class OutcomeEvidence:
    code: str
    proficient: bool
    evidence_on: datetime.date | None  # the newest finalized score it rests on


@dataclass(frozen=True)
class ReviewFacts:
    opened_on: datetime.date
    outcomes: tuple[OutcomeEvidence, ...]
    actions_due: int  # required actions of this rung due by the review
    actions_done: int
    sessions_scheduled: int  # excused absences are not counted
    sessions_attended: int
    has_group: bool
    on_top_rung: bool
    next_group_full: bool = False


@dataclass(frozen=True)
class Decision:
    rule: str
    reason: str
    numbers: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"rule": self.rule, "reason": self.reason, "numbers": self.numbers}


def attendance_share(facts: ReviewFacts) -> Decimal | None:
    if not facts.has_group or not facts.sessions_scheduled:
        return None
    return Decimal(facts.sessions_attended) / Decimal(facts.sessions_scheduled)


def learned(facts: ReviewFacts) -> bool:
    """Every flagged outcome proficient, each on evidence dated after the case
    opened: an old score cannot end a case it did not start."""
    return bool(facts.outcomes) and all(
        o.proficient and o.evidence_on is not None and o.evidence_on > facts.opened_on
        for o in facts.outcomes
    )


def delivered(facts: ReviewFacts) -> tuple[bool, list[str]]:
    """Whether the rung was given as planned, and what was missed if not."""
    missed = []
    undone = facts.actions_due - facts.actions_done
    if undone > 0:
        missed.append(
            f"{undone} of {facts.actions_due} required action"
            f"{'s' if facts.actions_due != 1 else ''} not done"
        )
    share = attendance_share(facts)
    if share is not None and share < FIDELITY_THRESHOLD:
        missed.append(
            f"{facts.sessions_attended} of {facts.sessions_scheduled} sessions "
            f"attended ({share:.0%}, below {FIDELITY_THRESHOLD:.0%})"
        )
    return not missed, missed


def decide(facts: ReviewFacts) -> Decision:
    share = attendance_share(facts)
    numbers = {
        "outcomes": [
            {
                "code": o.code,
                "proficient": o.proficient,
                "evidence_on": o.evidence_on.isoformat() if o.evidence_on else None,
            }
            for o in facts.outcomes
        ],
        "actions_due": facts.actions_due,
        "actions_done": facts.actions_done,
        "sessions_scheduled": facts.sessions_scheduled,
        "sessions_attended": facts.sessions_attended,
        "attendance": float(round(share, 3)) if share is not None else None,
    }
    if learned(facts):
        codes = ", ".join(o.code for o in facts.outcomes)
        return Decision(
            Rule.EXIT,
            f"Proficient on {codes} on evidence since the case opened.",
            numbers,
        )
    ok, missed = delivered(facts)
    if not ok:
        return Decision(
            Rule.PLAN_NOT_DELIVERED,
            "The rung was not delivered: " + "; ".join(missed) + ".",
            numbers,
        )
    still = ", ".join(o.code for o in facts.outcomes if not o.proficient) or (
        "the flagged outcomes (no new evidence)"
    )
    if facts.on_top_rung:
        return Decision(
            Rule.REFER,
            f"Delivered as planned on the top rung and still not proficient on "
            f"{still}: refer to the student support team.",
            numbers,
        )
    if facts.next_group_full:
        return Decision(
            Rule.WAITLIST,
            f"Delivered as planned and still not proficient on {still}: up a rung, "
            "waiting for a seat in its group.",
            numbers,
        )
    return Decision(
        Rule.ESCALATE,
        f"Delivered as planned and still not proficient on {still}: up a rung.",
        numbers,
    )
