import datetime
import io
import json
import zipfile

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from schools.models import (
    Course,
    District,
    Enrollment,
    Guardian,
    ImportRun,
    School,
    Section,
    SectionTeacher,
    StaffRole,
    Student,
    Term,
)
from schools.oneroster import Scope, import_oneroster, open_source
from schools.tests.factories import DistrictFactory, SchoolFactory, StudentFactory
from schools.tests.oneroster_helpers import (
    FILES,
    export,
    manifest,
    read,
    without_lines,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 22)


def run(path, **kwargs):
    source = open_source(path)
    try:
        return import_oneroster(source, today=TODAY, **kwargs)
    finally:
        source.close()


def counts(report, entity):
    return report.counts[entity].as_dict()


def test_oneroster_1_1_bulk_loads_every_entity():
    report = run(FILES / "v1_1_bulk")
    assert report.ok, report.errors
    assert report.version == "1.1"

    district = District.objects.get(sourced_id="d1")
    assert district.name == "Lakeside Unified"
    stevenson = School.objects.get(sourced_id="s1")
    riverbend = School.objects.get(sourced_id="s2")
    assert stevenson.district == riverbend.district == district
    assert riverbend.name == "Riverbend High School, East Campus"
    # The state org is not a school or a district: nothing is made of it.
    assert not School.objects.filter(sourced_id="st1").exists()

    # A district-wide session becomes a term in each school whose classes use it.
    assert Term.objects.filter(sourced_id="y2027").count() == 2
    year = Term.objects.get(sourced_id="y2027", school=stevenson)
    assert (year.name, year.kind) == ("2026–2027", Term.Kind.SCHOOL_YEAR)
    assert year.start_date == datetime.date(2026, 8, 15)
    # Likewise a district course is offered by each school that teaches it.
    assert set(
        Course.objects.filter(sourced_id="c-bio").values_list("school", flat=True)
    ) == {
        stevenson.pk,
        riverbend.pk,
    }
    algebra = Course.objects.get(sourced_id="c-alg1")
    assert (algebra.code, algebra.title, algebra.subject) == (
        "ALG1",
        "Algebra 1",
        "Mathematics",
    )

    section = Section.objects.get(sourced_id="k-alg1-1")
    assert (section.name, section.period, section.room) == (
        "Algebra 1 — Period 1",
        "1",
        "Room 101",
    )
    assert section.course == algebra and section.term == year
    # A class in several sessions takes the first one listed.
    assert Section.objects.get(sourced_id="k-bio-2").term.sourced_id == "f2026"
    assert Section.objects.get(sourced_id="k-bio-2").name == "Biology, Period 2"

    jose = Student.objects.get(sourced_id="u1")
    assert (jose.first_name, jose.last_name, jose.local_id) == (
        "José",
        "Núñez",
        "100001",
    )
    assert jose.school == stevenson and jose.grade_level == 9 and jose.is_active
    assert jose.birth_date == datetime.date(2011, 3, 4)
    assert jose.gender == Student.Gender.MALE
    assert jose.ethnicity == "Hispanic or Latino"
    molly = Student.objects.get(sourced_id="u2")
    assert (molly.first_name, molly.last_name) == ('Mary "Molly"', "Smith, Jr.")
    sakura = Student.objects.get(sourced_id="u3")
    assert (sakura.first_name, sakura.last_name, sakura.grade_level) == (
        "さくら",
        "山田",
        10,
    )
    assert (sakura.gender, sakura.ethnicity) == (Student.Gender.FEMALE, "Asian")
    assert Student.objects.get(sourced_id="u4").school == riverbend

    rivera = User.objects.get(sourced_id="t1")
    assert rivera.email == "ana.rivera@lakeside.example"  # stored lower-case
    # The password column is ignored: imported staff choose their own.
    assert not rivera.has_usable_password()
    assert not rivera.check_password("plain-text-secret")
    assert User.objects.get(sourced_id="aide1").last_name == "العلي"

    def roles(sid):
        return set(
            StaffRole.objects.filter(user__sourced_id=sid, is_active=True).values_list(
                "role", "school__sourced_id"
            )
        )

    assert roles("t1") == {(Role.TEACHER, "s1")}
    assert roles("t2") == {(Role.TEACHER, "s1"), (Role.TEACHER, "s2")}
    assert roles("p1") == {(Role.PRINCIPAL, "s1")}
    assert roles("da1") == {(Role.DISTRICT_ADMIN, None)}
    assert roles("aide1") == {(Role.INTERVENTIONIST, "s1")}

    guardian = Guardian.objects.get(sourced_id="g1")
    assert guardian.relationship == Guardian.Relationship.PARENT
    assert guardian.district == district and guardian.phone == "555-0100"
    assert set(guardian.students.values_list("sourced_id", flat=True)) == {"u1", "u3"}

    enrollment = Enrollment.objects.get(sourced_id="e2")
    assert (enrollment.student, enrollment.section) == (jose, section)
    assert enrollment.begin_date == datetime.date(2026, 8, 20)
    assert enrollment.end_date is None
    assert Enrollment.objects.filter(sourced_id__startswith="e").count() == 4
    assert set(
        SectionTeacher.objects.values_list("sourced_id", "teacher__sourced_id")
    ) == {
        ("e1", "t1"),
        ("e4", "t2"),
        ("e6", "t2"),
    }

    assert counts(report, "students") == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "deactivated": 0,
    }
    assert counts(report, "enrollments")["created"] == 4
    assert counts(report, "teacher_assignments")["created"] == 3
    assert counts(report, "staff")["created"] == 5
    assert counts(report, "demographics")["updated"] == 2
    # The messy manifest warns but does not stop the import.
    messages = [w.message for w in report.warnings]
    assert any("“bluk” is not bulk" in m for m in messages)
    assert any("source.sytemCode" in m for m in messages)
    assert any("1 aide enrollment was skipped" in m for m in messages)


