"""A block pasted into the entry grid: one request, who may send it, what it
answers, and what a malformed one gets.

Items (from the `exam` fixture): 1 is worth 4 points, 2 is worth 2, 3 is worth 4.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.events import EventType
from accounts.models import Event
from assessments import services
from assessments.models import ItemScore
from assessments.tests.conftest import enter

pytestmark = pytest.mark.django_db


def paste_url(exam, section):
    return reverse("assessments:paste", args=[exam.assessment.pk, section.pk])


def block(exam, rows):
    """[(student, {item number: typed})] as the grid sends it."""
    versions = {
        (score.student_id, score.item_id): score.version
        for score in ItemScore.objects.filter(item__assessment=exam.assessment)
    }
    return [
        {
            "student": student.pk,
            "item": exam.items[number - 1].pk,
            "version": versions.get((student.pk, exam.items[number - 1].pk), 0),
            "value": value,
        }
        for student, values in rows
        for number, value in values.items()
    ]


def post_paste(client, exam, section, cells):
    return client.post(
        paste_url(exam, section),
        {"cells": cells if isinstance(cells, str) else json.dumps(cells)},
        HTTP_HX_REQUEST="true",
    )


@pytest.mark.parametrize(
    ("who", "section", "status"),
    [
        ("teacher", "section", 200),
        ("teacher", "colleague_section", 200),  # the lead enters for any section
        ("colleague", "colleague_section", 200),
        ("principal", "section", 200),
        ("colleague", "section", 404),  # a member only for their own sections
        ("district_admin", "section", 404),  # reads, never enters
        ("bystander", "section", 404),
        ("counselor", "section", 404),
        ("other_teacher", "section", 404),
        ("other_principal", "section", 404),
    ],
)
def test_a_paste_is_for_those_who_enter_that_class(login, exam, who, section, status):
    section = getattr(exam, section)
    student = (
        exam.taught_students[0]
        if section == exam.section
        else exam.colleague_students[0]
    )
    response = post_paste(
        login(getattr(exam, who)), exam, section, block(exam, [(student, {1: "3"})])
    )
    assert response.status_code == status
    assert ItemScore.objects.exists() == (status == 200)


def test_anonymous_is_sent_to_log_in(client, exam):
    response = post_paste(
        client, exam, exam.section, block(exam, [(exam.taught_students[0], {1: "3"})])
    )
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not ItemScore.objects.exists()


def test_a_paste_must_be_posted(login, exam):
    assert login(exam.teacher).get(paste_url(exam, exam.section)).status_code == 405


def test_a_paste_answers_every_cell_and_the_rows_it_touched(login, exam):
    ana, ben, cal = sorted(exam.taught_students, key=lambda s: s.pk)
    response = post_paste(
        login(exam.teacher),
        exam,
        exam.section,
        block(exam, [(ana, {1: "4", 2: "2", 3: "3"}), (ben, {1: "1", 2: "7"})]),
    )
    html = response.content.decode()
    assert response.status_code == 200
    for student, number in [(ana, 1), (ana, 2), (ana, 3), (ben, 1), (ben, 2)]:
        cell_id = f'id="cell-{student.pk}-{exam.items[number - 1].pk}"'
        assert f'{cell_id} hx-swap-oob="true"' in html
    # Totals and outcome percentages of the two rows, and of no other.
    assert f'id="total-{ana.pk}" hx-swap-oob="true">9/10<' in html
    assert f'id="total-{ben.pk}" hx-swap-oob="true">1/4<' in html
    assert f'id="outcome-{ana.pk}-{exam.outcomes[0].pk}"' in html
    assert f"total-{cal.pk}" not in html
    # The bad cell keeps what was typed, with its message.
    assert "more than the 2 points" in html
    assert 'value="7"' in html and 'aria-invalid="true"' in html
    assert html.count("just-saved") == 4
    assert "Saved 4 of 5 pasted values; 1 to correct" in html
    assert {(s.student_id, s.item_id): s.points for s in ItemScore.objects.all()} == {
        (ana.pk, exam.items[0].pk): Decimal(4),
        (ana.pk, exam.items[1].pk): Decimal(2),
        (ana.pk, exam.items[2].pk): Decimal(3),
        (ben.pk, exam.items[0].pk): Decimal(1),
    }


def test_a_pasted_cell_changed_by_someone_else_shows_their_entry(login, exam):
    ana = exam.taught_students[0]
    enter(exam, ana, 1, "2")
    cells = block(exam, [(ana, {1: "4"})])  # seen: version 1
    enter(exam, ana, 1, "1", actor=exam.colleague)
    html = post_paste(login(exam.teacher), exam, exam.section, cells).content.decode()
    assert "Changed by someone else" in html
    assert 'value="1"' in html  # the colleague's entry, to type over if need be
    assert '"version": "2"' in html
    assert ItemScore.objects.get().points == 1


def test_a_paste_is_one_event_per_changed_cell(login, exam):
    ana, ben, _ = exam.taught_students
    enter(exam, ana, 1, "4")
    before = Event.objects.filter(type=EventType.SCORE_CHANGED).count()
    post_paste(
        login(exam.teacher),
        exam,
        exam.section,
        block(exam, [(ana, {1: "4", 2: "1"}), (ben, {1: "x"})]),
    )
    assert Event.objects.filter(type=EventType.SCORE_CHANGED).count() == before + 2


def test_nothing_is_saved_once_the_assessment_is_finalized(login, exam):
    services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    response = post_paste(
        login(exam.teacher),
        exam,
        exam.section,
        block(exam, [(exam.taught_students[0], {1: "3", 2: "1"})]),
    )
    assert response.status_code == 200
    assert "only while the assessment is open" in response.content.decode()
    assert not ItemScore.objects.exists()


def test_a_student_of_another_section_is_refused_whole(login, exam):
    response = post_paste(
        login(exam.teacher),
        exam,
        exam.section,
        block(
            exam,
            [
                (exam.taught_students[0], {1: "3"}),
                (exam.colleague_students[0], {1: "3"}),
            ],
        ),
    )
    assert response.status_code == 404
    assert not ItemScore.objects.exists()


def test_an_item_of_another_assessment_is_refused_whole(login, exam):
    other = services.assessment_create(
        team=exam.team,
        course=exam.course,
        title="Other",
        administered_on=datetime.date.today(),
        actor=exam.teacher,
    )
    (foreign_item,) = services.items_replace(
        assessment=other,
        items=[services.ItemSpec(1, Decimal(2), exam.outcomes[0])],
        actor=exam.teacher,
    )
    cells = block(exam, [(exam.taught_students[0], {1: "3"})])
    cells.append({**cells[0], "item": foreign_item.pk})
    response = post_paste(login(exam.teacher), exam, exam.section, cells)
    assert response.status_code == 404
    assert not ItemScore.objects.exists()


@pytest.mark.parametrize(
    "cells",
    [
        "not json",
        "{}",
        "[]",
        '[{"student": 1}]',
        '[{"student": "x", "item": 1, "version": 0, "value": "1"}]',
        '[{"student": 1, "item": 1, "version": -1, "value": "1"}]',
        '[{"student": 1, "item": 1, "version": 0, "value": 4}]',
    ],
)
def test_a_malformed_paste_is_a_plain_400(login, exam, cells):
    response = post_paste(login(exam.teacher), exam, exam.section, cells)
    assert response.status_code == 400
    assert not ItemScore.objects.exists()


def test_the_same_cell_twice_is_a_400(login, exam):
    cells = block(exam, [(exam.taught_students[0], {1: "3"})]) * 2
    response = post_paste(login(exam.teacher), exam, exam.section, cells)
    assert response.status_code == 400


def test_a_paste_larger_than_any_class_is_refused(login, exam, monkeypatch):
    from assessments import views_entry

    monkeypatch.setattr(views_entry, "MAX_PASTED_CELLS", 2)
    cells = block(exam, [(exam.taught_students[0], {1: "3", 2: "1", 3: "1"})])
    response = post_paste(login(exam.teacher), exam, exam.section, cells)
    assert response.status_code == 400
    assert "at most 2" in response.content.decode()


def test_a_paste_costs_the_same_queries_for_one_row_or_two(login, exam):
    client = login(exam.teacher)
    ana, ben, cal = exam.taught_students
    values = {1: "1", 2: "1", 3: "1"}
    with CaptureQueriesContext(connection) as one_row:
        post_paste(client, exam, exam.section, block(exam, [(ana, values)]))
    with CaptureQueriesContext(connection) as two_rows:
        post_paste(
            client, exam, exam.section, block(exam, [(ben, values), (cal, values)])
        )
    assert len(two_rows) == len(one_row)
    assert ItemScore.objects.count() == 9
