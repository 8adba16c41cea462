"""Parent notices: the letter written for each active guardian when a case
enters a rung that sends one, kept as sent, e-mailed where there is an address,
printed otherwise, and recorded on the case; the school's own letter and who may
edit and read it (docs/domain.md, "Cases")."""

import datetime
import time

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.events import EventType
from accounts.models import Event, OutboxMessage
from interventions import letters, notices, services
from interventions.models import LetterTemplate, ParentNotice, Rung
from interventions.tests.conftest import open_case
from schools.tests.factories import GuardianFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)
SOON = MONDAY + datetime.timedelta(hours=1)


# The letter as plain values -----------------------------------------------------------


def test_placeholders_are_filled_and_unknown_ones_named():
    text = "Dear {guardian}, {first_name} is in { course }. {teacher} {}"
    assert letters.unknown_placeholders(text) == ["teacher", ""]
    assert letters.fill(
        text, {"guardian": "Ana", "first_name": "Jo", "course": "Art"}
    ) == ("Dear Ana, Jo is in Art. {teacher} {}")


def test_the_default_letter_uses_only_placeholders_it_can_fill():
    assert letters.unknown_placeholders(letters.DEFAULT_SUBJECT) == []
    assert letters.unknown_placeholders(letters.DEFAULT_BODY) == []
    for name in ("guardian", "first_name", "course", "outcomes", "support"):
        assert "{" + name + "}" in letters.DEFAULT_BODY


def test_outcomes_are_one_line_each():
    assert letters.outcome_lines(["I can A.", "I can B."]) == "• I can A.\n• I can B."


# Queuing ------------------------------------------------------------------------------


@pytest.fixture
def family(ladder):
    """Jordan Reyes in Algebra 1, with a mother who has e-mail, a father who
    does not and reads Spanish, and a former guardian no longer active."""
    course = ladder.course
    course.title = "Algebra 1"
    course.save()
    outcome = ladder.outcomes[0]
    outcome.statement = "I can solve two-step linear equations."
    outcome.save()
    student = ladder.taught_students[0]
    student.first_name, student.last_name = "Jordan", "Reyes"
    student.save()
    counselor = ladder.counselor
    counselor.first_name, counselor.last_name, counselor.title = (
        "David",
        "Okafor",
        "Mr.",
    )
    counselor.save()
    ladder.mother = GuardianFactory(
        district=ladder.district,
        first_name="Marisol",
        last_name="Reyes",
        email="marisol@home.example",
    )
    ladder.father = GuardianFactory(
        district=ladder.district,
        first_name="Luis",
        last_name="Reyes",
        email="",
        preferred_language="Spanish",
    )
    ladder.former = GuardianFactory(
        district=ladder.district,
        first_name="Rosa",
        last_name="Vega",
        email="rosa@home.example",
        is_active=False,
    )
    for guardian in (ladder.mother, ladder.father, ladder.former):
        guardian.students.add(student)
    ladder.student = student
    return ladder


@pytest.fixture
def case(family):
    with time_machine.travel(MONDAY, tick=False):
        family.case = open_case(family, family.student).case
    return family.case


def test_a_letter_is_written_for_each_active_guardian(family, case):
    by_guardian = {n.guardian: n for n in ParentNotice.objects.filter(case=case)}
    assert set(by_guardian) == {family.mother, family.father}
    letter = by_guardian[family.mother]
    assert letter.rung.name == "Support"
    assert letter.rung_entered_on == datetime.date(2026, 3, 2)
    assert letter.subject == "How Stevenson High School is helping Jordan in Algebra 1"
    support = Rung.objects.get(school=family.school, position=1).description
    assert letter.body.startswith(
        "Dear Marisol Reyes,\n\nWe are writing about Jordan's learning in Algebra 1."
    )
    assert "• I can solve two-step linear equations." in letter.body
    assert f"This is what we will do:\n\n{support}\n\n" in letter.body
    assert "again on Monday 13 April 2026" in letter.body
    assert "please contact Mr. Okafor (counselor@stevenson.example)." in letter.body
    assert letter.body.endswith("Yours sincerely,\n\nStevenson High School")
    assert by_guardian[family.father].body.startswith("Dear Luis Reyes,")


