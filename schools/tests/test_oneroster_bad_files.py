"""Bad files are refused whole, with file, line, column and a plain message."""

import datetime

import pytest

from accounts.models import User
from schools.models import District, Enrollment, School, Student
from schools.oneroster import SourceError, import_oneroster, open_source
from schools.tests.oneroster_helpers import FILES, export, manifest, read

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 22)


def refused(folder):
    source = open_source(folder)
    report = import_oneroster(source, today=TODAY)
    source.close()
    assert not report.ok
    assert report.refused
    # Nothing at all was written.
    assert not District.objects.exists()
    assert not School.objects.exists()
    assert not Student.objects.exists()
    assert not User.objects.exists()
    assert not Enrollment.objects.exists()
    return [(p.file, p.line, p.column, p.message) for p in report.errors]


def test_missing_required_column(tmp_path):
    users = read("v1_1_bulk", "users").replace(",givenName,", ",firstName,", 1)
    errors = refused(export(tmp_path, users=users))
    assert (
        "users.csv",
        1,
        "givenName",
        "required column givenName is missing from the header.",
    ) in errors


def test_unknown_role(tmp_path):
    users = read("v1_1_bulk", "users").replace(
        't2,,,true,"s1,s2",teacher', 't2,,,true,"s1,s2",wizard'
    )
    errors = refused(export(tmp_path, users=users))
    assert len(errors) == 1
    file, line, column, message = errors[0]
    assert (file, line, column) == ("users.csv", 3, "role")
    assert message.startswith("“wizard” is not a known role; use one of:")


def test_unknown_role_in_roles_csv(tmp_path):
    roles = read("v1_2_bulk", "roles").replace("counselor", "janitor")
    errors = refused(export(tmp_path, base="v1_2_bulk", roles=roles))
    assert errors[0][:3] == ("roles.csv", 7, "role")


def test_class_pointing_at_a_missing_course(tmp_path):
    classes = read("v1_1_bulk", "classes").replace(",c-alg1,", ",c-geometry,")
    errors = refused(export(tmp_path, classes=classes))
    assert errors == [
        (
            "classes.csv",
            2,
            "courseSourcedId",
            "course “c-geometry” is neither in courses.csv nor already imported.",
        )
    ]


def test_bad_dates(tmp_path):
    sessions = read("v1_1_bulk", "academicSessions").replace(
        "2026-08-15", "2026-13-01", 1
    )
    enrollments = read("v1_1_bulk", "enrollments").replace("2026-08-20", "20/08/2026")
    errors = refused(
        export(tmp_path, academicSessions=sessions, enrollments=enrollments)
    )
    assert (
        "academicSessions.csv",
        2,
        "startDate",
        "“2026-13-01” is not a date; write it as YYYY-MM-DD.",
    ) in errors
    assert ("enrollments.csv", 3, "beginDate") in [e[:3] for e in errors]


def test_session_ending_before_it_starts(tmp_path):
    sessions = read("v1_1_bulk", "academicSessions").replace("2027-06-05", "2025-06-05")
    errors = refused(export(tmp_path, academicSessions=sessions))
    assert errors[0][:3] == ("academicSessions.csv", 2, "endDate")


def test_every_problem_is_listed_not_just_the_first(tmp_path):
    users = (
        read("v1_1_bulk", "users")
        .replace(",09,", ",99,")
        .replace("h.sato@lakeside.example", "not-an-address")
    )
    enrollments = (
        read("v1_1_bulk", "enrollments") + "e99,,,k-alg1-1,s1,ghost,student,,,\n"
    )
    errors = refused(export(tmp_path, users=users, enrollments=enrollments))
    where = {(e[0], e[1], e[2]) for e in errors}
    assert ("users.csv", 3, "email") in where
    assert ("users.csv", 7, "grades") in where
    assert ("users.csv", 8, "grades") in where
    assert ("enrollments.csv", 10, "userSourcedId") in where


def test_duplicate_sourced_ids(tmp_path):
    enrollments = read("v1_1_bulk", "enrollments").replace("e3,", "e2,")
    courses = read("v1_1_bulk", "courses") + "c-bio,,,y2027,Biology II,BIO2,10,d1,,\n"
    errors = refused(export(tmp_path, enrollments=enrollments, courses=courses))
    assert ("courses.csv", 4, "sourcedId") in [e[:3] for e in errors]
    assert ("enrollments.csv", 4, "sourcedId") in [e[:3] for e in errors]


def test_a_student_enrolled_twice_in_one_class(tmp_path):
    enrollments = read("v1_1_bulk", "enrollments") + "e99,,,k-alg1-1,s1,u1,student,,,\n"
    errors = refused(export(tmp_path, enrollments=enrollments))
    assert errors[0][:3] == ("enrollments.csv", 10, "userSourcedId")


def test_school_without_a_district(tmp_path):
    orgs = read("v1_1_bulk", "orgs").replace(",RHS,d1,", ",RHS,,")
    errors = refused(export(tmp_path, orgs=orgs))
    assert errors[0][:3] == ("orgs.csv", 5, "parentSourcedId")


