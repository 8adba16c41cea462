"""What's new for me, the school's parent letter, and the letters sent about a
case (docs/domain.md, "Cases").

A person sees only their own notifications. The principal edits the school's
letter; the counselors and the principal of the case's school read, print and
mark the letters sent to its guardians. Everyone else is answered 404, like a
missing page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from interventions import letters, notice_selectors, notices
from interventions.access import CaseAccess, case_for
from interventions.forms_notices import LetterTemplateForm
from interventions.ladder_selectors import ladder_school_to_edit
from interventions.notifications import notifications_mark_read


@login_required
def whats_new(request: HttpRequest) -> HttpResponse:
    """The person's notifications, newest first; those shown are now read."""
    page = notice_selectors.notifications_page(request.user, request.GET.get("page"))
    shown = list(page.object_list)
    notifications_mark_read(
        user=request.user, ids=[n.pk for n in shown if n.read_at is None]
    )
    return render(
        request, "interventions/notices_whats_new.html", {"page": page, "rows": shown}
    )


@login_required
def letter_template(request: HttpRequest, school_pk: int) -> HttpResponse:
    setup = ladder_school_to_edit(request.user, school_pk)
    school = setup.school
    letter = notices.letter_of(school.pk)
    form = LetterTemplateForm(
        request.POST or None,
        initial={"subject": letter.subject, "body": letter.body},
    )
    if request.method == "POST":
        restore = "restore" in request.POST
        if restore:
            data = {"subject": letters.DEFAULT_SUBJECT, "body": letters.DEFAULT_BODY}
        elif form.is_valid():
            data = form.cleaned_data
        else:
            data = None
        if data is not None:
            try:
                notices.letter_template_save(school=school, actor=request.user, **data)
            except ValidationError as refused:
                _apply_errors(form, refused)
            else:
                messages.success(
                    request,
                    "The default letter is back."
                    if restore
                    else "The letter is saved. Letters queued from now on use it.",
                )
                return redirect("interventions:letter_template", school.pk)
    subject, body = notices.letter_preview(letter, school=school)
    return render(
        request,
        "interventions/letter_template.html",
        {
            "setup": setup,
            "school": school,
            "letter": letter,
            "form": form,
            "placeholders": letters.PLACEHOLDERS,
            "preview_subject": subject,
            "preview_body": body,
        },
    )


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _case_with_letters(user, pk: int) -> CaseAccess:
    """A case whose letters the person may read: its school's counselors and
    principal. Others who may read the case are refused like a stranger."""
    access = case_for(user, pk)
    if not access.can_manage:
        raise Http404("Only the counselors and the principal read parents' letters.")
    return access


@login_required
def notice_letter(request: HttpRequest, pk: int, notice_pk: int) -> HttpResponse:
    """One letter as it was sent, on one printable page."""
    access = _case_with_letters(request.user, pk)
    notice = get_object_or_404(
        access.case.notices.select_related("guardian", "rung", "sent_home_by"),
        pk=notice_pk,
    )
    return render(
        request,
        "interventions/letter_print.html",
        {"access": access, "case": access.case, "notice": notice},
    )


@login_required
@require_POST
def notice_sent_home(request: HttpRequest, pk: int, notice_pk: int) -> HttpResponse:
    access = _case_with_letters(request.user, pk)
    notice = get_object_or_404(access.case.notices, pk=notice_pk)
    try:
        notice = notices.parent_notice_mark_sent_home(notice=notice, actor=request.user)
    except ValidationError as refused:
        for message in refused.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            f"Recorded: the letter to {notice.guardian.first_name} "
            f"{notice.guardian.last_name} went home on paper.",
        )
    return redirect(f"{access.case.get_absolute_url()}#notices")
