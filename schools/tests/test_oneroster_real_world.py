"""Real exports that are valid OneRoster but untidy: a student enrolled as a
teacher, ungraded students, staff without an e-mail, and `tobedeleted` on the
records everything else hangs from. One odd row never blocks the whole roster."""

import datetime

import pytest

from accounts.models import Event, User
from schools.models import (
    Course,
    Enrollment,
    School,
    Section,
    SectionTeacher,
    StaffRole,
    Student,
    Term,
)
from schools.oneroster import Scope, import_oneroster, open_source
from schools.tests.oneroster_helpers import FILES, export, manifest, read

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 22)
YESTERDAY = TODAY - datetime.timedelta(days=1)


def run(path, **kwargs):
    source = open_source(path)
    try:
        return import_oneroster(source, today=TODAY, **kwargs)
    finally:
        source.close()


def warnings_of(report):
    return [(w.file, w.line, w.column, w.message) for w in report.warnings]


# A user enrolled with a role other than their own ---------------------------


def test_a_student_enrolled_as_a_teacher_skips_that_enrollment_only(tmp_path):
    enrollments = read("v1_2_bulk", "enrollments") + (
        "e9,,,k-alg1-1,s1,u3,teacher,false,,\n"
    )
    report = run(export(tmp_path, base="v1_2_bulk", enrollments=enrollments))

    assert report.ok, report.errors
    assert (
        "enrollments.csv",
        10,
        "role",
        "user “u3” is a student, so this teacher enrollment in class “k-alg1-1” "
        "was skipped; the app records students in classes and staff who teach "
        "them.",
    ) in warnings_of(report)
    # Everything else is imported, and the student stays a student.
    sakura = Student.objects.get(sourced_id="u3")
    assert Enrollment.objects.filter(student=sakura, section__sourced_id="k-bio-2")
    assert not User.objects.filter(sourced_id="u3").exists()
    assert not SectionTeacher.objects.filter(sourced_id="e9").exists()
    assert Enrollment.objects.filter(sourced_id="e2").exists()
    assert report.counts["teacher_assignments"].created == 3


def test_a_teacher_or_guardian_enrolled_as_a_student_is_skipped_with_a_warning(
    tmp_path,
):
    enrollments = read("v1_1_bulk", "enrollments") + (
        "e9,,,k-alg1-1,s1,t2,student,,,\ne10,,,k-alg1-1,s1,g1,student,,,\n"
    )
    report = run(export(tmp_path, enrollments=enrollments))

    assert report.ok, report.errors
    where = {(w[0], w[1], w[2]) for w in warnings_of(report)}
    assert ("enrollments.csv", 10, "role") in where
    assert ("enrollments.csv", 11, "role") in where
    assert not Enrollment.objects.filter(sourced_id__in=["e9", "e10"]).exists()
    assert report.counts["enrollments"].created == 4


def test_a_mismatch_with_someone_already_imported_is_skipped_too(tmp_path):
    assert run(FILES / "v1_1_bulk").ok
    folder = export(
        tmp_path,
        manifest=manifest(enrollments="delta"),
        orgs=None,
        academicSessions=None,
        courses=None,
        classes=None,
        users=None,
        demographics=None,
        enrollments=(
            "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
            "userSourcedId,role,primary,beginDate,endDate\n"
            "e9,,,k-alg1-1,s1,u3,teacher,,,\n"
            "e10,,,k-alg1-1,s1,u3,student,,,\n"
        ),
    )
    report = run(folder)

    assert report.ok, report.errors
    assert ("enrollments.csv", 2, "role") in {w[:3] for w in warnings_of(report)}
    assert Enrollment.objects.filter(sourced_id="e10").exists()
    assert not SectionTeacher.objects.filter(sourced_id="e9").exists()


def test_an_enrollment_of_nobody_known_still_refuses_the_file(tmp_path):
    enrollments = read("v1_1_bulk", "enrollments") + (
        "e9,,,k-alg1-1,s1,ghost,teacher,,,\n"
    )
    report = run(export(tmp_path, enrollments=enrollments))
    assert report.refused
    assert ("enrollments.csv", 10, "userSourcedId") in [
        (e.file, e.line, e.column) for e in report.errors
    ]


def test_a_secondary_role_of_another_kind_gives_way_to_the_primary_role(tmp_path):
    # A student who also helps teach a class: roles.csv gives both.
    roles = read("v1_2_bulk", "roles") + "r13,,,u3,secondary,teacher,,,s1,\n"
    report = run(export(tmp_path, base="v1_2_bulk", roles=roles))

    assert report.ok, report.errors
    assert ("roles.csv", 14, "role") in {w[:3] for w in warnings_of(report)}
    assert Student.objects.get(sourced_id="u3").is_active
    assert not User.objects.filter(sourced_id="u3").exists()


