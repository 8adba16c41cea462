"""Time the principal's and the district's dashboards beside the SQL they rest on.

    .venv/bin/python manage.py seed_demo --reset            # 4,400 students
    .venv/bin/python bench/dashboards.py [--runs 5]

    createdb -h 127.0.0.1 -U postgres -T plc_bench_sweep plc_bench_dashboards
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plc_bench_dashboards \\
        .venv/bin/python bench/dashboards.py                # 50,000 students

Prints, for each line, the median and worst of `--runs` in milliseconds and the
number of SQL queries: the principal's dashboard of Stevenson High School (the
whole page as it is served while nothing under it changes, then its own
sections without the equity, goals and cycle parts it includes), a drill-down,
the district dashboard, both pages again on their first request after a change
(counted and drawn again, `dashboards/figures.py`), and beside them the one
aggregate the heat map needs (kept mastery per essential outcome for the
term's students) and, for comparison, counting every window of the term from
the item scores, which the page reads from kept counts instead. Server time
only (no network, no browser); the first request of each page is not timed,
so a window's counts are already kept.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import client_for, django_setup, median, timed

django_setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts import changes  # noqa: E402
from accounts.models import User  # noqa: E402
from dashboards import school as reads  # noqa: E402
from schools.models import School, Student  # noqa: E402

PRINCIPAL = "principal@stevenson.example"
ADMIN = "admin@lakeside.example"
LINES = (
    "principal dashboard (whole page)",
    "principal dashboard (own sections)",
    "drill-down: not yet, whole school",
    "district dashboard",
    "principal dashboard, after a change",
    "district dashboard, after every school changed",
    "SQL: kept mastery per outcome",
    "SQL: every window from item scores",
)


def _after_change(client, url: str, school_ids: list[int], *, runs: int):
    """The page's first request after its schools' data changed: the figures
    are counted again (`dashboards/figures.py`)."""

    def request():
        changes._raise(set(school_ids))  # what a committed change does
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")

    return _time(request, runs=runs)


def _time(call, *, runs: int) -> tuple[list[float], int]:
    call()
    timings, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
    return timings, queries


def _line(label: str, timings: list[float], queries: int) -> None:
    print(f"{label:<48}{median(timings):>10.1f}{max(timings):>10.1f}{queries:>9}")


def run(*, runs: int = 5) -> None:
    principal = User.objects.get(email=PRINCIPAL)
    school = School.objects.get(staff_roles__user=principal)
    terms = reads.terms_of(school)
    term = reads.choose_term(terms, None)
    in_school = Student.objects.filter(school=school, is_active=True).count()
    print(
        f"Database: {Student.objects.count():,} students in "
        f"{School.objects.count()} schools; {school.name}: {in_school:,} students, "
        f"term {term.name}\n"
    )
    print(f"{'':<48}{'median ms':>10}{'worst ms':>10}{'queries':>9}")
    client = client_for(principal)
    base = f"/schools/{school.pk}/dashboard/"
    _line(LINES[0], *timed(client, "get", base, runs=runs))

    def own_sections():
        board = reads.school_dashboard(school, term, terms)
        return board.proficiency.total, board.pyramid.layers

    _line(LINES[1], *_time(own_sections, runs=runs))
    drill = f"{base}students/?measure=kept_not_yet"
    _line(LINES[2], *timed(client, "get", drill, runs=runs))
    admin = client_for(User.objects.get(email=ADMIN))
    _line(LINES[3], *timed(admin, "get", "/district/", runs=runs))
    _line(LINES[4], *_after_change(client, base, [school.pk], runs=runs))
    every = list(School.objects.values_list("pk", flat=True))
    _line(LINES[5], *_after_change(admin, "/district/", every, runs=runs))
    _line(LINES[6], *_time(lambda: reads.kept_counts(school, term), runs=runs))
    windows = [w.pk for w in reads.term_windows(school, term)]
    _line(LINES[7], *_time(lambda: reads.window_counts(windows), runs=runs))
    print(f"\n({len(windows)} finalized assessments in the term)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=5, help="Timed runs per line (default 5)."
    )
    args = parser.parse_args()
    run(runs=args.runs)


if __name__ == "__main__":
    main()
