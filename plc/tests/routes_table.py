"""Who may use each route of PLC: the table `test_routes.py` checks every route by.

Every URL pattern of the project has one entry here, keyed by its full name
(`namespace:name`; an unnamed pattern by its path; the whole admin is `admin`).
A rule says how to build the route's arguments from one school of the test world
(`routes_world.py`), which roles may GET it and which may POST to it, and what the
others get instead (docs/domain.md, "Who sees what"):

- 404 when the route names an object: a foreign object answers exactly like a
  missing one, and so does one the role has no business with;
- 403 when the route names no object the role could not see anyway (a list or a
  page of the role's own school), so the refusal tells nothing new.

The roles are the people of school a (`principal`, `teacher` who leads the team
and teaches a section, `colleague` who teaches another course's section and is on
no team, `counselor`, `interventionist`), the district admin of a's district and
`far_admin`, the admin of another district.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

PRINCIPAL = "principal"
TEACHER = "teacher"
COLLEAGUE = "colleague"
COUNSELOR = "counselor"
INTERVENTIONIST = "interventionist"
DISTRICT = "district_admin"
FAR = "far_admin"

# A search for the other school's students by name (routes_world.FOREIGN_SURNAME).
FOREIGN_SURNAME_QUERY = "Quarrington"

ROLES = (PRINCIPAL, TEACHER, COLLEAGUE, COUNSELOR, INTERVENTIONIST, DISTRICT, FAR)
SCHOOL_STAFF = frozenset({PRINCIPAL, TEACHER, COLLEAGUE, COUNSELOR, INTERVENTIONIST})
EVERYONE = frozenset(ROLES)
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rule:
    """How one route is used, and by whom."""

    # Builds the URL's arguments from one school of the world (and the world).
    args: Callable | None = None
    get: frozenset[str] | None = NOBODY  # None: the route answers no GET
    post: frozenset[str] | None = None  # None: the route takes no POST
    deny: int = 404
    deny_for: dict[str, int] = field(default_factory=dict)
    # A query string, or a function of (school, world) that builds one.
    query: str | Callable = ""
    # What the roles that may use it get (a page, or a redirect).
    get_ok: tuple[int, ...] = (200,)
    # Why anyone, logged in or not, may use it; empty for routes behind log-in.
    public: str = ""
    public_status: tuple[int, ...] = (200,)
    # Routes of one's own account: every logged-in person, nothing to scope; any
    # answer but the log-in page or a server error will do (allauth sends a person
    # without an authenticator or a recent log-in elsewhere).
    own_account: bool = False
    # What the roles that may use it get for the other school's object.
    foreign: int = 404

    def refusal(self, role: str) -> int:
        return self.deny_for.get(role, self.deny)


def _r(**kwargs) -> Rule:
    return Rule(**kwargs)


def S(*roles) -> frozenset[str]:
    return frozenset(roles)


# Arguments built from one school `s` of the world `w`.
def school(s, w):
    return {"school_pk": s.school.pk}


def school_id(s, w):
    return {"school_id": s.school.pk}


def team(s, w):
    return {"pk": s.team.pk}


def case(s, w):
    return {"pk": s.case.pk}


def group(s, w):
    return {"pk": s.group.pk}


MANAGERS = S(PRINCIPAL)
CASE_READERS = S(PRINCIPAL, TEACHER, COUNSELOR, INTERVENTIONIST, DISTRICT)
CASE_WORKERS = S(PRINCIPAL, COUNSELOR)
TEAM_READERS = S(PRINCIPAL, TEACHER, DISTRICT)

ROUTES: dict[str, Rule] = {
    # --- the site itself -------------------------------------------------------
    "healthz": _r(public="the load balancer's health check; says nothing of data"),
    "admin": _r(),  # checked on its own: superusers only
    # --- accounts (the product's own pages and allauth's) ----------------------
    "accounts:login": _r(public="the log-in page"),
    "account_login": _r(public="the log-in page, under allauth's name"),
    # Logging out answers with the log-in page.
    "accounts:logout": _r(get=None, post=EVERYONE),
    "account_logout": _r(get=None, post=EVERYONE),
    "accounts:password_change": _r(own_account=True, get=EVERYONE, post=EVERYONE),
    "account_change_password": _r(own_account=True, get=EVERYONE, post=EVERYONE),
    "accounts:password_change_done": _r(own_account=True, get=EVERYONE),
    "accounts:password_reset": _r(public="asking for a reset link by e-mail"),
    "account_reset_password": _r(public="asking for a reset link, allauth's name"),
    "accounts:password_reset_done": _r(public="says the link was sent, if any"),
    "accounts:password_reset_confirm": _r(
        args=lambda s, w: {"uidb64": "MQ", "token": "set-password"},
        public="the link in the e-mail; a bad token shows a message",
    ),
    "accounts:password_reset_complete": _r(public="says the password was set"),
    "account_signup": _r(
        public="there is no sign-up: accounts come from the roster",
        public_status=(302,),
    ),
    "account_inactive": _r(public="says the account is inactive"),
    "account_reauthenticate": _r(own_account=True, get=EVERYONE, post=EVERYONE),
    "mfa_index": _r(own_account=True, get=EVERYONE),
    "mfa_authenticate": _r(
        public="the second step of log-in; without a first step it goes back",
        public_status=(302,),
    ),
    "mfa_reauthenticate": _r(own_account=True, get=EVERYONE, post=EVERYONE),
    "mfa_activate_totp": _r(own_account=True, get=EVERYONE, post=EVERYONE),
    "mfa_deactivate_totp": _r(own_account=True, get=EVERYONE, post=EVERYONE),
    "mfa_view_recovery_codes": _r(own_account=True, get=EVERYONE),
    "mfa_generate_recovery_codes": _r(own_account=True, get=EVERYONE, post=EVERYONE),
    "mfa_download_recovery_codes": _r(own_account=True, get=EVERYONE),
    "usersessions_list": _r(own_account=True, get=EVERYONE, post=EVERYONE),
    # --- dashboards -------------------------------------------------------------
    "dashboards:home": _r(get=EVERYONE),
    # The school's own staff without the right are told so; a school they do not
    # work at is not found.
    "dashboards:school": _r(
        args=school_id, get=S(PRINCIPAL, DISTRICT), deny=403, deny_for={FAR: 404}
    ),
    "dashboards:school_students": _r(
        args=school_id,
        get=S(PRINCIPAL, DISTRICT),
        query="?measure=students",
        deny=403,
        deny_for={FAR: 404},
    ),
    "dashboards:school_export": _r(
        args=lambda s, w: {"school_id": s.school.pk, "table": "teams"},
        get=S(PRINCIPAL, DISTRICT),
        deny=403,
        deny_for={FAR: 404},
    ),
    # Each district admin compares the schools of their own district.
    "dashboards:district": _r(args=None, get=S(DISTRICT, FAR), deny=403),
    "dashboards:mine": _r(get=S(PRINCIPAL, DISTRICT, FAR), get_ok=(302,), deny=403),
    "dashboards:student": _r(args=lambda s, w: {"pk": s.student.pk}, get=CASE_READERS),
    # Who read a student's record: those who may see the student but not the
    # record are told so; a student they may not see is not found.
    "dashboards:student_access": _r(
        args=lambda s, w: {"pk": s.student.pk},
        get=S(PRINCIPAL, DISTRICT),
        deny=403,
        deny_for={COLLEAGUE: 404, FAR: 404},
    ),
    "dashboards:student_access_csv": _r(
        args=lambda s, w: {"pk": s.student.pk},
        get=S(PRINCIPAL, DISTRICT),
        deny=403,
        deny_for={COLLEAGUE: 404, FAR: 404},
    ),
    # --- roster -----------------------------------------------------------------
    "schools:students": _r(get=EVERYONE),
    # The old address of a student's page sends every id alike to the story page
    # (dashboards:student), which decides; it looks nothing up, so says nothing.
    "schools:student": _r(
        args=lambda s, w: {"pk": s.student.pk},
        get=EVERYONE,
        get_ok=(302,),
        foreign=302,
    ),
    "schools:section": _r(
        args=lambda s, w: {"pk": s.section.pk}, get=S(PRINCIPAL, TEACHER, DISTRICT)
    ),
    # Imports: a principal for their school, a district admin for the district.
    "schools:import": _r(
        get=S(PRINCIPAL, DISTRICT, FAR), post=S(PRINCIPAL, DISTRICT, FAR), deny=403
    ),
    "schools:import_history": _r(get=S(PRINCIPAL, DISTRICT, FAR), deny=403),
    "schools:import_run": _r(
        args=lambda s, w: {"pk": s.import_run.pk},
        get=S(PRINCIPAL, DISTRICT),
        deny=403,
        deny_for={FAR: 404},
    ),
    "schools:import_run_status": _r(
        args=lambda s, w: {"pk": s.import_run.pk},
        get=S(PRINCIPAL, DISTRICT),
        deny=403,
        deny_for={FAR: 404},
    ),
    # --- teams ------------------------------------------------------------------
    "teams:list": _r(get=EVERYONE),
    "teams:create": _r(args=school, get=MANAGERS, post=MANAGERS),
    "teams:workspace": _r(args=team, get=TEAM_READERS),
    "teams:edit": _r(args=team, get=MANAGERS, post=MANAGERS),
    "teams:archive": _r(args=team, get=None, post=MANAGERS),
    "teams:history": _r(args=team, get=TEAM_READERS),
    "teams:members": _r(args=team, get=TEAM_READERS, post=MANAGERS),
    "teams:member_role": _r(
        args=lambda s, w: {"pk": s.team.pk, "membership_pk": s.lead.pk},
        get=None,
        post=MANAGERS,
    ),
    "teams:member_remove": _r(
        args=lambda s, w: {"pk": s.team.pk, "membership_pk": s.lead.pk},
        get=None,
        post=MANAGERS,
    ),
    "teams:norms": _r(args=team, get=S(PRINCIPAL, TEACHER), post=S(PRINCIPAL, TEACHER)),
    "teams:outcomes": _r(args=team, get=TEAM_READERS),
    "teams:outcome_create": _r(
        args=team, get=S(PRINCIPAL, TEACHER), post=S(PRINCIPAL, TEACHER)
    ),
    "teams:outcome_import": _r(
        args=team, get=S(PRINCIPAL, TEACHER), post=S(PRINCIPAL, TEACHER)
    ),
    "teams:outcome_edit": _r(
        args=lambda s, w: {"pk": s.team.pk, "outcome_pk": s.outcome.pk},
        get=S(PRINCIPAL, TEACHER),
        post=S(PRINCIPAL, TEACHER),
    ),
    "teams:outcome_retire": _r(
        args=lambda s, w: {"pk": s.team.pk, "outcome_pk": s.outcomes[1].pk},
        get=None,
        post=S(PRINCIPAL, TEACHER),
    ),
    "teams:outcome_restore": _r(
        args=lambda s, w: {"pk": s.team.pk, "outcome_pk": s.outcomes[1].pk},
        get=None,
        post=S(PRINCIPAL, TEACHER),
    ),
    "teams:outcome_move": _r(
        args=lambda s, w: {"pk": s.team.pk, "outcome_pk": s.outcome.pk},
        get=None,
        post=S(PRINCIPAL, TEACHER),
    ),
    "teams:goal_create": _r(
        args=team, get=S(PRINCIPAL, TEACHER), post=S(PRINCIPAL, TEACHER)
    ),
    "teams:goal_edit": _r(
        args=lambda s, w: {"pk": s.team.pk, "goal_pk": s.goal.pk},
        get=S(PRINCIPAL, TEACHER),
        post=S(PRINCIPAL, TEACHER),
    ),
    "teams:goal_close": _r(
        args=lambda s, w: {"pk": s.team.pk, "goal_pk": s.goal.pk},
        get=None,
        post=S(PRINCIPAL, TEACHER),
    ),
    "teams:meetings": _r(args=team, get=TEAM_READERS),
    "teams:meeting_create": _r(
        args=team, get=S(PRINCIPAL, TEACHER), post=S(PRINCIPAL, TEACHER)
    ),
    "teams:meeting": _r(
        args=lambda s, w: {"pk": s.team.pk, "meeting_pk": s.meeting.pk},
        get=TEAM_READERS,
    ),
    "teams:meeting_edit": _r(
        args=lambda s, w: {"pk": s.team.pk, "meeting_pk": s.meeting.pk},
        get=S(PRINCIPAL, TEACHER),
        post=S(PRINCIPAL, TEACHER),
    ),
    "teams:action_done": _r(
        args=lambda s, w: {"item_pk": s.action_item.pk},
        get=None,
        post=S(PRINCIPAL, TEACHER),
    ),
    "teams:commitments": _r(args=school, get=EVERYONE - {FAR}),
    "teams:commitments_edit": _r(args=school, get=MANAGERS, post=MANAGERS),
    "teams:school_goals": _r(args=school, get=S(PRINCIPAL, DISTRICT)),
    # --- assessments ------------------------------------------------------------
    "assessments:list": _r(get=EVERYONE),
    "assessments:create": _r(
        args=lambda s, w: {"team_pk": s.team.pk},
        get=S(PRINCIPAL, TEACHER),
        post=S(PRINCIPAL, TEACHER),
    ),
    "assessments:team": _r(args=lambda s, w: {"team_pk": s.team.pk}, get=TEAM_READERS),
    "assessments:detail": _r(
        args=lambda s, w: {"pk": s.finalized.pk}, get=TEAM_READERS
    ),
    "assessments:build": _r(
        args=lambda s, w: {"pk": s.draft_assessment.pk},
        get=S(PRINCIPAL, TEACHER),
        post=S(PRINCIPAL, TEACHER),
    ),
    "assessments:transition": _r(
        args=lambda s, w: {"pk": s.open_assessment.pk, "action": "finalize"},
        get=None,
        post=S(PRINCIPAL, TEACHER),
    ),
    "assessments:grid": _r(
        args=lambda s, w: {"pk": s.open_assessment.pk, "section_pk": s.section.pk},
        get=S(PRINCIPAL, TEACHER),
    ),
    "assessments:cell": _r(
        args=lambda s, w: {"pk": s.open_assessment.pk, "section_pk": s.section.pk},
        get=None,
        post=S(PRINCIPAL, TEACHER),
    ),
    "assessments:paste": _r(
        args=lambda s, w: {"pk": s.open_assessment.pk, "section_pk": s.section.pk},
        get=None,
        post=S(PRINCIPAL, TEACHER),
    ),
    "assessments:history": _r(
        args=lambda s, w: {
            "pk": s.finalized.pk,
            "section_pk": s.section.pk,
            "student_pk": s.student.pk,
        },
        get=S(PRINCIPAL, TEACHER),
    ),
    "assessments:data": _r(args=lambda s, w: {"pk": s.finalized.pk}, get=TEAM_READERS),
    "assessments:data_students": _r(
        args=lambda s, w: {
            "pk": s.finalized.pk,
            "which": "not-yet",
            "outcome_pk": s.finalized.items.first().outcome_id,
        },
        get=TEAM_READERS,
    ),
    "assessments:reteach_done": _r(
        args=lambda s, w: {"pk": s.finalized.pk, "item_pk": s.reteach.pk},
        get=None,
        post=S(PRINCIPAL, TEACHER),
    ),
    "assessments:data_export": _r(
        args=lambda s, w: {"pk": s.finalized.pk, "table": "not-yet"},
        get=TEAM_READERS,
    ),
    "assessments:data_meeting": _r(
        args=lambda s, w: {"pk": s.finalized.pk},
        get=None,
        post=S(PRINCIPAL, TEACHER),
    ),
    "assessments:upload": _r(
        args=lambda s, w: {"pk": s.open_assessment.pk, "section_pk": s.section.pk},
        get=S(PRINCIPAL, TEACHER),
        post=S(PRINCIPAL, TEACHER),
    ),
    "assessments:upload_template": _r(
        args=lambda s, w: {"pk": s.open_assessment.pk, "section_pk": s.section.pk},
        get=S(PRINCIPAL, TEACHER),
    ),
    # --- interventions: cases ---------------------------------------------------
    "interventions:caseload": _r(get=S(COUNSELOR), deny=403),
    "interventions:case": _r(args=case, get=CASE_READERS),
    "interventions:case_history": _r(args=case, get=CASE_READERS),
    # Anyone working on the case may try; whoever neither owns the action nor
    # manages the case is told so and nothing changes (the service refuses).
    "interventions:case_action_done": _r(
        args=lambda s, w: {"pk": s.case.pk, "action_pk": s.case_action.pk},
        get=None,
        post=S(PRINCIPAL, COUNSELOR, TEACHER, INTERVENTIONIST),
    ),
    "interventions:case_check_add": _r(args=case, get=None, post=CASE_WORKERS),
    "interventions:case_contact_add": _r(args=case, get=None, post=CASE_WORKERS),
    "interventions:case_note_add": _r(
        args=case, get=None, post=S(PRINCIPAL, COUNSELOR, TEACHER, INTERVENTIONIST)
    ),
    "interventions:case_decide": _r(args=case, get=None, post=CASE_WORKERS),
    "interventions:case_contract_create": _r(
        args=case, get=CASE_WORKERS, post=CASE_WORKERS
    ),
    "interventions:case_contract_sign": _r(
        args=lambda s, w: {"pk": s.case.pk, "contract_pk": s.contract.pk},
        get=None,
        post=CASE_WORKERS,
    ),
    "interventions:contract_print": _r(
        args=lambda s, w: {"pk": s.case.pk, "contract_pk": s.contract.pk},
        get=CASE_READERS,
    ),
    "interventions:case_open": _r(
        query=lambda s, w: f"?student={s.students[1].pk}",
        get=CASE_WORKERS,
        post=CASE_WORKERS,
    ),
    # --- interventions: groups --------------------------------------------------
    "interventions:groups": _r(get=EVERYONE),
    "interventions:group_create": _r(args=school, get=MANAGERS, post=MANAGERS),
    "interventions:group": _r(
        args=group, get=S(PRINCIPAL, COUNSELOR, INTERVENTIONIST, DISTRICT)
    ),
    "interventions:group_edit": _r(args=group, get=MANAGERS, post=MANAGERS),
    "interventions:group_place": _r(args=group, get=None, post=MANAGERS),
    "interventions:placement_end": _r(
        args=lambda s, w: {"pk": s.group.pk, "placement_pk": s.placement.pk},
        get=None,
        post=MANAGERS,
    ),
    "interventions:attendance": _r(
        args=group,
        get=S(PRINCIPAL, COUNSELOR, INTERVENTIONIST, DISTRICT),
        post=S(PRINCIPAL, INTERVENTIONIST),
    ),
    # --- interventions: the school's ladder, caseloads, advisors, letters ---
    "interventions:ladder_home": _r(get=EVERYONE, get_ok=(200, 302)),
    "interventions:ladder": _r(args=school, get=EVERYONE - {FAR}),
    "interventions:ladder_install": _r(args=school, get=None, post=MANAGERS),
    "interventions:ladder_rung_add": _r(args=school, get=MANAGERS, post=MANAGERS),
    "interventions:ladder_rung_edit": _r(
        args=lambda s, w: {"school_pk": s.school.pk, "rung_pk": s.rung.pk},
        get=MANAGERS,
        post=MANAGERS,
    ),
    "interventions:ladder_rung_move": _r(
        args=lambda s, w: {"school_pk": s.school.pk, "rung_pk": s.rung.pk},
        get=None,
        post=MANAGERS,
    ),
    "interventions:ladder_rung_retire": _r(
        args=lambda s, w: {"school_pk": s.school.pk, "rung_pk": s.rungs[2].pk},
        get=None,
        post=MANAGERS,
    ),
    "interventions:ladder_rung_restore": _r(
        args=lambda s, w: {"school_pk": s.school.pk, "rung_pk": s.rungs[2].pk},
        get=None,
        post=MANAGERS,
    ),
    "interventions:advisors": _r(args=school, get=CASE_WORKERS),
    "interventions:advisors_upload": _r(args=school, get=None, post=CASE_WORKERS),
    "interventions:advisor_assign": _r(
        args=lambda s, w: {"school_pk": s.school.pk, "student_pk": s.student.pk},
        get=None,
        post=CASE_WORKERS,
    ),
    "interventions:caseloads": _r(args=school, get=MANAGERS),
    "interventions:caseloads_rules": _r(args=school, get=None, post=MANAGERS),
    "interventions:caseloads_apply": _r(args=school, get=None, post=MANAGERS),
    "interventions:caseloads_student": _r(args=school, get=None, post=MANAGERS),
    "interventions:caseloads_follow_rules": _r(
        args=lambda s, w: {"school_pk": s.school.pk, "student_pk": s.student.pk},
        get=None,
        post=MANAGERS,
    ),
    # Each sees the students who exceed among those they may see.
    "interventions:extension": _r(args=school, get=EVERYONE - {FAR}),
    "interventions:whats_new": _r(get=EVERYONE),
    "interventions:letter_template": _r(args=school, get=MANAGERS, post=MANAGERS),
    "interventions:notice_letter": _r(
        args=lambda s, w: {"pk": s.case.pk, "notice_pk": s.notice.pk},
        get=CASE_WORKERS,
    ),
    "interventions:notice_sent_home": _r(
        args=lambda s, w: {"pk": s.case.pk, "notice_pk": s.notice.pk},
        get=None,
        post=CASE_WORKERS,
    ),
}


# The same routes again with the query strings that change what they show: every
# export of a page, a search, and filters that name the other school's objects.
# The rule's refusals and foreign checks run again; a filter naming the other
# school's object may answer 200 or 400, but never with its students.
def _foreign_filter(measure, key, attr):
    return lambda s, w: f"?measure={measure}&{key}={getattr(w.b, attr).pk}"


VARIANTS: list[tuple[str, dict]] = [
    ("dashboards:school_students", {"query": "?measure=students&format=csv"}),
    ("dashboards:school_students", {"query": "?measure=review_overdue&format=csv"}),
    ("dashboards:school_students", {"query": "?measure=waitlist"}),
    *[
        (
            "dashboards:school_students",
            {"query": _foreign_filter(measure, key, attr), "get_ok": (200, 400)},
        )
        for measure, key, attr in (
            ("kept_not_yet", "team", "team"),
            ("kept_not_yet", "outcome", "outcome"),
            ("kept_assessed", "course", "course"),
            ("window", "assessment", "finalized"),
        )
    ],
    # Another school's term is not found, like any foreign object.
    (
        "dashboards:school",
        {"query": lambda s, w: f"?term={w.b.section.term_id}", "get_ok": (404,)},
    ),
    ("dashboards:district", {"query": "?format=csv"}),
    ("schools:students", {"query": f"?q={FOREIGN_SURNAME_QUERY}"}),
    ("schools:students", {"query": "?q=88"}),
    *[
        (
            "dashboards:school_export",
            {"args": lambda s, w, t=t: {"school_id": s.school.pk, "table": t}},
        )
        for t in (
            "proficiency",
            "pyramid",
            "flows",
            "overdue",
            "people",
            "groups",
            "equity",
            "goals",
        )
    ],
    *[
        (
            "assessments:data_export",
            {"args": lambda s, w, t=t: {"pk": s.finalized.pk, "table": t}},
        )
        for t in ("outcomes", "items", "exceeds")
    ],
]
