"""A counselor works through their caseload with the keyboard only, in Chromium:
from the most urgent row to the case, a progress check, a decision; and opens a
case by hand. The caseload and the open-a-case page pass axe-core (WCAG 2.1 A
and AA), and keyboard focus is always visible."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Event
from assessments.models import StudentMastery
from dashboards.tests.browser import assert_accessible, screenshot
from interventions.models import Case, CaseStatus, ProgressCheck
from interventions.tests.conftest import open_case
from interventions.tests.test_group_browser import (
    MAX_TABS,
    keyboard_log_in,
    press_and_wait,
    tab_to,
)
from schools.tests.factories import EnrollmentFactory, SectionFactory, StudentFactory
from teams.tests.factories import OutcomeFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REVIEW_DAYS = 42  # Support, the first rung of the default ladder
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def at(day: datetime.date):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(10)), tick=False
    )


def focused_label(page) -> str:
    """The visible label of the focused form field, or "" when it has none."""
    return page.evaluate(
        "(document.activeElement.labels && document.activeElement.labels[0]"
        " ? document.activeElement.labels[0].textContent : '').trim()"
    )


def tab_to_field(page, label: str, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused field is the one labelled
    `label`, as a person would."""
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if focused_label(page) == label:
            return
        seen.append(page.evaluate("document.activeElement.outerHTML.slice(0, 80)"))
    raise AssertionError(f"“{label}” cannot be reached with {key}: {seen}")


