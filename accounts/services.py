from collections.abc import Sequence

from django.db import connection, models, transaction

from accounts.changes import UNCOUNTED, schools_changed
from accounts.events import EventType
from accounts.models import Event, User


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


class EventOutsideTransaction(RuntimeError):
    """An event was written outside the transaction of the change it records."""


def event_build(
    *,
    type: EventType,
    actor: User | None = None,
    system: str = "",
    summary: str,
    school=None,
    school_id: int | None = None,
    student=None,
    team=None,
    assessment=None,
    case=None,
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
    data: dict | None = None,
) -> Event:
    """An unsaved event, for `events_record` to write many at once.

    `school` is taken from the team, assessment or student when not given, so
    "everything in this school" finds every event.
    """
    type = EventType(type)  # an unknown type is a programming error: refuse it
    if actor is not None and not actor.is_authenticated:
        actor = None
    if actor is None and not system:
        raise ValueError("An event needs the person or the job that acted.")
    detail = dict(data or {})
    if before is not None:
        detail["before"] = before
    if after is not None:
        detail["after"] = after
    if school is not None:
        school_id = school.pk
    elif school_id is None:
        for source in (case, team, assessment, student):
            school_id = _school_id_of(source)
            if school_id is not None:
                break
    return Event(
        type=type,
        actor=actor,
        system=system,
        summary=summary[:300],
        school_id=school_id,
        student=student,
        team=team,
        assessment=assessment,
        case=case,
        reason=reason,
        data=detail,
    )


def _school_id_of(obj) -> int | None:
    if obj is None:
        return None
    if hasattr(obj, "school_id"):
        return obj.school_id
    team = getattr(obj, "team", None)  # an assessment belongs to a team
    return getattr(team, "school_id", None)


def _check_in_transaction() -> None:
    if not connection.in_atomic_block:
        raise EventOutsideTransaction(
            "Write events inside the transaction of the change they record."
        )


def event_record(**fields) -> Event:
    """Write one event (see `event_build` for the fields), inside the caller's
    transaction."""
    _check_in_transaction()
    event = event_build(**fields)
    event.save()
    if event.type not in UNCOUNTED:
        schools_changed([event.school_id])
    return event


def events_record(events: Sequence[Event]) -> list[Event]:
    """Write many built events in one query, inside the caller's transaction."""
    if not events:
        return []
    _check_in_transaction()
    written = Event.objects.bulk_create(events, batch_size=2000)
    schools_changed(event.school_id for event in written if event.type not in UNCOUNTED)
    return written


def snapshot(instance: models.Model, fields: Sequence[str]) -> dict:
    """The named fields' stored values (a foreign key as its id), for an event's
    before or after."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        values[name] = getattr(instance, field.attname)
    return values


def changes(old: dict, new: dict) -> tuple[dict, dict]:
    """The before and after of only the fields that changed."""
    keys = [key for key in new if old.get(key) != new.get(key)]
    return {k: old.get(k) for k in keys}, {k: new.get(k) for k in keys}


@transaction.atomic
def send_password_set_email(
    *, user: User, domain: str, use_https: bool = True, actor: User | None = None
) -> None:
    """E-mail a link to choose a first password, once the transaction commits.

    Imported staff have no usable password, and Django's password-reset form
    skips such accounts on purpose, so the link is built here instead.
    """
    from django.contrib.auth.tokens import default_token_generator
    from django.template import loader
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from accounts.outbox import enqueue
    from accounts.tasks import send_email

    context = {
        "user": user,
        "domain": domain,
        "protocol": "https" if use_https else "http",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    subject = "".join(
        loader.render_to_string(
            "accounts/email/password_set_subject.txt", context
        ).splitlines()
    )
    body = loader.render_to_string("accounts/email/password_set.txt", context)
    to = [user.email]
    event_record(
        type=EventType.PASSWORD_SET_SENT,
        actor=actor,
        system="" if actor else "roster_import",
        summary=f"Sent a password-set e-mail to {user.email}",
        data={"user_id": user.pk},
    )
    enqueue(send_email, subject=subject, body=body, to=to)
