"""Play the demo school's term forward, week by week, and let the daily review
decide (docs/demo.md)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from interventions.demo_term import describe_pyramid, simulate_term
from schools.models import School

MAX_WEEKS = 40


class Command(BaseCommand):
    help = (
        "From today, play each week of a term in the schools with a ladder: "
        "people do their part, re-assessments and units are finalized, then "
        "`intervention_sweep --as-of` runs for the week's day. Prints each "
        "week's counts and the pyramid. Writes records dated months ahead: use "
        "a scratch copy of the demo."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--weeks", type=int, default=18, help="Weeks to play (default 18)."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")
        parser.add_argument(
            "--school", type=int, action="append", help="A school's id (repeatable)."
        )
        parser.add_argument(
            "--start", help="The first day, YYYY-MM-DD (default: today)."
        )

    def handle(self, *args, weeks, seed, school=None, start=None, **options):
        if not 1 <= weeks <= MAX_WEEKS:
            raise CommandError(f"--weeks must be from 1 to {MAX_WEEKS}.")
        if start:
            try:
                start = datetime.date.fromisoformat(start)
            except ValueError:
                raise CommandError(
                    f"--start {start!r} is not a date: use YYYY-MM-DD."
                ) from None
        laddered = School.objects.filter(rungs__isnull=False)
        if school:
            known = set(laddered.filter(pk__in=school).values_list("pk", flat=True))
            unknown = sorted(set(school) - known)
            if unknown:
                raise CommandError(
                    "No school with a ladder has id "
                    + ", ".join(map(str, unknown))
                    + "."
                )
        elif not laddered.exists():
            raise CommandError(
                "No school has a ladder yet: load the demo first (seed_demo)."
            )
        started = timezone.now()
        _, pyramid = simulate_term(
            weeks=weeks,
            seed=seed,
            school_ids=school,
            start=start,
            report=self.stdout.write,
        )
        for line in describe_pyramid(pyramid, weeks):
            self.stdout.write(line)
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(f"Played in {seconds:.0f} s.")
