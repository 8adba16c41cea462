"""What's new, the parent letter and its editor in Chromium: accessible
(axe-core, WCAG 2.1 AA), usable from the keyboard, and a letter that prints on
one page."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import TEST_PASSWORD
from dashboards.tests.browser import assert_accessible, log_in, screenshot
from interventions import notices, services
from interventions.models import Notification, ParentNotice
from interventions.notifications import notify
from interventions.tests.conftest import open_case
from interventions.tests.test_case_browser import pdf_title
from schools.tests.factories import GuardianFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def family(ladder):
    """Jordan Reyes in Algebra 1 on the Support rung, then moved up: a mother
    with e-mail and a father without, who reads Spanish."""
    course = ladder.course
    course.title = "Algebra 1"
    course.save()
    for outcome, statement in zip(
        ladder.outcomes,
        [
            "I can solve two-step linear equations.",
            "I can graph a line from its equation.",
        ],
        strict=False,
    ):
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
    mother = GuardianFactory(
        district=ladder.district,
        first_name="Marisol",
        last_name="Reyes",
        email="marisol.reyes@home.example",
    )
    father = GuardianFactory(
        district=ladder.district,
        first_name="Luis",
        last_name="Reyes",
        email="",
        preferred_language="Spanish",
    )
    for guardian in (mother, father):
        guardian.students.add(student)
    start = datetime.datetime(2026, 1, 12, 13, 30, tzinfo=datetime.UTC)  # 7:30 a.m.
    with time_machine.travel(start, tick=False):
        case = open_case(
            ladder, student, outcomes=ladder.outcomes[:2], system="daily_review"
        ).case
    with time_machine.travel(start + datetime.timedelta(days=42), tick=False):
        services.case_move(
            case=case,
            actor=ladder.counselor,
            direction="up",
            reason="Six weeks in the tutoring centre and still 48% on EO1.",
        )
    # The principal hears of a student waiting for a seat in the full study
    # hall, and of a plan not delivered; an older line was read already.
    with time_machine.travel(start + datetime.timedelta(days=38), tick=False):
        notify(
            users=[ladder.principal],
            kind=Notification.Kind.GROUP_FULL,
            text="Guided study hall P3 is full: 2 of 2 seats taken",
            url=ladder.study_hall.get_absolute_url(),
        )
        Notification.objects.filter(user=ladder.principal).update(
            read_at=timezone.now()
        )
    with time_machine.travel(start + datetime.timedelta(days=43), tick=False):
        for other in ladder.taught_students[1:]:
            services.placement_request(
                group=ladder.study_hall, student=other, actor=ladder.counselor
            )
        services.placement_request(
            group=ladder.study_hall,
            student=ladder.untaught_student,
            actor=ladder.counselor,
        )
        notify(
            users=[ladder.principal, ladder.counselor],
            kind=Notification.Kind.PLAN_NOT_DELIVERED,
            case=case,
            text="Plan not delivered for Jordan Reyes in Algebra 1 (Support): "
            "2 required actions not done; reviewed again on 9 Mar 2026",
            url=case.get_absolute_url(),
        )
    # The worker e-mails the mother's letters a few minutes after each entry.
    for notice in ParentNotice.objects.filter(guardian=mother):
        with time_machine.travel(
            notice.created_at + datetime.timedelta(minutes=3), tick=False
        ):
            notices.parent_notice_email(notice_id=notice.pk)
    case.refresh_from_db()
    ladder.case = case
    ladder.letter = ParentNotice.objects.filter(case=case, guardian=mother).latest(
        "created_at"
    )
    return ladder


def test_the_parent_letter_prints_on_one_page(page, live_server, family):
    case = family.case
    log_in(page, live_server.url, family.counselor.email, TEST_PASSWORD)
    page.goto(live_server.url + case.get_absolute_url())
    section = page.locator("#notices")
    assert "E-mailed to marisol.reyes@home.example" in section.inner_text()
    assert "Luis Reyes prefers Spanish" in section.inner_text()
    assert_accessible(page)
    screenshot(page, "case-page-notices")

    # From the case to the newest letter to the mother, with the keyboard.
    link = section.get_by_role(
        "link", name=re.compile(r"Read and print\s*the letter to Marisol Reyes")
    ).first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "How Stevenson High School is helping Jordan in Algebra 1"
    )
    assert_accessible(page)
    screenshot(page, "parent-letter")

    page.emulate_media(media="print")
    assert not page.locator("nav.plc-navbar").is_visible()
    assert not page.get_by_role("button", name="Print the letter").is_visible()
    sheet = page.locator(".letter-sheet").inner_text()
    for words in (
        "Dear Marisol Reyes,",
        "Jordan",
        "Algebra 1",
        "I can solve two-step linear equations.",
        "Tutoring during study hall is required, not invited",
    ):
        assert words in sheet, words
    page.set_viewport_size({"width": 816, "height": 1056})  # letter at 96 dpi
    artifacts = screenshot(page, "parent-letter-print").parent
    pdf = page.pdf(format="Letter", print_background=False)
    (artifacts / "parent-letter.pdf").write_bytes(pdf)
    pages = re.findall(rb"/Type\s*/Page(?![s\w])", pdf)
    assert len(pages) == 1, f"the letter printed on {len(pages)} pages"
    assert "Jordan Reyes" in pdf_title(pdf)


def test_the_counselor_marks_a_paper_letter_sent_home(page, live_server, family):
    log_in(page, live_server.url, family.counselor.email, TEST_PASSWORD)
    page.goto(live_server.url + family.case.get_absolute_url() + "#notices")
    button = page.get_by_role(
        "button", name=re.compile(r"Mark as sent home on paper\s*: the letter to Luis")
    ).first
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("went home on paper").is_visible()
    assert_accessible(page)


def test_whats_new_from_the_navigation(page, live_server, family):
    log_in(page, live_server.url, family.principal.email, TEST_PASSWORD)
    nav_link = page.locator("nav.plc-navbar").get_by_role(
        "link", name=re.compile("What's new")
    )
    assert re.search(r"\d+ unread", nav_link.text_content())
    home = page.locator("#whats-new").locator("..")
    assert "is waiting for a seat in Guided study hall P3" in home.inner_text()
    assert_accessible(page)
    screenshot(page, "home-whats-new")

    nav_link.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", level=1).inner_text() == "What's new for you"
    assert page.get_by_text("New", exact=True).first.is_visible()
    assert_accessible(page)
    screenshot(page, "whats-new")

    # Seen: the count is gone from the navigation, the lines stay listed.
    page.reload()
    assert "unread" not in page.locator("nav.plc-navbar").inner_text()
    assert page.get_by_text("New", exact=True).count() == 0
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, overflow
    screenshot(page, "whats-new-phone")


def test_the_principal_edits_the_schools_letter(page, live_server, family):
    log_in(page, live_server.url, family.principal.email, TEST_PASSWORD)
    page.goto(
        f"{live_server.url}/interventions/schools/{family.school.pk}/parent-letter/"
    )
    assert_accessible(page)
    screenshot(page, "letter-template")
    page.get_by_role("textbox", name="Letter").fill(
        "Dear {guardian},\n\n{studnet} needs help."
    )
    page.get_by_role("button", name="Save the letter").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("{studnet} is not a placeholder").is_visible()
    assert_accessible(page)
    page.get_by_role("textbox", name="Letter").fill(
        "Dear {guardian},\n\n{student} needs help."
    )
    page.get_by_role("button", name="Save the letter").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("The letter is saved.").is_visible()
    assert "Jordan Reyes needs help." in page.locator(".letter-preview").inner_text()
