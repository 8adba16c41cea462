"""Writes for common assessments: building, entering results, finalizing,
re-assessing, keeping mastery up to date and core-instruction triage.

Each change a team cares about writes its event (docs/domain.md, "The record of
change") inside the transaction of the change, so a change that fails leaves
neither the change nor its event. Reads live in `selectors.py`."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.events import EventType
from accounts.models import User
from accounts.services import changes, event_build, event_record, events_record
from assessments import kept
from assessments.models import (
    DEFAULT_EXCEEDS_CUT,
    DEFAULT_MASTERY_CUT,
    AssessmentItem,
    CommonAssessment,
    ItemScore,
    OutcomeCut,
    ReteachItem,
    StudentMastery,
)
from assessments.scoring import ParsedEntry, in_words, parse_entry
from assessments.selectors import (
    assessment_students,
    reteach_threshold,
    section_outcome_rates,
)
from plc.db import analyze
from schools.models import Course, Student
from teams.models import EssentialOutcome, Team

Status = CommonAssessment.Status


# Building -------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    number: int
    max_points: Decimal
    outcome: EssentialOutcome
    label: str = ""


def _check_course(team: Team, course: Course) -> None:
    if not team.courses.filter(pk=course.pk).exists():
        raise ValidationError({"course": "Choose one of the team's courses."})


def assessment_create(
    *,
    team: Team,
    course: Course,
    title: str,
    administered_on: datetime.date,
    actor: User,
) -> CommonAssessment:
    _check_course(team, course)
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Give the assessment a title."})
    with transaction.atomic():
        assessment = CommonAssessment.objects.create(
            team=team,
            course=course,
            title=title,
            administered_on=administered_on,
            created_by=actor,
        )
        event_record(
            type=EventType.ASSESSMENT_CREATED,
            actor=actor,
            team=team,
            assessment=assessment,
            summary=f"Created the common assessment “{title}”.",
            after=_details(assessment),
        )
    return assessment


def _details(assessment: CommonAssessment) -> dict:
    return {
        "title": assessment.title,
        "course_id": assessment.course_id,
        "administered_on": assessment.administered_on,
    }


def assessment_update(
    *,
    assessment: CommonAssessment,
    title: str,
    administered_on: datetime.date,
    actor: User,
) -> CommonAssessment:
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Give the assessment a title."})
    before = _details(assessment)
    assessment.title = title
    assessment.administered_on = administered_on
    old, new = changes(before, _details(assessment))
    if not new:
        return assessment
    with transaction.atomic():
        assessment.save(update_fields=["title", "administered_on"])
        event_record(
            type=EventType.ASSESSMENT_UPDATED,
            actor=actor,
            team=assessment.team,
            assessment=assessment,
            summary=f"Edited the common assessment “{title}”.",
            before=old,
            after=new,
        )
        if "administered_on" in new and assessment.status == Status.FINALIZED:
            # The date orders scores for mastery: moving it changes results.
            _enqueue_recompute(kept.mark_assessment_students(assessment.pk))
    return assessment


def items_replace(
    *,
    assessment: CommonAssessment,
    items: Sequence[ItemSpec],
    cuts: dict[int, tuple[Decimal, Decimal]] | None = None,
    actor: User,
) -> list[AssessmentItem]:
    """Set the items and per-outcome cuts of a draft in one go, or not at all."""
    if assessment.status != Status.DRAFT:
        raise ValidationError(
            "Items can change only while the assessment is a draft: results may "
            "already rest on them."
        )
    errors: list[str] = []
    numbers = [spec.number for spec in items]
    if not items:
        errors.append("Add at least one item.")
    if len(set(numbers)) != len(numbers):
        duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
        errors.append(
            "Item numbers must be unique; repeated: "
            + ", ".join(map(str, duplicates))
            + "."
        )
    for spec in items:
        if spec.max_points <= 0:
            errors.append(f"Item {spec.number}: the most points must be above 0.")
        if spec.outcome.team_id != assessment.team_id or (
            spec.outcome.course_id != assessment.course_id
        ):
            errors.append(
                f"Item {spec.number}: {spec.outcome.code} is not an outcome of "
                f"{assessment.course}."
            )
        elif not spec.outcome.is_active:
            errors.append(f"Item {spec.number}: {spec.outcome.code} is retired.")
    cuts = cuts or {}
    for cut, exceeds in cuts.values():
        if not 0 <= cut <= exceeds <= 100:
            errors.append(
                "Each mastery cut must be between 0 and its exceeds cut, and the "
                "exceeds cut at most 100."
            )
            break
    if errors:
        raise ValidationError(errors)
    before = _items_and_cuts(assessment)
    ordered = sorted(items, key=lambda spec: spec.number)
    after = {
        "items": [
            _item_detail(spec.number, spec.label.strip(), spec.max_points, spec.outcome)
            for spec in ordered
        ],
        # As written below: the cut given, else the one kept, else the default.
        "cuts": {
            spec.outcome.code: _stored(cuts[spec.outcome.pk])
            if spec.outcome.pk in cuts
            else before["cuts"].get(spec.outcome.code)
            or _stored((DEFAULT_MASTERY_CUT, DEFAULT_EXCEEDS_CUT))
            for spec in ordered
        },
    }
    if after == before:
        return list(assessment.items.order_by("number"))
    with transaction.atomic():
        assessment.items.all().delete()
        created = AssessmentItem.objects.bulk_create(
            AssessmentItem(
                assessment=assessment,
                number=spec.number,
                label=spec.label.strip(),
                max_points=spec.max_points,
                outcome=spec.outcome,
            )
            for spec in ordered
        )
        outcome_ids = {spec.outcome.pk for spec in items}
        assessment.cuts.exclude(outcome_id__in=outcome_ids).delete()
        existing = {cut.outcome_id: cut for cut in assessment.cuts.all()}
        for outcome_id in outcome_ids:
            cut = existing.get(outcome_id) or OutcomeCut(
                assessment=assessment, outcome_id=outcome_id
            )
            if outcome_id in cuts:
                cut.mastery_cut, cut.exceeds_cut = cuts[outcome_id]
            cut.save()
        event_record(
            type=EventType.ASSESSMENT_ITEMS_CHANGED,
            actor=actor,
            team=assessment.team,
            assessment=assessment,
            summary=f"Set {len(created)} items of “{assessment.title}”.",
            before=before,
            after=after,
        )
    return created


def _stored(values) -> list[Decimal]:
    """Points and cuts as the database keeps them (two decimals), so that an
    unchanged value reads the same before and after."""
    return [Decimal(value).quantize(Decimal("0.01")) for value in values]


def _item_detail(number, label, max_points, outcome) -> dict:
    return {
        "number": number,
        "label": label,
        "max_points": _stored([max_points])[0],
        "outcome": outcome.code,
    }


def _items_and_cuts(assessment: CommonAssessment) -> dict:
    """The items and cuts as an event records them: outcomes by code, so the
    history reads the same after an outcome is retired. Two queries."""
    return {
        "items": [
            _item_detail(item.number, item.label, item.max_points, item.outcome)
            for item in assessment.items.select_related("outcome").order_by("number")
        ],
        "cuts": {
            cut.outcome.code: _stored((cut.mastery_cut, cut.exceeds_cut))
            for cut in assessment.cuts.select_related("outcome")
        },
    }


def assessment_open(*, assessment: CommonAssessment, actor: User) -> None:
    if assessment.status != Status.DRAFT:
        raise ValidationError("Only a draft can be opened for entry.")
    if not assessment.items.exists():
        raise ValidationError("Add the items before opening the assessment for entry.")
    _set_status(
        assessment,
        Status.OPEN,
        actor=actor,
        type=EventType.ASSESSMENT_OPENED,
        summary="Opened “{}” for entry.",
    )


def assessment_finalize(*, assessment: CommonAssessment, actor: User) -> None:
    if assessment.status != Status.OPEN:
        raise ValidationError("Only an assessment open for entry can be finalized.")
    with transaction.atomic():
        _set_status(
            assessment,
            Status.FINALIZED,
            actor=actor,
            type=EventType.ASSESSMENT_FINALIZED,
            summary="Finalized “{}”.",
        )
        reteach_items_refresh(assessment=assessment)


def assessment_reopen(
    *, assessment: CommonAssessment, actor: User, reason: str
) -> None:
    if assessment.status != Status.FINALIZED:
        raise ValidationError("Only a finalized assessment can be reopened.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the results need to change."})
    _set_status(
        assessment,
        Status.OPEN,
        actor=actor,
        type=EventType.ASSESSMENT_REOPENED,
        summary="Reopened “{}” for entry.",
        reason=reason.strip(),
    )


def _set_status(
    assessment: CommonAssessment,
    status: str,
    *,
    actor: User,
    type: EventType,
    summary: str,
    reason: str = "",
) -> None:
    old_status = assessment.status
    now = timezone.now()
    with transaction.atomic():
        updated = CommonAssessment.objects.filter(
            pk=assessment.pk, status=assessment.status
        ).update(
            status=status,
            opened_at=now if status == Status.OPEN else F("opened_at"),
            finalized_at=now if status == Status.FINALIZED else None,
        )
        if updated != 1:
            raise ValidationError(
                "Someone else changed this assessment's status; reload the page."
            )
        assessment.refresh_from_db()
        event_record(
            type=type,
            actor=actor,
            team=assessment.team,
            assessment=assessment,
            summary=summary.format(assessment.title),
            reason=reason,
            before={"status": old_status},
            after={"status": status},
        )
        if Status.FINALIZED in (old_status, status):
            # Finalized results are the evidence of kept mastery: this
            # assessment's start counting now, or stop until it is finalized
            # again. Marked here, in the transaction, so a lost message is
            # made good by the next sweep.
            _enqueue_recompute(kept.mark_assessment_students(assessment.pk))


def retake_create(
    *,
    original: CommonAssessment,
    administered_on: datetime.date,
    actor: User,
    title: str = "",
) -> CommonAssessment:
    """A re-assessment of the same outcomes for the students not yet proficient."""
    if original.status == Status.DRAFT:
        raise ValidationError("Give the assessment first; then re-assess.")
    if administered_on <= original.administered_on:
        raise ValidationError(
            {"administered_on": "A retake comes after the assessment it repeats."}
        )
    outcome_ids = set(original.items.values_list("outcome_id", flat=True))
    not_yet = set(
        StudentMastery.objects.filter(
            outcome_id__in=outcome_ids,
            status=StudentMastery.Status.NOT_YET,
            student__in=assessment_students(original),
        ).values_list("student_id", flat=True)
    )
    if not not_yet:
        raise ValidationError(
            "Every student assessed is proficient on these outcomes: no retake needed."
        )
    with transaction.atomic():
        retake = CommonAssessment.objects.create(
            team=original.team,
            course=original.course,
            title=title.strip() or f"{original.title} — retake",
            administered_on=administered_on,
            retake_of=original,
            created_by=actor,
        )
        retake.students.set(not_yet)
        AssessmentItem.objects.bulk_create(
            AssessmentItem(
                assessment=retake,
                number=item.number,
                label=item.label,
                max_points=item.max_points,
                outcome_id=item.outcome_id,
            )
            for item in original.items.all()
        )
        OutcomeCut.objects.bulk_create(
            OutcomeCut(
                assessment=retake,
                outcome_id=cut.outcome_id,
                mastery_cut=cut.mastery_cut,
                exceeds_cut=cut.exceeds_cut,
            )
            for cut in original.cuts.all()
        )
        event_record(
            type=EventType.RETAKE_CREATED,
            actor=actor,
            team=original.team,
            assessment=retake,
            summary=f"Created a retake of “{original.title}” for {len(not_yet)} "
            "students not yet proficient.",
            after={
                **_details(retake),
                "retake_of_id": original.pk,
                "student_count": len(not_yet),
            },
        )
    return retake


# Entering results ------------------------------------------------------------

NOT_OPEN = "Results can be entered only while the assessment is open."
BLANK = ParsedEntry(None, "")
# Past this many rows written at once, refresh the planner's statistics: until
# autovacuum catches up it plans as if the new rows were not there.
ANALYZE_AFTER_ROWS = 5000


@dataclass
class EntryOutcome:
    score: ItemScore | None
    saved: bool
    error: str = ""
    conflict: bool = False


@dataclass(frozen=True)
class CellEntry:
    """One cell as the grid sends it: what was typed over which version of the
    cell (0 for a cell that was empty)."""

    item: AssessmentItem
    student: Student
    raw: str
    seen_version: int


def score_enter(
    *,
    assessment: CommonAssessment,
    item: AssessmentItem,
    student: Student,
    raw: str,
    seen_version: int,
    actor: User,
) -> EntryOutcome:
    """Save one cell. `seen_version` is the version the editor last saw (0 for an
    empty cell); a newer one in the database means someone else saved first, and
    nothing is overwritten."""
    (outcome,) = scores_enter(
        assessment=assessment,
        cells=[CellEntry(item, student, raw, seen_version)],
        actor=actor,
    )
    return outcome


def scores_enter(
    *, assessment: CommonAssessment, cells: Sequence[CellEntry], actor: User
) -> list[EntryOutcome]:
    """Save a block of cells, as pasted into the grid, in one transaction: each
    cell is checked as if it had been typed alone, the good ones are saved, and a
    bad one or one someone else changed meanwhile is answered, never written.
    One event per changed cell and one mastery recompute for their students.
    Outcomes come in the order of `cells`; a fixed number of queries."""
    if assessment.status != Status.OPEN:
        return [EntryOutcome(None, False, NOT_OPEN) for _ in cells]
    now = timezone.now()
    outcomes: list[EntryOutcome | None] = [None] * len(cells)
    new: dict[int, ItemScore] = {}  # by position in `cells`
    changed: dict[int, ItemScore] = {}
    before: dict[int, ParsedEntry] = {}
    with transaction.atomic():
        if not _still_open(assessment):
            return [EntryOutcome(None, False, NOT_OPEN) for _ in cells]
        current = _locked_scores(cells)
        for index, cell in enumerate(cells):
            score = current.get((cell.item.pk, cell.student.pk))
            try:
                entry = parse_entry(cell.raw, max_points=cell.item.max_points)
            except ValueError as error:
                outcomes[index] = EntryOutcome(score, False, str(error))
                continue
            if score is None and cell.seen_version == 0:
                if entry == BLANK:
                    outcomes[index] = EntryOutcome(None, False)
                    continue
                new[index] = ItemScore(
                    item=cell.item,
                    student=cell.student,
                    points=entry.points,
                    mark=entry.mark,
                    entered_by=actor,
                    updated_at=now,
                )
                before[index] = BLANK
            elif score is None or score.version != cell.seen_version:
                outcomes[index] = _conflict(score)
            elif _value(score) == entry:
                outcomes[index] = EntryOutcome(score, False)
            else:
                before[index] = _value(score)
                _rewrite_cell(score, entry, actor=actor, now=now)
                changed[index] = score
        for index in _insert(new):
            del new[index]
            outcomes[index] = _conflict(
                ItemScore.objects.filter(
                    item=cells[index].item, student=cells[index].student
                )
                .select_related("entered_by")
                .first()
            )
        _rewrite(changed.values())
        written = sorted({*new, *changed})
        events_record(
            [
                _score_event(
                    assessment=assessment,
                    cell=cells[index],
                    before=before[index],
                    after=_value(new.get(index) or changed[index]),
                    actor=actor,
                )
                for index in written
            ]
        )
        for index in written:
            outcomes[index] = EntryOutcome(new.get(index) or changed[index], True)
        if written and assessment.counts_toward_mastery:
            # Results are entered only while an assessment is open, and kept
            # mastery reads finalized results only: finalizing recomputes them.
            _enqueue_recompute({cells[index].student.pk for index in written})
    return outcomes


def _still_open(assessment: CommonAssessment) -> bool:
    """Whether the assessment is open now, read under a share lock held to the
    end of the transaction: finalizing (an update of the row) waits for the
    results being saved, and a save that waited for a finalizing sees it. So
    no result lands after the finalizing that kept mastery counted, whatever
    the page that sent it was loaded with. Saves do not wait for each other."""
    table = connection.ops.quote_name(CommonAssessment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status FROM {table} WHERE id = %s FOR SHARE",  # noqa: S608 (table from _meta)
            [assessment.pk],
        )
        row = cursor.fetchone()
    return row is not None and row[0] == Status.OPEN


def _locked_scores(cells: Sequence[CellEntry]) -> dict[tuple[int, int], ItemScore]:
    """The saved rows of these cells by (item, student), in one query, locked
    until the transaction ends so no one changes them between the version check
    and the write. Locked in id order: two overlapping pastes queue, never
    deadlock."""
    if not cells:
        return {}
    rows = (
        ItemScore.objects.filter(
            item_id__in={cell.item.pk for cell in cells},
            student_id__in={cell.student.pk for cell in cells},
        )
        .select_related("entered_by")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    return {(row.item_id, row.student_id): row for row in rows}


def _value(score: ItemScore) -> ParsedEntry:
    return ParsedEntry(score.points, score.mark)


def _rewrite_cell(score: ItemScore, entry: ParsedEntry, *, actor, now) -> None:
    score.points, score.mark = entry.points, entry.mark
    # The row is locked, so this is the next version and no one else's.
    score.version += 1
    score.entered_by = actor
    score.updated_at = now


def _insert(new: dict[int, ItemScore]) -> list[int]:
    """Insert new cells; return the keys of those someone else created since
    they were read as empty, which stay as that person entered them."""
    if not new:
        return []
    try:
        with transaction.atomic():
            ItemScore.objects.bulk_create(new.values(), batch_size=2000)
        return []
    except IntegrityError:
        pass
    # Rare: find which cells were taken, one savepoint each.
    taken = []
    for key, score in new.items():
        score.pk = None
        try:
            with transaction.atomic():
                score.save(force_insert=True)
        except IntegrityError:
            taken.append(key)
    return taken


def _rewrite(scores: Iterable[ItemScore]) -> None:
    """Write changed cells whose rows this transaction holds locked. An upsert
    on (item, student) always takes its update branch here, and costs one
    statement per 2,000 rows where `bulk_update` grows a CASE per row."""
    ItemScore.objects.bulk_create(
        [
            ItemScore(
                item_id=score.item_id,
                student_id=score.student_id,
                points=score.points,
                mark=score.mark,
                version=score.version,
                entered_by=score.entered_by,
                updated_at=score.updated_at,
            )
            for score in scores
        ],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["item", "student"],
        update_fields=["points", "mark", "version", "entered_by", "updated_at"],
    )


def _score_event(
    *,
    assessment: CommonAssessment,
    cell: CellEntry,
    before: ParsedEntry,
    after: ParsedEntry,
    actor: User,
):
    student, item = cell.student, cell.item
    return event_build(
        type=EventType.SCORE_CHANGED,
        actor=actor,
        team=assessment.team,
        assessment=assessment,
        student=student,
        summary=f"{student.first_name} {student.last_name}, item {item.number} of "
        f"“{assessment.title}”: {in_words(before.points, before.mark)} → "
        f"{in_words(after.points, after.mark)}.",
        before={"points": before.points, "mark": before.mark},
        after={"points": after.points, "mark": after.mark},
        data={"item": {"id": item.pk, "number": item.number}},
    )


def _conflict(current: ItemScore | None) -> EntryOutcome:
    who = current.entered_by.display_name if current and current.entered_by else ""
    return EntryOutcome(
        current,
        False,
        "Changed by someone else"
        + (f" ({who})" if who else "")
        + " while you were typing; their entry is shown. Type yours again to "
        "replace it.",
        conflict=True,
    )


@dataclass(frozen=True)
class RowEntry:
    """One student's entries from an upload: item number → raw text."""

    student: Student
    values: dict[int, str]


