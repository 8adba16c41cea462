"""Time result entry on the demo district (run `manage.py seed_demo --reset` first).

    DEBUG=1 .venv/bin/python bench/assessments.py

Prints the server time to save one cell in a 30-student section (median and 95th
percentile of 200 saves, each followed by its totals), to render the entry grid,
and to render the team's data page, with their query counts.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plc.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from assessments.models import CommonAssessment, ItemScore  # noqa: E402
from assessments.services import assessment_students  # noqa: E402
from schools.models import Section, Student  # noqa: E402

SAVES = 200


def timed(client, method, url, data=None, runs=5):
    timings, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = getattr(client, method)(url, data or {})
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured.captured_queries)
    return timings, queries


def main() -> None:
    teacher = User.objects.get(email="teacher@stevenson.example")
    assessment = CommonAssessment.objects.filter(
        status="open", team__memberships__user=teacher
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
    client = Client()
    client.force_login(teacher)
    cell_url = reverse("assessments:cell", args=[assessment.pk, section.pk])
    grid_url = reverse("assessments:grid", args=[assessment.pk, section.pk])
    client.get(grid_url)
    timings, queries = [], 0
    for n in range(SAVES):
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
        assert response.status_code == 200
        queries = len(captured.captured_queries)
    timings.sort()
    print(f"{'what':<34}{'median ms':>10}{'p95 ms':>10}{'queries':>9}")
    print(
        f"{'save one cell':<34}{statistics.median(timings):>10.1f}"
        f"{timings[int(len(timings) * 0.95)]:>10.1f}{queries:>9}"
    )
    grid, grid_queries = timed(client, "get", grid_url)
    print(
        f"{'entry grid (one section)':<34}{statistics.median(grid):>10.1f}"
        f"{max(grid):>10.1f}{grid_queries:>9}"
    )
    try:
        data_url = reverse("assessments:data", args=[assessment.pk])
    except NoReverseMatch:
        return
    data, data_queries = timed(client, "get", data_url)
    print(
        f"{'team data page':<34}{statistics.median(data):>10.1f}"
        f"{max(data):>10.1f}{data_queries:>9}"
    )


if __name__ == "__main__":
    main()
