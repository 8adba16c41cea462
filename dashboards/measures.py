"""The students behind each number of the principal's dashboard.

A drill-down names a measure and its filters in the query string
(`?measure=kept_not_yet&outcome=12&subgroup=grade:9`) and lists the students
from the same querysets the dashboard counted, so the list adds up to the
number clicked. Students are always read through `students_for(user)`, like
every list (docs/domain.md, "Who sees what"): a drill-down never shows a
student the viewer may not see, whatever its filters say. A filter with an
unknown value raises `BadFilter` with a message that names it, never an empty
list that would look like good news.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.formats import date_format

from assessments.models import CommonAssessment, StudentMastery
from dashboards import equity
from dashboards.school import (
    CORE,
    FLOW_TYPES,
    FLOWS,
    REFERRED,
    flow_events,
    kept_mastery,
    overdue_case_actions,
    placed_cases,
    placement_sql,
    plan_not_delivered,
    reviews_overdue,
    roster_day,
    window_scores,
)
from interventions.case_selectors import METHOD_LABELS
from interventions.models import CaseStatus, Group, Placement
from interventions.models import Rung as LadderRung
from schools.access import students_for
from schools.models import Enrollment, School, Student, Term
from teams.models import EssentialOutcome, Team

ONE = Decimal("0.1")
KEPT = {
    "kept_assessed": "Students with kept mastery",
    "kept_proficient": "Proficient or exceeding (kept mastery)",
    "kept_not_yet": "Not yet proficient (kept mastery)",
}
MEASURES = {
    **KEPT,
    "window": "Scores on one common assessment",
    "tier": "Students at a tier of the pyramid now",
    "flow": "Changes of case this term",
    "review_overdue": "Cases whose review is past due",
    "plan_not_delivered": "Cases marked “plan not delivered”",
    "actions_overdue": "Case actions past due",
    "waitlist": "Students waiting for a seat",
    "students": "Active students",
    **equity.MEASURES,
}


class BadFilter(ValueError):
    """A drill-down filter names something unknown; the message says what."""


@dataclass
class Row:
    student: Student
    course: str
    section: str
    value: str


class LazyRows:
    """The rows of a queryset, made one page at a time: a drill-down over a
    whole school reads only the page it shows (the paginator counts, then
    slices), and its CSV export reads them all."""

    def __init__(self, queryset: QuerySet, make: Callable):
        self.queryset = queryset
        self.make = make

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.make(item) for item in self.queryset[index]]
        return self.make(self.queryset[index])

    def __iter__(self):
        return (self.make(item) for item in self.queryset.iterator(chunk_size=2000))


@dataclass
class Drill:
    measure: str
    title: str
    scope: list[str]  # the filters in words: "Outcome ALG1.EO3", "Grade 9"
    value_label: str
    rows: list[Row] | LazyRows

    @property
    def students(self) -> list[Student]:
        return [row.student for row in self.rows]

    def all_rows(self) -> list[Row]:
        return list(self.rows)


# The database's ids are 64-bit: a longer number names nothing, and asking for
# it would be refused by the database.
MAX_ID_DIGITS = 18


def _int(params: QueryDict, name: str) -> int | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise BadFilter(f"The {name} filter “{raw}” is not a number.")
    if not _is_id(raw):
        raise BadFilter(f"The {name} filter “{raw}” is too large to name anything.")
    return int(raw)


def _is_id(raw: str) -> bool:
    """Whether `raw` can be a row's id. isdigit() alone lets through "²" and
    other digits int() refuses."""
    return raw.isascii() and raw.isdigit() and len(raw) <= MAX_ID_DIGITS


def _section_name(
    term: Term, day: datetime.date, course_ref: str, student_ref: str = "student_id"
) -> Subquery:
    """The name of the student's section in a course in this term."""
    return Subquery(
        Enrollment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=term.start_date),
            student_id=OuterRef(student_ref),
            section__term_id=term.pk,
            section__course_id=OuterRef(course_ref),
        )
        .order_by("-begin_date", "-pk")
        .values("section__name")[:1]
    )


