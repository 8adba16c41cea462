"""Reads for the team's data page: what the team looks at in its data meeting
after a common assessment.

Every figure rests on the students enrolled now in the course's current sections,
the same population result entry uses. The page is built in a fixed number of
queries whatever the number of students, sections or the team's other
assessments; `tests/test_analysis.py` pins the count. The students a page lists
by name, or an export carries, are noted in the record of access here rather
than by the views (docs/domain.md, "The record of access").
"""

from __future__ import annotations

import datetime
import logging
import pickle
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.utils import timezone

from accounts.changes import code_digest, versions
from accounts.models import User
from assessments.models import (
    DEFAULT_EXCEEDS_CUT,
    DEFAULT_MASTERY_CUT,
    AssessmentItem,
    CommonAssessment,
    KeptAnalysis,
    ReteachItem,
    StudentMastery,
)
from assessments.scoring import display
from assessments.selectors import assessment_results, reteach_threshold
from schools.access_log import note_students
from schools.models import Section, Student
from teams.models import EssentialOutcome

logger = logging.getLogger(__name__)

PROFICIENT_LEVELS = frozenset({"proficient", "exceeds"})
ONE_DECIMAL = Decimal("0.1")


def one_decimal(value: Decimal) -> Decimal:
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass
class Share:
    """Of the students with a complete result, how many reached mastery."""

    assessed: int = 0
    proficient: int = 0

    @property
    def percent(self) -> Decimal | None:
        if not self.assessed:
            return None
        return one_decimal(Decimal(self.proficient * 100) / self.assessed)

    def add(self, level: str) -> None:
        self.assessed += 1
        if level in PROFICIENT_LEVELS:
            self.proficient += 1


@dataclass
class SectionRate:
    section: Section
    teachers: list[User]
    share: Share
    is_own: bool
    below_threshold: bool

    @property
    def teacher_names(self) -> str:
        return ", ".join(teacher.display_name for teacher in self.teachers)


@dataclass
class TeacherRate:
    teacher: User
    share: Share
    is_self: bool


@dataclass
class StudentStatus:
    """One student's result on one outcome of this assessment, beside the mastery
    all their results add up to, each with the arithmetic behind it."""

    student: Student
    section: Section
    earned: Decimal
    possible: Decimal
    percent: Decimal
    level: str
    mastery_cut: Decimal
    exceeds_cut: Decimal
    mastery: StudentMastery | None

    @property
    def calculation(self) -> str:
        score = (
            f"{display(self.earned, '')} of {display(self.possible, '')} points = "
            f"{one_decimal(self.percent)}%"
        )
        mastery_cut = display(self.mastery_cut, "")
        if self.level == "exceeds":
            exceeds_cut = display(self.exceeds_cut, "")
            return f"{score}, at or above the {exceeds_cut}% exceeds cut."
        if self.level == "proficient":
            return f"{score}, at or above the {mastery_cut}% mastery cut."
        return f"{score}, below the {mastery_cut}% mastery cut."


@dataclass
class OutcomeAnalysis:
    outcome: EssentialOutcome
    mastery_cut: Decimal
    exceeds_cut: Decimal
    overall: Share
    sections: list[SectionRate]
    teachers: list[TeacherRate]
    not_yet: list[StudentStatus]
    exceeds: list[StudentStatus]
    without_result: int

    @property
    def reteach_sections(self) -> list[SectionRate]:
        return [rate for rate in self.sections if rate.below_threshold]


@dataclass
class ItemMean:
    teacher_id: int | None = None
    scored: int = 0
    percent_sum: Decimal = Decimal(0)

    @property
    def percent(self) -> Decimal | None:
        if not self.scored:
            return None
        return one_decimal(self.percent_sum / self.scored)

    def add(self, percent: Decimal) -> None:
        self.scored += 1
        self.percent_sum += percent


@dataclass
class ItemAnalysis:
    item: AssessmentItem
    overall: ItemMean
    by_teacher: list[ItemMean]  # in the order of DataPage.teachers


