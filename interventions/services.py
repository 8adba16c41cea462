"""Every change to the ladder, a case, a group and its attendance: one function
each (docs/domain.md, "The intervention ladder").

Each runs in one transaction, checks the rules that span rows, and writes an
`accounts.Event` linked to the case (or the school) saying who acted, why, and
what changed. A `ValidationError` names the field at fault and nothing is saved.
Races are the database's problem: one open case per student and course and one
open placement per student and group are unique constraints, and a group's seats
are counted under a row lock on the group.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.defaultfilters import pluralize
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Role, User
from accounts.services import event_record
from interventions import selectors
from interventions.ladder import DEFAULT_LADDER, ActionSpec
from interventions.models import (
    ActionKind,
    Attendance,
    Case,
    CaseAction,
    CaseNote,
    CaseOutcome,
    CaseStatus,
    Contract,
    Group,
    Notification,
    ParentContact,
    Placement,
    ProgressCheck,
    Responsible,
    Rung,
    RungAction,
    Session,
    Signature,
)
from interventions.notices import parent_notices_queue
from interventions.notifications import notify, principals_of
from schools.models import Course, Guardian, School, StaffRole, Student
from teams.models import EssentialOutcome, Team


def _actor_fields(actor: User | None, system: str) -> dict:
    return {"actor": actor, "system": "" if actor else (system or "intervention")}


# The ladder ------------------------------------------------------------------


@transaction.atomic
def ladder_install_default(
    *, school: School, actor: User | None = None, system: str = ""
) -> list[Rung]:
    """Give a school the default ladder, unless it already has rungs."""
    if Rung.objects.filter(school=school).exists():
        return list(Rung.objects.filter(school=school, is_active=True))
    rungs = []
    for position, spec in enumerate(DEFAULT_LADDER, start=1):
        rung = Rung.objects.create(
            school=school,
            position=position,
            name=spec.name,
            tier=spec.tier,
            description=spec.description,
            review_days=spec.review_days,
            group_kind=spec.group_kind,
            sends_parent_notice=spec.sends_parent_notice,
            needs_contract=spec.needs_contract,
        )
        _actions_write(rung, spec.actions)
        rungs.append(rung)
    event_record(
        type=EventType.LADDER_CHANGED,
        school=school,
        summary="Set up the default intervention ladder",
        after={"rungs": [r.name for r in rungs]},
        **_actor_fields(actor, system or "ladder_setup"),
    )
    return rungs


def _actions_write(rung: Rung, actions: Sequence[ActionSpec]) -> None:
    RungAction.objects.bulk_create(
        [
            RungAction(
                rung=rung,
                position=index,
                title=spec.title,
                kind=spec.kind,
                responsible=spec.responsible,
                due_within_days=spec.due_within_days,
                repeats_weekly=spec.repeats_weekly,
            )
            for index, spec in enumerate(actions)
        ]
    )


def _rung_values(rung: Rung) -> dict:
    return {
        "name": rung.name,
        "tier": rung.tier,
        "description": rung.description,
        "review_days": rung.review_days,
        "group_kind": rung.group_kind,
        "sends_parent_notice": rung.sends_parent_notice,
        "needs_contract": rung.needs_contract,
        "actions": [
            {
                "title": a.title,
                "kind": a.kind,
                "responsible": a.responsible,
                "due_within_days": a.due_within_days,
                "repeats_weekly": a.repeats_weekly,
            }
            for a in rung.actions.all()
        ],
    }


@transaction.atomic
def rung_save(
    *,
    school: School,
    actor: User,
    rung: Rung | None = None,
    name: str,
    tier: int,
    description: str,
    review_days: int,
    group_kind: str = "",
    sends_parent_notice: bool = False,
    needs_contract: bool = False,
    actions: Sequence[ActionSpec] = (),
) -> Rung:
    """Add a rung at the top of the ladder, or edit one. Open cases keep what
    their rung required when they entered it."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the rung a name."})
    if review_days < 1:
        raise ValidationError({"review_days": "Review after at least one day."})
    if any(not spec.title.strip() for spec in actions):
        raise ValidationError({"actions": "Every required action needs a title."})
    before = {}
    if rung is None:
        top = Rung.objects.filter(school=school, is_active=True).aggregate(
            Max("position")
        )["position__max"]
        rung = Rung(school=school, position=(top or 0) + 1)
    else:
        rung = Rung.objects.select_for_update().get(pk=rung.pk, school=school)
        before = _rung_values(rung)
    rung.name = name
    rung.tier = tier
    rung.description = description.strip()
    rung.review_days = review_days
    rung.group_kind = group_kind
    rung.sends_parent_notice = sends_parent_notice
    rung.needs_contract = needs_contract
    rung.save()
    rung.actions.all().delete()
    _actions_write(rung, actions)
    event_record(
        type=EventType.LADDER_CHANGED,
        actor=actor,
        school=school,
        summary=f"{'Edited' if before else 'Added'} the rung “{rung.name}”",
        before=before or None,
        after=_rung_values(rung),
    )
    return rung


