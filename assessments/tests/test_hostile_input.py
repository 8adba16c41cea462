"""Random and hostile input to every form and upload of common assessments:
never a server error, and a refusal writes nothing.

Covered here (each a property test over hostile text, numbers, dates, missing
fields, repeated keys, random bytes and oddly encoded CSV):

- new assessment (AssessmentForm: course, title, administered_on)
- building it (details, the item formset and the cut formset, management
  forms included)
- the entry grid's cell endpoint (student, item, version, value)
- the entry grid's paste endpoint (a JSON block of cells)
- results upload (CSV/XLSX file, then its confirmation token)
- reteach done, transitions' reason/retake forms and the data meeting pick
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from assessments.models import CommonAssessment, ItemScore
from plc.tests.hostile import (
    ENCODINGS,
    db_settings,
    encode_csv,
    hostile_bytes,
    hostile_text,
    refused,
    row_counts,
    written,
)

pytestmark = pytest.mark.django_db


def value():
    """One posted value: hostile text, or the same key sent twice."""
    return st.one_of(hostile_text(), st.lists(hostile_text(), min_size=2, max_size=2))


def form(fields, *, keep=()):
    """Posted data with each field perhaps missing; `keep` are always sent."""
    return st.fixed_dictionaries(
        {name: value() for name in keep},
        optional={name: value() for name in fields if name not in keep},
    )


@pytest.fixture
def teacher_client(exam, login):
    return login(exam.teacher)


@db_settings
@given(data=form(["course", "title", "administered_on"]))
def test_new_assessment(exam, teacher_client, data):
    before = row_counts()
    response = teacher_client.post(
        reverse("assessments:create", args=[exam.team.pk]), data
    )
    assert response.status_code < 500
    change = written(before, row_counts())
    if refused(response) or response.status_code == 200:
        assert change == {}
    else:
        assert change.get("assessments_commonassessment") == 1, change


@pytest.fixture
def draft(exam):
    return CommonAssessment.objects.create(
        team=exam.team,
        course=exam.course,
        title="Draft quiz",
        administered_on=exam.assessment.administered_on,
        created_by=exam.teacher,
    )


numbers = st.one_of(
    hostile_text(12), st.integers(-(10**12), 10**12).map(str), st.just("1000")
)


@db_settings
@given(
    details=form(["a-title", "a-administered_on"]),
    rows=st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "label": hostile_text(),
                "max_points": numbers,
                "outcome": numbers,
            },
        ),
        max_size=3,
    ),
    total=st.one_of(st.none(), numbers),
    cut=st.tuples(numbers, numbers, numbers),
)
def test_build(exam, draft, teacher_client, details, rows, total, cut):
    data = dict(details)
    data["items-TOTAL_FORMS"] = str(len(rows)) if total is None else total
    data["items-INITIAL_FORMS"] = "0"
    for index, row in enumerate(rows):
        for key, text in row.items():
            data[f"items-{index}-{key}"] = text
    data["cuts-TOTAL_FORMS"] = "1"
    data["cuts-INITIAL_FORMS"] = "0"
    data["cuts-0-outcome_id"], data["cuts-0-mastery_cut"] = cut[0], cut[1]
    data["cuts-0-exceeds_cut"] = cut[2]
    before = row_counts()
    response = teacher_client.post(reverse("assessments:build", args=[draft.pk]), data)
    assert response.status_code < 500
    if refused(response):
        assert written(before, row_counts()) == {}


@db_settings
@given(data=form(["student", "item", "version", "value"]), real=st.booleans())
def test_cell(exam, teacher_client, data, real):
    if real:  # a real cell, so that the value itself is what is tried
        data = {
            **data,
            "student": str(exam.taught_students[0].pk),
            "item": str(exam.items[0].pk),
        }
    before = row_counts()
    response = teacher_client.post(
        reverse("assessments:cell", args=[exam.assessment.pk, exam.section.pk]),
        data,
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code < 500
    change = written(before, row_counts())
    if response.status_code != 200 or not response.context["result"].saved:
        assert change == {}, change


cell_numbers = st.one_of(
    st.integers(), st.floats(), st.text(max_size=5), st.none(), st.booleans()
)


@db_settings
@given(
    cells=st.one_of(
        hostile_text(),
        st.lists(
            st.one_of(
                st.fixed_dictionaries(
                    {
                        "student": cell_numbers,
                        "item": cell_numbers,
                        "version": cell_numbers,
                        "value": st.one_of(hostile_text(), cell_numbers),
                    }
                ),
                hostile_text(),
                st.integers(),
            ),
            max_size=4,
        ).map(json.dumps),
    ),
    real_values=st.lists(hostile_text(), min_size=1, max_size=3),
)
def test_paste(exam, teacher_client, cells, real_values):
    url = reverse("assessments:paste", args=[exam.assessment.pk, exam.section.pk])
    for block in (
        cells,
        json.dumps(
            [
                {
                    "student": exam.taught_students[0].pk,
                    "item": item.pk,
                    "version": ItemScore.objects.filter(
                        item=item, student=exam.taught_students[0]
                    )
                    .values_list("version", flat=True)
                    .first()
                    or 0,
                    "value": typed,
                }
                for item, typed in zip(exam.items, real_values, strict=False)
            ]
        ),
    ):
        before = row_counts()
        response = teacher_client.post(url, {"cells": block}, HTTP_HX_REQUEST="true")
        assert response.status_code < 500
        if response.status_code != 200:
            assert written(before, row_counts()) == {}


@db_settings
@given(
    content=st.one_of(
        hostile_bytes(),
        st.tuples(
            st.lists(
                st.lists(hostile_text(20), min_size=1, max_size=5),
                min_size=0,
                max_size=4,
            ),
            st.sampled_from(ENCODINGS),
            st.booleans(),
        ),
    ),
    name=st.sampled_from(["results.csv", "results.xlsx", "results.xls", "r.txt", ""]),
    token=hostile_text(),
)
def test_upload(exam, teacher_client, content, name, token):
    url = reverse("assessments:upload", args=[exam.assessment.pk, exam.section.pk])
    if isinstance(content, tuple):
        rows, encoding, real_ids = content
        header = ["Student ID"] + [str(item.number) for item in exam.items]
        if real_ids:
            rows = [
                [student.local_id, *row[1:]]
                for student, row in zip(exam.taught_students, rows, strict=False)
            ]
        content = encode_csv([header, *rows], encoding)
    before = row_counts()
    response = teacher_client.post(
        url, {"file": SimpleUploadedFile(name or "x", content)}
    )
    assert response.status_code < 500
    assert written(before, row_counts()) == {}  # a preview writes nothing
    if response.status_code == 200 and "token" in (response.context or {}):
        for confirm in (token, response.context["token"]):
            before = row_counts()
            response = teacher_client.post(url, {"confirm": confirm})
            assert response.status_code < 500
            if confirm == token:
                assert written(before, row_counts()) == {}


@db_settings
@given(
    data=form(["reason", "retake", "meeting", "done", "outcome"]),
    action=st.sampled_from(["open", "finalize", "reopen", "retake"]),
)
def test_transitions_and_data_meeting(exam, teacher_client, data, action):
    pk = exam.assessment.pk
    for url in (
        reverse("assessments:transition", args=[pk, action]),
        reverse("assessments:data_meeting", args=[pk]),
        reverse("assessments:reteach_done", args=[pk, exam.items[0].pk]),
    ):
        before = row_counts()
        response = teacher_client.post(url, data)
        assert response.status_code < 500
        if refused(response):
            assert written(before, row_counts()) == {}
