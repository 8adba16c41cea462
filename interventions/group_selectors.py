"""Reads for the group pages: the list of groups, a group's roster and waitlist,
an attendance sheet, and a supervisor's day (docs/domain.md, "The intervention
ladder"). Nothing here writes, and nothing here imports a service.

Every read that hands students to a page notes them in the record of access.
Each runs in a fixed number of queries, whatever the size of the group.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from interventions.escalation import FIDELITY_THRESHOLD
from interventions.models import (
    OPEN_STATUSES,
    Attendance,
    Case,
    Group,
    Placement,
    Session,
)
from interventions.selectors import Fidelity, fidelities, group_members_on
from schools.access_log import note_students
from schools.models import StaffRole, Student

WEEKDAYS = [
    (1, "Monday"),
    (2, "Tuesday"),
    (3, "Wednesday"),
    (4, "Thursday"),
    (5, "Friday"),
]
_SHORT = {number: name[:3] for number, name in WEEKDAYS}

PLACEABLE_SHOWN = 10
RECENT_SESSIONS_SHOWN = 10


def days_label(weekdays: list[int]) -> str:
    """ "Mon–Fri", "Tue, Thu", or "no set days"."""
    days = sorted(set(weekdays))
    if not days:
        return "no set days"
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{_SHORT[days[0]]}–{_SHORT[days[-1]]}"
    return ", ".join(_SHORT[d] for d in days)


def meets_on(group: Group, on: datetime.date) -> bool:
    return on.isoweekday() in group.weekdays


def _with_counts(groups: QuerySet[Group]) -> QuerySet[Group]:
    return groups.select_related("school", "supervisor").annotate(
        seated=Count(
            "placements", filter=Q(placements__status=Placement.Status.PLACED)
        ),
        waiting=Count(
            "placements", filter=Q(placements__status=Placement.Status.WAITLISTED)
        ),
    )


@dataclass(frozen=True)
class GroupRow:
    group: Group
    seated: int
    waiting: int
    # Students seated on a case who attend under the share that counts as the
    # rung delivered (counted for the supervisor's home only).
    below_threshold: int = 0

    @property
    def days(self) -> str:
        return days_label(self.group.weekdays)

    @property
    def is_full(self) -> bool:
        return self.group.capacity is not None and self.seated >= self.group.capacity

    @property
    def free_seats(self) -> int | None:
        if self.group.capacity is None:
            return None
        return max(self.group.capacity - self.seated, 0)


def group_rows(*, groups: QuerySet[Group]) -> list[GroupRow]:
    """Groups with their seats taken and waitlist length, in one query."""
    return [
        GroupRow(group=g, seated=g.seated, waiting=g.waiting)
        for g in _with_counts(groups).order_by("school__name", "-is_active", "name")
    ]


def school_staff(school_id: int) -> QuerySet[User]:
    """Who may supervise a group of the school: anyone with a role there."""
    return User.objects.filter(
        is_active=True,
        pk__in=StaffRole.objects.filter(school_id=school_id, is_active=True).values(
            "user_id"
        ),
    ).order_by("last_name", "first_name", "email")


# A group's page -----------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    placement: Placement
    fidelity: Fidelity
    homework_done: int
    homework_known: int

    @property
    def student(self) -> Student:
        return self.placement.student

    @property
    def case(self) -> Case | None:
        return self.placement.case

    @property
    def fidelity_text(self) -> str:
        f = self.fidelity
        if not f.scheduled:
            return "no sessions yet"
        return f"{f.attended} of {f.scheduled} sessions ({f.percent:g}%)"

    @property
    def below_threshold(self) -> bool:
        """Below the share of sessions that counts as the rung delivered."""
        f = self.fidelity
        return bool(f.scheduled) and (
            Decimal(f.attended) / Decimal(f.scheduled) < FIDELITY_THRESHOLD
        )


@dataclass(frozen=True)
class WaitingRow:
    position: int
    placement: Placement

    @property
    def student(self) -> Student:
        return self.placement.student


@dataclass(frozen=True)
class SessionRow:
    session: Session
    present: int
    absent: int
    excused: int


@dataclass
class GroupPage:
    group: Group
    roster: list[RosterRow] = field(default_factory=list)
    waitlist: list[WaitingRow] = field(default_factory=list)
    sessions: list[SessionRow] = field(default_factory=list)

    @property
    def seated(self) -> int:
        return len(self.roster)

    @property
    def is_full(self) -> bool:
        return self.group.capacity is not None and self.seated >= self.group.capacity

    @property
    def days(self) -> str:
        return days_label(self.group.weekdays)


def _attendance_in_group(
    group: Group, placements: list[Placement], today: datetime.date
) -> dict[int, tuple[int, int, int, int]]:
    """Per placement: sessions attended, sessions scheduled (an excused absence
    is not), homework done, homework recorded — in this group since seated."""
    held = list(
        Session.objects.filter(group=group, on__lte=today)
        .order_by("on")
        .values_list("pk", "on")
    )
    marks = {
        (a["session_id"], a["student_id"]): (a["mark"], a["homework_done"])
        for a in Attendance.objects.filter(
            session__group=group, session__on__lte=today
        ).values("session_id", "student_id", "mark", "homework_done")
    }
    tallies = {}
    for placement in placements:
        attended = scheduled = done = known = 0
        end = min(placement.ended_on or today, today)
        for session_id, on in held:
            if not placement.placed_on or not placement.placed_on <= on <= end:
                continue
            mark, homework = marks.get((session_id, placement.student_id), (None, None))
            if homework is not None:
                known += 1
                done += homework
            if mark == Attendance.Mark.EXCUSED:
                continue
            scheduled += 1
            attended += mark == Attendance.Mark.PRESENT
        tallies[placement.pk] = (attended, scheduled, done, known)
    return tallies


def group_page(*, group: Group, today: datetime.date | None = None) -> GroupPage:
    """The students seated in the group, with the case that put them there and
    its fidelity, the waitlist in order, and the recent sessions.

    A student placed through a case shows the case's fidelity (what the review
    reads); a student placed without one shows their attendance in this group.
    """
    today = today or timezone.localdate()
    placements = list(
        group.placements.exclude(status=Placement.Status.ENDED)
        .select_related("student", "case__course", "case__rung")
        .order_by("student__last_name", "student__first_name", "requested_at", "pk")
    )
    seated = [p for p in placements if p.status == Placement.Status.PLACED]
    waiting = sorted(
        (p for p in placements if p.status == Placement.Status.WAITLISTED),
        key=lambda p: (p.requested_at, p.pk),
    )
    by_case = fidelities([p.case for p in seated if p.case_id], today=today)
    in_group = _attendance_in_group(group, seated, today)
    roster = []
    for placement in seated:
        attended, scheduled, done, known = in_group[placement.pk]
        fidelity = by_case.get(placement.case_id) if placement.case_id else None
        roster.append(
            RosterRow(
                placement=placement,
                fidelity=fidelity or Fidelity(attended, scheduled),
                homework_done=done,
                homework_known=known,
            )
        )
    sessions = [
        SessionRow(session=s, present=s.present, absent=s.absent, excused=s.excused)
        for s in Session.objects.filter(group=group)
        .select_related("taken_by")
        .annotate(
            present=Count(
                "attendance", filter=Q(attendance__mark=Attendance.Mark.PRESENT)
            ),
            absent=Count(
                "attendance", filter=Q(attendance__mark=Attendance.Mark.ABSENT)
            ),
            excused=Count(
                "attendance", filter=Q(attendance__mark=Attendance.Mark.EXCUSED)
            ),
        )
        .order_by("-on")[:RECENT_SESSIONS_SHOWN]
    ]
    note_students([p.student for p in placements], what=f"Group roster: {group}")
    return GroupPage(
        group=group,
        roster=roster,
        waitlist=[WaitingRow(i, p) for i, p in enumerate(waiting, start=1)],
        sessions=sessions,
    )


def waitlist_position(placement: Placement) -> int | None:
    """Where a waitlisted placement stands in its group's line (1 is next)."""
    if placement.status != Placement.Status.WAITLISTED:
        return None
    ahead = (
        Placement.objects.filter(
            group_id=placement.group_id, status=Placement.Status.WAITLISTED
        )
        .filter(
            Q(requested_at__lt=placement.requested_at)
            | Q(requested_at=placement.requested_at, pk__lt=placement.pk)
        )
        .count()
    )
    return ahead + 1


