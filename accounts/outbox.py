"""Tasks for the workers, kept in the database until the broker has them.

`enqueue` writes an `OutboxMessage` in the caller's transaction and, once that
commits, publishes it at once with the broker's short timeouts (a second at
most, `CELERY_BROKER_*` in settings) and no retries. When the broker refuses,
hangs or is gone, the request still answers: the change is committed, the
message waits in its row, and `outbox_drain` (every minute, and
`manage.py drain_outbox`) publishes it when the broker answers again.

The drainer takes due messages oldest first in batches locked with `SELECT …
FOR UPDATE SKIP LOCKED`, so two drainers never publish one message twice. A
message that cannot be published waits longer after each failure and is given
up after `MAX_ATTEMPTS`: logged as an error and counted in /healthz until
someone sends it again (`manage.py drain_outbox --retry-dead`).

Delivery is at least once: a message published just before its row is marked
sent is published again by the next drainer. Tasks take ids and load fresh
state, so running one twice changes nothing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import kombu.exceptions
import redis.exceptions
from celery import Task, current_app
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import OutboxMessage

logger = logging.getLogger(__name__)

# A new message is the committing request's to publish for this long; after it,
# the drainer takes it (the process died between its commit and its publish).
GRACE = timedelta(seconds=30)
# After a failed publish, a process leaves its new messages to the drainer for
# this long, so a request that queues many does not wait on the broker for each.
PAUSE_AFTER_FAILURE = 30.0  # seconds
# The wait after the first failed attempt; it doubles with each failure, up to
# LONGEST_WAIT. Twelve attempts give a broker about five hours to come back.
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
MAX_ATTEMPTS = 12
# Messages per locked batch, and how long one drain may run: the next starts a
# minute later.
BATCH = 100
DRAIN_BUDGET = 50.0  # seconds
# Sent messages are kept this long for anyone tracing a task, then purged.
KEEP_SENT = timedelta(days=1)
PURGE_BATCH = 10_000
# A message still unsent after this long means the work is not being done.
STUCK_AFTER = timedelta(minutes=10)

# Errors that say the broker, not the message, is at fault: the rest of a batch
# would fail the same way.
BROKER_ERRORS = (
    kombu.exceptions.OperationalError,
    OSError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)

_paused_until = 0.0


class OutboxOutsideTransaction(RuntimeError):
    """A task was queued outside the transaction of the change that asks for it."""


def enqueue(task: str | Task, /, **kwargs) -> OutboxMessage:
    """Queue `task` with these keyword arguments (plain JSON values: ids, not
    objects) in the caller's transaction; it is published once that commits."""
    if not connection.in_atomic_block:
        raise OutboxOutsideTransaction(
            "Queue tasks inside the transaction of the change that asks for them."
        )
    now = timezone.now()
    message = OutboxMessage.objects.create(
        task=task if isinstance(task, str) else task.name,
        kwargs=kwargs,
        created_at=now,
        available_at=now + GRACE,
    )
    transaction.on_commit(lambda: _publish_committed(message), robust=True)
    return message


def _send(message: OutboxMessage) -> None:
    current_app.send_task(message.task, kwargs=message.kwargs, retry=False)


def _publish_committed(message: OutboxMessage) -> None:
    global _paused_until
    if time.monotonic() < _paused_until:
        return  # the broker failed moments ago; the drainer sends this one
    try:
        _send(message)
    except Exception as error:
        _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
        logger.warning(
            "Could not publish %s (outbox message %s): %s. The drainer will send "
            "it when the broker answers.",
            message.task,
            message.pk,
            error,
        )
        _fail(message, error, now=timezone.now())
        OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
            attempts=message.attempts,
            available_at=message.available_at,
            last_error=message.last_error,
        )
        return
    OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )


def publish_pause_end() -> None:
    """Let this process publish on commit again at once (tests, after they
    bring the broker back)."""
    global _paused_until
    _paused_until = 0.0


