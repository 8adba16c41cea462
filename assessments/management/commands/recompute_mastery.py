import time

from django.core.management.base import BaseCommand

from assessments.models import ItemScore
from assessments.services import mastery_recompute


class Command(BaseCommand):
    help = "Recompute every student's stored mastery from their scores."

    def add_arguments(self, parser):
        parser.add_argument(
            "--school", type=int, help="Only students of this school id."
        )

    def handle(self, *args, school=None, **options):
        started = time.monotonic()
        scores = ItemScore.objects.all()
        if school:
            scores = scores.filter(student__school_id=school)
        student_ids = sorted(
            set(scores.values_list("student_id", flat=True).distinct())
        )
        total = 0
        for start in range(0, len(student_ids), 1000):
            total += mastery_recompute(student_ids=student_ids[start : start + 1000])
        self.stdout.write(
            f"Recomputed {total:,} masteries of {len(student_ids):,} students in "
            f"{time.monotonic() - started:.1f} s."
        )
