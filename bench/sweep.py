"""Time the kept-mastery sweep at a district's size, beside one SQL statement.

    createdb -h 127.0.0.1 -U postgres plc_bench_sweep
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/plc_bench_sweep
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/sweep.py --students 50000 [--assessments 20] [--runs 3]

Works on the database named by DATABASE_URL. When it holds no district yet, the
script first builds the demo district at that size (`seed_demo
--district-students N`, in a process of its own: a year of common assessments
and results, about 100 per student); when it holds one, it uses what is there,
whatever its size, and says so. Prints:

(a) a full rebuild of kept mastery from scratch (the table emptied first): its
    time, and the peak resident memory of this process before and after;
(b) the sweep after a normal day: `--assessments` open assessments finalized
    (their students marked due), then `mastery_refresh()`;
(c) the sweep again, with nothing due;
(d) one SELECT with window functions that gives, for every student and outcome,
    the percent on the newest finalized assessment and whether it reaches the
    mastery cut, all rows fetched: the set-based floor for the simplest method;

each with its ratio to (d). (b) and (c) run in a transaction that is rolled
back: the database is left as it was, and no task is sent. (a) commits; it
leaves kept mastery as it was, with new `computed_at` stamps.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup

django_setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from accounts.models import User  # noqa: E402
from assessments import services  # noqa: E402
from assessments.models import (  # noqa: E402
    DEFAULT_MASTERY_CUT,
    AssessmentItem,
    CommonAssessment,
    ItemScore,
    MasteryDirty,
    OutcomeCut,
    StudentMastery,
)
from schools.models import District, Student  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
Status = CommonAssessment.Status
# Stevenson High School and Boones Mill Elementary: the demo before any school
# is added for benchmarks.
DEMO_STUDENTS = 4400


def latest_score_status() -> str:
    """One SELECT: per student and outcome, the percent on the newest finalized
    assessment with a complete result, and whether it reaches the mastery cut
    (the one parameter, bound)."""
    score, item = ItemScore._meta.db_table, AssessmentItem._meta.db_table
    assessment, cut = CommonAssessment._meta.db_table, OutcomeCut._meta.db_table
    return f"""
        WITH outcome_scores AS (
            SELECT s.student_id, i.outcome_id, i.assessment_id,
                   count(*) FILTER (WHERE s.points IS NOT NULL OR s.mark <> '')
                       AS entered,
                   sum(s.points) * 100 / nullif(
                       sum(i.max_points) FILTER (WHERE s.points IS NOT NULL), 0
                   ) AS percent
              FROM {score} s
              JOIN {item} i ON i.id = s.item_id
              JOIN {assessment} a ON a.id = i.assessment_id
             WHERE a.status = 'finalized'
             GROUP BY s.student_id, i.outcome_id, i.assessment_id
        ), items AS (
            SELECT assessment_id, outcome_id, count(*) AS n
              FROM {item}
             GROUP BY assessment_id, outcome_id
        ), newest AS (
            SELECT o.student_id, o.outcome_id, o.assessment_id, o.percent,
                   row_number() OVER (
                       PARTITION BY o.student_id, o.outcome_id
                       ORDER BY a.administered_on DESC, o.assessment_id DESC
                   ) AS rank
              FROM outcome_scores o
              JOIN items k
                ON k.assessment_id = o.assessment_id
               AND k.outcome_id = o.outcome_id
              JOIN {assessment} a ON a.id = o.assessment_id
             WHERE o.entered = k.n AND o.percent IS NOT NULL
        )
        SELECT n.student_id, n.outcome_id, n.percent,
               n.percent >= coalesce(c.mastery_cut, %s) AS proficient
          FROM newest n
          LEFT JOIN {cut} c
            ON c.assessment_id = n.assessment_id AND c.outcome_id = n.outcome_id
         WHERE n.rank = 1
    """  # noqa: S608 - table names from _meta; the cut is bound


class Rollback(Exception):
    pass


def peak_mb() -> float:
    """The process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(students: int) -> None:
    """Build the demo district at this size in a process of its own, so that
    this one's peak memory is the rebuild's."""
    if students > DEMO_STUDENTS:
        options = ["--district-students", str(students)]
    else:
        options = ["--students", str(max(8, students - 400))]
    print(f"Building the demo district ({' '.join(options)}) …", flush=True)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "seed_demo", *options],
        cwd=ROOT,
        check=True,
    )


