"""Student and section pages: who gets in, who is refused, and what is logged."""

import pytest
from django.urls import reverse

from schools.models import AccessedStudent, AccessRecord
from schools.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def student_url(student):
    # The student's page is their story; "schools:student" redirects to it.
    return reverse("dashboards:student", args=[student.pk])


def section_url(section):
    return reverse("schools:section", args=[section.pk])


@pytest.mark.parametrize(
    "url_name", ["schools:students", "schools:student", "schools:section"]
)
def test_anonymous_is_sent_to_log_in(client, cast, url_name):
    args = [] if url_name == "schools:students" else [1]
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("who", "student", "status"),
    [
        ("teacher", "taught", 200),
        ("teacher", "untaught", 404),
        ("teacher", "foreign", 404),
        ("counselor", "taught", 200),
        ("counselor", "untaught", 404),
        ("principal", "untaught", 200),
        ("principal", "foreign", 404),
        ("other_principal", "taught", 404),
        ("other_teacher", "taught", 404),
        ("interventionist", "taught", 404),
        ("district_admin", "foreign", 200),
        ("far_admin", "taught", 404),
    ],
)
def test_student_record_is_need_to_know(login, cast, who, student, status):
    target = {
        "taught": cast.taught_students[0],
        "untaught": cast.untaught_student,
        "foreign": cast.foreign_student,
    }[student]
    response = login(getattr(cast, who)).get(student_url(target))
    assert response.status_code == status


def test_reading_a_student_record_is_logged(login, cast):
    student = cast.taught_students[0]
    login(cast.teacher).get(student_url(student))
    record = AccessRecord.objects.get()
    assert record.user == cast.teacher
    assert record.what == "Student record"
    assert record.role == "Teacher"
    assert list(record.students.values_list("student_id", flat=True)) == [student.pk]


def test_a_refused_read_is_not_logged_as_a_read(login, cast):
    login(cast.teacher).get(student_url(cast.foreign_student))
    assert not AccessRecord.objects.exists()
    assert not AccessedStudent.objects.exists()


def test_student_page_shows_classes_and_guardians(login, cast):
    from schools.tests.factories import GuardianFactory

    student = cast.taught_students[0]
    guardian = GuardianFactory(district=cast.district, first_name="Marisol")
    guardian.students.add(student)
    page = login(cast.teacher).get(student_url(student)).content.decode()
    assert cast.section.name in page
    assert "Marisol" in page
    assert guardian.email in page


@pytest.mark.parametrize(
    ("who", "section", "status"),
    [
        ("teacher", "section", 200),
        ("teacher", "other_section", 404),
        ("teacher", "foreign_section", 404),
        ("principal", "other_section", 200),
        ("principal", "foreign_section", 404),
        ("counselor", "section", 404),
        ("district_admin", "foreign_section", 200),
        ("far_admin", "section", 404),
    ],
)
def test_section_roster_is_scoped(login, cast, who, section, status):
    response = login(getattr(cast, who)).get(section_url(getattr(cast, section)))
    assert response.status_code == status


def test_section_roster_lists_enrolled_students(login, cast):
    page = login(cast.teacher).get(section_url(cast.section)).content.decode()
    for student in cast.taught_students:
        assert student.local_id in page
    assert cast.untaught_student.local_id not in page


def test_student_list_shows_only_what_the_role_may_see(login, cast):
    page = login(cast.teacher).get(reverse("schools:students")).content.decode()
    assert "3 students" in page
    assert cast.untaught_student.local_id not in page
    assert cast.foreign_student.local_id not in page


def test_student_search_by_name_and_id(login, cast):
    target = cast.taught_students[1]
    client = login(cast.principal)
    by_id = client.get(reverse("schools:students"), {"q": target.local_id})
    assert by_id.context["page"].paginator.count == 1
    by_name = client.get(reverse("schools:students"), {"q": target.last_name})
    assert target in by_name.context["page"].object_list


def test_student_search_answers_htmx_with_the_results_fragment(login, cast):
    response = login(cast.principal).get(
        reverse("schools:students"), {"q": ""}, HTTP_HX_REQUEST="true"
    )
    assert b"<html" not in response.content
    assert b"students" in response.content


def test_bad_grade_filter_is_ignored_with_the_field_marked(login, cast):
    response = login(cast.principal).get(reverse("schools:students"), {"grade": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["grade"]


def test_student_list_query_count_does_not_grow_with_the_school(
    login, cast, django_assert_num_queries
):
    client = login(cast.principal)
    client.get(reverse("schools:students"))  # warm the session
    for _ in range(60):
        EnrollmentFactory(
            section=cast.other_section, student=StudentFactory(school=cast.school)
        )
    # The page, the navigation's unread count, and its record of access (2).
    with django_assert_num_queries(8):
        response = client.get(reverse("schools:students"))
    assert response.context["page"].paginator.count == 64


def test_roster_and_list_reads_are_logged(login, cast):
    client = login(cast.teacher)
    client.get(section_url(cast.section))
    client.get(reverse("schools:students"), {"q": "a"})
    roster, listed = AccessRecord.objects.filter(user=cast.teacher).order_by("at")
    assert roster.what.startswith("Class roster")
    assert roster.student_count == 3
    assert set(roster.students.values_list("student_id", flat=True)) == {
        s.pk for s in cast.taught_students
    }
    assert listed.what == "Student list"
    assert "q=a" in listed.path
    assert listed.student_count == listed.students.count() > 0