@dataclass
class DataPage:
    assessment: CommonAssessment
    threshold: Decimal
    teachers: list[User]
    viewer_id: int | None
    outcomes: list[OutcomeAnalysis]
    items: list[ItemAnalysis]
    reteach_items: list[ReteachItem]
    student_count: int
    sections: list[Section] = field(default_factory=list)
    own_section_ids: set[int] = field(default_factory=set)
    # section id → its teachers' ids: what marks a reader's own classes.
    teacher_ids_of: dict[int, frozenset[int]] = field(default_factory=dict)

    @property
    def has_results(self) -> bool:
        return any(outcome.overall.assessed for outcome in self.outcomes)

    def listed_students(self, *lists: str) -> list[Student]:
        """The students named in these lists of every outcome ("not_yet",
        "exceeds"; both when none is given), each once."""
        seen: dict[int, Student] = {}
        for outcome in self.outcomes:
            for name in lists or ("not_yet", "exceeds"):
                for status in getattr(outcome, name):
                    seen.setdefault(status.student.pk, status.student)
        return list(seen.values())

    @property
    def section_rows(self) -> list[tuple[Section, list[SectionRate]]]:
        """Classes down, outcomes across: a course team can have thirty-odd
        classes, which read far better as rows than as columns."""
        return [
            (section, [outcome.sections[index] for outcome in self.outcomes])
            for index, section in enumerate(self.sections)
        ]


def _teachers_of(section: Section) -> list[User]:
    return sorted(
        (link.teacher for link in section.section_teachers.all()),
        key=lambda teacher: (teacher.last_name, teacher.first_name, teacher.pk),
    )


STUDENT_FIELDS = (
    "pk",
    "school_id",
    "local_id",
    "first_name",
    "preferred_name",
    "last_name",
)

# A list of students this long or shorter is drawn open on the data page; a
# longer one is drawn when the reader opens it (`student_list`), so the page
# stays light for a course of a thousand students and the record of access
# names only the students someone looked at.
INLINE_LIST = 15
LISTS = {"not-yet": "not_yet", "exceeds": "exceeds"}


def data_page(
    *,
    assessment: CommonAssessment,
    viewer: User | None = None,
    today: datetime.date | None = None,
) -> DataPage:
    """Everything the data page shows, noting the students of the lists it
    draws open. Two queries when the analysis is kept, thirteen when it is
    counted."""
    page = _page(assessment=assessment, viewer=viewer, today=today)
    shown: dict[int, Student] = {}
    for outcome in page.outcomes:
        for name in LISTS.values():
            statuses = getattr(outcome, name)
            if len(statuses) <= INLINE_LIST:
                for status in statuses:
                    shown.setdefault(status.student.pk, status.student)
    note_students(list(shown.values()), what=f"Data page of {assessment.title}")
    return page


def student_list(
    *, assessment: CommonAssessment, viewer: User | None, which: str, outcome_id: int
) -> tuple[DataPage, OutcomeAnalysis, list[StudentStatus]]:
    """One list of the data page ("not-yet" or "exceeds" on one outcome),
    noting its students. LookupError when the assessment has no such list."""
    if which not in LISTS:
        raise LookupError(which)
    page = _page(assessment=assessment, viewer=viewer)
    outcome = next((o for o in page.outcomes if o.outcome.pk == outcome_id), None)
    if outcome is None:
        raise LookupError(outcome_id)
    statuses = getattr(outcome, LISTS[which])
    note_students(
        [status.student for status in statuses],
        what=f"{which} list on {outcome.outcome.code}, data page of {assessment.title}",
    )
    return page, outcome, statuses


def data_export(
    *, assessment: CommonAssessment, viewer: User | None, table: str
) -> list[list[str]]:
    """One table of the data page as spreadsheet-safe rows, noting the students
    the file carries (only the student lists carry any)."""
    page = _page(assessment=assessment, viewer=viewer)
    rows = export_table(page, table)
    if table in STUDENT_EXPORTS:
        note_students(
            page.listed_students(STUDENT_EXPORTS[table]),
            what=f"{table} export of {assessment.title}",
            export=True,
        )
    return rows


# Kept analyses -----------------------------------------------------------------
#
# Counting a course's results is most of the data page's time: a course of a
# thousand students is tens of thousands of scores. A finalized assessment's
# figures change only with a change of its school (reopening it, a roster
# import, kept mastery moving, reteaching marked done, an edit in the admin),
# each of which raises the school's version (`accounts/changes.py`), or with
# the day (which enrollments are current). So its analysis is counted once,
# for no reader in particular, and kept in `KeptAnalysis` against the version,
# the day and the code that counted it; each reader's own classes and column
# are marked on the copy read back. An open assessment is counted on every
# visit: the results entered on it raise no version.

