"""The data page, its CSV exports and the data-meeting picker: who may use them,
what they show, and that a spreadsheet never runs what a cell holds."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.events import EventType
from accounts.models import Event
from assessments import services
from assessments.models import CommonAssessment
from assessments.tests.conftest import enter
from schools.models import AccessedStudent, AccessKind, AccessRecord
from schools.tests.factories import EnrollmentFactory, StudentFactory
from teams.models import Meeting
from teams.tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

READERS = [
    ("teacher", 200),
    ("colleague", 200),
    ("principal", 200),
    ("district_admin", 200),
    ("bystander", 404),
    ("counselor", 404),
    ("other_teacher", 404),
    ("other_principal", 404),
    ("far_admin", 404),
]


def data_url(exam):
    return reverse("assessments:data", args=[exam.assessment.pk])


def export_url(exam, table):
    return reverse("assessments:data_export", args=[exam.assessment.pk, table])


def meeting_url(exam):
    return reverse("assessments:data_meeting", args=[exam.assessment.pk])


def fill(exam):
    """Period 1: 4 2 4 / 1 1 1 / 3 2 2; Period 4: 4 2 4 / 2 a 4."""
    rows = [["4", "2", "4"], ["1", "1", "1"], ["3", "2", "2"]]
    for student, values in zip(exam.taught_students, rows, strict=True):
        for number, raw in enumerate(values, start=1):
            enter(exam, student, number, raw)
    for student, values in zip(
        exam.colleague_students, [["4", "2", "4"], ["2", "a", "4"]], strict=True
    ):
        for number, raw in enumerate(values, start=1):
            enter(exam, student, number, raw)
    services.mastery_recompute(
        student_ids=[s.pk for s in exam.taught_students + exam.colleague_students]
    )


@pytest.mark.parametrize(("who", "status"), READERS)
def test_data_page_is_for_the_team_its_principal_and_district(login, exam, who, status):
    response = login(getattr(exam, who)).get(data_url(exam))
    assert response.status_code == status


@pytest.mark.parametrize(("who", "status"), READERS)
def test_exports_are_for_the_same_people(login, exam, who, status):
    response = login(getattr(exam, who)).get(export_url(exam, "not-yet"))
    assert response.status_code == status


def test_anonymous_is_sent_to_log_in(client, exam):
    assert client.get(data_url(exam)).status_code == 302
    assert client.get(export_url(exam, "outcomes")).status_code == 302
    assert client.post(meeting_url(exam), {"meeting": ""}).status_code == 302


def test_an_unknown_table_is_404(login, exam):
    response = login(exam.teacher).get(export_url(exam, "secrets"))
    assert response.status_code == 404


def test_another_teams_assessment_is_404(login, exam):
    foreign = CommonAssessment.objects.create(
        team=exam.foreign_team,
        course=exam.foreign_section.course,
        title="Riverbend quiz",
        administered_on=exam.assessment.administered_on,
    )
    response = login(exam.teacher).get(reverse("assessments:data", args=[foreign.pk]))
    assert response.status_code == 404


def test_the_page_shows_rates_lists_and_the_viewers_class(login, exam):
    fill(exam)
    response = login(exam.colleague).get(data_url(exam))
    page = response.content.decode()
    assert "ALG1.EO1" in page and exam.outcomes[0].statement in page
    assert "60.0%" in page  # EO1: 3 of 5
    assert "your class" in page
    assert "Not yet proficient on ALG1.EO1 (2)" in page
    assert "2 of 4 points = 50.0%, below the 80% mastery cut." in page
    assert "Exceeds: ready for extension on ALG1.EO1 (2)" in page
    assert "reteach" in page
    assert "Item analysis" in page


def shown(record) -> set[int]:
    return set(record.students.values_list("student_id", flat=True))


def test_the_page_records_the_students_it_lists(login, exam):
    fill(exam)
    login(exam.principal).get(data_url(exam))
    record = AccessRecord.objects.get(user=exam.principal)
    assert record.kind == AccessKind.PAGE
    assert exam.assessment.title in record.what
    # Every student of the fill is listed: not yet or exceeds on some outcome.
    everyone = {s.pk for s in exam.taught_students + exam.colleague_students}
    assert shown(record) == everyone
    assert record.student_count == len(everyone)


def test_a_student_export_records_the_students_it_carries(login, exam):
    fill(exam)
    low, middle = exam.taught_students[1], exam.taught_students[2]
    login(exam.principal).get(export_url(exam, "not-yet"))
    record = AccessRecord.objects.get(user=exam.principal)
    assert record.kind == AccessKind.EXPORT
    # Not yet: Period 1's second student (both outcomes), its third (EO2) and
    # Period 4's second (EO1) -- not the students who only reached or exceeded.
    assert shown(record) == {low.pk, middle.pk, exam.colleague_students[1].pk}
    who_saw_low = AccessedStudent.objects.filter(student=low)
    assert list(who_saw_low.values_list("record__user", flat=True)) == [
        exam.principal.pk
    ]


@pytest.mark.parametrize("table", ["outcomes", "items", "reteach"])
def test_an_export_of_figures_names_no_student(login, exam, table):
    fill(exam)
    login(exam.principal).get(export_url(exam, table))
    assert not AccessRecord.objects.exists()


def test_csv_export_is_safe_to_open_in_a_spreadsheet(login, exam):
    student = exam.taught_students[1]
    student.last_name = '=HYPERLINK("http://evil.example")'
    student.first_name = "@SUM(A1)"
    student.save()
    fill(exam)
    response = login(exam.teacher).get(export_url(exam, "not-yet"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Outcome", "Student ID", "Last name"]
    names = [(row[2], row[3]) for row in rows[1:]]
    assert ('\'=HYPERLINK("http://evil.example")', "'@SUM(A1)") in names
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize(
    "table", ["outcomes", "items", "not-yet", "exceeds", "reteach"]
)
def test_every_table_exports(login, exam, table):
    fill(exam)
    services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    response = login(exam.teacher).get(export_url(exam, table))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert len(rows) > 1


def test_lead_picks_the_data_meeting_and_it_links_both_pages(login, exam):
    meeting = MeetingFactory(team=exam.team, kind=Meeting.Kind.DATA)
    client = login(exam.teacher)
    response = client.post(meeting_url(exam), {"meeting": meeting.pk})
    assert response.status_code == 302
    exam.assessment.refresh_from_db()
    assert exam.assessment.data_meeting == meeting
    event = Event.objects.get(type=EventType.DATA_MEETING_LINKED)
    assert (event.actor, event.team, event.assessment) == (
        exam.teacher,
        exam.team,
        exam.assessment,
    )
    assert (event.before, event.after) == (
        {"data_meeting_id": None},
        {"data_meeting_id": meeting.pk},
    )
    assert meeting.get_absolute_url() in client.get(data_url(exam)).content.decode()
    detail = client.get(exam.assessment.get_absolute_url()).content.decode()
    assert meeting.get_absolute_url() in detail
    client.post(meeting_url(exam), {"meeting": ""})
    exam.assessment.refresh_from_db()
    assert exam.assessment.data_meeting is None


def test_principal_may_pick_the_data_meeting(login, exam):
    meeting = MeetingFactory(team=exam.team)
    login(exam.principal).post(meeting_url(exam), {"meeting": meeting.pk})
    exam.assessment.refresh_from_db()
    assert exam.assessment.data_meeting == meeting


@pytest.mark.parametrize(
    "who", ["colleague", "district_admin", "bystander", "other_principal", "far_admin"]
)
def test_others_may_not_pick_the_data_meeting(login, exam, who):
    meeting = MeetingFactory(team=exam.team)
    response = login(getattr(exam, who)).post(
        meeting_url(exam), {"meeting": meeting.pk}
    )
    assert response.status_code == 404
    exam.assessment.refresh_from_db()
    assert exam.assessment.data_meeting is None


def test_another_teams_meeting_is_refused(login, exam):
    foreign = MeetingFactory(team=exam.foreign_team)
    response = login(exam.teacher).post(meeting_url(exam), {"meeting": foreign.pk})
    assert response.status_code == 302
    exam.assessment.refresh_from_db()
    assert exam.assessment.data_meeting is None


def test_the_picker_is_shown_to_the_lead_only(login, exam):
    MeetingFactory(team=exam.team)
    assert 'name="meeting"' in login(exam.teacher).get(data_url(exam)).content.decode()
    colleague_page = login(exam.colleague).get(data_url(exam)).content.decode()
    assert 'name="meeting"' not in colleague_page


def test_the_page_query_count_does_not_grow_with_the_team(
    login, exam, django_assert_num_queries
):
    fill(exam)
    MeetingFactory(team=exam.team)
    client = login(exam.teacher)
    client.get(data_url(exam))
    # The page's own reads, the navigation's unread count, then the record of
    # access: its row and its students.
    with django_assert_num_queries(20) as small:
        client.get(data_url(exam))
    for _ in range(20):
        student = EnrollmentFactory(
            section=exam.colleague_section, student=StudentFactory(school=exam.school)
        ).student
        for number, raw in enumerate(["1", "1", "1"], start=1):
            enter(exam, student, number, raw)
    MeetingFactory.create_batch(3, team=exam.team)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(data_url(exam))
    assert response.context["page"].student_count == 25


def test_n_mastery_without_a_value_shows_how_far_it_has_come_not_a_number(login, exam):
    from assessments.tests.test_mastery_table import given_n_mastery

    student, checks = given_n_mastery(exam, [80, 85, 60])
    last = checks[-1]  # 60%: not yet on this assessment
    client = login(exam.teacher)
    page = client.get(reverse("assessments:data", args=[last.pk])).content.decode()
    assert "Not yet proficient</span>: 2 of 3 scores at the cut" in page
    assert "75.0%" not in page and "(%)" not in page
    export = reverse("assessments:data_export", args=[last.pk, "not-yet"])
    text = client.get(export).content.decode().lstrip("\ufeff")
    header, row = list(csv.reader(io.StringIO(text)))
    values = dict(zip(header, row, strict=True))
    assert values["Student ID"] == student.local_id
    assert values["Current mastery"] == "Not yet proficient: 2 of 3 scores at the cut"
    assert values["Mastery value (%)"] == ""


def test_a_long_list_is_drawn_when_opened_and_only_then_noted(login, exam):
    fill(exam)
    added = []
    for _ in range(16):
        student = EnrollmentFactory(
            section=exam.colleague_section, student=StudentFactory(school=exam.school)
        ).student
        for number, raw in enumerate(["1", "1", "1"], start=1):
            enter(exam, student, number, raw)
        added.append(student)
    eo1 = exam.outcomes[0]
    list_url = reverse(
        "assessments:data_students", args=[exam.assessment.pk, "not-yet", eo1.pk]
    )
    client = login(exam.teacher)
    html = client.get(data_url(exam)).content.decode()
    assert f'hx-get="{list_url}"' in html
    assert f'href="{list_url}"' in html  # without script, a link to the list
    assert added[0].local_id not in html
    page_record = AccessRecord.objects.latest("pk")
    assert not AccessedStudent.objects.filter(
        record=page_record, student=added[0]
    ).exists()

    fragment = client.get(list_url, HTTP_HX_REQUEST="true").content.decode()
    assert "<table" in fragment and "<html" not in fragment
    assert all(student.local_id in fragment for student in added)
    list_record = AccessRecord.objects.latest("pk")
    assert list_record.pk != page_record.pk
    assert AccessedStudent.objects.filter(
        record=list_record, student__in=added
    ).count() == len(added)

    full = client.get(list_url).content.decode()
    assert "<h1" in full and f"Not yet proficient on {eo1.code}" in full


def test_a_list_that_is_not_on_the_page_answers_404(login, exam):
    fill(exam)
    client = login(exam.teacher)
    eo1, _, eo3 = exam.outcomes
    for which, outcome in (("everyone", eo1), ("not-yet", eo3)):
        url = reverse(
            "assessments:data_students", args=[exam.assessment.pk, which, outcome.pk]
        )
        assert client.get(url).status_code == 404


def test_a_list_costs_the_same_queries_whatever_its_length(
    login, exam, django_assert_num_queries
):
    fill(exam)
    eo1 = exam.outcomes[0]
    url = reverse(
        "assessments:data_students", args=[exam.assessment.pk, "not-yet", eo1.pk]
    )
    client = login(exam.teacher)
    client.get(url, HTTP_HX_REQUEST="true")
    with django_assert_num_queries(LIST_QUERIES) as small:
        client.get(url, HTTP_HX_REQUEST="true")
    for _ in range(20):
        student = EnrollmentFactory(
            section=exam.colleague_section, student=StudentFactory(school=exam.school)
        ).student
        for number, raw in enumerate(["1", "1", "1"], start=1):
            enter(exam, student, number, raw)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert len(response.context["statuses"]) > 20


# Session, user, roles, the assessment and the team's access, the analysis's
# reads, then the record of access: its row and its students.
LIST_QUERIES = 17