def test_oneroster_1_2_takes_roles_from_roles_csv():
    report = run(FILES / "v1_2_bulk")
    assert report.ok, report.errors
    assert report.version == "1.2"

    def roles(sid):
        return set(
            StaffRole.objects.filter(user__sourced_id=sid).values_list(
                "role", "school__sourced_id"
            )
        )

    assert roles("t2") == {(Role.TEACHER, "s1"), (Role.TEACHER, "s2")}
    assert roles("p1") == {(Role.PRINCIPAL, "s1")}
    assert roles("da1") == {(Role.DISTRICT_ADMIN, None)}
    assert roles("c1") == {(Role.COUNSELOR, "s1")}
    assert roles("aide1") == {(Role.INTERVENTIONIST, "s1")}
    jose = Student.objects.get(sourced_id="u1")
    assert jose.preferred_name == "Pepe"
    assert jose.full_name == "Pepe Núñez"
    # Guardians link to students through agentSourcedIds.
    guardian = Guardian.objects.get(sourced_id="g1")
    assert guardian.relationship == Guardian.Relationship.GUARDIAN
    assert set(guardian.students.values_list("sourced_id", flat=True)) == {"u1", "u3"}
    assert Student.objects.count() == 4
    assert Enrollment.objects.count() == 4


@pytest.mark.parametrize("base", ["v1_1_bulk", "v1_2_bulk"])
def test_importing_the_same_files_again_changes_nothing(base):
    assert run(FILES / base).ok
    tables = [District, School, Term, Course, Section, Student, User, StaffRole]
    tables += [Guardian, Enrollment, SectionTeacher]
    before = {model: model.objects.count() for model in tables}
    snapshot = list(Student.objects.order_by("pk").values())

    again = run(FILES / base)

    assert again.ok
    assert {model: model.objects.count() for model in tables} == before
    assert list(Student.objects.order_by("pk").values()) == snapshot
    for entity, c in again.counts.items():
        assert c.created == c.updated == c.deactivated == 0, entity


