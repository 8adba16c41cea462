"""Team pages. Each view fetches its team through `teams.access` (a foreign team
answers 404), validates a form, calls one service, and redirects or renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import User
from teams import selectors, services
from teams.access import (
    can_oversee,
    school_to_manage,
    school_to_oversee,
    schools_to_manage,
    staff_school_for,
    staff_schools,
    team_access,
    team_for,
    team_to_contribute,
    team_to_lead,
    team_to_manage,
    teams_for,
)
from teams.cycle import cycle_for_team
from teams.forms import (
    ActionItemForm,
    CommitmentsForm,
    GoalForm,
    MeetingForm,
    MemberForm,
    MemberRoleForm,
    NormsForm,
    OutcomeForm,
    OutcomeImportForm,
    RetireForm,
    SchoolGoalFormSet,
    TeamForm,
)
from teams.models import (
    ActionItem,
    EssentialOutcome,
    SchoolCommitments,
    TeamMembership,
)

MEETINGS_PER_PAGE = 25


def apply_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# Teams -----------------------------------------------------------------------


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "teams/team_list.html",
        {
            "teams": selectors.team_list(teams=teams_for(request.user)),
            "manage_schools": list(schools_to_manage(request.user)),
            "staff_schools": list(staff_schools(request.user)),
        },
    )


@login_required
def team_create(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = school_to_manage(request.user, school_pk)
    form = TeamForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(
                school=school, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{team} created. Now add its members.")
            return redirect("teams:members", team.pk)
    return render(
        request, "teams/team_form.html", {"form": form, "school": school, "team": None}
    )


@login_required
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access = team_to_manage(request.user, pk)
    team = access.team
    initial = {
        "name": team.name,
        "kind": team.kind,
        "courses": list(team.courses.all()),
        "mastery_method": team.mastery_method,
        "mastery_weight": team.mastery_weight,
        "mastery_n": team.mastery_n,
    }
    form = TeamForm(
        request.POST or None, initial=initial, school=team.school, team=team
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.team_update(team=team, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Team saved.")
            return redirect(team)
    return render(
        request,
        "teams/team_form.html",
        {"form": form, "school": team.school, "team": team, "access": access},
    )


@login_required
@require_POST
def team_archive(request: HttpRequest, pk: int) -> HttpResponse:
    access = team_to_manage(request.user, pk)
    active = request.POST.get("active") == "1"
    try:
        services.team_set_active(
            team=access.team,
            actor=request.user,
            active=active,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("teams:edit", access.team.pk)
    messages.success(
        request,
        f"{access.team} is {'active again' if active else 'archived'}: "
        + (
            "its members see it in their teams."
            if active
            else "members no longer see it; its history is kept."
        ),
    )
    return redirect("teams:list")


@login_required
def team_members(request: HttpRequest, pk: int) -> HttpResponse:
    access = team_for(request.user, pk)
    team = access.team
    people = selectors.eligible_members(team.school).exclude(
        team_memberships__team=team
    )
    form = MemberForm(request.POST or None, people=people)
    if request.method == "POST":
        if not access.can_manage:
            raise Http404("Only the principal may change the members.")
        if form.is_valid():
            try:
                services.membership_add(
                    team=team,
                    actor=request.user,
                    user=form.cleaned_data["user"],
                    role=form.cleaned_data["role"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"{form.cleaned_data['user']} joined.")
                return redirect("teams:members", team.pk)
    return render(
        request,
        "teams/members.html",
        {
            "access": access,
            "team": team,
            "form": form,
            "memberships": team.memberships.select_related("user").order_by(
                "role", "user__last_name", "user__first_name"
            ),
            "role_choices": TeamMembership.Role.choices,
        },
    )


@login_required
@require_POST
def member_role(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    access = team_to_manage(request.user, pk)
    membership = get_object_or_404(
        access.team.memberships.select_related("user", "team"), pk=membership_pk
    )
    form = MemberRoleForm(request.POST)
    if form.is_valid():
        services.membership_set_role(
            membership=membership, actor=request.user, role=form.cleaned_data["role"]
        )
        messages.success(
            request, f"{membership.user} is now {membership.get_role_display()}."
        )
    else:
        messages.error(request, "Choose lead or member.")
    return redirect("teams:members", access.team.pk)


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    access = team_to_manage(request.user, pk)
    membership = get_object_or_404(
        access.team.memberships.select_related("user", "team"), pk=membership_pk
    )
    services.membership_remove(membership=membership, actor=request.user)
    messages.success(request, f"{membership.user} left the team.")
    return redirect("teams:members", access.team.pk)


@login_required
def workspace(request: HttpRequest, pk: int) -> HttpResponse:
    access = team_for(request.user, pk)
    return render(
        request,
        "teams/workspace.html",
        {
            "ws": selectors.workspace(access=access),
            "access": access,
            "cycle": cycle_for_team(access.team),
        },
    )


@login_required
def team_history(request: HttpRequest, pk: int) -> HttpResponse:
    access = team_for(request.user, pk)
    return render(
        request,
        "teams/history.html",
        {
            "access": access,
            "team": access.team,
            "page": selectors.team_history(
                team=access.team, number=request.GET.get("page")
            ),
        },
    )


@login_required
def norms_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access = team_to_lead(request.user, pk)
    team = access.team
    initial = {"norms": "\n".join(n.text for n in team.norms.order_by("position"))}
    form = NormsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.norms_replace(
                team=team, actor=request.user, norms=form.cleaned_data["norms"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Norms saved.")
            return redirect(team)
    return render(
        request, "teams/norms_form.html", {"form": form, "team": team, "access": access}
    )


# Essential outcomes ----------------------------------------------------------


def _outcome_for(access, outcome_pk: int) -> EssentialOutcome:
    return get_object_or_404(
        EssentialOutcome.objects.filter(team=access.team).select_related("course"),
        pk=outcome_pk,
    )


@login_required
def outcome_list(request: HttpRequest, pk: int) -> HttpResponse:
    access = team_for(request.user, pk)
    include_retired = request.GET.get("retired") == "1"
    groups = selectors.outcomes_by_course(
        team=access.team,
        courses=selectors.team_courses(access.team),
        include_retired=include_retired,
    )
    return render(
        request,
        "teams/outcome_list.html",
        {
            "access": access,
            "team": access.team,
            "groups": groups,
            "include_retired": include_retired,
        },
    )


def _outcome_form(request, access, outcome=None):
    courses = selectors.team_courses(access.team)
    initial = None
    if outcome is not None:
        initial = {
            "course": outcome.course_id,
            "code": outcome.code,
            "statement": outcome.statement,
            "standards": ", ".join(outcome.standards),
            "unit": outcome.unit,
            "mastery_method": outcome.mastery_method,
            "mastery_weight": outcome.mastery_weight,
            "mastery_n": outcome.mastery_n,
        }
    return OutcomeForm(
        request.POST or None, initial=initial, team=access.team, courses=courses
    )


@login_required
def outcome_create(request: HttpRequest, pk: int) -> HttpResponse:
    access = team_to_lead(request.user, pk)
    form = _outcome_form(request, access)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.outcome_create(
                team=access.team, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Essential outcome {outcome.code} added.")
            if "add_another" in request.POST:
                return redirect("teams:outcome_create", access.team.pk)
            return redirect("teams:outcomes", access.team.pk)
    return render(
        request,
        "teams/outcome_form.html",
        {"form": form, "team": access.team, "access": access, "outcome": None},
    )


@login_required
def outcome_edit(request: HttpRequest, pk: int, outcome_pk: int) -> HttpResponse:
    access = team_to_lead(request.user, pk)
    outcome = _outcome_for(access, outcome_pk)
    form = _outcome_form(request, access, outcome)
    if request.method == "POST" and form.is_valid():
        try:
            services.outcome_update(
                outcome=outcome, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Essential outcome {outcome.code} saved.")
            return redirect("teams:outcomes", access.team.pk)
    return render(
        request,
        "teams/outcome_form.html",
        {
            "form": form,
            "team": access.team,
            "access": access,
            "outcome": outcome,
            "retire_form": RetireForm(),
        },
    )


@login_required
@require_POST
def outcome_retire(request: HttpRequest, pk: int, outcome_pk: int) -> HttpResponse:
    access = team_to_lead(request.user, pk)
    outcome = _outcome_for(access, outcome_pk)
    form = RetireForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.outcome_retire(outcome=outcome, actor=request.user, reason=reason)
    messages.success(
        request, f"{outcome.code} retired; its history and results are kept."
    )
    return redirect("teams:outcomes", access.team.pk)


@login_required
@require_POST
def outcome_restore(request: HttpRequest, pk: int, outcome_pk: int) -> HttpResponse:
    access = team_to_lead(request.user, pk)
    outcome = _outcome_for(access, outcome_pk)
    services.outcome_restore(outcome=outcome, actor=request.user)
    messages.success(request, f"{outcome.code} is active again.")
    return redirect(reverse("teams:outcomes", args=[access.team.pk]) + "?retired=1")


@login_required
@require_POST
def outcome_move(request: HttpRequest, pk: int, outcome_pk: int) -> HttpResponse:
    access = team_to_lead(request.user, pk)
    outcome = _outcome_for(access, outcome_pk)
    direction = request.POST.get("direction", "")
    try:
        services.outcome_move(outcome=outcome, actor=request.user, direction=direction)
    except ValidationError:
        return HttpResponse("Move an outcome up or down.", status=400)
    include_retired = request.POST.get("retired") == "1"
    if is_htmx(request):
        group = next(
            g
            for g in selectors.outcomes_by_course(
                team=access.team,
                courses=[outcome.course],
                include_retired=include_retired,
            )
            if g.course.pk == outcome.course_id
        )
        return render(
            request,
            "teams/_outcome_group.html",
            {
                "access": access,
                "team": access.team,
                "group": group,
                "include_retired": include_retired,
                "moved": outcome.pk,
                "moved_direction": direction,
            },
        )
    url = reverse("teams:outcomes", args=[access.team.pk])
    return redirect(url + ("?retired=1" if include_retired else ""))


@login_required
def outcome_import(request: HttpRequest, pk: int) -> HttpResponse:
    access = team_to_lead(request.user, pk)
    courses = selectors.team_courses(access.team)
    form = OutcomeImportForm(
        request.POST or None, request.FILES or None, courses=courses
    )
    row_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            created = services.outcomes_import(
                team=access.team,
                actor=request.user,
                course=form.cleaned_data["course"],
                rows=form.cleaned_data["file"],
            )
        except services.ImportErrors as error:
            row_errors = error.errors
        else:
            messages.success(
                request,
                f"{len(created)} essential outcome{'s' if len(created) != 1 else ''} "
                "imported.",
            )
            return redirect("teams:outcomes", access.team.pk)
    return render(
        request,
        "teams/outcome_import.html",
        {
            "form": form,
            "team": access.team,
            "access": access,
            "row_errors": row_errors,
        },
    )


# SMART goals -----------------------------------------------------------------


def _goal_form(request, access, goal=None):
    groups = selectors.outcomes_by_course(
        team=access.team, courses=selectors.team_courses(access.team)
    )
    initial = None
    if goal is not None:
        initial = {
            "target": goal.target,
            "deadline": goal.deadline,
            "school_goal": goal.school_goal_id,
            "baseline_override": goal.baseline_override,
            "baseline_override_reason": goal.baseline_override_reason,
        }
    return GoalForm(
        request.POST or None,
        initial=initial,
        team=access.team,
        outcome_groups=groups,
        editing=goal is not None,
    )


@login_required
def goal_create(request: HttpRequest, pk: int) -> HttpResponse:
    access = team_to_lead(request.user, pk)
    form = _goal_form(request, access)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        kind, scope_pk = data.pop("scope")
        scope = {}
        if kind == "outcome":
            scope["outcome"] = _outcome_for(access, scope_pk)
        else:
            scope["course"] = get_object_or_404(access.team.courses, pk=scope_pk)
        try:
            services.goal_create(team=access.team, actor=request.user, **scope, **data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "SMART goal set.")
            return redirect(access.team)
    return render(
        request,
        "teams/goal_form.html",
        {"form": form, "team": access.team, "access": access, "goal": None},
    )


@login_required
def goal_edit(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    access = team_to_lead(request.user, pk)
    goal = get_object_or_404(
        selectors.goals_with_scope(access.team.goals.all()), pk=goal_pk
    )
    form = _goal_form(request, access, goal)
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_update(goal=goal, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "SMART goal saved.")
            return redirect(access.team)
    return render(
        request,
        "teams/goal_form.html",
        {
            "form": form,
            "team": access.team,
            "access": access,
            "goal": goal,
            "progress": selectors.goal_progress(goal),
            "close_form": RetireForm(),
        },
    )


@login_required
@require_POST
def goal_close(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    access = team_to_lead(request.user, pk)
    goal = get_object_or_404(
        selectors.goals_with_scope(access.team.goals.all()), pk=goal_pk
    )
    form = RetireForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.goal_close(goal=goal, actor=request.user, reason=reason)
    messages.success(request, "Goal closed; it stays in the team's history.")
    return redirect(access.team)


@login_required
def school_goals(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = school_to_oversee(request.user, school_pk)
    return render(
        request,
        "teams/school_goals.html",
        {"school": school, "progress": selectors.school_goals_overview(school=school)},
    )


# Meetings and action items ---------------------------------------------------


def _members(team):
    return User.objects.filter(team_memberships__team=team).order_by(
        "last_name", "first_name"
    )


@login_required
def meeting_list(request: HttpRequest, pk: int) -> HttpResponse:
    access = team_for(request.user, pk)
    page = Paginator(
        selectors.meeting_history(team=access.team), MEETINGS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "teams/meeting_list.html",
        {"access": access, "team": access.team, "page": page},
    )


@login_required
def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    access = team_to_contribute(request.user, pk)
    form = MeetingForm(request.POST or None, members=_members(access.team))
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_save(
                team=access.team, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Meeting saved.")
            return redirect(meeting)
    return render(
        request,
        "teams/meeting_form.html",
        {"form": form, "team": access.team, "access": access, "meeting": None},
    )


@login_required
def meeting_edit(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    access = team_to_contribute(request.user, pk)
    meeting = selectors.meeting_detail(team=access.team, pk=meeting_pk)
    initial = {
        "kind": meeting.kind,
        "held_on": meeting.held_on,
        "starts_at": meeting.starts_at,
        "attendees": list(meeting.attendees.all()),
        "agenda": meeting.agenda,
        "notes": meeting.notes,
        "decisions": meeting.decisions,
    }
    form = MeetingForm(
        request.POST or None, initial=initial, members=_members(access.team)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_save(
                team=access.team,
                actor=request.user,
                meeting=meeting,
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Meeting saved.")
            return redirect(meeting)
    return render(
        request,
        "teams/meeting_form.html",
        {"form": form, "team": access.team, "access": access, "meeting": meeting},
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    access = team_for(request.user, pk)
    meeting = selectors.meeting_detail(team=access.team, pk=meeting_pk)
    form = ActionItemForm(request.POST or None, members=_members(access.team))
    if request.method == "POST":
        if not access.can_contribute:
            raise Http404("Only the team's members may add action items.")
        if form.is_valid():
            try:
                services.action_item_create(
                    meeting=meeting, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Action item added.")
                return redirect(meeting)
    return render(
        request,
        "teams/meeting_detail.html",
        {"meeting": meeting, "team": access.team, "access": access, "form": form},
    )


@login_required
@require_POST
def action_item_done(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = get_object_or_404(
        ActionItem.objects.filter(
            meeting__team__in=teams_for(request.user)
        ).select_related("meeting__team__school", "owner"),
        pk=item_pk,
    )
    access = team_access(request.user, item.meeting.team)
    if not (access.can_contribute or item.owner_id == request.user.pk):
        raise Http404("Only the team's members may change this.")
    item = services.action_item_set_done(
        item=item, actor=request.user, done=request.POST.get("done") == "1"
    )
    if is_htmx(request):
        return render(
            request,
            "teams/_action_item.html",
            {
                "item": item,
                "show_team": request.POST.get("show_team") == "1",
                "hide_owner": request.POST.get("hide_owner") == "1",
                "can_check": True,
            },
        )
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = item.meeting.get_absolute_url()
    return redirect(next_url)


# School commitments ----------------------------------------------------------


@login_required
def commitments(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = staff_school_for(request.user, school_pk)
    return render(
        request,
        "teams/commitments.html",
        {
            "school": school,
            "commitments": SchoolCommitments.objects.filter(school=school)
            .select_related("updated_by")
            .first(),
            "goals": list(school.school_goals.order_by("-is_active", "position")),
            "can_edit": school in schools_to_manage(request.user),
            "can_oversee": can_oversee(request.user, school),
        },
    )


@login_required
def commitments_edit(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = school_to_manage(request.user, school_pk)
    current = SchoolCommitments.objects.filter(school=school).first()
    form = CommitmentsForm(
        request.POST or None,
        initial={
            "mission": current.mission if current else "",
            "vision": current.vision if current else "",
            "values": current.values if current else "",
        },
    )
    formset = SchoolGoalFormSet(
        request.POST or None,
        prefix="goals",
        initial=[
            {
                "pk": goal.pk,
                "title": goal.title,
                "description": goal.description,
                "is_active": goal.is_active,
            }
            for goal in school.school_goals.order_by("-is_active", "position")
        ],
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        goals = [
            services.SchoolGoalInput(
                pk=data.get("pk"),
                title=data["title"],
                description=data.get("description", ""),
                is_active=data.get("is_active", False),
            )
            for data in formset.cleaned_data
            if data.get("title")
        ]
        try:
            services.commitments_update(
                school=school, actor=request.user, goals=goals, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The school's commitments are saved.")
            return redirect("teams:commitments", school.pk)
    return render(
        request,
        "teams/commitments_form.html",
        {"form": form, "formset": formset, "school": school},
    )
