"""Roster imports as the app runs them: who may import what, queueing, history.

The OneRoster work itself lives in `schools.oneroster`; this module wraps it in an
ImportRun row so that a browser upload can run on a worker, report its progress,
and be listed afterwards with who imported what and when.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.changes import schools_changed
from accounts.events import EventType
from accounts.models import Role, User
from accounts.services import event_record
from schools.access import roles_of
from schools.models import ImportRun, School
from schools.oneroster import Scope, SourceError, import_oneroster, open_source

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
FINISHED = (
    ImportRun.Status.SUCCEEDED,
    ImportRun.Status.REFUSED,
    ImportRun.Status.FAILED,
)
# A run still "running" after this long lost its worker; it may be taken again.
STALE_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class ImportTarget:
    """One place a person may import into, as offered on the upload form."""

    key: str
    label: str
    scope: Scope


def import_targets_for(user) -> list[ImportTarget]:
    """Districts the user administers, then schools they lead."""
    targets = []
    for role in roles_of(user):
        if role.role == Role.DISTRICT_ADMIN:
            targets.append(
                ImportTarget(
                    f"district:{role.district_id}",
                    f"{role.district.name} — all schools",
                    Scope(district_id=role.district_id),
                )
            )
    for role in roles_of(user):
        if role.role == Role.PRINCIPAL:
            targets.append(
                ImportTarget(
                    f"school:{role.school_id}",
                    f"{role.school.name} only",
                    Scope(district_id=role.district_id, school_id=role.school_id),
                )
            )
    return targets


def may_import(user) -> bool:
    return bool(import_targets_for(user))


def import_runs_for(user) -> QuerySet[ImportRun]:
    """Imports the user may look at: their district's, or their school's."""
    districts = [r.district_id for r in roles_of(user) if r.role == Role.DISTRICT_ADMIN]
    schools = [r.school_id for r in roles_of(user) if r.role == Role.PRINCIPAL]
    condition = Q(pk__in=[])
    if districts:
        condition |= Q(district_id__in=districts)
    if schools:
        condition |= Q(school_id__in=schools)
    return (
        ImportRun.objects.filter(condition)
        .defer("upload")
        .select_related("uploaded_by", "district", "school")
    )


def import_run_for(user, pk: int) -> ImportRun:
    return get_object_or_404(import_runs_for(user), pk=pk)


@transaction.atomic
def import_run_create(
    *, user: User, target: ImportTarget, file_name: str, data: bytes, request=None
) -> ImportRun:
    """Keep the upload in the database and queue its import once this commits."""
    from accounts.outbox import enqueue
    from schools.tasks import run_roster_import

    run = ImportRun.objects.create(
        district_id=target.scope.district_id,
        school_id=target.scope.school_id,
        uploaded_by=user,
        source=ImportRun.Source.UPLOAD,
        file_name=Path(file_name).name[:255],
        file_size=len(data),
        file_sha256=hashlib.sha256(data).hexdigest(),
        upload=data,
        stage="Waiting for a worker",
    )
    event_record(
        type=EventType.ROSTER_IMPORT_QUEUED,
        actor=user,
        school_id=target.scope.school_id,
        summary=f"Uploaded {run.file_name} for {target.label}",
        data={"import_run_id": run.pk, "file_sha256": run.file_sha256},
    )
    enqueue(run_roster_import, run_id=run.pk)
    return run


class ProgressWriter:
    """Writes progress on a connection of its own.

    The import runs in one long transaction, invisible to other sessions until it
    commits; progress written through a second connection commits at once, so the
    page polling it sees the bar move.
    """

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.last = (-1, "")
        self.connection = connections.create_connection("default")

    def __call__(self, percent: int, stage: str) -> None:
        percent = max(0, min(99, percent))
        if (percent, stage) == self.last:
            return
        self.last = (percent, stage)
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
                cursor.execute(
                    "UPDATE schools_importrun SET progress = %s, stage = %s "
                    "WHERE id = %s AND status = %s",
                    [percent, stage[:200], self.run_id, ImportRun.Status.RUNNING],
                )
        except Exception:  # progress is a courtesy; the import must go on
            logger.warning("Could not record import progress", exc_info=True)

    def close(self) -> None:
        self.connection.close()


def import_run_execute(*, run_id: int) -> ImportRun | None:
    """Run a queued import; a run already taken by another worker is left alone."""
    now = timezone.now()
    claimed = (
        ImportRun.objects.filter(pk=run_id)
        .filter(
            Q(status=ImportRun.Status.QUEUED)
            | Q(status=ImportRun.Status.RUNNING, started_at__lt=now - STALE_AFTER)
        )
        .update(
            status=ImportRun.Status.RUNNING,
            started_at=now,
            progress=1,
            stage="Opening the files",
        )
    )
    if not claimed:
        return None
    run = ImportRun.objects.get(pk=run_id)
    progress = ProgressWriter(run.pk)
    try:
        try:
            source = open_source(bytes(run.upload))
        except SourceError as error:
            _finish(run, _refusal(run.file_name, str(error)))
            return run
        scope = Scope(district_id=run.district_id, school_id=run.school_id)
        try:
            report = import_oneroster(source, scope=scope, progress=progress)
        finally:
            source.close()
        _finish(run, report.as_dict())
    except Exception:
        logger.exception("Roster import %s failed", run_id)
        ImportRun.objects.filter(pk=run_id).update(
            status=ImportRun.Status.FAILED,
            stage="The import stopped on an unexpected error; nothing was saved.",
            finished_at=timezone.now(),
        )
        raise
    finally:
        progress.close()
    return run


def import_files_purge(*, now=None) -> int:
    """Delete uploaded roster files older than ROSTER_FILE_RETENTION_DAYS (0 keeps
    them). The run, its report and its line in the history stay; only the file,
    full of student records, goes. Safe to run twice. Returns how many went."""
    days = settings.ROSTER_FILE_RETENTION_DAYS
    if not days:
        return 0
    now = now or timezone.now()
    return ImportRun.objects.filter(
        source=ImportRun.Source.UPLOAD,
        status__in=FINISHED,
        finished_at__lt=now - timedelta(days=days),
        upload_deleted_at__isnull=True,
    ).update(upload=b"", upload_deleted_at=now)


def import_run_from_path(*, path: str | Path, scope: Scope | None = None) -> ImportRun:
    """Import from the command line, and record it in the history too."""
    source = open_source(path)
    run = ImportRun.objects.create(
        district_id=scope.district_id if scope else None,
        source=ImportRun.Source.COMMAND,
        file_name=Path(path).name[:255],
        file_size=source.total_size(),
        status=ImportRun.Status.RUNNING,
        started_at=timezone.now(),
    )
    try:
        report = import_oneroster(source, scope=scope)
    finally:
        source.close()
    if scope is None and len(report.district_ids) == 1:
        run.district_id = next(iter(report.district_ids))
    _finish(run, report.as_dict())
    return run


def _refusal(file_name: str, message: str) -> dict:
    return {
        "ok": False,
        "refused": True,
        "version": "",
        "files": {},
        "counts": {},
        "error_count": 1,
        "errors": [
            {"file": file_name, "line": None, "column": None, "message": message}
        ],
        "warning_count": 0,
        "warnings": [],
    }


@transaction.atomic
def _finish(run: ImportRun, report: dict) -> None:
    run.report = report
    run.status = (
        ImportRun.Status.SUCCEEDED if report["ok"] else ImportRun.Status.REFUSED
    )
    run.progress = 100
    run.stage = (
        "Imported" if report["ok"] else "Refused: nothing was saved; see the problems"
    )
    run.summary = import_summary(report)[:255]
    run.error_count = report["error_count"]
    run.warning_count = report["warning_count"]
    run.finished_at = timezone.now()
    run.save(
        update_fields=[
            "district",
            "report",
            "summary",
            "status",
            "progress",
            "stage",
            "error_count",
            "warning_count",
            "finished_at",
        ]
    )
    if report["ok"]:
        # Students, enrollments, terms and demographics: every school the
        # import could have touched has figures to count again.
        touched = School.objects.all()
        if run.school_id:
            touched = touched.filter(pk=run.school_id)
        elif run.district_id:
            touched = touched.filter(district_id=run.district_id)
        schools_changed(touched.values_list("pk", flat=True))
    event_record(
        type=EventType.ROSTER_IMPORTED
        if report["ok"]
        else EventType.ROSTER_IMPORT_REFUSED,
        actor=run.uploaded_by,
        system="roster_import",
        school_id=run.school_id,
        summary=run.summary,
        data={
            "import_run_id": run.pk,
            "counts": report.get("counts", {}),
            "error_count": report.get("error_count", 0),
        },
    )


SUMMARY_ENTITIES = (
    ("students", "student"),
    ("staff", "staff account"),
    ("sections", "class"),
    ("enrollments", "enrollment"),
)


def import_summary(report: dict) -> str:
    """One line for the history and the audit log."""
    if not report.get("ok"):
        problems = report.get("error_count", 0)
        return f"{problems:,} problem{'s' if problems != 1 else ''}; nothing saved"
    counts = report.get("counts", {})
    parts = []
    for entity, noun in SUMMARY_ENTITIES:
        c = counts.get(entity)
        if not c:
            continue
        changes = [
            f"{c[key]:,} {word}"
            for key, word in (
                ("created", "new"),
                ("updated", "updated"),
                ("deactivated", "ended" if entity == "enrollments" else "deactivated"),
            )
            if c[key]
        ]
        if changes:
            plural = "es" if noun == "class" else "s"
            parts.append(f"{noun}{plural}: " + ", ".join(changes))
    return "; ".join(parts).capitalize() if parts else "Nothing changed"