# Who does a rung's actions ---------------------------------------------------


@dataclass(frozen=True)
class Owner:
    user: User | None
    note: str = ""


def action_owner(
    responsible: str, *, case: Case, people: selectors.CasePeople
) -> Owner:
    """The real person an action goes to. Where the responsible person is
    missing it goes to the counselor (or the principal), saying why, so no
    action is silently dropped."""
    fallback = people.counselor or people.principal
    fallback_note = "" if people.counselor else " and no counselor assigned"
    if responsible == Responsible.TEACHER:
        if people.teacher:
            return Owner(people.teacher)
        return Owner(fallback, "no classroom teacher found" + fallback_note)
    if responsible == Responsible.COUNSELOR:
        if people.counselor:
            return Owner(people.counselor)
        return Owner(people.principal, "no counselor assigned")
    if responsible == Responsible.FACULTY_ADVISOR:
        if people.advisor:
            return Owner(people.advisor)
        return Owner(fallback, "no advisor assigned" + fallback_note)
    if responsible == Responsible.PARENT:
        return Owner(fallback, "a parent's action, followed up by the school")
    if responsible == Responsible.INTERVENTIONIST:
        if people.supervisor:
            return Owner(people.supervisor)
        return Owner(fallback, "no group supervisor yet" + fallback_note)
    return Owner(people.principal)


# Cases -------------------------------------------------------------------------


@dataclass
class CaseOpening:
    case: Case
    created: bool
    outcomes_added: list[EssentialOutcome]
    placement: Placement | None = None


def _check_outcomes(
    course: Course, outcomes: Sequence[tuple[EssentialOutcome, dict]]
) -> None:
    if not outcomes:
        raise ValidationError({"outcomes": "Choose at least one essential outcome."})
    for outcome, _ in outcomes:
        if outcome.course_id != course.pk:
            raise ValidationError(
                {"outcomes": f"{outcome.code} is not an outcome of {course.title}."}
            )


@transaction.atomic
def case_open(
    *,
    student: Student,
    course: Course,
    outcomes: Sequence[tuple[EssentialOutcome, dict]],
    actor: User | None = None,
    system: str = "",
    team: Team | None = None,
    on: datetime.date | None = None,
    reason: str = "",
) -> CaseOpening:
    """Open a case at the ladder's first rung for the outcomes the student has
    not learned, or add them to the open case for that course.

    Each outcome comes with the mastery that flagged it, frozen on the case.
    Two openings at once for the same student and course cannot make two cases:
    the second finds the first (a unique constraint decides) and adds to it.
    """
    on = on or timezone.localdate()
    if student.school_id != course.school_id:
        raise ValidationError(
            {"course": "The course is not taught at the student's school."}
        )
    _check_outcomes(course, outcomes)
    first_rung = selectors.first_rung(course.school_id)
    if first_rung is None:
        raise ValidationError(
            "The school has no intervention ladder yet; the principal sets it up."
        )
    case = Case.objects.open().filter(student=student, course=course).first()
    created = False
    if case is None:
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    student=student,
                    course=course,
                    team=team or selectors.team_of(course),
                    school_id=course.school_id,
                    counselor_id=student.counselor_id,
                    opened_on=on,
                    rung_entered_on=on,
                )
                created = True
        except IntegrityError:
            case = Case.objects.open().get(student=student, course=course)
    case = Case.objects.select_for_update().get(pk=case.pk)
    known = set(case.outcomes.values_list("outcome_id", flat=True))
    added = [(o, snap) for o, snap in outcomes if o.pk not in known]
    CaseOutcome.objects.bulk_create(
        [
            CaseOutcome(case=case, outcome=o, snapshot=snap, added_on=on)
            for o, snap in added
        ]
    )
    who = _actor_fields(actor, system)
    placement = None
    if created:
        event_record(
            type=EventType.CASE_OPENED,
            case=case,
            student=student,
            summary=f"Opened a case in {course.title} for "
            + ", ".join(o.code for o, _ in added),
            reason=reason,
            after={"outcomes": [_snapshot_line(o, s) for o, s in added]},
            **who,
        )
        placement = _enter_rung(case, first_rung, on=on, who=who)
    elif added:
        event_record(
            type=EventType.CASE_OUTCOME_ADDED,
            case=case,
            student=student,
            summary="Added " + ", ".join(o.code for o, _ in added) + " to the case",
            reason=reason,
            after={"outcomes": [_snapshot_line(o, s) for o, s in added]},
            **who,
        )
    return CaseOpening(case, created, [o for o, _ in added], placement)


