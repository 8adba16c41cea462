"""The record of access: who read or exported which students' data, when, and
under which role (docs/domain.md, "The record of access").

Selectors and access helpers that hand student data to a page *note* the
students they return; `AccessLogMiddleware` writes what a request noted as one
`AccessRecord` and one bulk insert of `AccessedStudent` rows once the response
is ready, so a page of any size costs two queries and no view assembles a log.
Nothing is noted outside a request (jobs, management commands, tests calling a
selector directly), and a response that failed (status 400 and above) showed
nothing, so it records nothing.
"""

from __future__ import annotations

import contextvars
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from schools.models import AccessedStudent, AccessKind, AccessRecord

_collector: contextvars.ContextVar[_Noted | None] = contextvars.ContextVar(
    "plc_access_noted", default=None
)


@dataclass
class _Noted:
    students: dict[int, int] = field(default_factory=dict)  # student id → school id
    what: str = ""
    kind: str = AccessKind.PAGE


def note_students(students: Iterable, *, what: str = "", export: bool = False) -> None:
    """Record that this request shows these students (model instances, or
    `(student_id, school_id)` pairs). `what` names the page or export in words
    a parent would understand; the view's name is used when none is given."""
    noted = _collector.get()
    if noted is None:
        return
    for student in students:
        if isinstance(student, tuple):
            student_id, school_id = student
        else:
            student_id, school_id = student.pk, student.school_id
        noted.students.setdefault(student_id, school_id)
    if what and not noted.what:
        noted.what = what
    if export:
        noted.kind = AccessKind.EXPORT


def _role_label(user, school_ids: set[int]) -> str:
    from schools.access import roles_of  # access imports this module

    roles = roles_of(user)
    held = {
        r.get_role_display()
        for r in roles
        if r.role == Role.DISTRICT_ADMIN or r.school_id in school_ids
    } or {r.get_role_display() for r in roles}
    return ", ".join(sorted(held))[:100] or "Staff"


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def access_write(*, request, noted: _Noted) -> AccessRecord:
    """Two queries whatever the number of students: the record, then its rows."""
    user = request.user
    now = timezone.now()
    match = getattr(request, "resolver_match", None)
    what = noted.what or (match.view_name if match else request.path)
    # No savepoint: both rows or neither, with nothing else to roll back to.
    with transaction.atomic(savepoint=False):
        record = AccessRecord.objects.create(
            user=user,
            role=_role_label(user, set(noted.students.values())),
            kind=noted.kind,
            what=what[:200],
            path=request.get_full_path()[:500],
            student_count=len(noted.students),
            ip_address=_client_ip(request),
            at=now,
        )
        AccessedStudent.objects.bulk_create(
            [
                AccessedStudent(record=record, student_id=student_id, at=now)
                for student_id in noted.students
            ],
            batch_size=5000,
        )
    return record


class AccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        noted = _Noted()
        token = _collector.set(noted)
        try:
            response = self.get_response(request)
        finally:
            _collector.reset(token)
        user = getattr(request, "user", None)
        if (
            noted.students
            and response.status_code < 400
            and user is not None
            and user.is_authenticated
        ):
            access_write(request=request, noted=noted)
        return response


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Records older than this may be deleted; None while retention is off."""
    days = settings.ACCESS_LOG_RETENTION_DAYS
    if not days:
        return None
    return (now or timezone.now()) - datetime.timedelta(days=days)


def access_records_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete records past the retention period, oldest first, in batches so a
    large purge never holds a long lock. Returns how many records went."""
    cutoff = retention_cutoff(now)
    if cutoff is None:
        return 0
    deleted = 0
    while True:
        ids = list(
            AccessRecord.objects.filter(at__lt=cutoff)
            .order_by("at")
            .values_list("pk", flat=True)[:5000]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            AccessedStudent.objects.filter(record_id__in=ids).delete()
            AccessRecord.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
