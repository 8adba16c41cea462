"""The fixed cast every permission test uses.

One district with two schools, each with a principal, a teacher who teaches one
section and a counselor; a district admin; and a second district whose admin sees
nothing of the first. `anonymous` is a client that is not logged in.
"""

import uuid
from types import SimpleNamespace

import pytest
from celery.contrib.testing.worker import start_worker

from accounts.models import Role
from plc.celery import app as celery_app
from schools.tests.factories import (
    DistrictFactory,
    EnrollmentFactory,
    SchoolFactory,
    SectionFactory,
    StudentFactory,
    staff,
    teach,
)

# Test tasks go to a queue of their own, so a worker of `make run` cannot take them.
TEST_QUEUE = f"plc-test-{uuid.uuid4().hex[:12]}"
celery_app.conf.task_default_queue = TEST_QUEUE


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker, in a thread, consuming the test queue on real Redis.

    Tests that use it see committed data only, hence `transactional_db`.
    """
    with start_worker(
        celery_app,
        pool="solo",
        queues=[TEST_QUEUE],
        loglevel="WARNING",
        perform_ping_check=False,  # there is no result backend
        shutdown_timeout=10,
    ) as worker:
        yield worker


@pytest.fixture
def cast(db):
    district = DistrictFactory(name="Lakeside")
    school = SchoolFactory(district=district, name="Stevenson High School")
    other_school = SchoolFactory(district=district, name="Riverbend High School")
    far_district = DistrictFactory(name="Far Away")

    principal = staff(
        Role.PRINCIPAL, school=school, email="principal@stevenson.example"
    )
    teacher = staff(
        Role.TEACHER,
        school=school,
        email="teacher@stevenson.example",
        last_name="Rivera",
    )
    counselor = staff(
        Role.COUNSELOR, school=school, email="counselor@stevenson.example"
    )
    interventionist = staff(
        Role.INTERVENTIONIST, school=school, email="interventionist@stevenson.example"
    )
    other_principal = staff(
        Role.PRINCIPAL, school=other_school, email="principal@riverbend.example"
    )
    other_teacher = staff(
        Role.TEACHER, school=other_school, email="teacher@riverbend.example"
    )
    district_admin = staff(
        Role.DISTRICT_ADMIN, district=district, email="admin@lakeside.example"
    )
    far_admin = staff(
        Role.DISTRICT_ADMIN, district=far_district, email="admin@faraway.example"
    )

    section = SectionFactory(course__school=school, name="Algebra 1 — Period 1")
    teach(teacher, section)
    other_section = SectionFactory(course__school=school, name="Biology — Period 2")
    taught_students = [
        EnrollmentFactory(
            section=section, student=StudentFactory(school=school, counselor=counselor)
        ).student
        for _ in range(3)
    ]
    untaught_student = EnrollmentFactory(
        section=other_section, student=StudentFactory(school=school)
    ).student
    foreign_section = SectionFactory(course__school=other_school)
    teach(other_teacher, foreign_section)
    foreign_student = EnrollmentFactory(
        section=foreign_section, student=StudentFactory(school=other_school)
    ).student

    return SimpleNamespace(
        district=district,
        school=school,
        other_school=other_school,
        far_district=far_district,
        principal=principal,
        teacher=teacher,
        counselor=counselor,
        interventionist=interventionist,
        other_principal=other_principal,
        other_teacher=other_teacher,
        district_admin=district_admin,
        far_admin=far_admin,
        section=section,
        other_section=other_section,
        foreign_section=foreign_section,
        taught_students=taught_students,
        untaught_student=untaught_student,
        foreign_student=foreign_student,
    )


@pytest.fixture
def login(client):
    """login(user) logs the test client in as that user and returns the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2 is deliberately slow; tests hash many passwords and need no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache(request, django_db_blocker):
    """Each test starts with an empty cache, where log-in limits keep their
    counts. The database cache's table is no model, so the truncation after a
    transactional test (a browser test, say) leaves its rows behind: failed
    log-ins of one test would lock an account in a later one."""
    from django.core.cache import cache

    uses_db = request.node.get_closest_marker("django_db") or any(
        name in request.fixturenames for name in ("db", "transactional_db")
    )
    if uses_db:
        request.getfixturevalue("django_db_setup")  # the test database, not ours
        with django_db_blocker.unblock():
            cache.clear()


@pytest.fixture(autouse=True)
def two_factor_not_required(settings):
    # Production requires two-factor of principals and district admins
    # (REQUIRE_2FA_ROLES). Tests of other features log them in without it; the
    # tests of two-factor turn it on (accounts/tests/test_two_factor.py), and the
    # browser helper `log_in` goes through set-up and codes when it is on.
    settings.REQUIRE_2FA_ROLES = []


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    # Production serves hashed files from `collectstatic`; tests read the sources.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; browser tests fail, never skip."""
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make around it are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def pytest_sessionfinish(session, exitstatus):
    # In CI nothing may skip: a skipped browser or worker test would hide a gap.
    import os

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI") and skipped and session.exitstatus == 0:
        reporter.write_line(f"{len(skipped)} test(s) skipped; in CI nothing may skip.")
        session.exitstatus = 1
