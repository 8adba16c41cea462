"""A principal's import of one school cannot reach accounts or families beyond it."""

import datetime

import pytest

from accounts.models import Role, User
from schools.models import District, Guardian, School, StaffRole
from schools.oneroster import Scope, import_oneroster, open_source
from schools.tests.oneroster_helpers import FILES, export, manifest

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 22)
HEADER = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
    "userIds,givenName,familyName,middleName,identifier,email,sms,phone,"
    "agentSourcedIds,grades,password\n"
)
ONLY_USERS = {
    "orgs": None,
    "academicSessions": None,
    "classes": None,
    "courses": None,
    "enrollments": None,
    "demographics": None,
}


def run(path, **kwargs):
    source = open_source(path)
    try:
        return import_oneroster(source, today=TODAY, **kwargs)
    finally:
        source.close()


def users_delta(tmp_path, rows: str, name: str):
    return export(
        tmp_path,
        name=name,
        manifest=manifest(
            "1.1",
            users="delta",
            orgs="absent",
            academicSessions="absent",
            classes="absent",
            courses="absent",
            enrollments="absent",
            demographics="absent",
        ),
        users=HEADER + rows,
        **ONLY_USERS,
    )


@pytest.fixture
def district():
    assert run(FILES / "v1_1_bulk").ok
    return District.objects.get(sourced_id="d1")


def school_scope(district, sourced_id="s2"):
    school = School.objects.get(sourced_id=sourced_id)
    return Scope(district_id=district.pk, school_id=school.pk)


@pytest.mark.parametrize("enabled", ["true", "false"])
def test_a_principal_cannot_rewrite_or_disable_the_district_admin(
    tmp_path, district, enabled
):
    admin = User.objects.get(sourced_id="da1")
    assert StaffRole.objects.filter(user=admin, role=Role.DISTRICT_ADMIN).exists()
    email = admin.email
    folder = users_delta(
        tmp_path,
        f"da1,,,{enabled},s2,teacher,dadmin,,Dana,Okafor,,A002,"
        "evil@attacker.example,,,,,\n",
        "takeover",
    )
    report = run(folder, scope=school_scope(district))
    assert not report.ok
    assert any("outside" in error.message for error in report.errors)
    admin.refresh_from_db()
    assert (admin.email, admin.is_active) == (email, True)


def test_a_principal_cannot_rewrite_a_guardian_of_another_schools_student(
    tmp_path, district
):
    guardian = Guardian.objects.get(sourced_id="g1")
    before = (guardian.email, guardian.phone, set(guardian.students.all()))
    folder = users_delta(
        tmp_path,
        "g1,,,true,s2,parent,lnunez,,Lucia,Nunez,,,evil@attacker.example,,"
        "555-6666,,,\n",
        "family",
    )
    report = run(folder, scope=school_scope(district))
    assert not report.ok
    assert any("guardian “g1”" in error.message for error in report.errors)
    guardian.refresh_from_db()
    assert (guardian.email, guardian.phone, set(guardian.students.all())) == before


def test_the_district_admin_may_still_change_them(tmp_path, district):
    folder = users_delta(
        tmp_path,
        "g1,,,true,s2,parent,lnunez,,Lucia,Nunez,,,lucia@home.example,,555-6666,,,\n",
        "district",
    )
    report = run(folder, scope=Scope(district_id=district.pk))
    assert report.ok, report.errors
    assert Guardian.objects.get(sourced_id="g1").email == "lucia@home.example"
