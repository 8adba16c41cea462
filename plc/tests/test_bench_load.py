"""The load test runs, at a tiny size: gunicorn, a worker, beat and locust's
simulated staff against the test database, so a change to a page, a URL or the
log-in cannot quietly break it. The figures mean nothing at this size; that
every kind of request was sent and none failed does."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.db.models import Sum

from assessments.models import ItemScore
from bench import load as bench_load

pytestmark = pytest.mark.celery


def test_load_bench_reads_writes_and_exports_without_failures(transactional_db, capsys):
    call_command("seed_demo", students=8, stdout=io.StringIO())
    versions_before = ItemScore.objects.aggregate(n=Sum("version"))["n"] or 0

    result = bench_load.run(
        users=6, spawn_rate=6, run_time=12, max_requests=60, workers=1
    )

    output = capsys.readouterr().out
    for category in ("read", "write", "export"):
        row = re.search(rf"^{category}\s+(\d+)\s+(\d+)\s", output, re.MULTILINE)
        assert row, output
        assert int(row[1]) > 0, f"no {category} request was sent:\n{output}"
        assert int(row[2]) == 0, f"{category} requests failed:\n{output}"
    assert result["alive"] == {"gunicorn": True, "worker": True, "beat": True}
    # The writers' cells reached the database through the server: each saved
    # change of a cell raises its version.
    assert ItemScore.objects.aggregate(n=Sum("version"))["n"] > versions_before