def scores_import(
    *, assessment: CommonAssessment, rows: Iterable[RowEntry], actor: User
) -> int:
    """Save an uploaded sheet in one transaction: every cell, or none. An upload
    replaces what was there, so versions move on and open grids notice; a cell
    the sheet leaves as it was is not written again. Returns the number of
    results in the sheet."""
    if assessment.status != Status.OPEN:
        raise ValidationError(NOT_OPEN)
    items = {item.number: item for item in assessment.items.all()}
    cells: list[tuple[CellEntry, ParsedEntry]] = []
    for row in rows:
        for number, raw in row.values.items():
            item = items[number]
            try:
                entry = parse_entry(raw, max_points=item.max_points)
            except ValueError as error:
                raise ValidationError(
                    f"{row.student.local_id}, item {number}: {error}"
                ) from None
            cells.append((CellEntry(item, row.student, raw, 0), entry))
    now = timezone.now()
    new: list[ItemScore] = []
    changed: list[ItemScore] = []
    events = []
    try:
        with transaction.atomic():
            if not _still_open(assessment):
                raise ValidationError(NOT_OPEN)
            current = _locked_scores([cell for cell, _ in cells])
            for cell, entry in cells:
                score = current.get((cell.item.pk, cell.student.pk))
                before = _value(score) if score else BLANK
                if before == entry:
                    continue
                if score is None:
                    score = ItemScore(
                        item=cell.item,
                        student=cell.student,
                        points=entry.points,
                        mark=entry.mark,
                        entered_by=actor,
                        updated_at=now,
                    )
                    new.append(score)
                else:
                    _rewrite_cell(score, entry, actor=actor, now=now)
                    changed.append(score)
                events.append(
                    _score_event(
                        assessment=assessment,
                        cell=cell,
                        before=before,
                        after=entry,
                        actor=actor,
                    )
                )
            # A cell created since the read is someone's entry: refuse the sheet.
            ItemScore.objects.bulk_create(new, batch_size=2000)
            _rewrite(changed)
            counts = {
                "values": len(cells),
                "new": len(new),
                "changed": len(changed),
                "unchanged": len(cells) - len(new) - len(changed),
                "students": len({cell.student.pk for cell, _ in cells}),
            }
            events.append(
                event_build(
                    type=EventType.RESULTS_UPLOADED,
                    actor=actor,
                    team=assessment.team,
                    assessment=assessment,
                    summary=f"Uploaded {counts['values']} results to "
                    f"“{assessment.title}”: {counts['new']} new, "
                    f"{counts['changed']} changed, {counts['unchanged']} "
                    "unchanged.",
                    data=counts,
                )
            )
            events_record(events)
            written = new + changed
            if written and assessment.counts_toward_mastery:
                _enqueue_recompute({score.student_id for score in written})
            if len(written) > ANALYZE_AFTER_ROWS:
                transaction.on_commit(lambda: analyze(ItemScore, StudentMastery))
    except IntegrityError:
        raise ValidationError(
            "Someone entered results in this class while the file was being "
            "saved, so nothing was saved. Upload the file again to see what "
            "changed."
        ) from None
    return len(cells)


