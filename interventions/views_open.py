"""Opening a case by hand (docs/domain.md, "Cases"): a counselor or the
principal picks a student, a course and its outcomes, and says why.

Only counselors and principals reach the page; the student comes through
`open_selectors.student_to_open` (anyone they may not open a case for answers
404). Submitting calls `services.case_open`, which opens the case at the first
rung or adds the outcomes to the student's open case in that course.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from interventions import open_selectors, services
from interventions.forms_open import CaseOpenForm
from interventions.services import CaseOpening
from interventions.views_case import apply_errors, is_htmx
from schools.models import Student


def _codes(outcomes) -> str:
    codes = [o.code for o in outcomes]
    if len(codes) < 2:
        return "".join(codes)
    return ", ".join(codes[:-1]) + " and " + codes[-1]


def opening_message(opening: CaseOpening, student: Student) -> tuple[int, str]:
    """What the person is told after submitting, and at which level."""
    case = opening.case
    where = f"in {case.course.title} on {case.rung_name}"
    if opening.created:
        text = f"Case opened for {student.full_name} {where} for " + _codes(
            opening.outcomes_added
        )
        text += f". Review on {case.next_review_on:%-d %B}."
        placement = opening.placement
        if placement is not None and placement.status == placement.Status.WAITLISTED:
            text += f" {student.full_name} is waiting for a seat in {placement.group}."
        elif placement is not None:
            text += f" {student.full_name} is placed in {placement.group}."
        return messages.SUCCESS, text
    already = f"{student.full_name} already has an open case {where}; "
    added = opening.outcomes_added
    if added:
        verb = "was" if len(added) == 1 else "were"
        return messages.SUCCESS, already + f"{_codes(added)} {verb} added to it."
    return (
        messages.WARNING,
        already + "nothing new was added: those outcomes are already on it.",
    )


@login_required
def case_open(request: HttpRequest) -> HttpResponse:
    if not open_selectors.opening_school_ids(request.user):
        raise Http404("Only counselors and principals open cases by hand.")
    if "student" not in request.GET:
        if request.method == "POST":
            raise Http404("Choose a student first.")
        return _search(request)
    student = open_selectors.student_to_open(request.user, request.GET["student"])
    opening = open_selectors.opening_for(student=student)
    initial = {}
    if chosen := opening.choice(request.GET.get("course", "")):
        initial["course"] = chosen.course.pk
    elif len(opening.choices) == 1:
        initial["course"] = opening.choices[0].course.pk
    form = CaseOpenForm(request.POST or None, opening=opening, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.case_open(
                student=student,
                course=data["course"],
                outcomes=open_selectors.outcome_snapshots(
                    student=student, outcomes=list(data["outcomes"])
                ),
                actor=request.user,
                reason=data["reason"],
            )
        except ValidationError as refused:
            apply_errors(form, refused)
        else:
            level, text = opening_message(made, student)
            messages.add_message(request, level, text)
            return redirect(made.case)
    course_pk = form.data.get("course") if form.is_bound else initial.get("course")
    context = {
        "student": student,
        "opening": opening,
        "choices": opening.choices,
        "chosen": opening.choice(course_pk or ""),
        "form": form,
        "ticked": form.selected_outcomes(),
    }
    if is_htmx(request) and request.method == "GET" and "course" in request.GET:
        return render(request, "interventions/_case_open_outcomes.html", context)
    return render(request, "interventions/case_open.html", context)


def _search(request: HttpRequest) -> HttpResponse:
    search = open_selectors.student_search(
        user=request.user, query=request.GET.get("q", "")[:100]
    )
    context = {"search": search, "student": None}
    if is_htmx(request) and "q" in request.GET:
        return render(request, "interventions/_case_open_results.html", context)
    return render(request, "interventions/case_open.html", context)
