"""A supervisor takes a session's attendance with the keyboard only, in Chromium;
the group pages pass axe-core (WCAG 2.1 A and AA)."""

import pytest
from django.utils import timezone

from accounts.tests.factories import TEST_PASSWORD
from dashboards.tests.browser import assert_accessible, screenshot
from interventions import services
from interventions.models import Attendance, Group
from schools.tests.factories import StudentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 60


def keyboard_log_in(page, base_url, email):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-mail address").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    press_and_wait(page, "Enter")


def press_and_wait(page, key):
    """Press a key that loads a page, and wait until the new page is there."""
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state("networkidle")


def tab_to(page, text):
    """Press Tab until the focused element says `text`, as a person would."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        if focused == text:
            return
        seen.append(page.evaluate("document.activeElement.outerHTML.slice(0, 80)"))
    raise AssertionError(f"“{text}” cannot be reached with Tab: {seen}")


def focused_label(page):
    """The visible label of the focused radio button."""
    return page.evaluate(
        "document.querySelector(`label[for='${document.activeElement.id}']`)"
        ".textContent.trim()"
    )


@pytest.fixture
def hall(ladder):
    Group.objects.filter(pk=ladder.study_hall.pk).update(capacity=3)
    students = [
        StudentFactory(school=ladder.school, first_name=first, last_name=last)
        for first, last in [
            ("Ana", "Alvarez"),
            ("Ben", "Brown"),
            ("Cara", "Chen"),
            ("Dev", "Dutta"),  # the fourth waits for a seat
        ]
    ]
    for student in students:
        services.placement_request(
            group=ladder.study_hall, student=student, actor=ladder.principal
        )
    ladder.hall_students = students
    return ladder


def test_a_supervisor_takes_attendance_with_the_keyboard_only(page, live_server, hall):
    ana, ben, cara, _ = hall.hall_students
    keyboard_log_in(page, live_server.url, hall.interventionist.email)
    page.goto(f"{live_server.url}/interventions/groups/{hall.study_hall.pk}/")
    assert_accessible(page)
    tab_to(page, "Take attendance")
    press_and_wait(page, "Enter")
    assert page.locator("h1").inner_text() == "Attendance"

    tab_to(page, "All present")
    page.keyboard.press("Space")
    assert page.locator("#marked-count").inner_text().startswith("All 3 marked present")
    # Ana: absent (one arrow right from Present), homework not done.
    page.keyboard.press("Tab")
    assert focused_label(page) == "Present"
    page.keyboard.press("ArrowRight")
    assert focused_label(page) == "Absent"
    page.keyboard.press("Tab")
    assert focused_label(page) == "Not set"
    page.keyboard.press("ArrowLeft")
    # Ben: present, homework done.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert focused_label(page) == "Yes"
    # Cara: excused, homework not set.
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert focused_label(page) == "Excused"
    page.wait_for_timeout(400)  # let the buttons' colour transitions end
    screenshot(page, "attendance-marked")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Save attendance"
    press_and_wait(page, "Enter")

    assert (
        "saved: 1 present, 1 absent, 1 excused" in page.locator(".alert").inner_text()
    )
    saved = {a.student_id: (a.mark, a.homework_done) for a in Attendance.objects.all()}
    assert saved == {
        ana.pk: ("absent", False),
        ben.pk: ("present", True),
        cara.pk: ("excused", None),
    }
    # The saved session comes back prefilled, to change if need be.
    assert page.locator(f"#mark-{ana.pk}-absent").is_checked()
    assert page.locator(f"#homework-{ben.pk}-yes").is_checked()
    screenshot(page, "attendance-saved")
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone in the hall
    screenshot(page, "attendance-phone")
    assert_accessible(page)


def test_a_refused_session_says_why_and_is_accessible(page, live_server, hall):
    keyboard_log_in(page, live_server.url, hall.interventionist.email)
    page.goto(
        f"{live_server.url}/interventions/groups/{hall.study_hall.pk}/attendance/"
    )
    tab_to(page, "Save attendance")
    press_and_wait(page, "Enter")
    errors = page.locator("#attendance-errors")
    assert "Mark every student: 3 without a mark" in errors.inner_text()
    assert page.evaluate("document.activeElement.id") == "attendance-errors"
    assert not Attendance.objects.exists()
    screenshot(page, "attendance-refused")
    assert_accessible(page)


def test_the_principals_group_pages_are_accessible(page, live_server, hall):
    StudentFactory(school=hall.school, first_name="Eli", last_name="Evans")
    keyboard_log_in(page, live_server.url, hall.principal.email)
    base = live_server.url
    group = hall.study_hall
    for name, path in [
        ("group-list", "/interventions/groups/"),
        ("group-new", f"/interventions/groups/new/{hall.school.pk}/"),
        ("group-edit", f"/interventions/groups/{group.pk}/edit/"),
        ("attendance-principal", f"/interventions/groups/{group.pk}/attendance/"),
    ]:
        page.goto(base + path)
        screenshot(page, name)
        assert_accessible(page)
    page.goto(f"{base}/interventions/groups/{group.pk}/")
    page.get_by_label("Find a student").focus()
    page.keyboard.type("Evans")
    page.locator("#place-results li").first.wait_for()
    assert "Evans, Eli" in page.locator("#place-results").inner_text()
    # Ending a placement opens with the keyboard too.
    tab_to(page, "End placement of Ana Alvarez")
    page.keyboard.press("Enter")
    page.wait_for_timeout(400)
    screenshot(page, "group-principal")
    assert_accessible(page)
    page.keyboard.press("Tab")
    page.keyboard.type("Moved to the tutoring centre")
    press_and_wait(page, "Enter")
    assert "Dev Dutta, first on the waitlist, has the freed seat" in (
        page.locator(".alert").inner_text()
    )


def test_a_counselor_reads_the_group_and_its_attendance(page, live_server, hall):
    ana, ben, cara, _ = hall.hall_students
    services.attendance_take(
        group=hall.study_hall,
        actor=hall.interventionist,
        on=timezone.localdate(),
        marks={
            ana.pk: ("present", True),
            ben.pk: ("absent", None),
            cara.pk: ("excused", False),
        },
    )
    keyboard_log_in(page, live_server.url, hall.counselor.email)
    page.goto(f"{live_server.url}/interventions/groups/{hall.study_hall.pk}/")
    assert page.get_by_role("link", name="Attendance", exact=True).is_visible()
    assert page.locator("text=Place a student").count() == 0
    assert_accessible(page)
    tab_to(page, "Attendance")
    press_and_wait(page, "Enter")
    assert page.locator("input[type=radio]").count() == 0
    assert "Absent" in page.locator("table").inner_text()
    screenshot(page, "attendance-read-only")
    assert_accessible(page)
