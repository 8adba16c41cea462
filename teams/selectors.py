"""Reads for teams: lists, the workspace, SMART goal progress, action items.

Every function here runs a fixed number of queries whatever the size of the team
or school, so pages stay fast for a 4,000-student high school.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Event, User
from schools.access import roles_of
from schools.models import Course, Enrollment, School, Section, StaffRole
from teams.access import TeamAccess, teams_for
from teams.models import (
    ActionItem,
    EssentialOutcome,
    Meeting,
    SmartGoal,
    Team,
    TeamMembership,
)

# Proficiency --------------------------------------------------------------

NOT_YET, PROFICIENT, EXCEEDS = "not_yet", "proficient", "exceeds"
PROFICIENT_LEVELS = frozenset({PROFICIENT, EXCEEDS})

# (student id, outcome id) -> "not_yet" | "proficient" | "exceeds". A pair that
# is missing has no evidence yet.
Proficiency = Mapping[tuple[int, int], str]
ProficiencySource = Callable[..., Proficiency]
_proficiency_sources: list[ProficiencySource] = []


def register_proficiency_source(source: ProficiencySource) -> None:
    """Let the app that holds results feed goal progress, without teams importing it.

    A source is called as `source(student_ids=..., outcome_ids=...)` and returns the
    mastery level of each pair it has evidence for, in a fixed number of queries.
    """
    if source not in _proficiency_sources:
        _proficiency_sources.append(source)


def proficiency_for(
    *, student_ids: Collection[int], outcome_ids: Collection[int]
) -> dict[tuple[int, int], str]:
    levels: dict[tuple[int, int], str] = {}
    if not student_ids or not outcome_ids:
        return levels
    for source in _proficiency_sources:
        levels.update(source(student_ids=student_ids, outcome_ids=outcome_ids))
    return levels


@dataclass(frozen=True)
class ProficiencyCount:
    students: int  # the team's students in scope
    measured: int  # of them, those with at least one result in scope
    proficient: int

    @property
    def percent(self) -> Decimal | None:
        if not self.measured:
            return None
        share = Decimal(self.proficient * 100) / Decimal(self.measured)
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def has_evidence(self) -> bool:
        return self.measured > 0


def count_proficient(
    *,
    students: Collection[int],
    outcome_ids: Collection[int],
    proficiency: Proficiency,
) -> ProficiencyCount:
    """How many students are proficient on every outcome in scope they were
    assessed on. Students with no result in scope are not counted either way:
    the goal is measured on evidence, not on silence."""
    measured = proficient = 0
    for student in students:
        levels = [
            proficiency[(student, outcome)]
            for outcome in outcome_ids
            if (student, outcome) in proficiency
        ]
        if not levels:
            continue
        measured += 1
        if all(level in PROFICIENT_LEVELS for level in levels):
            proficient += 1
    return ProficiencyCount(
        students=len(students), measured=measured, proficient=proficient
    )


@dataclass(frozen=True)
class Scope:
    team_id: int
    course_id: int
    outcome_id: int | None  # None: all active essential outcomes of the course


def scope_counts(
    scopes: list[Scope], *, on: datetime.date | None = None
) -> list[ProficiencyCount]:
    """Counts for many goal scopes at once: two queries plus the sources'.

    The students are those enrolled on `on` (today unless given) in a section
    of the course in the term running that day."""
    if not scopes:
        return []
    course_ids = {scope.course_id for scope in scopes}
    students_of: dict[int, set[int]] = defaultdict(set)
    rows = (
        Enrollment.objects.active(on)
        .filter(
            section__in=Section.objects.current(on).filter(course_id__in=course_ids),
            student__is_active=True,
        )
        .values_list("section__course_id", "student_id")
        .distinct()
    )
    for course_id, student_id in rows:
        students_of[course_id].add(student_id)
    outcomes_of: dict[tuple[int, int], list[int]] = defaultdict(list)
    outcome_rows = EssentialOutcome.objects.filter(
        team_id__in={scope.team_id for scope in scopes},
        course_id__in=course_ids,
        is_active=True,
    ).values_list("team_id", "course_id", "pk")
    for team_id, course_id, pk in outcome_rows:
        outcomes_of[(team_id, course_id)].append(pk)

    def outcomes(scope: Scope) -> list[int]:
        if scope.outcome_id is not None:
            return [scope.outcome_id]
        return outcomes_of[(scope.team_id, scope.course_id)]

    all_students = set().union(*students_of.values()) if students_of else set()
    all_outcomes = {pk for scope in scopes for pk in outcomes(scope)}
    levels = proficiency_for(student_ids=all_students, outcome_ids=all_outcomes)
    by_outcome = _by_outcome(levels)
    return [
        _count_from_rows(
            students=students_of[scope.course_id],
            outcome_ids=outcomes(scope),
            by_outcome=by_outcome,
        )
        for scope in scopes
    ]


def _by_outcome(proficiency: Proficiency) -> dict[int, dict[int, str]]:
    """The levels regrouped as outcome -> student -> level."""
    grouped: dict[int, dict[int, str]] = defaultdict(dict)
    for (student, outcome), level in proficiency.items():
        grouped[outcome][student] = level
    return grouped


def _count_from_rows(
    *,
    students: Collection[int],
    outcome_ids: Collection[int],
    by_outcome: Mapping[int, Mapping[int, str]],
) -> ProficiencyCount:
    """`count_proficient`, walking the outcomes' evidence rather than every
    student times every outcome: a school's goals read tens of thousands of
    levels, most scopes only a few outcomes' worth."""
    measured: set[int] = set()
    short: set[int] = set()  # with a level in scope that is not proficient
    for outcome in set(outcome_ids):
        for student, level in by_outcome.get(outcome, {}).items():
            if student in students:
                measured.add(student)
                if level not in PROFICIENT_LEVELS:
                    short.add(student)
    return ProficiencyCount(
        students=len(students),
        measured=len(measured),
        proficient=len(measured - short),
    )


