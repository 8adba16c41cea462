"""Reads for common assessments.

A selector never imports a service or a task, directly or through another module
(`plc/tests/test_seams.py` checks): services import selectors, never the reverse.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Event
from assessments.access import assessments_for
from assessments.models import (
    DEFAULT_EXCEEDS_CUT,
    DEFAULT_MASTERY_CUT,
    DEFAULT_RETEACH_THRESHOLD,
    AssessmentItem,
    CommonAssessment,
    ItemScore,
    OutcomeCut,
    StudentMastery,
    TriagePolicy,
)
from assessments.scoring import Cell, display, in_words, level, outcome_percent
from schools.access_log import note_students
from schools.models import Enrollment, Section, SectionTeacher, Student
from teams.models import EssentialOutcome, Meeting, Team

Status = CommonAssessment.Status


def _cuts_of(cut: OutcomeCut | None) -> tuple[Decimal, Decimal]:
    """The mastery and exceeds cuts of an outcome, or the defaults without one."""
    if cut is None:
        return DEFAULT_MASTERY_CUT, DEFAULT_EXCEEDS_CUT
    return cut.mastery_cut, cut.exceeds_cut


# Who takes it ----------------------------------------------------------------


def assessment_students(
    assessment: CommonAssessment, sections=None
) -> QuerySet[Student]:
    """Students enrolled now in current sections of the course (limited to the
    retake's students for a retake)."""
    if sections is None:
        sections = Section.objects.current().filter(course=assessment.course)
    students = Student.objects.filter(
        pk__in=Enrollment.objects.active()
        .filter(section__in=sections)
        .values("student_id")
    )
    if assessment.is_retake:
        students = students.filter(
            pk__in=CommonAssessment.students.through.objects.filter(
                commonassessment_id=assessment.pk
            ).values("student_id")
        )
    return students


def proficiency_levels(
    *, student_ids: Collection[int], outcome_ids: Collection[int]
) -> dict[tuple[int, int], str]:
    """Current mastery level per (student, outcome) pair with evidence: one query."""
    rows = StudentMastery.objects.filter(
        student_id__in=student_ids, outcome_id__in=outcome_ids
    ).values_list("student_id", "outcome_id", "status")
    return {(student, outcome): status for student, outcome, status in rows}


# Entry grid ------------------------------------------------------------------


@dataclass
class GridCell:
    item: AssessmentItem
    score: ItemScore | None

    @property
    def value(self) -> str:
        if self.score is None:
            return ""
        return display(self.score.points, self.score.mark)

    @property
    def version(self) -> int:
        return self.score.version if self.score else 0


@dataclass
class OutcomeResult:
    outcome: EssentialOutcome
    percent: Decimal | None
    level: str


@dataclass
class GridRow:
    student: Student
    cells: list[GridCell]
    outcomes: list[OutcomeResult] = field(default_factory=list)
    earned: Decimal = Decimal(0)
    possible: Decimal = Decimal(0)
    entered: int = 0

    @property
    def complete(self) -> bool:
        return self.entered == len(self.cells)


@dataclass
class Grid:
    assessment: CommonAssessment
    section: Section
    items: list[AssessmentItem]
    outcomes: list[EssentialOutcome]
    rows: list[GridRow]

    @property
    def entered(self) -> int:
        return sum(row.entered for row in self.rows)

    @property
    def expected(self) -> int:
        return len(self.rows) * len(self.items)


def assessment_items(assessment: CommonAssessment) -> list[AssessmentItem]:
    return list(assessment.items.select_related("outcome").order_by("number"))


def assessment_cuts(assessment: CommonAssessment) -> dict[int, OutcomeCut]:
    return {cut.outcome_id: cut for cut in assessment.cuts.all()}


def grid_row(
    student: Student,
    items: list[AssessmentItem],
    scores: dict[int, ItemScore],
    cuts: dict[int, OutcomeCut],
) -> GridRow:
    """One student's line: their cells, totals and per-outcome percentages."""
    row = GridRow(student=student, cells=[GridCell(i, scores.get(i.pk)) for i in items])
    by_outcome: dict[int, list[Cell]] = defaultdict(list)
    outcomes: dict[int, EssentialOutcome] = {}
    for cell in row.cells:
        score = cell.score
        entry = Cell(
            cell.item.max_points,
            score.points if score else None,
            score.mark if score else "",
        )
        by_outcome[cell.item.outcome_id].append(entry)
        outcomes[cell.item.outcome_id] = cell.item.outcome
        if not entry.is_blank:
            row.entered += 1
        if entry.points is not None:
            row.earned += entry.points
            row.possible += cell.item.max_points
    for outcome_id, cells in by_outcome.items():
        percent = outcome_percent(cells)
        row.outcomes.append(
            OutcomeResult(
                outcome=outcomes[outcome_id],
                percent=percent,
                level=level(percent, *_cuts_of(cuts.get(outcome_id))),
            )
        )
    return row


def entry_grid(*, assessment: CommonAssessment, section: Section) -> Grid:
    """The grid of one section: students down, items across. Four queries."""
    items = assessment_items(assessment)
    cuts = assessment_cuts(assessment)
    students = list(
        assessment_students(assessment, sections=[section]).order_by(
            "last_name", "first_name", "local_id"
        )
    )
    note_students(students, what=f"Results of {assessment.title}: {section}")
    scores: dict[int, dict[int, ItemScore]] = defaultdict(dict)
    for score in ItemScore.objects.filter(
        item__assessment=assessment, student__in=[s.pk for s in students]
    ):
        scores[score.student_id][score.item_id] = score
    outcomes: dict[int, EssentialOutcome] = {}
    for item in items:
        outcomes.setdefault(item.outcome_id, item.outcome)
    return Grid(
        assessment=assessment,
        section=section,
        items=items,
        outcomes=list(outcomes.values()),
        rows=[grid_row(s, items, scores[s.pk], cuts) for s in students],
    )


def student_row(*, assessment: CommonAssessment, student: Student) -> GridRow:
    items = assessment_items(assessment)
    scores = {
        score.item_id: score
        for score in ItemScore.objects.filter(
            item__assessment=assessment, student=student
        )
    }
    return grid_row(student, items, scores, assessment_cuts(assessment))


def student_rows(
    *, assessment: CommonAssessment, students: list[Student]
) -> list[GridRow]:
    """The lines of these students, in the order given: three queries however
    many students (a pasted block answers every row it touched)."""
    items = assessment_items(assessment)
    scores: dict[int, dict[int, ItemScore]] = defaultdict(dict)
    for score in ItemScore.objects.filter(
        item__assessment=assessment, student__in=[s.pk for s in students]
    ):
        scores[score.student_id][score.item_id] = score
    cuts = assessment_cuts(assessment)
    return [grid_row(s, items, scores[s.pk], cuts) for s in students]


@dataclass(frozen=True)
class ScoreChange:
    at: datetime.datetime
    who: str
    item_number: int
    before: str
    after: str


def score_history(
    *, assessment: CommonAssessment, student: Student
) -> list[ScoreChange]:
    """Every change to one student's results on one assessment, newest first,
    read from the record of change: one query however many."""
    events = (
        Event.objects.filter(
            type=EventType.SCORE_CHANGED, assessment=assessment, student=student
        )
        .select_related("actor")
        .order_by("-at", "-pk")
    )
    note_students(
        [student], what=f"History of results on {assessment.title}: {student}"
    )
    return [
        ScoreChange(
            at=event.at,
            who=event.actor.display_name if event.actor else event.who,
            item_number=event.data["item"]["number"],
            before=in_words(event.before.get("points"), event.before.get("mark", "")),
            after=in_words(event.after.get("points"), event.after.get("mark", "")),
        )
        for event in events
    ]


# Results of one assessment ----------------------------------------------------


@dataclass(frozen=True)
class StudentOutcomeScore:
    student_id: int
    section_id: int
    outcome_id: int
    percent: Decimal | None
    level: str


@dataclass
class AssessmentResults:
    """Every current student's outcome scores on one assessment, with sections."""

    assessment: CommonAssessment
    items: list[AssessmentItem]
    cuts: dict[int, OutcomeCut]
    sections: dict[int, Section]
    section_of: dict[int, int]  # student id -> section id
    scores: list[StudentOutcomeScore]
    item_scores: list  # rows of (student_id, item_id, points, mark)

    @property
    def outcome_ids(self) -> list[int]:
        seen: dict[int, None] = {}
        for item in self.items:
            seen.setdefault(item.outcome_id, None)
        return list(seen)


def assessment_results(assessment: CommonAssessment) -> AssessmentResults:
    """Fixed number of queries whatever the number of students or sections."""
    items = assessment_items(assessment)
    cuts = assessment_cuts(assessment)
    sections = {
        section.pk: section
        for section in Section.objects.current()
        .filter(course=assessment.course)
        .prefetch_related(
            # What the pages show of a class's teachers, not their account:
            # the data page keeps these (analysis.py, "Kept analyses").
            Prefetch(
                "section_teachers",
                queryset=SectionTeacher.objects.select_related("teacher").only(
                    "section_id",
                    "teacher_id",
                    "teacher__first_name",
                    "teacher__last_name",
                    "teacher__title",
                    "teacher__email",
                ),
            )
        )
        .order_by("period", "name")
    }
    enrollments = (
        Enrollment.objects.active()
        .filter(section_id__in=sections)
        .values_list("student_id", "section_id")
    )
    if assessment.is_retake:
        enrollments = enrollments.filter(
            student_id__in=CommonAssessment.students.through.objects.filter(
                commonassessment_id=assessment.pk
            ).values("student_id")
        )
    section_of = dict(enrollments)
    # Plain rows, not models: a course's results are tens of thousands of
    # scores, and building a model for each was most of the data page's time.
    item_scores = list(
        ItemScore.objects.filter(
            item__assessment=assessment, student_id__in=list(section_of)
        ).values_list("student_id", "item_id", "points", "mark", named=True)
    )
    by_student: dict[int, dict] = defaultdict(dict)
    for score in item_scores:
        by_student[score.student_id][score.item_id] = score
    items_of: dict[int, list[AssessmentItem]] = defaultdict(list)
    for item in items:
        items_of[item.outcome_id].append(item)
    scores = []
    for student_id, section_id in section_of.items():
        entered = by_student.get(student_id, {})
        for outcome_id, outcome_items in items_of.items():
            cells = [
                Cell(
                    item.max_points,
                    entered[item.pk].points if item.pk in entered else None,
                    entered[item.pk].mark if item.pk in entered else "",
                )
                for item in outcome_items
            ]
            percent = outcome_percent(cells)
            scores.append(
                StudentOutcomeScore(
                    student_id=student_id,
                    section_id=section_id,
                    outcome_id=outcome_id,
                    percent=percent,
                    level=level(percent, *_cuts_of(cuts.get(outcome_id))),
                )
            )
    return AssessmentResults(
        assessment=assessment,
        items=items,
        cuts=cuts,
        sections=sections,
        section_of=section_of,
        scores=scores,
        item_scores=item_scores,
    )


@dataclass(frozen=True)
class Rate:
    section_id: int | None
    outcome_id: int
    assessed: int
    proficient: int

    @property
    def percent(self) -> Decimal | None:
        if not self.assessed:
            return None
        return (Decimal(self.proficient * 100) / self.assessed).quantize(Decimal("0.1"))


def proficiency_rates(results: AssessmentResults, *, by_section: bool) -> list[Rate]:
    counts: dict[tuple[int | None, int], list[int]] = defaultdict(lambda: [0, 0])
    for score in results.scores:
        if score.percent is None:
            continue
        key = (score.section_id if by_section else None, score.outcome_id)
        counts[key][0] += 1
        if score.level in ("proficient", "exceeds"):
            counts[key][1] += 1
    return [
        Rate(section_id=section_id, outcome_id=outcome_id, assessed=a, proficient=p)
        for (section_id, outcome_id), (a, p) in counts.items()
    ]


def section_outcome_rates(assessment: CommonAssessment) -> list[Rate]:
    return proficiency_rates(assessment_results(assessment), by_section=True)


def reteach_threshold(team: Team) -> Decimal:
    """Below this share of a section at mastery, the lesson is retaught."""
    policy = TriagePolicy.objects.filter(school_id=team.school_id).first()
    return policy.reteach_threshold if policy else DEFAULT_RETEACH_THRESHOLD


def data_meeting_choices(assessment: CommonAssessment) -> QuerySet[Meeting]:
    """The team's meetings, data meetings first, newest first within each kind."""
    return Meeting.objects.filter(team_id=assessment.team_id).order_by(
        "kind", "-held_on", "-starts_at", "-pk"
    )


# Evidence for mastery ------------------------------------------------------------


def outcome_scores_for(
    student_ids: Collection[int],
) -> dict[tuple[int, int], list[tuple[datetime.date, int, Decimal, Decimal, Decimal]]]:
    """Each student's outcome scores on finalized assessments, per (student,
    outcome), oldest first: (date, assessment id, percent, mastery cut, exceeds
    cut). Open assessments and drafts do not count (docs/domain.md, "Mastery").

    One query whatever the number of students: the points are summed per
    student, outcome and assessment in SQL, so what comes back is one row per
    outcome score, not one per item. It keeps the rules of
    `scoring.outcome_percent`: no score until every item of the outcome has an
    entry, none when all are absent or exempt, and absent or exempt items leave
    the points possible. The division is done here, in Decimal, as there.
    """
    if not student_ids:
        return {}
    tables = {
        "score": ItemScore._meta.db_table,
        "item": AssessmentItem._meta.db_table,
        "assessment": CommonAssessment._meta.db_table,
        "cut": OutcomeCut._meta.db_table,
    }
    sql = """
        WITH per_outcome AS (
            SELECT s.student_id, i.outcome_id, i.assessment_id,
                   count(*) FILTER (WHERE s.points IS NOT NULL OR s.mark <> '')
                       AS entered,
                   sum(s.points) AS earned,
                   sum(i.max_points) FILTER (WHERE s.points IS NOT NULL)
                       AS possible
              FROM {score} s
              JOIN {item} i ON i.id = s.item_id
              JOIN {assessment} a ON a.id = i.assessment_id
             WHERE s.student_id = ANY(%(students)s) AND a.status = %(finalized)s
             GROUP BY s.student_id, i.outcome_id, i.assessment_id
        ), items AS (
            SELECT assessment_id, outcome_id, count(*) AS n
              FROM {item}
             WHERE assessment_id IN (SELECT assessment_id FROM per_outcome)
             GROUP BY assessment_id, outcome_id
        )
        SELECT p.student_id, p.outcome_id, a.administered_on, p.assessment_id,
               p.earned, p.possible, c.mastery_cut, c.exceeds_cut
          FROM per_outcome p
          JOIN items k
            ON k.assessment_id = p.assessment_id AND k.outcome_id = p.outcome_id
          JOIN {assessment} a ON a.id = p.assessment_id
          LEFT JOIN {cut} c
            ON c.assessment_id = p.assessment_id AND c.outcome_id = p.outcome_id
         WHERE p.entered = k.n AND p.possible > 0
         ORDER BY p.student_id, p.outcome_id, a.administered_on, p.assessment_id
    """.format(**tables)  # noqa: S608 - table names from _meta; values are bound
    result: dict[tuple[int, int], list] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            sql, {"students": list(student_ids), "finalized": Status.FINALIZED}
        )
        for row in cursor:
            student_id, outcome_id, day, assessment_id, earned, possible = row[:6]
            cut, exceeds = row[6:]
            if cut is None:
                cut, exceeds = DEFAULT_MASTERY_CUT, DEFAULT_EXCEEDS_CUT
            result[(student_id, outcome_id)].append(
                (day, assessment_id, earned * 100 / possible, cut, exceeds)
            )
    return result


