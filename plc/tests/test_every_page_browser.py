"""Every page of every role, with demo data, in a real browser: axe-core finds no
WCAG 2.1 A/AA violation and the browser reports no Content Security Policy
violation.

The pages are the project's URL patterns (django.urls.get_resolver) that answer a
GET with a page; who may open each is the routes table's rule
(plc/tests/routes_table.py), and each route's arguments are the first object of
the right kind in the demo that the role may see. Exports, redirects and htmx
fragments are listed in NOT_PAGES with the reason. A new route that is a page and
has no way here to build its arguments fails `test_every_page_is_planned`.

Pages of one's own account (password, two-factor, sessions) look the same to
every role and are visited once, by the principal; pages open to anyone (log-in,
password reset) are visited before logging in.
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from dashboards.tests.browser import axe_violations, log_in, screenshot
from plc.tests.routes_table import (
    COUNSELOR,
    DISTRICT,
    INTERVENTIONIST,
    PRINCIPAL,
    ROUTES,
    TEACHER,
)
from plc.tests.test_routes import route_names

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANONYMOUS = "anonymous"
# The demo's people, by the role the routes table knows them as; Boones Mill has
# the demo's cases, groups and contracts at any size.
LOGINS = {
    PRINCIPAL: "principal@boonesmill.example",
    TEACHER: "teacher@boonesmill.example",
    COUNSELOR: "counselor@boonesmill.example",
    INTERVENTIONIST: "interventionist@boonesmill.example",
    DISTRICT: "admin@lakeside.example",
}
OWN_ACCOUNT_VISITOR = PRINCIPAL

NOT_PAGES = {
    "admin": "Django's own administration, for superusers, not the product's pages",
    "healthz": "plain text for the load balancer",
    "dashboards:school_export": "a CSV file",
    "dashboards:student_access_csv": "a CSV file",
    "assessments:data_export": "a CSV file",
    "assessments:upload_template": "a spreadsheet file",
    "mfa_download_recovery_codes": "a text file",
    "schools:import_run_status": "an htmx fragment that the import run's page polls",
    "dashboards:mine": "redirects to the person's school or district dashboard",
    "schools:student": "the old address of a student's page; redirects",
    "interventions:ladder_home": "redirects to the school's ladder",
    "account_signup": "redirects to log-in: accounts come from the roster",
    "mfa_authenticate": "redirects to log-in without a first step",
}


@dataclass
class Demo:
    """The objects each route is opened with, seen from one role."""

    school: object
    team: object
    section: object
    student: object
    finalized: object
    open_assessment: object
    open_section: object
    draft: object
    case: object
    contract: object
    notice: object
    group: object
    rung: object
    meeting: object
    goal: object
    outcome: object
    import_run: object


def _school(d):
    return {"school_pk": d.school.pk}


ARGS: dict[str, Callable[[Demo], dict]] = {
    "accounts:password_reset_confirm": lambda d: {
        "uidb64": "MQ",
        "token": "set-password",
    },
    "dashboards:school": lambda d: {"school_id": d.school.pk},
    "dashboards:school_students": lambda d: {"school_id": d.school.pk},
    "dashboards:student": lambda d: {"pk": d.student.pk},
    "dashboards:student_access": lambda d: {"pk": d.student.pk},
    "schools:section": lambda d: {"pk": d.section.pk},
    "schools:import_run": lambda d: {"pk": d.import_run.pk},
    "teams:create": _school,
    "teams:workspace": lambda d: {"pk": d.team.pk},
    "teams:edit": lambda d: {"pk": d.team.pk},
    "teams:history": lambda d: {"pk": d.team.pk},
    "teams:members": lambda d: {"pk": d.team.pk},
    "teams:norms": lambda d: {"pk": d.team.pk},
    "teams:outcomes": lambda d: {"pk": d.team.pk},
    "teams:outcome_create": lambda d: {"pk": d.team.pk},
    "teams:outcome_import": lambda d: {"pk": d.team.pk},
    "teams:outcome_edit": lambda d: {"pk": d.team.pk, "outcome_pk": d.outcome.pk},
    "teams:goal_create": lambda d: {"pk": d.team.pk},
    "teams:goal_edit": lambda d: {"pk": d.team.pk, "goal_pk": d.goal.pk},
    "teams:meetings": lambda d: {"pk": d.team.pk},
    "teams:meeting_create": lambda d: {"pk": d.team.pk},
    "teams:meeting": lambda d: {"pk": d.team.pk, "meeting_pk": d.meeting.pk},
    "teams:meeting_edit": lambda d: {"pk": d.team.pk, "meeting_pk": d.meeting.pk},
    "teams:commitments": _school,
    "teams:commitments_edit": _school,
    "teams:school_goals": _school,
    "assessments:create": lambda d: {"team_pk": d.team.pk},
    "assessments:team": lambda d: {"team_pk": d.team.pk},
    "assessments:detail": lambda d: {"pk": d.finalized.pk},
    "assessments:build": lambda d: {"pk": d.draft.pk},
    "assessments:grid": lambda d: {
        "pk": d.open_assessment.pk,
        "section_pk": d.open_section.pk,
    },
    "assessments:history": lambda d: {
        "pk": d.finalized.pk,
        "section_pk": d.section.pk,
        "student_pk": d.student.pk,
    },
    "assessments:data": lambda d: {"pk": d.finalized.pk},
    "assessments:data_students": lambda d: {
        "pk": d.finalized.pk,
        "which": "not-yet",
        "outcome_pk": d.finalized.items.first().outcome_id,
    },
    "assessments:upload": lambda d: {
        "pk": d.open_assessment.pk,
        "section_pk": d.open_section.pk,
    },
    "interventions:case": lambda d: {"pk": d.case.pk},
    "interventions:case_history": lambda d: {"pk": d.case.pk},
    "interventions:case_contract_create": lambda d: {"pk": d.case.pk},
    "interventions:contract_print": lambda d: {
        "pk": d.contract.case_id,
        "contract_pk": d.contract.pk,
    },
    "interventions:group_create": _school,
    "interventions:group": lambda d: {"pk": d.group.pk},
    "interventions:group_edit": lambda d: {"pk": d.group.pk},
    "interventions:attendance": lambda d: {"pk": d.group.pk},
    "interventions:ladder": _school,
    "interventions:ladder_rung_add": _school,
    "interventions:ladder_rung_edit": lambda d: {
        "school_pk": d.school.pk,
        "rung_pk": d.rung.pk,
    },
    "interventions:advisors": _school,
    "interventions:caseloads": _school,
    "interventions:extension": _school,
    "interventions:letter_template": _school,
    "interventions:notice_letter": lambda d: {
        "pk": d.notice.case_id,
        "notice_pk": d.notice.pk,
    },
}
QUERIES: dict[str, Callable[[Demo], str]] = {
    "dashboards:school_students": lambda d: "?measure=students",
    "interventions:case_open": lambda d: f"?student={d.student.pk}",
}


def plan() -> dict[str, list[str]]:
    """The route names each visitor opens, in order."""
    visits: dict[str, list[str]] = {ANONYMOUS: [], **{role: [] for role in LOGINS}}
    for name in sorted(route_names()):
        rule = ROUTES[name]
        if name in NOT_PAGES or rule.get is None:
            continue
        if rule.public:
            visits[ANONYMOUS].append(name)
        elif rule.own_account:
            visits[OWN_ACCOUNT_VISITOR].append(name)
        else:
            for role in LOGINS:
                if role in rule.get:
                    visits[role].append(name)
    return visits


def test_every_page_is_planned():
    """Every route that answers a GET with a page is opened by someone, and each
    one that takes arguments can have them built from the demo."""
    planned = {name for names in plan().values() for name in names}
    gets = {
        name
        for name in route_names()
        if ROUTES[name].get is not None
        and (ROUTES[name].get or ROUTES[name].public or ROUTES[name].own_account)
    }
    assert gets - set(NOT_PAGES) == planned
    assert set(NOT_PAGES) <= route_names(), "a route listed as not a page is gone"
    takes_arguments = set()
    for name in planned:
        try:
            reverse(name)
        except NoReverseMatch:
            takes_arguments.add(name)
    assert takes_arguments - set(ARGS) == set()


# Collected in the page before any of its own scripts run. An init script is
# injected through the browser's debugging protocol, not as an inline <script>,
# so the policy under test does not refuse it.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} refused ${event.blockedURI || "inline"}` +
    ` at ${event.sourceFile || ""}:${event.lineNumber || ""}`
  );
});
"""