def scope_progress(
    *,
    team: Team,
    outcome: EssentialOutcome | None = None,
    course: Course | None = None,
) -> ProficiencyCount:
    course_id = course.pk if course is not None else outcome.course_id
    scope = Scope(
        team_id=team.pk,
        course_id=course_id,
        outcome_id=outcome.pk if outcome is not None else None,
    )
    return scope_counts([scope])[0]


def expected_on(
    *,
    baseline: Decimal | None,
    target: Decimal,
    start: datetime.date,
    deadline: datetime.date,
    today: datetime.date,
) -> Decimal | None:
    """Where the straight line from the baseline on the goal's first day to the
    target on its deadline stands today, to one decimal (docs/domain.md,
    "SMART goals: on track"). None without a baseline: there is no line."""
    if baseline is None:
        return None
    span = (deadline - start).days
    if span <= 0:
        return target
    elapsed = min(max((today - start).days, 0), span)
    value = baseline + (target - baseline) * Decimal(elapsed) / span
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def goal_status(
    *,
    current: Decimal | None,
    baseline: Decimal | None,
    target: Decimal,
    start: datetime.date,
    deadline: datetime.date,
    today: datetime.date,
) -> str:
    """Whether a goal is on track for its deadline (docs/domain.md, "SMART
    goals: on track"), from plain values: one of GoalProgress's statuses."""
    if current is None:
        return GoalProgress.NO_EVIDENCE
    if current >= target:
        return GoalProgress.MET
    if today > deadline:
        return GoalProgress.MISSED
    expected = expected_on(
        baseline=baseline, target=target, start=start, deadline=deadline, today=today
    )
    if expected is None:
        # Without a baseline there is no line to be on or off track against.
        return GoalProgress.BELOW_TARGET
    return GoalProgress.ON_TRACK if current >= expected else GoalProgress.BEHIND


