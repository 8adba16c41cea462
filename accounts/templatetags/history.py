"""Show an event's before and after values in words."""

import datetime
import re

from django import template
from django.utils.formats import date_format

register = template.Library()

# Field names as people say them; anything not listed reads its own name.
LABELS = {
    "course_ids": "courses",
    "mastery_n": "scores needed (n)",
    "mastery_weight": "weight",
    "baseline_override": "baseline",
    "baseline_override_reason": "baseline reason",
    "school_goal": "school goal",
    "due_on": "due",
    "administered_on": "date",
}


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A record inside a value is named by the first of these it has.
NAMES = ("code", "title", "name", "label")


def _blank(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _words(value) -> str:
    if _blank(value):
        return "(blank)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(_words(v) for v in value)
    if isinstance(value, dict):
        for key in NAMES:
            if key in value:
                return _words(value[key])
        return ", ".join(f"{k.replace('_', ' ')} {_words(v)}" for k, v in value.items())
    if isinstance(value, str) and ISO_DATE.match(value):
        return date_format(datetime.date.fromisoformat(value), "j M Y")
    return str(value)


@register.inclusion_tag("accounts/_event_changes.html")
def event_changes(event):
    before, after = event.before, event.after
    rows = [
        {
            "field": LABELS.get(key, key.replace("_", " ")),
            "before": _words(before.get(key)) if key in before else None,
            "after": _words(after.get(key)) if key in after else None,
        }
        for key in dict.fromkeys([*before, *after])
        if (not key.endswith("_id") or key == "course_ids")
        # A value that only appeared, and is empty, says nothing.
        and not (key not in before and _blank(after.get(key)))
    ]
    return {"rows": rows}