# Entry progress ----------------------------------------------------------------


@dataclass
class SectionProgress:
    assessment: CommonAssessment
    section: Section
    students: int
    items: int
    entered: int

    @property
    def expected(self) -> int:
        return self.students * self.items

    @property
    def remaining(self) -> int:
        return max(0, self.expected - self.entered)

    @property
    def percent(self) -> int:
        return round(100 * self.entered / self.expected) if self.expected else 100


def progress(
    pairs: list[tuple[CommonAssessment, Section]],
) -> list[SectionProgress]:
    """Entered cells out of expected, per (assessment, section): three queries."""
    if not pairs:
        return []
    assessment_ids = {a.pk for a, _ in pairs}
    section_ids = {s.pk for _, s in pairs}
    item_counts = dict(
        CommonAssessment.objects.filter(pk__in=assessment_ids)
        .annotate(n=Count("items"))
        .values_list("pk", "n")
    )
    on = timezone.localdate()
    active = Q(enrollments__begin_date__isnull=True) | Q(
        enrollments__begin_date__lte=on
    )
    active &= Q(enrollments__end_date__isnull=True) | Q(enrollments__end_date__gte=on)
    enrolled: dict[int, set[int]] = defaultdict(set)
    for student_id, section_id in Student.objects.filter(
        active, enrollments__section_id__in=section_ids
    ).values_list("pk", "enrollments__section_id"):
        enrolled[section_id].add(student_id)
    retake_students: dict[int, set[int]] = defaultdict(set)
    for assessment_id, student_id in CommonAssessment.students.through.objects.filter(
        commonassessment_id__in=assessment_ids
    ).values_list("commonassessment_id", "student_id"):
        retake_students[assessment_id].add(student_id)
    entered: dict[tuple[int, int], int] = defaultdict(int)
    student_section = {
        student: section
        for section, students in enrolled.items()
        for student in students
    }
    for assessment_id, student_id, n in (
        ItemScore.objects.filter(
            item__assessment_id__in=assessment_ids,
            student_id__in=student_section,
        )
        .exclude(points__isnull=True, mark="")
        .values_list("item__assessment_id", "student_id")
        .annotate(n=Count("pk"))
    ):
        entered[(assessment_id, student_section[student_id])] += n
    rows = []
    for assessment, section in pairs:
        students = enrolled[section.pk]
        if assessment.is_retake:
            students = students & retake_students[assessment.pk]
        rows.append(
            SectionProgress(
                assessment=assessment,
                section=section,
                students=len(students),
                items=item_counts.get(assessment.pk, 0),
                entered=entered[(assessment.pk, section.pk)],
            )
        )
    return rows


