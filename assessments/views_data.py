"""The team's data page, its CSV exports and the choice of its data meeting."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from assessments import analysis
from assessments.access import assessment_for, assessment_to_build
from assessments.forms_data import DataMeetingForm
from assessments.meetings import data_meeting_set
from assessments.selectors import data_meeting_choices


@login_required
def data_page(request: HttpRequest, pk: int) -> HttpResponse:
    access = assessment_for(request.user, pk)
    assessment = access.assessment
    page = analysis.data_page(assessment=assessment, viewer=request.user)
    meeting_form = None
    if access.can_build:
        meeting_form = DataMeetingForm(
            initial={"meeting": assessment.data_meeting_id},
            meetings=data_meeting_choices(assessment),
        )
    return render(
        request,
        "assessments/data.html",
        {
            "access": access,
            "assessment": assessment,
            "page": page,
            "data_meeting": assessment.data_meeting,
            "meeting_form": meeting_form,
            "exports": list(analysis.EXPORTS),
        },
    )


@login_required
def data_students(request: HttpRequest, pk: int, which: str, outcome_pk: int):
    """One list of students of the data page, drawn when the reader opens it:
    the table alone for the page's htmx, a page of its own otherwise."""
    access = assessment_for(request.user, pk)
    try:
        page, outcome, statuses = analysis.student_list(
            assessment=access.assessment,
            viewer=request.user,
            which=which,
            outcome_id=outcome_pk,
        )
    except LookupError:
        raise Http404("No such list on this assessment's data page.") from None
    heading = (
        "Not yet proficient" if which == "not-yet" else "Exceeds: ready for extension"
    )
    context = {
        "access": access,
        "assessment": access.assessment,
        "page": page,
        "outcome": outcome,
        "statuses": statuses,
        "heading": heading,
    }
    if request.headers.get("HX-Request"):
        return render(request, "assessments/_data_students_table.html", context)
    return render(request, "assessments/data_students.html", context)


@login_required
def data_export(request: HttpRequest, pk: int, table: str) -> HttpResponse:
    access = assessment_for(request.user, pk)
    if table not in analysis.EXPORTS:
        raise Http404("No such table.")
    assessment = access.assessment
    rows = analysis.data_export(assessment=assessment, viewer=request.user, table=table)
    name = f"{slugify(assessment.title) or 'assessment'}-{table}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # The byte-order mark makes Excel read the file as UTF-8, so names keep
    # their accents.
    response.write("\ufeff")
    csv.writer(response).writerows(rows)
    return response


@login_required
@require_POST
def data_meeting_pick(request: HttpRequest, pk: int) -> HttpResponse:
    access = assessment_to_build(request.user, pk)
    assessment = access.assessment
    form = DataMeetingForm(request.POST, meetings=data_meeting_choices(assessment))
    if not form.is_valid():
        messages.error(request, "Choose one of the team's meetings.")
        return redirect("assessments:data", assessment.pk)
    meeting = form.cleaned_data["meeting"]
    try:
        data_meeting_set(assessment=assessment, meeting=meeting, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            f"Data meeting set to {meeting}." if meeting else "Data meeting cleared.",
        )
    return redirect("assessments:data", assessment.pk)
