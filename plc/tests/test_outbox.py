"""The outbox: tasks queued in the transaction of their change, published on
commit when the broker answers and by the drainer when it did not, once each,
with waits that grow and an end."""

import logging
import threading
import time
from datetime import timedelta

import kombu.exceptions
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import outbox
from accounts.models import OutboxMessage
from accounts.outbox import OutboxOutsideTransaction, enqueue, outbox_drain
from accounts.tasks import send_email
from plc.celery import app as celery_app

REFUSED = kombu.exceptions.OperationalError("Error 111 connecting. Connection refused.")


@pytest.fixture(autouse=True)
def publishing_resumes():
    yield
    outbox.publish_pause_end()


@pytest.fixture
def published(monkeypatch):
    """The messages handed to the broker, in order, instead of a real broker."""
    sent = []
    lock = threading.Lock()

    def send(message):
        with lock:
            sent.append(message.pk)

    monkeypatch.setattr(outbox, "_send", send)
    return sent


@pytest.fixture
def broker_refuses(monkeypatch):
    tries = []

    def refuse(message):
        tries.append(message.pk)
        raise REFUSED

    monkeypatch.setattr(outbox, "_send", refuse)
    return tries


def queue(count=1):
    with transaction.atomic():
        return [
            enqueue("schools.tasks.run_roster_import", run_id=n) for n in range(count)
        ]


def later(minutes=1):
    return timezone.now() + timedelta(minutes=minutes)


# Queueing ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_task_queued_in_a_transaction_is_a_row_of_that_transaction():
    with transaction.atomic():
        message = enqueue(send_email, subject="Hi", body="…", to=["a@example.org"])
    row = OutboxMessage.objects.get()
    assert row == message
    assert row.task == "accounts.tasks.send_email"
    assert row.kwargs == {"subject": "Hi", "body": "…", "to": ["a@example.org"]}
    assert (row.attempts, row.sent_at, row.dead, row.last_error) == (0, None, False, "")
    # Until the grace is over, publishing it is the committing request's job.
    assert row.available_at == row.created_at + outbox.GRACE


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_no_message():
    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        enqueue("schools.tasks.run_roster_import", run_id=1)
        raise Refused
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_outside_a_transaction_is_refused():
    assert not connection.in_atomic_block
    with pytest.raises(OutboxOutsideTransaction):
        enqueue("schools.tasks.run_roster_import", run_id=1)
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_arguments_that_are_not_plain_values_are_refused_at_once():
    with pytest.raises(TypeError), transaction.atomic():
        enqueue("schools.tasks.run_roster_import", run=object())


# Publishing on commit -----------------------------------------------------------