def drilldown(*, user, school: School, term: Term, params: QueryDict) -> Drill:
    """The rows behind one number; BadFilter for an unknown measure or value."""
    measure = params.get("measure", "")
    if measure not in MEASURES:
        known = ", ".join(MEASURES)
        raise BadFilter(
            f"“{measure}” is not a measure of this page; use one of: {known}."
        )
    visible = students_for(user).filter(school_id=school.pk)
    scope: list[str] = []
    raw_subgroup = params.get("subgroup", "").strip()
    if raw_subgroup:
        try:
            subgroup, value = equity.parse_subgroup(raw_subgroup)
        except ValueError as error:
            raise BadFilter(str(error)) from None
        visible = visible.filter(value.q)
        scope.append(f"{subgroup.label}: {value.label}")
    builder = _BUILDERS.get(measure, _equity_measure)
    title, value_label, rows = builder(
        measure=measure,
        school=school,
        term=term,
        params=params,
        visible=visible,
        scope=scope,
    )
    return Drill(measure, title, scope, value_label, rows)


# Kept mastery ---------------------------------------------------------------------


def _kept(*, measure, school, term, params, visible, scope):
    rows = kept_mastery(
        school,
        term,
        proficient={"kept_proficient": True, "kept_not_yet": False}.get(measure),
    ).filter(student__in=visible)
    outcome_id = _int(params, "outcome")
    course_id = _int(params, "course")
    team_id = _int(params, "team")
    if outcome_id is not None:
        outcome = EssentialOutcome.objects.filter(
            pk=outcome_id, team__school_id=school.pk
        ).first()
        if outcome is None:
            raise BadFilter(f"Outcome {outcome_id} is not an outcome of {school}.")
        rows = rows.filter(outcome_id=outcome_id)
        scope.append(f"Outcome {outcome.code}: {outcome.statement}")
    if team_id is not None:
        team = Team.objects.filter(pk=team_id, school_id=school.pk).first()
        if team is None:
            raise BadFilter(f"Team {team_id} is not a team of {school}.")
        rows = rows.filter(outcome__team_id=team_id)
        scope.append(f"Team {team.name}")
    if course_id is not None:
        course = school.courses.filter(pk=course_id).first()
        if course is None:
            raise BadFilter(f"Course {course_id} is not a course of {school}.")
        rows = rows.filter(outcome__course_id=course_id)
        scope.append(f"Course {course.title}")
    rows = (
        rows.select_related("student", "outcome__course")
        .annotate(
            section_name=_section_name(term, roster_day(term), "outcome__course_id")
        )
        .order_by(
            "student__last_name", "student__first_name", "student_id", "outcome__code"
        )
    )
    return (
        KEPT[measure],
        "Outcome: kept mastery",
        LazyRows(
            rows,
            lambda m: Row(
                m.student,
                m.outcome.course.title,
                m.section_name or "",
                f"{m.outcome.code}: {_mastery_words(m)}",
            ),
        ),
    )


def _mastery_words(mastery: StudentMastery) -> str:
    """The kept mastery in words: "Not yet proficient, 66.7% (Decaying
    average, 3 scores)", or how far n_mastery has come while it has no value."""
    label = mastery.get_status_display()
    method = METHOD_LABELS.get(mastery.method, mastery.method.replace("_", " "))
    if mastery.value is not None:
        value = mastery.value.quantize(ONE, rounding=ROUND_HALF_UP)
        scores = f"{mastery.score_count} score{pluralize(mastery.score_count)}"
        return f"{label}, {value}% ({method}, {scores})"
    if mastery.progress:
        return f"{label}, {mastery.progress} ({method})"
    return f"{label} ({method})"


# One window ------------------------------------------------------------------------