def wait_after(attempts: int) -> timedelta:
    """How long a message waits after its `attempts`-th failed attempt."""
    return min(FIRST_WAIT * 2 ** (attempts - 1), LONGEST_WAIT)


def _fail(message: OutboxMessage, error: Exception, *, now: datetime) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    message.available_at = now + wait_after(message.attempts)
    if message.attempts >= MAX_ATTEMPTS:
        message.dead = True
        logger.error(
            "Gave up publishing %s (outbox message %s) after %s attempts: %s. "
            "Send it again with `manage.py drain_outbox --retry-dead`.",
            message.task,
            message.pk,
            message.attempts,
            message.last_error,
        )


@dataclass
class Drained:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    purged: int = 0


def outbox_drain(*, now: datetime | None = None) -> Drained:
    """Publish every due message, oldest first; then purge old sent ones."""
    drained = Drained()
    started = time.monotonic()
    while time.monotonic() - started < DRAIN_BUDGET:
        taken, broker_down = _drain_batch(drained, now=now or timezone.now())
        if broker_down or taken < BATCH:
            break
    drained.purged = _purge_sent(now=now or timezone.now())
    if drained.sent or drained.failed:
        logger.info(
            "Outbox: %s sent, %s failed, %s given up",
            drained.sent,
            drained.failed,
            drained.dead,
        )
    return drained


def _drain_batch(drained: Drained, *, now: datetime) -> tuple[int, bool]:
    """Publish one locked batch; (messages taken, whether the broker is down)."""
    with transaction.atomic():
        batch = list(
            OutboxMessage.objects.filter(
                sent_at__isnull=True, dead=False, available_at__lte=now
            )
            .order_by("created_at", "pk")
            .select_for_update(skip_locked=True)[:BATCH]
        )
        sent, failed, broker_down = [], [], False
        for index, message in enumerate(batch):
            try:
                _send(message)
            except BROKER_ERRORS as error:
                # None of the rest would go either: each waits its turn again.
                failed += [(rest, error) for rest in batch[index:]]
                broker_down = True
                break
            except Exception as error:
                failed.append((message, error))
            else:
                sent.append(message.pk)
        if sent:
            OutboxMessage.objects.filter(pk__in=sent).update(sent_at=timezone.now())
        for message, error in failed:
            _fail(message, error, now=now)
        OutboxMessage.objects.bulk_update(
            [message for message, _ in failed],
            ["attempts", "available_at", "last_error", "dead"],
        )
    drained.sent += len(sent)
    drained.failed += len(failed)
    drained.dead += sum(message.dead for message, _ in failed)
    return len(batch), broker_down


def _purge_sent(*, now: datetime) -> int:
    old = OutboxMessage.objects.filter(sent_at__lt=now - KEEP_SENT).values_list(
        "pk", flat=True
    )[:PURGE_BATCH]
    deleted, _ = OutboxMessage.objects.filter(pk__in=list(old)).delete()
    return deleted


def outbox_retry_dead() -> int:
    """Give every message that was given up a fresh set of attempts, now."""
    return OutboxMessage.objects.filter(dead=True).update(
        dead=False, attempts=0, available_at=timezone.now()
    )


@dataclass(frozen=True)
class OutboxHealth:
    dead: int
    stuck: int

    @property
    def problems(self) -> list[str]:
        found = []
        if self.dead:
            found.append(
                f"{self.dead} message(s) given up after {MAX_ATTEMPTS} attempts"
            )
        if self.stuck:
            minutes = int(STUCK_AFTER.total_seconds() // 60)
            found.append(f"{self.stuck} message(s) unsent after {minutes} minutes")
        return found


def outbox_health(*, now: datetime | None = None) -> OutboxHealth:
    """Work owed to the workers that is not reaching them, in two indexed counts."""
    now = now or timezone.now()
    return OutboxHealth(
        dead=OutboxMessage.objects.filter(dead=True).count(),
        stuck=OutboxMessage.objects.filter(
            sent_at__isnull=True, dead=False, created_at__lt=now - STUCK_AFTER
        ).count(),
    )
