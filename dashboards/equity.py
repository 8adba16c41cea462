"""Equity: proficiency and intervention rates by student subgroup, with the gaps
to the whole school, and no figure about fewer than ten students
(docs/domain.md, "Equity").

One statement per school and term, whatever the number of students: each
student's facts worked out once, then a conditional count of every subgroup
value (`_counted`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql import Query

from assessments.analysis import spreadsheet_safe
from assessments.models import StudentMastery
from dashboards.goals import goals_for, goals_rows, term_day
from interventions.models import Case
from schools.models import Enrollment, GradeLevel, Student, Term
from schools.oneroster.importer import RACES

# A subgroup figure rests on at least this many students, or is not shown.
MINIMUM_GROUP = 10
# A subgroup this many percentage points worse off than the whole school (less
# proficient, or more often in intervention) is flagged as a gap.
GAP_POINTS = Decimal(10)

PROFICIENT = "proficient"
IN_INTERVENTION = "in_intervention"
MEASURES = {
    PROFICIENT: "Proficient on every essential outcome assessed",
    IN_INTERVENTION: "In intervention during the term",
}


# Subgroups --------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    key: str
    label: str
    q: Q


@dataclass(frozen=True)
class Subgroup:
    key: str
    label: str
    values: tuple[Value, ...]

    def value(self, key: str) -> Value:
        for value in self.values:
            if value.key == key:
                return value
        known = ", ".join(v.key for v in self.values)
        raise ValueError(
            f"“{key}” is not a value of the subgroup {self.label.lower()}; "
            f"use one of: {known}."
        )


NOT_RECORDED = "not_recorded"


def _yes_no(field: str, label: str, yes: str, no: str) -> Subgroup:
    return Subgroup(
        field,
        label,
        (
            Value("yes", yes, Q(**{field: True})),
            Value("no", no, Q(**{field: False})),
            Value(NOT_RECORDED, "Not recorded", Q(**{f"{field}__isnull": True})),
        ),
    )


def _slug(label: str) -> str:
    return "_".join(label.lower().split())


# The race/ethnicity values the roster import writes (schools/oneroster): one
# race, or Hispanic or Latino whatever the race, or two or more races.
HISPANIC = "Hispanic or Latino"
TWO_OR_MORE = "Two or more races"
ETHNICITIES = (
    "American Indian or Alaska Native",
    "Asian",
    "Black or African American",
    HISPANIC,
    "Native Hawaiian or Other Pacific Islander",
    "White",
    TWO_OR_MORE,
)
assert set(ETHNICITIES) == {label for _, label in RACES} | {HISPANIC, TWO_OR_MORE}

SUBGROUPS: tuple[Subgroup, ...] = (
    Subgroup(
        "grade",
        "Grade level",
        tuple(
            Value(str(grade), label, Q(grade_level=grade))
            for grade, label in GradeLevel.choices
        ),
    ),
    Subgroup(
        "gender",
        "Gender",
        tuple(
            Value(code or NOT_RECORDED, label, Q(gender=code))
            for code, label in Student.Gender.choices
        ),
    ),
    Subgroup(
        "ethnicity",
        "Race/ethnicity",
        (
            *(Value(_slug(name), name, Q(ethnicity=name)) for name in ETHNICITIES),
            Value(
                "other",
                "Another race/ethnicity",
                ~Q(ethnicity__in=ETHNICITIES) & ~Q(ethnicity=""),
            ),
            Value(NOT_RECORDED, "Not recorded", Q(ethnicity="")),
        ),
    ),
    _yes_no(
        "english_learner",
        "English learner",
        "English learners",
        "Not English learners",
    ),
    _yes_no(
        "special_education",
        "Special education",
        "Receiving special education",
        "Not receiving special education",
    ),
    _yes_no(
        "economically_disadvantaged",
        "Economically disadvantaged",
        "Economically disadvantaged",
        "Not economically disadvantaged",
    ),
)
_BY_KEY = {subgroup.key: subgroup for subgroup in SUBGROUPS}


def subgroup_for(key: str) -> Subgroup:
    try:
        return _BY_KEY[key]
    except KeyError:
        known = ", ".join(_BY_KEY)
        raise ValueError(
            f"“{key}” is not a student subgroup; use one of: {known}."
        ) from None


def subgroup_q(key: str, value: str) -> Q:
    """The students of one subgroup value, as a filter on Student. An unknown
    key or value raises ValueError with a message that names it."""
    return subgroup_for(key).value(value).q


def parse_subgroup(text: str) -> tuple[Subgroup, Value]:
    """`grade:9` → the subgroup and its value; ValueError naming what is wrong."""
    key, sep, value = text.partition(":")
    if not sep:
        raise ValueError(
            f"“{text}” is not a subgroup; write it as subgroup:value, e.g. grade:9."
        )
    subgroup = subgroup_for(key)
    return subgroup, subgroup.value(value)


# The term's students and the two measures -------------------------------------


def students_in_term(school_id: int, term: Term, *, on: datetime.date | None = None):
    """Active students of the school enrolled, on the term's day, in one of its
    sections: the students every equity figure counts."""
    on = on or term_day(term)
    enrolled = Enrollment.objects.active(on).filter(
        student_id=OuterRef("pk"), section__term=term
    )
    return Student.objects.filter(school_id=school_id, is_active=True).filter(
        Exists(enrolled)
    )


def _term_cases(school_id: int, term: Term) -> QuerySet:
    """The school's intervention cases open on some day of the term."""
    return Case.objects.filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=term.start_date),
        school_id=school_id,
        opened_on__lte=term.end_date,
    )


