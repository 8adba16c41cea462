"""What a counselor or a teacher has to do today, as one list in order of urgency:
overdue first, then due today, then due this week, then what has no date.

The ordering is a pure function over plain items (`ordered`); the builders turn
what the home page has already loaded, plus two small reads, into items, so the
home page stays at a fixed number of queries whatever the caseload or classes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, F, Q
from django.urls import reverse

from assessments.access import assessments_for
from assessments.models import CommonAssessment
from interventions.models import ActionKind, Case, CaseAction, CaseStatus
from schools.access_log import note_students
from schools.models import Section
from teams.cycle import RESULTS_DUE_DAYS

if TYPE_CHECKING:
    from collections.abc import Iterable

# "This week" is the next seven days, so that a Friday's list still shows
# Monday's work.
WEEK_DAYS = 7
# A case opened in the last week that nobody has yet checked on or called
# home about is new to the counselor.
NEW_CASE_DAYS = 7


class When:
    OVERDUE = 0
    TODAY = 1
    THIS_WEEK = 2
    UNDATED = 3

    LABELS = {
        OVERDUE: "Overdue",
        TODAY: "Due today",
        THIS_WEEK: "This week",
        UNDATED: "When you can",
    }


def when_of(due_on: datetime.date | None, today: datetime.date) -> int:
    if due_on is None:
        return When.UNDATED
    if due_on < today:
        return When.OVERDUE
    if due_on == today:
        return When.TODAY
    return When.THIS_WEEK


@dataclass(frozen=True)
class TodayItem:
    what: str  # the thing to do, in words
    detail: str  # whom or what it concerns
    url: str  # where it is done
    due_on: datetime.date | None
    when: int
    # Among items due the same day, the order of kinds: a decision before a
    # form to fill in.
    rank: int = 0

    @property
    def when_label(self) -> str:
        return When.LABELS[self.when]

    @property
    def is_overdue(self) -> bool:
        return self.when == When.OVERDUE


def item(
    what: str,
    detail: str,
    url: str,
    due_on: datetime.date | None,
    today: datetime.date,
    *,
    rank: int = 0,
    when: int | None = None,
) -> TodayItem:
    return TodayItem(
        what=what,
        detail=detail,
        url=url,
        due_on=due_on,
        when=when_of(due_on, today) if when is None else when,
        rank=rank,
    )


def ordered(items: Iterable[TodayItem]) -> list[TodayItem]:
    """Overdue first (the longest overdue first), then due today, then this week
    by date; undated last. Ties keep the kinds' order, then the words."""
    return sorted(
        items,
        key=lambda i: (i.when, i.due_on or datetime.date.max, i.rank, i.what, i.detail),
    )


def _horizon(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=WEEK_DAYS - 1)


def _case_detail(case: Case) -> str:
    return f"{case.student.full_name} · {case.course.title}"


# What both roles share ------------------------------------------------------------


def action_items(
    *, case_actions, team_action_items, today: datetime.date
) -> list[TodayItem]:
    """Case actions and team action items assigned to the person, due within
    the week (or overdue)."""
    horizon = _horizon(today)
    items = []
    for action in case_actions:
        if action.due_on > horizon:
            continue
        items.append(
            item(
                action.title,
                _case_detail(action.case),
                f"{action.case.get_absolute_url()}#actions",
                action.due_on,
                today,
                rank=2,
            )
        )
    for action in team_action_items:
        if action.due_on is not None and action.due_on > horizon:
            continue
        items.append(
            item(
                action.title,
                f"{action.meeting.team.name} · from the meeting of "
                f"{action.meeting.held_on:%-d %b}",
                action.meeting.get_absolute_url(),
                action.due_on,
                today,
                rank=3,
            )
        )
    return items


# The counselor ----------------------------------------------------------------------