def placeable_students(*, group: Group, query: str) -> list[Student]:
    """Active students of the group's school matching a name or student ID, who
    are not already seated or waiting in the group."""
    query = query.strip()
    if not query:
        return []
    words = query.split()
    if len(words) == 1:
        condition = (
            Q(local_id__iexact=query)
            | Q(last_name__istartswith=query)
            | Q(first_name__istartswith=query)
            | Q(preferred_name__istartswith=query)
        )
    else:
        # "Ana Lopez" finds Ana Lopez, not every Ana and every Lopez.
        condition = (
            Q(first_name__istartswith=words[0])
            | Q(preferred_name__istartswith=words[0])
        ) & Q(last_name__istartswith=" ".join(words[1:]))
    students = list(
        Student.objects.filter(condition, school_id=group.school_id, is_active=True)
        .exclude(
            pk__in=group.placements.exclude(status=Placement.Status.ENDED).values(
                "student_id"
            )
        )
        .order_by("last_name", "first_name", "local_id")[:PLACEABLE_SHOWN]
    )
    note_students(students, what=f"Student search to place in {group}")
    return students


# Attendance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    student: Student
    mark: str
    homework: bool | None


@dataclass
class AttendanceSheet:
    group: Group
    on: datetime.date
    session: Session | None
    rows: list[SheetRow]

    @property
    def is_taken(self) -> bool:
        return self.session is not None and self.session.taken_at is not None

    @property
    def meets(self) -> bool:
        return meets_on(self.group, self.on)

    @property
    def student_ids(self) -> set[int]:
        return {row.student.pk for row in self.rows}