def demo_for(role: str) -> Demo:
    from accounts.models import User
    from assessments.models import CommonAssessment
    from interventions.models import (
        Case,
        Contract,
        Group,
        ParentNotice,
        Placement,
        Rung,
    )
    from schools.models import ImportRun, School, Section, Student
    from teams.models import TeamMembership

    school = School.objects.get(name="Boones Mill Elementary School")
    teacher = User.objects.get(email=LOGINS[TEACHER])
    principal = User.objects.get(email=LOGINS[PRINCIPAL])
    team = (
        TeamMembership.objects.filter(user=teacher, team__school=school)
        .select_related("team")
        .earliest("pk")
        .team
    )
    sections = Section.objects.filter(
        section_teachers__teacher=teacher, course__in=team.courses.all()
    ).order_by("pk")
    section = sections.first()
    finalized = (
        CommonAssessment.objects.filter(team=team, status="finalized")
        .filter(course=section.course)
        .earliest("administered_on", "pk")
    )
    open_assessment = (
        CommonAssessment.objects.filter(team=team, status="open")
        .filter(course__in=sections.values("course"))
        .earliest("pk")
    )
    open_section = sections.filter(course=open_assessment.course_id).first()
    draft, _ = CommonAssessment.objects.get_or_create(
        team=team,
        course=open_assessment.course,
        title="Unit 9 check (draft)",
        defaults={
            "administered_on": datetime.date.today() + datetime.timedelta(days=14),
            "created_by": teacher,
        },
    )
    import_run, _ = ImportRun.objects.get_or_create(
        district=school.district,
        school=school,
        file_name="roster.zip",
        defaults={
            "uploaded_by": principal,
            "status": ImportRun.Status.SUCCEEDED,
            "progress": 100,
            "summary": "Imported.",
        },
    )
    cases = Case.objects.filter(school=school).order_by("pk")
    student = Student.objects.filter(enrollments__section=section).earliest("pk")
    if role == COUNSELOR:
        cases = cases.filter(counselor__email=LOGINS[COUNSELOR])
    elif role == INTERVENTIONIST:
        placed = Placement.objects.filter(
            group__supervisor__email=LOGINS[INTERVENTIONIST]
        ).exclude(status=Placement.Status.ENDED)
        cases = cases.filter(student__in=placed.values("student_id"))
    elif role == TEACHER:
        cases = cases.filter(team=team)
    case = cases.first()
    if role in (COUNSELOR, INTERVENTIONIST):
        student = case.student
    groups = Group.objects.filter(school=school).order_by("pk")
    if role == INTERVENTIONIST:
        groups = groups.filter(supervisor__email=LOGINS[INTERVENTIONIST])
    contract = Contract.objects.filter(case__in=cases).order_by("pk").first()
    notice = ParentNotice.objects.filter(case__in=cases).order_by("pk").first()
    return Demo(
        school=school,
        team=team,
        section=section,
        student=student,
        finalized=finalized,
        open_assessment=open_assessment,
        open_section=open_section,
        draft=draft,
        case=case,
        contract=contract,
        notice=notice,
        group=groups.first(),
        rung=Rung.objects.filter(school=school).earliest("pk"),
        meeting=team.meetings.earliest("pk"),
        goal=team.goals.earliest("pk"),
        outcome=team.outcomes.earliest("pk"),
        import_run=import_run,
    )


