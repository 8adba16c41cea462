"""The daily digest: one e-mail per person with what is new for them since the
last one, never one e-mail per event, because people ignore noisy mail
(docs/domain.md, "Cases").

A notification goes out once: it is marked e-mailed in the same transaction
that sends it, under a lock on its row, so running the digest twice, or twice
at once, sends nothing twice. A digest that fails to send marks nothing and
goes out at the next run. Read notifications are not sent: the person has
seen them.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from interventions.models import Notification

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestLine:
    text: str
    link: str


@dataclass(frozen=True)
class DigestSection:
    heading: str
    lines: list[DigestLine]


@dataclass(frozen=True)
class DigestRun:
    people: int
    items: int
    failed: int


def absolute(path: str) -> str:
    """A link to a page of PLC from outside it (an e-mail)."""
    if not path or "://" in path:
        return path
    return settings.SITE_URL.rstrip("/") + path


def _pending():
    return Notification.objects.filter(read_at__isnull=True, emailed_at__isnull=True)


def digest_recipients() -> list[int]:
    """The ids of active people with something new that has not been e-mailed."""
    return list(
        _pending()
        .filter(user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


def digest_sections(items: list[Notification]) -> list[DigestSection]:
    """The items by kind, in the order of the kinds, oldest first within each."""
    order = {kind: index for index, kind in enumerate(Notification.Kind.values)}
    ordered = sorted(items, key=lambda n: (order.get(n.kind, 99), n.created_at, n.pk))
    return [
        DigestSection(
            heading=Notification.Kind(kind).label,
            lines=[DigestLine(n.text, absolute(n.url)) for n in group],
        )
        for kind, group in groupby(ordered, key=lambda n: n.kind)
    ]


def digest_email(
    user: User, items: list[Notification], *, on: datetime.date
) -> EmailMultiAlternatives:
    count = len(items)
    context = {
        "user": user,
        "greeting": user.first_name or user.display_name,
        "sections": digest_sections(items),
        "count": count,
        "on": on,
        "whats_new_url": absolute(reverse("interventions:whats_new")),
    }
    subject = "".join(
        render_to_string("interventions/email/digest_subject.txt", context).split("\n")
    ).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("interventions/email/digest.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("interventions/email/digest.html", context), "text/html"
    )
    return message


def digest_send(*, user_id: int, now: datetime.datetime | None = None) -> int:
    """Send one person their digest; how many items it held (0: none sent)."""
    now = now or timezone.now()
    with transaction.atomic():
        items = list(
            _pending()
            .select_for_update(skip_locked=True, of=("self",))
            .filter(user_id=user_id, user__is_active=True)
            .order_by("created_at", "pk")
        )
        if not items:
            return 0
        user = User.objects.get(pk=user_id)
        digest_email(user, items, on=timezone.localdate(now)).send()
        Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
    return len(items)


def digests_send(*, now: datetime.datetime | None = None) -> DigestRun:
    """Everyone's digest. One person's failure (a refused address) does not
    stop the others; theirs goes out at the next run."""
    now = now or timezone.now()
    people = items = failed = 0
    for user_id in digest_recipients():
        try:
            sent = digest_send(user_id=user_id, now=now)
        except Exception:
            failed += 1
            logger.exception("The digest of user %s could not be sent", user_id)
            continue
        people += bool(sent)
        items += sent
    return DigestRun(people=people, items=items, failed=failed)
