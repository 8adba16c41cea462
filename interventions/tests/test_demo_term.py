"""The demo's term played forward: the daily review, not the script, decides,
and what it decides looks like a pyramid."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Event
from assessments.demo import build_demo_assessments
from interventions.demo import build_demo_interventions
from interventions.demo_term import simulate_term
from interventions.models import SweepRun
from schools.demo import DemoBuilder
from schools.models import School
from teams.demo import build_demo_teams
from teams.models import Team

pytestmark = pytest.mark.django_db

# A Monday, so each week's review falls on a Monday and results on the Friday.
START = datetime.date(2026, 11, 30)
SEED = 4
# A term: cases opened in its first weeks are reviewed at rung 1 and again at
# rung 2, so the flow from rung 1 to rung 2 to rung 3 shows.
WEEKS = 18


@pytest.fixture
def demo():
    """The demo at a small size, built as if today were START."""
    noon = timezone.make_aware(datetime.datetime.combine(START, datetime.time(12)))
    with time_machine.travel(noon, tick=False):
        district = DemoBuilder(seed=SEED).build(
            high_school_students=400, district_students=None
        )
        teams = build_demo_teams(district, seed=SEED)
        # `n_mastery` floods the first rung with students who simply have not
        # had n assessments yet (docs/demo.md); that rule is an open question,
        # not the shape this test is about.
        Team.objects.filter(mastery_method="n_mastery").update(
            mastery_method="decaying_average"
        )
        build_demo_assessments(teams, seed=SEED)
        build_demo_interventions(district, seed=SEED)
    return district


def test_weeks_of_daily_reviews_shape_a_pyramid(demo):
    # The newest event so far (not the count: ids run on from earlier tests).
    before = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    stevenson = School.objects.get(sourced_id="demo-stevenson")
    weeks, pyramid = simulate_term(
        weeks=WEEKS, seed=SEED, start=START, school_ids=[stevenson.pk]
    )

    # Each week the real review ran for its day, and did something.
    reviews = SweepRun.objects.filter(as_of__gt=START).order_by("as_of")
    assert [run.as_of for run in reviews] == [
        START + datetime.timedelta(days=7 * n) for n in range(1, WEEKS + 1)
    ]
    assert all(run.status == SweepRun.Status.SUCCEEDED for run in reviews)
    assert not any(week.failed for week in weeks)
    assert sum(week.assessments for week in weeks) > WEEKS
    # The decisions are the review's: made by the daily review, with its rule.
    decisions = Event.objects.filter(
        pk__gt=before,
        type__in=[
            EventType.CASE_EXITED,
            EventType.CASE_MOVED_UP,
            EventType.CASE_REFERRED,
            EventType.CASE_PLAN_NOT_DELIVERED,
        ],
    )
    assert decisions.exists()
    assert set(decisions.values_list("system", flat=True)) == {"daily_review"}
    assert all(event.data["rule"]["rule"] for event in decisions)
    # New results open new cases, at the first rung.
    assert pyramid.opened > 0
    # Most students exit at rung 1, fewer reach rung 2, a few reach rung 3.
    exited_at_1 = pyramid.exited.get(1, 0)
    reached_2 = pyramid.reached.get(2, 0)
    reached_3 = pyramid.reached.get(3, 0)
    assert exited_at_1 > reached_2 > reached_3 > 0, pyramid
    # A plan not delivered happens, and is the exception.
    assert 0 < pyramid.held_cases < exited_at_1


def test_the_command_names_what_is_wrong(db):
    with pytest.raises(CommandError, match="--weeks must be from 1 to 40"):
        call_command("demo_term", weeks=0)
    with pytest.raises(CommandError, match="No school with a ladder has id 999999"):
        call_command("demo_term", weeks=1, school=[999999])
    with pytest.raises(CommandError, match="is not a date"):
        call_command("demo_term", weeks=1, start="next monday")
