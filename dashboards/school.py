"""Reads for the principal's dashboard: one school, one term, at a glance.

Every figure is an aggregate computed in the database, so the page costs the
same number of queries for 400 students as for 4,000 (`tests/test_school.py`
pins the count). Each figure has a drill-down (`measures.py`) that lists the
students behind it from the same querysets, so the list always adds up to the
number that was clicked.

The rules are in docs/domain.md, "The principal's dashboard". Proficiency
rests on kept mastery, which rests on finalized results only
(docs/domain.md, "Mastery"); the trend reads each finalized common assessment
of the term, a "window", with the same scoring rules as kept mastery
(docs/domain.md, "Common assessments").
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Event, Role
from assessments.models import (
    DEFAULT_MASTERY_CUT,
    DEFAULT_RETEACH_THRESHOLD,
    AssessmentItem,
    CommonAssessment,
    ItemScore,
    OutcomeCut,
    StudentMastery,
    TriagePolicy,
)
from dashboards.models import WindowShare
from interventions.group_selectors import GroupRow, group_rows
from interventions.models import OPEN_STATUSES, Case, CaseAction, CaseStatus, Group
from interventions.models import Rung as LadderRung
from interventions.review_status import ReviewStatus, review_status
from schools.access import roles_of
from schools.models import (
    Enrollment,
    School,
    Section,
    Student,
    Term,
)
from teams.models import ActionItem, EssentialOutcome, Team

PROFICIENT = (StudentMastery.Status.PROFICIENT, StudentMastery.Status.EXCEEDS)
ONE_DECIMAL = Decimal("0.1")


# Who may open a school's dashboard ------------------------------------------------


class NotAllowed(Exception):
    """The person may see the school but is not its principal or district admin."""


def may_open_dashboard(user, school: School) -> bool:
    """The school's principal, or an admin of its district (docs/domain.md,
    "Who sees what": they see everyone in the school)."""
    return any(
        (r.role == Role.PRINCIPAL and r.school_id == school.pk)
        or (r.role == Role.DISTRICT_ADMIN and r.district_id == school.district_id)
        for r in roles_of(user)
    )


def principal_school_ids(user) -> list[int]:
    return sorted({r.school_id for r in roles_of(user) if r.role == Role.PRINCIPAL})


# The term ------------------------------------------------------------------------


def terms_of(school: School) -> list[Term]:
    return list(Term.objects.filter(school=school).order_by("-start_date", "name"))


def choose_term(
    terms: list[Term], wanted: str | None, *, today: datetime.date | None = None
) -> Term:
    """The term asked for, which must be one of the school's (404 otherwise);
    without one, the term in force today, the longest when several overlap
    (the school year rather than its semester), else the latest begun."""
    if wanted:
        by_pk = {str(term.pk): term for term in terms}
        if wanted not in by_pk:
            raise Http404("No such term at this school.")
        return by_pk[wanted]
    today = today or timezone.localdate()
    current = [term for term in terms if term.contains(today)]
    if current:
        return max(current, key=lambda t: (t.end_date - t.start_date, -t.pk))
    begun = [term for term in terms if term.start_date <= today]
    if begun:
        return max(begun, key=lambda t: t.start_date)
    if terms:
        return min(terms, key=lambda t: t.start_date)
    raise Http404("This school has no terms yet.")


def roster_day(term: Term, today: datetime.date | None = None) -> datetime.date:
    """The day whose enrollments count: today during the term, else its last."""
    today = today or timezone.localdate()
    return min(max(today, term.start_date), term.end_date)


# Bands of the heat map -------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    key: str  # "low", "mid", "high"; the CSS class of the cell
    cue: str  # the text that carries the band beside the colour
    label: str  # the legend's words


def bands(threshold: Decimal) -> tuple[Band, Band, Band]:
    """Below the school's reteach threshold, up to the mastery cut, and from it
    on: the two lines the school already works with (docs/domain.md,
    "Core-instruction triage" and "Common assessments"), read as the share of
    students proficient. Declared in `assessments.models`, never here."""
    cut = DEFAULT_MASTERY_CUT
    return (
        Band("low", "below", f"Below {threshold:g}%: under the reteach threshold"),
        Band("mid", "near", f"{threshold:g}% to under {cut:g}%"),
        Band("high", "at goal", f"{cut:g}% or more"),
    )


def school_threshold(school_id: int) -> Decimal:
    value = (
        TriagePolicy.objects.filter(school_id=school_id)
        .values_list("reteach_threshold", flat=True)
        .first()
    )
    return value if value is not None else DEFAULT_RETEACH_THRESHOLD


@dataclass
class Cell:
    """Of the students with evidence, how many are proficient."""

    assessed: int = 0
    proficient: int = 0
    threshold: Decimal = DEFAULT_RETEACH_THRESHOLD
    query: str = ""  # the drill-down's filters for the students behind it

    @property
    def not_yet(self) -> int:
        return self.assessed - self.proficient

    @property
    def percent(self) -> Decimal | None:
        if not self.assessed:
            return None
        return (Decimal(self.proficient * 100) / self.assessed).quantize(
            ONE_DECIMAL, rounding=ROUND_HALF_UP
        )

    @property
    def band(self) -> Band | None:
        percent = self.percent
        if percent is None:
            return None
        low, mid, high = bands(self.threshold)
        if percent < self.threshold:
            return low
        if percent < DEFAULT_MASTERY_CUT:
            return mid
        return high

    def __add__(self, other: Cell) -> Cell:
        return Cell(
            self.assessed + other.assessed,
            self.proficient + other.proficient,
            self.threshold,
        )


# Kept mastery of the term's students ---------------------------------------------


_KEPT_FROM = """
      FROM {mastery} m
      JOIN {outcome} o ON o.id = m.outcome_id
      JOIN {team} t ON t.id = o.team_id
      JOIN (SELECT DISTINCT e.student_id, s.course_id
              FROM {enrollment} e
              JOIN {section} s ON s.id = e.section_id
              JOIN {student} st ON st.id = e.student_id
             WHERE s.term_id = ANY(%(terms)s) AND st.is_active
               AND (e.begin_date IS NULL OR e.begin_date <= %(day)s)
               AND (e.end_date IS NULL OR e.end_date >= %(day)s)) taking
        ON taking.student_id = m.student_id AND taking.course_id = o.course_id
     WHERE t.school_id = ANY(%(schools)s) AND o.is_active
