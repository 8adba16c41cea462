"""Open many cases at the first rung at once (docs/domain.md, "Cases").

Flagging can open thousands of cases in one run: the first review of a school
flags every student not yet proficient. Opening them one by one through
`services.case_open` costs some fifty queries a case; this does the same work
for a batch of cases in a fixed number of set-based queries, one per kind of
row: the cases, the outcomes with their mastery snapshots, the rung's actions
given to their owners, the seats in the rung's group (or the waitlist when it
is full), the notifications, the parent letters and their e-mails, and the
events, all in one transaction per batch.

It writes what the per-case path writes, row for row; `test_bulk_open.py`
opens the same students both ways and compares. Two differences are on
purpose: the events of a batch are written after its rows (each case's events
still in the order the per-case path writes them), and the letters' e-mails are
handed to the outbox's drainer at once rather than published as the
transaction commits, so a review that queues thousands of letters does not
wait on the broker for each.

Races are settled by the database, as in the per-case path. The groups of the
rung's kind are locked before anything is read, so two runs for one school take
turns. A case opened meanwhile by someone else (a counselor, by hand) makes the
batch's insert fail on the one-open-case constraint: the batch is rolled back
to its savepoint and opened case by case, and `case_open` finds that case and
adds to it.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.defaultfilters import pluralize
from django.utils import timezone

from accounts.events import EventType
from accounts.models import OutboxMessage, Role, User
from accounts.services import event_build, events_record
from interventions import selectors, services
from interventions.models import (
    Case,
    CaseAction,
    CaseOutcome,
    CaseStatus,
    Group,
    Notification,
    ParentNotice,
    Placement,
    Rung,
)
from interventions.notices import (
    SEND_TASK,
    _guardian_words,
    letter_of,
    letter_values,
    letter_write,
)
from interventions.notifications import principals_of
from schools.models import Course, Guardian, School, SectionTeacher, StaffRole, Student
from teams.models import EssentialOutcome, Team

# Cases per transaction: large enough that the fixed queries are a small part
# of the cost, small enough that a batch's rows and locks stay modest.
BATCH = 500


@dataclass(frozen=True)
class Opening:
    """One student's outcomes not yet learned in one course, each with the
    mastery that flagged it."""

    student: Student
    course: Course
    outcomes: Sequence[tuple[EssentialOutcome, dict]]
    team: Team | None = None


@dataclass
class Opened:
    """What a bulk opening did: the cases opened, and the outcomes added to
    cases already open, by case id."""

    opened: list[int] = field(default_factory=list)
    added: dict[int, int] = field(default_factory=dict)
    # Batches that met a case opened meanwhile and were opened case by case.
    fell_back: int = 0

    @property
    def outcomes_added(self) -> int:
        return sum(self.added.values())

    @property
    def cases(self) -> list[int]:
        return [*self.opened, *self.added]


def cases_open_bulk(
    *,
    school: School,
    openings: Sequence[Opening],
    on: datetime.date,
    actor: User | None = None,
    system: str = "",
    reason: str = "",
    batch_size: int = BATCH,
) -> Opened:
    """Open a case at the school's first rung for each opening, or add its
    outcomes to the student's open case in that course; what
    `services.case_open` does for one, for many."""
    rung = selectors.first_rung(school.pk)
    if rung is None:
        raise ValidationError(
            "The school has no intervention ladder yet; the principal sets it up."
        )
    _check(school, openings)
    ladder = _Ladder.of(school, rung)
    who = services._actor_fields(actor, system)
    result = Opened()
    ordered = sorted(openings, key=lambda o: (o.student.pk, o.course.pk))
    for start in range(0, len(ordered), batch_size):
        batch = ordered[start : start + batch_size]
        with transaction.atomic():
            try:
                with transaction.atomic():
                    opened, added = _open_batch(
                        ladder, batch, on=on, who=who, reason=reason
                    )
            except IntegrityError:
                one_by_one = cases_open_one_by_one(
                    openings=batch, on=on, actor=actor, system=system, reason=reason
                )
                opened, added = one_by_one.opened, one_by_one.added
                result.fell_back += 1
        result.opened += opened
        result.added.update(added)
    return result


def _check(school: School, openings: Sequence[Opening]) -> None:
    seen = set()
    for opening in openings:
        if opening.student.school_id != school.pk:
            raise ValidationError({"student": f"{opening.student} is not at {school}."})
        if opening.course.school_id != school.pk:
            raise ValidationError(
                {"course": "The course is not taught at the student's school."}
            )
        services._check_outcomes(opening.course, opening.outcomes)
        key = (opening.student.pk, opening.course.pk)
        if key in seen:
            raise ValueError(f"Two openings for student and course {key}.")
        seen.add(key)


def cases_open_one_by_one(
    *,
    openings: Sequence[Opening],
    on: datetime.date,
    actor: User | None = None,
    system: str = "",
    reason: str = "",
) -> Opened:
    """The same openings through `services.case_open`, one case at a time: what
    a batch falls back to, and what the benchmark compares with."""
    result = Opened()
    for opening in sorted(openings, key=lambda o: (o.student.pk, o.course.pk)):
        opening_of = services.case_open(
            student=opening.student,
            course=opening.course,
            outcomes=opening.outcomes,
            actor=actor,
            system=system,
            team=opening.team,
            on=on,
            reason=reason,
        )
        if opening_of.created:
            result.opened.append(opening_of.case.pk)
        elif opening_of.outcomes_added:
            result.added[opening_of.case.pk] = len(opening_of.outcomes_added)
    return result


@dataclass
class _Ladder:
    """What every case of the school entering its first rung shares, read once."""

    school: School
    rung: Rung
    specs: list
    principal: User | None
    principal_ids: list[int]
    letter: object

    @classmethod
    def of(cls, school: School, rung: Rung) -> _Ladder:
        role = (
            StaffRole.objects.filter(
                school_id=school.pk, role=Role.PRINCIPAL, is_active=True
            )
            .select_related("user")
            .order_by("pk")
            .first()
        )
        return cls(
            school=school,
            rung=rung,
            specs=list(rung.actions.all()),
            principal=role.user if role else None,
            principal_ids=principals_of(school.pk),
            letter=letter_of(school.pk) if rung.sends_parent_notice else None,
        )


@dataclass
class _Seats:
    """The groups of the rung's kind, locked, with their seats counted; the
    batch takes seats in them as the per-case path would, one case after
    another."""

    groups: list[Group]
    placed: dict[int, int]
    waiting: dict[int, int]

    @classmethod
    def lock(cls, school: School, kind: str) -> _Seats:
        if not kind:
            return cls([], {}, {})
        groups = list(
            Group.objects.select_for_update(of=("self",))
            .filter(school_id=school.pk, kind=kind, is_active=True)
            .select_related("supervisor")
            .order_by("pk")
        )
        counts = {
            row["group_id"]: row
            for row in Placement.objects.filter(group__in=groups)
            .values("group_id")
            .annotate(
                placed=Count("pk", filter=Q(status=Placement.Status.PLACED)),
                waiting=Count("pk", filter=Q(status=Placement.Status.WAITLISTED)),
            )
        }
        return cls(
            groups,
            {g.pk: counts.get(g.pk, {}).get("placed", 0) for g in groups},
            {g.pk: counts.get(g.pk, {}).get("waiting", 0) for g in groups},
        )

    def most_free(self) -> Group | None:
        """`selectors.group_for_rung`: the group with the most free seats."""
        if not self.groups:
            return None

        def free(group: Group) -> float:
            if group.capacity is None:
                return float("inf")
            return group.capacity - self.placed[group.pk]

        return max(self.groups, key=free)

    def take(self, group: Group) -> tuple[str, int]:
        """A seat, or a place in line: the status and, when waiting, the
        position in line."""
        if group.capacity is not None and self.placed[group.pk] >= group.capacity:
            self.waiting[group.pk] += 1
            return Placement.Status.WAITLISTED, self.waiting[group.pk]
        self.placed[group.pk] += 1
        return Placement.Status.PLACED, 0


@dataclass
class _New:
    """One case about to open, and what comes with it."""

    opening: Opening
    case: Case
    outcomes: list[tuple[EssentialOutcome, dict]]
    actions: list[CaseAction] = field(default_factory=list)
    owned: dict = field(default_factory=dict)
    placement: Placement | None = None
    position: int = 0
    notices: list[ParentNotice] = field(default_factory=list)


def _open_batch(
    ladder: _Ladder, batch: Sequence[Opening], *, on: datetime.date, who: dict, reason
) -> tuple[list[int], dict[int, int]]:
    rung, school = ladder.rung, ladder.school
    now = timezone.now()
    seats = _Seats.lock(school, rung.group_kind)
    student_ids = {o.student.pk for o in batch}
    open_cases = {
        (c.student_id, c.course_id): c
        for c in Case.objects.open()
        .select_for_update(of=("self",))
        .filter(student_id__in=student_ids, course_id__in={o.course.pk for o in batch})
        .order_by("pk")
    }
    known = defaultdict(set)
    for case_id, outcome_id in CaseOutcome.objects.filter(
        case__in=list(open_cases.values())
    ).values_list("case_id", "outcome_id"):
        known[case_id].add(outcome_id)

    # Cases already open: the outcomes not on them yet.
    outcome_rows: list[CaseOutcome] = []
    events = []
    added: dict[int, int] = {}
    fresh = []
    for opening in batch:
        case = open_cases.get((opening.student.pk, opening.course.pk))
        if case is None:
            fresh.append(opening)
            continue
        new = [(o, s) for o, s in opening.outcomes if o.pk not in known[case.pk]]
        if not new:
            continue
        outcome_rows += [
            CaseOutcome(case=case, outcome=o, snapshot=s, added_on=on) for o, s in new
        ]
        added[case.pk] = len(new)
        events.append(
            event_build(
                type=EventType.CASE_OUTCOME_ADDED,
                case=case,
                student=opening.student,
                summary="Added " + ", ".join(o.code for o, _ in new) + " to the case",
                reason=reason,
                after={"outcomes": [services._snapshot_line(o, s) for o, s in new]},
                **who,
            )
        )

    # New cases: who does what, and where each student sits.
    news = _cases_build(ladder, fresh, seats, on=on, now=now)
    Case.objects.bulk_create([n.case for n in news])
    for n in news:
        outcome_rows += [
            CaseOutcome(case=n.case, outcome=o, snapshot=s, added_on=on)
            for o, s in n.outcomes
        ]
        for action in n.actions:
            action.case = n.case
        if n.placement is not None and n.position >= 0:
            n.placement.case = n.case
    CaseOutcome.objects.bulk_create(outcome_rows)
    CaseAction.objects.bulk_create([a for n in news for a in n.actions])
    Placement.objects.bulk_create(
        [n.placement for n in news if n.placement is not None and n.position >= 0]
    )
    if rung.sends_parent_notice:
        _letters_write(ladder, news, on=on, now=now)
    Notification.objects.bulk_create(
        _notifications(ladder, news, actor=who["actor"], now=now),
        ignore_conflicts=True,
    )
    for n in news:
        events += _events_of_new(ladder, n, who=who, reason=reason)
    events_record(events)
    return [n.case.pk for n in news], added


def _cases_build(ladder, fresh, seats: _Seats, *, on, now) -> list[_New]:
    """The unsaved case of each opening, its actions with their owners, and its
    seat, as `case_open` and `_enter_rung` would make them one after another."""
    if not fresh:
        return []
    rung, school = ladder.rung, ladder.school
    student_ids = {o.student.pk for o in fresh}
    teachers = _teachers(fresh, on)
    seated = _seated(school, student_ids, rung.group_kind)
    people_ids = {
        *teachers.values(),
        *(o.student.counselor_id for o in fresh),
        *(o.student.faculty_advisor_id for o in fresh),
        *(g.supervisor_id for g in seats.groups),
    } - {None}
    users = User.objects.in_bulk(people_ids)
    review_on = services.school_day(on + datetime.timedelta(days=rung.review_days))
    snapshot = services.rung_snapshot(rung)
    weeks = max(1, math.ceil(rung.review_days / 7))
    teams: dict[int, Team | None] = {}
    news = []
    for opening in fresh:
        student, course = opening.student, opening.course
        team = opening.team
        if team is None:
            if course.pk not in teams:
                teams[course.pk] = selectors.team_of(course)
            team = teams[course.pk]
        case = Case(
            student=student,
            course=course,
            team=team,
            school=school,
            counselor=users.get(student.counselor_id),
            rung=rung,
            rung_snapshot=dict(snapshot),
            status=CaseStatus.ACTIVE,
            opened_on=on,
            rung_entered_on=on,
            next_review_on=review_on,
            created_at=now,
        )
        new = _New(opening, case, list(opening.outcomes))
        group = seats.most_free()
        people = selectors.CasePeople(
            teacher=users.get(teachers.get((student.pk, course.pk))),
            counselor=case.counselor,
            advisor=users.get(student.faculty_advisor_id),
            principal=ladder.principal,
            supervisor=group.supervisor if group else None,
        )
        for spec in ladder.specs:
            owner = services.action_owner(spec.responsible, case=case, people=people)
            new.owned.setdefault(owner.user, []).append(spec.title)
            repeats = range(1, weeks + 1) if spec.repeats_weekly else [None]
            for week in repeats:
                due = services.school_day(
                    on
                    + datetime.timedelta(
                        days=spec.due_within_days + 7 * ((week or 1) - 1)
                    )
                )
                new.actions.append(
                    CaseAction(
                        rung=rung,
                        title=f"{spec.title} (week {week})" if week else spec.title,
                        kind=spec.kind,
                        responsible=spec.responsible,
                        owner=owner.user,
                        owner_note=owner.note,
                        due_on=due,
                    )
                )
        # One seat serves every case of the student that needs this kind of group.
        seat = seated.get(student.pk)
        if seat is not None:
            new.placement, new.position = seat, -1
        elif group is not None:
            status, position = seats.take(group)
            new.placement = Placement(
                group=group,
                student=student,
                status=status,
                placed_on=None if position else on,
                requested_at=now,
            )
            new.position = position
            seated[student.pk] = new.placement
        if new.placement is not None and (
            new.placement.status == Placement.Status.WAITLISTED
        ):
            case.status = CaseStatus.WAITLISTED
        news.append(new)
    return news


def _teachers(fresh, on) -> dict[tuple[int, int], int]:
    """(student, course) → the teacher of one of the student's current sections
    of the course, the first linked, as `selectors.case_people` finds them."""
    found: dict[tuple[int, int], int] = {}
    for student_id, course_id, teacher_id in (
        SectionTeacher.objects.filter(
            section__course_id__in={o.course.pk for o in fresh},
            section__term__start_date__lte=on,
            section__term__end_date__gte=on,
            section__enrollments__student_id__in={o.student.pk for o in fresh},
            teacher__is_active=True,
        )
        .order_by("pk")
        .values_list(
            "section__enrollments__student_id", "section__course_id", "teacher_id"
        )
    ):
        found.setdefault((student_id, course_id), teacher_id)
    return found


def _seated(school, student_ids, kind) -> dict[int, Placement]:
    """Each student's seat (or place in line) in a group of the kind, if any."""
    if not kind:
        return {}
    seats: dict[int, Placement] = {}
    for placement in (
        Placement.objects.filter(
            student_id__in=student_ids, group__school_id=school.pk, group__kind=kind
        )
        .exclude(status=Placement.Status.ENDED)
        .order_by("group", "status", "requested_at", "pk")
    ):
        seats.setdefault(placement.student_id, placement)
    return seats


