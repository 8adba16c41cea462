from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from interventions.caseload import UnknownFilter, caseload_for
from schools.access import roles_of


def counselor_school_ids(user) -> list[int]:
    return sorted({r.school_id for r in roles_of(user) if r.role == Role.COUNSELOR})


@login_required
def caseload(request: HttpRequest) -> HttpResponse:
    """The counselor's open cases, most urgent first, with the next thing to do."""
    school_ids = counselor_school_ids(request.user)
    if not school_ids:
        return render(request, "interventions/caseload_none.html", status=403)
    filters = {
        key: request.GET.get(key, "").strip() for key in ("rung", "course", "grade")
    }
    try:
        data = caseload_for(counselor=request.user, school_ids=school_ids, **filters)
        error = ""
    except UnknownFilter as refused:
        data = caseload_for(counselor=request.user, school_ids=school_ids)
        data.rows = []
        error = str(refused)
    return render(
        request,
        "interventions/caseload.html",
        {"caseload": data, "filters": filters, "filter_error": error},
    )
