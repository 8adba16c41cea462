"""The student's story page and their record of access (docs/domain.md, "Who
sees what" and "The record of access")."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify

from dashboards import story


@login_required
def student_story(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request,
        "dashboards/story.html",
        {"story": story.student_story(user=request.user, pk=pk)},
    )


@login_required
def student_access_record(request: HttpRequest, pk: int) -> HttpResponse:
    student = story.access_record_student_for(request.user, pk)
    page = story.access_record_page(student=student, number=request.GET.get("page"))
    return render(
        request,
        "dashboards/access_record.html",
        {"student": student, "page": page},
    )


class _Echo:
    """A file-like object `csv.writer` writes each row to, handing it back."""

    def write(self, value: str) -> str:
        return value


@login_required
def student_access_record_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    student = story.access_record_student_for(request.user, pk)
    rows = story.access_record_export(student=student)
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    name = slugify(f"record-of-access-{student.local_id}-{timezone.localdate()}")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