"""


def _kept_sql(
    select: str,
    tail: str,
    *,
    school_ids: list[int],
    term_ids: list[int],
    day: datetime.date,
) -> tuple[str, dict]:
    """Kept mastery on the school's active essential outcomes, of the active
    students who take each outcome's course in the term (docs/domain.md,
    "Teams": a team's students are those enrolled in its courses' sections).
    A join on the term's (student, course) pairs: the planner runs the same
    test written as EXISTS as one index probe per kept row."""
    tables = {
        name: connection.ops.quote_name(model._meta.db_table)
        for name, model in (
            ("mastery", StudentMastery),
            ("outcome", EssentialOutcome),
            ("team", Team),
            ("student", Student),
            ("enrollment", Enrollment),
            ("section", Section),
        )
    }
    params = {
        "proficient": StudentMastery.Status.PROFICIENT.value,
        "exceeds": StudentMastery.Status.EXCEEDS.value,
        "terms": term_ids,
        "day": day,
        "schools": school_ids,
    }
    return select + _KEPT_FROM.format(**tables) + tail, params


def kept_mastery(
    school: School, term: Term, *, proficient: bool | None = None
) -> QuerySet[StudentMastery]:
    """The kept rows the heat map counts, as a queryset for its drill-downs:
    all of them, or only the proficient (or only the not yet proficient) ones.
    The status is tested inside the statement, before the rows are matched to
    the models: a whole school's kept rows are tens of thousands."""
    tail = ""
    if proficient is not None:
        test = "IN" if proficient else "NOT IN"
        tail = f" AND m.status {test} (%(proficient)s, %(exceeds)s)"
    sql, params = _kept_sql(
        "SELECT m.id",
        tail,
        school_ids=[school.pk],
        term_ids=[term.pk],
        day=roster_day(term),
    )
    # RawSQL takes positional parameters, in the order the statement uses them.
    positional = re.sub(r"%\((\w+)\)s", "%s", sql)
    order = re.findall(r"%\((\w+)\)s", sql)
    return StudentMastery.objects.filter(
        pk__in=RawSQL(positional, [params[name] for name in order])  # noqa: S611
    )


