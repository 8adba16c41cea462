"""Time result entry on the demo district.

    .venv/bin/python manage.py seed_demo --reset
    .venv/bin/python bench/assessments.py [--saves 200] [--runs 5]

`seed_demo --reset` empties the database named by DATABASE_URL first; point it at
a scratch one to keep your own data. Prints the server time to save one cell in
a 30-student section (median and 95th percentile of `--saves` saves, each
answering the cell and its row totals), to render the entry grid, and to render
the team's data page (median and worst of `--runs` requests), with their query
counts. The data page of an open assessment is counted on every visit; that of
a finalized one is kept until its school changes, so both of its costs are
shown: kept, and the first visit after a change.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import client_for, django_setup, median, p95, timed

django_setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from assessments.models import CommonAssessment, ItemScore, KeptAnalysis  # noqa: E402
from assessments.selectors import assessment_students  # noqa: E402
from schools.models import Section, Student  # noqa: E402


def run(*, saves: int = 200, runs: int = 5) -> None:
    teacher = User.objects.get(email="teacher@stevenson.example")
    assessment = CommonAssessment.objects.filter(
        status=CommonAssessment.Status.OPEN, team__memberships__user=teacher
    ).first()
    section = (
        Section.objects.current()
        .filter(course=assessment.course, section_teachers__teacher=teacher)
        .first()
    )
    students = list(assessment_students(assessment, sections=[section]))
    items = list(assessment.items.all())
    print(
        f"Database: {Student.objects.count():,} students, "
        f"{ItemScore.objects.count():,} item scores, "
        f"{CommonAssessment.objects.filter(team=assessment.team).count()} "
        f"assessments of {assessment.team}"
    )
    print(f"Section {section}: {len(students)} students × {len(items)} items\n")
    client = client_for(teacher)
    cell_url = reverse("assessments:cell", args=[assessment.pk, section.pk])
    grid_url = reverse("assessments:grid", args=[assessment.pk, section.pk])
    data_url = reverse("assessments:data", args=[assessment.pk])
    client.get(grid_url)
    timings, queries = [], 0
    for n in range(saves):
        student = students[n % len(students)]
        item = items[n % len(items)]
        score = ItemScore.objects.filter(item=item, student=student).first()
        data = {
            "student": student.pk,
            "item": item.pk,
            "version": score.version if score else 0,
            "value": str(int(item.max_points) - n % 2),
        }
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post(cell_url, data)
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"POST {cell_url} answered {response.status_code}")
        queries = len(captured.captured_queries)
    print(f"{'what':<34}{'median ms':>10}{'p95/worst ms':>13}{'queries':>9}")
    print(
        f"{'save one cell':<34}{median(timings):>10.1f}{p95(timings):>13.1f}"
        f"{queries:>9}"
    )
    pages = [
        ("entry grid (one section)", grid_url),
        ("data page, open assessment", data_url),
    ]
    given = (
        CommonAssessment.objects.filter(
            status=CommonAssessment.Status.FINALIZED, team=assessment.team
        )
        .order_by("-administered_on")
        .first()
    )
    if given:
        pages.append(
            ("data page, finalized, kept", reverse("assessments:data", args=[given.pk]))
        )
    for what, url in pages:
        timings, queries = timed(client, "get", url, runs=runs)
        print(f"{what:<34}{median(timings):>10.1f}{max(timings):>13.1f}{queries:>9}")
    if given:
        # What the first reader after any change of the school pays: nothing
        # kept to use (as when the school's version has moved on).
        url = reverse("assessments:data", args=[given.pk])
        timings = []
        for _ in range(runs):
            KeptAnalysis.objects.filter(assessment=given).delete()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
        print(
            f"{'  … first visit after a change':<34}{median(timings):>10.1f}"
            f"{max(timings):>13.1f}{len(captured.captured_queries):>9}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--saves", type=int, default=200, help="Cells saved (default 200)."
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="Timed requests per page (default 5)."
    )
    args = parser.parse_args()
    run(saves=args.saves, runs=args.runs)


if __name__ == "__main__":
    main()
