"""Load-test the app as a school's staff use it: gunicorn, a worker and beat, and
locust's simulated staff, all on 127.0.0.1, bounded in time and requests.

    createdb -h 127.0.0.1 -U postgres -T plc_demo plc_load   # a copy: it writes
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/plc_load
    .venv/bin/python bench/load.py [--users 200] [--run-time 120]
        [--max-requests 20000] [--workers N]

Works on the database named by DATABASE_URL, which must hold the demo district
(`manage.py seed_demo`, about 4,400 students); it enters results, so point it at
a copy. The simulated staff are 80% reading pages (teachers' homes, rosters,
student records, grids and data pages; counselors' caseloads and cases;
principals' pages), 15% entering results cell by cell in grids of their own and
5% exporting tables as CSV, each logged in as a real account of the demo
school. Their pace is that of people at work: a reader opens a page every 15
to 45 seconds, a teacher entering results saves a cell every 2 to 6 seconds,
an exporter downloads a table every 30 to 90 seconds. Prints, for reads,
writes and exports: requests, failures, median, 95th percentile and worst in
ms, and whether the targets hold (p95 under 500 ms for reads and 1 s for
writes, no failures).

Production settings (DEBUG off) except for HTTPS: the server is plain HTTP on
127.0.0.1, so the HTTPS redirect and HSTS are off for the run, and the
simulated browsers send back cookies that a real one would keep for HTTPS;
static files are served from their sources (bench/load_settings.py).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import django_setup, median, p95  # noqa: E402

django_setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from assessments.models import AssessmentItem, CommonAssessment  # noqa: E402
from interventions.models import Case  # noqa: E402
from schools.models import (  # noqa: E402
    Section,
    StaffRole,
    Student,
    active_enrollment_q,
)

VENV_BIN = Path(sys.executable).parent
TARGETS_MS = {"read": 500, "write": 1000, "export": None}
SHARES = {"read": 80, "write": 15, "export": 5}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def session_for(user: User) -> str:
    """A real session of `user` in the session store every web process reads."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def optional_url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def staff_with(role: str, *, limit: int) -> list[User]:
    return list(
        User.objects.filter(
            staff_roles__role=role, staff_roles__is_active=True, is_active=True
        )
        .distinct()
        .order_by("pk")[:limit]
    )


def build_plan(*, users: int) -> dict:
    """Who logs in as whom, and what each may open: real accounts of the demo
    school, each with pages of their own."""
    readers, writers, exporters = [], [], []
    for teacher in staff_with(Role.TEACHER, limit=60):
        sections = list(
            Section.objects.current()
            .filter(section_teachers__teacher=teacher)
            .order_by("pk")[:3]
        )
        if not sections:
            continue
        session = session_for(teacher)
        urls = ["/", "/assessments/"]
        for section in sections:
            urls.append(section.get_absolute_url())
            student = (
                Student.objects.filter(
                    active_enrollment_q("enrollments__"), enrollments__section=section
                )
                .order_by("pk")
                .first()
            )
            if student:
                urls.append(student.get_absolute_url())
        given = (
            CommonAssessment.objects.filter(
                status=CommonAssessment.Status.FINALIZED,
                team__memberships__user=teacher,
            )
            .order_by("-pk")
            .first()
        )
        if given:
            urls.append(reverse("assessments:data", args=[given.pk]))
            exporters.append(
                {
                    "label": "teacher",
                    "session": session,
                    "urls": [
                        reverse("assessments:data_export", args=[given.pk, table])
                        for table in ("outcomes", "not-yet")
                    ],
                }
            )
        readers.append({"label": "teacher", "session": session, "urls": urls})
        open_assessment = (
            CommonAssessment.objects.filter(
                status=CommonAssessment.Status.OPEN,
                team__memberships__user=teacher,
                team__courses=sections[0].course,
            )
            .order_by("pk")
            .first()
        )
        if open_assessment is None:
            continue
        items = list(
            AssessmentItem.objects.filter(assessment=open_assessment).order_by("pk")
        )
        students = list(
            Student.objects.filter(
                active_enrollment_q("enrollments__"), enrollments__section=sections[0]
            ).order_by("pk")
        )
        if not items or not students:
            continue
        urls.append(
            reverse("assessments:grid", args=[open_assessment.pk, sections[0].pk])
        )
        # Each simulated teacher types into cells no one else types into.
        for half in (students[::2], students[1::2]):
            writers.append(
                {
                    "label": "teacher",
                    "session": session,
                    "grid": reverse(
                        "assessments:grid", args=[open_assessment.pk, sections[0].pk]
                    ),
                    "cell": reverse(
                        "assessments:cell", args=[open_assessment.pk, sections[0].pk]
                    ),
                    "cells": [[s.pk, i.pk] for s in half for i in items],
                    "max_points": int(min(i.max_points for i in items)),
                }
            )
    for counselor in staff_with(Role.COUNSELOR, limit=10):
        urls = ["/", reverse("interventions:caseload")]
        case = Case.objects.filter(student__counselor=counselor).order_by("pk").first()
        if case:
            urls.append(case.get_absolute_url())
        readers.append(
            {"label": "counselor", "session": session_for(counselor), "urls": urls}
        )
    for principal in staff_with(Role.PRINCIPAL, limit=3):
        school_id = (
            StaffRole.objects.filter(user=principal, role=Role.PRINCIPAL)
            .values_list("school_id", flat=True)
            .first()
        )
        urls = ["/", "/roster/students/"]
        dashboard = optional_url("dashboards:school", school_id)
        if dashboard:
            urls.append(dashboard)
        readers.append(
            {"label": "principal", "session": session_for(principal), "urls": urls}
        )
    if not (readers and writers and exporters):
        raise SystemExit(
            "The database holds no demo school to load (teachers with open and "
            "finalized common assessments): run `manage.py seed_demo` first."
        )
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "counts": user_counts(users),
        "readers": readers,
        "writers": writers,
        "exporters": exporters,
        "users": users,
    }


