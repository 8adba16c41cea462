"""Loads the facts of the teaching-learning cycle for `teams.cycle` (docs/domain.md,
"The teaching-learning cycle").

The facts come from assessments, cases and groups, which sit above teams, so the
loader lives here and registers itself with `teams.cycle` when the app starts.
Five queries for a school whatever its number of teams and units: the current
terms (none when a term is given), the teams, their outcomes, their assessments,
and one aggregate of kept mastery by unit; one team needs no query for teams.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Max, Min
from django.urls import reverse
from django.utils import timezone

from assessments.models import CommonAssessment, ReteachItem, StudentMastery
from interventions.models import (
    OPEN_STATUSES,
    Case,
    CaseOutcome,
    CaseStatus,
    Group,
    GroupKind,
    Placement,
)
from schools.models import Enrollment, Section, Student, Term
from teams.cycle import (
    AssessmentFacts,
    TeamCycle,
    UnitCycle,
    UnitFacts,
    register_loader,
    unit_steps,
    with_links,
)
from teams.models import EssentialOutcome, Team

# A case that is still open, or ended in a referral, is the school responding.
RESPONDING = (*OPEN_STATUSES, CaseStatus.REFERRED)

UnitKey = tuple[int, int, str]  # team, course, unit


def term_window(
    school_id: int, term: Term | None, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The days the cycle covers: the term's, or those of the school's current
    terms together (a school year and a semester may overlap). One query when
    no term is given."""
    if term is not None:
        if term.school_id != school_id:
            raise ValueError(f"Term {term.pk} is not a term of school {school_id}.")
        return term.start_date, term.end_date
    bounds = (
        Term.objects.current(today)
        .filter(school_id=school_id)
        .aggregate(start=Min("start_date"), end=Max("end_date"))
    )
    return bounds["start"] or today, bounds["end"] or today


def _facts(a: CommonAssessment) -> AssessmentFacts:
    return AssessmentFacts(
        pk=a.pk,
        title=a.title,
        administered_on=a.administered_on,
        status=a.status,
        finalized_on=timezone.localdate(a.finalized_at) if a.finalized_at else None,
        meeting_pk=a.data_meeting_id,
        meeting_on=a.data_meeting.held_on if a.data_meeting_id else None,
    )


def _first(assessments: Iterable[CommonAssessment], today) -> CommonAssessment | None:
    """The one that counts: the first given, else the first planned."""
    ordered = sorted(assessments, key=lambda a: (a.administered_on, a.pk))
    given = [a for a in ordered if _facts(a).given_by(today)]
    return (given or ordered or [None])[0]


def _links(facts: UnitFacts, team_id: int) -> dict[str, str]:
    links = {"outcomes": reverse("teams:outcomes", args=[team_id])}
    a = facts.assessment
    if a is None:
        links["assessment"] = reverse("assessments:team", args=[team_id])
        return links
    detail = reverse("assessments:detail", args=[a.pk])
    data = reverse("assessments:data", args=[a.pk])
    links["assessment"] = detail
    if a.is_finalized:
        links["results"] = data
        links["response"] = data
    elif not a.is_draft:
        links["results"] = detail
    if a.meeting_pk:
        links["meeting"] = reverse("teams:meeting", args=[team_id, a.meeting_pk])
    elif a.is_finalized:
        links["meeting"] = data
    if facts.retake is not None:
        links["reassessment"] = reverse("assessments:detail", args=[facts.retake.pk])
    elif a.is_finalized:
        links["reassessment"] = detail
    return links


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