def _window(*, measure, school, term, params, visible, scope):
    assessment_id = _int(params, "assessment")
    outcome_id = _int(params, "outcome")
    if assessment_id is None or outcome_id is None:
        raise BadFilter("A window needs both an assessment and an outcome.")
    assessment = (
        CommonAssessment.objects.filter(
            pk=assessment_id,
            team__school_id=school.pk,
            status=CommonAssessment.Status.FINALIZED,
        )
        .select_related("course")
        .first()
    )
    if assessment is None:
        raise BadFilter(
            f"Assessment {assessment_id} is not a finalized assessment of {school}."
        )
    outcome = EssentialOutcome.objects.filter(
        pk=outcome_id, team__school_id=school.pk
    ).first()
    if outcome is None:
        raise BadFilter(f"Outcome {outcome_id} is not an outcome of {school}.")
    scope.append(f"{assessment.title} ({date_format(assessment.administered_on)})")
    scope.append(f"Outcome {outcome.code}: {outcome.statement}")
    scores = window_scores(assessment.pk, outcome.pk)
    students = {
        s.pk: s
        for s in visible.filter(pk__in=[pk for pk, _, _ in scores]).annotate(
            section_name=Subquery(
                Enrollment.objects.filter(
                    student_id=OuterRef("pk"),
                    section__term_id=term.pk,
                    section__course_id=assessment.course_id,
                )
                .order_by("-begin_date", "-pk")
                .values("section__name")[:1]
            )
        )
    }
    rows = []
    for student_id, percent, cut in scores:
        student = students.get(student_id)
        if student is None:
            continue
        level = "at or above" if percent >= cut else "below"
        rows.append(
            Row(
                student,
                assessment.course.title,
                student.section_name or "",
                f"{percent.quantize(ONE):f}% ({level} the {cut.normalize():f}% cut)",
            )
        )
    rows.sort(key=lambda r: (r.student.last_name, r.student.first_name, r.student.pk))
    return MEASURES["window"], "Outcome score", rows


# Cases -----------------------------------------------------------------------------


def _case_rows(cases, term, value: Callable) -> LazyRows:
    cases = (
        cases.select_related("student", "course", "rung")
        .annotate(section_name=_section_name(term, roster_day(term), "course_id"))
        .order_by("student__last_name", "student__first_name", "student_id", "pk")
    )
    return LazyRows(
        cases,
        lambda case: Row(
            case.student, case.course.title, case.section_name or "", value(case)
        ),
    )


def _tier(*, measure, school, term, params, visible, scope):
    wanted = params.get("tier", "").strip()
    if wanted == CORE:
        sql, sql_params = placement_sql(school.pk, term.start_date)
        students = (
            visible.filter(is_active=True)
            .exclude(pk__in=RawSQL(f"SELECT student_id FROM ({sql}) p", sql_params))  # noqa: S608, S611 - built from a queryset
            .order_by("last_name", "first_name", "pk")
        )
        scope.append("Core instruction only: no open case, not referred")
        return (
            MEASURES["tier"],
            "Tier",
            LazyRows(students, lambda s: Row(s, "", "", "Core only")),
        )
    if wanted == REFERRED:
        rung_condition, extra, label = "rung_id IS NULL", [], "Referred"
    elif _is_id(wanted):
        rung = LadderRung.objects.filter(pk=int(wanted), school_id=school.pk).first()
        if rung is None:
            raise BadFilter(f"Tier “{wanted}” is not a rung of {school}'s ladder.")
        rung_condition, extra, label = "rung_id = %s", [rung.pk], rung.name
    else:
        raise BadFilter(
            f"Tier “{wanted}” is unknown; use core, referred or a rung of the ladder."
        )
    scope.append(label)
    sql, sql_params = placement_sql(school.pk, term.start_date)
    placed = RawSQL(  # noqa: S611 - built from a queryset; values are bound
        f"SELECT student_id FROM ({sql}) p WHERE {rung_condition}",  # noqa: S608
        [*sql_params, *extra],
    )
    # One row per student, as the pyramid counts them, with the course of the
    # case that places them there (the first, when two do).
    cases = placed_cases(school.pk, term.start_date).filter(student_id=OuterRef("pk"))
    if wanted == REFERRED:
        cases = cases.filter(status=CaseStatus.REFERRED)
    else:
        cases = cases.filter(rung_id=int(wanted)).exclude(status=CaseStatus.REFERRED)
    students = (
        visible.filter(pk__in=placed)
        .annotate(
            course_title=Subquery(cases.order_by("pk").values("course__title")[:1])
        )
        .order_by("last_name", "first_name", "pk")
    )
    return (
        MEASURES["tier"],
        "Tier",
        LazyRows(students, lambda s: Row(s, s.course_title or "", "", label)),
    )


def _flow(*, measure, school, term, params, visible, scope):
    wanted = params.get("flow", "")
    if wanted not in FLOW_TYPES:
        known = ", ".join(FLOW_TYPES)
        raise BadFilter(f"“{wanted}” is not a flow; use one of: {known}.")
    scope.append({k: label for k, _, label in FLOWS}[wanted])
    events = (
        flow_events(school.pk, term)
        .filter(type=FLOW_TYPES[wanted], student__in=visible)
        .select_related("student", "case__course")
        .annotate(section_name=_section_name(term, roster_day(term), "case__course_id"))
        .order_by("student__last_name", "student__first_name", "student_id", "at")
    )
    return (
        MEASURES["flow"],
        "Change",
        LazyRows(
            events,
            lambda e: Row(
                e.student,
                e.case.course.title if e.case else "",
                e.section_name or "",
                f"{date_format(timezone.localtime(e.at).date())}: {e.summary}",
            ),
        ),
    )