# What the analysis is counted with, and the models it holds: a change to any
# of them is a new layout, and every kept analysis is counted again.
_SOURCES = (
    "assessments/analysis.py",
    "assessments/selectors.py",
    "assessments/scoring.py",
    "assessments/models.py",
    "accounts/models.py",
    "schools/models.py",
    "teams/models.py",
)


def layout() -> str:
    return code_digest(_SOURCES)


def _page(
    *,
    assessment: CommonAssessment,
    viewer: User | None,
    today: datetime.date | None = None,
) -> DataPage:
    """The analysis as `viewer` sees it: kept or counted now."""
    if assessment.status == CommonAssessment.Status.FINALIZED:
        page = _kept_analysis(assessment, today or timezone.localdate())
    else:
        page = _analyse(assessment=assessment)
    return _seen_by(page, viewer)


def _kept_analysis(assessment: CommonAssessment, today: datetime.date) -> DataPage:
    school_id = assessment.team.school_id
    version = versions([school_id])[school_id]  # before the data: see above
    kept = KeptAnalysis.objects.filter(assessment=assessment).first()
    if (
        kept is not None
        and kept.version == version
        and kept.day == today
        and kept.layout == layout()
    ):
        try:
            page = pickle.loads(zlib.decompress(kept.data))  # noqa: S301 - our own row
        except Exception:
            # A row this code cannot read back costs a count, not the page.
            logger.exception("Kept analysis of assessment %s unreadable", assessment.pk)
        else:
            page.assessment = assessment
            return page
    started = time.monotonic()
    page = _analyse(assessment=assessment)
    data = zlib.compress(
        pickle.dumps(replace(page, assessment=None), protocol=pickle.HIGHEST_PROTOCOL)
    )
    KeptAnalysis.objects.bulk_create(
        [
            KeptAnalysis(
                assessment=assessment,
                version=version,
                day=today,
                layout=layout(),
                data=data,
                counted_at=timezone.now(),
                took_ms=round((time.monotonic() - started) * 1000),
            )
        ],
        update_conflicts=True,
        unique_fields=["assessment"],
        update_fields=["version", "day", "layout", "data", "counted_at", "took_ms"],
    )
    return page


def _seen_by(page: DataPage, viewer: User | None) -> DataPage:
    """Mark the reader's own classes and column on an analysis counted for no
    one in particular."""
    viewer_id = viewer.pk if viewer is not None else None
    page.viewer_id = viewer_id
    page.own_section_ids = {
        section_id
        for section_id, teacher_ids in page.teacher_ids_of.items()
        if viewer_id in teacher_ids
    }
    for outcome in page.outcomes:
        for rate in outcome.sections:
            rate.is_own = rate.section.pk in page.own_section_ids
        for rate in outcome.teachers:
            rate.is_self = rate.teacher.pk == viewer_id
    return page


