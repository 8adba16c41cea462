"""Every teams model's admin pages open, with their search and filters."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from teams.tests.factories import ActionItemFactory, GoalFactory, MeetingFactory

pytestmark = pytest.mark.django_db

MODELS = [
    "team",
    "essentialoutcome",
    "smartgoal",
    "meeting",
    "actionitem",
    "schoolcommitments",
    "schoolgoal",
    "teamevent",
]


@pytest.mark.parametrize("model", MODELS)
def test_admin_changelist_and_search(client, squad, model):
    GoalFactory(outcome=squad.outcomes[0])
    ActionItemFactory(meeting=MeetingFactory(team=squad.team))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse(f"admin:teams_{model}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "algebra"}).status_code == 200
    add = client.get(reverse(f"admin:teams_{model}_add")).status_code
    assert add == (403 if model == "teamevent" else 200)
