"""The ladder, advisors and caseload pages of a school. Each view finds its
school through `ladder_selectors` (a school outside a person's reach answers
404), validates a form, calls one service, and redirects or renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from interventions import ladder_selectors as selectors
from interventions import ladder_services, services
from interventions.forms_ladder import (
    AdviseeForm,
    AdviseeSearchForm,
    AdvisorUploadForm,
    CaseloadRuleFormSet,
    RetireForm,
    RungActionFormSet,
    RungForm,
    StudentCounselorForm,
    action_initial,
    action_specs,
    rule_specs,
)
from schools.access import students_for

ADVISEES_PER_PAGE = 25


def _apply_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _flash_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# The ladder ------------------------------------------------------------------------


@login_required
def ladder_home(request: HttpRequest) -> HttpResponse:
    schools = list(selectors.ladder_schools(request.user))
    if len(schools) == 1:
        return redirect("interventions:ladder", schools[0].pk)
    return render(request, "interventions/ladder_schools.html", {"schools": schools})


def _ladder_context(setup, **extra) -> dict:
    return {
        "setup": setup,
        "school": setup.school,
        "ladder": selectors.ladder(setup.school),
        **extra,
    }


@login_required
def ladder(request: HttpRequest, school_pk: int) -> HttpResponse:
    setup = selectors.ladder_school_for(request.user, school_pk)
    return render(request, "interventions/ladder.html", _ladder_context(setup))


@login_required
@require_POST
def ladder_install(request: HttpRequest, school_pk: int) -> HttpResponse:
    setup = selectors.ladder_school_to_edit(request.user, school_pk)
    rungs = services.ladder_install_default(school=setup.school, actor=request.user)
    messages.success(
        request,
        f"The ladder is set up with {len(rungs)} rungs. Edit any of them to fit "
        "the school.",
    )
    return redirect("interventions:ladder", setup.school.pk)


def _rung_form_page(request, setup, rung=None) -> HttpResponse:
    initial = None
    if rung is not None:
        initial = {
            "name": rung.name,
            "tier": rung.tier,
            "description": rung.description,
            "review_days": rung.review_days,
            "group_kind": rung.group_kind,
            "sends_parent_notice": rung.sends_parent_notice,
            "needs_contract": rung.needs_contract,
        }
    form = RungForm(request.POST or None, initial=initial)
    actions = RungActionFormSet(
        request.POST or None,
        initial=action_initial(rung) if rung else None,
        prefix="actions",
    )
    if request.method == "POST" and form.is_valid() and actions.is_valid():
        try:
            saved = services.rung_save(
                school=setup.school,
                actor=request.user,
                rung=rung,
                actions=action_specs(actions),
                **form.cleaned_data,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                f"“{saved.name}” saved. Cases already on it keep what it required "
                "when they entered it.",
            )
            url = reverse("interventions:ladder", args=[setup.school.pk])
            return redirect(f"{url}#rung-{saved.pk}")
    return render(
        request,
        "interventions/ladder_rung_form.html",
        {
            "setup": setup,
            "school": setup.school,
            "rung": rung,
            "form": form,
            "actions": actions,
            "retire_form": RetireForm() if rung is not None else None,
        },
    )


@login_required
def rung_add(request: HttpRequest, school_pk: int) -> HttpResponse:
    setup = selectors.ladder_school_to_edit(request.user, school_pk)
    return _rung_form_page(request, setup)


@login_required
def rung_edit(request: HttpRequest, school_pk: int, rung_pk: int) -> HttpResponse:
    setup = selectors.ladder_school_to_edit(request.user, school_pk)
    rung = selectors.rung_for(setup, rung_pk)
    return _rung_form_page(request, setup, rung)


@login_required
@require_POST
def rung_move(request: HttpRequest, school_pk: int, rung_pk: int) -> HttpResponse:
    setup = selectors.ladder_school_to_edit(request.user, school_pk)
    rung = selectors.rung_for(setup, rung_pk)
    direction = request.POST.get("direction", "")
    try:
        ladder_services.rung_move(rung=rung, actor=request.user, direction=direction)
    except ValidationError as error:
        if not _is_htmx(request):
            _flash_errors(request, error)
            return redirect("interventions:ladder", setup.school.pk)
        context = _ladder_context(setup, ladder_error=" ".join(error.messages))
    else:
        context = _ladder_context(setup, moved=rung.pk, moved_direction=direction)
        if not _is_htmx(request):
            messages.success(request, f"Moved “{rung.name}” {direction}.")
            url = reverse("interventions:ladder", args=[setup.school.pk])
            return redirect(f"{url}#rung-{rung.pk}")
    return render(request, "interventions/_ladder_rungs.html", context)


@login_required
@require_POST
def rung_retire(request: HttpRequest, school_pk: int, rung_pk: int) -> HttpResponse:
    setup = selectors.ladder_school_to_edit(request.user, school_pk)
    rung = selectors.rung_for(setup, rung_pk)
    form = RetireForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        retired = ladder_services.rung_retire(
            rung=rung, actor=request.user, reason=reason
        )
    except ValidationError as error:
        _flash_errors(request, error)
        return redirect("interventions:ladder_rung_edit", setup.school.pk, rung.pk)
    cases = retired.open_cases
    messages.success(
        request,
        f"“{rung.name}” is retired. "
        + (
            f"{cases} open case{'s' if cases != 1 else ''} stay on it with what it "
            "required, and move on from it as before. "
            if cases
            else "No open case stood on it. "
        )
        + f"New cases open at “{retired.first_rung.name}”.",
    )
    return redirect("interventions:ladder", setup.school.pk)


@login_required
@require_POST
def rung_restore(request: HttpRequest, school_pk: int, rung_pk: int) -> HttpResponse:
    setup = selectors.ladder_school_to_edit(request.user, school_pk)
    rung = selectors.rung_for(setup, rung_pk)
    try:
        ladder_services.rung_restore(rung=rung, actor=request.user)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(
            request, f"“{rung.name}” is back, at the top of the ladder; move it."
        )
    url = reverse("interventions:ladder", args=[setup.school.pk])
    return redirect(f"{url}#rung-{rung.pk}")


# Faculty advisors and student mentors ------------------------------------------


@login_required
def advisors(request: HttpRequest, school_pk: int) -> HttpResponse:
    setup = selectors.people_school_for(request.user, school_pk)
    search = AdviseeSearchForm(request.GET or None)
    query, without_advisor = "", False
    if search.is_valid():
        query = search.cleaned_data["q"].strip()
        without_advisor = search.cleaned_data["no_advisor"]
    page = selectors.advisees_page(
        user=request.user,
        school=setup.school,
        query=query,
        without_advisor=without_advisor,
        number=request.GET.get("page"),
        per_page=ADVISEES_PER_PAGE,
    )
    context = {
        "setup": setup,
        "school": setup.school,
        "search": search,
        "page": page,
        "query": query,
        "without_advisor": without_advisor,
        "staff": list(selectors.school_staff(setup.school)),
    }
    template = (
        "interventions/_ladder_advisors_results.html"
        if _is_htmx(request)
        else "interventions/advisors.html"
    )
    return render(request, template, context)


def _back(request, school_pk: int) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) and target.startswith(reverse("interventions:advisors", args=[school_pk])):
        return target
    return reverse("interventions:advisors", args=[school_pk])


@login_required
@require_POST
def advisor_assign(
    request: HttpRequest, school_pk: int, student_pk: int
) -> HttpResponse:
    setup = selectors.people_school_for(request.user, school_pk)
    student = selectors.advisee_for(request.user, setup.school, student_pk)
    staff = selectors.school_staff(setup.school)
    form = AdviseeForm(request.POST, school=setup.school, staff=staff, student=student)
    saved = False
    if form.is_valid():
        try:
            ladder_services.student_people_assign(
                student=student,
                actor=request.user,
                advisor=form.cleaned_data["advisor"],
                mentor=form.cleaned_data["mentor"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            saved = True
    if not _is_htmx(request):
        if saved:
            messages.success(
                request, f"Saved {student.full_name}'s advisor and mentor."
            )
        else:
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, f"{student.full_name}: {message}")
        return redirect(_back(request, setup.school.pk))
    if saved:
        student = selectors.advisee_for(request.user, setup.school, student_pk)
    return render(
        request,
        "interventions/_ladder_advisors_row.html",
        {
            "setup": setup,
            "school": setup.school,
            "student": student,
            "staff": list(staff),
            "form": form,
            "saved": saved,
            "next": _back(request, setup.school.pk),
        },
    )


@login_required
def advisors_upload(request: HttpRequest, school_pk: int) -> HttpResponse:
    setup = selectors.people_school_for(request.user, school_pk)
    form = AdvisorUploadForm(request.POST or None, request.FILES or None)
    row_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = ladder_services.advisors_import(
                school=setup.school,
                actor=request.user,
                rows=form.cleaned_data["file"],
                students=students_for(request.user),
            )
        except ValidationError as error:
            row_errors = error.messages
        else:
            messages.success(
                request,
                f"Read {result.rows} row{'s' if result.rows != 1 else ''}: "
                f"{result.advisors_changed} advisor"
                f"{'s' if result.advisors_changed != 1 else ''} and "
                f"{result.mentors_changed} mentor"
                f"{'s' if result.mentors_changed != 1 else ''} changed; the rest "
                "were already so.",
            )
            return redirect("interventions:advisors", setup.school.pk)
    return render(
        request,
        "interventions/advisors_upload.html",
        {
            "setup": setup,
            "school": setup.school,
            "form": form,
            "row_errors": row_errors,
        },
    )


# Caseloads ---------------------------------------------------------------------


def _caseloads_page(request, setup, student_form=None) -> HttpResponse:
    counselors = selectors.school_counselors(setup.school)
    return render(
        request,
        "interventions/caseloads.html",
        {
            "setup": setup,
            "school": setup.school,
            "data": selectors.caseloads(setup.school),
            "student_form": student_form or StudentCounselorForm(counselors=counselors),
        },
    )


@login_required
def caseloads(request: HttpRequest, school_pk: int) -> HttpResponse:
    setup = selectors.caseload_school_for(request.user, school_pk)
    return _caseloads_page(request, setup)


@login_required
def caseloads_rules(request: HttpRequest, school_pk: int) -> HttpResponse:
    setup = selectors.caseload_school_for(request.user, school_pk)
    school = setup.school
    counselors = selectors.school_counselors(school)
    initial = [
        {
            "counselor": rule.counselor_id,
            "last_name_from": rule.last_name_from,
            "last_name_to": rule.last_name_to,
            "grade_level": rule.grade_level,
        }
        for rule in selectors.caseload_rules(school)
    ]
    formset = CaseloadRuleFormSet(
        request.POST or None,
        initial=initial,
        prefix="rules",
        form_kwargs={"school": school, "counselors": counselors},
    )
    rule_errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        try:
            ladder_services.caseload_rules_replace(
                school=school, actor=request.user, rules=rule_specs(formset)
            )
        except ValidationError as error:
            rule_errors = error.messages
        else:
            messages.success(
                request,
                "Caseload rules saved. Apply them to set each student's counselor.",
            )
            return redirect("interventions:caseloads", school.pk)
    return render(
        request,
        "interventions/caseloads_rules.html",
        {
            "setup": setup,
            "school": school,
            "formset": formset,
            "rule_errors": rule_errors,
            "has_counselors": counselors.exists(),
        },
    )


@login_required
@require_POST
def caseloads_apply(request: HttpRequest, school_pk: int) -> HttpResponse:
    setup = selectors.caseload_school_for(request.user, school_pk)
    try:
        result = ladder_services.caseload_apply(school=setup.school, actor=request.user)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        parts = [
            f"{result.changed} student{'s' if result.changed != 1 else ''} "
            "changed counselor",
            f"{result.unchanged} already had the right one",
        ]
        if result.kept_by_hand:
            parts.append(f"{result.kept_by_hand} assigned by hand kept theirs")
        if result.not_covered:
            parts.append(
                f"{result.not_covered} no rule covers kept theirs; add a rule for them"
            )
        messages.success(request, "Caseload rules applied: " + "; ".join(parts) + ".")
    return redirect("interventions:caseloads", setup.school.pk)


@login_required
@require_POST
def caseloads_student(request: HttpRequest, school_pk: int) -> HttpResponse:
    setup = selectors.caseload_school_for(request.user, school_pk)
    counselors = selectors.school_counselors(setup.school)
    form = StudentCounselorForm(request.POST, counselors=counselors)
    if form.is_valid():
        local_id = form.cleaned_data["student_id"].strip()
        student = selectors.school_student_by_local_id(setup.school, local_id)
        if student is None:
            form.add_error(
                "student_id", f"No student with ID “{local_id}” at {setup.school}."
            )
        else:
            try:
                ladder_services.counselor_assign(
                    student=student,
                    actor=request.user,
                    counselor=form.cleaned_data["counselor"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(
                    request,
                    f"{student.full_name} ({student.local_id}) is now on "
                    f"{form.cleaned_data['counselor']}'s caseload; the rules "
                    "leave them there.",
                )
                return redirect("interventions:caseloads", setup.school.pk)
    return _caseloads_page(request, setup, student_form=form)


@login_required
@require_POST
def caseloads_follow_rules(
    request: HttpRequest, school_pk: int, student_pk: int
) -> HttpResponse:
    setup = selectors.caseload_school_for(request.user, school_pk)
    student = get_object_or_404(
        setup.school.students.filter(is_active=True), pk=student_pk
    )
    student.school = setup.school
    ladder_services.counselor_assign(
        student=student, actor=request.user, follow_rules=True
    )
    messages.success(
        request, f"{student.full_name}'s counselor follows the caseload rules again."
    )
    return redirect("interventions:caseloads", setup.school.pk)
