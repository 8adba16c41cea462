"""Time the daily review on a day that opens cases: one case at a time, and in bulk.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/plc_bench_sweep
    .venv/bin/python bench/flagging.py [--students 50000] [--assessments 20]
        [--sample-schools 1] [--bulk-only] [--daily-only]

Works on the database named by DATABASE_URL; with no district in it, it first
builds the demo district at `--students` as bench/sweep.py does. Every figure
is taken inside one transaction that is rolled back at the end: the database is
left as it was, and no task or e-mail is sent. In it, each school without a
ladder gets the default one and an open tutoring centre (what a school does
when it starts), and each school is recorded as reviewed just before the day
begins, so the review flags only what the day changed. Prints:

(a) the daily review of every school (`sweep()` for today) after a normal day:
    `--assessments` open assessments finalized and kept mastery refreshed; once
    with the cases opened one at a time through `services.case_open` (the path
    before the bulk one), then, from the same state, in bulk;
(b) the same review again, with nothing new;
(c) the first review of a district never reviewed: every student not yet
    proficient flagged at once, in bulk for the whole district, and both ways
    for `--sample-schools` schools of the district's middle size, with the
    cost of a case.

Each run of (a) and (c) starts from the same state (a savepoint rolled back
after it), so both paths open the same cases; the one-at-a-time run goes first,
so any warming of caches favours it.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from collections import Counter
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup

django_setup()

from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessments import services as assessment_services  # noqa: E402
from assessments.models import ItemScore, StudentMastery  # noqa: E402
from bench.sweep import Rollback, a_day, seed  # noqa: E402
from interventions import bulk_open, flagging, services, sweep  # noqa: E402
from interventions.models import Case, Group, Rung, SweepRun  # noqa: E402
from schools.models import District, School, Student  # noqa: E402


def opened_one_at_a_time(*, openings, on, actor=None, system="", reason="", **_):
    """`cases_open_bulk` as flagging called it before: `case_open` per case."""
    return bulk_open.cases_open_one_by_one(
        openings=openings, on=on, actor=actor, system=system, reason=reason
    )


def ladders_ready() -> int:
    """Give each school without a ladder the default one and an open tutoring
    centre for its first rung; how many schools were given one."""
    given = 0
    for school in School.objects.exclude(rungs__is_active=True).order_by("pk"):
        services.ladder_install_default(school=school, system="bench")
        given += 1
    for rung in Rung.objects.filter(position=1, is_active=True).exclude(group_kind=""):
        Group.objects.get_or_create(
            school_id=rung.school_id,
            kind=rung.group_kind,
            is_active=True,
            defaults={"name": "Tutoring centre", "weekdays": [1, 2, 3, 4, 5]},
        )
    return given


def reviewed_until_now() -> None:
    """Each school's last review ends now, so the next flags only what changes
    after this moment (the review looks back an hour; so does this)."""
    started = timezone.now() + sweep.WATERMARK_MARGIN
    SweepRun.objects.bulk_create(
        SweepRun(
            school_id=school_id,
            kind=SweepRun.Kind.DAILY,
            as_of=timezone.localdate() - datetime.timedelta(days=1),
            status=SweepRun.Status.SUCCEEDED,
            started_at=started,
            finished_at=started,
        )
        for school_id in School.objects.values_list("pk", flat=True)
    )


def timing(function, spent: Counter, key: str):
    """`function`, adding the seconds each call takes to `spent[key]`."""

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - started

    return timed


def review(today: datetime.date, *, bulk: bool) -> tuple[float, Counter]:
    """The daily review of every school, timed, then rolled back to before it;
    with the seconds spent flagging and, of those, opening cases."""
    counts: Counter = Counter()
    opener = bulk_open.cases_open_bulk if bulk else opened_one_at_a_time
    try:
        with transaction.atomic():
            with (
                mock.patch.object(
                    flagging, "cases_open_bulk", timing(opener, counts, "opening")
                ),
                mock.patch.object(
                    sweep,
                    "flag_students",
                    timing(flagging.flag_students, counts, "flagging"),
                ),
            ):
                started = time.perf_counter()
                runs = sweep.sweep(as_of=today)
                seconds = time.perf_counter() - started
            for run in runs:
                if run.status != SweepRun.Status.SUCCEEDED:
                    raise SystemExit(f"The review of {run.school} failed: {run.error}")
                counts.update({k: v for k, v in run.counts.items() if v})
            if bulk:
                started = time.perf_counter()
                again = sweep.sweep(as_of=today)
                counts["again_seconds"] = time.perf_counter() - started
                counts["again_opened"] = sum(r.counts["opened"] for r in again)
            raise Rollback
    except Rollback:
        pass
    return seconds, counts


def first_review(
    today: datetime.date, schools: list[School], *, bulk: bool
) -> tuple[float, int, int]:
    """Flag every student of these schools not yet proficient, timed, then
    rolled back: the seconds, the cases opened, the outcomes added."""
    opened = added = 0
    try:
        with transaction.atomic():
            with mock.patch.object(
                flagging,
                "cases_open_bulk",
                bulk_open.cases_open_bulk if bulk else opened_one_at_a_time,
            ):
                started = time.perf_counter()
                for school in schools:
                    counts = flagging.flag_students(
                        school=school, on=today, system=sweep.SYSTEM
                    )
                    opened += counts.opened
                    added += counts.outcomes_added
                seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return seconds, opened, added


def line(label: str, seconds: float, extra: str = "") -> None:
    print(f"{label:<62}{seconds:>9.2f} s  {extra}".rstrip(), flush=True)


def run(
    *,
    students: int | None = None,
    assessments: int = 20,
    sample_schools: int = 1,
    one_at_a_time: bool = True,
    first_reviews: bool = True,
) -> dict:
    if not District.objects.exists():
        if not students:
            raise SystemExit("The database is empty: give --students to build it.")
        seed(students)
    print(
        f"Database: {Student.objects.count():,} students in "
        f"{School.objects.count()} schools, {ItemScore.objects.count():,} item "
        f"scores, {StudentMastery.objects.filter(status='not_yet').count():,} "
        f"kept masteries not yet proficient, {Case.objects.count():,} cases"
    )
    today = timezone.localdate()
    figures: dict = {}
    # What DEBUG keeps of every query would grow with the cases opened.
    with override_settings(DEBUG=False):
        try:
            with transaction.atomic():
                given = ladders_ready()
                reviewed_until_now()
                chosen, actor = a_day(assessments)
                for assessment in chosen:
                    assessment_services.assessment_finalize(
                        assessment=assessment, actor=actor
                    )
                changed = assessment_services.mastery_refresh()
                print(
                    f"{given} schools given the default ladder; a day: "
                    f"{len(chosen)} assessments finalized, {len(changed):,} "
                    "students' kept mastery changed\n",
                    flush=True,
                )
                figures.update(_reviews(today, one_at_a_time))
                if first_reviews:
                    figures.update(_first_reviews(today, sample_schools))
                raise Rollback
        except Rollback:
            pass
    return figures


def _reviews(today: datetime.date, one_at_a_time: bool) -> dict:
    """(a) and (b)."""
    figures = {}
    for bulk, label, key in (
        *([(False, "one at a time", "before")] if one_at_a_time else []),
        (True, "in bulk", "after"),
    ):
        seconds, counts = review(today, bulk=bulk)
        decided = sum(
            counts[k] for k in ("exited", "escalated", "waitlisted", "held", "referred")
        )
        line(
            f"(a) daily review after a day, cases opened {label}",
            seconds,
            f"{counts['opened']:,} cases opened, {counts['outcomes_added']:,} "
            f"outcomes added, {counts['held_for_reteach']:,} held for the reteach, "
            f"{counts['notices_queued']:,} letters, {decided:,} cases decided; "
            f"flagging {counts['flagging']:.1f} s, of which opening "
            f"cases {counts['opening']:.1f} s",
        )
        figures[key], figures[f"{key}_counts"] = seconds, counts
    line(
        "(b) the same review again",
        counts["again_seconds"],
        f"{counts['again_opened']} cases opened",
    )
    return figures


def _first_reviews(today: datetime.date, sample_schools: int) -> dict:
    """(c)."""
    figures = {}
    # Schools of the district's middle size: the largest's first review, one
    # case at a time, takes the better part of an hour on a busy machine.
    sizes = dict(Student.objects.values_list("school_id").annotate(Count("pk")))
    by_size = sorted(School.objects.all(), key=lambda s: (sizes.get(s.pk, 0), s.pk))
    middle = max(0, (len(by_size) - sample_schools) // 2)
    sample = by_size[middle : middle + sample_schools]
    names = ", ".join(s.name for s in sample)
    paths = [
        (False, "one at a time", "sample_before"),
        (True, "in bulk", "sample_after"),
    ]
    for bulk, label, key in paths if sample else []:
        seconds, opened, added = figures[key] = first_review(today, sample, bulk=bulk)
        per_case = f"; {1000 * seconds / opened:.1f} ms a case" if opened else ""
        line(
            f"(c) first review of {len(sample)} schools, {label}",
            seconds,
            f"{opened:,} cases opened, {added:,} outcomes added{per_case} ({names})",
        )
    seconds, opened, added = figures["district"] = first_review(
        today, list(School.objects.order_by("pk")), bulk=True
    )
    per_case = f"; {1000 * seconds / opened:.1f} ms a case" if opened else ""
    line(
        "(c) first review of the whole district, in bulk",
        seconds,
        f"{opened:,} cases opened, {added:,} outcomes added{per_case}",
    )
    return figures


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
        "--sample-schools",
        type=int,
        default=1,
        help="Schools whose first review is also timed one case at a time "
        "(default 1, of the district's middle size).",
    )
    parser.add_argument(
        "--bulk-only",
        action="store_true",
        help="Skip the daily review with cases opened one at a time (at 50,000 "
        "students it takes the better part of an hour on a busy machine).",
    )
    parser.add_argument(
        "--daily-only",
        action="store_true",
        help="Only (a) and (b): skip the first reviews of (c), which at 50,000 "
        "students open over 100,000 cases.",
    )
    args = parser.parse_args()
    run(
        students=args.students,
        assessments=args.assessments,
        sample_schools=args.sample_schools,
        one_at_a_time=not args.bulk_only,
        first_reviews=not args.daily_only,
    )


if __name__ == "__main__":
    main()