@dataclass(frozen=True)
class GoalProgress:
    goal: SmartGoal
    count: ProficiencyCount
    today: datetime.date

    NO_EVIDENCE = "no_evidence"
    MET = "met"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    BELOW_TARGET = "below_target"
    MISSED = "missed"
    LABELS = {
        NO_EVIDENCE: "No evidence yet",
        MET: "Target met",
        ON_TRACK: "On track",
        BEHIND: "Behind",
        BELOW_TARGET: "Below target",
        MISSED: "Deadline passed",
    }

    @property
    def percent(self) -> Decimal | None:
        return self.count.percent

    @property
    def start(self) -> datetime.date:
        return timezone.localdate(self.goal.created_at)

    @property
    def expected(self) -> Decimal | None:
        """Where a straight line from the baseline to the target stands today."""
        return expected_on(
            baseline=self.goal.baseline,
            target=self.goal.target,
            start=self.start,
            deadline=self.goal.deadline,
            today=self.today,
        )

    @property
    def status(self) -> str:
        return goal_status(
            current=self.percent,
            baseline=self.goal.baseline,
            target=self.goal.target,
            start=self.start,
            deadline=self.goal.deadline,
            today=self.today,
        )

    @property
    def status_label(self) -> str:
        return self.LABELS[self.status]

    @property
    def bar_percent(self) -> int:
        return int(self.percent or 0)


def goals_progress(
    goals: Iterable[SmartGoal], *, today: datetime.date | None = None
) -> list[GoalProgress]:
    """Progress of many goals in a fixed number of queries, as it stands on
    `today` (the day's students, the status against the day's point on the line).

    The goals need `outcome` loaded (select_related) when they are outcome goals.
    """
    today = today or timezone.localdate()
    goals = list(goals)
    counts = scope_counts(
        [
            Scope(
                team_id=goal.team_id,
                course_id=goal.scope_course_id,
                outcome_id=goal.outcome_id,
            )
            for goal in goals
        ],
        on=today,
    )
    return [
        GoalProgress(goal=goal, count=count, today=today)
        for goal, count in zip(goals, counts, strict=True)
    ]


def goal_progress(
    goal: SmartGoal, *, today: datetime.date | None = None
) -> GoalProgress:
    return goals_progress([goal], today=today)[0]


def goals_with_scope(queryset: QuerySet[SmartGoal]) -> QuerySet[SmartGoal]:
    return queryset.select_related(
        "team", "outcome__course", "course", "school_goal"
    ).order_by("deadline", "pk")


# Lists and the workspace ----------------------------------------------------


def team_list(*, teams: QuerySet[Team]) -> list[Team]:
    return list(
        teams.annotate(
            member_count=Count("memberships", distinct=True),
            outcome_count=Count(
                "outcomes", filter=Q(outcomes__is_active=True), distinct=True
            ),
        )
        .prefetch_related(
            Prefetch("courses", queryset=Course.objects.order_by("title")),
            Prefetch(
                "memberships",
                queryset=TeamMembership.objects.filter(
                    role=TeamMembership.Role.LEAD
                ).select_related("user"),
                to_attr="leads",
            ),
        )
        .order_by("school__name", "name")
    )


@dataclass
class CourseOutcomes:
    course: Course
    outcomes: list[EssentialOutcome] = field(default_factory=list)


def outcomes_by_course(
    *, team: Team, courses: list[Course], include_retired: bool = False
) -> list[CourseOutcomes]:
    outcomes = (
        EssentialOutcome.objects.filter(team=team)
        .select_related("course")
        .order_by("position", "pk")
    )
    if not include_retired:
        outcomes = outcomes.filter(is_active=True)
    groups = {course.pk: CourseOutcomes(course=course) for course in courses}
    for outcome in outcomes:
        outcome.team = team  # the effective mastery method reads the team's
        group = groups.get(outcome.course_id)
        if group is None:  # a course the team no longer owns
            group = groups[outcome.course_id] = CourseOutcomes(course=outcome.course)
        group.outcomes.append(outcome)
    return list(groups.values())


def team_courses(team: Team) -> list[Course]:
    return list(team.courses.order_by("title"))


def team_student_count(team: Team) -> int:
    return (
        Enrollment.objects.active()
        .filter(
            section__in=Section.objects.current().filter(course__teams=team),
            student__is_active=True,
        )
        .values("student_id")
        .distinct()
        .count()
    )


