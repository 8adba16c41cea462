from django.db import models

from accounts.models import AuditEvent, User


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    summary: str = "",
    request=None,
) -> AuditEvent:
    """Write one audit row: who did (or read) what, and when. A read of a list
    names the kind of record (`object_type`) instead of one object."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:255],
        ip_address=client_ip(request),
    )


def send_password_set_email(*, user: User, domain: str, use_https: bool = True) -> None:
    """E-mail a link to choose a first password, once the transaction commits.

    Imported staff have no usable password, and Django's password-reset form
    skips such accounts on purpose, so the link is built here instead.
    """
    from django.contrib.auth.tokens import default_token_generator
    from django.db import transaction
    from django.template import loader
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

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
    transaction.on_commit(lambda: send_email.delay(subject=subject, body=body, to=to))
