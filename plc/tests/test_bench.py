"""Every benchmark under bench/ runs, at a tiny size, and prints its figures.

The scripts are run by hand, rarely; these tests call the same `run()` their
command line calls, on a tiny demo district in the test database, so that a
change to a page, a URL or the roster import cannot quietly break them. The
figures themselves mean nothing at this size; only that they are there.

Bulk writers (the demo loader, the roster import) also leave fresh planner
statistics behind them, or the benchmarks would time plans made for empty
tables; the last tests check that.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from assessments.models import ItemScore, StudentMastery
from bench import assessments as bench_assessments
from bench import interventions as bench_interventions
from bench import oneroster_import as bench_import
from bench import pages as bench_pages
from plc.db import analyze
from schools.models import Enrollment, Guardian, Section, Student
from schools.oneroster import import_oneroster, open_source

# A median, a worst (or 95th percentile) in ms, and a query count, at a line's end.
FIGURES = re.compile(r"\s+(\d+\.\d)\s+(\d+\.\d)\s+(\d+)$")


@pytest.fixture
def tiny_demo(db):
    """The demo district at its smallest: 8 students at Stevenson High School
    (Boones Mill Elementary keeps its 400), with a school year of results."""
    call_command("seed_demo", students=8, stdout=io.StringIO())


def figures(output: str, labels: list[str]) -> dict[str, tuple[float, float, int]]:
    """The three figures of each line that starts with one of `labels`."""
    found = {}
    for line in output.splitlines():
        match = FIGURES.search(line)
        if not match:
            continue
        label = " ".join(line[: match.start()].split())
        found[label] = (float(match[1]), float(match[2]), int(match[3]))
    assert sorted(found) == sorted(labels), output
    return found


def assert_timed(row: tuple[float, float, int]) -> None:
    median, worst, queries = row
    assert 0 < median <= worst
    assert queries > 0


def test_pages_bench_times_every_page(tiny_demo, settings, capsys):
    # What DEBUG=1 allows on the command line: no `testserver`, which used to
    # make every page of the benchmark answer 400.
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

    bench_pages.run(runs=1)

    output = capsys.readouterr().out
    assert re.search(r"Database: \d+ students, \d+ sections", output), output
    rows = figures(output, [f"{page} {who}" for page, who, _ in bench_pages.PAGES])
    for row in rows.values():
        assert_timed(row)


def test_assessments_bench_times_entry_grid_and_data_page(tiny_demo, capsys):
    bench_assessments.run(saves=4, runs=1)

    output = capsys.readouterr().out
    assert re.search(r"Database: \d+ students, [\d,]+ item scores", output), output
    rows = figures(
        output,
        [
            "save one cell",
            "entry grid (one section)",
            "data page, open assessment",
            "data page, finalized, kept",
            "… first visit after a change",
        ],
    )
    for row in rows.values():
        assert_timed(row)
    # The kept page reads none of the results the first visit counts.
    assert (
        rows["data page, finalized, kept"][2] < rows["… first visit after a change"][2]
    )


def test_oneroster_import_bench_imports_three_times(db, capsys):
    assert bench_import.run(students=20, sections=5, per_student=2)

    output = capsys.readouterr().out
    runs = re.findall(
        r"\n(.+?): zip [\d.]+ MB.*\n  import time: ([\d.]+) s; peak memory so far: "
        r"(\d+) MB\n((?:  \w+ +created .*\n?){4})",
        output,
    )
    assert [label for label, *_ in runs] == [
        "first import (empty roster)",
        "same files again",
        "a tenth of the enrollments replaced",
    ], output
    counts = {}
    for label, seconds, memory, lines in runs:
        assert float(seconds) > 0 and int(memory) > 0
        counts[label] = {
            entity: tuple(int(n.replace(",", "")) for n in numbers)
            for entity, *numbers in re.findall(
                r"(\w+) +created +([\d,]+) +updated +([\d,]+) +unchanged +([\d,]+) "
                r"+deactivated +([\d,]+)",
                lines,
            )
        }
    # (created, updated, unchanged, deactivated)
    assert counts["first import (empty roster)"]["students"] == (20, 0, 0, 0)
    assert counts["first import (empty roster)"]["enrollments"] == (40, 0, 0, 0)
    assert counts["same files again"]["students"] == (0, 0, 20, 0)
    assert counts["same files again"]["enrollments"] == (0, 0, 40, 0)
    moved = counts["a tenth of the enrollments replaced"]["enrollments"]
    assert moved[0] == moved[3] > 0 and moved[0] + moved[2] == 40


# Fresh statistics after bulk writes ------------------------------------------


def estimated_rows(model) -> float:
    """What the planner believes the table holds: pg_class.reltuples, which
    only ANALYZE (or VACUUM) sets. ANALYZE counts the rows this transaction
    wrote, and its update of pg_class is visible at once, so this works inside
    the test's transaction too."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        return cursor.fetchone()[0]