def test_a_later_bulk_file_updates_what_changed_and_deactivates_what_is_gone(
    tmp_path,
):
    assert run(FILES / "v1_1_bulk").ok
    gone = Student.objects.get(sourced_id="u4")
    users = read("v1_1_bulk", "users").replace('"Smith, Jr."', "Smith-Jones")
    users = without_lines(users, "u4,", "t1,")
    enrollments = without_lines(read("v1_1_bulk", "enrollments"), "e7,", "e1,")
    folder = export(tmp_path, users=users, enrollments=enrollments)

    report = run(folder)

    assert report.ok, report.errors
    assert Student.objects.get(sourced_id="u2").last_name == "Smith-Jones"
    assert counts(report, "students") == {
        "created": 0,
        "updated": 1,
        "unchanged": 2,
        "deactivated": 1,
    }
    gone.refresh_from_db()
    assert not gone.is_active  # kept, with its history, but inactive
    ended = Enrollment.objects.get(sourced_id="e7")
    assert ended.end_date == TODAY - datetime.timedelta(days=1)
    assert not Enrollment.objects.active(on=TODAY).filter(pk=ended.pk).exists()
    assert counts(report, "enrollments")["deactivated"] == 1
    # The teacher who left: assignment removed, roles and account closed.
    rivera = User.objects.get(sourced_id="t1")
    assert not rivera.is_active
    assert not StaffRole.objects.filter(user=rivera, is_active=True).exists()
    assert not SectionTeacher.objects.filter(sourced_id="e1").exists()
    assert counts(report, "staff")["deactivated"] == 1


def test_a_person_missing_from_a_bulk_file_keeps_roles_elsewhere(tmp_path):
    assert run(FILES / "v1_1_bulk").ok
    other_district = DistrictFactory()
    other_school = SchoolFactory(district=other_district)
    rivera = User.objects.get(sourced_id="t1")
    StaffRole.objects.create(
        user=rivera, role=Role.TEACHER, district=other_district, school=other_school
    )
    users = without_lines(read("v1_1_bulk", "users"), "t1,")
    enrollments = without_lines(read("v1_1_bulk", "enrollments"), "e1,")
    assert run(export(tmp_path, users=users, enrollments=enrollments)).ok
    rivera.refresh_from_db()
    assert rivera.is_active
    assert StaffRole.objects.get(user=rivera, school=other_school).is_active


def test_delta_files_change_only_what_they_list(tmp_path):
    assert run(FILES / "v1_1_bulk").ok
    folder = export(
        tmp_path,
        manifest=manifest(users="delta", enrollments="delta"),
        orgs=None,
        academicSessions=None,
        courses=None,
        classes=None,
        demographics=None,
        users=(
            "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,"
            "username,userIds,givenName,familyName,middleName,identifier,email,sms,"
            "phone,agentSourcedIds,grades,password\n"
            "u1,tobedeleted,2026-11-20T10:00:00.000Z,true,s1,student,jnunez,,José,"
            "Núñez,,100001,,,,g1,09,\n"
            "u5,active,2026-11-20T10:00:00.000Z,true,s1,student,new,,Nia,Obi,,100005,"
            ",,,,09,\n"
        ),
        enrollments=(
            "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
            "userSourcedId,role,primary,beginDate,endDate\n"
            "e3,tobedeleted,2026-11-20T10:00:00Z,k-alg1-1,s1,u2,student,,,\n"
            "e9,active,2026-11-20T10:00:00Z,k-alg1-1,s1,u5,student,,2026-11-20,\n"
        ),
    )

    report = run(folder)

    assert report.ok, report.errors
    assert report.modes == {"users.csv": "delta", "enrollments.csv": "delta"}
    assert not Student.objects.get(sourced_id="u1").is_active
    assert not Enrollment.objects.active(on=TODAY).filter(sourced_id="e2").exists()
    assert not Enrollment.objects.active(on=TODAY).filter(sourced_id="e3").exists()
    assert Student.objects.get(sourced_id="u2").is_active  # not listed: untouched
    assert Student.objects.get(sourced_id="u4").is_active
    assert Enrollment.objects.active(on=TODAY).filter(sourced_id="e9").exists()
    assert Enrollment.objects.active(on=TODAY).filter(sourced_id="e5").exists()
    assert counts(report, "students") == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "deactivated": 1,
    }
    assert counts(report, "enrollments")["deactivated"] == 2  # e2 via u1, and e3


