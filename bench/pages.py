"""Time the home and roster pages on whatever data the database holds.

    .venv/bin/python manage.py seed_demo --reset --district-students 50000
    .venv/bin/python bench/pages.py [--runs 5]

`seed_demo --reset` empties the database named by DATABASE_URL first; point it at
a scratch one (e.g. postgres://postgres@127.0.0.1:5432/plc_bench) to keep your
own data. Prints, per page and role, the median and worst of `--runs` requests
in milliseconds and the number of SQL queries. Numbers are server time only (no
network, no browser).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import client_for, django_setup, median, timed

django_setup()

from accounts.models import User  # noqa: E402
from schools.models import Section, Student  # noqa: E402

# (page, who, how to find the URL) for the demo district's accounts.
PAGES = (
    ("home", "admin@lakeside.example", "home"),
    ("home", "principal@stevenson.example", "home"),
    ("home", "teacher@stevenson.example", "home"),
    ("home", "counselor@stevenson.example", "home"),
    ("students (first page)", "principal@stevenson.example", "students"),
    ("students (search)", "admin@lakeside.example", "search"),
    ("section roster", "teacher@stevenson.example", "section"),
    ("student record", "teacher@stevenson.example", "student"),
)


def run(*, runs: int = 5) -> None:
    print(
        f"Database: {Student.objects.count():,} students, "
        f"{Section.objects.count():,} sections\n"
    )
    print(f"{'page':<38}{'who':<32}{'median ms':>10}{'worst ms':>10}{'queries':>9}")
    teacher = User.objects.get(email="teacher@stevenson.example")
    section = Section.objects.filter(section_teachers__teacher=teacher).first()
    student = Student.objects.filter(enrollments__section=section).first()
    urls = {
        "home": "/",
        "students": "/roster/students/",
        "search": "/roster/students/?q=garc",
        "section": section.get_absolute_url(),
        "student": student.get_absolute_url(),
    }
    for page, email, which in PAGES:
        client = client_for(User.objects.get(email=email))
        timings, queries = timed(client, "get", urls[which], runs=runs)
        print(
            f"{page:<38}{email:<32}{median(timings):>10.1f}{max(timings):>10.1f}"
            f"{queries:>9}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=5, help="Timed requests per page (default 5)."
    )
    args = parser.parse_args()
    run(runs=args.runs)


if __name__ == "__main__":
    main()
