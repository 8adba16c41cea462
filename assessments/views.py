from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from assessments import selectors, services
from assessments.access import (
    assessment_for,
    assessment_to_build,
    entry_sections,
)
from assessments.forms import (
    AssessmentForm,
    CutFormSet,
    ItemFormSet,
    ReasonForm,
    RetakeForm,
)
from assessments.models import (
    DEFAULT_EXCEEDS_CUT,
    DEFAULT_MASTERY_CUT,
    CommonAssessment,
)
from teams.access import team_for, team_to_lead

Status = CommonAssessment.Status


def _errors(error: ValidationError) -> list[str]:
    return error.messages


@login_required
def assessment_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "assessments/list.html",
        selectors.assessment_overview(user=request.user),
    )


@login_required
def team_assessments(request: HttpRequest, team_pk: int) -> HttpResponse:
    access = team_for(request.user, team_pk)
    return render(
        request,
        "assessments/team_list.html",
        {
            "team": access.team,
            "access": access,
            **selectors.assessment_overview(user=request.user, team=access.team),
        },
    )


@login_required
def assessment_create(request: HttpRequest, team_pk: int) -> HttpResponse:
    access = team_to_lead(request.user, team_pk)
    form = AssessmentForm(request.POST or None, team=access.team)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_create(
                team=access.team,
                course=form.cleaned_data["course"],
                title=form.cleaned_data["title"],
                administered_on=form.cleaned_data["administered_on"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Assessment created. Now add its items.")
            return redirect("assessments:build", assessment.pk)
    return render(
        request, "assessments/create.html", {"form": form, "team": access.team}
    )


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = assessment_for(request.user, pk)
    assessment = access.assessment
    return render(
        request,
        "assessments/detail.html",
        {
            "access": access,
            "assessment": assessment,
            "items": selectors.assessment_items(assessment),
            "cuts": selectors.assessment_cuts(assessment).values(),
            "sections": selectors.entry_progress(
                assessment=assessment, sections=entry_sections(request.user, access)
            ),
            "reason_form": ReasonForm(),
            "retake_form": RetakeForm(),
        },
    )


@login_required
def assessment_build(request: HttpRequest, pk: int) -> HttpResponse:
    access = assessment_to_build(request.user, pk)
    assessment = access.assessment
    if assessment.status != Status.DRAFT:
        messages.info(request, "Items can change only while the assessment is a draft.")
        return redirect(assessment)
    outcomes = assessment.team.outcomes.filter(
        course=assessment.course, is_active=True
    ).order_by("position", "code")
    items = selectors.assessment_items(assessment)
    cuts = selectors.assessment_cuts(assessment)
    blank_rows = 10 if not items else 3
    initial_items = [
        {"label": item.label, "max_points": item.max_points, "outcome": item.outcome}
        for item in items
    ] + [{}] * blank_rows
    details = AssessmentForm(
        request.POST or None, instance=assessment, team=assessment.team, prefix="a"
    )
    item_formset = ItemFormSet(
        request.POST or None,
        initial=initial_items,
        prefix="items",
        form_kwargs={"outcomes": outcomes},
    )
    cut_formset = CutFormSet(
        request.POST or None,
        initial=[
            {
                "outcome_id": cut.outcome_id,
                "mastery_cut": cut.mastery_cut,
                "exceeds_cut": cut.exceeds_cut,
            }
            for cut in cuts.values()
        ],
        prefix="cuts",
    )
    if request.method == "POST" and all(
        f.is_valid() for f in (details, item_formset, cut_formset)
    ):
        rows = [form for form in item_formset if form.is_item]
        specs = [
            services.ItemSpec(
                number=number,
                max_points=form.cleaned_data["max_points"],
                outcome=form.cleaned_data["outcome"],
                label=form.cleaned_data["label"],
            )
            for number, form in enumerate(rows, start=1)
        ]
        try:
            # One save of the page: the details and the items together, or
            # neither (and no event of either).
            with transaction.atomic():
                services.assessment_update(
                    assessment=assessment,
                    title=details.cleaned_data["title"],
                    administered_on=details.cleaned_data["administered_on"],
                    actor=request.user,
                )
                services.items_replace(
                    assessment=assessment,
                    items=specs,
                    cuts={
                        form.cleaned_data["outcome_id"]: (
                            form.cleaned_data["mastery_cut"],
                            form.cleaned_data["exceeds_cut"],
                        )
                        for form in cut_formset
                    },
                    actor=request.user,
                )
        except ValidationError as error:
            assessment.refresh_from_db()
            item_formset._non_form_errors = item_formset.error_class(_errors(error))
        else:
            messages.success(request, f"Saved {len(specs)} items.")
            return redirect("assessments:build", assessment.pk)
    outcome_names = {o.pk: o for o in outcomes}
    return render(
        request,
        "assessments/build.html",
        {
            "assessment": assessment,
            "details": details,
            "item_formset": item_formset,
            "cut_formset": cut_formset,
            "cut_rows": [
                (form, outcome_names.get(form.initial.get("outcome_id")))
                for form in cut_formset
            ],
            "outcomes": outcomes,
            "default_mastery_cut": DEFAULT_MASTERY_CUT,
            "default_exceeds_cut": DEFAULT_EXCEEDS_CUT,
        },
    )


@login_required
@require_POST
def assessment_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    access = assessment_to_build(request.user, pk)
    assessment = access.assessment
    try:
        if action == "open":
            services.assessment_open(assessment=assessment, actor=request.user)
            messages.success(request, "Open for entry: teachers can enter results.")
        elif action == "finalize":
            services.assessment_finalize(assessment=assessment, actor=request.user)
            messages.success(request, "Finalized. The team's data page is ready.")
        elif action == "reopen":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Say why the results need to change.")
            services.assessment_reopen(
                assessment=assessment,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, "Reopened for entry.")
        elif action == "retake":
            form = RetakeForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Choose the date of the retake.")
            retake = services.retake_create(
                original=assessment,
                administered_on=form.cleaned_data["administered_on"],
                title=form.cleaned_data["title"],
                actor=request.user,
            )
            messages.success(
                request,
                f"Retake created for {retake.students.count()} students not yet "
                "proficient. Check its items, then open it for entry.",
            )
            return redirect(retake)
        else:
            raise Http404
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
    return redirect(assessment)


@login_required
@require_POST
def reteach_done(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    access = assessment_for(request.user, pk)
    if not access.can_enter:
        raise Http404("Only the team's members or the principal may change this.")
    item = get_object_or_404(
        access.assessment.reteach_items.select_related("outcome", "section"),
        pk=item_pk,
    )
    done = request.POST.get("done") == "1"
    services.reteach_item_set_done(item=item, actor=request.user, done=done)
    messages.success(
        request,
        f"{item.outcome.code} in {item.section}: "
        + ("marked retaught." if done else "back on the list."),
    )
    return redirect(f"{reverse('assessments:data', args=[pk])}#reteach")
