"""A term of the ladder going forward, for the demo (docs/demo.md).

The replayed past (`demo.py`) decides its own cases. Going forward nothing is
decided here: week by week the demo schools only do what people do — actions
done, parents contacted, attendance taken, progress checked, contracts signed,
common assessments given and finalized — with plausible odds, and then the
daily review for that week's day runs, through `manage.py intervention_sweep
--as-of`, the code the periodic task runs. Whether a student exits, is held or
moves up is the review's decision on that evidence, so the pyramid that comes
out is the ladder's, not the script's.

The clock is moved to each simulated day, so every record is dated the day it
happened and the review's watermark (mastery changed since the last run) works
as in a school. The records reach months ahead of today: run it on a scratch
copy of the demo, never on a school's data.
"""

from __future__ import annotations

import datetime
import io
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.management import call_command
from django.db.models import Max
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Event
from assessments import services as assessment_services
from assessments.models import CommonAssessment
from interventions import services
from interventions.demo import InterventionsDemo
from interventions.models import ActionKind, Case, CaseAction, Contract, Group
from interventions.sweep import COUNT_KEYS
from schools.models import Enrollment, School, Section, Student
from teams.models import TeamMembership

Status = CommonAssessment.Status

# Each team gives its next unit's common assessment every this many weeks, the
# teams' weeks staggered so results arrive every week.
UNIT_EVERY_WEEKS = 6
# On a new unit a student earns a share of each item's points around their
# ability (mean and spread over students), give or take the item's spread:
# about one student in twenty-five falls below the mastery cut on an outcome.
UNIT_ABILITY = (0.94, 0.04)
UNIT_ITEM_SPREAD = 0.05
ITEMS_PER_OUTCOME = 3
ITEM_POINTS = Decimal(4)
# The chance a student on a rung learns the outcome during it, by tier, before
# the student's responsiveness (0 to 1) scales it by 0.6 + responsiveness.
LEARN_ODDS = {1: 0.66, 2: 0.6, 3: 0.45}
# Re-assessments: three weeks into a rung and just before its review; a few
# students miss one.
MID_RUNG_DAYS = 21
MISSES_REASSESSMENT = 0.04


@dataclass
class Week:
    as_of: datetime.date
    assessments: int = 0
    results: int = 0
    counts: Counter = field(default_factory=Counter)
    failed: list[str] = field(default_factory=list)


@dataclass
class Pyramid:
    """What the daily review did to the cases over the simulated term."""

    opened: int = 0
    exited: dict[int, int] = field(default_factory=dict)  # tier → exits there
    reached: dict[int, int] = field(default_factory=dict)  # tier → cases moved there
    referred: int = 0
    held_cases: int = 0
    open_by_tier: dict[int, int] = field(default_factory=dict)
    waitlisted: int = 0


def school_days(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += datetime.timedelta(days=1)


def at(day: datetime.date, hour: int, minute: int = 0):
    """The clock stopped at this moment of the day, in the school's time zone."""
    import time_machine  # a tool of the demo and the tests, not of serving pages

    return time_machine.travel(
        timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(hour, minute))
        ),
        tick=False,
    )