def url_for(name: str, demo: Demo) -> str:
    try:
        kwargs = ARGS[name](demo) if name in ARGS else {}
    except AttributeError as error:
        message = f"the demo has nothing to open {name} with: {error}"
        raise AssertionError(message) from error
    query = QUERIES[name](demo) if name in QUERIES else ""
    return reverse(name, kwargs=kwargs) + query


def visit(page, base_url: str, name: str, demo: Demo, console: list[str]) -> list:
    """Open one page; what is wrong with it, if anything."""
    url = url_for(name, demo)
    console.clear()
    # "load": the page's own scripts and styles have run or been refused.
    response = page.goto(base_url + url, wait_until="load")
    problems = []
    if response is None or response.status >= 400:
        problems.append(f"answered {response.status if response else 'nothing'}")
    csp = page.evaluate("window.__cspViolations || []")
    problems += [f"CSP: {v}" for v in csp]
    problems += [f"console: {m}" for m in console]
    problems += [f"axe: {v}" for v in axe_violations(page)]
    return [f"{name} ({url}): {problem}" for problem in problems]


def test_every_page_of_every_role_is_accessible_under_the_policy(
    browser, live_server, settings
):
    call_command("seed_demo", students=8, stdout=io.StringIO())
    # The principal sets up two-factor at log-in, so the pages that need an
    # authenticator (recovery codes, turning it off) are open to them.
    settings.REQUIRE_2FA_ROLES = [PRINCIPAL]
    from schools.demo import DEMO_PASSWORD

    visits = plan()
    problems: list[str] = []
    visited: list[str] = []
    for visitor, names in visits.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(COLLECT_VIOLATIONS)
        page = context.new_page()
        console: list[str] = []
        page.on(
            "console",
            lambda message, console=console: (
                console.append(message.text)
                if "Content Security Policy" in message.text
                or "Refused to" in message.text
                else None
            ),
        )
        if visitor != ANONYMOUS:
            log_in(page, live_server.url, LOGINS[visitor], DEMO_PASSWORD)
        demo = demo_for(visitor)
        for name in names:
            problems += visit(page, live_server.url, name, demo, console)
            visited.append(name)
        screenshot(page, f"every-page-{visitor}-last")
        context.close()
    assert not problems, json.dumps(problems, indent=1)
    assert sorted(set(visited)) == sorted(
        {name for names in visits.values() for name in names}
    )


def test_a_violation_of_the_policy_is_caught(browser, live_server):
    """The collector sees what the policy refuses: a style attribute and an inline
    script added to a served page, as a template with them would."""
    context = browser.new_context()
    context.add_init_script(COLLECT_VIOLATIONS)
    page = context.new_page()
    page.goto(live_server.url + reverse("accounts:login"), wait_until="load")
    assert page.evaluate("window.__cspViolations") == []
    page.evaluate(
        """() => {
            document.body.insertAdjacentHTML("beforeend", '<p style="color:red">x</p>');
            const script = document.createElement("script");
            script.textContent = "window.ran = true";
            document.body.append(script);
        }"""
    )
    page.wait_for_function("window.__cspViolations.length >= 2")
    found = " ".join(page.evaluate("window.__cspViolations"))
    assert "style-src" in found and "script-src" in found
    assert page.evaluate("window.ran") is None
    context.close()