def _analyse(*, assessment: CommonAssessment) -> DataPage:
    """The analysis for no reader in particular (`_seen_by` marks one's own).
    Ten queries."""
    results = assessment_results(assessment)  # six queries
    threshold = reteach_threshold(assessment.team)

    section_teachers = {
        pk: _teachers_of(section) for pk, section in results.sections.items()
    }
    teachers_by_pk: dict[int, User] = {}
    for teachers in section_teachers.values():
        for teacher in teachers:
            teachers_by_pk.setdefault(teacher.pk, teacher)
    teachers = sorted(
        teachers_by_pk.values(),
        key=lambda teacher: (teacher.last_name, teacher.first_name, teacher.pk),
    )
    column_of = {teacher.pk: index for index, teacher in enumerate(teachers)}

    outcomes: dict[int, EssentialOutcome] = {}
    for item in results.items:
        outcomes.setdefault(item.outcome_id, item.outcome)

    # Points earned and possible per (student, outcome), for the calculation shown
    # beside each listed student; only read where the outcome score is complete.
    item_by_pk = {item.pk: item for item in results.items}
    earned: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    possible: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    item_means = {
        item.pk: ItemAnalysis(
            item=item,
            overall=ItemMean(),
            by_teacher=[ItemMean(teacher_id=teacher.pk) for teacher in teachers],
        )
        for item in results.items
    }
    for score in results.item_scores:
        if score.points is None:
            continue
        item = item_by_pk[score.item_id]
        key = (score.student_id, item.outcome_id)
        earned[key] += score.points
        possible[key] += item.max_points
        percent = score.points * 100 / item.max_points
        analysis = item_means[item.pk]
        analysis.overall.add(percent)
        section_id = results.section_of[score.student_id]
        for teacher in section_teachers[section_id]:
            analysis.by_teacher[column_of[teacher.pk]].add(percent)

    overall = {outcome_id: Share() for outcome_id in outcomes}
    by_section: dict[tuple[int, int], Share] = defaultdict(Share)
    by_teacher: dict[tuple[int, int], Share] = defaultdict(Share)
    without_result: dict[int, int] = defaultdict(int)
    listed: list = []
    for score in results.scores:
        if score.percent is None:
            without_result[score.outcome_id] += 1
            continue
        overall[score.outcome_id].add(score.level)
        by_section[(score.section_id, score.outcome_id)].add(score.level)
        for teacher in section_teachers[score.section_id]:
            by_teacher[(teacher.pk, score.outcome_id)].add(score.level)
        if score.level in ("not_yet", "exceeds"):
            listed.append(score)

    # What the lists show of a student (and the record of access needs), not
    # their whole record: the analysis is kept ("Kept analyses" above).
    students = Student.objects.only(*STUDENT_FIELDS).in_bulk(
        {score.student_id for score in listed}
    )
    masteries = {
        (mastery.student_id, mastery.outcome_id): mastery
        for mastery in StudentMastery.objects.filter(
            student_id__in=list(students), outcome_id__in=list(outcomes)
        )
    }
    not_yet: dict[int, list[StudentStatus]] = defaultdict(list)
    exceeds: dict[int, list[StudentStatus]] = defaultdict(list)
    for score in listed:
        cut = results.cuts.get(score.outcome_id)
        key = (score.student_id, score.outcome_id)
        status = StudentStatus(
            student=students[score.student_id],
            section=results.sections[score.section_id],
            earned=earned[key],
            possible=possible[key],
            percent=score.percent,
            level=score.level,
            mastery_cut=cut.mastery_cut if cut else DEFAULT_MASTERY_CUT,
            exceeds_cut=cut.exceeds_cut if cut else DEFAULT_EXCEEDS_CUT,
            mastery=masteries.get(key),
        )
        (not_yet if score.level == "not_yet" else exceeds)[score.outcome_id].append(
            status
        )

    def by_name(status: StudentStatus):
        student = status.student
        return (student.last_name, student.first_name, student.local_id)

    analyses = []
    for outcome_id, outcome in outcomes.items():
        cut = results.cuts.get(outcome_id)
        section_rates = []
        for section_id, section in results.sections.items():
            share = by_section.get((section_id, outcome_id), Share())
            percent = share.percent
            section_rates.append(
                SectionRate(
                    section=section,
                    teachers=section_teachers[section_id],
                    share=share,
                    is_own=False,
                    below_threshold=percent is not None and percent < threshold,
                )
            )
        analyses.append(
            OutcomeAnalysis(
                outcome=outcome,
                mastery_cut=cut.mastery_cut if cut else DEFAULT_MASTERY_CUT,
                exceeds_cut=cut.exceeds_cut if cut else DEFAULT_EXCEEDS_CUT,
                overall=overall[outcome_id],
                sections=section_rates,
                teachers=[
                    TeacherRate(
                        teacher=teacher,
                        share=by_teacher.get((teacher.pk, outcome_id), Share()),
                        is_self=False,
                    )
                    for teacher in teachers
                ],
                not_yet=sorted(not_yet[outcome_id], key=by_name),
                exceeds=sorted(exceeds[outcome_id], key=by_name),
                without_result=without_result[outcome_id],
            )
        )

    reteach_items = list(
        ReteachItem.objects.filter(assessment=assessment)
        .select_related("section", "outcome", "done_by")
        .defer("done_by__password")  # kept: see "Kept analyses"
        .order_by("outcome__position", "outcome__code", "proficient_percent")
    )
    return DataPage(
        assessment=assessment,
        threshold=threshold,
        teachers=teachers,
        viewer_id=None,
        outcomes=analyses,
        items=list(item_means.values()),
        reteach_items=reteach_items,
        student_count=len(results.section_of),
        sections=list(results.sections.values()),
        teacher_ids_of={
            pk: frozenset(teacher.pk for teacher in teachers)
            for pk, teachers in section_teachers.items()
        },
    )


# Exports ---------------------------------------------------------------------

# A spreadsheet runs a cell starting with one of these as a formula (CSV
# injection); a leading quote makes Excel and LibreOffice show it as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