def _snapshot_line(outcome: EssentialOutcome, snapshot: dict) -> dict:
    return {"outcome_id": outcome.pk, "code": outcome.code, **snapshot}


def school_day(day: datetime.date) -> datetime.date:
    """Nothing falls due on a weekend: it is due the Monday after."""
    saturday_or_sunday = day.weekday() >= 5
    return day + datetime.timedelta(days=7 - day.weekday() if saturday_or_sunday else 0)


def rung_snapshot(rung: Rung) -> dict:
    """What a case keeps of the rung it enters."""
    return {
        "rung_id": rung.pk,
        "name": rung.name,
        "tier": rung.tier,
        "position": rung.position,
        "description": rung.description,
        "review_days": rung.review_days,
        "group_kind": rung.group_kind,
        "sends_parent_notice": rung.sends_parent_notice,
        "needs_contract": rung.needs_contract,
    }


def _enter_rung(
    case: Case, rung: Rung, *, on: datetime.date, who: dict
) -> Placement | None:
    """Put the case on a rung: copy what the rung requires, give each action
    to a real person, place the student in the rung's kind of group, and set
    the review date."""
    case.rung = rung
    case.rung_snapshot = rung_snapshot(rung)
    # The people of the rung being entered, on the day it is entered: the
    # supervisor is that of the group this rung seats the student in.
    people = selectors.case_people(case, on=on)
    case.rung_entered_on = on
    case.next_review_on = school_day(on + datetime.timedelta(days=rung.review_days))
    case.status = CaseStatus.ACTIVE
    case.save()
    # Actions still open from the rung left behind stay on the record, undone;
    # the new rung's actions are the ones due now.
    actions = []
    owned: dict[User, list[str]] = {}
    weeks = max(1, math.ceil(rung.review_days / 7))
    for spec in rung.actions.all():
        owner = action_owner(spec.responsible, case=case, people=people)
        owned.setdefault(owner.user, []).append(spec.title)
        repeats = range(1, weeks + 1) if spec.repeats_weekly else [None]
        for week in repeats:
            due = school_day(
                on
                + datetime.timedelta(days=spec.due_within_days + 7 * ((week or 1) - 1))
            )
            actions.append(
                CaseAction(
                    case=case,
                    rung=rung,
                    title=f"{spec.title} (week {week})" if week else spec.title,
                    kind=spec.kind,
                    responsible=spec.responsible,
                    owner=owner.user,
                    owner_note=owner.note,
                    due_on=due,
                )
            )
    CaseAction.objects.bulk_create(actions)
    event_record(
        type=EventType.CASE_RUNG_ENTERED,
        case=case,
        student=case.student,
        summary=f"Entered “{rung.name}” (tier {rung.tier}); review on "
        f"{case.next_review_on:%-d %b %Y}",
        after={
            "rung": rung.name,
            "tier": rung.tier,
            "next_review_on": case.next_review_on,
            "actions": len(actions),
            "unassigned": sorted({a.owner_note for a in actions if a.owner_note}),
        },
        **who,
    )
    if rung.sends_parent_notice:
        parent_notices_queue(case=case, rung=rung, **who)
    _notify_new_actions(case, rung, owned, actor=who.get("actor"))
    return _place_for_rung(case, rung, on=on, who=who)


def _notify_new_actions(
    case: Case, rung: Rung, owned: dict, *, actor: User | None
) -> None:
    """Each person the rung gives work to hears of it once, in the day's
    digest; whoever moved the case knows already."""
    for owner, titles in owned.items():
        if owner is None or owner == actor:
            continue
        notify(
            users=[owner],
            kind=Notification.Kind.NEW_ACTIONS,
            case=case,
            url=case.get_absolute_url() + "#actions",
            text=f"New action{pluralize(len(titles))} for {case.student.full_name} "
            f"in {case.course.title} ({rung.name}): " + "; ".join(titles),
        )


def _place_for_rung(
    case: Case, rung: Rung, *, on: datetime.date, who: dict
) -> Placement | None:
    # Leave the previous rung's group (a seat freed goes to the head of its
    # line), unless another open case of the student still needs that seat.
    for placement in case.placements.exclude(status=Placement.Status.ENDED):
        if placement.group.kind == rung.group_kind:
            continue
        other = (
            Case.objects.open()
            .filter(student_id=case.student_id, rung__group_kind=placement.group.kind)
            .exclude(pk=case.pk)
            .first()
        )
        if other is not None:
            Placement.objects.filter(pk=placement.pk).update(case=other)
        else:
            _placement_end(placement, on=on, who=who, reason="Moved to another rung")
    if not rung.group_kind:
        return None
    # One seat serves every case of the student that needs this kind of group.
    existing = (
        Placement.objects.filter(
            student_id=case.student_id,
            group__school_id=case.school_id,
            group__kind=rung.group_kind,
        )
        .exclude(status=Placement.Status.ENDED)
        .first()
    )
    if existing is None:
        group = selectors.group_for_rung(case.school_id, rung.group_kind)
        if group is None:
            return None
        existing = _placement_request(group, case.student, case=case, on=on, who=who)
    if existing.status == Placement.Status.WAITLISTED:
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.WAITLISTED)
        case.status = CaseStatus.WAITLISTED
    return existing


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": "Say why: the decision is kept on the record."}
        )
    return reason