# Mastery ---------------------------------------------------------------------


def _enqueue_recompute(student_ids) -> None:
    from accounts.outbox import enqueue
    from assessments.tasks import recompute_mastery

    ids = sorted(
        set(student_ids.values_list("pk", flat=True))
        if hasattr(student_ids, "values_list")
        else set(student_ids)
    )
    for start in range(0, len(ids), 500):
        # In the outbox, so a broker that is down or silent never fails the save.
        enqueue(recompute_mastery, student_ids=ids[start : start + 500])


def mastery_refresh(*, student_ids: Collection[int] | None = None) -> set[int]:
    """Recompute kept mastery from finalized assessments; the ids of the
    students whose mastery changed: a row new, gone, or moved in status, value,
    progress or score count (those rows, and only those, get a new
    `computed_at`).

    With `student_ids`, those students, whether marked due or not; with None,
    every student marked due (`MasteryDirty`), after marking the students of
    outcomes whose team changed the method. Either way the marks of the students
    recomputed are cleared in the transaction that writes their mastery, a batch
    of 2,000 at a time. Safe to run twice, or two at once: they share the marks,
    and the second run finds nothing to change.
    """
    if student_ids is None:
        kept.mark_changed_methods()
        return kept.refresh_marked()
    return kept.refresh_students(student_ids)


