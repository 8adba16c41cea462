"""Every change to a team, its outcomes, goals and meetings: one function each.

Each runs in a transaction, checks the rules that span rows (unique codes, a
member from the same school, a target above the baseline) and writes a
`accounts.Event` saying who did what and why (docs/domain.md, "The record of
change"). A `ValidationError` names the field (or
CSV row) at fault, and nothing is saved.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.changes import schools_changed
from accounts.events import EventType
from accounts.models import User
from accounts.services import changes, event_record, snapshot
from schools.models import Course, School
from teams.models import (
    ActionItem,
    EssentialOutcome,
    Meeting,
    Norm,
    SchoolCommitments,
    SchoolGoal,
    SmartGoal,
    Team,
    TeamMembership,
    clean_mastery,
    percent_label,
    validate_outcome_code,
    validate_standard_code,
)
from teams.selectors import eligible_members, scope_progress

# Teams and members ---------------------------------------------------------


def _check_courses(school: School, courses: Iterable[Course]) -> list[Course]:
    courses = list(courses)
    if any(course.school_id != school.pk for course in courses):
        raise ValidationError({"courses": "Choose courses of this school only."})
    return courses


def _check_name(school: School, name: str, *, exclude: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the team a name."})
    clash = Team.objects.filter(school=school, name__iexact=name)
    if exclude:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError({"name": f"{school} already has a team named “{name}”."})
    return name


@transaction.atomic
def team_create(
    *,
    school: School,
    actor: User,
    name: str,
    kind: str,
    courses: Iterable[Course] = (),
    mastery_method: str | None = None,
    mastery_weight: Decimal | None = None,
    mastery_n: int | None = None,
) -> Team:
    name = _check_name(school, name)
    courses = _check_courses(school, courses)
    team = Team(school=school, name=name, kind=kind)
    if mastery_method:
        team.mastery_method = mastery_method
    if mastery_weight is not None:
        team.mastery_weight = mastery_weight
    if mastery_n is not None:
        team.mastery_n = mastery_n
    team.full_clean()
    team.save()
    team.courses.set(courses)
    event_record(
        team=team, actor=actor, type=EventType.TEAM_CREATED, summary=f"Created {team}"
    )
    return team


@transaction.atomic
def team_update(
    *,
    team: Team,
    actor: User,
    name: str,
    kind: str,
    courses: Iterable[Course],
    mastery_method: str,
    mastery_weight: Decimal,
    mastery_n: int,
) -> Team:
    team = Team.objects.select_for_update().get(pk=team.pk)
    old = _team_values(team)
    team.name = _check_name(team.school, name, exclude=team.pk)
    courses = _check_courses(team.school, courses)
    kept = (
        EssentialOutcome.objects.filter(team=team)
        .exclude(course__in=courses)
        .values_list("course__title", flat=True)
    )
    if dropped := sorted(set(kept)):
        raise ValidationError(
            {
                "courses": "The team has essential outcomes for "
                f"{', '.join(dropped)}; keep the course, or retire them in "
                "another team first."
            }
        )
    team.kind = kind
    team.mastery_method = mastery_method
    team.mastery_weight = mastery_weight
    team.mastery_n = mastery_n
    team.full_clean()
    team.save()
    team.courses.set(courses)
    before, after = changes(old, _team_values(team))
    if after:
        event_record(
            team=team,
            actor=actor,
            type=EventType.TEAM_UPDATED,
            summary=f"Edited {team}: {', '.join(after).replace('_', ' ')}",
            before=before,
            after=after,
        )
    return team


TEAM_FIELDS = ("name", "kind", "mastery_method", "mastery_weight", "mastery_n")


def _team_values(team: Team) -> dict:
    return snapshot(team, TEAM_FIELDS) | {
        "course_ids": sorted(team.courses.values_list("pk", flat=True))
    }


def team_set_active(*, team: Team, actor: User, active: bool, reason: str) -> Team:
    """Archive a team that no longer meets (its history stays), or bring it back."""
    reason = reason.strip()
    if not active and not reason:
        raise ValidationError({"reason": "Say why the team is archived."})
    with transaction.atomic():
        updated = Team.objects.filter(pk=team.pk, is_active=not active).update(
            is_active=active
        )
        if updated != 1:
            raise ValidationError(
                f"The team is already {'active' if active else 'archived'}."
            )
        event_record(
            team=team,
            actor=actor,
            type=EventType.TEAM_RESTORED if active else EventType.TEAM_ARCHIVED,
            summary=f"{'Restored' if active else 'Archived'} {team}.",
            reason=reason,
        )
    team.is_active = active
    return team


@transaction.atomic
def membership_add(
    *, team: Team, actor: User, user: User, role: str = TeamMembership.Role.MEMBER
) -> TeamMembership:
    if not eligible_members(team.school).filter(pk=user.pk).exists():
        raise ValidationError(
            {"user": f"{user} has no role at {team.school}; only its staff can join."}
        )
    if TeamMembership.objects.filter(team=team, user=user).exists():
        raise ValidationError({"user": f"{user} is already on this team."})
    membership = TeamMembership.objects.create(team=team, user=user, role=role)
    event_record(
        team=team,
        actor=actor,
        type=EventType.MEMBER_ADDED,
        summary=f"Added {user} as {membership.get_role_display().lower()}",
        after={"user_id": user.pk, "role": role},
    )
    return membership


@transaction.atomic
def membership_set_role(
    *, membership: TeamMembership, actor: User, role: str
) -> TeamMembership:
    if membership.role == role:
        return membership
    old_role = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    event_record(
        team=membership.team,
        actor=actor,
        type=EventType.MEMBER_ROLE_CHANGED,
        summary=f"Made {membership.user} {membership.get_role_display().lower()}",
        before={"user_id": membership.user_id, "role": old_role},
        after={"user_id": membership.user_id, "role": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: TeamMembership, actor: User) -> None:
    team, user, role = membership.team, membership.user, membership.role
    membership.delete()
    event_record(
        team=team,
        actor=actor,
        type=EventType.MEMBER_REMOVED,
        summary=f"Removed {user}",
        before={"user_id": user.pk, "role": role},
    )


# Norms and commitments -----------------------------------------------------


def parse_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@transaction.atomic
def norms_replace(*, team: Team, actor: User, norms: Sequence[str]) -> list[Norm]:
    """Norms are agreed as a whole list, so they are saved as one."""
    cleaned = [text.strip() for text in norms if text.strip()]
    for index, text in enumerate(cleaned, start=1):
        if len(text) > 300:
            raise ValidationError(
                {"norms": f"Norm {index} is longer than 300 characters."}
            )
    old = list(Norm.objects.filter(team=team).values_list("text", flat=True))
    if old == cleaned:
        return list(Norm.objects.filter(team=team))
    Norm.objects.filter(team=team).delete()
    saved = Norm.objects.bulk_create(
        [
            Norm(team=team, text=text, position=index)
            for index, text in enumerate(cleaned)
        ]
    )
    event_record(
        team=team,
        actor=actor,
        type=EventType.NORMS_UPDATED,
        summary=f"Updated the norms ({len(saved)})",
        before={"norms": old},
        after={"norms": cleaned},
    )
    return saved


@dataclass(frozen=True)
class SchoolGoalInput:
    pk: int | None
    title: str
    description: str = ""
    is_active: bool = True


@transaction.atomic
def commitments_update(
    *,
    school: School,
    actor: User,
    mission: str,
    vision: str,
    values: str,
    goals: Sequence[SchoolGoalInput] = (),
) -> SchoolCommitments:
    commitments, _ = SchoolCommitments.objects.select_for_update().get_or_create(
        school=school
    )
    existing = {goal.pk: goal for goal in SchoolGoal.objects.filter(school=school)}
    old = _commitment_values(commitments, existing.values())
    commitments.mission = mission.strip()
    commitments.vision = vision.strip()
    commitments.values = values.strip()
    commitments.updated_by = actor
    commitments.updated_at = timezone.now()
    commitments.save()
    titles = [goal.title.strip().lower() for goal in goals]
    for index, title in enumerate(titles):
        if title in titles[:index]:
            raise ValidationError(
                {"goals": f"Goal {index + 1} repeats the title of an earlier goal."}
            )
    for position, data in enumerate(goals):
        if data.pk is not None and data.pk not in existing:
            raise ValidationError({"goals": "A goal of another school was sent."})
        goal = existing.get(data.pk) or SchoolGoal(school=school)
        goal.title = data.title.strip()
        goal.description = data.description.strip()
        goal.is_active = data.is_active
        goal.position = position
        goal.save()
        existing[goal.pk] = goal
    before, after = changes(old, _commitment_values(commitments, existing.values()))
    if after:
        event_record(
            type=EventType.COMMITMENTS_UPDATED,
            actor=actor,
            school=school,
            summary=f"Edited the school's {', '.join(after)}",
            before=before,
            after=after,
        )
    return commitments


def _commitment_values(commitments: SchoolCommitments, goals) -> dict:
    return snapshot(commitments, ("mission", "vision", "values")) | {
        "goals": [
            {
                "id": goal.pk,
                "title": goal.title,
                "description": goal.description,
                "is_active": goal.is_active,
            }
            for goal in sorted(goals, key=lambda goal: (goal.position, goal.pk))
        ]
    }


# Essential outcomes --------------------------------------------------------


def parse_standards(text: str) -> list[str]:
    """Standard codes separated by commas, semicolons or line breaks."""
    for separator in (";", "\n"):
        text = text.replace(separator, ",")
    return [code.strip() for code in text.split(",") if code.strip()]


def _check_outcome(
    *,
    team: Team,
    course: Course,
    code: str,
    statement: str,
    standards: Sequence[str],
    exclude: int | None = None,
    taken_codes: set[str] | None = None,
) -> tuple[str, str, list[str]]:
    """Check one outcome; `taken_codes`, when given, saves a query per row."""
    errors: dict[str, list[str]] = {}
    code = code.strip().upper()
    statement = " ".join(statement.split())
    if not code:
        errors.setdefault("code", []).append("Give the outcome a code.")
    else:
        try:
            validate_outcome_code(code)
        except ValidationError as error:
            errors.setdefault("code", []).extend(error.messages)
        if taken_codes is not None:
            taken = code in taken_codes
        else:
            clash = EssentialOutcome.objects.filter(team=team, code=code)
            if exclude:
                clash = clash.exclude(pk=exclude)
            taken = clash.exists()
        if taken:
            errors.setdefault("code", []).append(
                f"The team already has an outcome {code}; codes are unique in a team."
            )
    if not statement:
        errors.setdefault("statement", []).append(
            "Write what the student can do, e.g. “I can …”."
        )
    elif len(statement) > 300:
        errors.setdefault("statement", []).append(
            "Keep the statement under 300 characters."
        )
    if taken_codes is None and not team.courses.filter(pk=course.pk).exists():
        errors.setdefault("course", []).append("Choose one of the team's courses.")
    standards = list(dict.fromkeys(code.strip() for code in standards if code.strip()))
    for standard in standards:
        try:
            validate_standard_code(standard)
        except ValidationError as error:
            errors.setdefault("standards", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return code, statement, standards


def _next_position(team: Team, course: Course) -> int:
    last = EssentialOutcome.objects.filter(team=team, course=course).aggregate(
        last=Max("position")
    )["last"]
    return 0 if last is None else last + 1


@transaction.atomic
def outcome_create(
    *,
    team: Team,
    actor: User,
    course: Course,
    code: str,
    statement: str,
    standards: Sequence[str] = (),
    unit: str = "",
    mastery_method: str = "",
    mastery_weight: Decimal | None = None,
    mastery_n: int | None = None,
) -> EssentialOutcome:
    code, statement, standards = _check_outcome(
        team=team, course=course, code=code, statement=statement, standards=standards
    )
    clean_mastery(mastery_method, mastery_weight, mastery_n)
    outcome = EssentialOutcome(
        team=team,
        course=course,
        code=code,
        statement=statement,
        standards=standards,
        unit=unit.strip(),
        position=_next_position(team, course),
        mastery_method=mastery_method,
        mastery_weight=mastery_weight,
        mastery_n=mastery_n,
    )
    try:
        with transaction.atomic():
            outcome.save()
    except IntegrityError:
        # Two leads saving the same code at once: the constraint decides.
        raise ValidationError(
            {"code": f"The team already has an outcome {code}."}
        ) from None
    event_record(
        team=team,
        actor=actor,
        type=EventType.OUTCOME_CREATED,
        summary=f"Added essential outcome {outcome.code}",
    )
    return outcome


OUTCOME_FIELDS = (
    "course",
    "code",
    "statement",
    "standards",
    "unit",
    "mastery_method",
    "mastery_weight",
    "mastery_n",
)


@transaction.atomic
def outcome_update(
    *,
    outcome: EssentialOutcome,
    actor: User,
    course: Course,
    code: str,
    statement: str,
    standards: Sequence[str],
    unit: str,
    mastery_method: str,
    mastery_weight: Decimal | None,
    mastery_n: int | None,
) -> EssentialOutcome:
    outcome = EssentialOutcome.objects.select_for_update().get(pk=outcome.pk)
    code, statement, standards = _check_outcome(
        team=outcome.team,
        course=course,
        code=code,
        statement=statement,
        standards=standards,
        exclude=outcome.pk,
    )
    clean_mastery(mastery_method, mastery_weight, mastery_n)
    if course.pk != outcome.course_id and outcome.goals.exists():
        raise ValidationError(
            {"course": "A SMART goal measures this outcome; it stays in its course."}
        )
    if course.pk != outcome.course_id:
        outcome.position = _next_position(outcome.team, course)
    changed = [
        label
        for label, old, new in (
            ("code", outcome.code, code),
            ("statement", outcome.statement, statement),
            ("standards", outcome.standards, standards),
            ("unit", outcome.unit, unit.strip()),
            ("course", outcome.course_id, course.pk),
            (
                "mastery method",
                (outcome.mastery_method, outcome.mastery_weight, outcome.mastery_n),
                (mastery_method, mastery_weight, mastery_n),
            ),
        )
        if old != new
    ]
    previous_code = outcome.code
    old = snapshot(outcome, OUTCOME_FIELDS)
    outcome.course = course
    outcome.code = code
    outcome.statement = statement
    outcome.standards = standards
    outcome.unit = unit.strip()
    outcome.mastery_method = mastery_method
    outcome.mastery_weight = mastery_weight
    outcome.mastery_n = mastery_n
    try:
        with transaction.atomic():
            outcome.save()
    except IntegrityError:
        raise ValidationError(
            {"code": f"The team already has an outcome {code}."}
        ) from None
    before, after = changes(old, snapshot(outcome, OUTCOME_FIELDS))
    if changed:
        event_record(
            team=outcome.team,
            actor=actor,
            type=EventType.OUTCOME_UPDATED,
            summary=f"Edited essential outcome {previous_code}: {', '.join(changed)}",
            before=before,
            after=after,
        )
    return outcome


@transaction.atomic
def outcome_retire(
    *, outcome: EssentialOutcome, actor: User, reason: str = ""
) -> EssentialOutcome:
    """Retired outcomes drop out of new work; their results and goals are kept."""
    updated = EssentialOutcome.objects.filter(pk=outcome.pk, is_active=True).update(
        is_active=False, retired_at=timezone.now()
    )
    outcome.refresh_from_db()
    if updated:
        event_record(
            team=outcome.team,
            actor=actor,
            type=EventType.OUTCOME_RETIRED,
            summary=f"Retired essential outcome {outcome.code}",
            reason=reason.strip(),
        )
    return outcome


@transaction.atomic
def outcome_restore(*, outcome: EssentialOutcome, actor: User) -> EssentialOutcome:
    updated = EssentialOutcome.objects.filter(pk=outcome.pk, is_active=False).update(
        is_active=True, retired_at=None
    )
    outcome.refresh_from_db()
    if updated:
        event_record(
            team=outcome.team,
            actor=actor,
            type=EventType.OUTCOME_RESTORED,
            summary=f"Brought back essential outcome {outcome.code}",
        )
    return outcome


@transaction.atomic
def outcome_move(
    *, outcome: EssentialOutcome, actor: User, direction: str
) -> EssentialOutcome:
    """Swap the outcome with its neighbour in the course's order ("up" or "down")."""
    if direction not in {"up", "down"}:
        raise ValidationError({"direction": "Move an outcome up or down."})
    siblings = list(
        EssentialOutcome.objects.select_for_update()
        .filter(team_id=outcome.team_id, course_id=outcome.course_id)
        .order_by("position", "pk")
    )
    index = next(i for i, o in enumerate(siblings) if o.pk == outcome.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return outcome
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    EssentialOutcome.objects.bulk_update(siblings, ["position"])
    # No event (an order is not a decision about anyone), but the dashboards
    # and data pages kept for the school list outcomes in this order.
    schools_changed(
        Team.objects.filter(pk=outcome.team_id).values_list("school_id", flat=True)
    )
    return siblings[other]


@dataclass(frozen=True)
class OutcomeRow:
    """One line of an outcomes file, as read; `line` is its line in the file."""

    line: int
    code: str
    statement: str
    standards: str
    unit: str


class ImportErrors(Exception):
    """Every problem of a file, each naming its row, so all are fixed at once."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@transaction.atomic
def outcomes_import(
    *, team: Team, actor: User, course: Course, rows: Sequence[OutcomeRow]
) -> list[EssentialOutcome]:
    errors: list[str] = []
    if not team.courses.filter(pk=course.pk).exists():
        raise ImportErrors(["Choose one of the team's courses."])
    if not rows:
        raise ImportErrors(["The file has no outcomes below its header row."])
    taken_codes = set(
        EssentialOutcome.objects.filter(team=team).values_list("code", flat=True)
    )
    seen: dict[str, int] = {}
    checked = []
    for row in rows:
        code = row.code.strip().upper()
        row_errors = []
        try:
            _, statement, standards = _check_outcome(
                team=team,
                course=course,
                code=row.code,
                statement=row.statement,
                standards=parse_standards(row.standards),
                taken_codes=taken_codes,
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                row_errors += [f"{field}: {message}" for message in messages]
        else:
            if code in seen:
                row_errors.append(
                    f"code: {code} is also on row {seen[code]}; codes are unique."
                )
            checked.append((code, statement, standards, row.unit.strip()[:100]))
        if code and code not in seen:
            seen[code] = row.line
        errors += [f"Row {row.line}, {message}" for message in row_errors]
    if errors:
        raise ImportErrors(errors)
    start = _next_position(team, course)
    created = EssentialOutcome.objects.bulk_create(
        [
            EssentialOutcome(
                team=team,
                course=course,
                code=code,
                statement=statement,
                standards=standards,
                unit=unit,
                position=start + index,
            )
            for index, (code, statement, standards, unit) in enumerate(checked)
        ]
    )
    event_record(
        team=team,
        actor=actor,
        type=EventType.OUTCOMES_IMPORTED,
        summary=f"Imported {len(created)} essential outcomes for {course}",
    )
    return created


# SMART goals ---------------------------------------------------------------


def _check_goal(
    *,
    team: Team,
    baseline: Decimal | None,
    target: Decimal,
    deadline: datetime.date,
    school_goal: SchoolGoal | None,
    today: datetime.date,
    deadline_changed: bool = True,
) -> None:
    errors: dict[str, str] = {}
    if not Decimal(0) < target <= Decimal(100):
        errors["target"] = "The target is a percentage above 0 and at most 100."
    elif baseline is not None and target <= baseline:
        errors["target"] = (
            f"The target ({percent_label(target)}%) must be above the baseline "
            f"({percent_label(baseline)}%)."
        )
    if deadline_changed and deadline <= today:
        errors["deadline"] = "The deadline must be in the future."
    if school_goal is not None and school_goal.school_id != team.school_id:
        errors["school_goal"] = "Choose a goal of this school."
    if errors:
        raise ValidationError(errors)


def _check_override(override: Decimal | None, reason: str) -> str:
    reason = reason.strip()
    if override is not None and not reason:
        raise ValidationError(
            {"baseline_override_reason": "Say why the computed baseline is replaced."}
        )
    if override is not None and not Decimal(0) <= override <= Decimal(100):
        raise ValidationError(
            {"baseline_override": "The baseline is a percentage from 0 to 100."}
        )
    return reason if override is not None else ""


@transaction.atomic
def goal_create(
    *,
    team: Team,
    actor: User,
    target: Decimal,
    deadline: datetime.date,
    outcome: EssentialOutcome | None = None,
    course: Course | None = None,
    school_goal: SchoolGoal | None = None,
    baseline_override: Decimal | None = None,
    baseline_override_reason: str = "",
    today: datetime.date | None = None,
) -> SmartGoal:
    today = today or timezone.localdate()
    if (outcome is None) == (course is None):
        raise ValidationError(
            {"scope": "Choose one essential outcome, or all outcomes of one course."}
        )
    if outcome is not None and (outcome.team_id != team.pk or not outcome.is_active):
        raise ValidationError({"scope": "Choose an active outcome of this team."})
    if course is not None and not team.courses.filter(pk=course.pk).exists():
        raise ValidationError({"scope": "Choose one of the team's courses."})
    reason = _check_override(baseline_override, baseline_override_reason)
    computed = scope_progress(team=team, outcome=outcome, course=course).percent
    baseline = baseline_override if baseline_override is not None else computed
    _check_goal(
        team=team,
        baseline=baseline,
        target=target,
        deadline=deadline,
        school_goal=school_goal,
        today=today,
    )
    goal = SmartGoal.objects.create(
        team=team,
        outcome=outcome,
        course=course,
        computed_baseline=computed,
        baseline_override=baseline_override,
        baseline_override_reason=reason,
        target=target,
        deadline=deadline,
        school_goal=school_goal,
        created_by=actor,
    )
    event_record(
        team=team,
        actor=actor,
        type=EventType.GOAL_CREATED,
        summary=f"Set a goal: {goal}",
    )
    if baseline_override is not None:
        computed_label = (
            "no evidence" if computed is None else f"{percent_label(computed)}%"
        )
        event_record(
            team=team,
            actor=actor,
            type=EventType.GOAL_BASELINE_OVERRIDDEN,
            summary=f"Set the baseline to {percent_label(baseline_override)}% "
            f"(computed: {computed_label})",
            reason=reason,
        )
    return goal


@transaction.atomic
def goal_update(
    *,
    goal: SmartGoal,
    actor: User,
    target: Decimal,
    deadline: datetime.date,
    school_goal: SchoolGoal | None,
    baseline_override: Decimal | None,
    baseline_override_reason: str,
    today: datetime.date | None = None,
) -> SmartGoal:
    today = today or timezone.localdate()
    goal = SmartGoal.objects.select_for_update().get(pk=goal.pk)
    reason = _check_override(baseline_override, baseline_override_reason)
    baseline = (
        baseline_override if baseline_override is not None else goal.computed_baseline
    )
    _check_goal(
        team=goal.team,
        baseline=baseline,
        target=target,
        deadline=deadline,
        school_goal=school_goal,
        today=today,
        # An unchanged deadline may have passed: the goal is then simply due.
        deadline_changed=deadline != goal.deadline,
    )
    old = snapshot(goal, GOAL_FIELDS)
    override_changed = (goal.baseline_override, goal.baseline_override_reason) != (
        baseline_override,
        reason,
    )
    goal.target = target
    goal.deadline = deadline
    goal.school_goal = school_goal
    goal.baseline_override = baseline_override
    goal.baseline_override_reason = reason
    goal.save()
    before, after = changes(old, snapshot(goal, GOAL_FIELDS))
    event_record(
        team=goal.team,
        actor=actor,
        type=EventType.GOAL_UPDATED,
        summary=f"Edited: {goal}",
        before=before,
        after=after,
    )
    if override_changed:
        event_record(
            team=goal.team,
            actor=actor,
            type=EventType.GOAL_BASELINE_OVERRIDDEN,
            summary=(
                f"Set the baseline to {percent_label(baseline_override)}%"
                if baseline_override is not None
                else "Went back to the computed baseline"
            ),
            reason=reason,
        )
    return goal


GOAL_FIELDS = (
    "target",
    "deadline",
    "school_goal",
    "baseline_override",
    "baseline_override_reason",
)


@transaction.atomic
def goal_close(*, goal: SmartGoal, actor: User, reason: str = "") -> SmartGoal:
    if SmartGoal.objects.filter(pk=goal.pk, is_active=True).update(is_active=False):
        event_record(
            team=goal.team,
            actor=actor,
            type=EventType.GOAL_CLOSED,
            summary=f"Closed the goal: {goal}",
            reason=reason.strip(),
        )
    goal.refresh_from_db()
    return goal


# Meetings and action items -------------------------------------------------


def _check_people(team: Team, people: Iterable[User], field: str) -> list[User]:
    people = list(people)
    members = set(team.memberships.values_list("user_id", flat=True))
    outsiders = [str(person) for person in people if person.pk not in members]
    if outsiders:
        raise ValidationError({field: f"Not on this team: {', '.join(outsiders)}."})
    return people


@transaction.atomic
def meeting_save(
    *,
    team: Team,
    actor: User,
    held_on: datetime.date,
    kind: str = Meeting.Kind.TEAM,
    starts_at: datetime.time | None = None,
    attendees: Iterable[User] = (),
    agenda: str = "",
    notes: str = "",
    decisions: str = "",
    meeting: Meeting | None = None,
) -> Meeting:
    """Schedule a meeting, or record what happened at one."""
    attendees = _check_people(team, attendees, "attendees")
    created = meeting is None
    if meeting is None:
        meeting = Meeting(team=team, created_by=actor)
    elif meeting.team_id != team.pk:
        raise ValidationError("This meeting belongs to another team.")
    meeting.kind = kind
    meeting.held_on = held_on
    meeting.starts_at = starts_at
    meeting.agenda = agenda.strip()
    meeting.notes = notes.strip()
    meeting.decisions = decisions.strip()
    meeting.full_clean(exclude=["team", "created_by"])
    meeting.save()
    meeting.attendees.set(attendees)
    event_record(
        team=team,
        actor=actor,
        type=EventType.MEETING_CREATED if created else EventType.MEETING_UPDATED,
        summary=f"{'Added' if created else 'Edited'} the {meeting}",
    )
    return meeting


@transaction.atomic
def action_item_create(
    *,
    meeting: Meeting,
    actor: User,
    title: str,
    owner: User | None = None,
    due_on: datetime.date | None = None,
) -> ActionItem:
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": "Say what is to be done."})
    if owner is not None:
        _check_people(meeting.team, [owner], "owner")
    item = ActionItem.objects.create(
        meeting=meeting, title=title, owner=owner, due_on=due_on
    )
    event_record(
        team=meeting.team,
        actor=actor,
        type=EventType.ACTION_CREATED,
        summary=f"Action item “{item.title}”"
        + (f" for {owner}" if owner else "")
        + (f", due {due_on:%-d %b}" if due_on else ""),
    )
    return item


@transaction.atomic
def action_item_set_done(*, item: ActionItem, actor: User, done: bool) -> ActionItem:
    # The conditional update makes a double click (or two people) harmless.
    if done:
        changed = ActionItem.objects.filter(pk=item.pk, done_at__isnull=True).update(
            done_at=timezone.now(), done_by=actor
        )
    else:
        changed = ActionItem.objects.filter(pk=item.pk, done_at__isnull=False).update(
            done_at=None, done_by=None
        )
    item.refresh_from_db()
    if changed:
        event_record(
            team=item.meeting.team,
            actor=actor,
            type=EventType.ACTION_DONE if done else EventType.ACTION_REOPENED,
            summary=f"{'Done' if done else 'Reopened'}: {item.title}",
        )
    return item
