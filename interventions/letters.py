"""The parent letter: its placeholders, the default text every school starts
from, and how a letter is filled in (docs/domain.md, "Cases").

Pure functions over plain values, so the letter can be checked and previewed
without a database. A school's letter is text, not a Django template: the
principal types words and a few placeholders in braces, and nothing they type
can reach into the application.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Each placeholder and what it becomes, as the editor explains it.
PLACEHOLDERS: dict[str, str] = {
    "guardian": "the parent's or guardian's name, e.g. Marisol Reyes",
    "student": "the student's full name, e.g. Jordan Reyes",
    "first_name": "the name the student goes by, e.g. Jordan",
    "course": "the course, e.g. Algebra 1",
    "outcomes": "what the student is still learning, one line each, in the "
    "words the team wrote for students",
    "rung": "the name of the support, e.g. Required tutoring",
    "support": "what the school will do, as the ladder describes the rung",
    "review_date": "when progress is looked at again, e.g. Friday 13 March 2026",
    "counselor": "the counselor's name and e-mail address",
    "school": "the school's name",
    "date": "the date of the letter",
}

DEFAULT_SUBJECT = "How {school} is helping {first_name} in {course}"

DEFAULT_BODY = """Dear {guardian},

We are writing about {first_name}'s learning in {course}. Our teachers check \
every student's progress on the few things that matter most in each course. \
{first_name} has not learned these yet:

{outcomes}

This is not a grade and not a punishment. It means {first_name} needs more time \
and more help, and the school will give it. This is what we will do:

{support}

You can help at home: ask {first_name} each evening what was learned in \
{course} today, and check that homework is done.

We will look at {first_name}'s progress again on {review_date} and let you know \
how it is going. If you have a question, please contact {counselor}.

Yours sincerely,

{school}"""

PLACEHOLDER = re.compile(r"\{([^{}\n]*)\}")


def unknown_placeholders(text: str) -> list[str]:
    """The placeholders in `text` that the letter cannot fill, in order."""
    seen = []
    for match in PLACEHOLDER.finditer(text):
        name = match.group(1).strip()
        if name not in PLACEHOLDERS and name not in seen:
            seen.append(name)
    return seen


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with each known placeholder replaced by its value; anything else
    in braces is left as it was typed."""

    def replace(match: re.Match) -> str:
        name = match.group(1).strip()
        return values[name] if name in values else match.group(0)

    return PLACEHOLDER.sub(replace, text)


def outcome_lines(statements: list[str]) -> str:
    return "\n".join(f"• {statement}" for statement in statements)