def _sql(queryset: QuerySet) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _flag_ctes(school_id: int, term: Term) -> tuple[list[str], list]:
    """`pairs` (student, course) enrolled on the term's day in its sections;
    `kept` the school's kept mastery on active outcomes, with each outcome's
    course; `flags` one row per student with kept mastery on a course they
    take in the term, `behind` when any of it is not yet proficient.

    The first two are materialized so that they are hashed and joined whole:
    left to itself, the planner probed the kept mastery once per enrolled
    student and outcome, which took seconds at 4,000 students."""
    pairs = (
        Enrollment.objects.active(term_day(term))
        .filter(section__term=term, student__school_id=school_id)
        .values(sid=F("student_id"), cid=F("section__course_id"))
        .distinct()
        .order_by()
    )
    # Per student and course: one row, however many outcomes. Counting the
    # status (never null) rather than the id lets the rows come from the index
    # on (outcome, student, status) alone.
    kept = (
        StudentMastery.objects.filter(
            outcome__is_active=True, outcome__team__school_id=school_id
        )
        .values(sid=F("student_id"), cid=F("outcome__course_id"))
        .annotate(
            not_yet=Count("status", filter=Q(status=StudentMastery.Status.NOT_YET))
        )
        .order_by()
    )
    ctes, params = [], []
    for name, queryset in [("pairs", pairs), ("kept", kept)]:
        sql, more = _sql(queryset)
        ctes.append(f"{name} AS MATERIALIZED ({sql})")
        params += more
    ctes.append(
        "flags AS (SELECT k.sid, bool_or(k.not_yet > 0) AS behind "
        "FROM kept k JOIN pairs p ON p.sid = k.sid AND p.cid = k.cid GROUP BY k.sid)"
    )
    return ctes, params


def measure_q(measure: str, *, school_id: int, term: Term) -> Q:
    """The students counted by a measure, as a filter on Student (for the list
    of students behind a number). ValueError for an unknown measure."""
    if measure == PROFICIENT:
        ctes, params = _flag_ctes(school_id, term)
        # The statement is Django's and this module's; every value is bound.
        proficient = f"WITH {', '.join(ctes)} SELECT sid FROM flags WHERE NOT behind"  # noqa: S608
        return Q(pk__in=RawSQL(proficient, params))  # noqa: S611
    if measure == IN_INTERVENTION:
        return Q(Exists(_term_cases(school_id, term).filter(student_id=OuterRef("pk"))))
    known = ", ".join(MEASURES)
    raise ValueError(f"“{measure}” is not a measure; use one of: {known}.")


# Figures ----------------------------------------------------------------------


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    share = Decimal(part * 100) / Decimal(whole)
    return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Counts:
    students: int
    assessed: int  # students with kept mastery on an outcome in scope
    proficient: int
    in_intervention: int

    @property
    def proficient_percent(self) -> Decimal | None:
        return percent(self.proficient, self.assessed)

    @property
    def intervention_percent(self) -> Decimal | None:
        return percent(self.in_intervention, self.students)


# Why a figure is not shown.
FEWER_THAN = f"fewer than {MINIMUM_GROUP}"
PROTECTS = "hidden to protect a smaller group"


@dataclass(frozen=True)
class Measure:
    """One figure of one row (% proficient or % in intervention) with its gap to
    the whole school; `hidden` says in words why it is not shown."""

    percent: Decimal | None
    gap: Decimal | None  # percentage points, subgroup minus all students
    large_gap: bool
    hidden: str = ""
    # Where a larger figure is worse (intervention), a gap above is flagged.
    worse_when_higher: bool = False

    @property
    def shown(self) -> bool:
        return not self.hidden and self.percent is not None

    @property
    def gap_words(self) -> str:
        if self.gap is None:
            return ""
        if self.gap == 0:
            return "same as all students"
        side = "above" if self.gap > 0 else "below"
        points = abs(self.gap)
        number = f"{points.normalize():f}"
        return f"{number} point{'' if points == 1 else 's'} {side} all students"