def test_each_letter_is_recorded_on_the_case(family, case):
    events = Event.objects.filter(case=case, type=EventType.NOTICE_QUEUED)
    assert sorted(e.summary for e in events) == [
        "Letter to Luis Reyes (parent) about “Support”: no e-mail address, to "
        "print and send home",
        "Letter to Marisol Reyes (parent) about “Support”: to be e-mailed",
    ]
    # The timeline is read by every reader of the case; addresses are not in it.
    assert not any("@" in e.summary for e in events)
    assert {e.student_id for e in events} == {family.student.pk}
    assert {e.system for e in events} == {"test"}


def test_only_a_guardian_with_an_address_is_queued_for_e_mail(family, case):
    mother_letter = ParentNotice.objects.get(case=case, guardian=family.mother)
    queued = OutboxMessage.objects.filter(task=notices.SEND_TASK)
    assert [m.kwargs for m in queued] == [{"notice_id": mother_letter.pk}]
    father_letter = ParentNotice.objects.get(case=case, guardian=family.father)
    assert father_letter.goes_on_paper and father_letter.email == ""


def test_queuing_again_for_the_same_entry_writes_nothing(family, case):
    rung = case.rung
    assert notices.parent_notices_queue(case=case, rung=rung, system="test") == []
    assert ParentNotice.objects.filter(case=case).count() == 2
    assert Event.objects.filter(case=case, type=EventType.NOTICE_QUEUED).count() == 2


def test_each_rung_that_sends_one_writes_new_letters(family, case):
    with time_machine.travel(MONDAY + datetime.timedelta(days=42), tick=False):
        services.case_move(
            case=case, actor=family.counselor, direction="up", reason="No progress"
        )
    rungs = ParentNotice.objects.filter(case=case, guardian=family.mother)
    assert [n.rung.name for n in rungs.order_by("created_at")] == [
        "Support",
        "Required tutoring",
    ]
    latest = rungs.order_by("-created_at").first()
    assert "Tutoring during study hall is required, not invited" in latest.body
    assert (
        Event.objects.get(
            case=case,
            type=EventType.NOTICE_QUEUED,
            summary__contains="Marisol",
            summary__endswith="to be e-mailed",
            summary__icontains="Required tutoring",
        ).actor
        == family.counselor
    )


def test_a_rung_that_sends_none_writes_none(family):
    Rung.objects.filter(school=family.school).update(sends_parent_notice=False)
    case = open_case(family, family.student).case
    assert not ParentNotice.objects.filter(case=case).exists()


def test_a_student_without_guardians_gets_no_letter_and_no_event(ladder):
    case = open_case(ladder).case
    assert not ParentNotice.objects.filter(case=case).exists()
    assert not Event.objects.filter(case=case, type=EventType.NOTICE_QUEUED).exists()


def test_a_letter_sent_is_kept_as_it_was(family, case):
    notices.letter_template_save(
        school=family.school,
        actor=family.principal,
        subject="New words for {first_name}",
        body="Hello {guardian}.",
    )
    letter = ParentNotice.objects.get(case=case, guardian=family.mother)
    assert letter.body.startswith("Dear Marisol Reyes,")


def test_the_schools_own_letter_is_used(family):
    notices.letter_template_save(
        school=family.school,
        actor=family.principal,
        subject="{student}: {course}",
        body="Hello {guardian}.\n\n{outcomes}\n\nWe will: {support}",
    )
    case = open_case(family, family.student).case
    letter = ParentNotice.objects.get(case=case, guardian=family.mother)
    assert letter.subject == "Jordan Reyes: Algebra 1"
    assert letter.body.startswith(
        "Hello Marisol Reyes.\n\n• I can solve two-step linear equations."
    )


# E-mailing ----------------------------------------------------------------------------


