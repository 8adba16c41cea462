import pytest

from assessments.demo import build_demo_assessments
from assessments.models import CommonAssessment, ItemScore, StudentMastery
from schools.demo import DemoBuilder
from teams.demo import build_demo_teams

pytestmark = pytest.mark.django_db


def build(seed=3):
    district = DemoBuilder(seed=seed).build(
        high_school_students=80, district_students=None
    )
    return build_demo_assessments(build_demo_teams(district, seed=seed), seed=seed)


def test_demo_has_a_year_of_results_with_a_realistic_spread():
    assessments = build()
    statuses = {a.status for a in assessments}
    assert statuses == {"open", "finalized"}
    assert any(a.is_retake for a in assessments)
    levels = set(StudentMastery.objects.values_list("status", flat=True))
    assert levels == {"not_yet", "proficient", "exceeds"}
    proficient = StudentMastery.objects.exclude(status="not_yet").count()
    assert proficient > StudentMastery.objects.filter(status="not_yet").count()
    # The newest assessment of each course is still being entered.
    open_one = CommonAssessment.objects.filter(status="open").first()
    assert ItemScore.objects.filter(item__assessment=open_one).exists()


def snapshot():
    return list(
        ItemScore.objects.order_by(
            "item__assessment__course__code",
            "item__assessment__administered_on",
            "item__number",
            "student__local_id",
        ).values_list("student__local_id", "item__number", "points", "mark")[:800]
    )


@pytest.mark.django_db(transaction=True)
def test_demo_is_deterministic_for_a_seed():
    from django.core.management import call_command

    build(seed=5)
    first = snapshot()
    call_command("flush", interactive=False, verbosity=0)
    build(seed=5)
    assert snapshot() == first