def _locked_open_case(case: Case) -> Case:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("rung", "student")
        .get(pk=case.pk)
    )
    if not case.is_open:
        raise ValidationError(
            f"The case is {case.get_status_display().lower()} already."
        )
    return case


@transaction.atomic
def case_move(
    *,
    case: Case,
    actor: User | None,
    direction: str,
    reason: str,
    on: datetime.date | None = None,
    system: str = "",
    rule: dict | None = None,
) -> Case:
    """Move a case one rung up or down the ladder, always with a reason. Up
    from the top rung is a referral, never a rung that does not exist."""
    reason = _reason(reason)
    on = on or timezone.localdate()
    case = _locked_open_case(case)
    rungs = selectors.active_rungs(case.school_id)
    position = case.rung.position if case.rung else 0
    if direction == "up":
        target = next((r for r in rungs if r.position > position), None)
        if target is None:
            raise ValidationError(
                {
                    "direction": "The case is on the top rung; refer the student to "
                    "the student support team instead."
                }
            )
        event_type = EventType.CASE_MOVED_UP
    elif direction == "down":
        lower = [r for r in rungs if r.position < position]
        if not lower:
            raise ValidationError(
                {"direction": "The case is on the first rung; exit it instead."}
            )
        target = lower[-1]
        event_type = EventType.CASE_MOVED_DOWN
    else:
        raise ValidationError({"direction": "Choose up or down."})
    who = _actor_fields(actor, system)
    before = {"rung": case.rung_name, "tier": case.tier, "status": case.status}
    event_record(
        type=event_type,
        case=case,
        student=case.student,
        summary=f"Moved {direction} from “{case.rung_name}” to “{target.name}”",
        reason=reason,
        before=before,
        after={"rung": target.name, "tier": target.tier, "status": CaseStatus.ACTIVE},
        data={"rule": rule} if rule else None,
        **who,
    )
    _enter_rung(case, target, on=on, who=who)
    return case


def _case_end(
    case: Case,
    *,
    status: str,
    event_type: EventType,
    summary: str,
    reason: str,
    who: dict,
    on: datetime.date,
    rule: dict | None = None,
) -> Case:
    before = {"rung": case.rung_name, "status": case.status}
    case.status = status
    case.closed_on = on
    case.next_review_on = None
    case.save(update_fields=["status", "closed_on", "next_review_on"])
    for placement in case.placements.exclude(status=Placement.Status.ENDED):
        _placement_end(placement, on=on, who=who, reason=summary)
    event_record(
        type=event_type,
        case=case,
        student=case.student,
        summary=summary,
        reason=reason,
        before=before,
        after={"status": status},
        data={"rule": rule} if rule else None,
        **who,
    )
    return case


@transaction.atomic
def case_exit(
    *,
    case: Case,
    actor: User | None,
    reason: str,
    on: datetime.date | None = None,
    system: str = "",
    rule: dict | None = None,
) -> Case:
    """The student has learned what the case was opened for."""
    case = _locked_open_case(case)
    return _case_end(
        case,
        status=CaseStatus.EXITED,
        event_type=EventType.CASE_EXITED,
        summary=f"Exited from “{case.rung_name}”",
        reason=_reason(reason),
        who=_actor_fields(actor, system),
        on=on or timezone.localdate(),
        rule=rule,
    )


@transaction.atomic
def case_refer(
    *,
    case: Case,
    actor: User | None,
    reason: str,
    on: datetime.date | None = None,
    system: str = "",
    rule: dict | None = None,
) -> Case:
    """Beyond the ladder: the student support team takes the case."""
    case = _locked_open_case(case)
    return _case_end(
        case,
        status=CaseStatus.REFERRED,
        event_type=EventType.CASE_REFERRED,
        summary=f"Referred to the student support team from “{case.rung_name}”",
        reason=_reason(reason),
        who=_actor_fields(actor, system),
        on=on or timezone.localdate(),
        rule=rule,
    )


