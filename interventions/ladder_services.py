"""Changes to how a school is set up for the ladder: the order and retirement
of its rungs, its students' faculty advisors and mentors (one by one or from a
file), and its counselors' caseloads (docs/domain.md, "The intervention ladder"
and "Caseloads").

Adding and editing a rung is `services.rung_save`. Each function here runs in
one transaction and writes its events in it; a `ValidationError` names the
field (or the file's rows) at fault and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.db.models.functions import Lower

from accounts.events import EventType
from accounts.models import User
from accounts.services import event_build, event_record, events_record
from interventions import services
from interventions.ladder_selectors import (
    RuleSpec,
    hand_assigned_ids,
    rule_for,
    rule_label,
    school_counselors,
    school_staff,
)
from interventions.models import Case, CaseloadRule, Rung
from schools.models import School, Student

# The order of the rungs -----------------------------------------------------------


def _order(rungs: Sequence[Rung]) -> list[str]:
    return [r.name for r in rungs]


def _active_rungs_locked(school_id: int) -> list[Rung]:
    return list(
        Rung.objects.select_for_update()
        .filter(school_id=school_id, is_active=True)
        .order_by("position", "pk")
    )


@transaction.atomic
def rung_move(*, rung: Rung, actor: User, direction: str) -> Rung:
    """Swap a rung with the one above or below it. Open cases keep their rung;
    only where the ladder sends a case next changes."""
    rungs = _active_rungs_locked(rung.school_id)
    index = next((i for i, r in enumerate(rungs) if r.pk == rung.pk), None)
    if index is None:
        raise ValidationError("A retired rung has no place on the ladder.")
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Choose up or down."})
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rungs):
        raise ValidationError(
            {
                "direction": f"“{rung.name}” is already the "
                f"{'first' if direction == 'up' else 'last'} rung."
            }
        )
    before = _order(rungs)
    moving, neighbour = rungs[index], rungs[other]
    # Positions are unique among active rungs: park one out of the way first.
    parked = max(r.position for r in rungs) + 1
    Rung.objects.filter(pk=moving.pk).update(position=parked)
    Rung.objects.filter(pk=neighbour.pk).update(position=moving.position)
    Rung.objects.filter(pk=moving.pk).update(position=neighbour.position)
    moving.position, neighbour.position = neighbour.position, moving.position
    rungs[index], rungs[other] = neighbour, moving
    event_record(
        type=EventType.LADDER_CHANGED,
        actor=actor,
        school_id=rung.school_id,
        summary=f"Moved the rung “{moving.name}” {direction}",
        before={"order": before},
        after={"order": _order(rungs)},
        data={"rung_id": moving.pk},
    )
    return moving


@dataclass(frozen=True)
class Retirement:
    rung: Rung
    open_cases: int
    first_rung: Rung  # where new cases open from now on


@transaction.atomic
def rung_retire(*, rung: Rung, actor: User, reason: str) -> Retirement:
    """Take a rung off the ladder, never out of the record: cases on it keep
    what it required when they entered it, and move on from it as before."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": "Say why the rung is retired: the reason is kept on record."}
        )
    rungs = _active_rungs_locked(rung.school_id)
    locked = next((r for r in rungs if r.pk == rung.pk), None)
    if locked is None:
        raise ValidationError("This rung is retired already.")
    rung = locked
    if len(rungs) == 1:
        raise ValidationError(
            "A ladder needs at least one rung: add the rung that replaces this "
            "one, then retire it."
        )
    open_cases = Case.objects.open().filter(rung=rung).count()
    before = _order(rungs)
    Rung.objects.filter(pk=rung.pk).update(is_active=False)
    rung.is_active = False
    remaining = [r for r in rungs if r.pk != rung.pk]
    event_record(
        type=EventType.LADDER_CHANGED,
        actor=actor,
        school_id=rung.school_id,
        summary=f"Retired the rung “{rung.name}”",
        reason=reason,
        before={"order": before, "retired": rung.name, "is_active": True},
        after={"order": _order(remaining), "is_active": False},
        data={"rung_id": rung.pk, "open_cases": open_cases},
    )
    return Retirement(rung=rung, open_cases=open_cases, first_rung=remaining[0])


