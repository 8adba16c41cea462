"""Show an event's before and after values in words."""

from django import template

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


def _words(value) -> str:
    if value is None or value == "" or value == []:
        return "(blank)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(
            _words(v.get("title", v)) if isinstance(v, dict) else _words(v)
            for v in value
        )
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_words(v)}" for k, v in value.items())
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
        if not key.endswith("_id") or key == "course_ids"
    ]
    return {"rows": rows}