def _reviews(*, measure, school, term, params, visible, scope):
    cases = reviews_overdue(school.pk, timezone.localdate()).filter(student__in=visible)
    return (
        MEASURES[measure],
        "Review was due",
        _case_rows(
            cases, term, lambda c: f"{date_format(c.next_review_on)} ({c.rung_name})"
        ),
    )


def _held(*, measure, school, term, params, visible, scope):
    cases = plan_not_delivered(school.pk).filter(student__in=visible)
    return (
        MEASURES[measure],
        "Rung",
        _case_rows(cases, term, lambda c: f"{c.rung_name}, since {c.rung_entered_on}"),
    )


def _actions(*, measure, school, term, params, visible, scope):
    actions = overdue_case_actions(school.pk, timezone.localdate()).filter(
        case__student__in=visible
    )
    owner = params.get("owner", "").strip()
    if owner == "none":
        actions = actions.filter(owner__isnull=True)
        scope.append("Actions with no one assigned")
    elif owner:
        if not _is_id(owner):
            raise BadFilter(f"The owner filter “{owner}” is not a person.")
        if not actions.filter(owner_id=int(owner)).exists():
            raise BadFilter(f"Person {owner} has no overdue case actions at {school}.")
        actions = actions.filter(owner_id=int(owner))
        scope.append("Actions of one person")
    actions = (
        actions.select_related("case__student", "case__course", "owner")
        .annotate(
            section_name=_section_name(
                term, roster_day(term), "case__course_id", "case__student_id"
            )
        )
        .order_by(
            "case__student__last_name", "case__student__first_name", "due_on", "pk"
        )
    )

    def row(action) -> Row:
        who = action.owner.full_name if action.owner else "no one assigned"
        return Row(
            action.case.student,
            action.case.course.title,
            action.section_name or "",
            f"{action.title}, due {date_format(action.due_on)} ({who})",
        )

    return MEASURES[measure], "Action", LazyRows(actions, row)


def _waitlist(*, measure, school, term, params, visible, scope):
    group_id = _int(params, "group")
    placements = Placement.objects.filter(
        group__school_id=school.pk, status=Placement.Status.WAITLISTED
    )
    if group_id is not None:
        group = Group.objects.filter(pk=group_id, school_id=school.pk).first()
        if group is None:
            raise BadFilter(f"Group {group_id} is not a group of {school}.")
        placements = placements.filter(group_id=group_id)
        scope.append(group.name)
    placements = (
        placements.filter(student__in=visible)
        .select_related("student", "group", "case__course")
        .order_by("student__last_name", "student__first_name", "requested_at")
    )
    return (
        MEASURES[measure],
        "Waiting since",
        LazyRows(
            placements,
            lambda p: Row(
                p.student,
                p.case.course.title if p.case else "",
                "",
                f"{date_format(timezone.localtime(p.requested_at).date())}, "
                f"{p.group.name}",
            ),
        ),
    )


def _students(*, measure, school, term, params, visible, scope):
    students = visible.filter(is_active=True).order_by("last_name", "first_name", "pk")
    return MEASURES[measure], "Grade", LazyRows(students, _grade_row)


def _grade_row(student: Student) -> Row:
    return Row(student, "", "", student.grade_label)


def _equity_measure(*, measure, school, term, params, visible, scope):
    """The measures of the equity section, counted over the term's students."""
    condition = equity.measure_q(measure, school_id=school.pk, term=term)
    students = (
        equity.students_in_term(school.pk, term)
        .filter(condition, pk__in=visible.values("pk"))
        .order_by("last_name", "first_name", "pk")
    )
    return (
        MEASURES[measure],
        "Grade",
        LazyRows(students, _grade_row),
    )


_BUILDERS = {
    **dict.fromkeys(KEPT, _kept),
    "window": _window,
    "tier": _tier,
    "flow": _flow,
    "review_overdue": _reviews,
    "plan_not_delivered": _held,
    "actions_overdue": _actions,
    "waitlist": _waitlist,
    "students": _students,
}
