from celery import shared_task

from assessments.services import mastery_recompute


@shared_task(acks_late=True)
def recompute_mastery(student_ids: list[int]) -> int:
    """Load fresh scores and store these students' mastery; safe to run twice."""
    return mastery_recompute(student_ids=student_ids)


@shared_task
def recompute_all_mastery() -> int:
    """The periodic sweep: whatever a lost message missed is made good here."""
    from assessments.models import ItemScore

    student_ids = sorted(
        set(ItemScore.objects.values_list("student_id", flat=True).distinct())
    )
    total = 0
    for start in range(0, len(student_ids), 1000):
        total += mastery_recompute(student_ids=student_ids[start : start + 1000])
    return total
