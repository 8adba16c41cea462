"""The record of access: every read of student data by staff, per student."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from schools.access_log import access_records_purge
from schools.models import AccessedStudent, AccessKind, AccessRecord

pytestmark = pytest.mark.django_db


def student_url(student):
    # The student's page is their story; "schools:student" redirects to it.
    return reverse("dashboards:student", args=[student.pk])


def section_url(section):
    return reverse("schools:section", args=[section.pk])


def who_has_seen(student):
    """The question a parent asks, answered in one query."""
    return list(
        AccessedStudent.objects.filter(student=student)
        .select_related("record__user")
        .values_list("record__user__email", "record__role", "record__what")
    )


def test_who_has_seen_a_student_is_one_query(login, cast, django_assert_num_queries):
    student = cast.taught_students[0]
    login(cast.teacher).get(section_url(cast.section))
    login(cast.principal).get(student_url(student))
    login(cast.counselor).get(student_url(student))
    with django_assert_num_queries(1):
        seen = who_has_seen(student)
    assert sorted(seen) == sorted(
        [
            (
                "teacher@stevenson.example",
                "Teacher",
                "Class roster: " + str(cast.section),
            ),
            ("principal@stevenson.example", "Principal", "Student record"),
            ("counselor@stevenson.example", "Counselor", "Student record"),
        ]
    )
    # The student nobody opened has no record.
    assert who_has_seen(cast.untaught_student) == []


def test_a_roster_read_names_every_student_it_showed(login, cast):
    login(cast.teacher).get(section_url(cast.section))
    record = AccessRecord.objects.get()
    assert record.kind == AccessKind.PAGE
    assert record.path == section_url(cast.section)
    assert record.student_count == 3
    assert set(record.students.values_list("student_id", flat=True)) == {
        s.pk for s in cast.taught_students
    }
    assert cast.untaught_student.pk not in set(
        record.students.values_list("student_id", flat=True)
    )


@pytest.mark.parametrize(
    "who", ["anonymous", "other_teacher", "other_principal", "far_admin"]
)
def test_a_refused_read_records_nothing(client, login, cast, who):
    viewer = client if who == "anonymous" else login(getattr(cast, who))
    response = viewer.get(student_url(cast.taught_students[0]))
    assert response.status_code in (302, 404)
    assert not AccessRecord.objects.exists()
    assert not AccessedStudent.objects.exists()


def test_a_page_without_student_data_records_nothing(login, cast):
    login(cast.teacher).get(reverse("dashboards:home"))
    assert not AccessRecord.objects.filter(what="Student record").exists()
    assert not AccessedStudent.objects.filter(
        student__in=[cast.untaught_student, cast.foreign_student]
    ).exists()


def test_a_district_admin_reads_as_district_admin(login, cast):
    login(cast.district_admin).get(student_url(cast.foreign_student))
    assert AccessRecord.objects.get().role == "District admin"


def test_the_record_costs_two_queries_whatever_the_class_size(
    login, cast, django_assert_num_queries
):
    from schools.tests.factories import EnrollmentFactory, StudentFactory

    client = login(cast.teacher)
    client.get(section_url(cast.section))  # warm the session
    # The page's reads, the navigation's unread count, and the record (2).
    with django_assert_num_queries(9) as small:
        client.get(section_url(cast.section))
    for _ in range(32):
        EnrollmentFactory(
            section=cast.section, student=StudentFactory(school=cast.school)
        )
    with django_assert_num_queries(len(small)):
        client.get(section_url(cast.section))
    assert AccessRecord.objects.order_by("-at").first().student_count == 35


def test_retention_deletes_old_records_and_keeps_recent_ones(settings, cast):
    now = timezone.now()
    old = AccessRecord.objects.create(
        user=cast.teacher,
        role="Teacher",
        kind="page",
        what="Old",
        path="/",
        at=now - datetime.timedelta(days=400),
    )
    AccessedStudent.objects.create(
        record=old, student=cast.taught_students[0], at=old.at
    )
    recent = AccessRecord.objects.create(
        user=cast.teacher,
        role="Teacher",
        kind="page",
        what="Recent",
        path="/",
        at=now - datetime.timedelta(days=10),
    )
    settings.ACCESS_LOG_RETENTION_DAYS = 0
    assert access_records_purge(now=now) == 0  # 0 keeps everything
    settings.ACCESS_LOG_RETENTION_DAYS = 365
    assert access_records_purge(now=now) == 1
    assert list(AccessRecord.objects.all()) == [recent]
    assert not AccessedStudent.objects.exists()