@transaction.atomic
def case_hold(
    *,
    case: Case,
    actor: User | None,
    reason: str,
    review_on: datetime.date,
    on: datetime.date | None = None,
    system: str = "",
    rule: dict | None = None,
) -> Case:
    """The rung was not delivered: the student stays where they are, the case
    is marked "plan not delivered" and reviewed again (a plan that was not
    done has not failed)."""
    on = on or timezone.localdate()
    case = _locked_open_case(case)
    if review_on <= on:
        raise ValidationError({"review_on": "Set the next review after today."})
    before = {"status": case.status, "next_review_on": case.next_review_on}
    case.status = CaseStatus.PLAN_NOT_DELIVERED
    case.next_review_on = review_on
    case.save(update_fields=["status", "next_review_on"])
    event_record(
        type=EventType.CASE_PLAN_NOT_DELIVERED,
        case=case,
        student=case.student,
        summary=f"Plan not delivered on “{case.rung_name}”: held, reviewed again "
        f"on {review_on:%-d %b %Y}",
        reason=_reason(reason),
        before=before,
        after={"status": case.status, "next_review_on": review_on},
        data={"rule": rule} if rule else None,
        **_actor_fields(actor, system),
    )
    return case


@transaction.atomic
def case_close(
    *, case: Case, actor: User, reason: str, on: datetime.date | None = None
) -> Case:
    """End a case for another reason: the student left the course or school."""
    case = _locked_open_case(case)
    return _case_end(
        case,
        status=CaseStatus.CLOSED,
        event_type=EventType.CASE_CLOSED,
        summary="Closed the case",
        reason=_reason(reason),
        who=_actor_fields(actor, ""),
        on=on or timezone.localdate(),
    )


# People's work on a case --------------------------------------------------------


def may_act_for(user: User, case: Case) -> bool:
    """Counselors and principals of the case's school may act on any of its
    actions and decisions."""
    return StaffRole.objects.filter(
        user=user,
        school_id=case.school_id,
        role__in=[Role.COUNSELOR, Role.PRINCIPAL],
        is_active=True,
    ).exists()


@transaction.atomic
def case_action_set_done(
    *, action: CaseAction, actor: User, done: bool = True, note: str = ""
) -> CaseAction:
    """Only the action's owner, a counselor or the principal marks it."""
    action = (
        CaseAction.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=action.pk)
    )
    if action.owner_id != actor.pk and not may_act_for(actor, action.case):
        raise ValidationError(
            "This action is assigned to someone else; only they, a counselor or "
            "the principal can mark it."
        )
    if action.is_done == done:
        return action
    action.done_at = timezone.now() if done else None
    action.done_by = actor if done else None
    if note.strip():
        action.note = note.strip()
    action.save(update_fields=["done_at", "done_by", "note"])
    event_record(
        type=EventType.CASE_ACTION_DONE if done else EventType.CASE_ACTION_REOPENED,
        actor=actor,
        case=action.case,
        summary=f"{'Done' if done else 'Reopened'}: {action.title}",
        reason=note.strip(),
        data={"action_id": action.pk},
    )
    return action


def _complete_first(case: Case, kind: str, actor: User, on: datetime.date) -> None:
    """The record that proves an action (a check, a contact, a signature) marks
    the earliest open action of that kind done."""
    action = (
        case.actions.filter(kind=kind, done_at__isnull=True, rung_id=case.rung_id)
        .order_by("due_on", "pk")
        .first()
    )
    if action is not None:
        CaseAction.objects.filter(pk=action.pk, done_at__isnull=True).update(
            done_at=timezone.now(), done_by=actor
        )


def _check_worker(case: Case, actor: User) -> None:
    if not may_act_for(actor, case):
        raise ValidationError("Only a counselor or the principal can record this.")


@transaction.atomic
def progress_check_add(
    *,
    case: Case,
    actor: User,
    progress: str,
    note: str = "",
    score=None,
    checked_on: datetime.date | None = None,
) -> ProgressCheck:
    today = timezone.localdate()
    checked_on = checked_on or today
    if checked_on > today:
        raise ValidationError(
            {"checked_on": "A progress check cannot be dated in the future."}
        )
    if progress not in ProgressCheck.Progress.values:
        raise ValidationError(
            {"progress": "Choose on track, some concern or no progress."}
        )
    if score is not None and not 0 <= score <= 100:
        raise ValidationError({"score": "A score is a percentage from 0 to 100."})
    case = _locked_open_case(case)
    _check_worker(case, actor)
    check = ProgressCheck.objects.create(
        case=case,
        checked_on=checked_on,
        progress=progress,
        note=note.strip(),
        score=score,
        by=actor,
    )
    _complete_first(case, ActionKind.PROGRESS_CHECK, actor, checked_on)
    event_record(
        type=EventType.PROGRESS_CHECKED,
        actor=actor,
        case=case,
        summary=f"Progress check: {check.get_progress_display().lower()}"
        + (f", {score}%" if score is not None else ""),
        after={"progress": progress, "score": score, "checked_on": checked_on},
    )
    return check