def kept_counts_by_school(
    term_ids: list[int], school_ids: list[int], day: datetime.date
) -> dict[int, tuple[int, int]]:
    """school id → (kept rows, of them proficient) for the district's side by
    side: the heat map's aggregate over many schools and their terms."""
    sql, params = _kept_sql(
        """
        SELECT t.school_id, count(*),
               count(*) FILTER (WHERE m.status IN (%(proficient)s, %(exceeds)s))
        """,
        " GROUP BY t.school_id",
        school_ids=school_ids,
        term_ids=term_ids,
        day=day,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {school_id: (n, p) for school_id, n, p in cursor.fetchall()}


def kept_counts(school: School, term: Term) -> dict[int, tuple[int, int]]:
    """outcome id → (students with kept mastery, of them proficient): the rows
    of `kept_mastery`, counted with one aggregate, the one the heat map needs."""
    sql, params = _kept_sql(
        """
        SELECT m.outcome_id, count(*),
               count(*) FILTER (WHERE m.status IN (%(proficient)s, %(exceeds)s))
        """,
        " GROUP BY m.outcome_id",
        school_ids=[school.pk],
        term_ids=[term.pk],
        day=roster_day(term),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {outcome_id: (n, p) for outcome_id, n, p in cursor.fetchall()}


# The windows: each finalized common assessment of the term -------------------------


def term_windows(school: School, term: Term) -> list[CommonAssessment]:
    return list(
        CommonAssessment.objects.filter(
            team__school_id=school.pk,
            status=CommonAssessment.Status.FINALIZED,
            administered_on__gte=term.start_date,
            administered_on__lte=term.end_date,
        ).order_by("administered_on", "pk")
    )


_WINDOW_SCORES = """
    WITH per_outcome AS (
        SELECT s.student_id, i.outcome_id, i.assessment_id,
               count(*) FILTER (WHERE s.points IS NOT NULL OR s.mark <> '') AS entered,
               sum(s.points) AS earned,
               sum(i.max_points) FILTER (WHERE s.points IS NOT NULL) AS possible
          FROM {score} s
          JOIN {item} i ON i.id = s.item_id
         WHERE i.assessment_id = ANY(%(assessments)s) {student_filter}
         GROUP BY s.student_id, i.outcome_id, i.assessment_id
    ), items AS (
        SELECT assessment_id, outcome_id, count(*) AS n
          FROM {item}
         WHERE assessment_id = ANY(%(assessments)s)
         GROUP BY assessment_id, outcome_id
    ), scored AS (
        SELECT p.student_id, p.assessment_id, p.outcome_id,
               round(p.earned * 100 / p.possible, 6) AS percent,
               coalesce(c.mastery_cut, %(default_cut)s) AS cut
          FROM per_outcome p
          JOIN items k
            ON k.assessment_id = p.assessment_id AND k.outcome_id = p.outcome_id
          LEFT JOIN {cut} c
            ON c.assessment_id = p.assessment_id AND c.outcome_id = p.outcome_id
         WHERE p.entered = k.n AND p.possible > 0
    )
"""


def _window_sql(select: str, *, student_filter: str = "") -> str:
    tables = {
        "score": connection.ops.quote_name(ItemScore._meta.db_table),
        "item": connection.ops.quote_name(AssessmentItem._meta.db_table),
        "cut": connection.ops.quote_name(OutcomeCut._meta.db_table),
    }
    return (
        _WINDOW_SCORES.format(student_filter=student_filter, **tables) + select
    )  # table names from _meta; values are bound


def window_counts(assessment_ids: list[int]) -> dict[tuple[int, int], tuple[int, int]]:
    """(assessment id, outcome id) → (students with an outcome score, of them at
    or above the mastery cut), in one query. The scoring rules are those of
    `assessments.selectors.outcome_scores_for`: no score until every item of the
    outcome has an entry, none when all are absent or exempt, and absent or
    exempt items leave the points possible."""
    if not assessment_ids:
        return {}
    sql = _window_sql(
        """
        SELECT assessment_id, outcome_id, count(*),
               count(*) FILTER (WHERE percent >= cut)
          FROM scored
         GROUP BY assessment_id, outcome_id
        """
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql, {"assessments": assessment_ids, "default_cut": DEFAULT_MASTERY_CUT}
        )
        return {(a, o): (n, p) for a, o, n, p in cursor.fetchall()}


def window_scores(
    assessment_id: int, outcome_id: int
) -> list[tuple[int, Decimal, Decimal]]:
    """Each student's outcome score on one window: (student id, percent, cut)."""
    sql = _window_sql(
        """
        SELECT student_id, percent, cut FROM scored
         WHERE outcome_id = %(outcome)s
         ORDER BY percent, student_id
        """
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "assessments": [assessment_id],
                "outcome": outcome_id,
                "default_cut": DEFAULT_MASTERY_CUT,
            },
        )
        return cursor.fetchall()


def window_shares(
    windows: list[CommonAssessment],
) -> dict[tuple[int, int], tuple[int, int]]:
    """`window_counts` for these finalized assessments, read from the counts
    kept in `WindowShare`: one query when every window is counted, three when
    some are not yet (their counts, then one upsert). Counts taken before an
    assessment was reopened and finalized again are counted afresh."""
    if not windows:
        return {}
    finalized = {w.pk: w.finalized_at for w in windows}
    kept: dict[tuple[int, int], tuple[int, int]] = {}
    counted: set[int] = set()
    for row in WindowShare.objects.filter(assessment_id__in=list(finalized)):
        if row.finalized_at != finalized[row.assessment_id]:
            continue
        counted.add(row.assessment_id)
        if row.outcome_id is not None:
            kept[(row.assessment_id, row.outcome_id)] = (row.assessed, row.proficient)
    missing = [pk for pk in finalized if pk not in counted]
    if not missing:
        return kept
    fresh = window_counts(missing)
    kept.update(fresh)
    now = timezone.now()
    rows = [
        WindowShare(
            assessment_id=a,
            outcome_id=o,
            finalized_at=finalized[a],
            assessed=n,
            proficient=p,
            counted_at=now,
        )
        for (a, o), (n, p) in fresh.items()
    ]
    rows += [
        WindowShare(
            assessment_id=pk,
            outcome_id=None,
            finalized_at=finalized[pk] or now,
            assessed=0,
            proficient=0,
            counted_at=now,
        )
        for pk in missing
    ]
    WindowShare.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["assessment", "outcome"],
        update_fields=["finalized_at", "assessed", "proficient", "counted_at"],
    )
    return kept