def counselor_items(
    *, counselor, school_ids: list[int], today: datetime.date
) -> list[TodayItem]:
    """Reviews due, plans not delivered, new cases, parent contacts due and
    students waiting for a seat, on the counselor's caseload. Two queries."""
    horizon = _horizon(today)
    mine = Q(counselor=counselor) | Q(student__counselor=counselor)
    cases = list(
        Case.objects.open()
        .filter(mine, school_id__in=school_ids)
        .filter(
            Q(next_review_on__lte=horizon)
            | Q(status__in=[CaseStatus.PLAN_NOT_DELIVERED, CaseStatus.WAITLISTED])
            | Q(opened_on__gt=today - datetime.timedelta(days=NEW_CASE_DAYS))
        )
        .select_related("student", "course")
        .annotate(
            check_count=Count("checks", distinct=True),
            contact_count=Count("contacts", distinct=True),
        )
        .order_by("pk")
    )
    contacts = list(
        CaseAction.objects.filter(
            case__in=Case.objects.open().filter(mine, school_id__in=school_ids),
            kind=ActionKind.PARENT_CONTACT,
            done_at__isnull=True,
            due_on__lte=horizon,
            rung_id=F("case__rung_id"),
        )
        # The counselor's own are among their actions already.
        .exclude(owner=counselor)
        .select_related("case__student", "case__course")
        .order_by("due_on", "pk")
    )
    note_students(
        [c.student for c in cases] + [a.case.student for a in contacts],
        what="Today",
    )
    items = []
    for case in cases:
        url = case.get_absolute_url()
        detail = _case_detail(case)
        if case.next_review_on and case.next_review_on <= horizon:
            items.append(
                item(
                    "Review the case: exit, stay or move up",
                    detail,
                    f"{url}#decision",
                    case.next_review_on,
                    today,
                    rank=0,
                )
            )
        if case.status == CaseStatus.PLAN_NOT_DELIVERED:
            items.append(
                item(
                    "The plan was not delivered: see what was missed and decide",
                    detail,
                    f"{url}#actions",
                    today,
                    today,
                    rank=1,
                )
            )
        is_new = case.opened_on > today - datetime.timedelta(days=NEW_CASE_DAYS)
        if is_new and not case.check_count and not case.contact_count:
            items.append(
                item(
                    f"New case on the {case.rung_name.lower() or 'ladder'}: "
                    "meet the student",
                    detail,
                    url,
                    today,
                    today,
                    rank=4,
                )
            )
        if case.status == CaseStatus.WAITLISTED:
            items.append(
                item(
                    f"Waiting for a seat in the {case.rung_name.lower()}",
                    detail,
                    f"{url}#groups",
                    None,
                    today,
                    rank=6,
                )
            )
    for action in contacts:
        items.append(
            item(
                f"Parent contact due: {action.title}",
                _case_detail(action.case),
                f"{action.case.get_absolute_url()}#contacts",
                action.due_on,
                today,
                rank=5,
            )
        )
    return items


# The teacher -------------------------------------------------------------------------


def results_items(rows, *, today: datetime.date) -> list[TodayItem]:
    """Each class's results still to enter, due a week after the assessment
    (docs/domain.md, "The teaching-learning cycle")."""
    return [
        item(
            f"Enter results: {row.assessment.title}",
            f"{row.section.name} · {row.remaining} of {row.expected} still to enter",
            reverse("assessments:grid", args=[row.assessment.pk, row.section.pk]),
            row.assessment.administered_on + datetime.timedelta(days=RESULTS_DUE_DAYS),
            today,
            rank=1,
        )
        for row in rows
    ]


def support_items(supports, *, today: datetime.date) -> list[TodayItem]:
    """Students of the teacher's classes who entered a rung this week: what the
    school now does for them, and what the teacher's part is."""
    since = today - datetime.timedelta(days=WEEK_DAYS)
    items = []
    for block in supports:
        for supported in block.students:
            case = supported.case
            if case.rung_entered_on <= since:
                continue
            items.append(
                item(
                    f"{case.student.full_name} is now on the "
                    f"{case.rung_name.lower() or 'ladder'}: see the supports",
                    f"{block.section.name} · since {case.rung_entered_on:%-d %b}",
                    case.get_absolute_url(),
                    None,
                    today,
                    rank=7,
                )
            )
    return items


def reassessment_items(
    user, *, school_ids: list[int], today: datetime.date
) -> list[TodayItem]:
    """Re-assessments of the teacher's courses to give this week, and any whose
    date has passed while still a draft. One query."""
    horizon = _horizon(today)
    retakes = (
        assessments_for(user)
        .filter(
            retake_of__isnull=False,
            administered_on__lte=horizon,
            course__in=Section.objects.current(today)
            .filter(section_teachers__teacher=user, course__school_id__in=school_ids)
            .values("course_id"),
        )
        .filter(
            Q(status=CommonAssessment.Status.DRAFT)
            | Q(status=CommonAssessment.Status.OPEN, administered_on__gte=today)
        )
        .order_by("administered_on", "pk")
    )
    items = []
    for retake in retakes:
        draft = retake.status == CommonAssessment.Status.DRAFT
        items.append(
            item(
                f"Give the re-assessment: {retake.title}"
                + (" (still a draft)" if draft else ""),
                f"{retake.course.title} · re-assesses {retake.retake_of.title}",
                retake.get_absolute_url(),
                retake.administered_on,
                today,
                rank=0,
            )
        )
    return items