def test_line_numbers_count_quoted_line_breaks(tmp_path):
    # Line 3 of orgs.csv holds a value with a line break, so the record after
    # it starts on line 5.
    orgs = read("v1_1_bulk", "orgs").replace("s2,,,", 's2,,,"",', 1)
    errors = refused(export(tmp_path, orgs=orgs))
    assert errors[0][:2] == ("orgs.csv", 5)
    assert "8 values but the header has 8" not in errors[0][3]


def test_same_staff_email_twice(tmp_path):
    users = read("v1_1_bulk", "users").replace("h.sato@", "ana.rivera@")
    errors = refused(export(tmp_path, users=users))
    assert errors[0][:3] == ("users.csv", 3, "email")


def test_not_utf8(tmp_path):
    users = read("v1_1_bulk", "users").replace("José", "Jos\udce9")
    raw = users.encode("utf-8", errors="surrogateescape")
    errors = refused(export(tmp_path, users=raw))
    assert errors[0][:2] == ("users.csv", 7)
    assert "not UTF-8" in errors[0][3]


def test_utf16_file(tmp_path):
    raw = read("v1_1_bulk", "courses").encode("utf-16")
    errors = refused(export(tmp_path, courses=raw))
    assert errors[0][0] == "courses.csv"
    assert "UTF-16" in errors[0][3]


def test_row_with_too_many_values(tmp_path):
    courses = read("v1_1_bulk", "courses").replace("Algebra 1,ALG1", "Algebra, 1,ALG1")
    errors = refused(export(tmp_path, courses=courses))
    assert errors[0][:2] == ("courses.csv", 2)
    assert "unquoted comma" in errors[0][3]


def test_manifest_lists_a_missing_file(tmp_path):
    errors = refused(export(tmp_path, enrollments=None))
    assert errors[0][0] == "manifest.csv"
    assert "enrollments.csv" in errors[0][3]


def test_unknown_org_for_a_user(tmp_path):
    users = read("v1_1_bulk", "users").replace("u4,,,true,s2,", "u4,,,true,s9,")
    errors = refused(export(tmp_path, users=users))
    assert errors[0][:3] == ("users.csv", 10, "orgSourcedIds")


def test_1_2_user_without_a_role(tmp_path):
    roles = "".join(
        line
        for line in read("v1_2_bulk", "roles").splitlines(keepends=True)
        if ",u4," not in line
    )
    errors = refused(export(tmp_path, base="v1_2_bulk", roles=roles))
    assert errors[0][:3] == ("users.csv", 11, "sourcedId")
    assert "no role in roles.csv" in errors[0][3]


def test_unknown_manifest_lines_only_warn(tmp_path):
    text = manifest(
        orgs="bulk",
        academicSessions="bulk",
        courses="bulk",
        classes="bulk",
        users="bulk",
        enrollments="Delta ",
        demographics="bulk",
    )
    text += "file.userz,bulk\nfavourite.colour,blue\n"
    folder = export(tmp_path, manifest=text)
    source = open_source(folder)
    report = import_oneroster(source, today=TODAY)
    assert report.ok, report.errors
    assert report.modes["enrollments.csv"] == "delta"
    messages = " ".join(w.message for w in report.warnings)
    assert "“file.userz” is not a OneRoster file; read as file.users" in messages
    assert "“favourite.colour” is not a manifest property" in messages


def test_not_a_zip(tmp_path):
    path = tmp_path / "roster.zip"
    path.write_bytes(b"this is not a zip")
    with pytest.raises(SourceError, match="not a readable zip"):
        open_source(path)


def test_folder_without_csv_files(tmp_path):
    with pytest.raises(SourceError, match="No CSV files"):
        open_source(tmp_path)


def test_unused_files_and_columns_only_warn(tmp_path):
    folder = export(tmp_path)
    (folder / "lineItems.csv").write_text("sourcedId\nx\n")
    source = open_source(folder)
    report = import_oneroster(source, today=TODAY)
    assert report.ok
    assert any(w.file == "lineItems.csv" for w in report.warnings)


def test_existing_student_number_of_another_student(tmp_path):
    source = open_source(FILES / "v1_1_bulk")
    assert import_oneroster(source, today=TODAY).ok
    users = read("v1_1_bulk", "users").replace("u2,,,true", "u2b,,,true")
    enrollments = read("v1_1_bulk", "enrollments").replace(",u2,", ",u2b,")
    source = open_source(export(tmp_path, users=users, enrollments=enrollments))
    report = import_oneroster(source, today=TODAY)
    assert not report.ok
    assert report.errors[0].file == "users.csv"
    assert report.errors[0].column == "identifier"
    assert (
        "already belongs to another student (sourcedId u2)" in report.errors[0].message
    )
    assert Student.objects.filter(sourced_id="u2b").count() == 0
