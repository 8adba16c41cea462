"""Result entry in the browser: the grid of one class, a cell saved as it is
left, a pasted block saved as one change, and the earlier values of a
student's results."""

import json
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from assessments import selectors, services
from assessments.access import assessment_for, assessment_to_build, entry_section_for
from assessments.models import CommonAssessment
from assessments.selectors import GridCell
from schools.models import Student

Status = CommonAssessment.Status

# More than any class's whole grid; a bigger paste is a mistake, not a class.
MAX_PASTED_CELLS = 2000


@login_required
def entry_grid(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    access = assessment_for(request.user, pk)
    section = entry_section_for(request.user, access, section_pk)
    grid = selectors.entry_grid(assessment=access.assessment, section=section)
    return render(
        request,
        "assessments/grid.html",
        {
            "access": access,
            "grid": grid,
            "section": section,
            "assessment": access.assessment,
            "editable": access.assessment.status == Status.OPEN,
        },
    )


@login_required
@require_POST
def entry_cell(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    """Save one cell; answer with the cell, the student's totals and a status."""
    access = assessment_for(request.user, pk)
    section = entry_section_for(request.user, access, section_pk)
    assessment = access.assessment
    try:
        student_id = int(request.POST["student"])
        item_id = int(request.POST["item"])
        seen = int(request.POST.get("version", 0))
    except (KeyError, ValueError):
        return HttpResponse("The cell sent no student, item or version.", status=400)
    student = get_object_or_404(
        selectors.assessment_students(assessment, sections=[section]), pk=student_id
    )
    item = get_object_or_404(assessment.items.select_related("outcome"), pk=item_id)
    result = services.score_enter(
        assessment=assessment,
        item=item,
        student=student,
        raw=request.POST.get("value", ""),
        seen_version=seen,
        actor=request.user,
    )
    row = selectors.student_row(assessment=assessment, student=student)
    cell = next(c for c in row.cells if c.item.pk == item.pk)
    return render(
        request,
        "assessments/_cell_saved.html",
        {
            "grid_cell": cell,
            "row": row,
            "assessment": assessment,
            "section": section,
            "result": result,
            "typed": request.POST.get("value", ""),
            "editable": True,
        },
    )


class BadPaste(ValueError):
    """The request is not a paste the grid would send."""


def _pasted_cells(data: str) -> list[tuple[int, int, int, str]]:
    """(student id, item id, version seen, text typed) of each pasted cell, from
    the JSON list the grid sends. Raises BadPaste."""
    try:
        cells = json.loads(data)
    except ValueError:
        raise BadPaste("The paste is not readable.") from None
    if not isinstance(cells, list) or not cells:
        raise BadPaste("The paste has no cells.")
    if len(cells) > MAX_PASTED_CELLS:
        raise BadPaste(f"Paste at most {MAX_PASTED_CELLS} values at a time.")
    pasted = []
    for cell in cells:
        try:
            values = (cell["student"], cell["item"], cell["version"], cell["value"])
        except (KeyError, TypeError):
            raise BadPaste("A pasted cell has no student, item or version.") from None
        student, item, version, value = values
        numbers_ok = all(
            type(number) is int and number >= 0 for number in (student, item, version)
        )
        if not numbers_ok or not isinstance(value, str):
            raise BadPaste("A pasted cell has no student, item or version.")
        pasted.append((student, item, version, value))
    if len({(student, item) for student, item, _, _ in pasted}) != len(pasted):
        raise BadPaste("The paste names one cell twice.")
    return pasted


@dataclass(frozen=True)
class PastedCell:
    student: Student
    grid_cell: GridCell
    result: services.EntryOutcome
    typed: str


@login_required
@require_POST
def entry_paste(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    """Save a block pasted into the grid as one change. Answers with every cell
    it covered and the totals of each row it touched, all swapped in out of
    band, so the grid shows what was saved and what to correct."""
    access = assessment_for(request.user, pk)
    section = entry_section_for(request.user, access, section_pk)
    assessment = access.assessment
    try:
        pasted = _pasted_cells(request.POST.get("cells", ""))
    except BadPaste as error:
        return HttpResponse(str(error), status=400)
    students = {
        student.pk: student
        for student in selectors.assessment_students(
            assessment, sections=[section]
        ).filter(pk__in={student for student, _, _, _ in pasted})
    }
    items = {item.pk: item for item in selectors.assessment_items(assessment)}
    if any(s not in students or i not in items for s, i, _, _ in pasted):
        raise Http404("A pasted cell is not in this class's grid.")
    results = services.scores_enter(
        assessment=assessment,
        cells=[
            services.CellEntry(
                item=items[item], student=students[student], raw=raw, seen_version=seen
            )
            for student, item, seen, raw in pasted
        ],
        actor=request.user,
    )
    touched = list(dict.fromkeys(students[student] for student, _, _, _ in pasted))
    rows = selectors.student_rows(assessment=assessment, students=touched)
    cell_of = {
        (row.student.pk, cell.item.pk): cell for row in rows for cell in row.cells
    }
    cells = [
        PastedCell(
            student=students[student],
            grid_cell=cell_of[(student, item)],
            result=result,
            typed=raw,
        )
        for (student, item, _, raw), result in zip(pasted, results, strict=True)
    ]
    return render(
        request,
        "assessments/_cells_pasted.html",
        {
            "cells": cells,
            "rows": rows,
            "assessment": assessment,
            "section": section,
            "editable": True,
            "saved": sum(result.saved for result in results),
            "to_correct": sum(bool(result.error) for result in results),
        },
    )


@login_required
def score_history(
    request: HttpRequest, pk: int, section_pk: int, student_pk: int
) -> HttpResponse:
    """Every change to one student's results on this assessment: who, when,
    from what to what. For the team's lead and the principal, who answer for
    the results; in a dialog over the grid, or as a page without JavaScript."""
    access = assessment_to_build(request.user, pk)
    section = entry_section_for(request.user, access, section_pk)
    assessment = access.assessment
    student = get_object_or_404(
        selectors.assessment_students(assessment, sections=[section]), pk=student_pk
    )
    in_dialog = request.headers.get("HX-Request") == "true"
    return render(
        request,
        "assessments/_score_history.html" if in_dialog else "assessments/history.html",
        {
            "assessment": assessment,
            "section": section,
            "student": student,
            "changes": selectors.score_history(assessment=assessment, student=student),
            "in_dialog": in_dialog,
        },
    )
