"""The dashboards' figures, counted once per change and kept.

Counting a school's dashboard means aggregates over every kept mastery row of
the school, its cases, goals, subgroups and teams' cycles, and drawing some
thousands of cells: about a second for a school of 4,000. Those figures change
only when the data under them changes, so each part is kept in `KeptFigures`
against three things, and used only while all three hold:

- the school's version (`accounts/changes.py`), raised after every change that
  writes the record of change, every change of kept mastery, every daily
  review and roster import, and any edit in the admin site;
- the day it was counted for, since what is overdue, late or current depends
  on the date;
- the layout: a digest of the code and templates that count and draw it, so a
  new release never shows a page drawn by the old one.

The version is read before the data, so a change that commits while a part is
being counted raises the version past the one the part is kept against, and
the next reader counts it again (see `accounts/changes.py`).
"""

from __future__ import annotations

import datetime
import functools
import time
from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accounts.changes import code_digest, versions
from dashboards.models import KeptFigures
from schools.models import School, Term

# What the figures are counted and drawn with: a change to any of them is a new
# layout, and every kept part is counted again.
_SOURCES = (
    "dashboards/*.py",
    "teams/cycle.py",
    "interventions/review_status.py",
    "interventions/group_selectors.py",
    "templates/dashboards/*.html",
    "templates/teams/_cycle*.html",
)


def layout() -> str:
    return code_digest(_SOURCES)


def _usable(kept: KeptFigures | None, version: int, day: datetime.date) -> bool:
    return (
        kept is not None
        and kept.version == version
        and kept.day == day
        and kept.layout == layout()
    )


def _keep(rows: list[KeptFigures]) -> None:
    KeptFigures.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["school", "term", "part"],
        update_fields=[
            "version",
            "day",
            "layout",
            "html",
            "data",
            "counted_at",
            "took_ms",
        ],
    )


def page_context(school: School, term: Term, terms: list[Term]) -> dict:
    """Everything the dashboard's page draws, counted now."""
    from dashboards.equity import equity_for
    from dashboards.goals import goals_for
    from dashboards.school import school_dashboard
    from teams.cycle import cycles_for_school

    return {
        "dashboard": school_dashboard(school, term, terms),
        "goals": goals_for(school.pk, term),
        "equity": equity_for(school.pk, term),
        "cycles": cycles_for_school(school.pk, term),
    }


def school_page(
    school: School,
    term: Term,
    context: Callable[[], dict],
    *,
    today: datetime.date | None = None,
) -> SafeString:
    """The principal's dashboard for this school and term, drawn: the kept
    drawing when nothing under it has changed (two queries), else drawn from
    `context()` (`page_context`) and kept."""
    today = today or timezone.localdate()
    version = versions([school.pk])[school.pk]  # before the data: see above
    kept = KeptFigures.objects.filter(
        school=school, term=term, part=KeptFigures.Part.PAGE
    ).first()
    if _usable(kept, version, today):
        return mark_safe(kept.html)  # noqa: S308 - drawn by our own template
    started = time.monotonic()
    html = render_to_string("dashboards/school_page.html", context())
    _keep(
        [
            KeptFigures(
                school=school,
                term=term,
                part=KeptFigures.Part.PAGE,
                version=version,
                day=today,
                layout=layout(),
                html=html,
                counted_at=timezone.now(),
                took_ms=round((time.monotonic() - started) * 1000),
            )
        ]
    )
    return mark_safe(html)  # noqa: S308 - drawn by our own template


def kept_by_school(
    terms: dict[int, Term],
    count: Callable[[list[int], list[int]], dict[int, tuple[int, int]]],
    *,
    today: datetime.date,
) -> dict[int, tuple[int, int]]:
    """school id → (kept rows, of them proficient) for each school's term:
    kept counts where nothing under them changed, and `count(term ids, school
    ids)` once for all the others, which are then kept. Three queries, four
    when some school is counted again."""
    if not terms:
        return {}
    now_versions = versions(terms)
    kept = {
        row.school_id: row
        for row in KeptFigures.objects.filter(
            school_id__in=list(terms), part=KeptFigures.Part.KEPT
        )
    }
    counts: dict[int, tuple[int, int]] = {}
    stale = []
    for school_id, term in terms.items():
        row = kept.get(school_id)
        if (
            row is not None
            and row.term_id == term.pk
            and _usable(row, now_versions[school_id], today)
        ):
            counts[school_id] = (row.data["kept"], row.data["proficient"])
        else:
            stale.append(school_id)
    if not stale:
        return counts
    started = time.monotonic()
    fresh = count([terms[pk].pk for pk in stale], stale)
    took = round((time.monotonic() - started) * 1000)
    now = timezone.now()
    rows = []
    for school_id in stale:
        n, proficient = fresh.get(school_id, (0, 0))
        counts[school_id] = (n, proficient)
        rows.append(
            KeptFigures(
                school_id=school_id,
                term=terms[school_id],
                part=KeptFigures.Part.KEPT,
                version=now_versions[school_id],
                day=today,
                layout=layout(),
                data={"kept": n, "proficient": proficient},
                counted_at=now,
                took_ms=took,
            )
        )
    # A school's kept row is for one term; another term replaces it.
    KeptFigures.objects.filter(school_id__in=stale, part=KeptFigures.Part.KEPT).exclude(
        term_id__in=[terms[pk].pk for pk in stale]
    ).delete()
    _keep(rows)
    return counts


def count_again(*, today: datetime.date | None = None) -> int:
    """Count again, now, every kept page that is out of date (its school
    changed, the day turned, a new release), so the next person to open it
    does not wait: the periodic task `dashboards.tasks.count_kept_figures`.
    Only pages someone has opened are kept, so only those are counted. The
    number of pages counted."""
    from dashboards.school import terms_of

    today = today or timezone.localdate()
    rows = list(
        KeptFigures.objects.filter(part=KeptFigures.Part.PAGE).select_related(
            "school", "term"
        )
    )
    now_versions = versions({row.school_id for row in rows})
    counted = 0
    for row in rows:
        if _usable(row, now_versions[row.school_id], today):
            continue
        terms = terms_of(row.school)
        school_page(
            row.school,
            row.term,
            functools.partial(page_context, row.school, row.term, terms),
            today=today,
        )
        counted += 1
    return counted + _count_district_again(today)


def _count_district_again(today: datetime.date) -> int:
    """The district's side by side: the kept counts of the schools whose
    version moved, in one aggregate, as the district's page would."""
    from dashboards.school import choose_term, kept_counts_by_school

    school_ids = set(
        KeptFigures.objects.filter(part=KeptFigures.Part.KEPT).values_list(
            "school_id", flat=True
        )
    )
    terms: dict[int, list[Term]] = {}
    for term in Term.objects.filter(school_id__in=school_ids).order_by("-start_date"):
        terms.setdefault(term.school_id, []).append(term)
    current = {
        pk: choose_term(school_terms, None, today=today)
        for pk, school_terms in terms.items()
    }
    stale = []

    def count(term_ids, school_ids):
        stale.extend(school_ids)
        return kept_counts_by_school(term_ids, school_ids, today)

    kept_by_school(current, count, today=today)
    return len(stale)
