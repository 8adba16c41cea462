"""Group pages: the list, a group's roster and waitlist, placing and ending,
and taking attendance. Each view fetches its group through
`interventions.access` (a foreign group answers 404), validates a form, calls
one service, and redirects or renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from interventions import group_selectors, group_services, services
from interventions.access import GroupAccess, group_for, groups_for
from interventions.escalation import FIDELITY_THRESHOLD
from interventions.forms_groups import (
    HOMEWORK_CHOICES,
    MARK_CHOICES,
    AttendanceForm,
    DayForm,
    EndForm,
    GroupForm,
    PlaceForm,
    SearchForm,
)
from interventions.models import Placement
from teams.access import school_to_manage, schools_to_manage


def _apply_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _managed(request: HttpRequest, pk: int) -> GroupAccess:
    access = group_for(request.user, pk)
    if not access.can_manage:
        raise Http404("Only the principal changes a group and its placements.")
    return access


# The list and the group's settings ----------------------------------------------------


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "interventions/group_list.html",
        {
            "rows": group_selectors.group_rows(groups=groups_for(request.user)),
            "manage_schools": list(schools_to_manage(request.user)),
        },
    )


def _group_form_page(request, form, *, school, group) -> HttpResponse:
    return render(
        request,
        "interventions/group_form.html",
        {"form": form, "school": school, "group": group},
    )


@login_required
def group_create(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = school_to_manage(request.user, school_pk)
    form = GroupForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            group = group_services.group_save(
                school=school, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"{group} is set up. Now place its students.")
            return redirect(group)
    return _group_form_page(request, form, school=school, group=None)


@login_required
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = _managed(request, pk).group
    initial = {
        "name": group.name,
        "kind": group.kind,
        "supervisor": group.supervisor,
        "weekdays": group.weekdays,
        "period": group.period,
        "room": group.room,
        "capacity": group.capacity,
    }
    form = GroupForm(request.POST or None, initial=initial, school=group.school)
    if request.method == "POST" and form.is_valid():
        try:
            group_services.group_save(
                school=group.school,
                actor=request.user,
                group=group,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"{group} saved.")
            return redirect(group)
    return _group_form_page(request, form, school=group.school, group=group)


# A group's page -----------------------------------------------------------------------


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = group_for(request.user, pk)
    search = SearchForm(request.GET or None)
    found = None
    if access.can_manage and search.is_valid() and search.cleaned_data["q"]:
        found = group_selectors.placeable_students(
            group=access.group, query=search.cleaned_data["q"]
        )
    context = {
        "access": access,
        "group": access.group,
        "days": group_selectors.days_label(access.group.weekdays),
        "search": search,
        "found": found,
        "fidelity_threshold": FIDELITY_THRESHOLD,
    }
    if request.headers.get("HX-Request") == "true" and "q" in request.GET:
        return render(request, "interventions/_group_search_results.html", context)
    context["page"] = group_selectors.group_page(group=access.group)
    return render(request, "interventions/group_detail.html", context)


@login_required
@require_POST
def placement_create(request: HttpRequest, pk: int) -> HttpResponse:
    group = _managed(request, pk).group
    form = PlaceForm(request.POST, school=group.school)
    if not form.is_valid():
        for message in form.errors.get("student", []):
            messages.error(request, f"Student: {message}")
        return redirect(group)
    student = form.cleaned_data["student"]
    try:
        made = group_services.placement_add(
            group=group, student=student, actor=request.user
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, f"Student: {message}")
        return redirect(group)
    if made.is_waitlisted:
        messages.warning(
            request,
            f"{group} is full ({group.capacity} seats): {student.full_name} is "
            f"waitlisted, number {made.position} in line. Freed seats go to the "
            "waitlist in order.",
        )
    else:
        case = made.placement.case
        tied = f", for their {case.course.title} case" if case else ""
        messages.success(request, f"{student.full_name} is placed in {group}{tied}.")
    return redirect(group)


@login_required
@require_POST
def placement_end(request: HttpRequest, pk: int, placement_pk: int) -> HttpResponse:
    group = _managed(request, pk).group
    placement = get_object_or_404(
        group.placements.exclude(status=Placement.Status.ENDED).select_related(
            "student", "group"
        ),
        pk=placement_pk,
    )
    form = EndForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("reason", []):
            messages.error(request, f"Why: {message}")
        return redirect(group)
    was_waiting = placement.status == Placement.Status.WAITLISTED
    seated = group_services.placement_release(
        placement=placement, actor=request.user, reason=form.cleaned_data["reason"]
    )
    if was_waiting:
        text = f"{placement.student.full_name} is off the waitlist of {group}."
    else:
        text = f"{placement.student.full_name} left {group}."
        if seated is not None:
            text += (
                f" {seated.student.full_name}, first on the waitlist, "
                "has the freed seat."
            )
        else:
            text += " Nobody is waiting: the seat is free."
    messages.success(request, text)
    return redirect(group)


# Attendance ---------------------------------------------------------------------------


@login_required
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """One session of a group: today's by default, or a past day's. Taking it
    again for the same day edits it."""
    access = group_for(request.user, pk)
    group = access.group
    posting = request.method == "POST"
    if posting and not access.can_take_attendance:
        raise Http404("Only the group's supervisor or the principal takes attendance.")
    today = timezone.localdate()
    source = request.POST if posting else request.GET
    day = DayForm(source if source.get("on") else None, today=today)
    context = {
        "access": access,
        "group": group,
        "days": group_selectors.days_label(group.weekdays),
        "day": day,
        "today": today,
        "mark_choices": MARK_CHOICES,
        "homework_choices": HOMEWORK_CHOICES,
    }
    if day.is_bound and not day.is_valid():
        if posting:
            messages.error(request, "Attendance was not saved.")
        return render(request, "interventions/group_attendance.html", context)
    on = day.cleaned_data["on"] if day.is_bound else today
    sheet = group_selectors.attendance_sheet(group=group, on=on)
    form = None
    if access.can_take_attendance:
        form = AttendanceForm(request.POST if posting else None, sheet=sheet)
    if posting and form.is_valid():
        try:
            services.attendance_take(
                group=group, actor=request.user, on=on, marks=form.cleaned_data["marks"]
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            marks = [mark for mark, _ in form.cleaned_data["marks"].values()]
            counts = [
                f"{marks.count(value)} {label.lower()}"
                for value, label in MARK_CHOICES
                if marks.count(value)
            ]
            messages.success(
                request, f"Attendance of {on:%A %-d %B} saved: {', '.join(counts)}."
            )
            url = reverse("interventions:attendance", args=[group.pk])
            return redirect(f"{url}?on={on:%Y-%m-%d}")
    context.update({"sheet": sheet, "form": form, "on": on})
    return render(request, "interventions/group_attendance.html", context)