def test_a_returning_student_is_reactivated(tmp_path):
    assert run(FILES / "v1_1_bulk").ok
    users = without_lines(read("v1_1_bulk", "users"), "u4,")
    enrollments = without_lines(read("v1_1_bulk", "enrollments"), "e7,")
    assert run(export(tmp_path, users=users, enrollments=enrollments)).ok
    report = run(FILES / "v1_1_bulk")
    assert report.ok
    assert Student.objects.get(sourced_id="u4").is_active
    assert Enrollment.objects.get(sourced_id="e7").end_date is None
    assert counts(report, "students")["updated"] == 1


def test_hand_made_records_are_adopted_not_duplicated():
    district = DistrictFactory(name="Lakeside Unified")
    school = SchoolFactory(district=district, name="Stevenson High School")
    typed = StudentFactory(school=school, local_id="100001", first_name="Jose")
    User.objects.create_user("ana.rivera@lakeside.example", first_name="Ana")

    report = run(FILES / "v1_1_bulk", scope=Scope(district_id=district.pk))

    assert report.ok, report.errors
    district.refresh_from_db()
    school.refresh_from_db()
    typed.refresh_from_db()
    assert district.sourced_id == "d1" and school.sourced_id == "s1"
    assert typed.sourced_id == "u1" and typed.first_name == "José"
    assert User.objects.filter(email__iexact="ana.rivera@lakeside.example").count() == 1
    assert District.objects.count() == 1


def test_a_zip_with_a_top_folder_is_read(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in (FILES / "v1_2_bulk").iterdir():
            zf.write(path, f"LakesideExport/{path.name}")
    report = run(archive)
    assert report.ok, report.errors
    assert Student.objects.count() == 4


def test_zip_bytes_are_read_like_a_folder():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in (FILES / "v1_1_bulk").iterdir():
            zf.write(path, path.name)
    source = open_source(buffer.getvalue())
    assert import_oneroster(source, today=TODAY).ok


def test_command_prints_one_json_object(capsys):
    call_command("import_oneroster", str(FILES / "v1_2_bulk"), "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True and out["version"] == "1.2"
    assert out["counts"]["students"] == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "deactivated": 0,
    }
    assert out["errors"] == []
    run_row = ImportRun.objects.get()
    assert run_row.source == ImportRun.Source.COMMAND
    assert run_row.status == ImportRun.Status.SUCCEEDED
    assert run_row.district == District.objects.get(sourced_id="d1")


def test_command_reports_a_refusal_as_json_and_fails(tmp_path, capsys):
    folder = export(
        tmp_path, users=read("v1_1_bulk", "users").replace(",teacher,", ",wizard,", 1)
    )
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_oneroster", str(folder), "--json")
    assert exit_info.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["refused"] is True
    assert out["errors"][0]["file"] == "users.csv"
    assert out["errors"][0]["line"] == 2
    assert out["errors"][0]["column"] == "role"
    assert out["counts"]["students"]["created"] == 0
    assert Student.objects.count() == 0


def test_command_in_plain_text(capsys):
    call_command("import_oneroster", str(FILES / "v1_1_bulk"))
    out = capsys.readouterr().out
    assert "OneRoster 1.1" in out and "Imported." in out
