"""Results of one class uploaded as a CSV or XLSX file: preview, then confirm."""

import csv
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify

from assessments import selectors, uploads
from assessments.access import assessment_for, entry_section_for
from assessments.analysis import spreadsheet_safe
from assessments.forms_data import UploadForm
from assessments.models import CommonAssessment


def _session_key(assessment_pk: int, section_pk: int) -> str:
    return f"assessment-upload:{assessment_pk}:{section_pk}"


@login_required
def upload(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    access = assessment_for(request.user, pk)
    section = entry_section_for(request.user, access, section_pk)
    assessment = access.assessment
    key = _session_key(assessment.pk, section.pk)
    is_open = assessment.status == CommonAssessment.Status.OPEN
    context = {"assessment": assessment, "section": section, "is_open": is_open}
    if request.method == "POST" and not is_open:
        request.session.pop(key, None)
        messages.error(
            request,
            "Results can be uploaded only while the assessment is open for entry.",
        )
        return redirect("assessments:upload", assessment.pk, section.pk)

    if request.method == "POST" and "confirm" in request.POST:
        stored = request.session.get(key)
        if not stored or not secrets.compare_digest(
            stored["token"], request.POST["confirm"]
        ):
            messages.error(
                request, "This preview is no longer available: upload the file again."
            )
            return redirect("assessments:upload", assessment.pk, section.pk)
        try:
            preview, saved = uploads.upload_save(
                assessment=assessment,
                section=section,
                sheet=uploads.Sheet.from_session(stored["sheet"]),
                actor=request.user,
            )
        except ValidationError as error:
            request.session.pop(key, None)
            for message in error.messages:
                messages.error(request, message)
            return redirect("assessments:upload", assessment.pk, section.pk)
        if saved:
            request.session.pop(key, None)
            messages.success(
                request,
                f"Saved {saved} result{'s' if saved != 1 else ''} from "
                f"{stored['filename']}.",
            )
            return redirect("assessments:grid", assessment.pk, section.pk)
        request.session.pop(key, None)
        return render(
            request,
            "assessments/upload_preview.html",
            {
                **context,
                "preview": preview,
                "filename": stored["filename"],
                "changed": True,
            },
        )

    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            sheet = uploads.sheet_read(upload_file.name, upload_file.read())
        except uploads.UploadError as error:
            form.add_error("file", str(error))
        else:
            preview = uploads.upload_check(
                assessment=assessment, section=section, sheet=sheet
            )
            token = secrets.token_urlsafe(16)
            if preview.is_clean:
                request.session[key] = {
                    "token": token,
                    "filename": upload_file.name[:100],
                    "sheet": sheet.as_session(),
                }
            else:
                request.session.pop(key, None)
            return render(
                request,
                "assessments/upload_preview.html",
                {
                    **context,
                    "preview": preview,
                    "filename": upload_file.name,
                    "token": token,
                },
            )
    return render(
        request,
        "assessments/upload.html",
        {**context, "form": form, "items": selectors.assessment_items(assessment)},
    )


@login_required
def upload_template(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    """A sheet to fill in: the class's students down, the items across."""
    access = assessment_for(request.user, pk)
    section = entry_section_for(request.user, access, section_pk)
    assessment = access.assessment
    items = selectors.assessment_items(assessment)
    students = selectors.result_sheet_students(assessment=assessment, section=section)
    name = f"{slugify(assessment.title)}-{slugify(section.name)}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        ["Student ID", "Last name", "First name"] + [str(i.number) for i in items]
    )
    for student in students:
        writer.writerow(
            [
                spreadsheet_safe(value)
                for value in (
                    student.local_id,
                    student.last_name,
                    student.preferred_name or student.first_name,
                )
            ]
            + [""] * len(items)
        )
    return response
