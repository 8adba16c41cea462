"""Every change to a common assessment writes one event, with who, what changed
from what to what, and why; in the change's own transaction, so a change that
fails leaves neither the change nor its event."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.events import EventType
from accounts.models import Event
from assessments import meetings, services
from assessments.models import CommonAssessment
from assessments.tests.conftest import enter
from teams.tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 2)


@pytest.fixture
def draft(squad):
    return services.assessment_create(
        team=squad.team,
        course=squad.course,
        title="Unit 2 check",
        administered_on=DAY,
        actor=squad.teacher,
    )


def only_event(type):
    return Event.objects.get(type=type)


def test_creating_records_the_assessment_and_its_details(squad, draft):
    event = only_event(EventType.ASSESSMENT_CREATED)
    assert (event.actor, event.team, event.assessment, event.school) == (
        squad.teacher,
        squad.team,
        draft,
        squad.school,
    )
    assert event.after == {
        "title": "Unit 2 check",
        "course_id": squad.course.pk,
        "administered_on": "2026-11-02",
    }


def test_editing_records_only_the_fields_that_changed(squad, draft):
    services.assessment_update(
        assessment=draft,
        title="Unit 2 quiz",
        administered_on=DAY,
        actor=squad.colleague,
    )
    event = only_event(EventType.ASSESSMENT_UPDATED)
    assert (event.actor, event.assessment) == (squad.colleague, draft)
    assert (event.before, event.after) == (
        {"title": "Unit 2 check"},
        {"title": "Unit 2 quiz"},
    )


def test_saving_unchanged_details_records_nothing(squad, draft):
    services.assessment_update(
        assessment=draft,
        title=" Unit 2 check ",
        administered_on=DAY,
        actor=squad.teacher,
    )
    assert not Event.objects.filter(type=EventType.ASSESSMENT_UPDATED).exists()


def test_setting_items_records_the_items_and_cuts_before_and_after(squad, draft):
    eo1, eo2, _ = squad.outcomes
    services.items_replace(
        assessment=draft,
        items=[services.ItemSpec(1, Decimal(4), eo1, "Slope")],
        actor=squad.teacher,
    )
    services.items_replace(
        assessment=draft,
        items=[
            services.ItemSpec(1, Decimal(4), eo1, "Slope"),
            services.ItemSpec(2, Decimal(2), eo2),
        ],
        cuts={eo2.pk: (Decimal(70), Decimal(90))},
        actor=squad.teacher,
    )
    first, second = Event.objects.filter(
        type=EventType.ASSESSMENT_ITEMS_CHANGED
    ).order_by("pk")
    slope = {"number": 1, "label": "Slope", "max_points": "4.00", "outcome": "ALG1.EO1"}
    assert first.before == {"items": [], "cuts": {}}
    # A new outcome gets the default cuts.
    assert first.after == {"items": [slope], "cuts": {"ALG1.EO1": ["80.00", "95.00"]}}
    assert second.before == first.after
    assert second.after == {
        "items": [
            slope,
            {"number": 2, "label": "", "max_points": "2.00", "outcome": "ALG1.EO2"},
        ],
        "cuts": {"ALG1.EO1": ["80.00", "95.00"], "ALG1.EO2": ["70.00", "90.00"]},
    }


def test_setting_the_same_items_again_records_nothing(squad, draft):
    eo1 = squad.outcomes[0]
    items = [services.ItemSpec(1, Decimal(4), eo1, "Slope")]
    services.items_replace(assessment=draft, items=items, actor=squad.teacher)
    kept = list(draft.items.values_list("pk", flat=True))
    again = services.items_replace(assessment=draft, items=items, actor=squad.teacher)
    assert [item.pk for item in again] == kept
    assert Event.objects.filter(type=EventType.ASSESSMENT_ITEMS_CHANGED).count() == 1


def test_opening_finalizing_and_reopening_record_old_and_new_status(exam):
    services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    services.assessment_reopen(
        assessment=exam.assessment, actor=exam.principal, reason=" Wrong key. "
    )
    opened = only_event(EventType.ASSESSMENT_OPENED)
    finalized = only_event(EventType.ASSESSMENT_FINALIZED)
    reopened = only_event(EventType.ASSESSMENT_REOPENED)
    assert (opened.before, opened.after) == ({"status": "draft"}, {"status": "open"})
    assert (finalized.before, finalized.after) == (
        {"status": "open"},
        {"status": "finalized"},
    )
    assert (reopened.before, reopened.after) == (
        {"status": "finalized"},
        {"status": "open"},
    )
    assert (reopened.actor, reopened.reason) == (exam.principal, "Wrong key.")
    for event in (opened, finalized, reopened):
        assert (event.team, event.assessment) == (exam.team, exam.assessment)


def test_a_retake_records_itself_and_what_it_repeats(exam):
    weak = exam.taught_students[1]
    for number, raw in enumerate(["0", "0", "0"], start=1):
        enter(exam, weak, number, raw)
    services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    services.mastery_recompute(student_ids=[weak.pk])
    retake = services.retake_create(
        original=exam.assessment,
        administered_on=exam.assessment.administered_on + datetime.timedelta(days=9),
        actor=exam.teacher,
    )
    event = only_event(EventType.RETAKE_CREATED)
    assert event.assessment == retake
    assert event.after["retake_of_id"] == exam.assessment.pk
    assert event.after["student_count"] == 1


def test_marking_a_class_retaught_and_undoing_it_are_recorded(exam):
    for student in exam.taught_students:
        for number in (1, 2, 3):
            enter(exam, student, number, "0")
    services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    item = exam.assessment.reteach_items.get(outcome=exam.outcomes[0])
    services.reteach_item_set_done(item=item, actor=exam.colleague, done=True)
    services.reteach_item_set_done(item=item, actor=exam.colleague, done=False)
    done = only_event(EventType.RETEACH_DONE)
    undone = only_event(EventType.RETEACH_UNDONE)
    assert (done.before, done.after) == ({"done": False}, {"done": True})
    assert (undone.before, undone.after) == ({"done": True}, {"done": False})
    assert done.assessment == exam.assessment
    assert done.data["section_id"] == exam.section.pk


def test_linking_the_data_meeting_records_old_and_new(exam):
    meeting = MeetingFactory(team=exam.team)
    meetings.data_meeting_set(
        assessment=exam.assessment, meeting=meeting, actor=exam.teacher
    )
    event = only_event(EventType.DATA_MEETING_LINKED)
    assert event.assessment == exam.assessment
    assert (event.before, event.after) == (
        {"data_meeting_id": None},
        {"data_meeting_id": meeting.pk},
    )


# Failures leave nothing behind ----------------------------------------------------


def changes_of(assessment):
    return Event.objects.filter(assessment=assessment).count()


def test_a_refused_edit_changes_nothing_and_records_nothing(squad, draft):
    before = changes_of(draft)
    with pytest.raises(ValidationError):
        services.assessment_update(
            assessment=draft, title="  ", administered_on=DAY, actor=squad.teacher
        )
    draft.refresh_from_db()
    assert draft.title == "Unit 2 check"
    assert changes_of(draft) == before


def test_refused_items_change_nothing_and_record_nothing(squad, draft):
    eo1 = squad.outcomes[0]
    services.items_replace(
        assessment=draft,
        items=[services.ItemSpec(1, Decimal(4), eo1)],
        actor=squad.teacher,
    )
    before = changes_of(draft)
    with pytest.raises(ValidationError):
        services.items_replace(
            assessment=draft,
            items=[
                services.ItemSpec(1, Decimal(4), eo1),
                services.ItemSpec(1, Decimal(2), eo1),
            ],
            actor=squad.teacher,
        )
    assert list(draft.items.values_list("number", "max_points")) == [(1, Decimal(4))]
    assert changes_of(draft) == before


def test_a_status_change_someone_else_beat_records_nothing(exam):
    stale = CommonAssessment.objects.get(pk=exam.assessment.pk)
    services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    before = changes_of(exam.assessment)
    with pytest.raises(ValidationError, match="Someone else changed"):
        services.assessment_finalize(assessment=stale, actor=exam.principal)
    assert changes_of(exam.assessment) == before


def test_a_reopening_without_a_reason_records_nothing(exam):
    services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    with pytest.raises(ValidationError):
        services.assessment_reopen(
            assessment=exam.assessment, actor=exam.teacher, reason=" "
        )
    exam.assessment.refresh_from_db()
    assert exam.assessment.status == "finalized"
    assert not Event.objects.filter(type=EventType.ASSESSMENT_REOPENED).exists()


class Refused(Exception):
    pass


@pytest.fixture
def failing_event(monkeypatch):
    """Make writing the event fail, as a database error would."""

    def refuse(**fields):
        raise Refused

    monkeypatch.setattr(services, "event_record", refuse)
    monkeypatch.setattr(meetings, "event_record", refuse)


def test_the_edit_and_its_event_share_one_transaction(squad, draft, failing_event):
    with pytest.raises(Refused):
        services.assessment_update(
            assessment=draft, title="Renamed", administered_on=DAY, actor=squad.teacher
        )
    draft.refresh_from_db()
    assert draft.title == "Unit 2 check"


def test_the_items_and_their_event_share_one_transaction(squad, draft, failing_event):
    with pytest.raises(Refused):
        services.items_replace(
            assessment=draft,
            items=[services.ItemSpec(1, Decimal(4), squad.outcomes[0])],
            actor=squad.teacher,
        )
    assert not draft.items.exists() and not draft.cuts.exists()


def test_a_status_change_and_its_event_share_one_transaction(exam, failing_event):
    with pytest.raises(Refused):
        services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    exam.assessment.refresh_from_db()
    assert exam.assessment.status == "open"
    assert not exam.assessment.reteach_items.exists()


def test_the_data_meeting_and_its_event_share_one_transaction(exam, failing_event):
    meeting = MeetingFactory(team=exam.team)
    with pytest.raises(Refused):
        meetings.data_meeting_set(
            assessment=exam.assessment, meeting=meeting, actor=exam.teacher
        )
    exam.assessment.refresh_from_db()
    assert exam.assessment.data_meeting is None


def test_a_build_page_save_with_bad_items_keeps_the_old_title_too(login, squad, draft):
    """The page saves details and items together: items refused, nothing saved."""
    response = login(squad.teacher).post(
        reverse("assessments:build", args=[draft.pk]),
        {
            "a-title": "Renamed",
            "a-administered_on": "2026-11-02",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "1",
            "items-0-label": "",
            "cuts-TOTAL_FORMS": "0",
            "cuts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Add at least one item." in response.content.decode()
    draft.refresh_from_db()
    assert draft.title == "Unit 2 check"
    assert not Event.objects.filter(type=EventType.ASSESSMENT_UPDATED).exists()