def _letters_write(ladder: _Ladder, news: list[_New], *, on, now) -> None:
    """The letter to each active guardian of each new case's student, recorded
    on the case; those with an address are handed to the outbox."""
    if not news:
        return
    guardians = defaultdict(list)
    links = (
        Guardian.students.through.objects.filter(
            student_id__in={n.case.student_id for n in news},
            guardian__is_active=True,
        )
        .select_related("guardian")
        .order_by("guardian__last_name", "guardian__first_name", "guardian__pk")
    )
    for link in links:
        guardians[link.student_id].append(link.guardian)
    notices = []
    for n in news:
        case = n.case
        statements = [
            o.statement or o.code
            for _, o in sorted(
                enumerate(o for o, _ in n.outcomes),
                key=lambda pair: (pair[1].position, pair[0]),
            )
        ]
        for guardian in guardians.get(case.student_id, []):
            values = letter_values(
                case=case,
                rung=ladder.rung,
                guardian=guardian,
                statements=statements,
                on=on,
            )
            subject, body = letter_write(ladder.letter, values)
            n.notices.append(
                ParentNotice(
                    case=case,
                    rung=ladder.rung,
                    rung_entered_on=on,
                    guardian=guardian,
                    email=guardian.email.strip(),
                    subject=subject,
                    body=body,
                    created_at=now,
                )
            )
        notices += n.notices
    ParentNotice.objects.bulk_create(notices)
    OutboxMessage.objects.bulk_create(
        [
            # The drainer publishes them, a batch at a time, as soon as the
            # transaction commits.
            OutboxMessage(
                task=SEND_TASK,
                kwargs={"notice_id": notice.pk},
                created_at=now,
                available_at=now,
            )
            for notice in notices
            if notice.email
        ]
    )


