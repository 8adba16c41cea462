"""Kept mastery: one row per student and outcome, recomputed from finalized
results, and only for the students whose evidence changed.

What is due is in the database, not in a message. A change that alters a
student's evidence marks them in `MasteryDirty` inside its own transaction; a
refresh takes the marks in batches, each batch in one transaction that writes
the new mastery and clears the marks it took. A lost message is made good by the
next sweep, a worker that dies mid-batch leaves its marks in place, and a student
with no mark costs nothing.

A batch reads the evidence with one aggregate query
(`selectors.outcome_scores_for`: points summed per student, outcome and
assessment in SQL), combines the scores in Python with the pure
`mastery.compute` (a few numbers per student and outcome), and writes only the
rows that changed with one upsert. `computed_at` moves only when the status,
value, progress or score count does, so `computed_at > t` lists exactly the
mastery that changed since t.

The services in `services.py` (`mastery_refresh`, `mastery_rebuild`) are the
way in; this module is their machinery.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.changes import schools_changed
from assessments import mastery
from assessments.models import (
    AssessmentItem,
    ItemScore,
    KeptMethod,
    MasteryDirty,
    StudentMastery,
)
from assessments.selectors import outcome_scores_for
from schools.models import Student
from teams.models import EssentialOutcome

# Students per batch: one aggregate query, one read of the kept rows and one
# upsert each. At about 100 results a student a batch holds a few megabytes,
# whatever the size of the district.
BATCH = 2000


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# Marking students due -----------------------------------------------------------


def mark_students(student_ids: Iterable[int]) -> None:
    """Mark these students due, in the caller's transaction.

    An upsert, not "do nothing on conflict": a mark a refresh has locked (it is
    computing that student from data read before this change) makes this wait
    until that refresh commits and clears it, then the mark is written again,
    so this change is not lost with the old mark.
    """
    now = timezone.now()
    MasteryDirty.objects.bulk_create(
        [MasteryDirty(student_id=pk, marked_at=now) for pk in sorted(set(student_ids))],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["student"],
        update_fields=["marked_at"],
    )


def mark_assessment_students(assessment_id: int) -> list[int]:
    """Mark due every student with a result on this assessment, in one statement
    in the caller's transaction: the students whose evidence it is. Returns
    their ids. In student order, so two of these at once queue rather than
    deadlock."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {_table(MasteryDirty)} (student_id, marked_at)
            SELECT DISTINCT s.student_id, %(now)s
              FROM {_table(ItemScore)} s
              JOIN {_table(AssessmentItem)} i ON i.id = s.item_id
             WHERE i.assessment_id = %(assessment)s
             ORDER BY s.student_id
            ON CONFLICT (student_id) DO UPDATE SET marked_at = EXCLUDED.marked_at
            RETURNING student_id
            """,  # noqa: S608 - table names from _meta; values are bound
            {"now": timezone.now(), "assessment": assessment_id},
        )
        return [student_id for (student_id,) in cursor.fetchall()]


def parameters_label(parameters: dict) -> str:
    """An outcome's method and the parameters it reads, as `KeptMethod` keeps
    them: "decaying_average weight=0.65", "n_mastery n=3", "latest"."""
    extra = " ".join(
        f"{name}={value}"
        for name, value in sorted(parameters.items())
        if name != "method"
    )
    return f"{parameters['method']} {extra}".strip()


def mark_changed_methods() -> int:
    """Mark due the students of every outcome whose method or parameters differ
    from those its kept mastery was built with, and record the new ones.

    A team changes its method in the teams app, which cannot reach this one; the
    sweep finds the change here instead. Two small queries when nothing changed
    (the outcomes with kept mastery, and the record of their methods). An
    outcome without a record (new since the last rebuild) counts as changed:
    its students are recomputed once and the record is written.
    """
    outcomes = list(
        EssentialOutcome.objects.filter(
            Q(pk__in=KeptMethod.objects.values("outcome_id"))
            | Q(Exists(StudentMastery.objects.filter(outcome_id=OuterRef("pk"))))
        ).select_related("team")
    )
    kept = dict(KeptMethod.objects.values_list("outcome_id", "parameters"))
    changed = {
        outcome.pk: label
        for outcome in outcomes
        if kept.get(outcome.pk) != (label := parameters_label(outcome.mastery))
    }
    if not changed:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {_table(MasteryDirty)} (student_id, marked_at)
            SELECT DISTINCT student_id, %(now)s
              FROM {_table(StudentMastery)}
             WHERE outcome_id = ANY(%(outcomes)s)
             ORDER BY student_id
            ON CONFLICT (student_id) DO UPDATE SET marked_at = EXCLUDED.marked_at
            """,  # noqa: S608 - table names from _meta; values are bound
            {"now": timezone.now(), "outcomes": list(changed)},
        )
        marked = cursor.rowcount
        _record_methods(changed)
    return marked