@dataclass(frozen=True)
class Row:
    subgroup: Subgroup
    value: Value
    students: int | None  # None when hidden
    students_hidden: str
    assessed: int | None
    proficient: Measure
    intervention: Measure

    @property
    def subgroup_param(self) -> str:
        return f"{self.subgroup.key}:{self.value.key}"

    @property
    def has_large_gap(self) -> bool:
        return self.proficient.large_gap or self.intervention.large_gap


@dataclass(frozen=True)
class SubgroupTable:
    subgroup: Subgroup
    rows: list[Row]

    @property
    def recorded(self) -> bool:
        """Whether the school records this at all: some value other than "not
        recorded" has students."""
        return any(row.value.key != NOT_RECORDED for row in self.rows)


def _to_hide(
    sizes: dict[str, int], hidden: dict[str, str] | None = None
) -> dict[str, str]:
    """Which values of one subgroup to hide, and why.

    A value with fewer than MINIMUM_GROUP students (but some) is hidden, as is
    any value in `hidden` (with its reason). Subtracting the values shown from
    the all-students figure gives the hidden ones taken together, so more
    values are hidden, smallest first, until those together hold no student or
    at least MINIMUM_GROUP (docs/domain.md, "Equity").
    """
    reasons = {key: FEWER_THAN for key, n in sizes.items() if 0 < n < MINIMUM_GROUP}
    reasons.update(hidden or {})
    while 0 < sum(sizes[key] for key in reasons) < MINIMUM_GROUP:
        others = sorted(
            (n, position, key)
            for position, (key, n) in enumerate(sizes.items())
            if n > 0 and key not in reasons
        )
        if not others:
            break
        reasons[others[0][2]] = PROTECTS
    return reasons


def _measure(
    value: Decimal | None,
    whole: Decimal | None,
    *,
    hidden: str,
    worse_when_higher: bool = False,
) -> Measure:
    if hidden:
        return Measure(None, None, False, hidden, worse_when_higher)
    if value is None or whole is None:
        return Measure(value, None, False, "", worse_when_higher)
    gap = value - whole
    worse = gap if worse_when_higher else -gap
    return Measure(value, gap, worse >= GAP_POINTS, "", worse_when_higher)


def _condition_sql(q: Q) -> tuple[str, list]:
    """A filter on Student as SQL on bare column names, as Django writes a
    check constraint: it then reads the columns of any row source that has
    them."""
    query = Query(Student, alias_cols=False)
    compiler = query.get_compiler(connection=connection)
    sql, params = query.build_where(q).as_sql(compiler, connection)
    return sql, list(params)


def _counted(school_id: int, term: Term) -> dict[str, dict[str, int]]:
    """For each measure, how many of the term's students it counts, in all and
    in each subgroup value: one statement.

    Each student's facts (with results, any not yet, in intervention) are
    worked out once (`_flag_ctes`, the cases), then every value is a
    conditional count over plain columns.
    """
    ctes, params = _flag_ctes(school_id, term)
    cases = (
        _term_cases(school_id, term).values(sid=F("student_id")).distinct().order_by()
    )
    students = (
        Student.objects.filter(school_id=school_id, is_active=True)
        .order_by()
        .values(
            "id",
            "grade_level",
            "gender",
            "ethnicity",
            "english_learner",
            "special_education",
            "economically_disadvantaged",
        )
    )
    for name, queryset in [("cases", cases), ("term_students", students)]:
        sql, more = _sql(queryset)
        ctes.append(f"{name} AS ({sql})")
        params += more
    conditions = [("all", "TRUE", [])]
    for subgroup in SUBGROUPS:
        for value in subgroup.values:
            conditions.append(
                (f"{subgroup.key}__{value.key}", *_condition_sql(value.q))
            )
    columns = []
    names = []
    for key, condition, condition_params in conditions:
        for measure, counted in [
            ("students", "*"),
            ("assessed", "f.sid"),
            ("proficient", "f.sid"),
            ("in_intervention", "c.sid"),
        ]:
            extra = "NOT f.behind AND " if measure == "proficient" else ""
            columns.append(f"count({counted}) FILTER (WHERE {extra}({condition}))")
            params += condition_params
            names.append((measure, key))
    sql = (
        f"WITH {', '.join(ctes)} "  # noqa: S608 - SQL from Django and this module
        f"SELECT {', '.join(columns)} FROM term_students st "
        "LEFT JOIN flags f ON f.sid = st.id LEFT JOIN cases c ON c.sid = st.id "
        "WHERE st.id IN (SELECT sid FROM pairs)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    counted_by: dict[str, dict[str, int]] = {
        "students": {},
        "assessed": {},
        "proficient": {},
        "in_intervention": {},
    }
    for (measure, key), n in zip(names, row, strict=True):
        counted_by[measure][key] = n
    return counted_by