LEVEL_LABELS = {
    "not_yet": "Not yet proficient",
    "proficient": "Proficient",
    "exceeds": "Exceeds",
}


def spreadsheet_safe(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _percent(value: Decimal | None) -> str:
    return "" if value is None else f"{value}"


def _outcomes_table(page: DataPage) -> tuple[list[str], list[list]]:
    header = [
        "Outcome",
        "Group",
        "Class or teacher",
        "Teachers",
        "Students with a result",
        "Reached mastery",
        "% reached mastery",
        "Below the reteach threshold",
    ]
    rows = []
    for analysis in page.outcomes:
        code = analysis.outcome.code
        share = analysis.overall
        rows.append(
            [
                code,
                "All",
                "All students",
                "",
                share.assessed,
                share.proficient,
                _percent(share.percent),
                "",
            ]
        )
        for rate in analysis.sections:
            rows.append(
                [
                    code,
                    "Class",
                    rate.section.name,
                    rate.teacher_names,
                    rate.share.assessed,
                    rate.share.proficient,
                    _percent(rate.share.percent),
                    "yes" if rate.below_threshold else "",
                ]
            )
        for rate in analysis.teachers:
            rows.append(
                [
                    code,
                    "Teacher",
                    rate.teacher.display_name,
                    rate.teacher.display_name,
                    rate.share.assessed,
                    rate.share.proficient,
                    _percent(rate.share.percent),
                    "",
                ]
            )
    return header, rows


def _items_table(page: DataPage) -> tuple[list[str], list[list]]:
    header = ["Item", "Label", "Outcome", "Points", "Mean % of points (all)"] + [
        f"Mean % of points ({teacher.display_name})" for teacher in page.teachers
    ]
    rows = [
        [
            analysis.item.number,
            analysis.item.label,
            analysis.item.outcome.code,
            display(analysis.item.max_points, ""),
            _percent(analysis.overall.percent),
        ]
        + [_percent(mean.percent) for mean in analysis.by_teacher]
        for analysis in page.items
    ]
    return header, rows


def _students_table(page: DataPage, attr: str) -> tuple[list[str], list[list]]:
    header = [
        "Outcome",
        "Student ID",
        "Last name",
        "First name",
        "Class",
        "Score on this assessment (%)",
        "How the score was reached",
        "Current mastery",
        "Mastery value (%)",
        "How mastery was computed",
    ]
    rows = []
    for analysis in page.outcomes:
        for status in getattr(analysis, attr):
            mastery = status.mastery
            rows.append(
                [
                    analysis.outcome.code,
                    status.student.local_id,
                    status.student.last_name,
                    status.student.preferred_name or status.student.first_name,
                    status.section.name,
                    one_decimal(status.percent),
                    status.calculation,
                    _mastery_label(mastery),
                    ""
                    if mastery is None or mastery.value is None
                    else one_decimal(mastery.value),
                    mastery.explanation if mastery else "",
                ]
            )
    return header, rows


def _mastery_label(mastery: StudentMastery | None) -> str:
    """The level; while n_mastery has no value yet, how far it has come instead."""
    if mastery is None:
        return ""
    label = LEVEL_LABELS.get(mastery.status, "")
    if mastery.value is None and mastery.progress:
        return f"{label}: {mastery.progress}"
    return label


def _reteach_table(page: DataPage) -> tuple[list[str], list[list]]:
    header = [
        "Outcome",
        "Class",
        "% reached mastery",
        "Threshold (%)",
        "Created",
        "Done",
    ]
    rows = [
        [
            item.outcome.code,
            item.section.name,
            item.proficient_percent,
            item.threshold,
            f"{item.created_at:%Y-%m-%d}",
            f"{item.done_at:%Y-%m-%d}" if item.done_at else "",
        ]
        for item in page.reteach_items
    ]
    return header, rows


# The exports that name students, and the list of the page each one carries.
STUDENT_EXPORTS = {"not-yet": "not_yet", "exceeds": "exceeds"}
EXPORTS = {
    "outcomes": _outcomes_table,
    "items": _items_table,
    **{
        name: partial(_students_table, attr=attr)
        for name, attr in STUDENT_EXPORTS.items()
    },
    "reteach": _reteach_table,
}


def export_table(page: DataPage, name: str) -> list[list[str]]:
    """One table of the data page as spreadsheet-safe rows, header first."""
    header, rows = EXPORTS[name](page)
    return [[spreadsheet_safe(cell) for cell in row] for row in [header, *rows]]
