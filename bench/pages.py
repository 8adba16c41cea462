"""Time the home and roster pages on whatever data the database holds.

    DEBUG=1 DATABASE_URL=postgres://…/plc_bench .venv/bin/python bench/pages.py
    (after `manage.py seed_demo --reset --district-students 50000` on that database)

Prints, per page and role: the median and worst of 5 requests in milliseconds and
the number of SQL queries. Numbers are server time only (no network, no browser).
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plc.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from schools.models import Section, Student  # noqa: E402

RUNS = 5


def measure(client: Client, url: str) -> tuple[float, float, int]:
    client.get(url)  # warm caches and the session
    timings = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings), max(timings), len(queries.captured_queries)


def main() -> None:
    students = Student.objects.count()
    print(f"Database: {students:,} students, {Section.objects.count():,} sections\n")
    print(f"{'page':<38}{'who':<32}{'median ms':>10}{'worst ms':>10}{'queries':>9}")
    teacher = User.objects.get(email="teacher@stevenson.example")
    section = Section.objects.filter(section_teachers__teacher=teacher).first()
    student = Student.objects.filter(enrollments__section=section).first()
    cases = [
        ("home", "admin@lakeside.example", "/"),
        ("home", "principal@stevenson.example", "/"),
        ("home", "teacher@stevenson.example", "/"),
        ("home", "counselor@stevenson.example", "/"),
        ("students (first page)", "principal@stevenson.example", "/roster/students/"),
        ("students (search)", "admin@lakeside.example", "/roster/students/?q=garc"),
        ("section roster", "teacher@stevenson.example", section.get_absolute_url()),
        ("student record", "teacher@stevenson.example", student.get_absolute_url()),
    ]
    for page, email, url in cases:
        client = Client()
        client.force_login(User.objects.get(email=email))
        median, worst, queries = measure(client, url)
        print(f"{page:<38}{email:<32}{median:>10.1f}{worst:>10.1f}{queries:>9}")


if __name__ == "__main__":
    main()
