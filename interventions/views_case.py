"""The case page and the work people do on it (docs/domain.md, "Cases").

Every view fetches the case through `interventions.access.case_for` (a case
outside the person's reach answers 404), validates a form, calls one service,
and redirects with a message, or shows the page again with the errors on the
fields they name. Each form on the page posts to its own view.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from interventions import case_selectors, selectors, services
from interventions.access import CaseAccess, case_for
from interventions.forms_case import (
    CONTRACT_SUGGESTIONS,
    ActionDoneForm,
    ContractForm,
    DecisionForm,
    NoteForm,
    ParentContactForm,
    ProgressCheckForm,
    SignatureForm,
)

HISTORY_PER_PAGE = 50

# Each decision is one service; moves name their direction.
DECISIONS = {
    "up": lambda **kw: services.case_move(direction="up", **kw),
    "down": lambda **kw: services.case_move(direction="down", **kw),
    "exit": services.case_exit,
    "refer": services.case_refer,
    "close": services.case_close,
}
DECISION_DONE = {
    "up": "Moved up a rung.",
    "down": "Moved down a rung.",
    "exit": "The case is exited.",
    "refer": "Referred to the student support team.",
    "close": "The case is closed.",
}


def apply_errors(form, error: ValidationError, rename: dict | None = None) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    rename = rename or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = rename.get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def case_to_manage(user, pk: int) -> CaseAccess:
    """The case, for a counselor or principal of its school; others who may
    read it are refused like a stranger."""
    access = case_for(user, pk)
    if not access.can_manage:
        raise Http404("Only a counselor or the principal may change this.")
    return access


def _forms(access: CaseAccess, **bound) -> dict:
    case = access.case
    guardians = case_selectors.active_guardians(case)
    lower, higher = case_selectors.neighbour_rungs(case)
    forms = {
        "check_form": ProgressCheckForm(prefix="check"),
        "contact_form": ParentContactForm(prefix="contact", guardians=guardians),
        "note_form": NoteForm(prefix="note", may_restrict=access.can_see_confidential),
        "decision_form": DecisionForm(prefix="decide", lower=lower, higher=higher),
        "signature_form": SignatureForm(prefix="sign", guardians=guardians),
    }
    forms.update(bound)
    return forms


def _case_page(
    request: HttpRequest, access: CaseAccess, *, open_form: str = "", **bound
) -> HttpResponse:
    return render(
        request,
        "interventions/case.html",
        {
            "access": access,
            "case": access.case,
            "page": case_selectors.case_page(access, user=request.user),
            "open_form": open_form,
            **_forms(access, **bound),
        },
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, case_for(request.user, pk))


@login_required
def case_history(request: HttpRequest, pk: int) -> HttpResponse:
    access = case_for(request.user, pk)
    paginator = Paginator(case_selectors.case_events(access.case), HISTORY_PER_PAGE)
    return render(
        request,
        "interventions/case_history.html",
        {
            "access": access,
            "case": access.case,
            "page": paginator.get_page(request.GET.get("page")),
        },
    )


@login_required
@require_POST
def case_action_done(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    """Only the action's owner, a counselor or the principal marks it; anyone
    else who may read the case is told so, and nothing changes."""
    access = case_for(request.user, pk)
    if not access.can_note:
        raise Http404("District admins read cases; they do not work on them.")
    action = get_object_or_404(access.case.actions, pk=action_pk)
    form = ActionDoneForm(request.POST)
    error = ""
    if not form.is_valid():
        error = "Choose done or not done."
    else:
        try:
            action = services.case_action_set_done(
                action=action,
                actor=request.user,
                done=form.cleaned_data["done"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
    if is_htmx(request):
        action = (
            access.case.actions.select_related("owner", "done_by")
            .filter(pk=action.pk)
            .get()
        )
        row = case_selectors.action_rows(
            [action], access=access, user=request.user, today=timezone.localdate()
        )[0]
        return render(
            request,
            "interventions/_case_action.html",
            {"row": row, "case": access.case, "error": error, "swapped": True},
        )
    if error:
        messages.error(request, error)
    elif action.is_done:
        messages.success(request, f"Done: {action.title}.")
    else:
        messages.success(request, f"Reopened: {action.title}.")
    return redirect(f"{access.case.get_absolute_url()}#action-{action.pk}")


@login_required
@require_POST
def case_check_add(request: HttpRequest, pk: int) -> HttpResponse:
    access = case_to_manage(request.user, pk)
    form = ProgressCheckForm(request.POST, prefix="check")
    if form.is_valid():
        data = form.cleaned_data
        try:
            check = services.progress_check_add(
                case=access.case,
                actor=request.user,
                progress=data["progress"],
                note=data["note"],
                score=data["score"],
                checked_on=data["checked_on"],
            )
        except ValidationError as refused:
            apply_errors(form, refused)
        else:
            messages.success(
                request, f"Progress check logged: {check.get_progress_display()}."
            )
            return redirect(f"{access.case.get_absolute_url()}#checks")
    return _case_page(request, access, open_form="checks", check_form=form)


@login_required
@require_POST
def case_contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    access = case_to_manage(request.user, pk)
    form = ParentContactForm(
        request.POST,
        prefix="contact",
        guardians=case_selectors.active_guardians(access.case),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.parent_contact_add(
                case=access.case,
                actor=request.user,
                contacted_on=data["contacted_on"],
                method=data["method"],
                guardian=data["guardian"],
                summary=data["summary"],
                parents_informed=data["parents_informed"],
                not_informed_reason=data["not_informed_reason"],
            )
        except ValidationError as refused:
            apply_errors(form, refused)
        else:
            messages.success(request, "Parent contact logged.")
            return redirect(f"{access.case.get_absolute_url()}#contacts")
    return _case_page(request, access, open_form="contacts", contact_form=form)


@login_required
@require_POST
def case_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    access = case_for(request.user, pk)
    if not access.can_note:
        raise Http404("District admins read cases; they do not work on them.")
    form = NoteForm(
        request.POST, prefix="note", may_restrict=access.can_see_confidential
    )
    if form.is_valid():
        try:
            services.case_note_add(
                case=access.case,
                actor=request.user,
                text=form.cleaned_data["text"],
                confidential=form.cleaned_data.get("confidential", False),
            )
        except ValidationError as refused:
            apply_errors(form, refused)
        else:
            messages.success(request, "Note added.")
            return redirect(f"{access.case.get_absolute_url()}#notes")
    return _case_page(request, access, open_form="notes", note_form=form)


@login_required
@require_POST
def case_decide(request: HttpRequest, pk: int) -> HttpResponse:
    access = case_to_manage(request.user, pk)
    lower, higher = case_selectors.neighbour_rungs(access.case)
    form = DecisionForm(request.POST, prefix="decide", lower=lower, higher=higher)
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            DECISIONS[decision](
                case=access.case,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as refused:
            apply_errors(form, refused, rename={"direction": "decision"})
        else:
            messages.success(request, DECISION_DONE[decision])
            return redirect(access.case)
    return _case_page(request, access, open_form="decision", decision_form=form)


@login_required
def case_contract_create(request: HttpRequest, pk: int) -> HttpResponse:
    access = case_to_manage(request.user, pk)
    form = ContractForm(
        request.POST or None,
        initial={"meeting_on": timezone.localdate(), **CONTRACT_SUGGESTIONS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_create(
                case=access.case, actor=request.user, **form.cleaned_data
            )
        except ValidationError as refused:
            apply_errors(form, refused)
        else:
            messages.success(
                request, "Contract drawn up. Record each signature after the meeting."
            )
            return redirect(f"{access.case.get_absolute_url()}#contract")
    return render(
        request,
        "interventions/case_contract_form.html",
        {"access": access, "case": access.case, "form": form},
    )


@login_required
@require_POST
def case_contract_sign(request: HttpRequest, pk: int, contract_pk: int) -> HttpResponse:
    access = case_to_manage(request.user, pk)
    contract = case_selectors.contract_for(access.case, contract_pk).contract
    form = SignatureForm(
        request.POST,
        prefix="sign",
        guardians=case_selectors.active_guardians(access.case),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            signature = services.contract_sign(
                contract=contract,
                actor=request.user,
                party=data["party"],
                name=data["name"],
                signed_on=data["signed_on"],
                guardian=data["guardian"],
            )
        except ValidationError as refused:
            apply_errors(form, refused)
        else:
            messages.success(request, f"Signature recorded: {signature}.")
            return redirect(f"{access.case.get_absolute_url()}#contract")
    return _case_page(request, access, open_form="contract", signature_form=form)


@login_required
def contract_print(request: HttpRequest, pk: int, contract_pk: int) -> HttpResponse:
    """The contract as a one-page document to hand over and sign on paper."""
    access = case_for(request.user, pk)
    case = access.case
    row = case_selectors.contract_for(case, contract_pk)
    guardians = list(case_selectors.active_guardians(case))
    return render(
        request,
        "interventions/contract_print.html",
        {
            "access": access,
            "case": case,
            "contract": row.contract,
            "outcomes": list(case.outcomes.select_related("outcome")),
            "lines": case_selectors.signature_lines(
                case,
                row,
                guardians=guardians,
                teacher=selectors.case_people(case).teacher,
            ),
        },
    )