def test_the_letter_is_e_mailed_once_and_recorded(family, case, mailoutbox):
    letter = ParentNotice.objects.get(case=case, guardian=family.mother)
    assert notices.parent_notice_email(notice_id=letter.pk) is True
    assert notices.parent_notice_email(notice_id=letter.pk) is False
    (mail,) = mailoutbox
    assert mail.to == ["marisol@home.example"]
    assert mail.reply_to == ["counselor@stevenson.example"]
    assert mail.subject == letter.subject
    assert mail.body == letter.body
    html, kind = mail.alternatives[0]
    assert kind == "text/html"
    assert "I can solve two-step linear equations." in html
    letter.refresh_from_db()
    assert letter.emailed_at is not None
    sent = Event.objects.get(case=case, type=EventType.NOTICE_SENT)
    assert sent.summary == "E-mailed the letter to Marisol Reyes (parent)"


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_e_mails_the_letter_once_the_case_commits(
    family, celery_worker, mailoutbox
):
    case = open_case(family, family.student).case
    emailed = ParentNotice.objects.filter(case=case, emailed_at__isnull=False)
    assert wait_for(emailed.exists), "the worker sent no letter"
    assert [m.to for m in mailoutbox] == [["marisol@home.example"]]
    assert emailed.get().guardian == family.mother


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_letter_without_an_address_is_never_e_mailed(family, case, mailoutbox):
    letter = ParentNotice.objects.get(case=case, guardian=family.father)
    assert notices.parent_notice_email(notice_id=letter.pk) is False
    assert mailoutbox == []


def test_letters_not_yet_e_mailed_are_caught_up(family, case, mailoutbox):
    # The message was lost: the catch-up finds the letter in the database.
    assert notices.parent_notices_send_pending(now=SOON) == 1
    assert notices.parent_notices_send_pending(now=SOON) == 0
    assert [m.to for m in mailoutbox] == [["marisol@home.example"]]


def test_a_guardian_made_inactive_before_sending_is_not_written_to(
    family, case, mailoutbox
):
    family.mother.is_active = False
    family.mother.save()
    assert notices.parent_notices_send_pending(now=SOON) == 0
    assert mailoutbox == []


@pytest.mark.parametrize("change", ["exit", "move_up"])
def test_a_letter_about_a_rung_the_case_has_left_is_never_sent(
    family, case, mailoutbox, login, change
):
    """The mail server was down when the case entered the rung; by the time it
    answers the student has exited (or moved on): the letter would tell the
    parents of a support their child no longer gets."""
    with time_machine.travel(MONDAY + datetime.timedelta(days=1), tick=False):
        if change == "exit":
            services.case_exit(case=case, actor=family.counselor, reason="Learned it")
        else:
            services.case_move(
                case=case, actor=family.counselor, direction="up", reason="No progress"
            )
    stale = ParentNotice.objects.get(
        case=case, guardian=family.mother, rung__position=1
    )
    assert notices.parent_notice_email(notice_id=stale.pk) is False
    notices.parent_notices_send_pending(now=SOON)
    assert "Support" not in " ".join(m.subject + m.body for m in mailoutbox)
    stale.refresh_from_db()
    assert stale.emailed_at is None
    page = login(family.counselor).get(case.get_absolute_url()).content.decode()
    assert "Not sent: the case had left “Support” before it could be e-mailed." in page
    # Nor does it go home on paper from a page opened before the case moved.
    with pytest.raises(ValidationError, match="no longer about"):
        notices.parent_notice_mark_sent_home(notice=stale, actor=family.counselor)
    stale.refresh_from_db()
    assert stale.sent_home_on is None


