from datetime import timedelta

from celery import shared_task
from django.db import OperationalError

from schools.imports import import_run_execute

# A queued run normally starts within seconds; after this long its message is lost.
QUEUED_GRACE = timedelta(minutes=10)


# A database that drops the connection before the run is claimed is tried again,
# waiting longer each time; once claimed, a failure is the run's, recorded on it.
@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def run_roster_import(*, run_id: int) -> None:
    # Safe to run twice: import_run_execute claims the run with a conditional
    # update, and a second delivery finds it already taken or finished.
    import_run_execute(run_id=run_id)


@shared_task
def requeue_stalled_imports() -> int:
    """The periodic sweep: an upload whose task message was lost (a broker restart,
    a worker killed mid-run) is queued again instead of waiting forever."""
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone

    from accounts.outbox import enqueue
    from schools.imports import STALE_AFTER
    from schools.models import ImportRun

    now = timezone.now()
    stalled = ImportRun.objects.filter(
        Q(status=ImportRun.Status.QUEUED, created_at__lt=now - QUEUED_GRACE)
        | Q(status=ImportRun.Status.RUNNING, started_at__lt=now - STALE_AFTER)
    ).values_list("pk", flat=True)
    run_ids = list(stalled)
    with transaction.atomic():
        for run_id in run_ids:
            enqueue(run_roster_import, run_id=run_id)
    return len(run_ids)


@shared_task
def purge_access_records() -> int:
    """Delete records of access older than ACCESS_LOG_RETENTION_DAYS."""
    from schools.access_log import access_records_purge

    return access_records_purge()


@shared_task
def purge_roster_files() -> int:
    """Delete uploaded roster files past ROSTER_FILE_RETENTION_DAYS, keeping runs."""
    from schools.imports import import_files_purge

    return import_files_purge()