def empty_kept_mastery() -> None:
    """From scratch: the table emptied as a new database has it, without the
    dead rows a DELETE would leave for the rebuild to step over."""
    with connection.cursor() as cursor:
        # Inside a transaction that wrote kept mastery (a test's), its deferred
        # key checks must run before the table can be emptied.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {StudentMastery._meta.db_table}")


def set_based(runs: int) -> tuple[float, int]:
    """The statement's median time over `runs`, and the rows it returned."""
    timings, rows = [], 0
    sql = latest_score_status()
    for _ in range(runs):
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(sql, [DEFAULT_MASTERY_CUT])
            rows = len(cursor.fetchall())
            timings.append(time.perf_counter() - started)
    return statistics.median(timings), rows


def a_day(assessments: int) -> tuple[list[CommonAssessment], User | None]:
    """The open assessments with results a day finalizes: spread over the
    district (every so many in id order), those with the most results first."""
    candidates = list(
        CommonAssessment.objects.filter(status=Status.OPEN, items__scores__isnull=False)
        .distinct()
        .order_by("pk")
    )
    step = max(1, len(candidates) // max(1, assessments))
    chosen = candidates[::step][:assessments]
    actor = User.objects.filter(is_superuser=True).first()
    return chosen, actor


def a_day_swept(assessments: int):
    """Finalize a day's assessments and sweep twice, in a transaction rolled
    back at the end."""
    try:
        with transaction.atomic():
            chosen, actor = a_day(assessments)
            started = time.perf_counter()
            for assessment in chosen:
                services.assessment_finalize(assessment=assessment, actor=actor)
            finalizing = time.perf_counter() - started
            results = ItemScore.objects.filter(item__assessment__in=chosen).count()
            due = MasteryDirty.objects.count()
            started = time.perf_counter()
            changed = services.mastery_refresh()
            day = time.perf_counter() - started
            started = time.perf_counter()
            unchanged = services.mastery_refresh()
            idle = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return chosen, results, due, changed, unchanged, finalizing, day, idle


def line(label: str, seconds: float, floor: float, extra: str = "") -> None:
    ratio = f"{seconds / floor:>8.1f}×" if floor else ""
    print(f"{label:<58}{seconds:>9.2f} s{ratio}  {extra}".rstrip())


def run(*, students: int | None = None, assessments: int = 20, runs: int = 3) -> dict:
    if not District.objects.exists():
        if not students:
            raise SystemExit("The database is empty: give --students to build it.")
        seed(students)
    else:
        have = Student.objects.count()
        if students and students != have:
            print(f"Using the district already here ({have:,} students).")
    print(
        f"Database: {Student.objects.count():,} students, "
        f"{ItemScore.objects.count():,} item scores, "
        f"{CommonAssessment.objects.filter(status=Status.FINALIZED).count():,} "
        f"finalized assessments, "
        f"{StudentMastery.objects.count():,} kept masteries"
    )

    # What DEBUG keeps of every query would grow with the district (each
    # batch's upsert carries its rows); a worker runs without it.
    with override_settings(DEBUG=False):
        empty_kept_mastery()
        before = peak_mb()
        started = time.perf_counter()
        rebuilt = services.mastery_rebuild()
        rebuild = time.perf_counter() - started
        after = peak_mb()
        chosen, results, due, changed, unchanged, finalizing, day, idle = a_day_swept(
            assessments
        )
    floor, rows = set_based(runs)

    print()
    line(
        "(a) full rebuild of kept mastery from scratch",
        rebuild,
        floor,
        f"{rebuilt.students:,} students, {rebuilt.written:,} rows; peak memory "
        f"{after:.0f} MB ({before:.0f} MB before)",
    )
    line(
        f"(b) sweep after a day: {len(chosen)} assessments finalized",
        day,
        floor,
        f"{results:,} results, {due:,} students due, {len(changed):,} changed "
        f"(finalizing took {finalizing:.2f} s)",
    )
    line("(c) sweep with nothing due", idle, floor, f"{len(unchanged)} changed")
    line(
        "(d) one SQL statement: latest-score status",
        floor,
        0,
        f"{rows:,} (student, outcome) rows; median of {runs}",
    )
    return {
        "rebuild": rebuild,
        "day": day,
        "idle": idle,
        "floor": floor,
        "due": due,
        "changed": len(changed),
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--students",
        type=int,
        help="Build the demo district at this size if the database is empty.",
    )
    parser.add_argument(
        "--assessments",
        type=int,
        default=20,
        help="Open assessments a normal day finalizes (default 20).",
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="Runs of the SQL statement (default 3)."
    )
    args = parser.parse_args()
    run(students=args.students, assessments=args.assessments, runs=args.runs)


if __name__ == "__main__":
    main()
