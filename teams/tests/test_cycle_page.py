"""The team's page shows where the team stands in each unit's cycle, to those
who may see the team and no one else."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import AssessmentItem, CommonAssessment

pytestmark = pytest.mark.django_db


def give_open_assessment(squad, days_ago: int) -> CommonAssessment:
    assessment = CommonAssessment.objects.create(
        team=squad.team,
        course=squad.course,
        title="Unit 1 common assessment",
        administered_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        status=CommonAssessment.Status.OPEN,
    )
    AssessmentItem.objects.create(
        assessment=assessment,
        number=1,
        max_points=Decimal(4),
        outcome=squad.outcomes[0],
    )
    return assessment


@pytest.fixture
def units(squad):
    names = ["Unit 1", "Unit 1", "Unit 2"]
    for outcome, unit in zip(squad.outcomes, names, strict=True):
        outcome.unit = unit
        outcome.save()
    return squad


def test_members_see_each_unit_and_what_is_late_in_words(login, units):
    assessment = give_open_assessment(units, days_ago=10)
    response = login(units.teacher).get(units.team.get_absolute_url())
    page = response.content.decode()
    assert "Our teaching-learning cycle" in page
    unit1, unit2 = response.context["cycle"]
    assert [unit1.unit_label, unit2.unit_label] == ["Unit 1", "Unit 2"]
    # Results were due a week after the assessment: late, said in words and
    # a symbol, with a link to where they are entered.
    assert unit1.steps[2].is_late
    assert "1 step late" in page
    assert "Was due" in page
    detail = reverse("assessments:detail", args=[assessment.pk])
    assert f'href="{detail}"' in page
    assert '<span aria-hidden="true">!</span> Late' in page


def test_the_principal_sees_the_cycle_too(login, units):
    give_open_assessment(units, days_ago=2)
    response = login(units.principal).get(units.team.get_absolute_url())
    assert response.status_code == 200
    (unit1, _) = response.context["cycle"]
    assert not unit1.is_late


def test_a_team_without_outcomes_is_told_so(login, squad):
    for outcome in squad.outcomes:
        outcome.is_active = False
        outcome.save()
    response = login(squad.teacher).get(squad.team.get_absolute_url())
    (only,) = response.context["cycle"]
    assert only.unit_label == "No unit"
    assert "No essential outcome yet" in response.content.decode()


@pytest.mark.parametrize("who", ["bystander", "other_teacher", "other_principal"])
def test_people_outside_the_team_are_refused(login, squad, who):
    response = login(getattr(squad, who)).get(squad.team.get_absolute_url())
    assert response.status_code == 404


def test_anonymous_is_sent_to_log_in(client, squad):
    response = client.get(squad.team.get_absolute_url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
