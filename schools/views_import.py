"""Roster import in the browser: upload, live progress, result, history."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from schools import imports
from schools.forms_import import RosterUploadForm
from schools.oneroster.importer import DATA_FILES as FILE_ORDER

RUNS_PER_PAGE = 25


def _targets_or_403(user):
    targets = imports.import_targets_for(user)
    if not targets:
        raise PermissionDenied("Roster import is for district admins and principals.")
    return targets


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    targets = _targets_or_403(request.user)
    form = RosterUploadForm(
        request.POST or None, request.FILES or None, targets=targets
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        run = imports.import_run_create(
            user=request.user,
            target=form.cleaned_data["target"],
            file_name=upload.name,
            data=upload.read(),
            request=request,
        )
        return redirect(run)
    recent = imports.import_runs_for(request.user)[:5]
    return render(
        request, "schools/import_upload.html", {"form": form, "recent": recent}
    )


@login_required
@require_GET
def import_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _targets_or_403(request.user)
    run = imports.import_run_for(request.user, pk)
    return render(request, "schools/import_run.html", _run_context(run))


@login_required
@require_GET
def import_run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment htmx polls; it stops polling once the run is done."""
    _targets_or_403(request.user)
    run = imports.import_run_for(request.user, pk)
    context = _run_context(run)
    context["announce"] = request.GET.get("seen") != run.stage
    return render(request, "schools/import_status.html", context)


@login_required
@require_GET
def import_history(request: HttpRequest) -> HttpResponse:
    _targets_or_403(request.user)
    runs = imports.import_runs_for(request.user)
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "schools/import_history.html", {"page": page})


ENTITY_LABELS = {
    "districts": "Districts",
    "schools": "Schools",
    "terms": "Terms",
    "courses": "Courses",
    "sections": "Classes (sections)",
    "students": "Students",
    "staff": "Staff accounts",
    "staff_roles": "Staff roles",
    "guardians": "Guardians",
    "guardian_links": "Guardian–student links",
    "enrollments": "Student enrollments",
    "teacher_assignments": "Teacher assignments",
    "demographics": "Demographics",
}


def _run_context(run) -> dict:
    report = run.report or {}
    # The report sits in a jsonb column, which does not keep key order.
    stored = report.get("counts", {})
    counts = [
        {"label": label, **stored[name]}
        for name, label in ENTITY_LABELS.items()
        if name in stored
    ]
    files = report.get("files", {})
    files = [(name, files[name]) for name in FILE_ORDER if name in files]
    return {
        "run": run,
        "report": report,
        "counts": counts,
        "files": files,
        "summary": imports.import_summary(report) if run.is_finished else "",
    }
