"""Before and after values read as words on every history page."""

from accounts.events import EventType
from accounts.models import Event
from accounts.templatetags.history import event_changes


def rows(before=None, after=None):
    data = {}
    if before is not None:
        data["before"] = before
    if after is not None:
        data["after"] = after
    return event_changes(Event(type=EventType.CASE_OPENED, data=data))["rows"]


def test_records_read_by_their_code_or_title_and_dates_as_dates():
    (outcomes, review) = rows(
        after={
            "outcomes": [
                {"code": "ALG1.EO3", "value": 55, "calculation": "a long story"},
                {"code": "ALG1.EO4", "value": None},
            ],
            "next_review_on": "2026-12-10",
        }
    )
    assert outcomes == {
        "field": "outcomes",
        "before": None,
        "after": "ALG1.EO3; ALG1.EO4",
    }
    assert review["after"] == "10 Dec 2026"


def test_an_empty_value_that_only_appeared_is_left_out():
    assert rows(after={"unassigned": [], "tier": 1}) == [
        {"field": "tier", "before": None, "after": "1"}
    ]


def test_a_value_emptied_is_shown_as_blank():
    assert rows(before={"mission": "Learning for all"}, after={"mission": ""}) == [
        {"field": "mission", "before": "Learning for all", "after": "(blank)"}
    ]