def _record_methods(labels: dict[int, str]) -> None:
    KeptMethod.objects.bulk_create(
        [KeptMethod(outcome_id=pk, parameters=label) for pk, label in labels.items()],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["outcome"],
        update_fields=["parameters"],
    )


# Recomputing -------------------------------------------------------------------


class Methods:
    """The method and parameters in force per outcome, read once per outcome
    for the whole of a refresh or rebuild (one query per batch that meets new
    outcomes)."""

    def __init__(self) -> None:
        self.known: dict[int, dict] = {}

    def __getitem__(self, outcome_id: int) -> dict:
        return self.known[outcome_id]

    def load(self, outcome_ids: Iterable[int]) -> None:
        missing = set(outcome_ids) - self.known.keys()
        if missing:
            for outcome in EssentialOutcome.objects.filter(
                pk__in=missing
            ).select_related("team"):
                self.known[outcome.pk] = outcome.mastery


# The columns a refresh compares, in this order: what a change of the first
# four means is that the student's mastery changed.
MEANING = ("status", "value", "progress", "score_count")
WORDING = ("method", "explanation")
# What `_upsert` writes, with the type of each column's array.
COLUMNS = ("student_id", "outcome_id", *MEANING, *WORDING, "computed_at")
TYPES = (
    "bigint",
    "bigint",
    "text",
    "numeric",
    "text",
    "int",
    "text",
    "text",
    "timestamptz",
)


def _kept(entries, params: dict) -> tuple:
    """(status, value, progress, score count, method, explanation) of one
    student on one outcome, from their outcome scores oldest first."""
    # The newest assessment's cuts are the standard the student is held to now.
    _, _, _, cut, exceeds = entries[-1]
    result = mastery.compute(
        [float(percent) for _, _, percent, _, _ in entries],
        method=params["method"],
        cut=float(cut),
        exceeds=float(exceeds),
        weight=float(params["weight"]) if params.get("weight") else None,
        n=params.get("n"),
    )
    return (
        result.status,
        # None while mastery is not established (n_mastery short of n).
        None if result.value is None else Decimal(str(round(result.value, 3))),
        result.progress,
        result.count,
        params["method"],
        result.explanation,
    )


@dataclass
class BatchResult:
    changed: set[int]  # students whose mastery changed (a row new, moved or gone)
    written: int  # rows upserted (changed, or only their wording or method)
    deleted: int  # rows left without finalized evidence


def refresh_batch(
    student_ids: Collection[int], *, methods: Methods | None = None
) -> BatchResult:
    """Recompute these students in one transaction and clear the marks of those
    it could take. A mark another refresh holds is skipped and left in place: a
    student is never waited for, and never cleared unseen.

    Plain tuples until the write: a model instance is made only for a row that
    is written, which in a sweep is the few that changed."""
    methods = methods or Methods()
    ids = sorted(set(student_ids))
    with transaction.atomic():
        taken = _take_marks(ids)
        scores = outcome_scores_for(ids)
        methods.load(outcome_id for _, outcome_id in scores)
        fresh = {
            key: _kept(entries, methods[key[1]]) for key, entries in scores.items()
        }
        existing = {
            (student_id, outcome_id): (pk, computed_at, row)
            for pk, student_id, outcome_id, computed_at, *row in (
                StudentMastery.objects.filter(student_id__in=ids).values_list(
                    "pk",
                    "student_id",
                    "outcome_id",
                    "computed_at",
                    *MEANING,
                    *WORDING,
                )
            )
        }
        now = timezone.now()
        changed: set[int] = set()
        moved_outcomes: set[int] = set()
        # Only reworded: not a change of mastery, but pages show the words.
        reworded_outcomes: set[int] = set()
        write = []
        for (student_id, outcome_id), row in fresh.items():
            computed_at = now
            if old := existing.get((student_id, outcome_id)):
                _, old_computed_at, old_row = old
                if tuple(old_row) == row:
                    continue
                if tuple(old_row[:4]) == row[:4]:
                    # Only the wording or the method's name: not a change of
                    # mastery, so the row keeps its time.
                    computed_at = old_computed_at
                    reworded_outcomes.add(outcome_id)
            if computed_at is now:
                changed.add(student_id)
                moved_outcomes.add(outcome_id)
            write.append((student_id, outcome_id, *row, computed_at))
        stale = [pk for key, (pk, _, _) in existing.items() if key not in fresh]
        changed |= {key[0] for key in existing if key not in fresh}
        moved_outcomes |= {key[1] for key in existing if key not in fresh}
        if stale:
            StudentMastery.objects.filter(pk__in=stale).delete()
        if write:
            _upsert(write)
        if taken:
            MasteryDirty.objects.filter(student_id__in=taken).delete()
        if moved_outcomes or reworded_outcomes:
            # The schools whose figures or pages rest on these outcomes' kept
            # mastery.
            schools_changed(
                EssentialOutcome.objects.filter(
                    pk__in=moved_outcomes | reworded_outcomes
                )
                .values_list("team__school_id", flat=True)
                .distinct()
            )
    return BatchResult(changed=changed, written=len(write), deleted=len(stale))


