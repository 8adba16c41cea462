"""Every team's SMART goals on the principal's dashboard, with progress and
whether each is on track for its deadline (docs/domain.md, "SMART goals: on
track"). Four queries whatever the number of teams, goals or students: the
goals, then `teams.selectors.goals_progress` for all of them at once."""

from __future__ import annotations

import datetime
from collections import Counter

from django.utils import timezone

from assessments.analysis import spreadsheet_safe
from schools.models import Term
from teams.models import SmartGoal
from teams.selectors import GoalProgress, goals_progress, goals_with_scope


def term_day(term: Term, today: datetime.date | None = None) -> datetime.date:
    """The day a term is seen as of: today while it runs, else its last day (or
    its first, for a term still to come)."""
    today = today or timezone.localdate()
    return min(max(today, term.start_date), term.end_date)


class GoalList(list):
    """Goal progress rows, knowing the school and term they were read for (the
    links to the students behind a figure carry both)."""

    def __init__(self, rows, *, school_id: int, term: Term) -> None:
        super().__init__(rows)
        self.school_id = school_id
        self.term = term
        self.day = term_day(term)  # the day the goals are read as of

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        """How many goals have each status, in the statuses' order: the
        table's summary in words."""
        counts = Counter(progress.status for progress in self)
        return [
            (label, counts[status])
            for status, label in GoalProgress.LABELS.items()
            if counts[status]
        ]


def goals_for(school_id: int, term: Term) -> GoalList:
    """The active goals of the school's active teams that run during the term
    (set by its last day, deadline on or after its first), by team, as they
    stand on the term's day."""
    if term.school_id != school_id:
        raise ValueError("The term is not one of this school's terms.")
    goals = goals_with_scope(
        SmartGoal.objects.filter(
            team__school_id=school_id,
            team__is_active=True,
            is_active=True,
            created_at__date__lte=term.end_date,
            deadline__gte=term.start_date,
        )
    ).order_by("team__name", "team_id", "deadline", "pk")
    return GoalList(
        goals_progress(goals, today=term_day(term)), school_id=school_id, term=term
    )


def _percent(value) -> str:
    return "" if value is None else f"{value}"


def goals_rows(goals: list[GoalProgress]) -> tuple[list[str], list[list[str]]]:
    """The goals table as CSV rows, formula-safe."""
    header = [
        "Team",
        "Goal",
        "Baseline %",
        "Target %",
        "Current % proficient",
        "Students proficient",
        "Students with results",
        "Expected % by now",
        "Deadline",
        "Status",
    ]
    rows = []
    for progress in goals:
        goal = progress.goal
        rows.append(
            [
                goal.team.name,
                goal.statement,
                _percent(goal.baseline),
                _percent(goal.target),
                _percent(progress.percent),
                str(progress.count.proficient),
                str(progress.count.measured),
                _percent(progress.expected),
                goal.deadline.isoformat(),
                progress.status_label,
            ]
        )
    return header, [[spreadsheet_safe(cell) for cell in row] for row in rows]
