"""What the case page reads (docs/domain.md, "Cases"). Nothing here writes.

`case_page` gathers everything one case shows in a fixed number of queries,
however long its history: the timeline is the newest events only, with a count
and a link to the full, paginated history.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.models import Event, User
from assessments.mastery import NO_EVIDENCE
from assessments.models import StudentMastery
from interventions.access import CaseAccess
from interventions.models import (
    Case,
    CaseAction,
    CaseNote,
    CaseOutcome,
    Contract,
    ParentContact,
    Placement,
    ProgressCheck,
    Rung,
    Signature,
)
from interventions.selectors import Fidelity, fidelity
from schools.access import students_for
from schools.models import Guardian
from teams.models import MasteryMethod

MASTERY_LABELS = {
    **dict(StudentMastery.Status.choices),
    NO_EVIDENCE: "No evidence yet",
}
METHOD_LABELS = dict(MasteryMethod.choices)
ONE_DECIMAL = Decimal("0.1")
# Open actions due within this many days are listed; later ones are folded.
DUE_SOON_DAYS = 7
# The newest events shown on the case page; the rest are a click away.
TIMELINE_SIZE = 20
CONTRACT_PARTIES = tuple(Signature.Party(p) for p in Signature.REQUIRED)


@dataclass(frozen=True)
class OutcomeRow:
    """An outcome that opened the case, with the mastery that flagged it, in
    words, as it was then."""

    case_outcome: CaseOutcome
    value: str
    status: str
    method: str
    calculation: str
    assessment: str

    @classmethod
    def of(cls, case_outcome: CaseOutcome) -> OutcomeRow:
        snap = case_outcome.snapshot or {}
        value = snap.get("value")
        status = snap.get("status") or ""
        method = snap.get("method") or ""
        return cls(
            case_outcome=case_outcome,
            # To one decimal, as every other percent of mastery is shown.
            value=""
            if value is None
            else f"{Decimal(str(value)).quantize(ONE_DECIMAL, ROUND_HALF_UP)}%",
            status=MASTERY_LABELS.get(status, status.replace("_", " ")),
            method=METHOD_LABELS.get(method, method.replace("_", " ")),
            calculation=snap.get("calculation") or "",
            assessment=snap.get("assessment") or "",
        )


@dataclass(frozen=True)
class ActionRow:
    action: CaseAction
    can_mark: bool
    is_overdue: bool
    is_mine: bool


@dataclass(frozen=True)
class RungActions:
    """The actions one rung required of the case."""

    rung: Rung
    is_current: bool
    rows: list[ActionRow]
    # Actions not due for a while (the weeks ahead of a weekly check), folded
    # away so the list opens on what is due now.
    later: list[ActionRow]

    @property
    def total(self) -> int:
        return len(self.rows) + len(self.later)

    @property
    def done(self) -> int:
        return sum(1 for row in self.rows if row.action.is_done)

    @property
    def overdue(self) -> int:
        return sum(1 for row in self.rows if row.is_overdue)


@dataclass(frozen=True)
class NoteRow:
    """A note as this reader may see it: a restricted note without its text."""

    note: CaseNote
    restricted: bool


@dataclass(frozen=True)
class ContractRow:
    contract: Contract
    signatures: list[Signature]
    unsigned: list[str]

    @property
    def is_signed(self) -> bool:
        return not self.unsigned


@dataclass(frozen=True)
class CasePage:
    outcomes: list[OutcomeRow]
    action_groups: list[RungActions]
    checks: list[ProgressCheck]
    contacts: list[ParentContact]
    notes: list[NoteRow]
    contracts: list[ContractRow]
    placements: list[Placement]
    fidelity: Fidelity
    events: list[Event]
    event_count: int
    can_see_student: bool
    is_review_overdue: bool

    @property
    def more_events(self) -> int:
        return max(0, self.event_count - len(self.events))


def action_rows(
    actions, *, access: CaseAccess, user: User, today: datetime.date
) -> list[ActionRow]:
    return [
        ActionRow(
            action=action,
            can_mark=access.can_manage or action.owner_id == user.pk,
            # What an ended case left undone is nobody's work any more.
            is_overdue=access.case.is_open and action.is_overdue(today),
            is_mine=action.owner_id == user.pk,
        )
        for action in actions
    ]


def _action_groups(
    case: Case, *, access: CaseAccess, user: User, today: datetime.date
) -> list[RungActions]:
    actions = list(
        case.actions.select_related("rung", "owner", "done_by").order_by("due_on", "pk")
    )
    by_rung: dict[int, list[CaseAction]] = {}
    for action in actions:
        by_rung.setdefault(action.rung_id, []).append(action)
    # The rung the case stands on first, then the rungs it left, latest first.
    order = sorted(
        by_rung,
        key=lambda rung_id: (
            rung_id != case.rung_id,
            -max(a.pk for a in by_rung[rung_id]),
        ),
    )
    horizon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    groups = []
    for rung_id in order:
        rows = action_rows(by_rung[rung_id], access=access, user=user, today=today)
        is_current = rung_id == case.rung_id
        later = [
            row
            for row in rows
            if is_current and not row.action.is_done and row.action.due_on > horizon
        ]
        groups.append(
            RungActions(
                rung=by_rung[rung_id][0].rung,
                is_current=is_current,
                rows=[row for row in rows if row not in later],
                later=later,
            )
        )
    return groups


def _contract_rows(contracts) -> list[ContractRow]:
    contracts = contracts.prefetch_related(
        Prefetch(
            "signatures",
            queryset=Signature.objects.select_related("guardian").order_by(
                "signed_on", "pk"
            ),
        )
    )
    rows = []
    for contract in contracts:
        signatures = list(contract.signatures.all())
        parties = {s.party for s in signatures}
        rows.append(
            ContractRow(
                contract=contract,
                signatures=signatures,
                unsigned=[
                    Signature.Party(p).label
                    for p in CONTRACT_PARTIES
                    if p not in parties
                ],
            )
        )
    return rows


def _placements(case: Case) -> list[Placement]:
    """The groups the case holds a seat in or waits for, with the number of
    students ahead of it on a waitlist."""
    ahead = (
        Placement.objects.filter(
            group=OuterRef("group"), status=Placement.Status.WAITLISTED
        )
        .filter(
            Q(requested_at__lt=OuterRef("requested_at"))
            | Q(requested_at=OuterRef("requested_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        case.placements.exclude(status=Placement.Status.ENDED)
        .select_related("group__supervisor")
        .annotate(ahead=Coalesce(Subquery(ahead), Value(0)))
        .order_by("requested_at", "pk")
    )


def case_page(
    access: CaseAccess, *, user: User, today: datetime.date | None = None
) -> CasePage:
    today = today or timezone.localdate()
    case = access.case
    events = Event.objects.filter(case=case).select_related("actor")
    notes = case.notes.select_related("by")
    return CasePage(
        outcomes=[OutcomeRow.of(o) for o in case.outcomes.select_related("outcome")],
        action_groups=_action_groups(case, access=access, user=user, today=today),
        checks=list(case.checks.select_related("by")),
        contacts=list(case.contacts.select_related("guardian", "by")),
        notes=[
            NoteRow(note, note.confidential and not access.can_see_confidential)
            for note in notes
        ],
        contracts=_contract_rows(case.contracts.all()),
        placements=_placements(case),
        fidelity=fidelity(case, today=today),
        events=list(events[:TIMELINE_SIZE]),
        event_count=events.count(),
        can_see_student=students_for(user).filter(pk=case.student_id).exists(),
        is_review_overdue=bool(
            case.is_open and case.next_review_on and case.next_review_on < today
        ),
    )


def case_events(case: Case):
    """The case's whole history, newest first, for paging."""
    return Event.objects.filter(case=case).select_related("actor")