def test_a_mail_server_that_fails_marks_nothing(family, case, mailoutbox, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    assert notices.parent_notices_send_pending(now=SOON) == 0
    letter = ParentNotice.objects.get(case=case, guardian=family.mother)
    assert letter.emailed_at is None
    assert not Event.objects.filter(type=EventType.NOTICE_SENT).exists()
    monkeypatch.undo()
    assert notices.parent_notices_send_pending(now=SOON) == 1


# The school's letter ------------------------------------------------------------------


def test_a_placeholder_the_letter_cannot_fill_is_refused_by_name(family):
    with pytest.raises(ValidationError) as refused:
        notices.letter_template_save(
            school=family.school,
            actor=family.principal,
            subject="About {first_name}",
            body="Dear {guardian}, {studnet} needs help with {teacher}.",
        )
    message = refused.value.message_dict["body"][0]
    assert message.startswith(
        "{studnet} and {teacher} are not placeholders the letter can fill in."
    )
    assert not LetterTemplate.objects.exists()


def test_editing_the_letter_is_recorded_with_what_changed(family):
    notices.letter_template_save(
        school=family.school,
        actor=family.principal,
        subject=letters.DEFAULT_SUBJECT,
        body="Short letter for {guardian}.",
    )
    event = Event.objects.get(type=EventType.LETTER_TEMPLATE_CHANGED)
    assert event.actor == family.principal
    assert event.school == family.school
    assert event.data["after"] == {"body": "Short letter for {guardian}."}
    assert "subject" not in event.data["before"]
    # Saving the same words again records nothing.
    notices.letter_template_save(
        school=family.school,
        actor=family.principal,
        subject=letters.DEFAULT_SUBJECT,
        body="Short letter for {guardian}.",
    )
    assert Event.objects.filter(type=EventType.LETTER_TEMPLATE_CHANGED).count() == 1


# Pages: who may read and edit ---------------------------------------------------------


def letter_url(case, notice):
    return reverse("interventions:notice_letter", args=[case.pk, notice.pk])


READERS = [
    ("counselor", 200),
    ("principal", 200),
    ("teacher", 404),
    ("interventionist", 404),
    ("district_admin", 404),
    ("other_principal", 404),
    ("other_teacher", 404),
    ("far_admin", 404),
]


@pytest.mark.parametrize(("who", "status"), READERS)
def test_who_may_read_a_parents_letter(family, case, login, who, status):
    letter = ParentNotice.objects.get(case=case, guardian=family.mother)
    response = login(getattr(family, who)).get(letter_url(case, letter))
    assert response.status_code == status


def test_anonymous_is_sent_to_log_in(family, case, client):
    letter = ParentNotice.objects.get(case=case, guardian=family.mother)
    for url in (
        letter_url(case, letter),
        reverse("interventions:letter_template", args=[family.school.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_a_letter_of_another_case_answers_404(family, case, login):
    other = open_case(family, family.taught_students[1]).case
    letter = ParentNotice.objects.get(case=case, guardian=family.mother)
    response = login(family.counselor).get(letter_url(other, letter))
    assert response.status_code == 404


def test_the_printable_letter_is_the_letter_as_sent(family, case, login):
    letter = ParentNotice.objects.get(case=case, guardian=family.mother)
    html = login(family.counselor).get(letter_url(case, letter)).content.decode()
    assert "Marisol Reyes<br>" in html
    assert "Parent or guardian of Jordan Reyes" in html
    assert "How Stevenson High School is helping Jordan in Algebra 1" in html
    assert "• I can solve two-step linear equations." in html
    assert "Waiting to be e-mailed to marisol@home.example" in html
    assert "data-print" in html


def test_the_case_page_lists_the_letters_for_counselors_only(family, case, login):
    page = login(family.counselor).get(case.get_absolute_url()).content.decode()
    assert 'id="notices"' in page
    assert "Waiting to be e-mailed to marisol@home.example." in page
    assert "No e-mail address:" in page
    assert "Luis Reyes</strong> prefers Spanish" in page
    assert "Edit the school's letter to parents" not in page
    principal_page = login(family.principal).get(case.get_absolute_url())
    assert "Edit the school's letter to parents" in principal_page.content.decode()
    teacher_page = login(family.teacher).get(case.get_absolute_url()).content.decode()
    assert 'id="notices"' not in teacher_page
    assert "Read and print" not in teacher_page
    # The timeline says a letter went, as it says everything that happened.
    assert "Letter to Marisol Reyes (parent) about “Support”" in teacher_page


def test_the_case_page_says_why_no_letter_went(ladder, login):
    case = open_case(ladder).case
    page = login(ladder.counselor).get(case.get_absolute_url()).content.decode()
    assert "the student has no active parent or guardian on record" in page


def sent_home_url(case, notice):
    return reverse("interventions:notice_sent_home", args=[case.pk, notice.pk])


@pytest.mark.parametrize("who", ["teacher", "district_admin", "other_principal"])
def test_only_counselors_and_the_principal_mark_a_letter_sent_home(
    family, case, login, who
):
    letter = ParentNotice.objects.get(case=case, guardian=family.father)
    response = login(getattr(family, who)).post(sent_home_url(case, letter))
    assert response.status_code == 404
    letter.refresh_from_db()
    assert letter.sent_home_on is None


def test_the_counselor_marks_the_printed_letter_sent_home(family, case, login):
    letter = ParentNotice.objects.get(case=case, guardian=family.father)
    client = login(family.counselor)
    assert client.get(sent_home_url(case, letter)).status_code == 405
    response = client.post(sent_home_url(case, letter), follow=True)
    assert "went home on paper" in response.content.decode()
    letter.refresh_from_db()
    assert letter.sent_home_on is not None and letter.sent_home_by == family.counselor
    event = Event.objects.get(type=EventType.NOTICE_SENT_HOME)
    assert event.summary == "Sent the printed letter home to Luis Reyes (parent)"
    again = client.post(sent_home_url(case, letter), follow=True)
    assert "recorded as sent home already" in again.content.decode()
    assert Event.objects.filter(type=EventType.NOTICE_SENT_HOME).count() == 1


EDITORS = [
    ("principal", 200),
    ("counselor", 404),
    ("teacher", 404),
    ("district_admin", 404),
    ("other_principal", 404),
    ("far_admin", 404),
]


@pytest.mark.parametrize(("who", "status"), EDITORS)
def test_only_the_principal_edits_the_schools_letter(family, login, who, status):
    url = reverse("interventions:letter_template", args=[family.school.pk])
    client = login(getattr(family, who))
    assert client.get(url).status_code == status
    response = client.post(url, {"subject": "Hi {first_name}", "body": "Hello."})
    assert response.status_code == (302 if status == 200 else 404)
    assert LetterTemplate.objects.exists() == (status == 200)


def test_the_editor_shows_the_default_letter_and_a_preview(family, login):
    url = reverse("interventions:letter_template", args=[family.school.pk])
    html = login(family.principal).get(url).content.decode()
    assert "This is the letter every school starts with." in html
    assert "<code>{first_name}</code>" in html
    assert "Dear Marisol Reyes," in html  # the preview, for an example student
    assert "Go back to the default letter" not in html


def test_a_bad_placeholder_is_shown_on_its_field(family, login):
    url = reverse("interventions:letter_template", args=[family.school.pk])
    response = login(family.principal).post(
        url, {"subject": "About {first_name}", "body": "Dear {parent},"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "{parent} is not a placeholder the letter can fill in." in html
    assert 'id="id_body"' in html and "is-invalid" in html


def test_the_principal_saves_and_restores_the_letter(family, login):
    url = reverse("interventions:letter_template", args=[family.school.pk])
    client = login(family.principal)
    client.post(url, {"subject": "About {first_name}", "body": "Dear {guardian},"})
    saved = LetterTemplate.objects.get(school=family.school)
    assert (saved.subject, saved.body, saved.updated_by) == (
        "About {first_name}",
        "Dear {guardian},",
        family.principal,
    )
    assert "Go back to the default letter" in client.get(url).content.decode()
    client.post(url, {"restore": "1", "subject": "", "body": ""})
    saved.refresh_from_db()
    assert (saved.subject, saved.body) == (
        letters.DEFAULT_SUBJECT,
        letters.DEFAULT_BODY,
    )