def user_counts(users: int) -> dict:
    """How many simulated staff do each kind of work: the shares of SHARES,
    at least one of each however few there are."""
    write = max(1, round(users * SHARES["write"] / 100))
    export = max(1, round(users * SHARES["export"] / 100))
    return {"read": max(1, users - write - export), "write": write, "export": export}


def server_env(port: int) -> dict:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": (
                f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "CELERY_QUEUE": f"plc-load-{port}",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        }
    )
    if db.get("PASSWORD"):
        env["DATABASE_URL"] = env["DATABASE_URL"].replace(
            f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@"
        )
    return env


def wait_for(url: str, *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310 (our own http://127.0.0.1)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"The server at {url} did not start.") from None
            time.sleep(0.2)


def preflight(base: str, plan: dict) -> None:
    """Every kind of page of the plan answers 200 before the run starts, so a
    failure in the run is load, not a wrong URL: each of the first reader's and
    exporter's pages of each role, and one grid."""
    checked = set()
    for kind in ("readers", "exporters"):
        for slot in plan[kind]:
            if (kind, slot["label"]) in checked:
                continue
            checked.add((kind, slot["label"]))
            for url in slot["urls"]:
                check(base, url, plan, slot)
    check(base, plan["writers"][0]["grid"], plan, plan["writers"][0])


def check(base: str, url: str, plan: dict, slot: dict) -> None:
    request = urllib.request.Request(  # noqa: S310 (our own http://127.0.0.1)
        base + url,
        headers={"Cookie": f"{plan['session_cookie']}={slot['session']}"},
    )
    try:
        status = (
            urllib.request.build_opener(NoRedirect).open(request, timeout=60).status
        )
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise SystemExit(
            f"{url} answered {status} for a {slot['label']} before the run started."
        )


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stop_on_sigterm(signum, frame):
    # `timeout` or Ctrl-C: leave no server, worker or beat behind.
    raise SystemExit(128 + signum)


def default_workers() -> int:
    """gunicorn's own advice, and docs/deployment.md's: two per core and one.
    The pages are Python-bound, so processes, not threads, use the cores; with
    three workers of four threads on two cores, a heavy page held its worker's
    other requests behind it (read p95 1.7 s against 0.76 s with five)."""
    return 2 * (os.cpu_count() or 1) + 1


def run(
    *,
    users: int = 200,
    spawn_rate: float = 20,
    run_time: int = 120,
    max_requests: int = 20000,
    workers: int | None = None,
) -> dict:
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    plan = build_plan(users=users)
    print(
        f"Database: {Student.objects.count():,} students; {len(plan['readers'])} "
        f"readers', {len(plan['writers'])} grids' and {len(plan['exporters'])} "
        "exporters' sessions"
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(port)
    with tempfile.TemporaryDirectory(prefix="plc-load-") as scratch:
        scratch = Path(scratch)
        plan_file = scratch / "plan.json"
        times_file = scratch / "times.jsonl"
        processes = [
            start(
                [
                    str(VENV_BIN / "gunicorn"),
                    "plc.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(workers or default_workers()),
                    "--worker-class",
                    "gthread",
                    "--threads",
                    "4",
                    "--timeout",
                    "60",
                    # A browser keeps its connection for a minute or more; at
                    # gunicorn's default of 2 s a teacher pausing between cells
                    # would race the server closing it (a proxy in front of
                    # gunicorn keeps its own connections in production).
                    "--keep-alive",
                    "75",
                ],
                env,
                scratch / "gunicorn.log",
            ),
            start(
                [
                    str(VENV_BIN / "celery"),
                    "-A",
                    "plc",
                    "worker",
                    "--pool=solo",
                    "--loglevel=WARNING",
                    "-Q",
                    env["CELERY_QUEUE"],
                ],
                env,
                scratch / "worker.log",
            ),
            start(
                [
                    str(VENV_BIN / "celery"),
                    "-A",
                    "plc",
                    "beat",
                    "--loglevel=WARNING",
                    "--schedule",
                    str(scratch / "beat-schedule"),
                ],
                env,
                scratch / "beat.log",
            ),
        ]
        try:
            wait_for(base + "/healthz")
            print("Server up; every page of the plan answers…", flush=True)
            preflight(base, plan)
            print(f"Running locust: {users} staff, at most {run_time} s…", flush=True)
            plan_file.write_text(json.dumps(plan))
            locust_env = dict(
                env,
                PLC_LOAD_PLAN=str(plan_file),
                PLC_LOAD_TIMES=str(times_file),
                PLC_LOAD_MAX_REQUESTS=str(max_requests),
                # Each person starts within a first pause, but within the
                # first quarter of the run, so a short run sees every kind.
                PLC_LOAD_START_WITHIN=str(run_time / 4),
            )
            started = time.monotonic()
            locust = subprocess.run(
                [
                    str(VENV_BIN / "locust"),
                    "-f",
                    str(ROOT / "bench" / "locustfile.py"),
                    "--headless",
                    "--users",
                    str(users),
                    "--spawn-rate",
                    str(spawn_rate),
                    "--run-time",
                    f"{run_time}s",
                    "--stop-timeout",
                    "10",
                    "--host",
                    base,
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=locust_env,
                capture_output=True,
                text=True,
            )
            elapsed = time.monotonic() - started
            alive = {
                name: process.poll() is None
                for name, process in zip(
                    ("gunicorn", "worker", "beat"), processes, strict=True
                )
            }
        finally:
            for process in processes:
                stop(process)
        records = [
            json.loads(line) for line in times_file.read_text().splitlines() if line
        ]
        if not records:
            print(locust.stdout[-3000:], locust.stderr[-3000:], sep="\n")
            log = (scratch / "gunicorn.log").read_text()[-3000:]
            raise SystemExit(f"locust sent no request.\n{log}")
    return report(records, elapsed=elapsed, users=users, alive=alive)


def report(records: list[dict], *, elapsed: float, users: int, alive: dict) -> dict:
    print(
        f"\n{users} simulated staff for {elapsed:.0f} s: {len(records):,} requests "
        f"({len(records) / elapsed:.1f} a second)\n"
    )
    print(
        f"{'what':<10}{'requests':>10}{'failures':>10}{'median ms':>11}"
        f"{'p95 ms':>9}{'worst ms':>10}  target"
    )
    figures, ok = {}, True
    for category in ("read", "write", "export"):
        rows = [r for r in records if r["category"] == category]
        times = [r["ms"] for r in rows] or [0.0]
        failures = sum(r["failed"] for r in rows)
        target = TARGETS_MS[category]
        holds = failures == 0 and (target is None or p95(times) < target)
        ok = ok and holds and bool(rows)
        figures[category] = {
            "requests": len(rows),
            "failures": failures,
            "median": median(times),
            "p95": p95(times),
            "worst": max(times),
        }
        wanted = f"p95 < {target} ms, " if target else ""
        print(
            f"{category:<10}{len(rows):>10,}{failures:>10}{median(times):>11.1f}"
            f"{p95(times):>9.1f}{max(times):>10.1f}  {wanted}no failures: "
            f"{'holds' if holds else 'MISSED'}"
        )
    by_name: dict[str, list[float]] = {}
    for record in records:
        by_name.setdefault(record["name"], []).append(record["ms"])
    slowest = sorted(by_name.items(), key=lambda kv: -p95(kv[1]))[:8]
    print(f"\n{'slowest pages':<60}{'requests':>9}{'median ms':>11}{'p95 ms':>9}")
    for name, times in slowest:
        print(f"{name[:59]:<60}{len(times):>9}{median(times):>11.1f}{p95(times):>9.1f}")
    errors: dict[str, int] = {}
    for record in records:
        if record.get("error"):
            errors[record["error"]] = errors.get(record["error"], 0) + 1
    if errors:
        print("\nFailures:")
        for error, count in sorted(errors.items(), key=lambda kv: -kv[1]):
            print(f"{count:>6}  {error}")
    print(
        "\nWorker and beat running to the end: "
        + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in alive.items())
    )
    print("All targets hold." if ok and all(alive.values()) else "A target missed.")
    return {"figures": figures, "ok": ok and all(alive.values()), "alive": alive}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--run-time", type=int, default=120, help="seconds")
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument(
        "--workers",
        type=int,
        help="gunicorn workers (default: 2 × cores + 1, as in docs/deployment.md)",
    )
    args = parser.parse_args()
    result = run(
        users=args.users,
        spawn_rate=args.spawn_rate,
        run_time=args.run_time,
        max_requests=args.max_requests,
        workers=args.workers,
    )
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
