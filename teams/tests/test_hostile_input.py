"""Random and hostile input to every form and upload of teams: never a server
error, and a refusal writes nothing.

Each test reads the names of the fields from the page a person would fill in,
then posts hostile values under those names (text with NULs, right-to-left
overrides, emoji, markup, SQL-ish strings, huge strings, out-of-range and
non-ASCII numbers, NaN, impossible dates, repeated keys, missing fields).

Covered here:

- the team: create, edit, archive, members (add, role, remove), norms
- essential outcomes: create, edit, retire, move, and the CSV import (random
  bytes, truncated and empty files, UTF-16, latin-1 and BOM encodings,
  formula-leading and hostile cells)
- SMART goals: create, edit, close
- meetings: create, edit, action items and marking one done
- the school's commitments
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from plc.tests.hostile import (
    ENCODINGS,
    db_settings,
    encode_csv,
    few_settings,
    hostile_bytes,
    hostile_form,
    hostile_text,
    page_names,
    post_hostile,
    refused,
    row_counts,
    written,
)

pytestmark = pytest.mark.django_db


@few_settings
@given(data=st.data())
def test_team_and_members(squad, login, data):
    client = login(squad.principal)
    team = squad.team.pk
    names = page_names(client, reverse("teams:create", args=[squad.school.pk]))
    names += page_names(client, reverse("teams:members", args=[team]))
    names += page_names(client, reverse("teams:norms", args=[team]))
    posted = hostile_form(data, names)
    for url in (
        reverse("teams:create", args=[squad.school.pk]),
        reverse("teams:edit", args=[team]),
        reverse("teams:members", args=[team]),
        reverse("teams:member_role", args=[team, squad.colleague.pk]),
        reverse("teams:norms", args=[team]),
        reverse("teams:commitments_edit", args=[squad.school.pk]),
    ):
        post_hostile(client, url, posted)


@few_settings
@given(data=st.data())
def test_outcomes_goals_and_meetings(squad, login, data):
    client = login(squad.teacher)
    team = squad.team.pk
    outcome = squad.outcomes[1].pk
    names = page_names(client, reverse("teams:outcome_create", args=[team]))
    names += page_names(client, reverse("teams:goal_create", args=[team]))
    names += page_names(client, reverse("teams:meeting_create", args=[team]))
    posted = hostile_form(data, names)
    for url in (
        reverse("teams:outcome_create", args=[team]),
        reverse("teams:outcome_edit", args=[team, outcome]),
        reverse("teams:outcome_move", args=[team, outcome]),
        reverse("teams:outcome_retire", args=[team, outcome]),
        reverse("teams:goal_create", args=[team]),
        reverse("teams:meeting_create", args=[team]),
    ):
        post_hostile(client, url, posted)


@db_settings
@given(
    content=st.one_of(
        hostile_bytes(),
        st.tuples(
            st.lists(st.lists(hostile_text(30), min_size=1, max_size=5), max_size=4),
            st.sampled_from(ENCODINGS),
        ),
    ),
    name=st.sampled_from(["outcomes.csv", "outcomes.xlsx", "o.txt", "x"]),
    course=st.one_of(st.none(), hostile_text()),
)
def test_outcome_import(squad, login, content, name, course):
    client = login(squad.teacher)
    if isinstance(content, tuple):
        rows, encoding = content
        content = encode_csv(
            [["code", "statement", "standards", "unit"], *rows], encoding
        )
    before = row_counts()
    response = client.post(
        reverse("teams:outcome_import", args=[squad.team.pk]),
        {
            "course": squad.course.pk if course is None else course,
            "file": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code < 500
    change = written(before, row_counts())
    if refused(response) or response.status_code == 200:
        assert change == {}, change
