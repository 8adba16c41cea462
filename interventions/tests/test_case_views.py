"""The case page and the work people do on it: who may read, who may act, what
a refusal says, and that nothing is half-saved (docs/domain.md, "Cases").

The cast: `teacher` teaches the student; `counselor` has the student on their
caseload; `second_counselor` works at the same school with another caseload;
`same_school_teacher` teaches other students of the school; `interventionist`
supervises a group the student is not in; the others are at another school or
district.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Event, Role
from interventions import services
from interventions.models import (
    CaseAction,
    CaseNote,
    CaseStatus,
    Contract,
    Group,
    ParentContact,
    ProgressCheck,
    Responsible,
    Signature,
)
from interventions.tests.conftest import open_case
from schools.tests.factories import GuardianFactory, staff, teach

pytestmark = pytest.mark.django_db

SECRET = "Family is going through a custody hearing; handle calls with care."


@pytest.fixture
def people(ladder):
    ladder.second_counselor = staff(
        Role.COUNSELOR, school=ladder.school, email="counselor2@stevenson.example"
    )
    ladder.same_school_teacher = staff(
        Role.TEACHER, school=ladder.school, email="biology@stevenson.example"
    )
    teach(ladder.same_school_teacher, ladder.other_section)
    return ladder


@pytest.fixture
def case(people):
    return open_case(people).case


def url(name, case, *args):
    return reverse(f"interventions:{name}", args=[case.pk, *args])


def page_text(response) -> str:
    return response.content.decode()


def top_rung(ladder, case, actor=None):
    """Move the case to the guided study hall (the rung with a contract)."""
    for _ in range(2):
        services.case_move(
            case=case,
            actor=actor or ladder.counselor,
            direction="up",
            reason="No progress at the review",
        )
    case.refresh_from_db()
    return case


def make_contract(ladder, case, meeting_on=None):
    return services.contract_create(
        case=case,
        actor=ladder.counselor,
        meeting_on=meeting_on or timezone.localdate(),
        student_commitment="Go to the study hall every day.",
        parent_commitment="Check homework every evening.",
        school_commitment="Keep a seat and call home weekly.",
    )


def events_of(case):
    return Event.objects.filter(case=case).count()


# Who may read -----------------------------------------------------------------

READERS = [
    ("teacher", 200),
    ("counselor", 200),
    ("second_counselor", 200),
    ("principal", 200),
    ("district_admin", 200),
    ("same_school_teacher", 404),
    ("interventionist", 404),
    ("other_principal", 404),
    ("other_teacher", 404),
    ("far_admin", 404),
]


@pytest.mark.parametrize("page", ["case", "case_history", "contract_print"])
@pytest.mark.parametrize(("who", "status"), READERS)
def test_who_may_read_the_case(people, case, login, who, status, page):
    args = []
    if page == "contract_print":
        # The study hall's supervisor would see its students: nobody runs it here.
        Group.objects.filter(pk=people.study_hall.pk).update(supervisor=None)
        top_rung(people, case)
        args = [make_contract(people, case).pk]
    response = login(getattr(people, who)).get(url(page, case, *args))
    assert response.status_code == status


@pytest.mark.parametrize("page", ["case", "case_history", "contract_print"])
def test_anonymous_is_sent_to_log_in(people, case, client, page):
    args = []
    if page == "contract_print":
        top_rung(people, case)
        args = [make_contract(people, case).pk]
    response = client.get(url(page, case, *args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_supervisor_of_the_students_group_may_read_it(people, case, login):
    top_rung(people, case)  # the guided study hall, which the interventionist runs
    response = login(people.interventionist).get(case.get_absolute_url())
    assert response.status_code == 200
    assert "Decide" not in page_text(response)


def test_a_contract_of_another_case_answers_404(people, case, login):
    other = open_case(people, people.taught_students[1]).case
    top_rung(people, other)
    contract = make_contract(people, other)
    response = login(people.counselor).get(url("contract_print", case, contract.pk))
    assert response.status_code == 404


# Who may act ------------------------------------------------------------------

MANAGE_POSTS = [
    "case_decide",
    "case_check_add",
    "case_contact_add",
    "case_contract_create",
]


@pytest.mark.parametrize("view", [*MANAGE_POSTS, "case_note_add"])
@pytest.mark.parametrize(
    "who",
    [
        "same_school_teacher",
        "interventionist",
        "other_principal",
        "other_teacher",
        "far_admin",
        "district_admin",
    ],
)
def test_outsiders_and_readers_only_cannot_write(people, case, login, who, view):
    before = events_of(case)
    response = login(getattr(people, who)).post(
        url(view, case),
        {"decide-decision": "exit", "decide-reason": "x", "note-text": "Hello"},
    )
    assert response.status_code == 404
    assert events_of(case) == before
    assert not CaseNote.objects.exists()


@pytest.mark.parametrize("view", MANAGE_POSTS)
def test_the_teacher_cannot_decide_or_log_for_the_counselor(people, case, login, view):
    before = events_of(case)
    response = login(people.teacher).post(
        url(view, case), {"decide-decision": "exit", "decide-reason": "Learned it"}
    )
    assert response.status_code == 404
    assert events_of(case) == before
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE


@pytest.mark.parametrize("view", [*MANAGE_POSTS, "case_note_add"])
def test_anonymous_cannot_write(people, case, client, view):
    response = client.post(url(view, case), {"note-text": "Hello"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not CaseNote.objects.exists()


def test_actions_are_marked_by_post_only(people, case, login):
    action = case.actions.first()
    response = login(people.counselor).get(url("case_action_done", case, action.pk))
    assert response.status_code == 405


def test_an_outsider_or_the_district_cannot_mark_an_action(people, case, login):
    action = case.actions.filter(owner=people.teacher).first()
    for who in ("other_teacher", "same_school_teacher", "far_admin", "district_admin"):
        response = login(getattr(people, who)).post(
            url("case_action_done", case, action.pk), {"done": "1"}
        )
        assert response.status_code == 404
    action.refresh_from_db()
    assert not action.is_done


def test_an_action_of_another_case_answers_404(people, case, login):
    other = open_case(people, people.taught_students[1]).case
    action = other.actions.first()
    response = login(people.counselor).post(
        url("case_action_done", case, action.pk), {"done": "1"}
    )
    assert response.status_code == 404


# What the teacher sees and does -----------------------------------------------


def test_the_teacher_reads_the_case_and_the_supports(people, case, login):
    response = login(people.teacher).get(case.get_absolute_url())
    html = page_text(response)
    student = case.student
    assert student.full_name in html
    assert f"Student ID {student.local_id}" in html
    assert case.course.title in html
    assert "Algebra 1 team" in html
    # The supports being given, not a bare tier label.
    assert "Support" in html and "Tier 1" in html
    assert "tutoring centre" in html
    assert "no advisor assigned" in html
    assert "ALG1.EO1" in html
    assert "latest score 55% &lt; 80%" in html
    assert "Unit 2 common assessment" in html
    # Read-only except their own actions and plain notes.
    assert "Record the decision" not in html
    assert "Log a progress check" not in html
    assert "Log a parent contact" not in html
    assert "Add a note" in html
    assert "Confidential: counselors and principals only" not in html
    own = case.actions.get(owner=people.teacher)
    others = case.actions.exclude(owner=people.teacher)
    assert url("case_action_done", case, own.pk) in html
    for action in others:
        assert url("case_action_done", case, action.pk) not in html


def test_the_district_admin_reads_without_any_form(people, case, login):
    response = login(people.district_admin).get(case.get_absolute_url())
    html = page_text(response)
    assert response.status_code == 200
    assert "Record the decision" not in html
    assert "Add a note" not in html
    assert "Mark done" not in html


def test_the_teacher_marks_their_own_action_done(people, case, login):
    action = case.actions.get(owner=people.teacher)
    response = login(people.teacher).post(
        url("case_action_done", case, action.pk),
        {"done": "1", "note": "Talked after class on Tuesday."},
    )
    assert response.status_code == 302
    assert response.url.endswith(f"#action-{action.pk}")
    action.refresh_from_db()
    assert action.is_done and action.done_by == people.teacher
    assert action.note == "Talked after class on Tuesday."
    event = Event.objects.get(case=case, type=EventType.CASE_ACTION_DONE)
    assert event.actor == people.teacher
    page = page_text(login(people.teacher).get(response.url))
    assert "Done: Talk with the student about the outcome." in page


def test_marking_in_place_returns_the_item(people, case, login):
    action = case.actions.get(owner=people.teacher)
    response = login(people.teacher).post(
        url("case_action_done", case, action.pk),
        {"done": "1"},
        HTTP_HX_REQUEST="true",
    )
    html = page_text(response)
    assert response.status_code == 200
    assert f'id="action-{action.pk}"' in html
    assert "Reopen" in html and "Marked done." in html
    assert "<html" not in html
    response = login(people.teacher).post(
        url("case_action_done", case, action.pk),
        {"done": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert "Mark done" in page_text(response)
    action.refresh_from_db()
    assert not action.is_done


def test_the_teacher_cannot_mark_the_counselors_action(people, case, login):
    action = case.actions.filter(owner=people.counselor).first()
    before = events_of(case)
    response = login(people.teacher).post(
        url("case_action_done", case, action.pk), {"done": "1"}, follow=True
    )
    html = page_text(response)
    assert "This action is assigned to someone else" in html
    action.refresh_from_db()
    assert not action.is_done
    assert events_of(case) == before
    # In place, the refusal is shown on the item.
    response = login(people.teacher).post(
        url("case_action_done", case, action.pk),
        {"done": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert 'role="alert"' in page_text(response)
    assert "assigned to someone else" in page_text(response)
    action.refresh_from_db()
    assert not action.is_done


def test_the_counselor_marks_an_action_that_went_to_them_for_want_of_an_advisor(
    people, case, login
):
    action = case.actions.filter(responsible=Responsible.FACULTY_ADVISOR).first()
    assert action.owner_note == "no advisor assigned"
    page = page_text(login(people.counselor).get(case.get_absolute_url()))
    assert "(no advisor assigned)" in page
    # Any counselor of the school may act on any action of its cases.
    response = login(people.second_counselor).post(
        url("case_action_done", case, action.pk), {"done": "1"}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.done_by == people.second_counselor


def test_an_overdue_action_and_review_are_marked_in_words(people, login):
    opened = timezone.localdate() - datetime.timedelta(days=50)
    case = open_case(people, on=opened).case
    html = page_text(login(people.teacher).get(case.get_absolute_url()))
    # The review (42 days) and every action are past due: said, not only coloured.
    assert html.count(">Overdue<") == case.actions.count() + 1


def test_an_ended_case_owes_nothing_and_says_why_it_was_opened(people, login):
    """Once a case exits, what its rung left undone is nobody's work: the
    page says so without an alarm, in the past tense."""
    opened = timezone.localdate() - datetime.timedelta(days=50)
    case = open_case(people, on=opened).case
    services.case_exit(case=case, actor=people.counselor, reason="Learned it")
    html = page_text(login(people.counselor).get(case.get_absolute_url()))
    assert ">Overdue<" not in html
    assert " overdue" not in html
    assert "Why the case was opened" in html
    assert "Why the case is open" not in html


def test_the_mastery_that_opened_the_case_is_shown_to_one_decimal(people, case):
    from interventions.case_selectors import OutcomeRow

    outcome = case.outcomes.first()
    outcome.snapshot = {**outcome.snapshot, "value": "72.7272727"}
    assert OutcomeRow.of(outcome).value == "72.7%"
    outcome.snapshot = {**outcome.snapshot, "value": "60"}
    assert OutcomeRow.of(outcome).value == "60.0%"


# Notes ------------------------------------------------------------------------


def test_a_confidential_note_is_hidden_from_the_teacher_field_by_field(
    people, case, login
):
    services.case_note_add(
        case=case, actor=people.counselor, text=SECRET, confidential=True
    )
    services.case_note_add(
        case=case, actor=people.teacher, text="Works well in pairs.", confidential=False
    )
    for who in ("teacher", "district_admin"):
        html = page_text(login(getattr(people, who)).get(case.get_absolute_url()))
        assert SECRET not in html
        assert "custody" not in html
        assert "Restricted note by" in html
        assert "Works well in pairs." in html
    for who in ("counselor", "second_counselor", "principal"):
        html = page_text(login(getattr(people, who)).get(case.get_absolute_url()))
        assert SECRET in html
        assert "Restricted note by" not in html
    history = page_text(login(people.teacher).get(url("case_history", case)))
    assert "custody" not in history


def test_the_teacher_adds_a_plain_note_and_cannot_make_it_confidential(
    people, case, login
):
    response = login(people.teacher).post(
        url("case_note_add", case),
        {"note-text": "Asked for extra practice.", "note-confidential": "on"},
    )
    assert response.status_code == 302
    note = CaseNote.objects.get()
    assert note.by == people.teacher and not note.confidential


def test_the_counselor_adds_a_confidential_note(people, case, login):
    response = login(people.counselor).post(
        url("case_note_add", case),
        {"note-text": SECRET, "note-confidential": "on"},
    )
    assert response.status_code == 302
    assert CaseNote.objects.get().confidential
    event = Event.objects.get(case=case, type=EventType.CASE_NOTE_ADDED)
    assert SECRET not in str(event.data) and SECRET not in event.summary


def test_an_empty_note_is_refused(people, case, login):
    response = login(people.teacher).post(url("case_note_add", case), {"note-text": ""})
    assert response.status_code == 200
    assert "Write the note." in page_text(response)
    assert not CaseNote.objects.exists()


# Progress checks and parent contacts ------------------------------------------


def test_the_counselor_logs_a_progress_check(people, case, login):
    response = login(people.counselor).post(
        url("case_check_add", case),
        {
            "check-checked_on": timezone.localdate().isoformat(),
            "check-progress": "some_concern",
            "check-score": "62.5",
            "check-note": "Homework half done.",
        },
    )
    assert response.status_code == 302
    check = ProgressCheck.objects.get()
    assert (check.progress, check.score, check.by) == (
        "some_concern",
        62.5,
        people.counselor,
    )
    html = page_text(login(people.teacher).get(case.get_absolute_url()))
    assert "Some concern" in html and "62.5%" in html


def test_a_progress_check_dated_in_the_future_is_refused_on_its_field(
    people, case, login
):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = login(people.counselor).post(
        url("case_check_add", case),
        {"check-checked_on": tomorrow.isoformat(), "check-progress": "on_track"},
    )
    html = page_text(response)
    assert response.status_code == 200
    assert "A progress check cannot be dated in the future." in html
    assert 'id="error_1_id_check-checked_on"' in html
    assert not ProgressCheck.objects.exists()


def test_the_counselor_logs_a_parent_contact_with_a_guardian(people, case, login):
    guardian = GuardianFactory(district=people.district, first_name="Marisol")
    guardian.students.add(case.student)
    response = login(people.counselor).post(
        url("case_contact_add", case),
        {
            "contact-contacted_on": timezone.localdate().isoformat(),
            "contact-method": "phone",
            "contact-guardian": guardian.pk,
            "contact-summary": "Agreed on tutoring twice a week.",
            "contact-parents_informed": "yes",
        },
    )
    assert response.status_code == 302
    contact = ParentContact.objects.get()
    assert contact.guardian == guardian and contact.parents_informed
    # The contact proves the "notify the parents" action.
    assert case.actions.get(title="Notify the parents").is_done


def test_parents_not_informed_needs_a_reason(people, case, login):
    response = login(people.counselor).post(
        url("case_contact_add", case),
        {
            "contact-contacted_on": timezone.localdate().isoformat(),
            "contact-method": "phone",
            "contact-summary": "Rang twice.",
            "contact-parents_informed": "no",
            "contact-not_informed_reason": "",
        },
    )
    html = page_text(response)
    assert response.status_code == 200
    assert "Say why the parents were not informed." in html
    assert 'id="error_1_id_contact-not_informed_reason"' in html
    assert not ParentContact.objects.exists()


def test_a_guardian_of_another_student_cannot_be_chosen(people, case, login):
    stranger = GuardianFactory(district=people.district)
    stranger.students.add(people.untaught_student)
    response = login(people.counselor).post(
        url("case_contact_add", case),
        {
            "contact-contacted_on": timezone.localdate().isoformat(),
            "contact-method": "phone",
            "contact-guardian": stranger.pk,
            "contact-summary": "Talked.",
            "contact-parents_informed": "yes",
        },
    )
    assert response.status_code == 200
    assert 'id="error_1_id_contact-guardian"' in page_text(response)
    assert not ParentContact.objects.exists()


# Decisions --------------------------------------------------------------------


def decide(client, case, decision, reason="No progress in six checks"):
    return client.post(
        url("case_decide", case),
        {"decide-decision": decision, "decide-reason": reason},
    )


def test_a_decision_without_a_reason_is_refused(people, case, login):
    before = events_of(case)
    response = decide(login(people.counselor), case, "up", reason="   ")
    html = page_text(response)
    assert response.status_code == 200
    assert "Say why: the decision is kept on the record." in html
    assert 'id="error_1_id_decide-reason"' in html
    assert events_of(case) == before
    case.refresh_from_db()
    assert case.rung_name == "Support"


def test_the_counselor_moves_the_case_up_with_a_reason(people, case, login):
    client = login(people.counselor)
    html = page_text(client.get(case.get_absolute_url()))
    assert "Move up to “Required tutoring” (tier 2)" in html
    response = decide(client, case, "up")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.rung_name == "Required tutoring"
    event = Event.objects.get(case=case, type=EventType.CASE_MOVED_UP)
    assert event.actor == people.counselor
    assert event.reason == "No progress in six checks"
    html = page_text(client.get(case.get_absolute_url()))
    assert "Moved up a rung." in html
    assert "No progress in six checks" in html  # in the timeline, with who
    assert "Earlier rung: Support" in html


def test_moving_past_the_top_rung_shows_the_services_message(people, case, login):
    top_rung(people, case)
    before = events_of(case)
    response = decide(login(people.principal), case, "up")
    html = page_text(response)
    assert response.status_code == 200
    assert "The case is on the top rung; refer the student" in html
    assert 'id="error_1_id_decide-decision"' in html
    assert events_of(case) == before


@pytest.mark.parametrize(
    ("decision", "status"),
    [
        ("exit", CaseStatus.EXITED),
        ("refer", CaseStatus.REFERRED),
        ("close", CaseStatus.CLOSED),
    ],
)
def test_the_principal_ends_a_case(people, case, login, decision, status):
    client = login(people.principal)
    response = decide(client, case, decision, reason="Proficient on the retake")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == status
    html = page_text(client.get(case.get_absolute_url()))
    assert "Record the decision" not in html  # nothing left to decide
    assert "Log a progress check" not in html


def test_a_decision_on_an_ended_case_is_refused(people, case, login):
    services.case_exit(case=case, actor=people.counselor, reason="Learned it")
    response = decide(login(people.counselor), case, "refer")
    assert response.status_code == 200
    assert "The case is exited already." in page_text(response)


def test_an_unknown_decision_is_refused(people, case, login):
    response = decide(login(people.counselor), case, "promote")
    assert response.status_code == 200
    assert 'id="error_1_id_decide-decision"' in page_text(response)


# Contracts --------------------------------------------------------------------


def test_the_counselor_draws_up_and_signs_the_contract(people, case, login):
    top_rung(people, case)
    guardian = GuardianFactory(district=people.district, first_name="Marisol")
    guardian.students.add(case.student)
    client = login(people.counselor)
    page = page_text(client.get(case.get_absolute_url()))
    assert "Draw up the contract" in page
    form = client.get(url("case_contract_create", case))
    assert form.status_code == 200
    today = timezone.localdate()
    response = client.post(
        url("case_contract_create", case),
        {
            "meeting_on": today.isoformat(),
            "student_commitment": "Go every day.",
            "parent_commitment": "Check homework.",
            "school_commitment": "Keep a seat.",
        },
    )
    assert response.status_code == 302
    contract = Contract.objects.get()
    response = client.post(
        url("case_contract_sign", case, contract.pk),
        {
            "sign-party": "guardian",
            "sign-guardian": guardian.pk,
            "sign-name": "",
            "sign-signed_on": today.isoformat(),
        },
    )
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.guardian == guardian
    assert signature.name == f"Marisol {guardian.last_name}"
    html = page_text(client.get(case.get_absolute_url()))
    assert "Still to sign: Student, Counselor, Teacher" in html


@pytest.mark.parametrize(
    "who", ["teacher", "district_admin", "same_school_teacher", "other_principal"]
)
def test_only_counselors_and_principals_record_signatures(people, case, login, who):
    top_rung(people, case)
    contract = make_contract(people, case)
    response = login(getattr(people, who)).post(
        url("case_contract_sign", case, contract.pk),
        {
            "sign-party": "student",
            "sign-name": "X",
            "sign-signed_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 404
    assert not Signature.objects.exists()


def test_a_contract_of_another_case_cannot_be_signed_here(people, case, login):
    other = open_case(people, people.taught_students[1]).case
    top_rung(people, other)
    contract = make_contract(people, other)
    response = login(people.counselor).post(
        url("case_contract_sign", case, contract.pk),
        {
            "sign-party": "student",
            "sign-name": "X",
            "sign-signed_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 404
    assert not Signature.objects.exists()


def test_a_signature_before_the_meeting_is_refused_on_its_field(people, case, login):
    top_rung(people, case)
    today = timezone.localdate()
    contract = make_contract(people, case, meeting_on=today)
    response = login(people.counselor).post(
        url("case_contract_sign", case, contract.pk),
        {
            "sign-party": "student",
            "sign-name": case.student.full_name,
            "sign-signed_on": (today - datetime.timedelta(days=2)).isoformat(),
        },
    )
    html = page_text(response)
    assert response.status_code == 200
    assert "A contract is signed at or after its meeting" in html
    assert 'id="error_1_id_sign-signed_on"' in html
    assert not Signature.objects.exists()
    # The form stays open, so the message is seen where it was made.
    assert re.search(r'<details class="case-form" open>\s*<summary[^>]*>Record', html)


def test_a_guardian_signature_names_the_guardian(people, case, login):
    top_rung(people, case)
    contract = make_contract(people, case)
    response = login(people.counselor).post(
        url("case_contract_sign", case, contract.pk),
        {"sign-party": "guardian", "sign-signed_on": timezone.localdate()},
    )
    assert "Choose which guardian signed." in page_text(response)
    assert not Signature.objects.exists()


def test_no_contract_on_a_rung_that_does_not_call_for_one(people, case, login):
    client = login(people.counselor)
    assert "Draw up the contract" not in page_text(client.get(case.get_absolute_url()))
    response = client.post(
        url("case_contract_create", case),
        {
            "meeting_on": timezone.localdate().isoformat(),
            "student_commitment": "a",
            "parent_commitment": "b",
            "school_commitment": "c",
        },
    )
    assert response.status_code == 200
    assert "does not call for a contract" in page_text(response)
    assert not Contract.objects.exists()


def test_the_printable_contract(people, case, login):
    top_rung(people, case)
    guardian = GuardianFactory(district=people.district, first_name="Marisol")
    guardian.students.add(case.student)
    contract = make_contract(people, case)
    services.contract_sign(
        contract=contract,
        actor=people.counselor,
        party="student",
        name=case.student.full_name,
        signed_on=timezone.localdate(),
    )
    response = login(people.teacher).get(url("contract_print", case, contract.pk))
    html = page_text(response)
    assert response.status_code == 200
    assert people.school.name in html
    assert case.student.full_name in html
    assert case.course.title in html
    for outcome in case.outcomes.select_related("outcome"):
        assert outcome.outcome.statement in html
    assert "Go to the study hall every day." in html
    assert "Check homework every evening." in html
    assert "Keep a seat and call home weekly." in html
    # A line each for the student, the guardian, the counselor and the teacher.
    assert html.count('class="signature"') == 4
    assert f"Marisol {guardian.last_name}" in html
    assert people.teacher.full_name in html
    assert "css/print.css" in html


# History and speed ------------------------------------------------------------


def _a_year_of_history(ladder, case):
    """300 events, 50 progress checks, 20 contacts and 50 notes."""
    top_rung(ladder, case)
    now = timezone.now()
    Event.objects.bulk_create(
        Event(
            type=EventType.PROGRESS_CHECKED,
            actor=ladder.counselor,
            case=case,
            at=now - datetime.timedelta(days=i),
            summary=f"Progress check {i}",
            data={"after": {"progress": "on_track"}},
        )
        for i in range(300)
    )
    ProgressCheck.objects.bulk_create(
        ProgressCheck(
            case=case,
            checked_on=timezone.localdate() - datetime.timedelta(days=7 * i),
            progress="on_track",
            by=ladder.counselor,
        )
        for i in range(50)
    )
    ParentContact.objects.bulk_create(
        ParentContact(case=case, method="phone", summary="Call", by=ladder.counselor)
        for _ in range(20)
    )
    CaseNote.objects.bulk_create(
        CaseNote(case=case, text="n", confidential=i % 2 == 0, by=ladder.counselor)
        for i in range(50)
    )
    contract = make_contract(ladder, case)
    services.contract_sign(
        contract=contract,
        actor=ladder.counselor,
        party="student",
        name="Student",
        signed_on=timezone.localdate(),
    )


# Pinned: a change here means the page reads more (or less) than it did. Three
# are the navigation's unread count and the parent notices (the letters, and
# whether the student has a guardian at all when none was sent).
QUERIES = 26


def test_the_case_page_uses_the_same_queries_however_long_its_history(
    people, login, django_assert_num_queries
):
    young = open_case(people, people.taught_students[0]).case
    top_rung(people, young)
    services.contract_sign(
        contract=make_contract(people, young),
        actor=people.counselor,
        party="student",
        name="Student",
        signed_on=timezone.localdate(),
    )
    old = open_case(people, people.taught_students[1]).case
    _a_year_of_history(people, old)
    assert Event.objects.filter(case=old).count() > 300
    client = login(people.counselor)
    client.get(young.get_absolute_url())  # warm the session
    with CaptureQueriesContext(connection) as young_queries:
        assert client.get(young.get_absolute_url()).status_code == 200
    with django_assert_num_queries(len(young_queries)):
        response = client.get(old.get_absolute_url())
    html = page_text(response)
    assert "See the whole history" in html
    assert html.count("Progress check 2") < 50  # the timeline is bounded
    with django_assert_num_queries(QUERIES):
        client.get(old.get_absolute_url())


def test_the_whole_history_is_paged(people, login):
    case = open_case(people).case
    _a_year_of_history(people, case)
    client = login(people.teacher)
    first = page_text(client.get(url("case_history", case)))
    assert "Page 1 of 7" in first
    newest = re.compile(r"Progress check 0\D")
    assert newest.search(first)
    second = page_text(client.get(url("case_history", case) + "?page=2"))
    assert not newest.search(second)
    assert "Older" in second and "Newer" in second


def test_the_timeline_shows_who_when_and_why(people, case, login):
    services.case_move(
        case=case, actor=people.principal, direction="up", reason="Three no-progress"
    )
    html = page_text(login(people.teacher).get(case.get_absolute_url()))
    timeline = html[html.index('id="timeline"') :]
    assert "Moved up from “Support” to “Required tutoring”" in timeline
    assert "Three no-progress" in timeline
    assert people.principal.full_name in timeline
    assert "Opened a case in" in timeline
    # Before and after, in words.
    assert (
        "<del>Support</del>" in timeline and "<ins>Required tutoring</ins>" in timeline
    )


def test_the_action_list_groups_actions_by_rung(people, case, login):
    services.case_move(
        case=case, actor=people.counselor, direction="up", reason="No progress"
    )
    html = page_text(login(people.counselor).get(case.get_absolute_url()))
    actions = html[html.index('id="actions"') : html.index('id="checks"')]
    assert actions.index("Required tutoring") < actions.index("Earlier rung: Support")
    assert CaseAction.objects.filter(case=case).count() > 6