def _notifications(ladder: _Ladder, news: list[_New], *, actor, now):
    """Each person a new case gives work to hears of it once; the principals
    hear of a student waiting for a seat."""
    rows = []
    actor_id = getattr(actor, "pk", None)
    for n in news:
        case, rung = n.case, ladder.rung
        for owner, titles in n.owned.items():
            if owner is None or owner == actor:
                continue
            rows.append(
                Notification(
                    user=owner,
                    kind=Notification.Kind.NEW_ACTIONS,
                    case=case,
                    url=case.get_absolute_url() + "#actions",
                    text=(
                        f"New action{pluralize(len(titles))} for "
                        f"{case.student.full_name} in {case.course.title} "
                        f"({rung.name}): " + "; ".join(titles)
                    )[:300],
                    created_at=now,
                )
            )
        if n.position > 0:
            group = n.placement.group
            rows += [
                Notification(
                    user_id=user_id,
                    kind=Notification.Kind.WAITLISTED,
                    case=case,
                    url=group.get_absolute_url(),
                    text=(
                        f"{case.student.full_name} is waiting for a seat in {group} "
                        f"(number {n.position} in line)"
                    )[:300],
                    created_at=now,
                )
                for user_id in sorted(set(ladder.principal_ids) - {actor_id})
            ]
    return rows


