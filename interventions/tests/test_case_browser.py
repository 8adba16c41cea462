"""The case page and the printable contract in Chromium: accessible (axe-core,
WCAG 2.1 AA), usable from the keyboard, without confidential text for a teacher,
and a contract that prints on one page."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import TEST_PASSWORD
from dashboards.tests.browser import assert_accessible, log_in, screenshot
from interventions import services
from interventions.models import Contract
from interventions.tests.conftest import open_case
from schools.tests.factories import GuardianFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "Parents are separating; call the mother's mobile, not home."
PHONE = {"width": 390, "height": 844}


def at(day: datetime.date):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(10)), tick=False
    )


@pytest.fixture
def demo_case(ladder):
    """Eight weeks of a real-looking case: Support, then required tutoring,
    now the guided study hall with a signed-in-part contract."""
    today = timezone.localdate()
    course = ladder.course
    course.title = "Algebra 1"
    course.save()
    statements = [
        "I can solve two-step linear equations.",
        "I can graph a line from its equation.",
    ]
    for outcome, statement in zip(ladder.outcomes, statements, strict=False):
        outcome.statement = statement
        outcome.save()
    student = ladder.taught_students[0]
    student.first_name, student.last_name = "Jordan", "Reyes"
    student.save()
    for user, (first, last, title) in {
        ladder.teacher: ("Ana", "Rivera", "Ms."),
        ladder.counselor: ("David", "Okafor", "Mr."),
        ladder.principal: ("Helen", "Park", "Dr."),
    }.items():
        user.first_name, user.last_name, user.title = first, last, title
        user.save()
    guardian = GuardianFactory(
        district=ladder.district, first_name="Marisol", last_name="Reyes"
    )
    guardian.students.add(student)
    counselor, teacher = ladder.counselor, ladder.teacher

    with at(today - datetime.timedelta(days=60)):
        case = open_case(
            ladder,
            student,
            outcomes=ladder.outcomes[:2],
            reason="Below the cut on the unit 2 common assessment",
        ).case
        for action in case.actions.filter(owner=teacher):
            services.case_action_set_done(
                action=action, actor=teacher, note="Talked after class."
            )
        services.parent_contact_add(
            case=case,
            actor=counselor,
            contacted_on=timezone.localdate(),
            method="phone",
            guardian=guardian,
            summary="Explained the tutoring centre pass; mother will check "
            "homework nightly.",
            parents_informed=True,
        )
    with at(today - datetime.timedelta(days=18)):
        services.case_move(
            case=case,
            actor=counselor,
            direction="up",
            reason="Six weeks in the tutoring centre and still 48% on EO1.",
        )
    for days, progress, score in ((14, "some_concern", 52), (7, "no_progress", 49)):
        with at(today - datetime.timedelta(days=days)):
            services.progress_check_add(
                case=case,
                actor=counselor,
                progress=progress,
                score=score,
                note="Skipped one of two sessions." if days == 7 else "",
            )
    with at(today - datetime.timedelta(days=5)):
        services.case_move(
            case=case,
            actor=ladder.principal,
            direction="up",
            reason="Two weeks with no progress; family agrees to the study hall.",
        )
    for days in (4, 3, 2, 1):
        on = today - datetime.timedelta(days=days)
        with at(on):
            services.attendance_take(
                group=ladder.study_hall,
                actor=ladder.interventionist,
                on=on,
                marks={student.pk: ("absent" if days == 3 else "present", True)},
            )
    with at(today - datetime.timedelta(days=2)):
        contract = services.contract_create(
            case=case,
            actor=counselor,
            meeting_on=timezone.localdate(),
            student_commitment="Go to the guided study hall every day, bring the "
            "homework that is due and finish it before I leave.",
            parent_commitment="Ask Jordan every evening what homework is due and "
            "check that it is done.",
            school_commitment="Keep Jordan's seat in the study hall, tell the "
            "supervisor what is due, and call home every Friday.",
        )
        for party, name, who in (
            ("student", "Jordan Reyes", None),
            ("guardian", "Marisol Reyes", guardian),
            ("counselor", "David Okafor", None),
        ):
            services.contract_sign(
                contract=contract,
                actor=counselor,
                party=party,
                name=name,
                guardian=who,
                signed_on=timezone.localdate(),
            )
    services.case_note_add(case=case, actor=counselor, text=SECRET, confidential=True)
    services.case_note_add(
        case=case,
        actor=teacher,
        text="Works well with a partner; give the first step as a hint.",
        confidential=False,
    )
    case.refresh_from_db()
    ladder.case = case
    ladder.contract = contract
    return ladder


def test_the_counselor_works_on_the_case_from_the_keyboard(
    page, live_server, demo_case
):
    case = demo_case.case
    log_in(page, live_server.url, demo_case.counselor.email, TEST_PASSWORD)
    page.goto(live_server.url + case.get_absolute_url())
    assert page.get_by_role("heading", level=1).inner_text().startswith("Jordan Reyes")
    assert SECRET in page.content()
    assert_accessible(page)
    screenshot(page, "case-page")

    # Mark an action done in place, from the keyboard; focus stays on it.
    action = case.actions.filter(
        rung=case.rung, done_at__isnull=True, owner=demo_case.counselor
    ).first()
    page.locator(f"#action-{action.pk}-note").focus()
    page.keyboard.type("Sent the study hall schedule home.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator(f"#action-{action.pk}").get_by_text("Reopen").wait_for()
    assert page.evaluate("document.activeElement.id") == f"action-{action.pk}-toggle"
    action.refresh_from_db()
    assert action.is_done and action.note == "Sent the study hall schedule home."

    # Open the progress-check form with the keyboard and send it.
    summary = page.get_by_text("Log a progress check")
    summary.focus()
    page.keyboard.press("Enter")
    page.get_by_label("On track").check()
    page.get_by_label("Score (%)").fill("71")
    page.get_by_role("button", name="Log the check").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Progress check logged: On track.").is_visible()

    # A decision without a reason is refused on its field.
    page.get_by_label("Exit: the student has learned the outcomes").check()
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Say why: the decision is kept on the record.").is_visible()
    assert_accessible(page)

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + case.get_absolute_url())
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, overflow
    screenshot(page, "case-page-phone")


def test_the_teacher_sees_the_supports_and_no_confidential_text(
    page, live_server, demo_case
):
    log_in(page, live_server.url, demo_case.teacher.email, TEST_PASSWORD)
    page.goto(live_server.url + demo_case.case.get_absolute_url())
    html = page.content()
    assert SECRET not in html
    assert "Restricted note by Mr. Okafor" in page.inner_text("#notes")
    assert "Guided study hall" in page.inner_text("h2#rung-heading")
    assert page.get_by_role("button", name="Record the decision").count() == 0
    assert_accessible(page)
    screenshot(page, "case-page-teacher")


def test_the_contract_prints_on_one_page(page, live_server, demo_case):
    case, contract = demo_case.case, demo_case.contract
    log_in(page, live_server.url, demo_case.counselor.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/interventions/cases/{case.pk}/")
    page.get_by_role("link", name=re.compile("Printable contract")).click()
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    page.emulate_media(media="print")
    assert not page.locator("nav.plc-navbar").is_visible()
    assert not page.get_by_role("button", name="Print the contract").is_visible()
    sheet = page.locator(".contract-sheet")
    assert "Jordan Reyes" in sheet.inner_text()
    assert "I can solve two-step linear equations." in sheet.inner_text()
    page.set_viewport_size({"width": 816, "height": 1056})  # letter at 96 dpi
    artifacts = screenshot(page, "contract-print").parent
    pdf = page.pdf(format="Letter", print_background=False)
    (artifacts / "contract.pdf").write_bytes(pdf)
    pages = re.findall(rb"/Type\s*/Page(?![s\w])", pdf)
    assert len(pages) == 1, f"the contract printed on {len(pages)} pages"
    assert "Jordan Reyes" in pdf_title(pdf)
    assert Contract.objects.get().pk == contract.pk


def pdf_title(pdf: bytes) -> str:
    """The document title Chromium writes from <title>, literal or UTF-16."""
    match = re.search(rb"/Title\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f]+>)", pdf)
    assert match, "the PDF has no title"
    raw = match.group(1)
    if raw.startswith(b"<"):
        data = bytes.fromhex(raw[1:-1].decode())
        return data.decode("utf-16") if data[:2] == b"\xfe\xff" else data.decode()
    return raw[1:-1].decode("latin-1")


def test_the_history_and_contract_form_pass_axe(page, live_server, demo_case):
    case = demo_case.case
    log_in(page, live_server.url, demo_case.counselor.email, TEST_PASSWORD)
    for path in (
        f"/interventions/cases/{case.pk}/history/",
        f"/interventions/cases/{case.pk}/contract/",
    ):
        assert page.goto(live_server.url + path).status == 200, path
        assert_accessible(page)
    screenshot(page, "contract-form")
    # A refused form keeps the page accessible, the message on its field.
    page.get_by_label("The student will").fill("")
    page.get_by_role("button", name="Draw up the contract").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("This field is required.").is_visible()
    assert_accessible(page)
