"""Reads of notifications and parent notices (docs/domain.md, "Cases").

A person reads only their own notifications. A case's letters to its guardians
are read by the counselors and the principal of its school, through the case's
access (`interventions.access.case_for`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

from interventions.models import Case, Notification, ParentNotice
from schools.models import Guardian

NOTIFICATIONS_PER_PAGE = 25
LATEST = 5


@dataclass(frozen=True)
class Unread:
    """How many notifications a person has not seen, and the newest of them."""

    count: int
    latest: list[Notification] = field(default_factory=list)


def unread_for(user) -> Unread:
    """One query, whatever the number: the count rides on the newest rows."""
    rows = list(
        Notification.objects.filter(user=user, read_at__isnull=True)
        .annotate(total=Window(Count("pk")))
        .order_by("-created_at", "-pk")[:LATEST]
    )
    return Unread(count=rows[0].total if rows else 0, latest=rows)


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def notifications_page(user, number) -> Page:
    return Paginator(notifications_for(user), NOTIFICATIONS_PER_PAGE).get_page(number)


@dataclass(frozen=True)
class CaseNotices:
    notices: list[ParentNotice]
    # Guardians sent a letter who asked for another language than the letter's.
    languages: list[Guardian]
    has_guardians: bool


ENGLISH = ("", "en", "eng", "english")


def case_notices(case: Case) -> CaseNotices:
    """The letters sent about the case, newest first, and who needs one in
    another language: one query, two when no letter was sent (then whether the
    student has a guardian on record at all says why)."""
    notices = list(
        # Through the case, so each letter knows its case (`is_moot`).
        case.notices.select_related("guardian", "rung", "sent_home_by").order_by(
            "-created_at", "guardian__last_name", "pk"
        )
    )
    languages = {
        n.guardian_id: n.guardian
        for n in notices
        if n.guardian.is_active
        and n.guardian.preferred_language.strip().lower() not in ENGLISH
    }
    has_guardians = bool(notices) or (
        Guardian.objects.filter(students=case.student_id, is_active=True).exists()
    )
    return CaseNotices(notices, list(languages.values()), has_guardians)