MASTERY_BY_UNIT = """
WITH outcomes AS (
    SELECT id, course_id FROM {outcome} WHERE team_id = ANY(%(teams)s) AND is_active
), taking AS (
    SELECT DISTINCT e.student_id, s.course_id
    FROM {enrollment} e
    JOIN {section} s ON s.id = e.section_id
    JOIN {term} t ON t.id = s.term_id
    JOIN {student} st ON st.id = e.student_id
    WHERE t.start_date <= %(end)s AND t.end_date >= %(start)s AND st.is_active
        AND s.course_id IN (SELECT course_id FROM outcomes)
), per_student AS (
    SELECT o.team_id, o.course_id, o.unit,
        bool_or(m.status = %(not_yet)s) AS not_yet,
        bool_or(
            m.status = %(not_yet)s
            AND (m.student_id, m.outcome_id) NOT IN (
                SELECT c.student_id, co.outcome_id
                FROM {case_outcome} co JOIN {case} c ON c.id = co.case_id
                WHERE c.status = ANY(%(responding)s)
                    AND co.outcome_id IN (SELECT id FROM outcomes)
            )
            AND (m.student_id, m.outcome_id) NOT IN (
                SELECT e.student_id, r.outcome_id
                FROM {reteach} r JOIN {enrollment} e ON e.section_id = r.section_id
                WHERE r.outcome_id IN (SELECT id FROM outcomes)
            )
        ) AS not_yet_without,
        bool_or(m.status = %(exceeds)s) AS exceeds,
        bool_or(
            m.status = %(exceeds)s
            AND m.student_id IN (
                SELECT p.student_id
                FROM {placement} p JOIN {group} g ON g.id = p.group_id
                WHERE g.kind = %(extension)s AND p.status <> %(ended)s
            )
        ) AS exceeds_placed
    FROM {mastery} m
    JOIN {outcome} o ON o.id = m.outcome_id
    JOIN taking ON taking.student_id = m.student_id AND taking.course_id = o.course_id
    WHERE o.team_id = ANY(%(teams)s) AND o.is_active
        AND m.status IN (%(not_yet)s, %(exceeds)s)
    GROUP BY m.student_id, o.team_id, o.course_id, o.unit
)
SELECT team_id, course_id, unit,
    count(*) FILTER (WHERE not_yet),
    count(*) FILTER (WHERE not_yet_without),
    count(*) FILTER (WHERE exceeds),
    count(*) FILTER (WHERE exceeds_placed)
FROM per_student
GROUP BY team_id, course_id, unit
"""


def _mastery_by_unit(
    team_ids: list[int], start: datetime.date, end: datetime.date
) -> dict[UnitKey, dict]:
    """Students taking the course in the window, counted by their kept mastery
    on each unit's outcomes (not yet, exceeds), with how many of them have no
    response yet: one aggregate query.

    A student counts once per unit however many of its outcomes they miss.
    Written in SQL because the ORM's COUNT(DISTINCT) over correlated EXISTS
    took three times as long at 4,000 students (docs/performance.md).
    """
    sql = MASTERY_BY_UNIT.format(
        enrollment=_table(Enrollment),
        section=_table(Section),
        term=_table(Term),
        student=_table(Student),
        case_outcome=_table(CaseOutcome),
        case=_table(Case),
        # Core-instruction triage: a class retaught on the outcome is its
        # students' response (docs/domain.md, "Core-instruction triage").
        reteach=_table(ReteachItem),
        placement=_table(Placement),
        group=_table(Group),
        mastery=_table(StudentMastery),
        outcome=_table(EssentialOutcome),
    )
    params = {
        "start": start,
        "end": end,
        "teams": list(team_ids),
        "not_yet": StudentMastery.Status.NOT_YET.value,
        "exceeds": StudentMastery.Status.EXCEEDS.value,
        "responding": [str(status) for status in RESPONDING],
        "extension": GroupKind.EXTENSION.value,
        "ended": Placement.Status.ENDED.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        (team_id, course_id, unit): {
            "not_yet": not_yet,
            "not_yet_without": not_yet_without,
            "exceeds": exceeds,
            "exceeds_placed": placed,
        }
        for team_id, course_id, unit, not_yet, not_yet_without, exceeds, placed in rows
    }