# The heat map --------------------------------------------------------------------


@dataclass
class OutcomeRow:
    outcome: EssentialOutcome
    now: Cell
    windows: list[Cell | None]  # one per window of its block; None: not measured

    @property
    def trend(self) -> list[tuple[int, Decimal]]:
        """(position in the block, percent) of each window that measured it."""
        return [
            (index, cell.percent)
            for index, cell in enumerate(self.windows)
            if cell is not None and cell.percent is not None
        ]

    @property
    def spark_points(self) -> str:
        """The trend as SVG polyline points in a 120 × 32 box, 0% at the foot."""
        count = len(self.windows)
        step = 112 / (count - 1) if count > 1 else 0
        return " ".join(
            f"{4 + index * step:.1f},{30 - float(percent) * 0.28:.1f}"
            for index, percent in self.trend
        )

    @property
    def spark_last(self) -> tuple[str, str] | None:
        points = self.spark_points.split()
        return tuple(points[-1].split(",")) if points else None

    @property
    def trend_text(self) -> str:
        points = [f"{percent}%" for _, percent in self.trend]
        if not points:
            return f"{self.outcome.code}: no finalized results this term."
        return f"{self.outcome.code} across the term: " + ", then ".join(points) + "."


@dataclass
class CourseBlock:
    """One team's outcomes in one course, with that course's windows."""

    team_id: int
    team_name: str
    course_id: int
    course_title: str
    course_code: str
    windows: list[CommonAssessment]
    rows: list[OutcomeRow] = field(default_factory=list)

    @property
    def total(self) -> Cell:
        total = Cell(threshold=self.rows[0].now.threshold) if self.rows else Cell()
        for row in self.rows:
            total = total + row.now
        total.query = (
            f"measure=kept_assessed&team={self.team_id}&course={self.course_id}"
        )
        return total