class TermSimulation:
    """Weeks of a term for the given schools, from `start` (today)."""

    def __init__(
        self,
        schools: list[School],
        *,
        seed: int,
        start: datetime.date | None = None,
        report=None,
    ):
        self.schools = schools
        self.start = start or timezone.localdate()
        self.players = [
            SchoolTerm(school, seed=seed, today=self.start) for school in schools
        ]
        self.report = report or (lambda line: None)
        self.marker = Event.objects.aggregate(Max("pk"))["pk__max"] or 0
        self.weeks: list[Week] = []

    def run(self, weeks: int) -> Pyramid:
        for number in range(1, weeks + 1):
            week = self.play_week(number)
            self.weeks.append(week)
            self.report(describe_week(number, week))
        return self.pyramid()

    def play_week(self, number: int) -> Week:
        as_of = self.start + datetime.timedelta(days=7 * number)
        first = max(
            as_of - datetime.timedelta(days=7), self.start + datetime.timedelta(1)
        )
        results_day = as_of - datetime.timedelta(days=3)
        while results_day.weekday() >= 5:
            results_day -= datetime.timedelta(days=1)
        week = Week(as_of=as_of)
        for day in school_days(first, as_of - datetime.timedelta(days=1)):
            with at(day, 15, 30):
                for player in self.players:
                    player.work(day)
                    if day == results_day:
                        given, results = player.give_assessments(day, as_of, number)
                        week.assessments += given
                        week.results += results
        with at(as_of, 6):
            out = io.StringIO()
            try:
                call_command(
                    "intervention_sweep",
                    as_of=as_of.isoformat(),
                    school=[school.pk for school in self.schools],
                    json=True,
                    stdout=out,
                )
            except Exception as error:  # the review's report says which school
                week.failed.append(str(error))
        for line in out.getvalue().splitlines():
            if line.startswith("{"):
                for row in json.loads(line)["schools"]:
                    week.counts.update({key: row[key] for key in COUNT_KEYS})
                    if row.get("error"):
                        week.failed.append(f"{row['name']}: {row['error']}")
        return week

    def pyramid(self) -> Pyramid:
        events = Event.objects.filter(pk__gt=self.marker, school__in=self.schools)
        pyramid = Pyramid(
            opened=events.filter(type=EventType.CASE_OPENED).count(),
            referred=events.filter(type=EventType.CASE_REFERRED).count(),
            held_cases=events.filter(type=EventType.CASE_PLAN_NOT_DELIVERED)
            .values("case")
            .distinct()
            .count(),
        )
        exited = Case.objects.filter(
            pk__in=events.filter(type=EventType.CASE_EXITED).values("case")
        ).values_list("rung__tier", flat=True)
        pyramid.exited = dict(sorted(Counter(exited).items()))
        reached = Counter(
            tier
            for _case, tier in events.filter(type=EventType.CASE_MOVED_UP)
            .values_list("case", "data__after__tier")
            .distinct()
        )
        pyramid.reached = dict(sorted(reached.items()))
        still_open = Case.objects.open().filter(school__in=self.schools)
        pyramid.open_by_tier = dict(
            sorted(Counter(still_open.values_list("rung__tier", flat=True)).items())
        )
        pyramid.waitlisted = still_open.filter(status="waitlisted").count()
        return pyramid


def describe_week(number: int, week: Week) -> str:
    counts = ", ".join(
        f"{week.counts.get(key, 0)} {key.replace('_', ' ')}" for key in COUNT_KEYS
    )
    line = (
        f"Week {number:>2}, review of {week.as_of:%a %-d %b %Y}: "
        f"{week.assessments} assessments finalized ({week.results:,} results); "
        f"{counts}"
    )
    if week.failed:
        line += "\n    FAILED: " + "; ".join(week.failed)
    return line


def describe_pyramid(pyramid: Pyramid, weeks: int) -> list[str]:
    exited, reached = pyramid.exited, pyramid.reached
    return [
        f"The pyramid after {weeks} weeks of daily reviews:",
        f"  cases opened at rung 1:  {pyramid.opened}",
        f"  exited at rung 1:        {exited.get(1, 0)}",
        f"  reached rung 2:          {reached.get(2, 0)}",
        f"  exited at rung 2:        {exited.get(2, 0)}",
        f"  reached rung 3:          {reached.get(3, 0)}",
        f"  exited at rung 3:        {exited.get(3, 0)}",
        f"  referred:                {pyramid.referred}",
        f"  held (plan not delivered) at least once: {pyramid.held_cases} cases",
        "  open now by tier:        "
        + ", ".join(f"tier {t}: {n}" for t, n in pyramid.open_by_tier.items())
        + f" ({pyramid.waitlisted} waiting for a seat)",
    ]