def assert_focus_visible(page) -> None:
    """The focused element shows a focus ring: an outline or Bootstrap's
    box-shadow, drawn because the keyboard moved focus there."""
    ring = page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                tag: el.outerHTML.slice(0, 80),
                keyboard: el.matches(':focus-visible'),
                outline: style.outlineStyle !== 'none'
                    && parseFloat(style.outlineWidth) >= 2,
                shadow: style.boxShadow !== 'none',
            };
        }"""
    )
    assert ring["keyboard"] and (ring["outline"] or ring["shadow"]), ring


@pytest.fixture
def caseload(ladder):
    """Three open cases on the counselor's caseload: Maya's review is past due,
    Leo's first actions are overdue, Ava's case opened yesterday. Nia has no
    case yet."""
    today = timezone.localdate()
    ladder.course.title = "Algebra 1"
    ladder.course.save()
    statements = [
        "I can solve two-step linear equations.",
        "I can graph a line from its equation.",
        "I can write the equation of a line through two points.",
    ]
    for outcome, statement in zip(ladder.outcomes, statements, strict=True):
        outcome.statement = statement
        outcome.save()
    counselor = ladder.counselor
    counselor.first_name, counselor.last_name, counselor.title = (
        "David",
        "Okafor",
        "Mr.",
    )
    counselor.save()

    def student(first, last, local_id):
        return EnrollmentFactory(
            section=ladder.section,
            student=StudentFactory(
                school=ladder.school,
                counselor=counselor,
                first_name=first,
                last_name=last,
                local_id=local_id,
            ),
        ).student

    cases = {}
    for first, last, local_id, days_ago in (
        ("Maya", "Brooks", "230101", REVIEW_DAYS + 3),
        ("Leo", "Fischer", "230102", 12),
        ("Ava", "Chen", "230103", 1),
    ):
        with at(today - datetime.timedelta(days=days_ago)):
            cases[first] = open_case(
                ladder,
                student(first, last, local_id),
                reason="Not yet proficient on the unit 2 common assessment",
            ).case
    ladder.cases = cases

    nia = ladder.taught_students[0]
    nia.first_name, nia.last_name, nia.local_id = "Nia", "Aguilar", "230017"
    nia.save()
    eo1, eo2, eo3 = ladder.outcomes
    for outcome, value, status, progress, method, explanation in (
        (eo1, "48.5", "not_yet", "", "latest", "Latest score 48.5% is below 80%."),
        (eo2, "86", "proficient", "", "latest", "Latest score 86% reaches 80%."),
        (
            eo3,
            None,
            "not_yet",
            "1 of 3 scores at the cut",
            "n_mastery",
            "1 of the 3 scores needed at 80% or above: 82% (unit 1).",
        ),
    ):
        StudentMastery.objects.create(
            student=nia,
            outcome=outcome,
            value=Decimal(value) if value else None,
            progress=progress,
            status=status,
            score_count=2,
            method=method,
            explanation=explanation,
        )
    biology = SectionFactory(
        course__school=ladder.school, course__title="Biology", name="Biology — P4"
    )
    EnrollmentFactory(section=biology, student=nia)
    bio_team = TeamFactory(school=ladder.school, courses=[biology.course])
    OutcomeFactory(
        team=bio_team,
        course=biology.course,
        code="BIO.EO1",
        statement="I can explain how cells divide.",
    )
    ladder.nia = nia
    return ladder


def test_a_counselor_works_through_the_caseload_with_the_keyboard_only(
    page, live_server, caseload
):
    maya = caseload.cases["Maya"]
    keyboard_log_in(page, live_server.url, caseload.counselor.email)
    tab_to(page, "Caseload")
    assert_focus_visible(page)
    press_and_wait(page, "Enter")
    assert page.locator("h1").inner_text() == "My caseload"
    rows = page.locator("table.caseload tbody tr")
    assert rows.count() == 3
    first = rows.first
    assert first.locator("th").inner_text().startswith("Brooks, Maya")
    next_step = first.locator("td a").inner_text()
    assert next_step.startswith("Review was due 3 days ago")
    assert "Actions overdue" in rows.nth(1).inner_text()
    assert_accessible(page)

    tab_to(page, next_step)
    assert_focus_visible(page)
    page.wait_for_timeout(200)
    screenshot(page, "caseload-keyboard")
    press_and_wait(page, "Enter")
    assert page.url.endswith(f"/interventions/cases/{maya.pk}/#decision")

    # A progress check: open the form, choose "Some concern" with an arrow key,
    # a score and a note, and send it.
    tab_to(page, "Log a progress check")
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    tab_to_field(page, "On track")
    assert_focus_visible(page)
    page.keyboard.press("ArrowRight")
    assert focused_label(page) == "Some concern"
    page.keyboard.press("Tab")
    assert focused_label(page) == "Score (%)"
    page.keyboard.type("64")
    page.keyboard.press("Tab")
    assert focused_label(page) == "Note"
    page.keyboard.type("Handed in two of three homework sets this week.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Log the check"
    assert_focus_visible(page)
    press_and_wait(page, "Enter")
    assert "Progress check logged: Some concern." in page.locator(".alert").inner_text()
    check = ProgressCheck.objects.get(case=maya)
    assert (check.progress, check.score, check.by) == (
        "some_concern",
        Decimal("64.0"),
        caseload.counselor,
    )
    assert check.note == "Handed in two of three homework sets this week."

    # The decision: back up to the decision form, the last choice first, and
    # up two to "Exit"; say why, and record it.
    tab_to_field(
        page, "Close for another reason (left the course or school)", backwards=True
    )
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert focused_label(page) == "Exit: the student has learned the outcomes"
    assert_focus_visible(page)
    page.keyboard.press("Tab")
    assert focused_label(page) == "Reason*"
    page.keyboard.type("82% on the unit 3 retake and steady weekly checks.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Record the decision"
    press_and_wait(page, "Enter")
    assert "The case is exited." in page.locator(".alert").inner_text()
    maya.refresh_from_db()
    assert maya.status == CaseStatus.EXITED
    exited = Event.objects.get(case=maya, type=EventType.CASE_EXITED)
    assert exited.actor == caseload.counselor
    assert exited.reason == "82% on the unit 3 retake and steady weekly checks."

    # Back on the caseload, Maya's case is gone from the open cases.
    page.goto(f"{live_server.url}/interventions/caseload/")
    assert page.locator("table.caseload tbody tr").count() == 2
    assert "Brooks" not in page.locator("table.caseload").inner_text()


def test_a_counselor_opens_a_case_with_the_keyboard_only(page, live_server, caseload):
    nia = caseload.nia
    keyboard_log_in(page, live_server.url, caseload.counselor.email)
    tab_to(page, "Caseload")
    press_and_wait(page, "Enter")
    tab_to(page, "Open a case")
    assert_focus_visible(page)
    press_and_wait(page, "Enter")
    assert page.locator("h1").inner_text() == "Open a case"
    # The search has the focus: type, and the students found appear.
    assert page.evaluate("document.activeElement.id") == "id_q"
    page.keyboard.type("Agui")
    page.locator("#student-results li").first.wait_for()
    assert "Aguilar, Nia" in page.locator("#student-results").inner_text()
    assert_accessible(page)
    screenshot(page, "case-open-search")
    tab_to(page, "Aguilar, Nia")
    assert_focus_visible(page)
    press_and_wait(page, "Enter")
    assert page.locator("h1").inner_text() == "Open a case for Nia Aguilar"

    # Two courses: choosing one with the keyboard brings its outcomes.
    tab_to_field(page, "Algebra 1")
    assert_focus_visible(page)
    page.keyboard.press("Space")
    page.locator(f"#outcome-{caseload.outcomes[0].pk}").wait_for()
    assert page.evaluate("document.activeElement.id") == (
        f"course-{caseload.course.pk}"
    )
    outcomes = page.locator("#case-open-outcomes").inner_text()
    assert "Not yet proficient · 48.5%" in outcomes
    assert "Proficient · 86%" in outcomes
    assert "Not yet proficient · 1 of 3 scores at the cut" in outcomes

    # Tick EO1 and EO3, and submit without a reason: refused on its field.
    page.keyboard.press("Tab")
    assert focused_label(page).startswith("ALG1.EO1")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused_label(page).startswith("ALG1.EO3")
    page.keyboard.press("Space")
    assert_focus_visible(page)
    page.wait_for_timeout(200)
    assert_accessible(page)
    screenshot(page, "case-open")
    tab_to(page, "Open the case")
    press_and_wait(page, "Enter")
    # The focus is on what to fix; the message is on the field too.
    assert page.evaluate("document.activeElement.id") == "case-open-errors"
    assert "Say why the case opens" in page.locator("#case-open-errors").inner_text()
    assert "Say why the case opens" in page.locator("#div_id_reason").inner_text()
    assert not Case.objects.filter(student=nia).exists()
    assert page.locator(f"#outcome-{caseload.outcomes[2].pk}").is_checked()
    assert_accessible(page)
    screenshot(page, "case-open-refused")
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, overflow
    screenshot(page, "case-open-phone")
    page.set_viewport_size(DESKTOP)

    tab_to_field(page, "Why open the case now?*")
    page.keyboard.type("Ms. Rivera's referral: missing homework since the unit 2 test.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Open the case"
    press_and_wait(page, "Enter")
    case = Case.objects.get(student=nia)
    assert page.url.endswith(case.get_absolute_url())
    assert (
        "Case opened for Nia Aguilar in Algebra 1 on Support for ALG1.EO1 and "
        "ALG1.EO3." in page.locator(".alert").inner_text()
    )
    opened = Event.objects.get(case=case, type=EventType.CASE_OPENED)
    assert opened.actor == caseload.counselor
    snapshots = {o.outcome.code: o.snapshot for o in case.outcomes.all()}
    assert snapshots["ALG1.EO1"]["value"] == 48.5
    assert snapshots["ALG1.EO3"]["progress"] == "1 of 3 scores at the cut"