def open_items(queryset: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    return (
        queryset.filter(done_at__isnull=True)
        .select_related("owner", "meeting__team")
        .order_by(F("due_on").asc(nulls_last=True), "pk")
    )


@dataclass
class Workspace:
    access: TeamAccess
    members: list[TeamMembership]
    courses: list[Course]
    norms: list
    outcome_groups: list[CourseOutcomes]
    goals: list[GoalProgress]
    next_meeting: Meeting | None
    last_meeting: Meeting | None
    open_action_items: list[ActionItem]
    student_count: int
    today: datetime.date

    @property
    def team(self) -> Team:
        return self.access.team

    @property
    def outcome_count(self) -> int:
        return sum(len(group.outcomes) for group in self.outcome_groups)


def workspace(*, access: TeamAccess, today: datetime.date | None = None) -> Workspace:
    today = today or timezone.localdate()
    team = access.team
    courses = team_courses(team)
    meetings = Meeting.objects.filter(team=team)
    return Workspace(
        access=access,
        members=list(
            team.memberships.select_related("user").order_by(
                "role", "user__last_name", "user__first_name"
            )
        ),
        courses=courses,
        norms=list(team.norms.order_by("position", "pk")),
        outcome_groups=outcomes_by_course(team=team, courses=courses),
        goals=goals_progress(
            goals_with_scope(team.goals.filter(is_active=True)), today=today
        ),
        next_meeting=meetings.filter(held_on__gte=today)
        .order_by("held_on", "starts_at")
        .first(),
        last_meeting=meetings.filter(held_on__lt=today)
        .order_by("-held_on", "-starts_at")
        .first(),
        open_action_items=list(
            open_items(ActionItem.objects.filter(meeting__team=team))
        ),
        student_count=team_student_count(team),
        today=today,
    )


def meeting_history(*, team: Team) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(team=team)
        .annotate(
            item_count=Count("action_items", distinct=True),
            open_item_count=Count(
                "action_items",
                filter=Q(action_items__done_at__isnull=True),
                distinct=True,
            ),
            attendee_count=Count("attendees", distinct=True),
        )
        .order_by("-held_on", "-starts_at", "-pk")
    )


def meeting_detail(*, team: Team, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.filter(team=team).prefetch_related(
            "attendees",
            Prefetch(
                "action_items",
                queryset=ActionItem.objects.select_related("owner", "done_by").order_by(
                    F("done_at").asc(nulls_first=True),
                    F("due_on").asc(nulls_last=True),
                    "pk",
                ),
            ),
        ),
        pk=pk,
    )


HISTORY_PER_PAGE = 100


def team_history(*, team: Team, number=1) -> Page:
    """The team's record of change, newest first, a page at a time: one indexed
    query plus a count. Result changes are left to each cell's own history, so
    the team's decisions are not buried under thousands of keystrokes."""
    events = (
        Event.objects.filter(team=team)
        .exclude(type=EventType.SCORE_CHANGED)
        .select_related("actor")
    )
    return Paginator(events, HISTORY_PER_PAGE).get_page(number)


def eligible_members(school: School) -> QuerySet[User]:
    """Staff who may join a team of this school: anyone with a role there."""
    return User.objects.filter(
        is_active=True,
        pk__in=StaffRole.objects.filter(school=school, is_active=True).values(
            "user_id"
        ),
    ).order_by("last_name", "first_name", "email")


def school_goals_overview(*, school: School, today: datetime.date | None = None):
    """Every active SMART goal of the school, with progress, by team."""
    goals = goals_with_scope(
        SmartGoal.objects.filter(
            team__school=school, team__is_active=True, is_active=True
        )
    ).order_by(
        F("school_goal__position").asc(nulls_last=True),
        "school_goal_id",
        "team__name",
        "deadline",
        "pk",
    )
    return goals_progress(goals, today=today)


def action_items_for(user, *, today: datetime.date | None = None) -> list[ActionItem]:
    """Open action items assigned to the person, in the teams they may open: an
    item left behind in a team they have left is the team's to reassign, and a
    tick-box they could not use would only mislead."""
    if not roles_of(user):
        return []
    today = today or timezone.localdate()
    items = list(
        open_items(
            ActionItem.objects.filter(
                owner=user, meeting__team__in=teams_for(user).filter(is_active=True)
            )
        )
    )
    for item in items:
        item.overdue = item.is_overdue(today)
    return items
