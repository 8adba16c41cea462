"""Every team page, for everyone: those who may, and those who must be refused."""

import pytest
from django.urls import reverse

from teams.models import EssentialOutcome, TeamMembership
from teams.tests.factories import ActionItemFactory, GoalFactory, MeetingFactory

pytestmark = pytest.mark.django_db

EVERYONE = (
    "teacher",  # the lead
    "colleague",  # a member
    "bystander",  # a teacher of the school on no team
    "principal",
    "district_admin",
    "other_principal",
    "other_teacher",
    "far_admin",
)
READERS = {"teacher", "colleague", "principal", "district_admin"}
LEADERS = {"teacher", "principal"}
CONTRIBUTORS = {"teacher", "colleague", "principal"}
MANAGERS = {"principal"}
SCHOOL_STAFF = {"teacher", "colleague", "bystander", "principal", "district_admin"}
OVERSEERS = {"principal", "district_admin"}


@pytest.fixture
def things(squad):
    meeting = MeetingFactory(team=squad.team)
    goal = GoalFactory(outcome=squad.outcomes[0])
    return {"meeting": meeting, "goal": goal}


def team_url(name, **extra):
    return lambda s, t: reverse(f"teams:{name}", kwargs={"pk": s.team.pk, **extra})


GET_PAGES = [
    ("workspace", team_url("workspace"), READERS),
    ("outcomes", team_url("outcomes"), READERS),
    ("meetings", team_url("meetings"), READERS),
    ("members", team_url("members"), READERS),
    ("history", team_url("history"), READERS),
    (
        "meeting",
        lambda s, t: reverse("teams:meeting", args=[s.team.pk, t["meeting"].pk]),
        READERS,
    ),
    ("edit", team_url("edit"), MANAGERS),
    ("norms", team_url("norms"), LEADERS),
    ("outcome_create", team_url("outcome_create"), LEADERS),
    ("outcome_import", team_url("outcome_import"), LEADERS),
    (
        "outcome_edit",
        lambda s, t: reverse("teams:outcome_edit", args=[s.team.pk, s.outcomes[0].pk]),
        LEADERS,
    ),
    ("goal_create", team_url("goal_create"), LEADERS),
    (
        "goal_edit",
        lambda s, t: reverse("teams:goal_edit", args=[s.team.pk, t["goal"].pk]),
        LEADERS,
    ),
    ("meeting_create", team_url("meeting_create"), CONTRIBUTORS),
    (
        "meeting_edit",
        lambda s, t: reverse("teams:meeting_edit", args=[s.team.pk, t["meeting"].pk]),
        CONTRIBUTORS,
    ),
    ("create", lambda s, t: reverse("teams:create", args=[s.school.pk]), MANAGERS),
    (
        "commitments",
        lambda s, t: reverse("teams:commitments", args=[s.school.pk]),
        SCHOOL_STAFF,
    ),
    (
        "commitments_edit",
        lambda s, t: reverse("teams:commitments_edit", args=[s.school.pk]),
        MANAGERS,
    ),
    (
        "school_goals",
        lambda s, t: reverse("teams:school_goals", args=[s.school.pk]),
        OVERSEERS,
    ),
]


@pytest.mark.parametrize(
    ("page", "url", "allowed"), GET_PAGES, ids=[p[0] for p in GET_PAGES]
)
@pytest.mark.parametrize("who", EVERYONE)
def test_get_pages_by_role(client, login, squad, things, page, url, allowed, who):
    response = login(getattr(squad, who)).get(url(squad, things))
    assert response.status_code == (200 if who in allowed else 404), (page, who)


@pytest.mark.parametrize(
    ("page", "url", "allowed"), GET_PAGES, ids=[p[0] for p in GET_PAGES]
)
def test_anonymous_is_sent_to_log_in(client, squad, things, page, url, allowed):
    response = client.get(url(squad, things))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", EVERYONE)
def test_team_list_shows_only_visible_teams(login, squad, who):
    page = login(getattr(squad, who)).get(reverse("teams:list")).content.decode()
    assert ("Algebra 1 team" in page) == (who in READERS)
    assert ("Riverbend math" in page) == (
        who in {"other_principal", "other_teacher", "district_admin"}
    )


