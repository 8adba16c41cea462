"""A teacher's save succeeds at once when the broker refuses or hangs, and the
work it asks for (finalizing asks for the recompute of kept mastery) is done
when the broker is back (docs/domain.md, "Mastery":
kept mastery is recomputed by a background job when results change)."""

import socket
import threading
import time
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import outbox
from accounts.models import OutboxMessage
from assessments import services
from assessments.models import ItemScore, StudentMastery
from assessments.tests.conftest import exam  # noqa: F401 - the fixtures, reused
from plc.celery import app as celery_app
from teams.tests.conftest import squad  # noqa: F401

RECOMPUTE = "assessments.tasks.recompute_mastery"
# Nothing listens on port 1: the connection is refused at once.
REFUSING = "redis://127.0.0.1:1/0"
# The teacher is answered within this, whatever the broker does.
PROMPT = 2.0


def _use_broker(url: str) -> None:
    celery_app.conf.broker_url = url
    # Forget the pooled connections to the other broker, as a new process would.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def broker_at(url: str):
    """The web side publishes to `url`; a running test worker keeps consuming
    from the real Redis it connected to."""
    _use_broker(url)
    try:
        yield
    finally:
        _use_broker(settings.CELERY_BROKER_URL)
        outbox.publish_pause_end()


@contextmanager
def silent_broker():
    """A broker that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    accepted, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        with broker_at(f"redis://127.0.0.1:{listener.getsockname()[1]}/0"):
            yield accepted
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        listener.close()


def save_cell(client, given, student, item, value):
    """Post one cell as the grid does; (response, seconds it took)."""
    started = time.monotonic()
    response = client.post(
        reverse("assessments:cell", args=[given.assessment.pk, given.section.pk]),
        {"student": student.pk, "item": item.pk, "value": value, "version": 0},
        HTTP_HX_REQUEST="true",
    )
    return response, time.monotonic() - started


def wait_for(condition, timeout=15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def pending_recomputes():
    return OutboxMessage.objects.filter(task=RECOMPUTE, sent_at__isnull=True)


@pytest.mark.celery
def test_with_the_broker_refusing_a_save_succeeds_and_is_caught_up_later(
    exam,  # noqa: F811
    celery_worker,
    login,
):
    student = exam.taught_students[0]
    client = login(exam.teacher)
    with broker_at(REFUSING):
        for item, value in zip(exam.items, ["3", "2", "4"], strict=True):
            response, seconds = save_cell(client, exam, student, item, value)
            assert response.status_code == 200
            assert seconds < PROMPT, f"the save took {seconds:.1f} s"
            assert "Saved" in response.content.decode()
        services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)

    saved = ItemScore.objects.filter(student=student).values_list("points", flat=True)
    assert sorted(saved) == [2, 3, 4]
    # Results entered while the assessment is open owe no work (kept mastery
    # reads finalized results only); finalizing owes the recompute, which is
    # in the database, not lost.
    assert [m.kwargs for m in pending_recomputes()] == [{"student_ids": [student.pk]}]
    failed = pending_recomputes().get()
    assert failed.attempts == 1 and "Connection refused" in failed.last_error
    time.sleep(1)  # long enough for a worker that had the message to show it
    assert not StudentMastery.objects.filter(student=student).exists()

    # The broker is back: the next drain publishes and the worker recomputes.
    owed = OutboxMessage.objects.filter(sent_at__isnull=True).count()
    drained = outbox.outbox_drain(now=timezone.now() + outbox.GRACE * 4)
    assert (drained.sent, drained.failed) == (owed, 0)
    assert not pending_recomputes().exists()
    assert wait_for(
        lambda: StudentMastery.objects.filter(student=student).count() == 2
    ), "the worker recomputed no mastery"


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_that_hangs_a_save_still_answers_at_once(
    exam,  # noqa: F811
    login,
):
    student = exam.taught_students[0]
    client = login(exam.teacher)
    save_cell(client, exam, student, exam.items[0], "3")
    answers = []

    def save():
        # Finalizing is the save that asks the workers for work: the recompute
        # of its students' kept mastery.
        started = time.monotonic()
        try:
            response = client.post(
                reverse(
                    "assessments:transition",
                    kwargs={"pk": exam.assessment.pk, "action": "finalize"},
                )
            )
            answers.append((response, time.monotonic() - started))
        finally:
            connection.close()

    with silent_broker() as connections:
        # In a thread, so that a save that hangs fails the test instead of
        # hanging it; closing the silent broker's sockets then lets it go.
        request = threading.Thread(target=save, daemon=True)
        request.start()
        request.join(timeout=PROMPT * 5)
        assert answers, "the save hung on the silent broker"
        assert connections, "the publish never reached the silent broker"
    request.join(timeout=10)
    response, seconds = answers[0]
    assert response.status_code in (200, 302)
    assert seconds < PROMPT, f"the save took {seconds:.1f} s"
    exam.assessment.refresh_from_db()
    assert exam.assessment.counts_toward_mastery  # finalized, committed
    assert ItemScore.objects.get(student=student, item=exam.items[0]).points == 3
    message = pending_recomputes().get()
    assert message.kwargs == {"student_ids": [student.pk]}
    assert message.attempts == 1 and "Timeout" in message.last_error


@pytest.mark.django_db(transaction=True)
def test_a_roster_upload_with_the_broker_refusing_is_queued_all_the_same(login, cast):
    from schools.models import ImportRun
    from schools.tests.test_oneroster_views import upload_file, zipped

    client = login(cast.district_admin)
    with broker_at(REFUSING):
        started = time.monotonic()
        response = client.post(
            reverse("schools:import"),
            {"target": f"district:{cast.district.pk}", "file": upload_file(zipped())},
        )
        seconds = time.monotonic() - started
    assert response.status_code == 302
    assert seconds < PROMPT + 1  # the upload itself is a few hundred kilobytes
    run = ImportRun.objects.get()
    message = OutboxMessage.objects.get(task="schools.tasks.run_roster_import")
    assert message.kwargs == {"run_id": run.pk} and message.sent_at is None