@dataclass
class TeamSummary:
    team_id: int
    team_name: str
    courses: list[CourseBlock]

    @property
    def total(self) -> Cell:
        total = Cell(threshold=self.courses[0].total.threshold)
        for block in self.courses:
            total = total + block.total
        total.query = f"measure=kept_assessed&team={self.team_id}"
        return total


@dataclass
class Proficiency:
    blocks: list[CourseBlock]
    teams: list[TeamSummary]
    threshold: Decimal
    window_count: int

    @property
    def legend(self) -> tuple[Band, Band, Band]:
        return bands(self.threshold)

    @property
    def total(self) -> Cell:
        total = Cell(threshold=self.threshold, query="measure=kept_assessed")
        for team in self.teams:
            total = total + team.total
        total.query = "measure=kept_assessed"
        return total


def proficiency(school: School, term: Term) -> Proficiency:
    """Four queries: the threshold, the outcomes, the kept counts, the windows
    and their counts (one more when the term has finalized assessments)."""
    threshold = school_threshold(school.pk)
    outcomes = list(
        EssentialOutcome.objects.filter(
            team__school_id=school.pk, team__is_active=True, is_active=True
        )
        .select_related("team", "course")
        .order_by("team__name", "course__title", "position", "code")
    )
    kept = kept_counts(school, term)
    windows = term_windows(school, term)
    counts = window_shares(windows)
    windows_of: dict[tuple[int, int], list[CommonAssessment]] = defaultdict(list)
    for window in windows:
        windows_of[(window.team_id, window.course_id)].append(window)

    blocks: dict[tuple[int, int], CourseBlock] = {}
    for outcome in outcomes:
        key = (outcome.team_id, outcome.course_id)
        block = blocks.get(key)
        if block is None:
            block = blocks[key] = CourseBlock(
                team_id=outcome.team_id,
                team_name=outcome.team.name,
                course_id=outcome.course_id,
                course_title=outcome.course.title,
                course_code=outcome.course.code,
                windows=windows_of.get(key, []),
            )
        assessed, proficient = kept.get(outcome.pk, (0, 0))
        cells: list[Cell | None] = []
        for window in block.windows:
            pair = counts.get((window.pk, outcome.pk))
            cells.append(
                Cell(
                    *pair,
                    threshold,
                    f"measure=window&assessment={window.pk}&outcome={outcome.pk}",
                )
                if pair
                else None
            )
        block.rows.append(
            OutcomeRow(
                outcome=outcome,
                now=Cell(
                    assessed,
                    proficient,
                    threshold,
                    f"measure=kept_assessed&outcome={outcome.pk}",
                ),
                windows=cells,
            )
        )
    teams: dict[int, TeamSummary] = {}
    for block in blocks.values():
        teams.setdefault(
            block.team_id, TeamSummary(block.team_id, block.team_name, [])
        ).courses.append(block)
    return Proficiency(
        blocks=list(blocks.values()),
        teams=list(teams.values()),
        threshold=threshold,
        window_count=len(windows),
    )


