"""Parent notices: the letter each active guardian gets when their child
enters a rung that sends one (docs/domain.md, "Cases").

A notice is written out from the school's letter (or the default one) when it
is queued and kept as it was sent. It is e-mailed through the outbox once the
transaction commits when the guardian has an address, and printed and sent
home otherwise; either way it is recorded on the case. The database is the
source of truth: a notice whose e-mail did not go (the mail server refused it
for a while) is found and sent by `parent_notices_send_pending`, and a notice
is never e-mailed twice.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import dateformat, timezone

from accounts.events import EventType
from accounts.models import User
from accounts.outbox import enqueue
from accounts.services import changes, event_build, event_record, events_record
from interventions import letters
from interventions.models import (
    NOTICE_STILL_DUE,
    Case,
    LetterTemplate,
    ParentNotice,
    Rung,
)
from schools.models import Guardian, School

logger = logging.getLogger(__name__)

SYSTEM = "parent_letters"
SEND_TASK = "interventions.tasks.parent_notice_send"
# A letter not e-mailed within this many days is left for the school to print.
EMAIL_RETRY_DAYS = 7


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str
    is_default: bool


def letter_of(school_id: int) -> Letter:
    """The school's letter, or the default one while it has none."""
    template = LetterTemplate.objects.filter(school_id=school_id).first()
    if template is None:
        return Letter(letters.DEFAULT_SUBJECT, letters.DEFAULT_BODY, True)
    return Letter(template.subject, template.body, False)


def _long_date(day: datetime.date) -> str:
    return dateformat.format(day, "l j F Y")


def _weekday(day: datetime.date) -> datetime.date:
    """A school day: a Saturday or Sunday moves to the Monday after."""
    return day + datetime.timedelta(days=7 - day.weekday() if day.weekday() >= 5 else 0)


def letter_values(
    *,
    case: Case,
    rung: Rung,
    guardian: Guardian,
    statements: list[str],
    on: datetime.date,
) -> dict[str, str]:
    """What each placeholder becomes in the letter to one guardian."""
    student = case.student
    counselor = case.counselor
    if counselor is None:
        counselor_words = f"the counselors' office at {case.school.name}"
    elif counselor.email:
        counselor_words = f"{counselor.display_name} ({counselor.email})"
    else:
        counselor_words = counselor.display_name
    return {
        "guardian": f"{guardian.first_name} {guardian.last_name}".strip(),
        "student": student.full_name,
        "first_name": student.preferred_name or student.first_name,
        "course": case.course.title,
        "outcomes": letters.outcome_lines(statements),
        "rung": rung.name,
        "support": rung.description,
        "review_date": _long_date(case.next_review_on)
        if case.next_review_on
        else "the end of this support",
        "counselor": counselor_words,
        "school": case.school.name,
        "date": _long_date(on),
    }


def letter_write(letter: Letter, values: dict[str, str]) -> tuple[str, str]:
    """The subject (one line) and body of one letter."""
    subject = " ".join(letters.fill(letter.subject, values).split())
    return subject[:200], letters.fill(letter.body, values)


