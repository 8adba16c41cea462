"""Which schools' data changed: the mark that kept figures are out of date.

Every change that writes the record of change (`services.event_record`,
`events_record`) names its school, and kept mastery (its values or only its
words), the daily review, the roster import and a team reordering its outcomes
say which schools they touched; each of those calls
`schools_changed`, and so does any change made in the admin site. Once the
change commits, each school's `SchoolVersion` goes up by one, in a statement
of its own, so no transaction holds the row.

Figures read the version before they read their data and are kept against it
(`dashboards/figures.py`). A change that commits after that read raises the
version after it commits, so figures that might have missed it never match
again; a change that committed before is in the data they read. Either way a
kept figure is used only while nothing it rests on has changed.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from accounts.events import EventType
from accounts.models import SchoolVersion

logger = logging.getLogger(__name__)

# Changes that move no figure: results are entered only while an assessment is
# open, and nothing counts them until it is finalized, which is a change of its
# own. They are most of a school day's changes; leaving them out keeps the
# dashboards' kept figures while teachers enter results.
UNCOUNTED = frozenset({EventType.SCORE_CHANGED, EventType.RESULTS_UPLOADED})


def schools_changed(school_ids: Iterable[int | None]) -> None:
    """Raise these schools' versions once the current transaction commits (at
    once outside one). Many calls in one transaction raise each school once."""
    ids = {pk for pk in school_ids if pk}
    if not ids:
        return
    if not connection.in_atomic_block:
        _raise(ids)
        return
    # The callbacks of one transaction share one set of schools: the first to
    # run raises them all, the others find nothing left to do. Django drops a
    # callback with the transaction (or savepoint) that registered it when that
    # rolls back.
    pending = (
        next(
            (
                callback.pending
                for _savepoints, callback, _robust in reversed(connection.run_on_commit)
                if isinstance(callback, _RaiseOnCommit) and not callback.pending.done
            ),
            None,
        )
        or _Pending()
    )
    pending.school_ids |= ids
    transaction.on_commit(_RaiseOnCommit(pending), robust=True)


class _Pending:
    def __init__(self):
        self.school_ids: set[int] = set()
        self.done = False


class _RaiseOnCommit:
    def __init__(self, pending: _Pending):
        self.pending = pending

    def __call__(self) -> None:
        if self.pending.done:
            return
        self.pending.done = True
        _raise(self.pending.school_ids)


def _raise(school_ids: set[int]) -> None:
    if not school_ids:
        return
    table = connection.ops.quote_name(SchoolVersion._meta.db_table)
    try:
        with connection.cursor() as cursor:
            # In school order, so two of these never wait on each other's rows.
            cursor.execute(
                f"""
                INSERT INTO {table} (school_id, version, changed_at)
                SELECT id, 1, now() FROM unnest(%s::bigint[]) AS id ORDER BY id
                ON CONFLICT (school_id) DO UPDATE
                   SET version = {table}.version + 1, changed_at = now()
                """,  # noqa: S608 (table name from _meta; values bound)
                [sorted(school_ids)],
            )
    except DatabaseError:
        # The change itself is committed; figures kept against the old version
        # would be shown as current. Say so loudly rather than fail the change.
        logger.exception("Could not mark schools %s as changed", sorted(school_ids))


def admin_changed(sender, instance, created, **kwargs) -> None:
    """A change made in the admin site, which writes rows without the
    services and so without the record of change: every school's figures
    are counted again (the admin is rare; a wrong figure is not)."""
    if created:
        # By name: the schools app sits above this one.
        school = apps.get_model("schools", "School")
        schools_changed(school.objects.values_list("pk", flat=True))


def versions(school_ids: Iterable[int]) -> dict[int, int]:
    """school id → its version (0 for a school that has never changed)."""
    ids = list(school_ids)
    found = dict(
        SchoolVersion.objects.filter(school_id__in=ids).values_list(
            "school_id", "version"
        )
    )
    return {pk: found.get(pk, 0) for pk in ids}


@functools.cache
def code_digest(patterns: tuple[str, ...]) -> str:
    """A digest of the source files matching these globs (relative to the
    project) and of Django's version: what kept figures were counted and drawn
    with, so a new release never serves what the old one kept."""
    digest = hashlib.sha256(django.get_version().encode())
    base = Path(settings.BASE_DIR)
    for pattern in patterns:
        for path in sorted(base.glob(pattern)):
            digest.update(path.relative_to(base).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