def _team_cycles(
    teams: list[Team], school_id: int, term: Term | None, today: datetime.date
) -> list[TeamCycle]:
    start, end = term_window(school_id, term, today)
    team_ids = [team.pk for team in teams]
    outcomes = (
        EssentialOutcome.objects.filter(team_id__in=team_ids, is_active=True)
        .select_related("course")
        .order_by("team_id", "course__title", "position", "pk")
    )
    units: dict[UnitKey, dict] = {}
    unit_of: dict[int, UnitKey] = {}
    for outcome in outcomes:
        key = (outcome.team_id, outcome.course_id, outcome.unit)
        unit = units.setdefault(
            key,
            {
                "course_title": outcome.course.title,
                "position": outcome.position,
                "count": 0,
                "set_on": timezone.localdate(outcome.created_at),
            },
        )
        unit["count"] += 1
        unit["position"] = min(unit["position"], outcome.position)
        unit["set_on"] = min(unit["set_on"], timezone.localdate(outcome.created_at))
        unit_of[outcome.pk] = key
    assessments = list(
        CommonAssessment.objects.filter(
            team_id__in=team_ids, administered_on__range=(start, end)
        )
        .select_related("data_meeting")
        .annotate(outcome_ids=ArrayAgg("items__outcome_id", distinct=True, default=[]))
    )
    firsts: dict[UnitKey, list[CommonAssessment]] = defaultdict(list)
    retakes: dict[int, list[CommonAssessment]] = defaultdict(list)
    for a in assessments:
        if a.retake_of_id:
            retakes[a.retake_of_id].append(a)
            continue
        for key in {unit_of[o] for o in a.outcome_ids if o in unit_of}:
            firsts[key].append(a)
    mastery = _mastery_by_unit(team_ids, start, end)

    facts_by_team: dict[int, list[UnitFacts]] = defaultdict(list)
    for key, unit in sorted(
        units.items(),
        key=lambda kv: (kv[0][0], kv[1]["course_title"], kv[1]["position"]),
    ):
        team_id, course_id, name = key
        first = _first(firsts.get(key, ()), today)
        retake = _first(retakes.get(first.pk, ()), today) if first else None
        counts = mastery.get(key, {})
        facts_by_team[team_id].append(
            UnitFacts(
                team_id=team_id,
                team_name="",
                course_id=course_id,
                course_title=unit["course_title"],
                unit=name,
                outcome_count=unit["count"],
                outcomes_set_on=unit["set_on"],
                term_start=start,
                assessment=_facts(first) if first else None,
                retake=_facts(retake) if retake else None,
                not_yet=counts.get("not_yet", 0),
                not_yet_without_response=counts.get("not_yet_without", 0),
                exceeds=counts.get("exceeds", 0),
                exceeds_in_extension=counts.get("exceeds_placed", 0),
            )
        )

    result = []
    for team in teams:
        team_facts = _with_later_units(facts_by_team.get(team.pk, []), today)
        if not team_facts:
            team_facts = [
                UnitFacts(
                    team_id=team.pk,
                    team_name=team.name,
                    course_id=None,
                    course_title="",
                    unit="",
                    outcome_count=0,
                    term_start=start,
                )
            ]
        show_course = len({facts.course_id for facts in team_facts}) > 1
        cycles = []
        for facts in team_facts:
            facts = _named(facts, team.name)
            links = _links(facts, team.pk)
            cycles.append(
                UnitCycle(
                    facts=facts,
                    steps=with_links(unit_steps(facts, today), links),
                    links=links,
                    show_course=show_course,
                )
            )
        result.append(TeamCycle(team_id=team.pk, team_name=team.name, units=cycles))
    return result


def _named(facts: UnitFacts, team_name: str) -> UnitFacts:
    return replace(facts, team_name=team_name)


def _with_later_units(facts: list[UnitFacts], today) -> list[UnitFacts]:
    """Mark each unit whose course moved on: a later unit's assessment given."""
    marked = []
    for index, unit in enumerate(facts):
        later = any(
            other.course_id == unit.course_id
            and other.assessment is not None
            and other.assessment.given_by(today)
            for other in facts[index + 1 :]
        )
        marked.append(replace(unit, later_unit_assessed=later))
    return marked


class Loader:
    def for_team(
        self, team: Team, term: Term | None, *, today: datetime.date
    ) -> list[UnitCycle]:
        (cycle,) = _team_cycles([team], team.school_id, term, today)
        return cycle.units

    def for_school(
        self, school_id: int, term: Term | None, *, today: datetime.date
    ) -> list[TeamCycle]:
        teams = list(Team.objects.filter(school_id=school_id, is_active=True))
        return _team_cycles(teams, school_id, term, today)


LOADER = Loader()


def register() -> None:
    register_loader(LOADER)


def cycles_for_school(
    school_id: int, term: Term | None = None, *, today: datetime.date | None = None
) -> list[TeamCycle]:
    """The same as `teams.cycle.cycles_for_school`, for callers in this app."""
    return LOADER.for_school(school_id, term, today=today or timezone.localdate())