class SchoolTerm(InterventionsDemo):
    """One school's people doing their part, day by day. The decisions are the
    daily review's."""

    # Going forward most people do their part; "plan not delivered" is the
    # exception it is in a school that uses the ladder well.
    ACTION_ODDS = (0.88, 0.98)
    CHECK_ODDS = 0.96
    PRESENT_BASE, PRESENT_SPREAD = 0.8, 0.19

    def __init__(self, school: School, *, seed: int, today: datetime.date):
        super().__init__(school, seed=seed, today=today)
        self.seed = seed
        self.rng = random.Random(f"term-{seed}-{school.sourced_id or school.name}")
        self.groups = {}
        for group in Group.objects.filter(school=school).order_by("pk"):
            self.groups.setdefault(group.kind, group)
        self.responsive = {}
        self.fates = {}
        self.learned: dict[tuple[int, int], bool] = {}
        self.units_given: set[int] = set()

    def responsiveness(self, case_id: int, default: float) -> float:
        """Drawn once per case, from the student and course rather than the
        case's id, so a run does not depend on what the database held before."""
        if case_id not in self.responsive:
            student, course, opened = Case.objects.filter(pk=case_id).values_list(
                "student__local_id", "course__code", "opened_on"
            )[0]
            rng = random.Random(f"{self.seed}-{student}-{course}-{opened}")
            self.responsive[case_id] = rng.random()
        return self.responsive[case_id]

    # People's work ---------------------------------------------------------------

    def work(self, day: datetime.date) -> None:
        self.today = day
        open_cases = self.work_day(day)
        self.unowned_actions(day, open_cases)
        self.contracts(day, open_cases)

    def unowned_actions(self, day, open_cases) -> None:
        """An action nobody could be given (a student without a faculty advisor)
        is done by the counselor within a week or so of falling due."""
        for action in CaseAction.objects.filter(
            case__in=open_cases,
            owner__isnull=True,
            done_at__isnull=True,
            kind=ActionKind.TASK,
            due_on__lte=day - datetime.timedelta(days=7),
        ).select_related("case__counselor"):
            services.case_action_set_done(
                action=action, actor=action.case.counselor or self.principal
            )

    def contracts(self, day, open_cases) -> None:
        """Where a rung asks for a contract the counselor draws it up and it is
        signed at the parents' meeting a few days later."""
        needing = [c for c in open_cases if c.rung_snapshot.get("needs_contract")]
        if not needing:
            return
        existing = {
            (contract.case_id, contract.rung_id): contract
            for contract in Contract.objects.filter(case__in=needing).prefetch_related(
                "signatures"
            )
        }
        for case in needing:
            counselor = case.counselor or self.principal
            contract = existing.get((case.pk, case.rung_id))
            if contract is None:
                self.sign_contract(day, case, counselor)
            elif contract.meeting_on <= day and not contract.signatures.all():
                self.sign_at_meeting(contract, counselor)

    # Results -----------------------------------------------------------------------

    def give_assessments(
        self, day: datetime.date, as_of: datetime.date, week: int
    ) -> tuple[int, int]:
        """The week's common assessments, entered and finalized: re-assessments
        of students on the ladder, and each team's next unit on its week.
        Returns (assessments, results)."""
        given = results = 0
        for assessment, count in [
            *self.reassessments(day, as_of),
            *self.units(day, week),
        ]:
            if assessment is not None:
                given += 1
                results += count
        return given, results

    def lead(self, team):
        membership = (
            TeamMembership.objects.filter(team=team, role=TeamMembership.Role.LEAD)
            .select_related("user")
            .first()
        )
        return membership.user if membership else self.principal

    def reassessments(self, day, as_of):
        """Students whose rung is three weeks in, or whose review comes at the
        next daily review, take a re-assessment of their flagged outcomes."""
        cases = (
            Case.objects.open()
            .filter(school=self.school, rung__isnull=False)
            .select_related("team", "course", "rung", "student")
            .prefetch_related("outcomes__outcome")
            .order_by("pk")
        )
        by_course = defaultdict(list)
        for case in cases:
            mid = case.rung_entered_on + datetime.timedelta(days=MID_RUNG_DAYS)
            due = case.next_review_on is not None and case.next_review_on <= as_of
            if not (due or day - datetime.timedelta(days=7) < mid <= day):
                continue
            if self.rng.random() < MISSES_REASSESSMENT:
                continue
            by_course[(case.team_id, case.course_id)].append(case)
        for cases_of in by_course.values():
            yield self.reassess(day, cases_of)

    def reassess(self, day, cases):
        team, course = cases[0].team, cases[0].course
        outcomes = {}
        for case in cases:
            for line in case.outcomes.all():
                outcomes[line.outcome_id] = line.outcome
        assessment = assessment_services.assessment_create(
            team=team,
            course=course,
            title=f"{course.title} re-assessment of {day:%-d %b}",
            administered_on=day,
            actor=self.lead(team),
        )
        original = (
            CommonAssessment.objects.filter(
                course=course,
                status=Status.FINALIZED,
                retake_of__isnull=True,
                administered_on__lt=day,
            )
            .order_by("-administered_on", "-pk")
            .first()
        )
        if original is not None:
            CommonAssessment.objects.filter(pk=assessment.pk).update(retake_of=original)
            assessment.refresh_from_db()
        assessment.students.set({case.student_id for case in cases})
        items = self.items(assessment, list(outcomes.values()))
        rows = []
        for case in cases:
            tier = case.rung.tier or 1
            key = (case.pk, case.rung_id)
            if key not in self.learned:
                odds = LEARN_ODDS.get(tier, LEARN_ODDS[3]) * (
                    0.6 + self.responsiveness(case.pk, 0.5)
                )
                self.learned[key] = self.rng.random() < odds
            mine = {line.outcome_id for line in case.outcomes.all()}
            share = (0.93, 0.05) if self.learned[key] else (0.62, 0.12)
            values = {}
            for item in items:
                if item.outcome_id not in mine:
                    values[item.number] = "x"  # exempt: not this student's outcome
                else:
                    values[item.number] = self.points(item, *share)
            rows.append(assessment_services.RowEntry(case.student, values))
        return self.enter_and_finalize(assessment, rows)

    def units(self, day, week):
        """Each team's next unit, on its week: every student of the course."""
        pairs = sorted(
            (team.pk, course.pk, team, course)
            for team in self.school.teams.filter(is_active=True)
            for course in team.courses.all()
        )
        for index, (_, _, team, course) in enumerate(pairs):
            if (week - 1) % UNIT_EVERY_WEEKS != index % UNIT_EVERY_WEEKS:
                continue
            yield self.unit(day, team, course)

    def unit(self, day, team, course):
        students = list(
            Student.objects.filter(
                pk__in=Enrollment.objects.active(on=day)
                .filter(section__in=Section.objects.current(day).filter(course=course))
                .values("student_id")
            ).order_by("pk")
        )
        # The next unit's outcomes, after those of the team's last unit. (A
        # unit the demo left open for entry stays as it is: its teachers are
        # still entering.)
        actor = self.lead(team)
        outcomes = list(
            team.outcomes.filter(course=course, is_active=True).order_by("position")
        )
        if not outcomes:
            return None, 0
        units = CommonAssessment.objects.filter(
            team=team, course=course, retake_of__isnull=True
        )
        last = units.order_by("-administered_on", "-pk").first()
        done = last_position(last) if last else 0
        upcoming = [o for o in outcomes if o.position > done] or outcomes
        assessment = assessment_services.assessment_create(
            team=team,
            course=course,
            title=f"Unit {units.count() + 1} common assessment",
            administered_on=day,
            actor=actor,
        )
        items = self.items(assessment, upcoming[:2])
        assessment_services.assessment_open(assessment=assessment, actor=actor)
        rows = []
        for student in students:
            if self.rng.random() < 0.02:
                values = {item.number: "a" for item in items}
            else:
                ability = self.ability(student.local_id)
                values = {
                    item.number: self.points(item, ability, UNIT_ITEM_SPREAD)
                    for item in items
                }
            rows.append(assessment_services.RowEntry(student, values))
        return self.enter_and_finalize(assessment, rows, opened=True)

    def items(self, assessment, outcomes):
        specs, number = [], 1
        for outcome in outcomes:
            for _ in range(ITEMS_PER_OUTCOME):
                specs.append(assessment_services.ItemSpec(number, ITEM_POINTS, outcome))
                number += 1
        return assessment_services.items_replace(
            assessment=assessment, items=specs, actor=self.lead(assessment.team)
        )

    def ability(self, local_id: str) -> float:
        """The share of points a student tends to earn on a new unit."""
        rng = random.Random(f"{self.seed}-ability-{local_id}")
        return min(0.99, max(0.35, rng.gauss(*UNIT_ABILITY)))

    def points(self, item, mean: float, spread: float) -> str:
        share = min(1.0, max(0.0, self.rng.gauss(mean, spread)))
        return str(round(share * float(item.max_points)))

    def enter_and_finalize(self, assessment, rows, *, opened=False):
        actor = self.lead(assessment.team)
        if not opened:
            assessment_services.assessment_open(assessment=assessment, actor=actor)
        if rows:
            assessment_services.scores_import(
                assessment=assessment, rows=rows, actor=actor
            )
        assessment.refresh_from_db()
        assessment_services.assessment_finalize(assessment=assessment, actor=actor)
        return assessment, sum(len(row.values) for row in rows)


def last_position(assessment) -> int:
    """The furthest outcome, in teaching order, that an assessment covers."""
    return max(assessment.items.values_list("outcome__position", flat=True), default=0)


def simulate_term(
    *,
    weeks: int,
    seed: int,
    school_ids: list[int] | None = None,
    start: datetime.date | None = None,
    report=None,
) -> tuple[list[Week], Pyramid]:
    """Play `weeks` weeks from `start` (today) in the schools with a ladder (or
    the given ones); the weeks' reports and the pyramid at the end."""
    schools = School.objects.filter(rungs__isnull=False).distinct().order_by("pk")
    if school_ids:
        schools = schools.filter(pk__in=school_ids)
    simulation = TermSimulation(list(schools), seed=seed, start=start, report=report)
    pyramid = simulation.run(weeks)
    return simulation.weeks, pyramid
