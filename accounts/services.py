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
    obj: models.Model,
    summary: str = "",
    request=None,
) -> AuditEvent:
    """Write one audit row: who did (or read) what, and when."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary[:255],
        ip_address=client_ip(request),
    )
