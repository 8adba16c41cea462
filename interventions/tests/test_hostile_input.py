"""Random and hostile input to every form and upload of the ladder: never a
server error, and a refusal writes nothing.

Each test reads the names of the fields from the page a person would fill in,
then posts hostile values under those names (text with NULs, right-to-left
overrides, emoji, markup, SQL-ish strings, huge strings, out-of-range and
non-ASCII numbers, NaN, impossible dates, repeated keys, missing fields).

Covered here:

- opening a case (CaseOpenForm, and the student search's q)
- on a case: action done, progress check, parent contact, note, decision,
  contract and its signature
- the ladder: rung add, edit, move, retire
- groups: create, edit, place a student, end a placement, attendance
- faculty advisors: the CSV upload (random bytes, odd encodings, hostile
  cells) and assigning one student's advisor
- caseloads: the rules, one student's counselor
- the school's parent letter template
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from interventions.models import Placement
from interventions.tests.conftest import open_case
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
    row_counts,
    written,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(ladder):
    return open_case(ladder).case


@few_settings
@given(data=st.data())
def test_case_forms(ladder, case, login, data):
    client = login(ladder.counselor)
    names = page_names(client, reverse("interventions:case", args=[case.pk]))
    names += page_names(
        client, reverse("interventions:case_contract_create", args=[case.pk])
    )
    posted = hostile_form(data, names)
    action = case.actions.first() if hasattr(case, "actions") else None
    urls = [
        reverse(f"interventions:{name}", args=[case.pk])
        for name in (
            "case_check_add",
            "case_contact_add",
            "case_note_add",
            "case_decide",
            "case_contract_create",
        )
    ]
    if action is not None:
        urls.append(
            reverse("interventions:case_action_done", args=[case.pk, action.pk])
        )
    for url in urls:
        post_hostile(client, url, posted, HTTP_HX_REQUEST="true")


@db_settings
@given(data=st.data(), student=hostile_text())
def test_case_open(ladder, login, data, student):
    client = login(ladder.counselor)
    url = reverse("interventions:case_open")
    for query in (
        {"student": ladder.taught_students[1].pk},
        {"student": student},
        {"q": student},
    ):
        response = client.get(url, query)
        assert response.status_code < 500
    names = page_names(client, f"{url}?student={ladder.taught_students[1].pk}")
    posted = hostile_form(data, names)
    post_hostile(client, f"{url}?student={ladder.taught_students[1].pk}", posted)


@few_settings
@given(data=st.data())
def test_ladder_rungs(ladder, login, data):
    client = login(ladder.principal)
    school = ladder.school.pk
    rung = ladder.rungs[1]
    names = page_names(client, reverse("interventions:ladder_rung_add", args=[school]))
    names += page_names(client, reverse("interventions:ladder", args=[school]))
    posted = hostile_form(data, names)
    for name, args in (
        ("ladder_rung_add", [school]),
        ("ladder_rung_edit", [school, rung.pk]),
        ("ladder_rung_move", [school, rung.pk]),
        ("ladder_rung_retire", [school, rung.pk]),
    ):
        post_hostile(client, reverse(f"interventions:{name}", args=args), posted)


@few_settings
@given(data=st.data())
def test_groups(ladder, login, data):
    client = login(ladder.principal)
    group = ladder.study_hall
    names = page_names(
        client, reverse("interventions:group_create", args=[ladder.school.pk])
    )
    names += page_names(client, reverse("interventions:group", args=[group.pk]))
    names += page_names(client, reverse("interventions:attendance", args=[group.pk]))
    posted = hostile_form(data, names)
    for url in (
        reverse("interventions:group_create", args=[ladder.school.pk]),
        reverse("interventions:group_edit", args=[group.pk]),
        reverse("interventions:group_place", args=[group.pk]),
        reverse("interventions:attendance", args=[group.pk]),
    ):
        post_hostile(client, url, posted)
    placement = Placement.objects.filter(group=group).first()
    if placement is not None:
        post_hostile(
            client,
            reverse("interventions:placement_end", args=[group.pk, placement.pk]),
            posted,
        )


@few_settings
@given(data=st.data())
def test_caseloads_advisors_and_letter(ladder, login, data):
    client = login(ladder.principal)
    school = ladder.school.pk
    student = ladder.taught_students[0].pk
    names = []
    for name in ("caseloads", "advisors", "letter_template"):
        names += page_names(client, reverse(f"interventions:{name}", args=[school]))
    posted = hostile_form(data, names)
    for name, args in (
        ("caseloads_rules", [school]),
        ("caseloads_apply", [school]),
        ("caseloads_student", [school]),
        ("caseloads_follow_rules", [school, student]),
        ("advisor_assign", [school, student]),
        ("letter_template", [school]),
    ):
        post_hostile(client, reverse(f"interventions:{name}", args=args), posted)


@db_settings
@given(
    content=st.one_of(
        hostile_bytes(),
        st.tuples(
            st.lists(st.lists(hostile_text(20), min_size=1, max_size=4), max_size=4),
            st.sampled_from(ENCODINGS),
            st.booleans(),
        ),
    ),
    name=st.sampled_from(["advisors.csv", "advisors.xlsx", "a.txt", "x"]),
)
def test_advisors_upload(ladder, login, content, name):
    client = login(ladder.principal)
    if isinstance(content, tuple):
        rows, encoding, real = content
        header = ["student_id", "advisor_email"]
        if real:
            rows = [
                [student.local_id, *row[1:]]
                for student, row in zip(ladder.taught_students, rows, strict=False)
            ]
        content = encode_csv([header, *rows], encoding)
    url = reverse("interventions:advisors_upload", args=[ladder.school.pk])
    before = row_counts()
    response = client.post(url, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code < 500
    if response.status_code != 302:
        assert written(before, row_counts()) == {}


@pytest.mark.parametrize("raw", ["²", "99999999999999999999"])
@pytest.mark.parametrize("name", ["rung", "course"])
def test_a_caseload_filter_that_is_no_id_is_refused(ladder, login, name, raw):
    response = login(ladder.counselor).get(
        reverse("interventions:caseload"), {name: raw}
    )
    assert response.status_code < 500
    assert f"“{raw}”".encode() in response.content


def test_a_search_with_a_nul_finds_nobody(ladder, login):
    response = login(ladder.counselor).get(
        reverse("interventions:case_open"), {"q": "Ri\x00"}
    )
    assert response.status_code == 200
    assert response.context["search"].students == []


@pytest.mark.parametrize("raw", ["²", "99999999999999999999"])
def test_opening_for_a_student_that_is_no_id_is_not_found(ladder, login, raw):
    response = login(ladder.counselor).get(
        reverse("interventions:case_open"), {"student": raw}
    )
    assert response.status_code == 404


def test_an_advisors_file_with_a_nul_is_refused_naming_the_row(ladder, login):
    content = (
        b"student_id,advisor_email\r\n" + ladder.taught_students[0].local_id.encode()
    )
    content += b"\x00,teacher@stevenson.example\r\n"
    before = row_counts()
    response = login(ladder.principal).post(
        reverse("interventions:advisors_upload", args=[ladder.school.pk]),
        {"file": SimpleUploadedFile("advisors.csv", content)},
    )
    assert response.status_code == 200
    assert "Row 2: a cell holds a NUL character." in response.content.decode()
    assert written(before, row_counts()) == {}