@transaction.atomic
def parent_contact_add(
    *,
    case: Case,
    actor: User,
    contacted_on: datetime.date,
    method: str,
    guardian: Guardian | None,
    summary: str,
    parents_informed: bool,
    not_informed_reason: str = "",
) -> ParentContact:
    if contacted_on > timezone.localdate():
        raise ValidationError(
            {"contacted_on": "A contact cannot be dated in the future."}
        )
    if not summary.strip():
        raise ValidationError({"summary": "Say what was discussed."})
    if not parents_informed and not not_informed_reason.strip():
        raise ValidationError(
            {"not_informed_reason": "Say why the parents were not informed."}
        )
    case = _locked_open_case(case)
    _check_worker(case, actor)
    if (
        guardian is not None
        and not case.student.guardians.filter(pk=guardian.pk).exists()
    ):
        raise ValidationError({"guardian": "Choose one of this student's guardians."})
    contact = ParentContact.objects.create(
        case=case,
        contacted_on=contacted_on,
        method=method,
        guardian=guardian,
        summary=summary.strip(),
        parents_informed=parents_informed,
        not_informed_reason="" if parents_informed else not_informed_reason.strip(),
        by=actor,
    )
    if parents_informed:
        _complete_first(case, ActionKind.PARENT_CONTACT, actor, contacted_on)
    event_record(
        type=EventType.PARENT_CONTACTED,
        actor=actor,
        case=case,
        summary=f"{contact.get_method_display()} with "
        f"{guardian or 'the family'}"
        + ("" if parents_informed else " (parents not informed)"),
        after={
            "contacted_on": contacted_on,
            "method": method,
            "parents_informed": parents_informed,
        },
    )
    return contact


@transaction.atomic
def case_note_add(
    *, case: Case, actor: User, text: str, confidential: bool
) -> CaseNote:
    if not text.strip():
        raise ValidationError({"text": "Write the note."})
    case = Case.objects.get(pk=case.pk)
    if confidential and not may_act_for(actor, case):
        raise ValidationError(
            {"confidential": "Only counselors and principals write confidential notes."}
        )
    note = CaseNote.objects.create(
        case=case, text=text.strip(), confidential=confidential, by=actor
    )
    # The event says a note exists; a confidential note's words stay in the note.
    event_record(
        type=EventType.CASE_NOTE_ADDED,
        actor=actor,
        case=case,
        summary="Added a confidential note" if confidential else "Added a note",
        data={"note_id": note.pk, "confidential": confidential},
    )
    return note


@transaction.atomic
def contract_create(
    *,
    case: Case,
    actor: User,
    meeting_on: datetime.date,
    student_commitment: str,
    parent_commitment: str,
    school_commitment: str,
) -> Contract:
    case = _locked_open_case(case)
    _check_worker(case, actor)
    if not case.rung_snapshot.get("needs_contract"):
        raise ValidationError("The case's rung does not call for a contract.")
    for field, text in (
        ("student_commitment", student_commitment),
        ("parent_commitment", parent_commitment),
        ("school_commitment", school_commitment),
    ):
        if not text.strip():
            raise ValidationError({field: "Say what each side will do."})
    contract = Contract.objects.create(
        case=case,
        rung=case.rung,
        meeting_on=meeting_on,
        student_commitment=student_commitment.strip(),
        parent_commitment=parent_commitment.strip(),
        school_commitment=school_commitment.strip(),
    )
    event_record(
        type=EventType.CONTRACT_CREATED,
        actor=actor,
        case=case,
        summary=f"Drew up the contract for the meeting of {meeting_on:%-d %b %Y}",
        after={"meeting_on": meeting_on},
    )
    return contract


@transaction.atomic
def contract_sign(
    *,
    contract: Contract,
    actor: User,
    party: str,
    name: str,
    signed_on: datetime.date,
    guardian: Guardian | None = None,
    user: User | None = None,
) -> Signature:
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=contract.pk)
    )
    _check_worker(contract.case, actor)
    if signed_on < contract.meeting_on:
        raise ValidationError(
            {
                "signed_on": "A contract is signed at or after its meeting "
                f"({contract.meeting_on:%-d %b %Y}), not before."
            }
        )
    if signed_on > timezone.localdate():
        raise ValidationError(
            {"signed_on": "A signature cannot be dated in the future."}
        )
    if party not in Signature.Party.values:
        raise ValidationError({"party": "Choose who is signing."})
    if not name.strip():
        raise ValidationError({"name": "Give the signer's name."})
    if party == Signature.Party.GUARDIAN:
        if (
            guardian is None
            or not contract.case.student.guardians.filter(pk=guardian.pk).exists()
        ):
            raise ValidationError(
                {"guardian": "Choose one of this student's guardians."}
            )
        if contract.signatures.filter(guardian=guardian).exists():
            raise ValidationError({"guardian": f"{guardian} has signed already."})
    elif contract.signatures.filter(party=party).exists():
        raise ValidationError({"party": "That party has signed already."})
    signature = Signature.objects.create(
        contract=contract,
        party=party,
        name=name.strip(),
        guardian=guardian if party == Signature.Party.GUARDIAN else None,
        user=user,
        signed_on=signed_on,
        recorded_by=actor,
    )
    parties = set(contract.signatures.values_list("party", flat=True))
    if set(Signature.REQUIRED) <= parties:
        _complete_first(contract.case, ActionKind.CONTRACT, actor, signed_on)
    event_record(
        type=EventType.CONTRACT_SIGNED,
        actor=actor,
        case=contract.case,
        summary=f"{signature.get_party_display()} {signature.name} signed the contract",
        after={"party": party, "signed_on": signed_on},
    )
    return signature


