"""Earlier values of a student's results: what the lead and the principal see,
read from the record of change, and who is refused."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.events import EventType
from accounts.models import Event
from assessments import selectors, services
from assessments.tests.conftest import enter

pytestmark = pytest.mark.django_db


def history_url(exam, section, student):
    return reverse(
        "assessments:history", args=[exam.assessment.pk, section.pk, student.pk]
    )


def grid_url(exam, section):
    return reverse("assessments:grid", args=[exam.assessment.pk, section.pk])


@pytest.fixture
def changed(exam):
    """Ana's item 1: entered 2 by the lead, then 3.5 by the principal, then marked
    absent; item 3 entered 4. Ben has one result of his own."""
    ana, ben, _ = exam.taught_students
    enter(exam, ana, 1, "2")
    enter(exam, ana, 1, "3.5", actor=exam.principal)
    enter(exam, ana, 3, "4")
    enter(exam, ana, 1, "a")
    enter(exam, ben, 1, "1")
    return exam


def test_the_history_lists_a_students_changes_newest_first(changed):
    exam = changed
    ana = exam.taught_students[0]
    history = selectors.score_history(assessment=exam.assessment, student=ana)
    assert [(h.item_number, h.before, h.after) for h in history] == [
        (1, "3.5", "absent"),
        (3, "blank", "4"),
        (1, "2", "3.5"),
        (1, "blank", "2"),
    ]
    assert [h.who for h in history] == [
        exam.teacher.display_name,
        exam.teacher.display_name,
        exam.principal.display_name,
        exam.teacher.display_name,
    ]
    assert all(h.at is not None for h in history)


def test_the_history_is_of_this_assessment_only(changed):
    exam = changed
    ana = exam.taught_students[0]
    other = services.assessment_create(
        team=exam.team,
        course=exam.course,
        title="Unit 2",
        administered_on=datetime.date.today(),
        actor=exam.teacher,
    )
    (item,) = services.items_replace(
        assessment=other,
        items=[services.ItemSpec(1, Decimal(2), exam.outcomes[0])],
        actor=exam.teacher,
    )
    services.assessment_open(assessment=other, actor=exam.teacher)
    services.score_enter(
        assessment=other,
        item=item,
        student=ana,
        raw="2",
        seen_version=0,
        actor=exam.teacher,
    )
    assert len(selectors.score_history(assessment=exam.assessment, student=ana)) == 4
    assert len(selectors.score_history(assessment=other, student=ana)) == 1


def test_the_history_costs_one_query_however_long(exam):
    ana = exam.taught_students[0]
    enter(exam, ana, 1, "1")
    with CaptureQueriesContext(connection) as short:
        selectors.score_history(assessment=exam.assessment, student=ana)
    for value in ("2", "3", "4", "a", "x"):
        enter(exam, ana, 1, value)
    with CaptureQueriesContext(connection) as long:
        history = selectors.score_history(assessment=exam.assessment, student=ana)
    assert len(history) == 6
    assert len(long) == len(short) == 1


@pytest.mark.parametrize(
    ("who", "section", "status"),
    [
        ("teacher", "section", 200),  # the lead
        ("teacher", "colleague_section", 200),
        ("principal", "section", 200),
        ("colleague", "colleague_section", 404),  # an ordinary member
        ("colleague", "section", 404),
        ("district_admin", "section", 404),
        ("bystander", "section", 404),
        ("counselor", "section", 404),
        ("other_principal", "section", 404),
        ("other_teacher", "section", 404),
    ],
)
def test_the_history_is_for_the_lead_and_the_principal(
    login, changed, who, section, status
):
    exam = changed
    section = getattr(exam, section)
    student = (
        exam.taught_students[0]
        if section == exam.section
        else exam.colleague_students[0]
    )
    response = login(getattr(exam, who)).get(history_url(exam, section, student))
    assert response.status_code == status


def test_anonymous_is_sent_to_log_in(client, changed):
    exam = changed
    response = client.get(history_url(exam, exam.section, exam.taught_students[0]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_student_of_another_section_is_not_found_through_this_one(login, changed):
    exam = changed
    response = login(exam.teacher).get(
        history_url(exam, exam.section, exam.colleague_students[0])
    )
    assert response.status_code == 404


def test_the_history_page_shows_item_old_new_who_and_when(login, changed):
    exam = changed
    ana = exam.taught_students[0]
    response = login(exam.principal).get(
        history_url(exam, exam.section, ana), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert f"{ana.first_name} {ana.last_name}" in html
    assert '3.5 <span aria-hidden="true">→</span>' in html
    assert "<strong>absent</strong>" in html
    assert exam.principal.display_name in html
    assert "<time datetime=" in html
    assert html.count("<tr") == 1 + 4  # the header and four changes


def test_the_history_says_so_when_nothing_changed(login, exam):
    ana = exam.taught_students[0]
    html = login(exam.teacher).get(history_url(exam, exam.section, ana))
    assert "No change to" in html.content.decode()


def test_reading_the_history_is_logged_for_the_student(login, changed):
    from schools.models import AccessedStudent

    exam = changed
    ana = exam.taught_students[0]
    login(exam.principal).get(history_url(exam, exam.section, ana))
    assert AccessedStudent.objects.filter(
        student=ana, record__user=exam.principal
    ).exists()


def test_the_grid_offers_the_history_to_the_lead_and_principal_only(login, exam):
    ana = exam.taught_students[0]
    url = history_url(exam, exam.section, ana)
    assert url in login(exam.teacher).get(grid_url(exam, exam.section)).content.decode()
    assert (
        url in login(exam.principal).get(grid_url(exam, exam.section)).content.decode()
    )
    colleague_page = login(exam.colleague).get(grid_url(exam, exam.colleague_section))
    assert "/history/" not in colleague_page.content.decode()


def test_the_history_records_no_event_of_its_own(login, changed):
    exam = changed
    count = Event.objects.count()
    login(exam.teacher).get(history_url(exam, exam.section, exam.taught_students[0]))
    assert Event.objects.count() == count
    assert Event.objects.filter(type=EventType.SCORE_CHANGED).count() == 5


def test_without_javascript_the_history_is_a_page_of_its_own(login, changed):
    exam = changed
    ana = exam.taught_students[0]
    response = login(exam.teacher).get(history_url(exam, exam.section, ana))
    html = response.content.decode()
    assert "<h1" in html and f"History of {ana.first_name} {ana.last_name}" in html
    assert grid_url(exam, exam.section) in html  # the way back
    assert 'method="dialog"' not in html