def mastery_recompute(*, student_ids: Collection[int]) -> set[int]:
    """These students' kept mastery, now: `mastery_refresh` for given ids."""
    return mastery_refresh(student_ids=student_ids)


def mastery_rebuild(*, school_ids: Collection[int] | None = None) -> kept.Rebuilt:
    """Recompute every student (of these schools) from scratch, in batches of
    2,000, each in its own transaction, so memory stays flat whatever the size
    of the district. For a deploy, a restore or a benchmark; day to day the
    sweep (`mastery_refresh()`) recomputes only the students marked due."""
    return kept.rebuild(school_ids=school_ids)


# Core-instruction triage ------------------------------------------------------


def reteach_items_refresh(*, assessment: CommonAssessment) -> list[ReteachItem]:
    """A reteach item for each section where fewer than the school's threshold
    reached mastery on an outcome of this assessment; idempotent. A retake
    makes none: it is given to the students not yet proficient, so its class
    rates say nothing about the lesson (docs/domain.md, "Core-instruction
    triage")."""
    if assessment.is_retake:
        return []
    threshold = reteach_threshold(assessment.team)
    created = []
    for rate in section_outcome_rates(assessment):
        if rate.percent is None or rate.percent >= threshold:
            continue
        item, made = ReteachItem.objects.get_or_create(
            assessment=assessment,
            section_id=rate.section_id,
            outcome_id=rate.outcome_id,
            defaults={"proficient_percent": rate.percent, "threshold": threshold},
        )
        if made:
            created.append(item)
    return created


def reteach_item_set_done(*, item: ReteachItem, actor: User, done: bool) -> ReteachItem:
    """The class was retaught (or not yet, to undo a slip), with who said so."""
    was_done = item.done_at is not None
    item.done_at = timezone.now() if done else None
    item.done_by = actor if done else None
    with transaction.atomic():
        item.save(update_fields=["done_at", "done_by"])
        event_record(
            type=EventType.RETEACH_DONE if done else EventType.RETEACH_UNDONE,
            actor=actor,
            team=item.assessment.team,
            assessment=item.assessment,
            summary=f"{'Retaught' if done else 'Reopened reteaching of'} "
            f"{item.outcome.code} to {item.section}.",
            before={"done": was_done},
            after={"done": done},
            data={"section_id": item.section_id, "outcome_id": item.outcome_id},
        )
    return item
