"""Each table of the principal's and the district's dashboards as CSV rows.

The rows carry counts and shares, never a student's name, so these exports
note no one in the record of access; the drill-down's export, which lists
students, does. Cells are made formula-safe where the file is written
(`views_school.csv_response`).
"""

from __future__ import annotations

from django.utils.formats import date_format

from dashboards.district import DistrictBoard
from dashboards.equity import equity_for, equity_rows
from dashboards.goals import goals_for, goals_rows
from dashboards.school import Cell, flows, overdue, proficiency, pyramid
from schools.models import School, Term

SCHOOL_TABLES = {
    "teams": "Proficiency by team and course",
    "proficiency": "Proficiency by essential outcome and window",
    "pyramid": "The pyramid: students per tier now",
    "flows": "Flows of the term",
    "overdue": "What is overdue",
    "people": "Actions past due by person",
    "groups": "Groups full or with a waitlist",
    "equity": "Equity: subgroups",
    "goals": "SMART goals",
}


def _percent(cell: Cell) -> str:
    return "" if cell.percent is None else f"{cell.percent}"


def _band(cell: Cell) -> str:
    return cell.band.label if cell.band else "no results"


def school_table(
    school: School, term: Term, terms: list[Term], table: str
) -> tuple[list[str], list[list]]:
    if table == "teams":
        board = proficiency(school, term)
        header = ["Team", "Course", "Results", "Proficient", "% proficient", "Band"]
        rows = []
        for team in board.teams:
            total = team.total
            rows.append(
                [
                    team.team_name,
                    "All courses",
                    total.assessed,
                    total.proficient,
                    _percent(total),
                    _band(total),
                ]
            )
            for block in team.courses:
                total = block.total
                rows.append(
                    [
                        team.team_name,
                        block.course_title,
                        total.assessed,
                        total.proficient,
                        _percent(total),
                        _band(total),
                    ]
                )
        return header, rows
    if table == "proficiency":
        board = proficiency(school, term)
        header = [
            "Team",
            "Course",
            "Outcome",
            "Statement",
            "Window",
            "Date",
            "Students",
            "Proficient",
            "% proficient",
            "Band",
        ]
        rows = []
        for block in board.blocks:
            for row in block.rows:
                start = [
                    block.team_name,
                    block.course_title,
                    row.outcome.code,
                    row.outcome.statement,
                ]
                for window, cell in zip(block.windows, row.windows, strict=True):
                    if cell is None:
                        continue
                    rows.append(
                        [
                            *start,
                            window.title,
                            window.administered_on.isoformat(),
                            cell.assessed,
                            cell.proficient,
                            _percent(cell),
                            _band(cell),
                        ]
                    )
                rows.append(
                    [
                        *start,
                        "Kept mastery now",
                        "",
                        row.now.assessed,
                        row.now.proficient,
                        _percent(row.now),
                        _band(row.now),
                    ]
                )
        return header, rows
    if table == "pyramid":
        shape = pyramid(school, term)
        return ["Tier", "Students", "% of students"], [
            [t.name, t.students, "" if t.share is None else f"{t.share}"]
            for t in shape.tiers
        ] + [["All active students", shape.total, "100.0" if shape.total else ""]]
    if table == "flows":
        return ["Change", "Cases"], [[f.label, f.count] for f in flows(school, term)]
    if table == "overdue":
        due = overdue(school)
        last = due.review.last if due.review else None
        return ["Measure", "Count"], [
            ["Reviews past due", due.reviews],
            ["Cases marked plan not delivered", due.plans_not_delivered],
            ["Case actions past due", due.case_actions],
            ["Team action items past due", due.team_items],
            ["Students waiting for a seat", sum(g.waiting for g in due.groups)],
            [
                "Daily review last ran",
                date_format(last.started_at, "DATETIME_FORMAT") if last else "never",
            ],
        ]
    if table == "people":
        due = overdue(school)
        return ["Person", "Case actions past due", "Team action items past due"], [
            [p.name, p.case_actions, len(p.team_items)] for p in due.people
        ]
    if table == "groups":
        due = overdue(school)
        return ["Group", "Seats", "Seated", "Waiting", "Full"], [
            [
                g.group.name,
                "" if g.group.capacity is None else g.group.capacity,
                g.seated,
                g.waiting,
                "yes" if g.is_full else "no",
            ]
            for g in due.groups
        ]
    if table == "equity":
        return equity_rows(equity_for(school.pk, term))
    if table == "goals":
        return goals_rows(goals_for(school.pk, term))
    raise KeyError(table)


def district_table(board: DistrictBoard) -> tuple[list[str], list[list]]:
    header = [label for _, label in board.columns]
    rows = []
    for row in [*board.rows, board.total]:
        rows.append(
            [
                row.school.name,
                row.students,
                _percent(row.kept),
                row.core,
                *row.tier_counts,
                row.referred,
                "" if row.intervention_share is None else f"{row.intervention_share}",
                row.reviews_overdue,
                row.actions_overdue,
                row.plans_not_delivered,
                row.waiting,
            ]
        )
    return header, rows
