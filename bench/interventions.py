"""Time the counselor's caseload and a case page with a year of history.

    .venv/bin/python manage.py seed_demo --reset        # 4,000-student high school
    .venv/bin/python bench/interventions.py [--cases 80] [--weeks 52] [--runs 5]

Takes the demo counselor of Stevenson High School (about 400 students on the
caseload), opens cases for their students until `--cases` are open, and gives
one case `--weeks` of history (weekly progress checks, parent contacts, notes,
daily attendance). All of it happens inside a transaction that is rolled back at
the end: the database is left as it was. Prints the median and worst of `--runs`
requests in milliseconds and the number of SQL queries, for a small caseload and
the full one, so a query count that grows with the caseload shows at once.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import client_for, django_setup, median, timed

django_setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from assessments.models import StudentMastery  # noqa: E402
from interventions import services  # noqa: E402
from interventions.models import Case, Placement  # noqa: E402

COUNSELOR = "counselor@stevenson.example"


class Rollback(Exception):
    pass


def open_cases_until(counselor, wanted: int) -> None:
    """Open cases for the counselor's students, from their kept mastery."""
    have = Case.objects.open().filter(student__counselor=counselor).count()
    if have >= wanted:
        return
    flagged = (
        StudentMastery.objects.filter(
            status="not_yet",
            student__counselor=counselor,
            outcome__is_active=True,
        )
        .exclude(
            student__cases__status__in=["active", "waitlisted", "plan_not_delivered"]
        )
        .select_related("student", "outcome__course")
        .order_by("student_id", "outcome_id")
    )
    seen = set()
    for mastery in flagged.iterator():
        if have >= wanted:
            break
        if mastery.student_id in seen:
            continue
        seen.add(mastery.student_id)
        services.case_open(
            student=mastery.student,
            course=mastery.outcome.course,
            outcomes=[(mastery.outcome, {"status": "not_yet"})],
            system="benchmark",
        )
        have += 1


def give_history(case: Case, counselor, weeks: int) -> None:
    """A year (or `weeks`) of the work a case gathers."""
    today = timezone.localdate()
    placement = Placement.objects.filter(case=case, status="placed").first()
    if placement is not None:
        # The seat was taken when the history starts.
        start = today - datetime.timedelta(weeks=weeks)
        Placement.objects.filter(pk=placement.pk).update(placed_on=start)
        Case.objects.filter(pk=case.pk).update(rung_entered_on=start)
    for week in range(weeks, 0, -1):
        day = today - datetime.timedelta(weeks=week)
        services.progress_check_add(
            case=case,
            actor=counselor,
            progress="some_concern",
            note=f"Week {weeks - week + 1}: some progress on the outcome.",
            score=60,
            checked_on=day,
        )
        services.case_note_add(
            case=case,
            actor=counselor,
            text="Talked with the tutor.",
            confidential=week % 2 == 0,
        )
        if week % 4 == 0:
            services.parent_contact_add(
                case=case,
                actor=counselor,
                contacted_on=day,
                method="phone",
                guardian=None,
                summary="Monthly call with the family.",
                parents_informed=True,
            )
        if placement is not None:
            services.attendance_take(
                group=placement.group,
                actor=counselor,
                on=day,
                marks={case.student_id: ("present", True)},
            )


def run(*, cases: int = 80, weeks: int = 52, runs: int = 5) -> None:
    counselor = User.objects.get(email=COUNSELOR)
    client = client_for(counselor)
    students = counselor.caseload.filter(is_active=True).count()
    print(f"Counselor {COUNSELOR}: {students:,} students on the caseload\n")
    print(f"{'page':<44}{'median ms':>10}{'worst ms':>10}{'queries':>9}")
    try:
        with transaction.atomic():
            open_cases_until(counselor, 2)
            small = Case.objects.open().filter(student__counselor=counselor).first()
            if small is None:
                raise SystemExit(
                    f"No student of {COUNSELOR} is flagged: load the demo first."
                )
            first_count = (
                Case.objects.open().filter(student__counselor=counselor).count()
            )
            rows = [
                (f"caseload, {first_count} cases", "/interventions/caseload/"),
                ("case page, no history", small.get_absolute_url()),
            ]
            figures = [
                (label, timed(client, "get", url, runs=runs)) for label, url in rows
            ]
            open_cases_until(counselor, cases)
            give_history(small, counselor, weeks)
            open_count = (
                Case.objects.open().filter(student__counselor=counselor).count()
            )
            rows = [
                (f"caseload, {open_count} cases", "/interventions/caseload/"),
                ("counselor home", "/"),
                (f"case page, {weeks} weeks of history", small.get_absolute_url()),
            ]
            figures += [
                (label, timed(client, "get", url, runs=runs)) for label, url in rows
            ]
            raise Rollback
    except Rollback:
        pass
    for label, (timings, queries) in figures:
        print(f"{label:<44}{median(timings):>10.1f}{max(timings):>10.1f}{queries:>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", type=int, default=80, help="Open cases (default 80)."
    )
    parser.add_argument(
        "--weeks",
        type=int,
        default=52,
        help="Weeks of history on one case (default 52).",
    )
    parser.add_argument("--runs", type=int, default=5, help="Timed requests per page.")
    args = parser.parse_args()
    run(cases=args.cases, weeks=args.weeks, runs=args.runs)


if __name__ == "__main__":
    main()
