"""A worker killed in the middle of the daily review loses and doubles nothing.

The review task is acknowledged late, so while its worker runs it the message
stays in Redis, unacknowledged; when the worker dies (SIGKILL: nothing runs on
the way out) Redis hands the message out again once its visibility timeout has
passed, and the next worker runs the review again. The review is safe to run
again: a case decided before the kill has moved on, the case being decided when
the worker died was rolled back with its transaction, and the rest are decided
once.

Real processes, real Redis, the test database: `celery worker` is started as a
child process twice. The first blocks at a known point — the row of the
required-tutoring group, which the test holds locked as a principal editing the
group would — and is killed there.
"""

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Event
from interventions.models import Case, CaseStatus, Placement, Policy, SweepRun
from interventions.tests.conftest import open_case
from interventions.tests.test_sweep import deliver, finalized

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)
CELERY = Path(sys.executable).parent / "celery"
# A Redis database of its own: a worker restores every unacknowledged message
# of its database that is older than its visibility timeout, and this test's
# timeout is seconds, so it must not see anyone else's messages.
REDIS_DB = 13
VISIBILITY_TIMEOUT = 2
WAIT = 60  # seconds, at most, for any step


def redis_url() -> str:
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{REDIS_DB}"))


def database_url() -> str:
    """The test database, which the child processes must use too."""
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def wait_for(what: str, check, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"Timed out waiting for {what}.")


class Workers:
    """`celery worker` processes on the test queue, each its own process group."""

    def __init__(self, queue: str, logs: Path):
        self.queue = queue
        self.logs = logs
        self.running: list[subprocess.Popen] = []

    def start(self, name: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "interventions.tests.worker_settings",
            "TEST_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "DATABASE_URL": database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": redis_url(),
            "CELERY_QUEUE": self.queue,
            "PLC_IGNORE_DOTENV": "1",
            # Names the worker's database sessions, so the test can see where
            # they wait.
            "PGAPPNAME": name,
        }
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - closed by the process
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "plc",
                "worker",
                "-Q",
                self.queue,
                "--pool=solo",
                "--concurrency=1",
                "--hostname",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.kill(process.pid, signal.SIGKILL)
                    process.wait()


@pytest.fixture
def broker():
    client = redis.Redis.from_url(redis_url())
    queue = f"plc-test-kill-{uuid.uuid4().hex[:12]}"
    yield client, queue
    # The queue, its bindings, and the unacknowledged-message records.
    client.delete(
        "unacked", "unacked_index", "unacked_mutex", *client.keys(f"*{queue}*")
    )


@pytest.fixture
def workers(broker, tmp_path):
    _, queue = broker
    running = Workers(queue, tmp_path)
    yield running
    running.stop_all()


def sessions_of(name: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, wait_event_type, state FROM pg_stat_activity "
            "WHERE application_name = %s",
            [name],
        )
        return cursor.fetchall()


def test_a_worker_killed_mid_review_loses_and_doubles_nothing(ladder, broker, workers):
    redis_client, queue = broker
    today = timezone.localdate()
    # The review runs from midnight, whenever the test runs.
    Policy.objects.create(school=ladder.school, sweep_hour=0)
    learned, *not_yet = ladder.taught_students
    opened = today - datetime.timedelta(days=50)
    cases = {
        student.pk: open_case(ladder, student, on=opened).case
        for student in ladder.taught_students
    }
    # One student learned the outcome (exit); two had their plan delivered and
    # did not (up to required tutoring, whose group row the test will hold).
    finalized(
        ladder, ladder.outcomes[0], learned, 9, today - datetime.timedelta(days=10)
    )
    for student in not_yet:
        deliver(cases[student.pk], today)
    assert all(c.next_review_on <= today for c in cases.values())
    assert min(cases.values(), key=lambda c: c.pk).student_id == learned.pk

    holder = psycopg2.connect(database_url())
    try:
        with holder.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM interventions_group WHERE id = %s FOR UPDATE",
                [ladder.required.pk],
            )
        first = workers.start("plc-kill-first")
        publisher = Celery("plc-test-publisher", broker=redis_url())
        publisher.send_task("interventions.tasks.daily_reviews", queue=queue)

        # The first worker exits the first case, then waits for the group.
        wait_for(
            "the first case to exit",
            lambda: Case.objects.filter(
                pk=cases[learned.pk].pk, status=CaseStatus.EXITED
            ).exists(),
        )
        wait_for(
            "the first worker to wait on the group's row",
            lambda: any(wait == "Lock" for _, wait, _ in sessions_of("plc-kill-first")),
        )
        assert redis_client.hlen("unacked") == 1  # taken, not acknowledged
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        holder.rollback()
    finally:
        holder.close()
    # Its database session dies with it: the lock it waited for is released,
    # it cannot answer, and its open transaction is rolled back.
    wait_for(
        "the killed worker's sessions to end",
        lambda: not sessions_of("plc-kill-first"),
    )
    cut_short = SweepRun.objects.get(school=ladder.school)
    assert cut_short.status == SweepRun.Status.RUNNING  # never finished
    assert redis_client.hlen("unacked") == 1  # still there to be handed out again

    time.sleep(VISIBILITY_TIMEOUT + 0.5)
    workers.start("plc-kill-second")
    finished = wait_for(
        "the second worker to finish the review",
        lambda: SweepRun.objects.filter(
            school=ladder.school, status=SweepRun.Status.SUCCEEDED
        ).first(),
    )
    wait_for("the message to be acknowledged", lambda: not redis_client.hlen("unacked"))

    # Nothing lost: every case decided, each once.
    assert SweepRun.objects.filter(school=ladder.school).count() == 2
    assert finished.as_of == today
    assert finished.counts["escalated"] == 2 and finished.counts["exited"] == 0
    exited = Case.objects.get(pk=cases[learned.pk].pk)
    assert exited.status == CaseStatus.EXITED
    assert Event.objects.filter(case=exited, type=EventType.CASE_EXITED).count() == 1
    for student in not_yet:
        (case,) = Case.objects.filter(student=student, course=ladder.course)
        assert case.status == CaseStatus.ACTIVE
        assert case.rung.name == "Required tutoring"
        assert (
            Event.objects.filter(case=case, type=EventType.CASE_MOVED_UP).count() == 1
        )
        assert (
            Event.objects.filter(
                case=case, type=EventType.CASE_RUNG_ENTERED, data__after__tier=2
            ).count()
            == 1
        )
        assert (
            Placement.objects.filter(student=student, group=ladder.required).count()
            == 1
        )
    # Nothing doubled anywhere: one case per student and course.
    assert Case.objects.filter(school=ladder.school).count() == 3
    assert redis_client.llen(queue) == 0