# The pyramid ----------------------------------------------------------------------

CORE = "core"
REFERRED = "referred"


@dataclass
class Tier:
    key: str  # "core", "referred" or a rung's id
    name: str
    tier: int | None
    students: int
    share: Decimal | None = None

    @property
    def description(self) -> str:
        if self.key == CORE:
            return "Core instruction only"
        if self.key == REFERRED:
            return "Referred to the student support team"
        return f"Tier {self.tier}"


@dataclass
class Pyramid:
    tiers: list[Tier]  # from the top (referred) down to core only
    total: int

    @property
    def text(self) -> str:
        parts = [f"{t.name}: {t.students} ({t.share or 0}%)" for t in self.tiers]
        return "Students per tier now. " + "; ".join(parts) + "."

    @property
    def in_intervention(self) -> int:
        return sum(t.students for t in self.tiers if t.key != CORE)

    @property
    def layers(self) -> list[dict]:
        """The pyramid's drawing: one trapezoid per tier, narrow at the top,
        each labelled on its right with its count and share."""
        height, apex, spread, centre = 44, 24, 150, 180
        total_height = height * len(self.tiers)

        def half(y: float) -> float:
            return apex + spread * y / total_height

        drawn = []
        for index, tier in enumerate(self.tiers):
            top, bottom = index * height, (index + 1) * height
            points = (
                f"{centre - half(top):.1f},{top} {centre + half(top):.1f},{top} "
                f"{centre + half(bottom):.1f},{bottom} "
                f"{centre - half(bottom):.1f},{bottom}"
            )
            drawn.append(
                {
                    "tier": tier,
                    "points": points,
                    "css": f"tier-{tier.key if not tier.key.isdigit() else tier.tier}",
                    "label_y": top + height / 2 + 5,
                }
            )
        return drawn

    @property
    def drawing_height(self) -> int:
        return 44 * len(self.tiers) + 2


def placed_cases_since(since: dict[int, datetime.date]) -> QuerySet[Case]:
    """The cases that place a student in the pyramid now, for each school in
    `since` (school id → the start of its term): open ones, and referrals made
    since that day."""
    condition = Q(pk__in=[])
    for school_id, day in since.items():
        condition |= Q(school_id=school_id) & (
            Q(status__in=OPEN_STATUSES)
            | Q(status=CaseStatus.REFERRED, closed_on__gte=day)
        )
    return Case.objects.filter(condition, student__is_active=True)


def placed_cases(school_id: int, since: datetime.date) -> QuerySet[Case]:
    return placed_cases_since({school_id: since})


_PLACE_SQL = """
    SELECT DISTINCT ON (c.student_id) c.school_id, c.student_id,
           CASE WHEN c.status = %s THEN NULL ELSE c.rung_id END AS rung_id,
           CASE WHEN c.status = %s THEN NULL ELSE r.tier END AS tier
      FROM ({cases}) c
      LEFT JOIN {rung} r ON r.id = c.rung_id
     ORDER BY c.student_id, (c.status = %s) DESC,
              r.position DESC NULLS LAST, c.rung_id DESC
"""


def placement_sql_for(since: dict[int, datetime.date]) -> tuple[str, list]:
    """SQL giving each placed student's one place (school, student, rung, tier;
    rung and tier empty for a referral): referred above every rung, else the
    highest rung of their open cases, so a student helped in two courses counts
    once, where they need the most."""
    cases = placed_cases_since(since).values(
        "school_id", "student_id", "rung_id", "status"
    )
    inner, params = cases.query.sql_with_params()
    sql = _PLACE_SQL.format(
        cases=inner, rung=connection.ops.quote_name(LadderRung._meta.db_table)
    )
    referred = CaseStatus.REFERRED.value
    return sql, [referred, referred, *params, referred]