@transaction.atomic
def parent_notices_queue(
    *, case: Case, rung: Rung, actor: User | None = None, system: str = ""
) -> list[ParentNotice]:
    """Write the letter for each active guardian of the case's student about
    the rung the case has just entered, record each on the case, and e-mail
    those with an address once the transaction commits.

    Safe to call twice for the same entry into a rung: a guardian already sent
    a letter for it is not sent another (a unique constraint decides).
    Returns the notices queued now.
    """
    case = Case.objects.select_related("student", "course", "school", "counselor").get(
        pk=case.pk
    )
    on = case.rung_entered_on
    guardians = list(
        Guardian.objects.filter(students=case.student_id, is_active=True).order_by(
            "last_name", "first_name", "pk"
        )
    )
    already = set(
        ParentNotice.objects.filter(
            case=case, rung=rung, rung_entered_on=on
        ).values_list("guardian_id", flat=True)
    )
    guardians = [g for g in guardians if g.pk not in already]
    if not guardians:
        return []
    letter = letter_of(case.school_id)
    statements = [
        row.outcome.statement or row.outcome.code
        for row in case.outcomes.select_related("outcome")
    ]
    now = timezone.now()
    notices = []
    for guardian in guardians:
        values = letter_values(
            case=case, rung=rung, guardian=guardian, statements=statements, on=on
        )
        subject, body = letter_write(letter, values)
        notices.append(
            ParentNotice(
                case=case,
                rung=rung,
                rung_entered_on=on,
                guardian=guardian,
                email=guardian.email.strip(),
                subject=subject,
                body=body,
                created_at=now,
            )
        )
    ParentNotice.objects.bulk_create(notices, ignore_conflicts=True)
    queued = list(
        ParentNotice.objects.filter(
            case=case,
            rung=rung,
            rung_entered_on=on,
            guardian__in=guardians,
            created_at=now,
        ).select_related("guardian")
    )
    who = {"actor": actor, "system": "" if actor else (system or SYSTEM)}
    events_record(
        [
            event_build(
                type=EventType.NOTICE_QUEUED,
                case=case,
                student=case.student,
                summary=f"Letter to {_guardian_words(notice.guardian)} about "
                f"“{rung.name}”: "
                # Everyone who reads the case reads its timeline: the address
                # stays on the letter, which only counselors and principals open.
                + (
                    "to be e-mailed"
                    if notice.email
                    else "no e-mail address, to print and send home"
                ),
                data={"notice_id": notice.pk, "guardian_id": notice.guardian_id},
                **who,
            )
            for notice in queued
        ]
    )
    for notice in queued:
        if notice.email:
            enqueue(SEND_TASK, notice_id=notice.pk)
    return queued


def _guardian_words(guardian: Guardian) -> str:
    return (
        f"{guardian.first_name} {guardian.last_name} "
        f"({guardian.get_relationship_display().lower()})"
    )


def letter_email(notice: ParentNotice) -> EmailMultiAlternatives:
    """The e-mail of one notice: the letter as written, plain and as HTML; a
    reply goes to the student's counselor."""
    case = notice.case
    reply_to = [case.counselor.email] if case.counselor and case.counselor.email else []
    message = EmailMultiAlternatives(
        subject=notice.subject,
        body=notice.body,
        to=[notice.email],
        reply_to=reply_to,
    )
    message.attach_alternative(
        render_to_string(
            "interventions/email/parent_letter.html",
            {"notice": notice, "school": case.school},
        ),
        "text/html",
    )
    return message


def parent_notice_email(*, notice_id: int) -> bool:
    """E-mail one notice unless it has been e-mailed already; whether it was
    sent now. The row is locked while the mail goes out, so two workers never
    both send it; if sending fails nothing is marked and it is tried again."""
    with transaction.atomic():
        notice = (
            ParentNotice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "case__school", "case__counselor", "case__student", "guardian"
            )
            .filter(
                NOTICE_STILL_DUE,
                pk=notice_id,
                emailed_at__isnull=True,
                guardian__is_active=True,
            )
            .exclude(email="")
            .first()
        )
        if notice is None:
            return False
        letter_email(notice).send()
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_at"])
        event_record(
            type=EventType.NOTICE_SENT,
            system=SYSTEM,
            case=notice.case,
            student=notice.case.student,
            summary=f"E-mailed the letter to {_guardian_words(notice.guardian)}",
            data={"notice_id": notice.pk, "guardian_id": notice.guardian_id},
        )
    return True


def parent_notices_send_pending(*, now: datetime.datetime | None = None) -> int:
    """E-mail every recent notice that should have gone and has not (its
    message was lost, or the mail server was down); how many were sent."""
    now = now or timezone.now()
    pending = ParentNotice.objects.filter(
        NOTICE_STILL_DUE,
        emailed_at__isnull=True,
        guardian__is_active=True,
        created_at__gte=now - datetime.timedelta(days=EMAIL_RETRY_DAYS),
    ).exclude(email="")
    sent = 0
    for notice_id in pending.order_by("created_at", "pk").values_list("pk", flat=True):
        try:
            sent += parent_notice_email(notice_id=notice_id)
        except Exception:
            logger.exception("Parent letter %s could not be e-mailed", notice_id)
    return sent