def equity_for(school_id: int, term: Term) -> dict:
    """Proficiency and intervention rates of every subgroup value of the
    school's students in the term, beside the whole school's, with the gaps
    flagged and small groups hidden. One query, whatever the school's size."""
    if term.school_id != school_id:
        raise ValueError("The term is not one of this school's terms.")
    counted = _counted(school_id, term)

    def counts_of(key: str) -> Counts:
        return Counts(**{field: values[key] for field, values in counted.items()})

    everyone = counts_of("all")
    too_few = everyone.students < MINIMUM_GROUP
    too_few_assessed = everyone.assessed < MINIMUM_GROUP
    all_proficient = None if too_few_assessed else everyone.proficient_percent
    all_intervention = None if too_few else everyone.intervention_percent
    tables = []
    for subgroup in SUBGROUPS:
        counts = {
            value.key: counts_of(f"{subgroup.key}__{value.key}")
            for value in subgroup.values
        }
        counts = {key: c for key, c in counts.items() if c.students}
        hide_students = _to_hide({k: c.students for k, c in counts.items()})
        hide_assessed = _to_hide(
            {k: c.assessed for k, c in counts.items()}, hidden=hide_students
        )
        rows = []
        for value in subgroup.values:
            if value.key not in counts:
                continue
            c = counts[value.key]
            students_hidden = hide_students.get(value.key, "")
            assessed_hidden = hide_assessed.get(value.key, "")
            rows.append(
                Row(
                    subgroup=subgroup,
                    value=value,
                    students=None if students_hidden else c.students,
                    students_hidden=students_hidden,
                    assessed=None if assessed_hidden else c.assessed,
                    proficient=_measure(
                        c.proficient_percent, all_proficient, hidden=assessed_hidden
                    ),
                    intervention=_measure(
                        c.intervention_percent,
                        all_intervention,
                        hidden=students_hidden,
                        worse_when_higher=True,
                    ),
                )
            )
        tables.append(SubgroupTable(subgroup, rows))
    return {
        "school_id": school_id,
        "term": term,
        "minimum": MINIMUM_GROUP,
        "gap_points": GAP_POINTS,
        "everyone": everyone,
        "too_few": too_few,
        "all_students": None if too_few else everyone.students,
        "all_assessed": None if too_few_assessed else everyone.assessed,
        "all_proficient": all_proficient,
        "all_intervention": all_intervention,
        "subgroups": tables,
        "gaps": [row for table in tables for row in table.rows if row.has_large_gap],
    }


# Export -----------------------------------------------------------------------


def _cell(measure: Measure) -> str:
    if measure.hidden:
        return measure.hidden
    return "" if measure.percent is None else f"{measure.percent}"


def _gap_cell(measure: Measure) -> str:
    return "" if measure.gap is None else f"{measure.gap:+}"


def equity_rows(equity: dict) -> tuple[list[str], list[list[str]]]:
    """The equity tables as one CSV table, formula-safe, hidden figures
    written as why they are hidden."""
    header = [
        "Subgroup",
        "Value",
        "Students",
        "Students with results",
        "% proficient",
        "Gap in points to all students (proficient)",
        "Proficiency gap flagged",
        "% in intervention",
        "Gap in points to all students (intervention)",
        "Intervention gap flagged",
    ]

    def number(value: int | None, hidden: str) -> str:
        return hidden if hidden else ("" if value is None else str(value))

    rows = [
        [
            "All students",
            "All students",
            number(equity["all_students"], FEWER_THAN if equity["too_few"] else ""),
            number(
                equity["all_assessed"],
                FEWER_THAN if equity["all_assessed"] is None else "",
            ),
            "" if equity["all_proficient"] is None else f"{equity['all_proficient']}",
            "",
            "",
            ""
            if equity["all_intervention"] is None
            else f"{equity['all_intervention']}",
            "",
            "",
        ]
    ]
    for table in equity["subgroups"]:
        for row in table.rows:
            rows.append(
                [
                    table.subgroup.label,
                    row.value.label,
                    number(row.students, row.students_hidden),
                    number(row.assessed, row.proficient.hidden),
                    _cell(row.proficient),
                    _gap_cell(row.proficient),
                    "gap" if row.proficient.large_gap else "",
                    _cell(row.intervention),
                    _gap_cell(row.intervention),
                    "gap" if row.intervention.large_gap else "",
                ]
            )
    return header, [[spreadsheet_safe(cell) for cell in row] for row in rows]


__all__ = [
    "GAP_POINTS",
    "MINIMUM_GROUP",
    "SUBGROUPS",
    "equity_for",
    "equity_rows",
    "goals_for",
    "goals_rows",
    "measure_q",
    "students_in_term",
    "subgroup_q",
]
