from celery import shared_task
from django.db import OperationalError

from assessments.hooks import mastery_changed
from assessments.services import mastery_refresh


@shared_task(
    acks_late=True,
    # A database that is briefly away is tried again, with growing waits; a task
    # that keeps failing stops and is logged, and the marks it left are taken
    # by the next periodic refresh.
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def recompute_mastery(student_ids: list[int]) -> int:
    """Recompute these students' kept mastery from fresh data; safe to run twice.
    The number of students whose mastery changed."""
    changed = mastery_refresh(student_ids=student_ids)
    mastery_changed(changed)
    return len(changed)


@shared_task(acks_late=True)
def recompute_all_mastery() -> int:
    """The periodic sweep: every student marked due whose message was lost, or
    whose team changed its mastery method. A student with no mark costs nothing,
    so the sweep is cheap when nothing changed."""
    changed = mastery_refresh()
    mastery_changed(changed)
    return len(changed)
