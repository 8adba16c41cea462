"""A student's record of access: who has read or exported their data. Only the
principal of the student's school and the district's admins open it; the CSV
is formula-safe, holds only this student's reads, and is itself recorded as an
export (docs/domain.md, "The record of access")."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from schools.models import AccessedStudent, AccessKind, AccessRecord

pytestmark = pytest.mark.django_db


def page_url(student):
    return reverse("dashboards:student_access", args=[student.pk])


def csv_url(student):
    return reverse("dashboards:student_access_csv", args=[student.pk])


def a_read(user, students, *, what="Class roster", role="Teacher", at=None, kind=None):
    at = at or timezone.now()
    record = AccessRecord.objects.create(
        user=user,
        role=role,
        kind=kind or AccessKind.PAGE,
        what=what,
        path="/roster/sections/1/",
        student_count=len(students),
        at=at,
    )
    AccessedStudent.objects.bulk_create(
        AccessedStudent(record=record, student=s, at=at) for s in students
    )
    return record


def rows_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.parametrize("url", [page_url, csv_url])
def test_anonymous_is_sent_to_log_in(client, cast, url):
    response = client.get(url(cast.taught_students[0]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url", [page_url, csv_url])
@pytest.mark.parametrize(
    ("who", "student", "status"),
    [
        ("principal", "taught", 200),
        ("principal", "untaught", 200),
        ("district_admin", "taught", 200),
        ("district_admin", "foreign", 200),
        ("teacher", "taught", 403),
        ("counselor", "taught", 403),
        ("teacher", "untaught", 404),
        ("counselor", "untaught", 404),
        ("interventionist", "taught", 404),
        ("other_principal", "taught", 404),
        ("principal", "foreign", 404),
        ("far_admin", "taught", 404),
    ],
)
def test_only_the_principal_and_district_admins_open_it(
    login, cast, url, who, student, status
):
    target = {
        "taught": cast.taught_students[0],
        "untaught": cast.untaught_student,
        "foreign": cast.foreign_student,
    }[student]
    assert login(getattr(cast, who)).get(url(target)).status_code == status


def test_a_refusal_records_nothing(login, cast):
    login(cast.teacher).get(page_url(cast.taught_students[0]))
    login(cast.teacher).get(csv_url(cast.taught_students[0]))
    assert not AccessRecord.objects.exists()


def test_the_page_lists_who_read_this_student_newest_first(login, cast):
    student, other = cast.taught_students[0], cast.taught_students[1]
    now = timezone.now()
    a_read(cast.teacher, [student, other], at=now - datetime.timedelta(days=2))
    a_read(
        cast.counselor,
        [student],
        what="Intervention case",
        role="Counselor",
        at=now - datetime.timedelta(days=1),
    )
    a_read(cast.principal, [other], what="Only the other student", role="Principal")
    html = login(cast.principal).get(page_url(student)).content.decode()
    assert "2 reads recorded" in html
    assert html.index("Intervention case") < html.index("Class roster")
    assert cast.counselor.email in html and cast.teacher.email in html
    assert "Only the other student" not in html


def test_the_page_is_paged(login, cast):
    student = cast.taught_students[0]
    now = timezone.now()
    for i in range(55):
        a_read(
            cast.teacher,
            [student],
            what=f"Read {i:02d}",
            at=now - datetime.timedelta(minutes=i),
        )
    client = login(cast.principal)
    first = client.get(page_url(student)).content.decode()
    assert "Page 1 of 2" in first
    assert "Read 00" in first and "Read 54" not in first
    second = client.get(page_url(student) + "?page=2").content.decode()
    assert "Read 54" in second and "Read 00" not in second


@pytest.mark.parametrize("page", ["abc", "0", "999"])
def test_a_page_number_out_of_range_shows_a_real_page(login, cast, page):
    student = cast.taught_students[0]
    a_read(cast.teacher, [student], what="The one read")
    response = login(cast.principal).get(page_url(student) + f"?page={page}")
    assert response.status_code == 200
    assert "The one read" in response.content.decode()


def test_opening_the_record_is_itself_recorded(login, cast):
    student = cast.taught_students[0]
    login(cast.principal).get(page_url(student))
    record = AccessRecord.objects.get()
    assert (record.what, record.kind, record.role) == (
        "Record of access",
        AccessKind.PAGE,
        "Principal",
    )


def test_the_csv_round_trips_and_holds_only_this_students_reads(login, cast):
    student, other = cast.taught_students[0:2]
    a_read(cast.teacher, [student, other], what="Class roster: Algebra 1, Period 1")
    a_read(cast.counselor, [other], what="Someone else's case", role="Counselor")
    response = login(cast.principal).get(csv_url(student))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    assert student.local_id in response["Content-Disposition"]
    header, export, *rows = rows_of(response)
    # The export is recorded before the rows are read, so it lists itself.
    assert export[1:6] == [
        cast.principal.display_name,
        cast.principal.email,
        "Principal",
        "Record of access (CSV export)",
        "Export",
    ]
    assert header[:5] == [
        "When (UTC)",
        "Staff member",
        "E-mail",
        "Role",
        "Page or export",
    ]
    assert len(rows) == 1
    assert rows[0][1:5] == [
        cast.teacher.display_name,
        cast.teacher.email,
        "Teacher",
        "Class roster: Algebra 1, Period 1",
    ]
    assert rows[0][-1] == "2"


def test_the_csv_neutralises_formulas(login, cast):
    student = cast.taught_students[0]
    evil = UserFactory(first_name='=HYPERLINK("http://x")', last_name="")
    a_read(evil, [student], what="+SUM(A1:A9)", role="@Teacher")
    rows = rows_of(login(cast.principal).get(csv_url(student)))
    row = rows[2]  # after the header and the export itself
    for cell in row:
        assert not cell.startswith(("=", "+", "-", "@")), row
    assert row[4] == "'+SUM(A1:A9)"
    assert row[3] == "'@Teacher"


def test_exporting_is_recorded_as_an_export(login, cast):
    student = cast.taught_students[0]
    response = login(cast.district_admin).get(csv_url(student))
    rows_of(response)
    record = AccessRecord.objects.get()
    assert record.kind == AccessKind.EXPORT
    assert record.what == "Record of access (CSV export)"
    assert record.role == "District admin"
    assert list(record.students.values_list("student_id", flat=True)) == [student.pk]


def test_the_page_costs_the_same_queries_however_long_the_record(
    login, cast, django_assert_num_queries
):
    student, other = cast.taught_students[0], cast.taught_students[1]
    a_read(cast.teacher, [student])
    for i in range(80):
        a_read(cast.teacher if i % 2 else cast.counselor, [other])
    client = login(cast.principal)
    client.get(page_url(student))  # warm the session
    with django_assert_num_queries(QUERIES):
        client.get(page_url(student))
    with django_assert_num_queries(QUERIES):
        client.get(page_url(other))


# Session, user, roles, the student, the count, the page of rows, the
# navigation's unread count, and the two writes of the record of access.
QUERIES = 9