def entry_progress(*, assessment: CommonAssessment, sections) -> list[SectionProgress]:
    sections = list(sections.prefetch_related("section_teachers__teacher"))
    return progress([(assessment, section) for section in sections])


def results_to_enter(user) -> list[SectionProgress]:
    """Open assessments of the user's own sections that still lack results."""
    open_assessments = list(
        assessments_for(user).filter(status=CommonAssessment.Status.OPEN)
    )
    if not open_assessments:
        return []
    sections = (
        Section.objects.current()
        .filter(
            section_teachers__teacher=user,
            course_id__in={a.course_id for a in open_assessments},
        )
        .select_related("course")
    )
    pairs = [
        (assessment, section)
        for assessment in open_assessments
        for section in sections
        if section.course_id == assessment.course_id
    ]
    return [row for row in progress(pairs) if row.remaining]


def assessment_overview(*, user, team=None) -> dict:
    visible = assessments_for(user)
    if team is not None:
        visible = visible.filter(team=team)
    assessments = list(visible.order_by("-administered_on", "title")[:200])
    return {
        "to_enter": results_to_enter(user),
        "open": [a for a in assessments if a.status == CommonAssessment.Status.OPEN],
        "drafts": [a for a in assessments if a.status == CommonAssessment.Status.DRAFT],
        "finalized": [
            a for a in assessments if a.status == CommonAssessment.Status.FINALIZED
        ],
    }


def result_sheet_students(
    *, assessment: CommonAssessment, section: Section
) -> list[Student]:
    """The class's students for a sheet to fill in, noted as an export."""
    students = list(
        assessment_students(assessment, sections=[section]).order_by(
            "last_name", "first_name", "local_id"
        )
    )
    note_students(
        students,
        what=f"Result sheet download: {assessment.title}, {section}",
        export=True,
    )
    return students