def attendance_sheet(*, group: Group, on: datetime.date) -> AttendanceSheet:
    """The students seated in the group on a day, with what was recorded for
    them if the session was taken: three queries."""
    members = group_members_on(group, on)
    session = (
        Session.objects.filter(group=group, on=on).select_related("taken_by").first()
    )
    saved = {}
    if session is not None:
        saved = {a.student_id: a for a in Attendance.objects.filter(session=session)}
    students = sorted(
        (p.student for p in members.values()),
        key=lambda s: (s.last_name, s.first_name, s.local_id),
    )
    rows = [
        SheetRow(
            student=s,
            mark=saved[s.pk].mark if s.pk in saved else "",
            homework=saved[s.pk].homework_done if s.pk in saved else None,
        )
        for s in students
    ]
    note_students(students, what=f"Attendance of {group} on {on:%-d %b %Y}")
    return AttendanceSheet(group=group, on=on, session=session, rows=rows)


# A supervisor's day -------------------------------------------------------------------


@dataclass(frozen=True)
class TodaySession:
    row: GroupRow
    session: Session | None

    @property
    def group(self) -> Group:
        return self.row.group

    @property
    def is_taken(self) -> bool:
        return self.session is not None and self.session.taken_at is not None


@dataclass
class SupervisorHome:
    today: datetime.date
    to_take: list[TodaySession]
    groups: list[GroupRow]

    @property
    def left_to_take(self) -> int:
        return sum(1 for s in self.to_take if not s.is_taken)

    @property
    def slipping(self) -> list[GroupRow]:
        """The groups with students attending too little, as the review counts."""
        return [row for row in self.groups if row.below_threshold]


def _count_slipping(rows: list[GroupRow], today: datetime.date) -> list[GroupRow]:
    """The rows, each with its students on an open case whose attendance since
    entering the rung is below the threshold (the fidelity the review reads)."""
    if not rows:
        return rows
    seats = list(
        Placement.objects.filter(
            group__in=[row.group for row in rows],
            status=Placement.Status.PLACED,
            case__status__in=OPEN_STATUSES,
        ).select_related("case__rung")
    )
    by_case = fidelities([seat.case for seat in seats], today=today)
    slipping: dict[int, set[int]] = {}
    for seat in seats:
        fidelity = by_case.get(seat.case_id)
        if fidelity is not None and fidelity.below_threshold:
            slipping.setdefault(seat.group_id, set()).add(seat.student_id)
    return [
        replace(row, below_threshold=len(slipping.get(row.group.pk, ())))
        for row in rows
    ]


def supervisor_home(user, today: datetime.date | None = None) -> SupervisorHome:
    """The groups a person runs, with seats and waitlists, how many of their
    students attend too little for the plan to count as delivered, and the
    sessions they meet today, saying whether attendance is taken yet: three
    queries, six when a seat is on a case."""
    today = today or timezone.localdate()
    rows = group_rows(
        groups=Group.objects.filter(
            supervisor=user,
            is_active=True,
            school_id__in=StaffRole.objects.filter(user=user, is_active=True).values(
                "school_id"
            ),
        )
    )
    rows = _count_slipping(rows, today)
    meeting = [row for row in rows if meets_on(row.group, today)]
    sessions = (
        {
            s.group_id: s
            for s in Session.objects.filter(
                group__in=[row.group for row in meeting], on=today
            )
        }
        if meeting
        else {}
    )
    return SupervisorHome(
        today=today,
        to_take=[TodaySession(row, sessions.get(row.group.pk)) for row in meeting],
        groups=rows,
    )