@pytest.mark.django_db
def test_on_commit_the_message_is_published_and_marked_sent(
    published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        (message,) = queue()
    assert len(callbacks) == 1
    assert published == [message.pk]
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 0


@pytest.mark.django_db
def test_nothing_is_published_before_the_commit(published):
    queue()  # the test's transaction never commits
    assert published == []
    assert OutboxMessage.objects.get().sent_at is None


@pytest.mark.django_db
def test_a_broker_error_on_commit_is_a_warning_and_the_message_waits(
    broker_refuses, django_capture_on_commit_callbacks, caplog
):
    with (
        caplog.at_level(logging.WARNING, logger="accounts.outbox"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        (message,) = queue()
    message.refresh_from_db()
    assert (message.sent_at, message.dead, message.attempts) == (None, False, 1)
    assert "Connection refused" in message.last_error
    assert "The drainer will send it" in caplog.text
    assert caplog.records[-1].levelno == logging.WARNING


@pytest.mark.django_db
def test_after_a_broker_error_new_messages_go_straight_to_the_drainer(
    broker_refuses, django_capture_on_commit_callbacks
):
    # A request that queues many messages waits on the broker once, not for each.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queue(count=5)
    assert len(callbacks) == 5
    assert len(broker_refuses) == 1
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 5


# The drainer --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_drainer_sends_due_messages_oldest_first_and_only_once(published):
    first, second = queue(count=2)
    (fresh,) = queue()
    OutboxMessage.objects.filter(pk=fresh.pk).update(available_at=later(5))
    drained = outbox_drain(now=later())
    assert published == [first.pk, second.pk]
    assert (drained.sent, drained.failed, drained.dead) == (2, 0, 0)
    assert outbox_drain(now=later()).sent == 0
    assert published == [first.pk, second.pk]
    assert OutboxMessage.objects.get(pk=fresh.pk).sent_at is None


@pytest.mark.django_db
def test_the_drainer_leaves_a_new_message_to_its_request_during_the_grace(published):
    queue()
    assert outbox_drain().sent == 0
    assert outbox_drain(now=timezone.now() + outbox.GRACE).sent == 1


@pytest.mark.django_db
def test_the_drainer_works_through_more_than_one_batch(published, monkeypatch):
    monkeypatch.setattr(outbox, "BATCH", 3)
    messages = queue(count=7)
    assert outbox_drain(now=later()).sent == 7
    assert published == [m.pk for m in messages]


@pytest.mark.django_db(transaction=True)
def test_two_drainers_at_once_send_each_message_once(monkeypatch):
    monkeypatch.setattr(outbox, "BATCH", 4)
    sent = []
    lock = threading.Lock()

    def slow_send(message):
        time.sleep(0.01)  # long enough for the other drainer to reach the rows
        with lock:
            sent.append(message.pk)

    monkeypatch.setattr(outbox, "_send", slow_send)
    # Rows as a request leaves them when its own publish could not happen.
    now = timezone.now()
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(task="t", kwargs={"n": n}, created_at=now, available_at=now)
        for n in range(40)
    )
    start = threading.Barrier(2)
    results, errors = [], []

    def drain():
        try:
            start.wait()
            results.append(outbox_drain(now=later()))
        except Exception as error:  # pragma: no cover - shown by the assert
            errors.append(error)
        finally:
            connection.close()

    drainers = [threading.Thread(target=drain) for _ in range(2)]
    for drainer in drainers:
        drainer.start()
    for drainer in drainers:
        drainer.join(timeout=30)
    assert not errors
    assert sorted(sent) == sorted(m.pk for m in messages)  # each exactly once
    assert sum(result.sent for result in results) == 40
    assert all(result.sent for result in results), "one drainer did everything"
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_the_wait_doubles_after_each_failure_up_to_an_hour():
    waits = [outbox.wait_after(n) for n in range(1, outbox.MAX_ATTEMPTS + 1)]
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert max(waits) == timedelta(hours=1) == waits[-1]
    # Long enough for a broker to come back after a bad night, not for ever.
    assert timedelta(hours=4) < sum(waits[:-1], timedelta()) < timedelta(hours=8)


@pytest.mark.django_db
def test_a_failed_message_waits_longer_each_time_and_is_given_up_at_last(
    broker_refuses, caplog
):
    (message,) = queue()
    now = later()
    for attempt in range(1, outbox.MAX_ATTEMPTS):
        drained = outbox_drain(now=now)
        message.refresh_from_db()
        assert (drained.failed, message.attempts, message.dead) == (1, attempt, False)
        assert message.available_at == now + outbox.wait_after(attempt)
        # Not tried again before its time.
        assert outbox_drain(now=message.available_at - timedelta(seconds=1)).failed == 0
        now = message.available_at
    with caplog.at_level(logging.ERROR, logger="accounts.outbox"):
        drained = outbox_drain(now=now)
    message.refresh_from_db()
    assert (drained.dead, message.attempts, message.dead) == (
        1,
        outbox.MAX_ATTEMPTS,
        True,
    )
    assert "Gave up publishing schools.tasks.run_roster_import" in caplog.text
    assert caplog.records[-1].levelno == logging.ERROR
    tries = len(broker_refuses)
    assert outbox_drain(now=now + timedelta(days=1)).failed == 0
    assert len(broker_refuses) == tries  # a given-up message is left alone


@pytest.mark.django_db
def test_a_broker_that_is_down_stops_the_batch_at_the_first_failure(broker_refuses):
    queue(count=3)
    drained = outbox_drain(now=later())
    assert len(broker_refuses) == 1  # the others would fail the same way
    assert drained.failed == 3
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db
def test_one_message_that_fails_does_not_hold_up_the_others(monkeypatch):
    bad, good = queue(count=2)
    sent = []

    def send(message):
        if message.pk == bad.pk:
            raise ValueError("message too large")
        sent.append(message.pk)

    monkeypatch.setattr(outbox, "_send", send)
    drained = outbox_drain(now=later())
    assert (drained.sent, drained.failed) == (1, 1)
    assert sent == [good.pk]
    bad.refresh_from_db()
    assert bad.attempts == 1 and "message too large" in bad.last_error


@pytest.mark.django_db
def test_sent_messages_are_purged_after_a_day(published):
    old, recent = queue(count=2)
    OutboxMessage.objects.filter(pk=old.pk).update(sent_at=later(-60 * 25))
    OutboxMessage.objects.filter(pk=recent.pk).update(sent_at=later(-60 * 23))
    assert outbox_drain().purged == 1
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.django_db
def test_the_command_drains_and_can_send_given_up_messages_again(published, capsys):
    dead, due = queue(count=2)
    OutboxMessage.objects.filter(pk=dead.pk).update(
        dead=True, attempts=outbox.MAX_ATTEMPTS
    )
    OutboxMessage.objects.filter(pk=due.pk).update(available_at=timezone.now())
    call_command("drain_outbox")
    assert "1 sent, 0 failed" in capsys.readouterr().out
    assert published == [due.pk]
    call_command("drain_outbox", "--retry-dead")
    out = capsys.readouterr().out
    assert "1 given-up message(s) queued again" in out and "1 sent" in out
    assert published == [due.pk, dead.pk]
    dead.refresh_from_db()
    assert (dead.dead, dead.attempts, dead.sent_at is not None) == (False, 0, True)


# The settings and tasks that bound the waiting -------------------------------------


def test_publishing_never_waits_long_on_the_broker():
    conf = celery_app.conf
    assert conf.broker_connection_timeout <= 1
    options = conf.broker_transport_options
    assert options["socket_connect_timeout"] <= 1
    assert options["socket_timeout"] <= 1
    assert options["max_retries"] == 0  # no reconnect loop inside a publish
    assert conf.task_publish_retry_policy["max_retries"] <= 2


def test_the_drainer_runs_every_minute():
    entry = celery_app.conf.beat_schedule["drain-outbox"]
    assert entry["task"] == "accounts.tasks.drain_outbox"
    assert entry["schedule"] == 60
    assert "accounts.tasks.drain_outbox" in celery_app.tasks


@pytest.mark.parametrize(
    "name", ["accounts.tasks.send_email", "schools.tasks.run_roster_import"]
)
def test_tasks_that_meet_transient_errors_retry_with_growing_waits_then_stop(name):
    import importlib

    importlib.import_module(name.rsplit(".", 1)[0])  # registers the task
    task = celery_app.tasks[name]
    assert task.autoretry_for
    assert task.retry_backoff and task.retry_jitter
    assert 0 < task.max_retries <= 5
    assert task.acks_late and task.reject_on_worker_lost


# /healthz -------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_is_ok_with_messages_on_their_way(client):
    queue()
    body = client.get(reverse("healthz")).json()
    assert body["outbox"] == "ok"


@pytest.mark.django_db
def test_healthz_reports_given_up_messages(client):
    (message,) = queue()
    OutboxMessage.objects.filter(pk=message.pk).update(dead=True, attempts=12)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["outbox"] == (
        "failing: 1 message(s) given up after 12 attempts"
    )


@pytest.mark.django_db
def test_healthz_reports_messages_unsent_for_ten_minutes(client):
    stuck, _ = queue(count=2)
    OutboxMessage.objects.filter(pk=stuck.pk).update(created_at=later(-11))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["outbox"] == (
        "failing: 1 message(s) unsent after 10 minutes"
    )