def post_cases(s, t):
    membership = s.team.memberships.get(user=s.colleague)
    outcome = s.outcomes[1]
    return {
        "member_role": (
            reverse("teams:member_role", args=[s.team.pk, membership.pk]),
            {"role": "lead"},
            MANAGERS,
        ),
        "member_remove": (
            reverse("teams:member_remove", args=[s.team.pk, membership.pk]),
            {},
            MANAGERS,
        ),
        "outcome_retire": (
            reverse("teams:outcome_retire", args=[s.team.pk, outcome.pk]),
            {"reason": "Merged"},
            LEADERS,
        ),
        "outcome_restore": (
            reverse("teams:outcome_restore", args=[s.team.pk, outcome.pk]),
            {},
            LEADERS,
        ),
        "outcome_move": (
            reverse("teams:outcome_move", args=[s.team.pk, outcome.pk]),
            {"direction": "up"},
            LEADERS,
        ),
        "goal_close": (
            reverse("teams:goal_close", args=[s.team.pk, t["goal"].pk]),
            {},
            LEADERS,
        ),
    }


POSTS = [
    "member_role",
    "member_remove",
    "outcome_retire",
    "outcome_restore",
    "outcome_move",
    "goal_close",
]


@pytest.mark.parametrize("action", POSTS)
@pytest.mark.parametrize("who", EVERYONE)
def test_post_actions_by_role(login, squad, things, action, who):
    url, data, allowed = post_cases(squad, things)[action]
    response = login(getattr(squad, who)).post(url, data)
    assert response.status_code == (302 if who in allowed else 404), (action, who)


@pytest.mark.parametrize("action", POSTS)
def test_post_actions_refuse_get(login, squad, things, action):
    url, _, _ = post_cases(squad, things)[action]
    assert login(squad.principal).get(url).status_code == 405


def test_nothing_changes_for_a_refused_post(login, squad, things):
    outcome = squad.outcomes[1]
    login(squad.colleague).post(
        reverse("teams:outcome_retire", args=[squad.team.pk, outcome.pk])
    )
    assert EssentialOutcome.objects.get(pk=outcome.pk).is_active
    login(squad.teacher).post(
        reverse(
            "teams:member_remove",
            args=[squad.team.pk, squad.team.memberships.get(user=squad.colleague).pk],
        )
    )
    assert TeamMembership.objects.filter(user=squad.colleague).exists()


def test_an_object_of_another_team_answers_404_even_for_its_principal(
    login, squad, things
):
    from teams.tests.factories import OutcomeFactory

    foreign_outcome = OutcomeFactory(team=squad.foreign_team)
    client = login(squad.principal)
    url = reverse("teams:outcome_edit", args=[squad.team.pk, foreign_outcome.pk])
    assert client.get(url).status_code == 404
    foreign_meeting = MeetingFactory(team=squad.foreign_team)
    url = reverse("teams:meeting", args=[squad.team.pk, foreign_meeting.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("teacher", 302),
        ("colleague", 302),
        ("principal", 302),
        ("bystander", 404),
        ("district_admin", 404),
        ("other_teacher", 404),
    ],
)
def test_marking_an_action_item_done(login, squad, things, who, status):
    item = ActionItemFactory(meeting=things["meeting"], owner=squad.colleague)
    response = login(getattr(squad, who)).post(
        reverse("teams:action_done", args=[item.pk]), {"done": "1"}
    )
    assert response.status_code == status
    item.refresh_from_db()
    assert item.is_done == (status == 302)


def test_action_item_done_through_htmx_returns_the_row(login, squad, things):
    item = ActionItemFactory(meeting=things["meeting"], owner=squad.teacher)
    response = login(squad.teacher).post(
        reverse("teams:action_done", args=[item.pk]),
        {"done": "1", "show_team": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="action-{item.pk}"' in html
    assert "<html" not in html
    assert 'aria-pressed="true"' in html


def test_action_done_ignores_a_foreign_next_url(login, squad, things):
    item = ActionItemFactory(meeting=things["meeting"], owner=squad.teacher)
    response = login(squad.teacher).post(
        reverse("teams:action_done", args=[item.pk]),
        {"done": "1", "next": "https://evil.example/"},
    )
    assert response.url == things["meeting"].get_absolute_url()


def test_action_item_added_by_a_non_member_is_refused(login, squad, things):
    url = reverse("teams:meeting", args=[squad.team.pk, things["meeting"].pk])
    response = login(squad.district_admin).post(url, {"title": "Sneak in"})
    assert response.status_code == 404
    assert not things["meeting"].action_items.exists()