def _events_of_new(ladder: _Ladder, n: _New, *, who: dict, reason: str) -> list:
    """A new case's events, in the order the per-case path writes them."""
    case, rung, student = n.case, ladder.rung, n.opening.student
    events = [
        event_build(
            type=EventType.CASE_OPENED,
            case=case,
            student=student,
            summary=f"Opened a case in {case.course.title} for "
            + ", ".join(o.code for o, _ in n.outcomes),
            reason=reason,
            after={"outcomes": [services._snapshot_line(o, s) for o, s in n.outcomes]},
            **who,
        ),
        event_build(
            type=EventType.CASE_RUNG_ENTERED,
            case=case,
            student=student,
            summary=f"Entered “{rung.name}” (tier {rung.tier}); review on "
            f"{case.next_review_on:%-d %b %Y}",
            after={
                "rung": rung.name,
                "tier": rung.tier,
                "next_review_on": case.next_review_on,
                "actions": len(n.actions),
                "unassigned": sorted({a.owner_note for a in n.actions if a.owner_note}),
            },
            **who,
        ),
    ]
    events += [
        event_build(
            type=EventType.NOTICE_QUEUED,
            case=case,
            student=student,
            summary=f"Letter to {_guardian_words(notice.guardian)} about "
            f"“{rung.name}”: "
            + (
                "to be e-mailed"
                if notice.email
                else "no e-mail address, to print and send home"
            ),
            data={"notice_id": notice.pk, "guardian_id": notice.guardian_id},
            **who,
        )
        for notice in n.notices
    ]
    if n.position > 0:
        group = n.placement.group
        events.append(
            event_build(
                type=EventType.WAITLISTED,
                case=case,
                student=student,
                school_id=group.school_id,
                summary=f"{group} is full ({group.capacity} seats): waitlisted, "
                f"number {n.position} in line",
                data={"group_id": group.pk, "position": n.position},
                **who,
            )
        )
    elif n.position == 0 and n.placement is not None:
        events.append(
            event_build(
                type=EventType.PLACED,
                case=case,
                student=student,
                school_id=n.placement.group.school_id,
                summary=f"Placed in {n.placement.group}",
                data={"group_id": n.placement.group_id},
                **who,
            )
        )
    return events
