import time

from django.core.management.base import BaseCommand

from assessments.services import mastery_rebuild, mastery_refresh


class Command(BaseCommand):
    help = (
        "Rebuild every student's kept mastery from finalized results, in batches; "
        "with --due, only the students marked due, as the periodic sweep does."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--school", type=int, help="Only the students of this school id."
        )
        parser.add_argument(
            "--due",
            action="store_true",
            help="Only the students marked due (the periodic sweep).",
        )

    def handle(self, *args, school=None, due=False, **options):
        started = time.monotonic()
        if due:
            changed = mastery_refresh()
            self.stdout.write(
                f"Swept the students marked due: {len(changed):,} changed in "
                f"{time.monotonic() - started:.1f} s."
            )
            return
        rebuilt = mastery_rebuild(school_ids=[school] if school else None)
        self.stdout.write(
            f"Rebuilt the kept mastery of {rebuilt.students:,} students in "
            f"{time.monotonic() - started:.1f} s: {rebuilt.changed:,} changed, "
            f"{rebuilt.written:,} rows written, {rebuilt.deleted:,} removed."
        )