@transaction.atomic
def rung_restore(*, rung: Rung, actor: User) -> Rung:
    """Bring a retired rung back, at the top of the ladder."""
    rungs = _active_rungs_locked(rung.school_id)
    rung = Rung.objects.select_for_update().get(pk=rung.pk)
    if rung.is_active:
        raise ValidationError("This rung is on the ladder already.")
    before = _order(rungs)
    top = Rung.objects.filter(school_id=rung.school_id, is_active=True).aggregate(
        Max("position")
    )["position__max"]
    rung.position = (top or 0) + 1
    rung.is_active = True
    rung.save(update_fields=["position", "is_active"])
    event_record(
        type=EventType.LADDER_CHANGED,
        actor=actor,
        school_id=rung.school_id,
        summary=f"Brought back the rung “{rung.name}”",
        before={"order": before, "is_active": False},
        after={"order": [*before, rung.name], "is_active": True},
        data={"rung_id": rung.pk},
    )
    return rung


# Faculty advisors and student mentors ------------------------------------------


@transaction.atomic
def student_people_assign(
    *, student: Student, actor: User, advisor: User | None, mentor: Student | None
) -> Student:
    """Set one student's faculty advisor and mentor together: both or neither."""
    services.advisor_assign(student=student, advisor=advisor, actor=actor)
    services.mentor_assign(student=student, mentor=mentor, actor=actor)
    return student


@dataclass(frozen=True)
class AdvisorRow:
    """One row of an advisors file, as written. An empty cell leaves the
    student's advisor or mentor as it is; “none” removes it."""

    line: int
    student_id: str
    advisor_email: str = ""
    mentor_student_id: str = ""


@dataclass(frozen=True)
class AdvisorImport:
    rows: int
    advisors_changed: int
    mentors_changed: int

    @property
    def changed(self) -> int:
        return self.advisors_changed + self.mentors_changed


NONE = "none"
_KEEP = object()


def _staff_by_email(school: School, emails: set[str]) -> dict[str, User]:
    if not emails:
        return {}
    return {
        user.email_lower: user
        for user in school_staff(school)
        .annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
    }


def _mentors_by_id(school: School, ids: set[str]) -> dict[str, Student]:
    if not ids:
        return {}
    return {
        s.local_id: s
        for s in Student.objects.filter(school=school, is_active=True, local_id__in=ids)
    }


@transaction.atomic
def advisors_import(
    *,
    school: School,
    actor: User,
    rows: Sequence[AdvisorRow],
    students: QuerySet[Student],
) -> AdvisorImport:
    """Assign advisors and mentors from a file, all or nothing.

    `students` are those the person may assign (their scoped queryset); an ID
    outside it is unknown, as if it did not exist. Every bad row is reported
    with its number and why; if any row is bad, nothing is saved.
    """
    ids = {row.student_id.strip() for row in rows if row.student_id.strip()}
    visible = students.filter(school=school, is_active=True, local_id__in=ids)
    found = {
        s.local_id: s
        for s in Student.objects.select_for_update()
        .filter(pk__in=visible.values("pk"))
        .order_by("pk")
    }
    emails = {row.advisor_email.strip().lower() for row in rows} - {"", NONE}
    staff = _staff_by_email(school, emails)
    mentor_ids = {row.mentor_student_id.strip() for row in rows} - {"", NONE}
    mentors = _mentors_by_id(school, mentor_ids)

    errors: list[str] = []
    seen: dict[str, int] = {}
    plan: list[tuple[Student, object, object]] = []
    for row in rows:
        where = f"Row {row.line}"
        sid = row.student_id.strip()
        if not sid:
            errors.append(f"{where}: the student_id cell is empty.")
            continue
        if sid in seen:
            errors.append(f"{where}: student ID “{sid}” is already on row {seen[sid]}.")
            continue
        seen[sid] = row.line
        student = found.get(sid)
        if student is None:
            errors.append(f"{where}: unknown student ID “{sid}”.")
            continue
        problems = []
        advisor: object = _KEEP
        email = row.advisor_email.strip().lower()
        if email == NONE:
            advisor = None
        elif email:
            advisor = staff.get(email)
            if advisor is None:
                problems.append(f"advisor “{email}” is not a staff member at {school}")
        mentor: object = _KEEP
        mid = row.mentor_student_id.strip()
        if mid.lower() == NONE:
            mentor = None
        elif mid:
            mentor = mentors.get(mid)
            if mentor is None:
                problems.append(f"unknown mentor student ID “{mid}”")
            elif mentor.pk == student.pk:
                problems.append("a student cannot mentor themselves")
            elif mentor.grade_level is None or student.grade_level is None:
                problems.append(
                    f"mentor “{mid}” or the student has no grade level on the "
                    "roster; a mentor is in a higher grade"
                )
            elif mentor.grade_level <= student.grade_level:
                problems.append(
                    f"mentor “{mid}” is in grade {mentor.grade_label}, not older "
                    f"than the student (grade {student.grade_label}); a mentor is "
                    "in a higher grade"
                )
        if problems:
            errors.append(f"{where}: " + "; ".join(problems) + ".")
            continue
        plan.append((student, advisor, mentor))
    if errors:
        raise ValidationError(errors)

    events, changed_students = [], []
    advisors_changed = mentors_changed = 0
    for student, advisor, mentor in plan:
        changed = False
        if advisor is not _KEEP and student.faculty_advisor_id != _pk(advisor):
            events.append(
                event_build(
                    type=EventType.ADVISOR_ASSIGNED,
                    actor=actor,
                    student=student,
                    summary=f"Faculty advisor: {advisor or 'none'}",
                    before={"advisor_id": student.faculty_advisor_id},
                    after={"advisor_id": _pk(advisor)},
                    data={"source": "file"},
                )
            )
            student.faculty_advisor = advisor
            advisors_changed += 1
            changed = True
        if mentor is not _KEEP and student.mentor_id != _pk(mentor):
            events.append(
                event_build(
                    type=EventType.MENTOR_ASSIGNED,
                    actor=actor,
                    student=student,
                    summary="Student mentor: "
                    + (mentor.full_name if mentor else "none"),
                    before={"mentor_id": student.mentor_id},
                    after={"mentor_id": _pk(mentor)},
                    data={"source": "file"},
                )
            )
            student.mentor = mentor
            mentors_changed += 1
            changed = True
        if changed:
            changed_students.append(student)
    Student.objects.bulk_update(
        changed_students, ["faculty_advisor", "mentor"], batch_size=1000
    )
    events_record(events)
    return AdvisorImport(
        rows=len(plan),
        advisors_changed=advisors_changed,
        mentors_changed=mentors_changed,
    )