# Ungraded students -------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "level"),
    [
        ("UG", None),
        ("13", None),
        ("PS", None),
        ("Other", None),
        ("IT", None),
        ("PR", -1),
        ("PK", -1),
        ("TK", -1),
        ("KG", 0),
        ("09", 9),
    ],
)
def test_grades_of_the_ceds_list_import(tmp_path, grade, level):
    users = read("v1_1_bulk", "users").replace(
        ",100002,,,,,09,", f",100002,,,,,{grade},"
    )
    report = run(export(tmp_path, users=users))
    assert report.ok, report.errors
    assert Student.objects.get(sourced_id="u2").grade_level == level


def test_a_student_without_a_grade_imports_with_none_and_a_warning(tmp_path):
    users = read("v1_1_bulk", "users").replace(",100002,,,,,09,", ",100002,,,,,,")
    report = run(export(tmp_path, users=users))
    assert report.ok, report.errors
    assert ("users.csv", 8, "grades") in {w[:3] for w in warnings_of(report)}
    assert Student.objects.get(sourced_id="u2").grade_level is None


def test_a_grade_outside_the_list_is_still_refused(tmp_path):
    users = read("v1_1_bulk", "users").replace(",100002,,,,,09,", ",100002,,,,,99,")
    report = run(export(tmp_path, users=users))
    assert report.refused
    error = report.errors[0]
    assert (error.file, error.line, error.column) == ("users.csv", 8, "grades")
    assert "UG" in error.message


# Staff without an e-mail -------------------------------------------------------


def test_staff_without_an_email_import_without_a_log_in_and_are_listed(tmp_path):
    users = (
        read("v1_1_bulk", "users")
        .replace("pat.oneil@lakeside.example", "")
        .replace("amal@lakeside.example", "")
    )
    report = run(export(tmp_path, users=users))

    assert report.ok, report.errors
    listed = {w[:3] for w in warnings_of(report)}
    assert ("users.csv", 4, "email") in listed
    assert ("users.csv", 6, "email") in listed
    pat = User.objects.get(sourced_id="p1")
    amal = User.objects.get(sourced_id="aide1")
    for account in (pat, amal):
        assert not account.has_usable_password()
        assert account.email.endswith(".invalid")
    assert pat.email != amal.email
    # They still hold their roles, so the school's structure is complete.
    assert StaffRole.objects.filter(user=pat, is_active=True).exists()


def test_an_address_given_later_replaces_the_stand_in(tmp_path):
    users = read("v1_1_bulk", "users").replace("pat.oneil@lakeside.example", "")
    assert run(export(tmp_path, users=users)).ok
    assert run(FILES / "v1_1_bulk").ok
    assert User.objects.get(sourced_id="p1").email == "pat.oneil@lakeside.example"


def test_a_known_address_missing_from_a_later_file_is_kept(tmp_path):
    assert run(FILES / "v1_1_bulk").ok
    users = read("v1_1_bulk", "users").replace("pat.oneil@lakeside.example", "")
    report = run(export(tmp_path, users=users))
    assert report.ok, report.errors
    assert User.objects.get(sourced_id="p1").email == "pat.oneil@lakeside.example"


# tobedeleted on courses, sessions and orgs ---------------------------------------


def test_a_course_marked_tobedeleted_ends_its_classes(tmp_path):
    assert run(FILES / "v1_1_bulk").ok
    courses = read("v1_1_bulk", "courses").replace(
        "c-alg1,,,", "c-alg1,tobedeleted,2026-11-20T10:00:00Z,"
    )
    folder = export(
        tmp_path,
        manifest=manifest(courses="delta"),
        orgs=None,
        academicSessions=None,
        classes=None,
        users=None,
        demographics=None,
        enrollments=None,
        courses=courses,
    )
    report = run(folder)

    assert report.ok, report.errors
    algebra = Course.objects.get(sourced_id="c-alg1")
    assert not algebra.is_active
    assert Course.objects.filter(sourced_id="c-bio", is_active=True).count() == 2
    section = Section.objects.get(sourced_id="k-alg1-1")  # kept, not deleted
    assert set(section.enrollments.values_list("end_date", flat=True)) == {YESTERDAY}
    assert not section.section_teachers.exists()
    assert Enrollment.objects.get(sourced_id="e5").end_date is None
    assert report.counts["courses"].deactivated == 1
    assert report.counts["enrollments"].deactivated == 2


