"""The principal's dashboard, its drill-downs and exports, and the district's.

Thin views: find the school through the access layer (a school outside the
person's reach answers 404), refuse the staff of the school who are not its
principal (403), read through `school.py`, `measures.py` or `district.py`, and
render. Exports are formula-safe CSV (`assessments.analysis.spreadsheet_safe`).
"""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify

from assessments.analysis import spreadsheet_safe
from dashboards import district as district_reads
from dashboards import exports, figures, measures
from dashboards.school import (
    choose_term,
    may_open_dashboard,
    principal_school_ids,
    terms_of,
)
from schools.access import school_for
from schools.access_log import note_students

DRILL_PAGE = 100


def _school_and_term(request: HttpRequest, school_id: int):
    school = school_for(request.user, school_id)
    if not may_open_dashboard(request.user, school):
        raise PermissionDenied("Only the school's principal opens its dashboard.")
    terms = terms_of(school)
    term = choose_term(terms, request.GET.get("term", "").strip() or None)
    return school, term, terms


def csv_response(filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return response


@login_required
def school(request: HttpRequest, school_id: int) -> HttpResponse:
    school, term, terms = _school_and_term(request, school_id)
    page = figures.school_page(
        school, term, lambda: figures.page_context(school, term, terms)
    )
    return render(request, "dashboards/school.html", {"school": school, "page": page})


@login_required
def school_export(request: HttpRequest, school_id: int, table: str) -> HttpResponse:
    school, term, terms = _school_and_term(request, school_id)
    if table not in exports.SCHOOL_TABLES:
        raise Http404("No such table.")
    header, rows = exports.school_table(school, term, terms, table)
    name = f"{slugify(school.name)}-{slugify(term.name)}-{table}.csv"
    return csv_response(name, header, rows)


@login_required
def drilldown(request: HttpRequest, school_id: int) -> HttpResponse:
    school, term, _ = _school_and_term(request, school_id)
    as_csv = request.GET.get("format") == "csv"
    try:
        drill = measures.drilldown(
            user=request.user, school=school, term=term, params=request.GET
        )
    except measures.BadFilter as error:
        return render(
            request,
            "dashboards/drilldown.html",
            {"school": school, "term": term, "error": str(error)},
            status=400,
        )
    if as_csv:
        every_row = drill.all_rows()
        note_students(
            [r.student for r in every_row], what=f"{drill.title} export", export=True
        )
        header = ["Student ID", "Name", "Grade", "Course", "Section", drill.value_label]
        rows = [
            [
                r.student.local_id,
                f"{r.student.last_name}, {r.student.first_name}",
                r.student.grade_label,
                r.course,
                r.section,
                r.value,
            ]
            for r in every_row
        ]
        name = f"{slugify(school.name)}-{slugify(drill.measure)}-students.csv"
        return csv_response(name, header, rows)
    page = Paginator(drill.rows, DRILL_PAGE).get_page(request.GET.get("page"))
    note_students([row.student for row in page], what=drill.title)
    query = request.GET.copy()
    query.pop("page", None)
    csv_query = query.copy()
    csv_query["format"] = "csv"
    return render(
        request,
        "dashboards/drilldown.html",
        {
            "school": school,
            "term": term,
            "drill": drill,
            "page": page,
            "query": query.urlencode(),
            "csv_query": csv_query.urlencode(),
        },
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The nav's "Dashboard": a principal's school (the first, for someone who
    leads several), else a district admin's district."""
    schools = principal_school_ids(request.user)
    if schools:
        return redirect("dashboards:school", school_id=schools[0])
    if district_reads.district_ids_of(request.user):
        return redirect("dashboards:district")
    raise PermissionDenied("Only principals and district admins have a dashboard.")


@login_required
def district(request: HttpRequest) -> HttpResponse:
    if not district_reads.district_ids_of(request.user):
        raise PermissionDenied("Only a district admin opens the district dashboard.")
    board = district_reads.district_dashboard(
        request.user, sort=request.GET.get("sort", ""), order=request.GET.get("dir", "")
    )
    if request.GET.get("format") == "csv":
        header, rows = exports.district_table(board)
        return csv_response("district-schools.csv", header, rows)
    return render(request, "dashboards/district.html", {"board": board})
