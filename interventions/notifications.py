"""Notifications: what is new for a person to do or know (docs/domain.md,
"Cases").

They show in the app ("What's new") and go out by e-mail once a day as one
digest per person (`interventions.digest`), never one e-mail per event. A
person has at most one unread notification of a kind for a case: a second one
refreshes the first, so a case that moves twice in a week is one line, not two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from interventions.models import Case, Notification
from schools.models import StaffRole


@transaction.atomic
def notify(
    *,
    users: Iterable[User | int | None],
    kind: str,
    text: str,
    url: str = "",
    case: Case | None = None,
) -> int:
    """Tell each of `users` (people or their ids; None is skipped) something new,
    in a fixed number of queries. An unread notification of the same kind and
    case is refreshed rather than doubled; when its text changed it goes out in
    the next digest again. Returns how many people were told something new."""
    kind = Notification.Kind(kind)
    user_ids = sorted({u if isinstance(u, int) else u.pk for u in users if u})
    if not user_ids:
        return 0
    text = text[:300]
    now = timezone.now()
    refreshed: set[int] = set()
    if case is not None:
        unread = Notification.objects.filter(
            user_id__in=user_ids, kind=kind, case=case, read_at__isnull=True
        )
        refreshed = set(unread.values_list("user_id", flat=True))
        unread.exclude(text=text).update(
            text=text, url=url, created_at=now, emailed_at=None
        )
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                kind=kind,
                case=case,
                text=text,
                url=url,
                created_at=now,
            )
            for user_id in user_ids
            if user_id not in refreshed
        ],
        # Two notifications at once for the same unread line: one is kept.
        ignore_conflicts=True,
    )
    return len(user_ids)


def notifications_mark_read(*, user: User, ids: Sequence[int]) -> int:
    """Mark the person's own notifications that were just shown to them as read."""
    if not ids:
        return 0
    return Notification.objects.filter(
        user=user, pk__in=ids, read_at__isnull=True
    ).update(read_at=timezone.now())


def principals_of(school_id: int) -> list[int]:
    """The ids of the school's active principals, who hear about its seats."""
    return list(
        StaffRole.objects.filter(
            school_id=school_id,
            role=Role.PRINCIPAL,
            is_active=True,
            user__is_active=True,
        ).values_list("user_id", flat=True)
    )
