"""The principal's changes to groups: set one up or edit it, place a student,
free a seat (docs/domain.md, "The intervention ladder").

Like `interventions.services`, each runs in one transaction, refuses bad input
with a `ValidationError` naming the field, and writes its events inside that
transaction. Seats are counted by the services under a row lock on the group.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.events import EventType
from accounts.models import User
from accounts.services import changes, event_record, snapshot
from interventions import services
from interventions.group_selectors import WEEKDAYS, waitlist_position
from interventions.models import (
    Case,
    CaseStatus,
    Group,
    GroupKind,
    Placement,
)
from schools.models import School, StaffRole, Student

GROUP_FIELDS = ("name", "kind", "supervisor", "weekdays", "period", "room", "capacity")


def _check_group(
    *,
    school: School,
    group: Group | None,
    name: str,
    kind: str,
    supervisor: User | None,
    weekdays: list[int],
    capacity: int | None,
) -> None:
    errors = {}
    if not name:
        errors["name"] = "Give the group a name."
    elif (
        Group.objects.filter(school=school, name__iexact=name)
        .exclude(pk=group.pk if group else None)
        .exists()
    ):
        errors["name"] = f"{school} already has a group named “{name}”."
    if kind not in GroupKind.values:
        errors["kind"] = f"“{kind}” is not a kind of group."
    if (
        supervisor is not None
        and not StaffRole.objects.filter(
            user=supervisor, school=school, is_active=True
        ).exists()
    ):
        errors["supervisor"] = f"{supervisor} has no role at {school}."
    valid_days = {number for number, _ in WEEKDAYS}
    if not weekdays:
        errors["weekdays"] = "Choose the days the group meets."
    elif not set(weekdays) <= valid_days:
        errors["weekdays"] = "A group meets on school days, Monday to Friday."
    if capacity is not None and capacity < 1:
        errors["capacity"] = (
            "A group has at least one seat; leave it empty for no limit."
        )
    elif capacity is not None and group is not None:
        seated = group.placements.filter(status=Placement.Status.PLACED).count()
        if seated > capacity:
            errors["capacity"] = (
                f"{seated} students are seated in {group}: end some placements "
                f"first, or keep at least {seated} seats."
            )
    if errors:
        raise ValidationError(errors)


def _values(group: Group) -> dict:
    return snapshot(group, GROUP_FIELDS)


@transaction.atomic
def group_save(
    *,
    school: School,
    actor: User,
    group: Group | None = None,
    name: str,
    kind: str,
    supervisor: User | None = None,
    weekdays: list[int],
    period: str = "",
    room: str = "",
    capacity: int | None = None,
    on: datetime.date | None = None,
) -> Group:
    """Set up a group at the school, or edit one. Seats added to a group with a
    waitlist go to the head of its line at once."""
    name = name.strip()
    weekdays = sorted(set(weekdays))
    if group is not None:
        group = Group.objects.select_for_update().get(pk=group.pk, school=school)
    _check_group(
        school=school,
        group=group,
        name=name,
        kind=kind,
        supervisor=supervisor,
        weekdays=weekdays,
        capacity=capacity,
    )
    before = _values(group) if group is not None else None
    if group is None:
        group = Group(school=school)
    group.name = name
    group.kind = kind
    group.supervisor = supervisor
    group.weekdays = weekdays
    group.period = period.strip()
    group.room = room.strip()
    group.capacity = capacity
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:
        raise ValidationError(
            {"name": f"{school} already has a group named “{name}”."}
        ) from None
    after = _values(group)
    if before is None:
        summary, old, new = f"Set up the group “{group}”", None, after
    else:
        old, new = changes(before, after)
        summary = f"Edited the group “{group}”"
    event_record(
        type=EventType.GROUP_SAVED,
        actor=actor,
        school=school,
        summary=summary,
        before=old,
        after=new,
        data={
            "group_id": group.pk,
            "supervisor": supervisor.full_name if supervisor else "",
        },
    )
    if before is not None:
        _fill_seats(group, on=on or timezone.localdate(), actor=actor)
    return group


def _fill_seats(group: Group, *, on: datetime.date, actor: User) -> None:
    waiting = group.placements.filter(status=Placement.Status.WAITLISTED).count()
    if not waiting:
        return
    seated = group.placements.filter(status=Placement.Status.PLACED).count()
    free = waiting if group.capacity is None else group.capacity - seated
    for _ in range(min(free, waiting)):
        # The services' own rule for a freed seat: the head of the line.
        services._seat_next(group, on=on, who={"actor": actor})


@dataclass(frozen=True)
class PlacementMade:
    placement: Placement
    position: int | None  # in the waitlist; None when seated

    @property
    def is_waitlisted(self) -> bool:
        return self.position is not None


def _case_for_group(group: Group, student: Student) -> Case | None:
    """The student's open case whose rung places students in this kind of
    group and who has no seat of that kind yet: the placement serves it, so its
    attendance counts towards the case's fidelity."""
    return (
        Case.objects.open()
        .filter(student=student, school_id=group.school_id)
        .filter(rung_snapshot__group_kind=group.kind)
        .exclude(
            pk__in=Placement.objects.filter(student=student, group__kind=group.kind)
            .exclude(status=Placement.Status.ENDED)
            .exclude(case__isnull=True)
            .values("case_id")
        )
        .order_by("pk")
        .first()
    )


@transaction.atomic
def placement_add(
    *,
    group: Group,
    student: Student,
    actor: User,
    on: datetime.date | None = None,
) -> PlacementMade:
    """Place a student in a group, or on its waitlist when it is full; tied to
    the student's case when one is open at a rung of this kind."""
    case = _case_for_group(group, student)
    placement = services.placement_request(
        group=group, student=student, actor=actor, case=case, on=on
    )
    position = waitlist_position(placement)
    if position is not None and case is not None and case.status == CaseStatus.ACTIVE:
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.WAITLISTED)
    return PlacementMade(placement=placement, position=position)


@transaction.atomic
def placement_release(
    *,
    placement: Placement,
    actor: User,
    reason: str = "",
    on: datetime.date | None = None,
) -> Placement | None:
    """End a placement (a seat or a place in line). Returns the placement
    seated in the freed seat from the head of the waitlist, if any."""
    waiting = list(
        Placement.objects.filter(
            group_id=placement.group_id, status=Placement.Status.WAITLISTED
        ).values_list("pk", flat=True)
    )
    services.placement_end(
        placement=placement, actor=actor, reason=reason.strip(), on=on
    )
    return (
        Placement.objects.filter(pk__in=waiting, status=Placement.Status.PLACED)
        .select_related("student")
        .first()
    )