def placement_sql(school_id: int, since: datetime.date) -> tuple[str, list]:
    return placement_sql_for({school_id: since})


def pyramid(school: School, term: Term) -> Pyramid:
    """Three queries: the ladder, the active students, the places."""
    rungs = list(
        LadderRung.objects.filter(school_id=school.pk).order_by(
            "-is_active", "position"
        )
    )
    total = Student.objects.filter(school_id=school.pk, is_active=True).count()
    sql, params = placement_sql(school.pk, term.start_date)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rung_id, count(*) FROM ({sql}) p GROUP BY rung_id",  # noqa: S608
            params,
        )
        counts = dict(cursor.fetchall())
    referred = counts.pop(None, 0)
    tiers = [Tier(REFERRED, "Referred", None, referred)]
    for rung in sorted(rungs, key=lambda r: r.position, reverse=True):
        if rung.is_active or counts.get(rung.pk):
            name = rung.name if rung.is_active else f"{rung.name} (retired)"
            tiers.append(Tier(str(rung.pk), name, rung.tier, counts.get(rung.pk, 0)))
    placed = sum(t.students for t in tiers)
    tiers.append(Tier(CORE, "Core only", None, max(total - placed, 0)))
    for t in tiers:
        t.share = (
            (Decimal(t.students * 100) / total).quantize(
                ONE_DECIMAL, rounding=ROUND_HALF_UP
            )
            if total
            else None
        )
    return Pyramid(tiers=tiers, total=total)


# Flows of the period ---------------------------------------------------------------

FLOWS = (
    ("entered", EventType.CASE_OPENED, "Entered the ladder"),
    ("moved_up", EventType.CASE_MOVED_UP, "Moved up a rung"),
    ("moved_down", EventType.CASE_MOVED_DOWN, "Moved down a rung"),
    ("exited", EventType.CASE_EXITED, "Exited"),
    ("referred", EventType.CASE_REFERRED, "Referred"),
)
FLOW_TYPES = {key: event_type for key, event_type, _ in FLOWS}


def flow_events(school_id: int, term: Term) -> QuerySet[Event]:
    """The changes of case the record of change holds for the term: one event
    per case moved (docs/domain.md, "The record of change")."""
    start = timezone.make_aware(
        datetime.datetime.combine(term.start_date, datetime.time.min)
    )
    end = timezone.make_aware(
        datetime.datetime.combine(
            term.end_date + datetime.timedelta(days=1), datetime.time.min
        )
    )
    return Event.objects.filter(
        school_id=school_id,
        type__in=list(FLOW_TYPES.values()),
        at__gte=start,
        at__lt=end,
        student__isnull=False,
    )


@dataclass
class Flow:
    key: str
    label: str
    count: int


def flows(school: School, term: Term) -> list[Flow]:
    """One query."""
    counts = dict(
        flow_events(school.pk, term)
        .values("type")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("type", "n")
    )
    return [Flow(key, label, counts.get(t, 0)) for key, t, label in FLOWS]


# What is overdue -------------------------------------------------------------------


def overdue_case_actions(school_id: int, today: datetime.date) -> QuerySet[CaseAction]:
    """Actions of the current rung of open cases, past due and not done: what
    the caseload calls overdue (docs/domain.md, "Caseloads")."""
    return CaseAction.objects.filter(
        case__school_id=school_id,
        case__status__in=OPEN_STATUSES,
        case__student__is_active=True,
        rung_id=F("case__rung_id"),
        done_at__isnull=True,
        due_on__lt=today,
    )


