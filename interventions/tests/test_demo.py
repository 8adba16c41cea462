"""The demo's term of interventions: a believable pyramid with real histories."""

import pytest
from django.db.models import Count, Min

from accounts.models import Event
from assessments.demo import build_demo_assessments
from interventions.demo import build_demo_interventions
from interventions.models import Case, CaseStatus, Group, Rung
from schools.demo import DemoBuilder
from schools.models import Student
from teams.demo import build_demo_teams

pytestmark = pytest.mark.django_db


def test_the_demo_replays_a_term_of_cases_through_the_ladder():
    district = DemoBuilder(seed=4).build(
        high_school_students=400, district_students=None
    )
    build_demo_assessments(build_demo_teams(district, seed=4), seed=4)
    build_demo_interventions(district, seed=4)

    assert Rung.objects.filter(school__sourced_id="demo-stevenson").count() == 3
    assert Group.objects.filter(capacity=10, kind="guided_study_hall").exists()
    by_tier = dict(
        Case.objects.open()
        .filter(school__sourced_id="demo-stevenson")
        .values_list("rung__tier")
        .annotate(n=Count("pk"))
    )
    # Most students respond at the first rung; some were moved up.
    assert by_tier[1] == max(by_tier.values())
    assert Event.objects.filter(type="case.moved_up").exists()
    assert Case.objects.filter(status=CaseStatus.EXITED).count() > by_tier[1] / 2
    # Histories are dated across the term, not all "now".
    first = Event.objects.filter(case__isnull=False).aggregate(Min("at"))["at__min"]
    assert (Event.objects.latest("at").at - first).days > 60
    case = Case.objects.filter(status=CaseStatus.EXITED).first()
    first_event = Event.objects.filter(case=case).order_by("at", "pk").first()
    assert first_event.type == "case.opened"
    # Most students have a faculty advisor; a few do not, so the ladder shows
    # what happens then.
    advised = Student.objects.filter(faculty_advisor__isnull=False).count()
    assert 0.9 < advised / Student.objects.count() < 1
