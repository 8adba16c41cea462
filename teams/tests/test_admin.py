"""Every teams model's admin pages open, with their search and filters."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from teams.tests.factories import ActionItemFactory, GoalFactory, MeetingFactory

pytestmark = pytest.mark.django_db

MODELS = [
    "teams.team",
    "teams.essentialoutcome",
    "teams.smartgoal",
    "teams.meeting",
    "teams.actionitem",
    "teams.schoolcommitments",
    "teams.schoolgoal",
    "accounts.event",
]
# The record of change is written by services only, never by hand.
READ_ONLY = {"accounts.event"}


@pytest.mark.parametrize("model", MODELS)
def test_admin_changelist_and_search(client, squad, model):
    GoalFactory(outcome=squad.outcomes[0])
    ActionItemFactory(meeting=MeetingFactory(team=squad.team))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    app, name = model.split(".")
    url = reverse(f"admin:{app}_{name}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "algebra"}).status_code == 200
    add = client.get(reverse(f"admin:{app}_{name}_add")).status_code
    assert add == (403 if model in READ_ONLY else 200)
