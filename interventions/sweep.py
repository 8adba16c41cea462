"""The daily review (docs/domain.md, "Reviewing a case").

For one school and one day: flag the students whose kept mastery changed since
the last successful run, then decide every open case whose review date has
come, with the rules of `escalation.py`, recording on each decision which rule
decided and on what numbers. The run itself is recorded (`SweepRun`), so a
principal sees when it last ran and what it did, and a failed or missed run
shows.

Safe to run twice, or twice at once: each case is locked while it is decided and
its review date is read again under the lock; a decided case has moved on (a
later review date, or closed), so a second run finds nothing to do.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.changes import schools_changed
from interventions import escalation, selectors, services
from interventions.flagging import flag_students
from interventions.models import (
    OPEN_STATUSES,
    Case,
    CaseAction,
    CaseStatus,
    Notification,
    Placement,
    SweepRun,
)
from interventions.notifications import notify, principals_of
from schools.models import School

logger = logging.getLogger(__name__)

SYSTEM = "daily_review"
# A plan not delivered is looked at again this many days later.
HOLD_DAYS = 14
WATERMARK_MARGIN = datetime.timedelta(hours=1)

COUNT_KEYS = (
    "opened",
    "outcomes_added",
    "exited",
    "escalated",
    "held",
    "referred",
    "waitlisted",
    "notices_queued",
)


class CasesFailed(Exception):
    """Some cases could not be decided; the others were."""


def last_watermark(school: School) -> datetime.datetime | None:
    """When the last successful run started: mastery changed after it is new."""
    last = (
        SweepRun.objects.filter(
            school=school, kind=SweepRun.Kind.DAILY, status=SweepRun.Status.SUCCEEDED
        )
        .order_by("-started_at")
        .first()
    )
    # Pulled back an hour: a mastery batch stamps its rows before it commits, so
    # rows committed just after a run started would otherwise be missed for
    # good. Flagging them twice changes nothing.
    return last.started_at - WATERMARK_MARGIN if last else None


def sweep_school(*, school: School, as_of: datetime.date) -> SweepRun:
    """Run the daily review of one school for one day; record the run."""
    watermark = last_watermark(school)
    run = SweepRun.objects.create(
        school=school, kind=SweepRun.Kind.DAILY, as_of=as_of, started_at=timezone.now()
    )
    counts: Counter = Counter(dict.fromkeys(COUNT_KEYS, 0))
    try:
        flagged = flag_students(
            school=school, on=as_of, changed_since=watermark, system=SYSTEM
        )
        counts["opened"] += flagged.opened
        counts["outcomes_added"] += flagged.outcomes_added
        counts["held_for_reteach"] = flagged.held_for_reteach
        problems = []
        for case_id in due_case_ids(school, as_of):
            try:
                outcome = review_case(case_id=case_id, as_of=as_of)
            except Exception as error:  # one bad case must not stop the school
                logger.exception("Review of case %s failed", case_id)
                problems.append(f"case {case_id}: {type(error).__name__}: {error}")
                continue
            if outcome:
                counts[outcome] += 1
        counts["notices_queued"] = notices_since(school, run.started_at)
        if problems:
            raise CasesFailed("; ".join(problems))
    except Exception as error:
        logger.exception("Daily review of %s for %s failed", school, as_of)
        schools_changed([school.pk])
        SweepRun.objects.filter(pk=run.pk).update(
            status=SweepRun.Status.FAILED,
            finished_at=timezone.now(),
            counts=dict(counts),
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        run.refresh_from_db()
        return run
    SweepRun.objects.filter(pk=run.pk).update(
        status=SweepRun.Status.SUCCEEDED,
        finished_at=timezone.now(),
        counts=dict(counts),
    )
    schools_changed([school.pk])  # the principal's page says when it last ran
    run.refresh_from_db()
    return run


def due_case_ids(school: School, as_of: datetime.date) -> list[int]:
    return list(
        Case.objects.filter(
            school=school, status__in=OPEN_STATUSES, next_review_on__lte=as_of
        )
        .order_by("next_review_on", "pk")
        .values_list("pk", flat=True)
    )


def review_case(*, case_id: int, as_of: datetime.date) -> str | None:
    """Decide one case, in its own transaction, under a lock. Returns the count
    it adds to ("exited", "escalated", …), or None if it was not due after all
    (another run decided it first)."""
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("rung", "student")
            .filter(pk=case_id, status__in=OPEN_STATUSES, next_review_on__lte=as_of)
            .first()
        )
        if case is None:
            return None
        decision = escalation.decide(review_facts(case, as_of))
        rule = decision.as_dict()
        _tell_the_people(case, decision)
        if decision.rule == escalation.Rule.EXIT:
            services.case_exit(
                case=case,
                actor=None,
                system=SYSTEM,
                reason=decision.reason,
                on=as_of,
                rule=rule,
            )
            return "exited"
        if decision.rule == escalation.Rule.PLAN_NOT_DELIVERED:
            services.case_hold(
                case=case,
                actor=None,
                system=SYSTEM,
                reason=decision.reason,
                review_on=services.school_day(
                    as_of + datetime.timedelta(days=HOLD_DAYS)
                ),
                on=as_of,
                rule=rule,
            )
            return "held"
        if decision.rule == escalation.Rule.REFER:
            services.case_refer(
                case=case,
                actor=None,
                system=SYSTEM,
                reason=decision.reason,
                on=as_of,
                rule=rule,
            )
            return "referred"
        services.case_move(
            case=case,
            actor=None,
            system=SYSTEM,
            direction="up",
            reason=decision.reason,
            on=as_of,
            rule=rule,
        )
        case.refresh_from_db(fields=["status"])
        return "waitlisted" if case.status == CaseStatus.WAITLISTED else "escalated"


def _tell_the_people(case: Case, decision: escalation.Decision) -> None:
    """The counselor hears of every decision, the principal of a plan not
    delivered; both in the next daily digest, not one e-mail each."""
    name = case.student.full_name
    url = case.get_absolute_url()
    if decision.rule == escalation.Rule.PLAN_NOT_DELIVERED:
        notify(
            users=[case.counselor_id, *principals_of(case.school_id)],
            kind=Notification.Kind.PLAN_NOT_DELIVERED,
            case=case,
            url=url,
            text=f"{name}: the plan on “{case.rung_name}” was not delivered. "
            + decision.reason,
        )
        return
    words = {
        escalation.Rule.EXIT: "exited the ladder",
        escalation.Rule.ESCALATE: "moved up a rung",
        escalation.Rule.WAITLIST: "moved up a rung and waits for a seat",
        escalation.Rule.REFER: "was referred to the student support team",
    }[decision.rule]
    notify(
        users=[case.counselor_id],
        kind=Notification.Kind.DECIDED,
        case=case,
        url=url,
        text=f"{name} {words} at today's review. {decision.reason}",
    )


def review_facts(case: Case, as_of: datetime.date) -> escalation.ReviewFacts:
    """The plain values the rules read, from the database."""
    outcome_ids = list(case.outcomes.values_list("outcome_id", flat=True))
    codes = dict(case.outcomes.values_list("outcome_id", "outcome__code"))
    snapshots = selectors.mastery_snapshots([case.student_id], outcome_ids)
    outcomes = []
    for outcome_id in outcome_ids:
        snapshot = snapshots.get((case.student_id, outcome_id)) or {}
        evidence = snapshot.get("assessment_on")
        outcomes.append(
            escalation.OutcomeEvidence(
                code=codes[outcome_id],
                proficient=snapshot.get("status") in ("proficient", "exceeds"),
                evidence_on=datetime.date.fromisoformat(evidence) if evidence else None,
            )
        )
    actions = CaseAction.objects.filter(
        case=case, rung_id=case.rung_id, due_on__lte=as_of
    )
    fidelity = selectors.fidelity(case, today=as_of)
    # The student's seat in a group of the rung's kind, whichever case took it.
    kind = case.rung_snapshot.get("group_kind") or ""
    has_group = bool(kind) and (
        Placement.objects.filter(
            student_id=case.student_id,
            group__kind=kind,
            group__school_id=case.school_id,
            placed_on__isnull=False,
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=case.rung_entered_on))
        .exists()
    )
    rungs = selectors.active_rungs(case.school_id)
    position = case.rung.position if case.rung else 0
    above = [r for r in rungs if r.position > position]
    next_full = False
    if above and above[0].group_kind:
        group = selectors.group_for_rung(case.school_id, above[0].group_kind)
        if group is not None and group.capacity is not None:
            seated = group.placements.filter(status=Placement.Status.PLACED).count()
            next_full = seated >= group.capacity
    return escalation.ReviewFacts(
        opened_on=case.opened_on,
        outcomes=tuple(outcomes),
        actions_due=actions.count(),
        actions_done=actions.filter(done_at__isnull=False).count(),
        sessions_scheduled=fidelity.scheduled,
        sessions_attended=fidelity.attended,
        has_group=has_group,
        on_top_rung=not above,
        next_group_full=next_full,
    )


def notices_since(school: School, moment: datetime.datetime) -> int:
    """Parent notices queued during the run, read from the record of change."""
    from accounts.events import EventType
    from accounts.models import Event

    return Event.objects.filter(
        school=school, at__gte=moment, type=EventType.NOTICE_QUEUED
    ).count()


def sweep(
    *, as_of: datetime.date, school_ids: list[int] | None = None
) -> list[SweepRun]:
    """The daily review of every active school (or of the given ones) for one
    day: a school the roster deactivated has no classes left to review."""
    schools = School.objects.order_by("pk")
    if school_ids:
        schools = schools.filter(pk__in=school_ids)
    else:
        schools = schools.filter(is_active=True)
    return [sweep_school(school=school, as_of=as_of) for school in schools]
