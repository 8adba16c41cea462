"""Reads for the district dashboard: the principal's measures, school by school.

Each measure is one aggregate grouped by school, so the page costs the same
number of queries for 3 schools as for 60 (`tests/test_district.py` pins it).
A district admin sees the schools of their districts only (docs/domain.md,
"Who sees what").
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.models import Role
from assessments.models import DEFAULT_RETEACH_THRESHOLD
from dashboards.figures import kept_by_school
from dashboards.school import (
    ONE_DECIMAL,
    Cell,
    choose_term,
    kept_counts_by_school,
    placement_sql_for,
)
from interventions.models import OPEN_STATUSES, Case, CaseAction, CaseStatus, Placement
from schools.access import roles_of
from schools.models import School, Student, Term

TIERS = (1, 2, 3)


def district_ids_of(user) -> list[int]:
    return sorted(
        {r.district_id for r in roles_of(user) if r.role == Role.DISTRICT_ADMIN}
    )


@dataclass
class SchoolRow:
    school: School
    term: Term | None
    students: int = 0
    kept: Cell = field(default_factory=Cell)
    tiers: dict[int, int] = field(default_factory=dict)  # tier → students
    referred: int = 0
    reviews_overdue: int = 0
    plans_not_delivered: int = 0
    actions_overdue: int = 0
    waiting: int = 0

    @property
    def in_intervention(self) -> int:
        return sum(self.tiers.values()) + self.referred

    @property
    def core(self) -> int:
        return max(self.students - self.in_intervention, 0)

    @property
    def intervention_share(self) -> Decimal | None:
        if not self.students:
            return None
        return (Decimal(self.in_intervention * 100) / self.students).quantize(
            ONE_DECIMAL, rounding=ROUND_HALF_UP
        )

    @property
    def tier_counts(self) -> list[int]:
        return [self.tiers.get(tier, 0) for tier in TIERS]


COLUMNS = (
    ("name", "School"),
    ("students", "Active students"),
    ("proficient", "% proficient"),
    ("core", "Core only"),
    ("tier1", "Tier 1"),
    ("tier2", "Tier 2"),
    ("tier3", "Tier 3"),
    ("referred", "Referred"),
    ("intervention", "% in intervention"),
    ("reviews", "Reviews past due"),
    ("actions", "Case actions past due"),
    ("held", "Plan not delivered"),
    ("waiting", "Waiting for a seat"),
)
_SORT_KEYS = {
    "name": lambda r: r.school.name.lower(),
    "students": lambda r: r.students,
    "proficient": lambda r: (r.kept.percent is not None, r.kept.percent or 0),
    "core": lambda r: r.core,
    "tier1": lambda r: r.tiers.get(1, 0),
    "tier2": lambda r: r.tiers.get(2, 0),
    "tier3": lambda r: r.tiers.get(3, 0),
    "referred": lambda r: r.referred,
    "intervention": lambda r: r.intervention_share or 0,
    "reviews": lambda r: r.reviews_overdue,
    "actions": lambda r: r.actions_overdue,
    "held": lambda r: r.plans_not_delivered,
    "waiting": lambda r: r.waiting,
}


@dataclass
class DistrictBoard:
    rows: list[SchoolRow]
    total: SchoolRow
    sort: str
    descending: bool
    columns: tuple = COLUMNS

    def aria_sort(self, key: str) -> str:
        if key != self.sort:
            return "none"
        return "descending" if self.descending else "ascending"

    @property
    def headers(self) -> list[dict]:
        """Each column: its key, label, aria-sort, and the query that sorts by
        it (the other way round when it is already the sort)."""
        headers = []
        for key, label in self.columns:
            flip = key == self.sort and not self.descending
            headers.append(
                {
                    "key": key,
                    "label": label,
                    "aria_sort": self.aria_sort(key),
                    "query": f"?sort={key}&dir={'desc' if flip else 'asc'}",
                }
            )
        return headers


def district_dashboard(
    user, *, sort: str = "", order: str = "", today: datetime.date | None = None
) -> DistrictBoard:
    """Every school of the admin's districts side by side. Nine queries."""
    today = today or timezone.localdate()
    schools = list(
        School.objects.filter(
            district_id__in=district_ids_of(user), is_active=True
        ).order_by("name")
    )
    ids = [s.pk for s in schools]
    terms_by_school: dict[int, list[Term]] = {}
    for term in Term.objects.filter(school_id__in=ids).order_by("-start_date"):
        terms_by_school.setdefault(term.school_id, []).append(term)
    rows = {}
    for school in schools:
        terms = terms_by_school.get(school.pk, [])
        rows[school.pk] = SchoolRow(
            school, choose_term(terms, None, today=today) if terms else None
        )
    # Each school's own threshold is on its page; side by side, the default.
    threshold = DEFAULT_RETEACH_THRESHOLD
    for row in (
        Student.objects.filter(school_id__in=ids, is_active=True)
        .values("school_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        rows[row["school_id"]].students = row["n"]
    kept = kept_by_school(
        {pk: r.term for pk, r in rows.items() if r.term},
        lambda term_ids, school_ids: kept_counts_by_school(term_ids, school_ids, today),
        today=today,
    )
    for school_id, (n, proficient) in kept.items():
        rows[school_id].kept = Cell(n, proficient, threshold)
    since = {pk: r.term.start_date for pk, r in rows.items() if r.term}
    if since:
        sql, params = placement_sql_for(since)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT school_id, tier, count(*) FROM ({sql}) p "  # noqa: S608
                "GROUP BY school_id, tier",
                params,
            )
            for school_id, tier, n in cursor.fetchall():
                if tier is None:
                    rows[school_id].referred += n
                else:
                    rows[school_id].tiers[tier] = rows[school_id].tiers.get(tier, 0) + n
    for row in (
        Case.objects.filter(
            school_id__in=ids, status__in=OPEN_STATUSES, student__is_active=True
        )
        .values("school_id")
        .annotate(
            reviews=Count("pk", filter=Q(next_review_on__lt=today)),
            held=Count("pk", filter=Q(status=CaseStatus.PLAN_NOT_DELIVERED)),
        )
        .order_by()
    ):
        rows[row["school_id"]].reviews_overdue = row["reviews"]
        rows[row["school_id"]].plans_not_delivered = row["held"]
    for row in (
        CaseAction.objects.filter(
            case__school_id__in=ids,
            case__status__in=OPEN_STATUSES,
            case__student__is_active=True,
            rung_id=F("case__rung_id"),
            done_at__isnull=True,
            due_on__lt=today,
        )
        .values("case__school_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        rows[row["case__school_id"]].actions_overdue = row["n"]
    for row in (
        Placement.objects.filter(
            group__school_id__in=ids, status=Placement.Status.WAITLISTED
        )
        .values("group__school_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        rows[row["group__school_id"]].waiting = row["n"]

    total = SchoolRow(School(name="District total"), None)
    total.kept = Cell(threshold=threshold)
    for row in rows.values():
        total.students += row.students
        total.kept = total.kept + row.kept
        total.referred += row.referred
        for tier, n in row.tiers.items():
            total.tiers[tier] = total.tiers.get(tier, 0) + n
        total.reviews_overdue += row.reviews_overdue
        total.plans_not_delivered += row.plans_not_delivered
        total.actions_overdue += row.actions_overdue
        total.waiting += row.waiting

    if sort not in _SORT_KEYS:
        sort = "name"
    descending = order == "desc"
    ordered = sorted(rows.values(), key=_SORT_KEYS["name"])
    ordered.sort(key=_SORT_KEYS[sort], reverse=descending)
    return DistrictBoard(rows=ordered, total=total, sort=sort, descending=descending)
