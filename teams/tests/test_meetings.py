"""Meetings and their action items, and the action items on the home page."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Event
from teams import selectors, services
from teams.models import ActionItem, Meeting
from teams.tests.factories import ActionItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def test_a_member_records_a_meeting(login, squad):
    response = login(squad.colleague).post(
        reverse("teams:meeting_create", args=[squad.team.pk]),
        {
            "kind": "data",
            "held_on": "2026-10-06",
            "starts_at": "07:30",
            "attendees": [squad.teacher.pk, squad.colleague.pk],
            "agenda": "Results of CA1",
            "decisions": "Reteach EO2 in period 4",
        },
    )
    meeting = Meeting.objects.get()
    assert response.url == meeting.get_absolute_url()
    assert meeting.kind == Meeting.Kind.DATA
    assert set(meeting.attendees.all()) == {squad.teacher, squad.colleague}
    assert Event.objects.filter(type="meeting.created").exists()


def test_attendees_must_be_members(squad):
    with pytest.raises(ValidationError) as error:
        services.meeting_save(
            team=squad.team,
            actor=squad.teacher,
            held_on=timezone.localdate(),
            attendees=[squad.bystander],
        )
    assert "attendees" in error.value.message_dict
    assert not Meeting.objects.exists()


def test_the_form_offers_members_only(login, squad):
    page = login(squad.teacher).get(
        reverse("teams:meeting_create", args=[squad.team.pk])
    )
    offered = set(page.context["form"].fields["attendees"].queryset)
    assert offered == {squad.teacher, squad.colleague}


def test_action_items_have_a_member_as_owner(squad):
    meeting = MeetingFactory(team=squad.team)
    with pytest.raises(ValidationError) as error:
        services.action_item_create(
            meeting=meeting, actor=squad.teacher, title="Grade", owner=squad.bystander
        )
    assert "owner" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.action_item_create(meeting=meeting, actor=squad.teacher, title="  ")
    assert "title" in error.value.message_dict
    item = services.action_item_create(
        meeting=meeting, actor=squad.teacher, title="Grade CA1", owner=squad.colleague
    )
    assert item.owner == squad.colleague


def test_adding_an_action_item_on_the_meeting_page(login, squad):
    meeting = MeetingFactory(team=squad.team)
    due = timezone.localdate() + datetime.timedelta(days=4)
    response = login(squad.teacher).post(
        meeting.get_absolute_url(),
        {"title": "Write the retake", "owner": squad.colleague.pk, "due_on": due},
    )
    assert response.status_code == 302
    assert ActionItem.objects.get().due_on == due


def test_done_twice_is_one_event(squad):
    item = ActionItemFactory(meeting=MeetingFactory(team=squad.team))
    services.action_item_set_done(item=item, actor=squad.teacher, done=True)
    services.action_item_set_done(item=item, actor=squad.teacher, done=True)
    assert item.is_done and item.done_by == squad.teacher
    assert Event.objects.filter(type="action.done").count() == 1
    services.action_item_set_done(item=item, actor=squad.teacher, done=False)
    assert not item.is_done


def test_my_open_action_items(squad):
    meeting = MeetingFactory(team=squad.team)
    today = timezone.localdate()
    late = ActionItemFactory(
        meeting=meeting, owner=squad.teacher, due_on=today - datetime.timedelta(days=2)
    )
    undated = ActionItemFactory(meeting=meeting, owner=squad.teacher, due_on=None)
    soon = ActionItemFactory(meeting=meeting, owner=squad.teacher)
    ActionItemFactory(meeting=meeting, owner=squad.colleague)
    ActionItemFactory(meeting=meeting, owner=squad.teacher, done_at=timezone.now())
    items = selectors.action_items_for(squad.teacher)
    assert items == [late, soon, undated]
    assert [item.overdue for item in items] == [True, False, False]


def test_action_items_of_an_old_school_drop_off(squad):
    ActionItemFactory(meeting=MeetingFactory(team=squad.team), owner=squad.teacher)
    squad.teacher.staff_roles.update(is_active=False)
    squad.teacher.__dict__.pop("_active_staff_roles", None)
    assert selectors.action_items_for(squad.teacher) == []


def test_home_page_lists_my_action_items(login, squad):
    meeting = MeetingFactory(team=squad.team)
    ActionItemFactory(
        meeting=meeting,
        owner=squad.teacher,
        title="Draft CA2",
        due_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    ActionItemFactory(meeting=meeting, owner=squad.colleague, title="Not mine")
    page = login(squad.teacher).get(reverse("dashboards:home")).content.decode()
    assert "My action items" in page
    assert "Draft CA2" in page and "Overdue" in page
    assert "Not mine" not in page


def test_home_page_of_someone_without_items(login, squad):
    page = login(squad.bystander).get(reverse("dashboards:home")).content.decode()
    assert "Nothing assigned to you from team meetings" in page


def test_meeting_history_counts_items(login, squad):
    meeting = MeetingFactory(team=squad.team)
    ActionItemFactory(meeting=meeting)
    ActionItemFactory(meeting=meeting, done_at=timezone.now())
    page = login(squad.colleague).get(reverse("teams:meetings", args=[squad.team.pk]))
    (row,) = page.context["page"]
    assert (row.open_item_count, row.item_count) == (1, 2)


def test_items_of_a_team_the_owner_left_leave_their_home_page(squad):
    from teams.models import TeamMembership
    from teams.selectors import action_items_for
    from teams.tests.factories import ActionItemFactory, MeetingFactory

    item = ActionItemFactory(
        meeting=MeetingFactory(team=squad.team), owner=squad.colleague
    )
    assert item in action_items_for(squad.colleague)
    TeamMembership.objects.filter(team=squad.team, user=squad.colleague).delete()
    assert item not in action_items_for(squad.colleague)