def test_a_session_marked_tobedeleted_ends_the_classes_in_it(tmp_path):
    assert run(FILES / "v1_1_bulk").ok
    sessions = read("v1_1_bulk", "academicSessions").replace(
        "f2026,,,", "f2026,tobedeleted,,"
    )
    folder = export(
        tmp_path,
        manifest=manifest(academicSessions="delta"),
        orgs=None,
        courses=None,
        classes=None,
        users=None,
        demographics=None,
        enrollments=None,
        academicSessions=sessions,
    )
    report = run(folder)

    assert report.ok, report.errors
    fall = Term.objects.get(sourced_id="f2026")
    assert not fall.is_active
    assert Term.objects.get(sourced_id="y2027", school__sourced_id="s1").is_active
    # Biology period 2 runs in the fall semester; algebra in the school year.
    assert Enrollment.objects.get(sourced_id="e5").end_date == YESTERDAY
    assert Enrollment.objects.get(sourced_id="e2").end_date is None
    assert report.counts["terms"].deactivated == 1


def test_a_school_marked_tobedeleted_is_deactivated_and_its_enrollments_end(
    tmp_path,
):
    assert run(FILES / "v1_1_bulk").ok
    orgs = read("v1_1_bulk", "orgs").replace("s2,,,", "s2,tobedeleted,,")
    folder = export(
        tmp_path,
        manifest=manifest(orgs="delta"),
        academicSessions=None,
        courses=None,
        classes=None,
        users=None,
        demographics=None,
        enrollments=None,
        orgs=orgs,
    )
    report = run(folder)

    assert report.ok, report.errors
    riverbend = School.objects.get(sourced_id="s2")
    assert not riverbend.is_active
    assert School.objects.get(sourced_id="s1").is_active
    assert Enrollment.objects.get(sourced_id="e7").end_date == YESTERDAY
    assert Enrollment.objects.get(sourced_id="e5").end_date is None
    assert Student.objects.filter(school=riverbend).exists()  # nothing deleted
    assert report.counts["schools"].deactivated == 1
    # Back in a later file: active again.
    assert run(FILES / "v1_1_bulk").ok
    riverbend.refresh_from_db()
    assert riverbend.is_active


def test_a_principal_cannot_deactivate_another_school(tmp_path):
    assert run(FILES / "v1_1_bulk").ok
    stevenson = School.objects.get(sourced_id="s1")
    orgs = read("v1_1_bulk", "orgs").replace("s2,,,", "s2,tobedeleted,,")
    folder = export(
        tmp_path,
        manifest=manifest(orgs="delta"),
        academicSessions=None,
        courses=None,
        classes=None,
        users=None,
        demographics=None,
        enrollments=None,
        orgs=orgs,
    )
    report = run(
        folder,
        scope=Scope(district_id=stevenson.district_id, school_id=stevenson.pk),
    )
    assert report.refused
    assert ("orgs.csv", 5, "sourcedId") in [
        (e.file, e.line, e.column) for e in report.errors
    ]
    assert School.objects.get(sourced_id="s2").is_active


def test_a_principals_course_deletion_stays_in_their_school(tmp_path):
    assert run(FILES / "v1_1_bulk").ok
    stevenson = School.objects.get(sourced_id="s1")
    courses = read("v1_1_bulk", "courses").replace("c-bio,,,", "c-bio,tobedeleted,,")
    folder = export(
        tmp_path,
        manifest=manifest(courses="delta"),
        orgs=None,
        academicSessions=None,
        classes=None,
        users=None,
        demographics=None,
        enrollments=None,
        courses=without_first_course(courses),
    )
    report = run(
        folder,
        scope=Scope(district_id=stevenson.district_id, school_id=stevenson.pk),
    )
    assert report.ok, report.errors
    assert not Course.objects.get(sourced_id="c-bio", school=stevenson).is_active
    assert Course.objects.get(sourced_id="c-bio", school__sourced_id="s2").is_active
    assert Enrollment.objects.get(sourced_id="e7").end_date is None
    assert Enrollment.objects.get(sourced_id="e5").end_date == YESTERDAY


def without_first_course(courses: str) -> str:
    header, _, *rest = courses.splitlines(keepends=True)
    return header + "".join(rest)


def test_a_class_in_a_session_marked_tobedeleted_is_refused(tmp_path):
    sessions = read("v1_1_bulk", "academicSessions").replace(
        "f2026,,,", "f2026,tobedeleted,,"
    )
    report = run(export(tmp_path, academicSessions=sessions))
    assert report.refused
    assert ("classes.csv", 3, "termSourcedIds") in [
        (e.file, e.line, e.column) for e in report.errors
    ]


def test_the_import_still_records_its_event_through_the_run(tmp_path):
    """The warnings above do not change how a run is recorded."""
    from schools.imports import import_run_from_path

    users = read("v1_1_bulk", "users").replace("amal@lakeside.example", "")
    run_ = import_run_from_path(path=export(tmp_path, users=users))
    assert run_.status == "succeeded"
    assert run_.warning_count >= 1
    assert Event.objects.filter(type="roster.imported").exists()