def test_seed_demo_leaves_fresh_statistics_on_the_tables_it_filled(db):
    filled = [Student, Section, Enrollment, Guardian, ItemScore, StudentMastery]
    # The tables are empty now; say so to the planner, whatever an earlier test
    # left in pg_class (its updates survive a rollback).
    analyze(*filled)
    assert {estimated_rows(model) for model in filled} <= {0, -1}

    call_command("seed_demo", students=8, stdout=io.StringIO())

    for model in filled:
        rows = model.objects.count()
        assert rows > 0
        assert estimated_rows(model) == rows, model


def test_roster_import_leaves_fresh_statistics_on_the_tables_it_wrote(
    db, tmp_path: Path
):
    written = [Student, Section, Enrollment, Guardian]
    analyze(*written)
    bench_import.generate(tmp_path, students=20, sections=5, per_student=2)

    report = import_oneroster(open_source(tmp_path))

    assert report.ok, report.errors
    for model in written:
        rows = model.objects.count()
        assert rows > 0
        assert estimated_rows(model) == rows, model


def test_interventions_bench_runs_and_leaves_the_database_as_it_was(tiny_demo, capsys):
    from accounts.models import Event
    from interventions.models import Case

    cases, events = Case.objects.count(), Event.objects.count()
    bench_interventions.run(cases=cases + 4, weeks=3, runs=1)
    output = capsys.readouterr().out
    rows = [line for line in output.splitlines() if FIGURES.search(line)]
    labels = [" ".join(line[: FIGURES.search(line).start()].split()) for line in rows]
    assert [label.split(",")[0] for label in labels] == [
        "caseload",
        "case page",
        "caseload",
        "counselor home",
        "case page",
    ], output
    assert labels[4] == "case page, 3 weeks of history"
    for line in rows:
        match = FIGURES.search(line)
        assert_timed((float(match[1]), float(match[2]), int(match[3])))
    assert (Case.objects.count(), Event.objects.count()) == (cases, events)


def test_sweep_bench_times_the_rebuild_the_sweeps_and_the_sql(tiny_demo, capsys):
    from assessments.models import CommonAssessment, MasteryDirty
    from bench import sweep as bench_sweep

    def kept():
        return sorted(
            StudentMastery.objects.values_list(
                "student_id", "outcome_id", "status", "value", "score_count"
            )
        )

    before = kept()
    still_open = CommonAssessment.objects.filter(status="open").count()

    figures = bench_sweep.run(assessments=2, runs=1)

    output = capsys.readouterr().out
    assert re.search(r"Database: [\d,]+ students, [\d,]+ item scores", output)
    for label in (
        "(a) full rebuild of kept mastery from scratch",
        "(b) sweep after a day: 2 assessments finalized",
        "(c) sweep with nothing due",
        "(d) one SQL statement: latest-score status",
    ):
        assert re.search(re.escape(label) + r" +\d+\.\d\d s", output), output
    assert re.search(r"peak memory \d+ MB", output), output
    assert figures["due"] > 0 and figures["changed"] > 0
    assert figures["floor"] > 0 and figures["rebuild"] > 0
    # The rebuild leaves kept mastery as it was; the day is rolled back.
    assert kept() == before
    assert CommonAssessment.objects.filter(status="open").count() == still_open
    assert not MasteryDirty.objects.exists()


def test_flagging_bench_times_both_paths_and_leaves_the_database_as_it_was(
    tiny_demo, capsys
):
    from accounts.models import Event, OutboxMessage
    from bench import flagging as bench_flagging
    from interventions.models import Case, Rung, SweepRun

    def state():
        return [
            model.objects.count()
            for model in (Case, Event, OutboxMessage, Rung, SweepRun, StudentMastery)
        ]

    before = state()

    figures = bench_flagging.run(assessments=2, sample_schools=1)

    output = capsys.readouterr().out
    for label in (
        "(a) daily review after a day, cases opened one at a time",
        "(a) daily review after a day, cases opened in bulk",
        "(b) the same review again",
        "(c) first review of 1 schools, one at a time",
        "(c) first review of 1 schools, in bulk",
        "(c) first review of the whole district, in bulk",
    ):
        assert re.search(re.escape(label) + r" +\d+\.\d\d s", output), output
    # Both paths open the same cases from the same state.
    assert figures["before_counts"]["opened"] == figures["after_counts"]["opened"]
    assert figures["sample_before"][1:] == figures["sample_after"][1:]
    assert figures["district"][1] > 0
    assert figures["after_counts"]["again_opened"] == 0
    assert state() == before
