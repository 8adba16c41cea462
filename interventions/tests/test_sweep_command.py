"""`manage.py intervention_sweep` runs exactly what the daily task runs."""

import datetime
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command

from interventions.models import CaseStatus, SweepRun
from interventions.tests.conftest import open_case

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2026, 10, 5)


def sweep(*args):
    out = io.StringIO()
    call_command("intervention_sweep", *args, stdout=out)
    return out.getvalue()


def test_it_reviews_the_day_and_prints_json_per_school(ladder):
    case = open_case(ladder, on=MONDAY).case
    review = case.next_review_on.isoformat()
    with time_machine.travel(datetime.datetime(2026, 11, 20, 7), tick=False):
        report = json.loads(
            sweep("--as-of", review, "--school", str(ladder.school.pk), "--json")
        )
    assert report["as_of"] == review
    (school,) = report["schools"]
    assert school["id"] == ladder.school.pk
    assert school["status"] == "succeeded"
    assert school["held"] == 1 and school["exited"] == 0
    case.refresh_from_db()
    assert case.status == CaseStatus.PLAN_NOT_DELIVERED
    # The same day again changes nothing.
    with time_machine.travel(datetime.datetime(2026, 11, 20, 7), tick=False):
        again = json.loads(sweep("--as-of", review, "--json"))
    assert all(
        row[key] == 0
        for row in again["schools"]
        for key in ("opened", "exited", "escalated", "held", "referred")
    )


def test_it_prints_words_by_default(ladder):
    text = sweep("--as-of", "2026-10-05", "--school", str(ladder.school.pk))
    assert text.startswith("Daily review for Monday 5 October 2026")
    assert "Stevenson High School: succeeded; 0 opened" in text
    assert SweepRun.objects.get().as_of == MONDAY


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--as-of", "05/10/2026"), "is not a date: use YYYY-MM-DD"),
        (("--school", "999999"), "No school with id 999999"),
    ],
)
def test_bad_input_is_named(ladder, args, message):
    with pytest.raises(CommandError, match=message):
        sweep(*args)