# Groups ---------------------------------------------------------------------------


def _placement_request(
    group: Group,
    student: Student,
    *,
    case: Case | None,
    on: datetime.date,
    who: dict,
) -> Placement:
    # The lock on the group serialises everyone counting its seats.
    group = Group.objects.select_for_update().get(pk=group.pk)
    taken = group.placements.filter(status=Placement.Status.PLACED).count()
    full = group.capacity is not None and taken >= group.capacity
    try:
        with transaction.atomic():
            placement = Placement.objects.create(
                group=group,
                student=student,
                case=case,
                status=Placement.Status.WAITLISTED if full else Placement.Status.PLACED,
                placed_on=None if full else on,
            )
    except IntegrityError:
        raise ValidationError(
            {
                "student": f"{student.full_name} is already in {group} "
                "or on its waitlist."
            }
        ) from None
    if full:
        ahead = group.placements.filter(
            status=Placement.Status.WAITLISTED, pk__lt=placement.pk
        ).count()
        event_record(
            type=EventType.WAITLISTED,
            case=case,
            student=student,
            school_id=group.school_id,
            summary=f"{group} is full ({group.capacity} seats): waitlisted, "
            f"number {ahead + 1} in line",
            data={"group_id": group.pk, "position": ahead + 1},
            **who,
        )
        notify(
            users=[
                p
                for p in principals_of(group.school_id)
                if p != getattr(who.get("actor"), "pk", None)
            ],
            kind=Notification.Kind.WAITLISTED,
            case=case,
            url=group.get_absolute_url(),
            text=f"{student.full_name} is waiting for a seat in {group} "
            f"(number {ahead + 1} in line)",
        )
    else:
        event_record(
            type=EventType.PLACED,
            case=case,
            student=student,
            school_id=group.school_id,
            summary=f"Placed in {group}",
            data={"group_id": group.pk},
            **who,
        )
    return placement


@transaction.atomic
def placement_request(
    *,
    group: Group,
    student: Student,
    actor: User,
    case: Case | None = None,
    on: datetime.date | None = None,
) -> Placement:
    """Place a student in a group, or put them on its waitlist when it is full."""
    if student.school_id != group.school_id:
        raise ValidationError({"student": "The student is not at the group's school."})
    return _placement_request(
        group, student, case=case, on=on or timezone.localdate(), who={"actor": actor}
    )


def _placement_end(
    placement: Placement, *, on: datetime.date, who: dict, reason: str
) -> None:
    was_placed = placement.status == Placement.Status.PLACED
    ended = (
        Placement.objects.filter(pk=placement.pk)
        .exclude(status=Placement.Status.ENDED)
        .update(status=Placement.Status.ENDED, ended_on=on)
    )
    if not ended:
        return
    event_record(
        type=EventType.PLACEMENT_ENDED,
        case=placement.case,
        student=placement.student,
        school_id=placement.group.school_id,
        summary=f"Left {placement.group}",
        reason=reason,
        data={"group_id": placement.group_id},
        **who,
    )
    if was_placed:
        _seat_next(placement.group, on=on, who=who)


