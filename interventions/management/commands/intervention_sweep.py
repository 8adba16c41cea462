"""Run the daily review now, exactly as the periodic task does."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments.services import mastery_refresh
from interventions.sweep import COUNT_KEYS, sweep
from schools.models import School


class Command(BaseCommand):
    help = (
        "Flag students and review due cases for a day (today by default), per "
        "school, and print what it did."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", help="The day to review, YYYY-MM-DD (default: today)."
        )
        parser.add_argument(
            "--school", type=int, action="append", help="A school's id (repeatable)."
        )
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object."
        )

    def handle(self, *args, as_of=None, school=None, json=False, **options):
        day = self.parse_day(as_of)
        if school:
            known = set(
                School.objects.filter(pk__in=school).values_list("pk", flat=True)
            )
            unknown = sorted(set(school) - known)
            if unknown:
                raise CommandError(f"No school with id {', '.join(map(str, unknown))}.")
        # Kept mastery first; the review then flags what changed, as of the day.
        changed = len(mastery_refresh())
        runs = sweep(as_of=day, school_ids=school)
        report = {
            "as_of": day.isoformat(),
            "mastery_changed": changed,
            "schools": [
                {
                    "id": run.school_id,
                    "name": run.school.name,
                    "status": run.status,
                    **{key: run.counts.get(key, 0) for key in COUNT_KEYS},
                    **({"error": run.error} if run.error else {}),
                }
                for run in runs
            ],
        }
        if json:
            self.stdout.write(_json.dumps(report))
        else:
            self.stdout.write(f"Daily review for {day:%A %-d %B %Y}")
            for row in report["schools"]:
                counts = ", ".join(
                    f"{row[key]} {key.replace('_', ' ')}" for key in COUNT_KEYS
                )
                self.stdout.write(f"  {row['name']}: {row['status']}; {counts}")
                if row.get("error"):
                    self.stdout.write(f"    {row['error']}")
        if any(run.status == "failed" for run in runs):
            raise CommandError("The review failed for at least one school.")

    @staticmethod
    def parse_day(text):
        if not text:
            return timezone.localdate()
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise CommandError(
                f"--as-of {text!r} is not a date: use YYYY-MM-DD."
            ) from None


_json = json
