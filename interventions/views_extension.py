from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from interventions.extension import extension_candidates
from schools.access import roles_of, school_for


@login_required
def extension(request: HttpRequest, school_pk: int) -> HttpResponse:
    """Students who exceed, listed for extension; the principal places them."""
    school = school_for(request.user, school_pk)
    is_principal = any(
        r.role == Role.PRINCIPAL and r.school_id == school.pk
        for r in roles_of(request.user)
    )
    data = extension_candidates(user=request.user, school_id=school.pk)
    return render(
        request,
        "interventions/extension.html",
        {"school": school, "data": data, "can_place": is_principal},
    )