def _seat_next(group: Group, *, on: datetime.date, who: dict) -> None:
    """A freed seat goes to the head of the waitlist."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    taken = group.placements.filter(status=Placement.Status.PLACED).count()
    if group.capacity is not None and taken >= group.capacity:
        return
    head = (
        group.placements.filter(status=Placement.Status.WAITLISTED)
        .select_related("student", "case")
        .order_by("requested_at", "pk")
        .first()
    )
    if head is None:
        return
    Placement.objects.filter(pk=head.pk).update(
        status=Placement.Status.PLACED, placed_on=on
    )
    if head.case_id:
        Case.objects.filter(pk=head.case_id, status=CaseStatus.WAITLISTED).update(
            status=CaseStatus.ACTIVE
        )
    event_record(
        type=EventType.PLACED,
        case=head.case,
        student=head.student,
        school_id=group.school_id,
        summary=f"A seat opened in {group}: placed from the head of the waitlist",
        data={"group_id": group.pk},
        **who,
    )


@transaction.atomic
def placement_end(
    *,
    placement: Placement,
    actor: User,
    reason: str = "",
    on: datetime.date | None = None,
) -> None:
    _placement_end(
        placement, on=on or timezone.localdate(), who={"actor": actor}, reason=reason
    )


@transaction.atomic
def attendance_take(
    *,
    group: Group,
    actor: User,
    on: datetime.date,
    marks: Mapping[int, tuple[str, bool | None]],
) -> Session:
    """Record one session: each placed student's mark and homework. A student
    not in the group, a mark that is not one of ours, or a date to come is
    refused whole."""
    today = timezone.localdate()
    if on > today:
        raise ValidationError({"on": "Attendance cannot be taken for a day to come."})
    members = selectors.group_members_on(group, on)
    strangers = set(marks) - set(members)
    if strangers:
        raise ValidationError(
            {"marks": f"{len(strangers)} of the students sent are not in {group}."}
        )
    for mark, _ in marks.values():
        if mark not in Attendance.Mark.values:
            raise ValidationError(
                {"marks": f"“{mark}” is not present, absent or excused."}
            )
    session, _ = Session.objects.get_or_create(group=group, on=on)
    session.taken_by = actor
    session.taken_at = timezone.now()
    session.save(update_fields=["taken_by", "taken_at"])
    before = {a.student_id: a.mark for a in Attendance.objects.filter(session=session)}
    Attendance.objects.bulk_create(
        [
            Attendance(
                session=session,
                student_id=student_id,
                mark=mark,
                homework_done=homework,
            )
            for student_id, (mark, homework) in marks.items()
        ],
        update_conflicts=True,
        unique_fields=["session", "student"],
        update_fields=["mark", "homework_done"],
    )
    counts = {
        m: sum(1 for mk, _ in marks.values() if mk == m) for m in Attendance.Mark.values
    }
    event_record(
        type=EventType.ATTENDANCE_TAKEN,
        actor=actor,
        school_id=group.school_id,
        summary=f"Took attendance in {group} on {on:%-d %b %Y}: "
        + ", ".join(f"{n} {m}" for m, n in counts.items() if n),
        before={"marks": before} if before else None,
        after={"marks": {sid: mk for sid, (mk, _) in marks.items()}},
        data={"group_id": group.pk, "session_id": session.pk},
    )
    return session


# The roster's people for the ladder ------------------------------------------------


@transaction.atomic
def advisor_assign(*, student: Student, advisor: User | None, actor: User) -> Student:
    if (
        advisor is not None
        and not StaffRole.objects.filter(
            user=advisor, school_id=student.school_id, is_active=True
        ).exists()
    ):
        raise ValidationError(
            {"advisor": f"{advisor} has no role at the student's school."}
        )
    old = student.faculty_advisor_id
    Student.objects.filter(pk=student.pk).update(faculty_advisor=advisor)
    student.faculty_advisor = advisor
    if old != (advisor.pk if advisor else None):
        event_record(
            type=EventType.ADVISOR_ASSIGNED,
            actor=actor,
            student=student,
            summary=f"Faculty advisor: {advisor or 'none'}",
            before={"advisor_id": old},
            after={"advisor_id": advisor.pk if advisor else None},
        )
    return student


@transaction.atomic
def mentor_assign(*, student: Student, mentor: Student | None, actor: User) -> Student:
    if mentor is not None:
        if mentor.pk == student.pk:
            raise ValidationError({"mentor": "A student cannot mentor themselves."})
        if mentor.school_id != student.school_id:
            raise ValidationError({"mentor": "The mentor must be at the same school."})
        if mentor.grade_level is None or student.grade_level is None:
            raise ValidationError(
                {
                    "mentor": "A mentor is an older student, in a higher grade; "
                    "the roster gives "
                    + ("the mentor" if mentor.grade_level is None else "the student")
                    + " no grade level."
                }
            )
        if mentor.grade_level <= student.grade_level:
            raise ValidationError(
                {"mentor": "A mentor is an older student, in a higher grade."}
            )
    old = student.mentor_id
    Student.objects.filter(pk=student.pk).update(mentor=mentor)
    student.mentor = mentor
    if old != (mentor.pk if mentor else None):
        event_record(
            type=EventType.MENTOR_ASSIGNED,
            actor=actor,
            student=student,
            summary=f"Student mentor: {mentor.full_name if mentor else 'none'}",
            before={"mentor_id": old},
            after={"mentor_id": mentor.pk if mentor else None},
        )
    return student