def overdue_team_items(school_id: int, today: datetime.date) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(
        meeting__team__school_id=school_id,
        done_at__isnull=True,
        due_on__lt=today,
    )


def reviews_overdue(school_id: int, today: datetime.date) -> QuerySet[Case]:
    return Case.objects.filter(
        school_id=school_id,
        status__in=OPEN_STATUSES,
        next_review_on__lt=today,
        student__is_active=True,
    )


def plan_not_delivered(school_id: int) -> QuerySet[Case]:
    return Case.objects.filter(
        school_id=school_id,
        status=CaseStatus.PLAN_NOT_DELIVERED,
        student__is_active=True,
    )


@dataclass
class PersonOverdue:
    owner_id: int | None
    name: str
    case_actions: int = 0
    team_items: list[ActionItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.case_actions + len(self.team_items)


@dataclass
class Overdue:
    today: datetime.date
    reviews: int
    plans_not_delivered: int
    people: list[PersonOverdue]
    groups: list[GroupRow]
    review: ReviewStatus | None

    @property
    def case_actions(self) -> int:
        return sum(p.case_actions for p in self.people)

    @property
    def waiting(self) -> int:
        return sum(g.waiting for g in self.groups)

    @property
    def team_items(self) -> int:
        return sum(len(p.team_items) for p in self.people)


def overdue(school: School, *, today: datetime.date | None = None) -> Overdue:
    """Seven queries: cases, case actions by owner, team items, groups, and
    the three of the review status."""
    today = today or timezone.localdate()
    case_counts = Case.objects.filter(
        school_id=school.pk, status__in=OPEN_STATUSES, student__is_active=True
    ).aggregate(
        reviews=Count("pk", filter=Q(next_review_on__lt=today)),
        held=Count("pk", filter=Q(status=CaseStatus.PLAN_NOT_DELIVERED)),
    )
    people: dict[int | None, PersonOverdue] = {}
    for row in (
        overdue_case_actions(school.pk, today)
        .values("owner_id", "owner__first_name", "owner__last_name", "owner__email")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        people[row["owner_id"]] = PersonOverdue(
            row["owner_id"], _person(row), case_actions=row["n"]
        )
    for item in (
        overdue_team_items(school.pk, today)
        .select_related("owner", "meeting__team")
        .order_by("due_on", "pk")
    ):
        owner = item.owner
        person = people.get(item.owner_id)
        if person is None:
            name = (owner.full_name or owner.email) if owner else "No one assigned"
            person = people[item.owner_id] = PersonOverdue(item.owner_id, name)
        person.team_items.append(item)
    groups = [
        row
        for row in group_rows(
            groups=Group.objects.filter(school_id=school.pk, is_active=True)
        )
        if row.is_full or row.waiting
    ]
    status = review_status([school.pk])
    return Overdue(
        today=today,
        reviews=case_counts["reviews"],
        plans_not_delivered=case_counts["held"],
        people=sorted(people.values(), key=lambda p: (-p.total, p.name)),
        groups=groups,
        review=status[0] if status else None,
    )


def _person(row: dict) -> str:
    if row["owner_id"] is None:
        return "No one assigned"
    name = f"{row['owner__first_name']} {row['owner__last_name']}".strip()
    return name or row["owner__email"]


# The page --------------------------------------------------------------------------


@dataclass
class SchoolDashboard:
    school: School
    term: Term
    terms: list[Term]
    proficiency: Proficiency
    pyramid: Pyramid
    flows: list[Flow]
    overdue: Overdue
    extra: dict = field(default_factory=dict)

    @property
    def is_current_term(self) -> bool:
        return self.term.contains(timezone.localdate())


def school_dashboard(school: School, term: Term, terms: list[Term]) -> SchoolDashboard:
    return SchoolDashboard(
        school=school,
        term=term,
        terms=terms,
        proficiency=proficiency(school, term),
        pyramid=pyramid(school, term),
        flows=flows(school, term),
        overdue=overdue(school),
    )