def _pk(obj) -> int | None:
    return obj.pk if obj is not None else None


# Caseloads ---------------------------------------------------------------------


def _rule_values(rule) -> dict:
    return {
        "counselor_id": rule.counselor_id,
        "last_name_from": rule.last_name_from,
        "last_name_to": rule.last_name_to,
        "grade_level": rule.grade_level,
    }


def check_rules(school: School, rules: Sequence[RuleSpec]) -> None:
    """Every rule names one of the school's counselors and a range, a grade or
    both; a range runs forwards; no student matches two rules."""
    counselors = set(school_counselors(school).values_list("pk", flat=True))
    errors = []
    numbered = [(rule.row or n, rule) for n, rule in enumerate(rules, start=1)]
    for number, rule in numbered:
        if rule.counselor_id not in counselors:
            errors.append(f"Rule {number}: choose one of the school's counselors.")
        if rule.is_empty:
            errors.append(f"Rule {number}: give a last-name range, a grade, or both.")
        elif rule.runs_backwards:
            errors.append(
                f"Rule {number}: the range {rule_label(rule)} runs backwards; "
                "put the earlier letter first."
            )
    for (i, a), (j, b) in combinations(numbered, 2):
        if a.runs_backwards or b.runs_backwards:
            continue
        if a.overlaps(b):
            errors.append(
                f"Rules {i} and {j} overlap: some students are in both "
                f"“{rule_label(a)}” and “{rule_label(b)}”. A student has one "
                "counselor; narrow a range or give each rule a grade."
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def caseload_rules_replace(
    *, school: School, actor: User, rules: Sequence[RuleSpec]
) -> list[CaseloadRule]:
    """Replace the school's caseload rules with these. Students' counselors
    change only when the rules are applied."""
    School.objects.select_for_update().filter(pk=school.pk).first()
    check_rules(school, rules)
    old = list(CaseloadRule.objects.filter(school=school).order_by("pk"))
    before = [_rule_values(r) for r in old]
    after = [_rule_values(r) for r in rules]
    if sorted(before, key=repr) == sorted(after, key=repr):
        return old
    CaseloadRule.objects.filter(school=school).delete()
    saved = CaseloadRule.objects.bulk_create(
        [
            CaseloadRule(
                school=school,
                counselor_id=r.counselor_id,
                last_name_from=r.last_name_from.strip(),
                last_name_to=r.last_name_to.strip(),
                grade_level=r.grade_level,
            )
            for r in rules
        ]
    )
    event_record(
        type=EventType.CASELOAD_RULES_CHANGED,
        actor=actor,
        school=school,
        summary=f"Caseload rules: {len(rules)} rule{'s' if len(rules) != 1 else ''}",
        before={"rules": before},
        after={"rules": after},
    )
    return saved


@dataclass(frozen=True)
class CaseloadApplied:
    changed: int
    unchanged: int
    kept_by_hand: int
    not_covered: int


@transaction.atomic
def caseload_apply(*, school: School, actor: User) -> CaseloadApplied:
    """Set each active student's counselor from the rule that covers them.
    A counselor chosen by hand for one student stays; a student no rule covers
    keeps theirs."""
    School.objects.select_for_update().filter(pk=school.pk).first()
    rules = list(CaseloadRule.objects.filter(school=school).select_related("counselor"))
    if not rules:
        raise ValidationError("There are no caseload rules to apply; add one first.")
    specs = [(RuleSpec.of(r), r) for r in rules]
    hand = hand_assigned_ids(school.pk)
    students = list(
        Student.objects.select_for_update()
        .filter(school=school, is_active=True)
        .only(
            "pk",
            "school_id",
            "local_id",
            "first_name",
            "preferred_name",
            "last_name",
            "grade_level",
            "counselor_id",
        )
        .order_by("pk")
    )
    moves: dict[int, list[int]] = {}
    events = []
    unchanged = kept = not_covered = 0
    for student in students:
        if student.pk in hand:
            kept += 1
            continue
        match = next(
            (
                rule
                for spec, rule in specs
                if spec.covers(student.last_name, student.grade_level)
            ),
            None,
        )
        if match is None:
            not_covered += 1
            continue
        if student.counselor_id == match.counselor_id:
            unchanged += 1
            continue
        moves.setdefault(match.counselor_id, []).append(student.pk)
        events.append(
            event_build(
                type=EventType.COUNSELOR_ASSIGNED,
                actor=actor,
                school=school,
                student=student,
                summary=f"Counselor: {match.counselor} (caseload rule "
                f"{rule_label(match)})",
                before={"counselor_id": student.counselor_id},
                after={"counselor_id": match.counselor_id},
                data={"by_hand": False, "rule": rule_label(match)},
            )
        )
    for counselor_id, ids in moves.items():
        Student.objects.filter(pk__in=ids).update(counselor_id=counselor_id)
    events_record(events)
    return CaseloadApplied(
        changed=len(events),
        unchanged=unchanged,
        kept_by_hand=kept,
        not_covered=not_covered,
    )


@transaction.atomic
def counselor_assign(
    *,
    student: Student,
    actor: User,
    counselor: User | None = None,
    follow_rules: bool = False,
) -> Student:
    """Choose one student's counselor by hand (the rules then leave them be),
    or hand the student back to the rules."""
    school = student.school
    student = Student.objects.select_for_update().get(pk=student.pk)
    was_by_hand = student.pk in hand_assigned_ids(school.pk)
    old = student.counselor_id
    if follow_rules:
        specs = [
            RuleSpec.of(r)
            for r in CaseloadRule.objects.filter(school=school).order_by("pk")
        ]
        rule = rule_for(specs, student.last_name, student.grade_level)
        new = rule.counselor_id if rule else old
        summary = (
            f"Counselor follows the caseload rules ({rule_label(rule)})"
            if rule
            else "Counselor follows the caseload rules; none covers the student yet"
        )
    else:
        if (
            counselor is None
            or not school_counselors(school).filter(pk=counselor.pk).exists()
        ):
            raise ValidationError(
                {"counselor": "Choose one of the school's counselors."}
            )
        new = counselor.pk
        summary = f"Counselor chosen by hand: {counselor}"
    if new == old and was_by_hand == (not follow_rules):
        return student
    Student.objects.filter(pk=student.pk).update(counselor_id=new)
    student.counselor_id = new
    event_record(
        type=EventType.COUNSELOR_ASSIGNED,
        actor=actor,
        school=school,
        student=student,
        summary=summary,
        before={"counselor_id": old, "by_hand": was_by_hand},
        after={"counselor_id": new, "by_hand": not follow_rules},
        data={"by_hand": not follow_rules},
    )
    return student