def _upsert(rows: list[tuple]) -> None:
    """Insert or update these rows (in `COLUMNS` order) in one statement: the
    upsert `bulk_create(update_conflicts=True)` writes, with the columns passed
    as one array each. Django would first prepare every value of every row one
    by one, which in a rebuild took longer than PostgreSQL took to write them."""
    columns = ", ".join(COLUMNS)
    arrays = ", ".join(f"%s::{kind}[]" for kind in TYPES)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in COLUMNS[2:])
    sql = (
        f"INSERT INTO {_table(StudentMastery)} ({columns}) "  # noqa: S608 - names from this module
        f"SELECT * FROM unnest({arrays}) "
        f"ON CONFLICT (student_id, outcome_id) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])


def _take_marks(student_ids: list[int]) -> list[int]:
    """Lock the marks of these students that no one else holds, until the
    batch commits."""
    return list(
        MasteryDirty.objects.filter(student_id__in=student_ids)
        .select_for_update(skip_locked=True)
        .order_by("student_id")
        .values_list("student_id", flat=True)
    )


def refresh_students(student_ids: Collection[int]) -> set[int]:
    """Recompute these students, marked or not, a batch at a time."""
    changed: set[int] = set()
    ids = sorted(set(student_ids))
    methods = Methods()
    for start in range(0, len(ids), BATCH):
        changed |= refresh_batch(ids[start : start + BATCH], methods=methods).changed
    return changed


def refresh_marked() -> set[int]:
    """Recompute every marked student, a batch at a time, until no mark is left
    that another refresh does not hold. Two refreshes at once share the work."""
    changed: set[int] = set()
    methods = Methods()
    while True:
        with transaction.atomic():
            batch = list(
                MasteryDirty.objects.select_for_update(skip_locked=True)
                .order_by("student_id")
                .values_list("student_id", flat=True)[:BATCH]
            )
            if not batch:
                return changed
            changed |= refresh_batch(batch, methods=methods).changed


@dataclass
class Rebuilt:
    students: int
    written: int
    deleted: int
    changed: int


def rebuild(*, school_ids: Collection[int] | None = None) -> Rebuilt:
    """Recompute every student (of these schools), a batch at a time, each in
    its own transaction, so memory stays flat and a stop loses at most a batch.
    The record of methods is written first, from the methods the batches use."""
    outcomes = EssentialOutcome.objects.select_related("team")
    students = Student.objects.order_by("pk")
    if school_ids is not None:
        outcomes = outcomes.filter(team__school_id__in=school_ids)
        students = students.filter(school_id__in=school_ids)
    methods = Methods()
    methods.known = {outcome.pk: outcome.mastery for outcome in outcomes}
    _record_methods(
        {pk: parameters_label(params) for pk, params in methods.known.items()}
    )
    result = Rebuilt(0, 0, 0, 0)
    after = 0
    while True:
        ids = list(students.filter(pk__gt=after).values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        batch = refresh_batch(ids, methods=methods)
        result.students += len(ids)
        result.written += batch.written
        result.deleted += batch.deleted
        result.changed += len(batch.changed)
        after = ids[-1]
    return result