@transaction.atomic
def parent_notice_mark_sent_home(
    *, notice: ParentNotice, actor: User, on: datetime.date | None = None
) -> ParentNotice:
    """A counselor or the principal records that the printed letter went home."""
    from interventions.services import may_act_for

    on = on or timezone.localdate()
    notice = ParentNotice.objects.select_related("case", "guardian", "rung").get(
        pk=notice.pk
    )
    if not may_act_for(actor, notice.case):
        raise ValidationError("Only a counselor or the principal can record this.")
    if on > timezone.localdate():
        raise ValidationError("A letter cannot be sent home on a day to come.")
    if notice.is_moot:
        raise ValidationError(
            f"The case has left “{notice.rung.name}”: the letter is no longer "
            "about the support the student gets, so it is not sent."
        )
    marked = ParentNotice.objects.filter(
        pk=notice.pk, sent_home_on__isnull=True
    ).update(sent_home_on=on, sent_home_by=actor)
    if not marked:
        raise ValidationError("The letter is recorded as sent home already.")
    notice.sent_home_on, notice.sent_home_by = on, actor
    event_record(
        type=EventType.NOTICE_SENT_HOME,
        actor=actor,
        case=notice.case,
        summary=f"Sent the printed letter home to {_guardian_words(notice.guardian)}",
        data={"notice_id": notice.pk, "guardian_id": notice.guardian_id},
    )
    return notice


@transaction.atomic
def letter_template_save(
    *, school: School, actor: User, subject: str, body: str
) -> LetterTemplate:
    """Save the school's parent letter. A placeholder the letter cannot fill is
    refused by name, so a typo never reaches a parent as "{studnet}"."""
    subject, body = subject.strip(), body.strip()
    if not subject:
        raise ValidationError({"subject": "Give the letter a subject."})
    if not body:
        raise ValidationError({"body": "Write the letter."})
    for field, text in (("subject", subject), ("body", body)):
        unknown = letters.unknown_placeholders(text)
        if unknown:
            known = ", ".join(f"{{{name}}}" for name in letters.PLACEHOLDERS)
            raise ValidationError(
                {
                    field: " and ".join(f"{{{name}}}" for name in unknown)
                    + (
                        " is not a placeholder"
                        if len(unknown) == 1
                        else " are not placeholders"
                    )
                    + f" the letter can fill in. Use {known}."
                }
            )
    template = LetterTemplate.objects.select_for_update().filter(school=school).first()
    old = letter_of(school.pk)
    before, after = changes(
        {"subject": old.subject, "body": old.body}, {"subject": subject, "body": body}
    )
    if template is None:
        template = LetterTemplate(school=school)
    template.subject, template.body = subject, body
    template.updated_at, template.updated_by = timezone.now(), actor
    template.save()
    if after:
        event_record(
            type=EventType.LETTER_TEMPLATE_CHANGED,
            actor=actor,
            school=school,
            summary="Edited the letter to parents",
            before=before,
            after=after,
        )
    return template


def letter_preview(letter: Letter, *, school: School) -> tuple[str, str]:
    """The letter filled in for an example student, for the editor."""
    today = timezone.localdate()
    values = {
        "guardian": "Marisol Reyes",
        "student": "Jordan Reyes",
        "first_name": "Jordan",
        "course": "Algebra 1",
        "outcomes": letters.outcome_lines(
            [
                "I can solve linear equations in one variable.",
                "I can graph a line from its equation.",
            ]
        ),
        "rung": "Support",
        "support": "The teacher, the counselor and the faculty advisor each talk "
        "with the student; the student gets a pass from study hall to the "
        "tutoring centre.",
        "review_date": _long_date(_weekday(today + datetime.timedelta(days=42))),
        "counselor": "Mr. Okafor (counselor@school.example)",
        "school": school.name,
        "date": _long_date(today),
    }
    return letter_write(letter, values)
