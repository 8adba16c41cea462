"""Where each team stands in the teaching-learning cycle, unit by unit
(docs/domain.md, "The teaching-learning cycle").

The rules are pure functions over plain values, so they are tested without a
database. The facts they read live in higher apps (assessments, cases, groups),
which teams may not import: the loader that gathers them is registered here by
the dashboards app when it starts (`dashboards.cycle`), the same way the ladder
registers its hook with assessments. `cycle_for_team` and `cycles_for_school`
are the entry points every page uses.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

# How long each step may take, in calendar days, counted from the step before
# it. Declared once; docs/domain.md states them.
RESULTS_DUE_DAYS = 7  # results entered, after the assessment is given
MEETING_DUE_DAYS = 7  # data meeting held, after the results are entered
RESPONSE_DUE_DAYS = 7  # interventions and extensions started, after the results
REASSESS_DUE_DAYS = 28  # re-assessment given, after the results are entered
OUTCOMES_DUE_DAYS = 14  # a team's first outcomes, after the term starts


class State:
    """Where one step stands. Each has a symbol and words, so that colour is
    never the only carrier of meaning."""

    DONE = "done"
    NOT_NEEDED = "not_needed"
    PLANNED = "planned"  # under way or scheduled, and not late
    LATE = "late"
    WAITING = "waiting"  # an earlier step is not done yet

    LABELS = {
        DONE: ("✓", "Done"),
        NOT_NEEDED: ("✓", "Not needed"),
        PLANNED: ("…", "In progress"),
        LATE: ("!", "Late"),
        WAITING: ("–", "Not yet"),
    }


STEPS = (
    ("outcomes", "Essential outcomes set"),
    ("assessment", "Common assessment given"),
    ("results", "Results entered"),
    ("meeting", "Data meeting held"),
    ("response", "Interventions and extensions started"),
    ("reassessment", "Re-assessment given"),
)


@dataclass(frozen=True)
class AssessmentFacts:
    """What the cycle reads of one common assessment."""

    pk: int
    title: str
    administered_on: datetime.date
    status: str  # "draft", "open" or "finalized"
    finalized_on: datetime.date | None = None
    meeting_pk: int | None = None
    meeting_on: datetime.date | None = None

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def is_finalized(self) -> bool:
        return self.status == "finalized"

    def given_by(self, today: datetime.date) -> bool:
        return not self.is_draft and self.administered_on <= today


@dataclass(frozen=True)
class UnitFacts:
    """Everything the rules need to place one unit of one team, as plain values."""

    team_id: int
    team_name: str
    course_id: int | None
    course_title: str
    unit: str
    outcome_count: int
    outcomes_set_on: datetime.date | None = None
    term_start: datetime.date | None = None
    assessment: AssessmentFacts | None = None
    retake: AssessmentFacts | None = None
    # A later unit of the same course already had its assessment given.
    later_unit_assessed: bool = False
    # Students taking the course this term, by their kept mastery on the
    # unit's outcomes: not yet proficient (and of them, those with neither a
    # case nor a class being retaught), and exceeding (and of them, those
    # placed in an extension group).
    not_yet: int = 0
    not_yet_without_response: int = 0
    exceeds: int = 0
    exceeds_in_extension: int = 0


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    state: str
    on: datetime.date | None = None  # when it was done, or is planned
    due_on: datetime.date | None = None  # when it becomes late, if not done
    note: str = ""
    url: str = ""

    @property
    def symbol(self) -> str:
        return State.LABELS[self.state][0]

    @property
    def state_label(self) -> str:
        return State.LABELS[self.state][1]

    @property
    def is_late(self) -> bool:
        return self.state == State.LATE

    @property
    def is_done(self) -> bool:
        return self.state in (State.DONE, State.NOT_NEEDED)


@dataclass
class UnitCycle:
    facts: UnitFacts
    steps: list[Step]
    links: dict[str, str] = field(default_factory=dict)
    # Name the course beside the unit when the team's units span courses.
    show_course: bool = False

    @property
    def unit_label(self) -> str:
        return self.facts.unit or "No unit"

    @property
    def late_steps(self) -> list[Step]:
        return [step for step in self.steps if step.is_late]

    @property
    def is_late(self) -> bool:
        return bool(self.late_steps)

    @property
    def next_step(self) -> Step | None:
        """The first step not done: where the team stands."""
        return next((step for step in self.steps if not step.is_done), None)


@dataclass
class TeamCycle:
    team_id: int
    team_name: str
    units: list[UnitCycle]

    @property
    def late_count(self) -> int:
        return sum(1 for unit in self.units if unit.is_late)


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def outcomes_step(facts: UnitFacts, today: datetime.date) -> Step:
    key, label = STEPS[0]
    if facts.outcome_count:
        return Step(
            key,
            label,
            State.DONE,
            on=facts.outcomes_set_on,
            note=_plural(facts.outcome_count, "outcome"),
        )
    due = facts.term_start + _days(OUTCOMES_DUE_DAYS) if facts.term_start else None
    late = due is not None and today > due
    return Step(
        key,
        label,
        State.LATE if late else State.PLANNED,
        due_on=due,
        note="No essential outcome yet",
    )


def assessment_step(facts: UnitFacts, today: datetime.date) -> Step:
    key, label = STEPS[1]
    a = facts.assessment
    if not facts.outcome_count:
        return Step(key, label, State.WAITING)
    if a is None:
        if facts.later_unit_assessed:
            return Step(
                key,
                label,
                State.LATE,
                note="A later unit was assessed first; none for this one",
            )
        return Step(key, label, State.WAITING, note="None planned yet")
    if a.given_by(today):
        return Step(key, label, State.DONE, on=a.administered_on)
    if a.is_draft and a.administered_on < today:
        return Step(
            key,
            label,
            State.LATE,
            due_on=a.administered_on,
            note="Its date has passed and it is still a draft",
        )
    return Step(
        key,
        label,
        State.PLANNED,
        on=a.administered_on,
        note="Still a draft" if a.is_draft else "",
    )


def results_step(facts: UnitFacts, today: datetime.date) -> Step:
    key, label = STEPS[2]
    a = facts.assessment
    if a is None or not a.given_by(today):
        return Step(key, label, State.WAITING)
    if a.is_finalized:
        return Step(key, label, State.DONE, on=a.finalized_on)
    due = a.administered_on + _days(RESULTS_DUE_DAYS)
    return Step(
        key,
        label,
        State.LATE if today > due else State.PLANNED,
        due_on=due,
        note="Open for entry",
    )


def _results_in_on(facts: UnitFacts) -> datetime.date | None:
    a = facts.assessment
    if a is None or not a.is_finalized:
        return None
    return a.finalized_on or a.administered_on


def meeting_step(facts: UnitFacts, today: datetime.date) -> Step:
    key, label = STEPS[3]
    a = facts.assessment
    if a is not None and a.meeting_on is not None and a.meeting_on <= today:
        return Step(key, label, State.DONE, on=a.meeting_on)
    results_on = _results_in_on(facts)
    if results_on is None:
        if a is not None and a.meeting_on is not None:
            return Step(key, label, State.PLANNED, on=a.meeting_on)
        return Step(key, label, State.WAITING)
    due = results_on + _days(MEETING_DUE_DAYS)
    late = today > due
    if a.meeting_on is not None:
        return Step(
            key,
            label,
            State.LATE if late and a.meeting_on > due else State.PLANNED,
            on=a.meeting_on,
            due_on=due,
        )
    return Step(
        key,
        label,
        State.LATE if late else State.PLANNED,
        due_on=due,
        note="No meeting tied to these results",
    )


def response_step(facts: UnitFacts, today: datetime.date) -> Step:
    """Interventions have started when every student not yet proficient has a
    case or a class being retaught; extensions, when at least one student who
    exceeds is in an extension group (their seats are few, so not every one)."""
    key, label = STEPS[4]
    results_on = _results_in_on(facts)
    if results_on is None:
        return Step(key, label, State.WAITING)
    if not facts.not_yet and not facts.exceeds:
        return Step(key, label, State.NOT_NEEDED, note="No student needs one")
    missing = []
    if facts.not_yet_without_response:
        missing.append(
            f"{_plural(facts.not_yet_without_response, 'student')} not yet "
            "proficient without an intervention"
        )
    if facts.exceeds and not facts.exceeds_in_extension:
        missing.append(
            f"none of the {_plural(facts.exceeds, 'student')} who exceed in "
            "an extension group"
        )
    if not missing:
        started = []
        if facts.not_yet:
            started.append(f"{facts.not_yet} in intervention")
        if facts.exceeds:
            started.append(f"{facts.exceeds_in_extension} in extension")
        return Step(key, label, State.DONE, note=", ".join(started))
    due = results_on + _days(RESPONSE_DUE_DAYS)
    return Step(
        key,
        label,
        State.LATE if today > due else State.PLANNED,
        due_on=due,
        note="; ".join(missing).capitalize(),
    )


def reassessment_step(facts: UnitFacts, today: datetime.date) -> Step:
    key, label = STEPS[5]
    retake = facts.retake
    if retake is not None and retake.given_by(today):
        return Step(key, label, State.DONE, on=retake.administered_on)
    results_on = _results_in_on(facts)
    if results_on is None:
        return Step(key, label, State.WAITING)
    if not facts.not_yet:
        return Step(key, label, State.NOT_NEEDED, note="Every student reached mastery")
    due = results_on + _days(REASSESS_DUE_DAYS)
    if retake is not None:
        late = today > due and (retake.is_draft or retake.administered_on > due)
        if retake.is_draft and retake.administered_on < today:
            late = True
        return Step(
            key,
            label,
            State.LATE if late else State.PLANNED,
            on=retake.administered_on,
            due_on=due,
            note="Still a draft" if retake.is_draft else "",
        )
    return Step(
        key,
        label,
        State.LATE if today > due else State.PLANNED,
        due_on=due,
        note=f"For {_plural(facts.not_yet, 'student')} not yet proficient",
    )


RULES: tuple[Callable[[UnitFacts, datetime.date], Step], ...] = (
    outcomes_step,
    assessment_step,
    results_step,
    meeting_step,
    response_step,
    reassessment_step,
)


def unit_steps(facts: UnitFacts, today: datetime.date) -> list[Step]:
    """The six steps of one unit, each done, not needed, in progress, late or
    not yet (docs/domain.md, "The teaching-learning cycle")."""
    return [rule(facts, today) for rule in RULES]


def with_links(steps: list[Step], links: dict[str, str]) -> list[Step]:
    return [replace(step, url=links.get(step.key, "")) for step in steps]


# The loader, registered by a higher app -------------------------------------------


class CycleLoader(Protocol):
    def for_team(self, team, term, *, today: datetime.date) -> list[UnitCycle]: ...

    def for_school(
        self, school_id: int, term, *, today: datetime.date
    ) -> list[TeamCycle]: ...


_loader: CycleLoader | None = None


def register_loader(loader: CycleLoader) -> None:
    global _loader
    _loader = loader


def _registered() -> CycleLoader:
    if _loader is None:
        raise RuntimeError(
            "No cycle loader is registered: the dashboards app registers one "
            "when it starts."
        )
    return _loader


def _today(today: datetime.date | None) -> datetime.date:
    from django.utils import timezone

    return today or timezone.localdate()


def cycle_for_team(
    team, term=None, *, today: datetime.date | None = None
) -> list[UnitCycle]:
    """The team's units in the term (the current one when None), each with its
    six steps, in a fixed number of queries."""
    return _registered().for_team(team, term, today=_today(today))


def cycles_for_school(
    school_id: int, term=None, *, today: datetime.date | None = None
) -> list[TeamCycle]:
    """Every active team of the school with its units, in a fixed number of
    queries whatever the number of teams and units."""
    return _registered().for_school(school_id, term, today=_today(today))