def neighbour_rungs(case: Case) -> tuple[Rung | None, Rung | None]:
    """The rungs a move down or up would reach, in one query."""
    rungs = list(
        Rung.objects.filter(school_id=case.school_id, is_active=True).order_by(
            "position"
        )
    )
    position = case.rung.position if case.rung else 0
    lower = [r for r in rungs if r.position < position]
    higher = [r for r in rungs if r.position > position]
    return (lower[-1] if lower else None, higher[0] if higher else None)


def active_guardians(case: Case):
    return Guardian.objects.filter(students=case.student_id, is_active=True).order_by(
        "last_name", "first_name"
    )


@dataclass(frozen=True)
class SignatureLine:
    """One line to sign on the printed contract, with the signature recorded
    for it, if any."""

    party: str
    name: str
    signature: Signature | None


def signature_lines(
    case: Case,
    row: ContractRow,
    *,
    guardians: list[Guardian],
    teacher: User | None,
) -> list[SignatureLine]:
    """Student, each guardian, counselor and teacher, in that order, with who
    actually signed where a signature was recorded."""
    by_party: dict[str, Signature] = {}
    by_guardian: dict[int, Signature] = {}
    for signature in row.signatures:
        if signature.party == Signature.Party.GUARDIAN and signature.guardian_id:
            by_guardian[signature.guardian_id] = signature
        else:
            by_party.setdefault(signature.party, signature)
    student = by_party.get(Signature.Party.STUDENT)
    lines = [
        SignatureLine(
            "Student", student.name if student else case.student.full_name, student
        )
    ]
    guardian_ids = set()
    for guardian in guardians:
        guardian_ids.add(guardian.pk)
        signature = by_guardian.get(guardian.pk)
        lines.append(
            SignatureLine(
                guardian.get_relationship_display(),
                signature.name
                if signature
                else f"{guardian.first_name} {guardian.last_name}",
                signature,
            )
        )
    # A guardian who signed and is no longer on the roster still signed.
    for guardian_id, signature in by_guardian.items():
        if guardian_id not in guardian_ids:
            lines.append(SignatureLine("Parent or guardian", signature.name, signature))
    if not guardians and not by_guardian:
        lines.append(SignatureLine("Parent or guardian", "", None))
    counselor = by_party.get(Signature.Party.COUNSELOR)
    lines.append(
        SignatureLine(
            "Counselor",
            counselor.name
            if counselor
            else (case.counselor.full_name if case.counselor else ""),
            counselor,
        )
    )
    signed_teacher = by_party.get(Signature.Party.TEACHER)
    lines.append(
        SignatureLine(
            "Teacher",
            signed_teacher.name
            if signed_teacher
            else (teacher.full_name if teacher else ""),
            signed_teacher,
        )
    )
    return lines


def contract_for(case: Case, pk: int) -> ContractRow:
    """One of the case's contracts with its signatures; another's answers 404."""
    rows = _contract_rows(case.contracts.filter(pk=pk))
    if not rows:
        raise Http404("No such contract on this case.")
    return rows[0]
