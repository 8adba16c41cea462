"""Every route of PLC, checked against who may use it (docs/domain.md, "Who sees what").

The table of rules is `routes_table.ROUTES`; a route without an entry fails
`test_every_route_has_a_rule`. For each route, one test tries every role:

- anonymous → the log-in page (unless the rule says why the route is public);
- a role without the right → the rule's refusal (403 or 404);
- a role with the right → its page (or redirect) for its own school's object, and
  404 for the same object of the other school;
- a POST or DELETE without a CSRF token, from someone who may POST → 403,
  nothing changed; a POST to a page that takes none changes nothing;
- no page of school a shows a student of school b, nor of either to another
  district's admin, nor a student of school a to a teacher or supervisor with no
  business with them; no page but a counselor's or principal's shows a
  confidential note.

The same runs again for the routes' exports, searches and filters that name the
other school's objects (`routes_table.VARIANTS`); POSTs that name the other
school's objects in their data change nothing; the admin is for superusers only.

The world is built once for the module inside a transaction that is rolled back
at the end, and every request runs in a savepoint rolled back after it, so the
routes cannot change what the next request sees.
"""

import dataclasses

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Event
from plc.tests import routes_table as table
from plc.tests.routes_table import (
    COUNSELOR,
    DISTRICT,
    FAR,
    PRINCIPAL,
    ROLES,
    ROUTES,
)
from plc.tests.routes_world import CONFIDENTIAL_TEXT, FOREIGN_SURNAME, build_world

# The world is built once for the module (below); each test still runs in its own
# transaction, nested inside the module's.
pytestmark = pytest.mark.django_db

# Students of school a that a role has no business with (routes_world.py): the
# teacher's own are Algebra 1 students; the colleague teaches Biology and is on no
# team; the interventionist's group holds only the first Algebra 1 student.
NOT_SEEN_BY = {
    table.TEACHER: ("AldenbrookBio",),
    table.COLLEAGUE: ("Aldenbrook0", "Aldenbrook1", "Aldenbrook2"),
    table.INTERVENTIONIST: ("Aldenbrook1", "Aldenbrook2", "AldenbrookBio"),
}

CONFIDENTIAL_MARK = CONFIDENTIAL_TEXT.split(": ")[1].split(" ")[0]
OWN_SURNAME = "Aldenbrook"


def route_names() -> set[str]:
    """Every URL pattern's full name; the admin's as one, unnamed ones by path."""
    names: set[str] = set()

    def walk(resolver, prefix: str, namespace: str | None) -> None:
        for pattern in resolver.url_patterns:
            path = prefix + str(pattern.pattern)
            if path.startswith("admin/"):
                names.add("admin")
            elif isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = (
                        f"{namespace}:{pattern.namespace}"
                        if namespace
                        else pattern.namespace
                    )
                walk(pattern, path, inner)
            elif isinstance(pattern, URLPattern):
                if pattern.name is None:
                    names.add(path)
                else:
                    names.add(
                        f"{namespace}:{pattern.name}" if namespace else pattern.name
                    )

    walk(get_resolver(), "", None)
    return names


def test_every_route_has_a_rule():
    routes = route_names()
    missing = sorted(routes - ROUTES.keys())
    extra = sorted(ROUTES.keys() - routes)
    assert not missing and not extra, (
        "plc/tests/routes_table.py must have exactly one rule per route. "
        f"Routes without a rule: {missing}. Rules for no route: {extra}. "
        "Add an entry saying who may use the new route (or remove the old one)."
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        built.users = {
            table.PRINCIPAL: built.a.principal,
            table.TEACHER: built.a.teacher,
            table.COLLEAGUE: built.a.colleague,
            table.COUNSELOR: built.a.counselor,
            table.INTERVENTIONIST: built.a.interventionist,
            table.DISTRICT: built.district_admin,
            table.FAR: built.far_admin,
        }
        built.sessions = {}
        for role, user in built.users.items():
            client = Client()
            client.force_login(user)
            built.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield built
        transaction.set_rollback(True)


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def call(client, method: str, url: str, data=None):
    """One request in a savepoint rolled back after it; (response, body, events)."""
    with transaction.atomic():
        before = Event.objects.count()
        response = getattr(client, method)(url, data or {})
        body = _body(response)
        events = Event.objects.count() - before
        transaction.set_rollback(True)
    return response, body, events


def _url(name: str, rule, school, world) -> str:
    kwargs = rule.args(school, world) if rule.args else {}
    query = rule.query(school, world) if callable(rule.query) else rule.query
    return reverse(name, kwargs=kwargs) + query


def _goes_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )


def _leaks(role: str, body: str) -> list[str]:
    found = []
    # The district admin sees both schools of the district; the far admin, neither.
    if role != DISTRICT and (FOREIGN_SURNAME in body or "880000" in body):
        found.append("a student of the other school")
    if role == FAR and OWN_SURNAME in body:
        found.append("a student of another district")
    for name in NOT_SEEN_BY.get(role, ()):
        if name in body:
            found.append(f"{name}, a student of school a they may not see")
    if role not in (PRINCIPAL, COUNSELOR) and CONFIDENTIAL_MARK in body:
        found.append("a confidential counselor note")
    return found


def check_route(name: str, rule, world) -> list[str]:
    problems: list[str] = []
    a, b = world.a, world.b
    own = _url(name, rule, a, world)
    methods = [
        m for m, who in (("get", rule.get), ("post", rule.post)) if who is not None
    ]
    if rule.public:
        methods = ["get"]

    # Anonymous.
    for method in methods:
        response, body, _ = call(Client(), method, own)
        if rule.public:
            if response.status_code not in rule.public_status:
                problems.append(
                    f"anonymous {method.upper()}: {response.status_code}, "
                    f"expected {rule.public_status} ({rule.public})"
                )
            if _leaks(FAR, body):
                problems.append(f"anonymous {method.upper()} shows student data")
        elif not _goes_to_login(response):
            problems.append(
                f"anonymous {method.upper()}: {response.status_code}, "
                "expected a redirect to log in"
            )
    if rule.public:
        return problems

    for method, allowed in (("get", rule.get), ("post", rule.post)):
        if allowed is None:
            continue
        for role in ROLES:
            client = world.clients[role]
            response, body, _ = call(client, method, own)
            status = response.status_code
            if role in allowed and rule.own_account:
                if _goes_to_login(response) or status >= 500:
                    problems.append(f"{role} {method.upper()} own account: {status}")
            elif role in allowed:
                ok = rule.get_ok if method == "get" else None
                if ok is not None and status not in ok:
                    problems.append(
                        f"{role} {method.upper()} own: {status}, expected {ok}"
                    )
                if ok is None and (status in (403, 404, 405) or status >= 500):
                    problems.append(f"{role} POST own: refused with {status}")
                for leak in _leaks(role, body):
                    problems.append(f"{role} {method.upper()} own shows {leak}")
                if (rule.args or callable(rule.query)) and role not in (DISTRICT, FAR):
                    foreign = _url(name, rule, b, world)
                    response, _, _ = call(client, method, foreign)
                    if response.status_code != rule.foreign:
                        problems.append(
                            f"{role} {method.upper()} other school's: "
                            f"{response.status_code}, expected {rule.foreign}"
                        )
            else:
                expected = rule.refusal(role)
                if status != expected:
                    problems.append(
                        f"{role} {method.upper()} refused with {status}, "
                        f"expected {expected}"
                    )
                for leak in _leaks(role, body):
                    problems.append(f"{role} {method.upper()} refusal shows {leak}")

    # A POST (or DELETE) without a CSRF token, from someone who may POST.
    if rule.post:
        role = next(r for r in ROLES if r in rule.post)
        client = Client(enforce_csrf_checks=True)
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
        for method in ("post", "delete"):
            response, _, events = call(client, method, own)
            if response.status_code != 403 or events:
                problems.append(
                    f"{role} {method.upper()} without CSRF token: "
                    f"{response.status_code}, {events} event(s) written; "
                    "expected 403 and nothing changed"
                )
    # A page that takes no POST changes nothing when one comes anyway.
    elif rule.get:
        role = next(r for r in ROLES if r in rule.get)
        response, _, events = call(world.clients[role], "post", own)
        if response.status_code >= 500 or events:
            problems.append(
                f"{role} POST to a page that takes none: {response.status_code}, "
                f"{events} event(s) written"
            )
    return problems


def _log_in(world) -> None:
    # Fresh clients on the module's sessions for each test: a route that logs out
    # replaces its client's cookie. (The session itself survives: every request is
    # rolled back.)
    world.clients = {}
    for role, key in world.sessions.items():
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        world.clients[role] = client


@pytest.mark.parametrize("name", sorted(set(ROUTES) - {"admin"}))
def test_route(name, world):
    _log_in(world)
    problems = check_route(name, ROUTES[name], world)
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize(
    ("name", "overrides"),
    table.VARIANTS,
    ids=[f"{name}-{i}" for i, (name, _) in enumerate(table.VARIANTS)],
)
def test_route_variant(name, overrides, world):
    _log_in(world)
    rule = dataclasses.replace(ROUTES[name], **overrides)
    problems = check_route(name, rule, world)
    assert not problems, f"{name} {overrides}:\n  " + "\n  ".join(problems)


def test_admin_is_for_superusers_only(world):
    _log_in(world)
    # The admin shows every district unscoped (plc/urls.py): no school role opens it.
    for role in ROLES:
        response, _, _ = call(world.clients[role], "get", "/admin/")
        assert response.status_code == 302, role
        assert response["Location"].startswith("/admin/login/"), role
    response, _, _ = call(Client(), "get", "/admin/")
    assert response.status_code == 302
    staff_member = get_user_model().objects.create_user(
        email="staff@lakeside.example", password="x", is_staff=True
    )
    client = Client()
    client.force_login(staff_member)
    response, _, _ = call(client, "get", "/admin/")
    assert response.status_code == 302
    superuser = get_user_model().objects.create_superuser(
        email="root@lakeside.example", password="x"
    )
    client.force_login(superuser)
    response, _, _ = call(client, "get", "/admin/")
    assert response.status_code == 200


def test_confidential_notes_show_to_counselor_and_principal_only(world):
    _log_in(world)
    # The sweep above looks for the note's words; here they are, where they belong,
    # so that looking for them is not a test that cannot fail.
    url = reverse("interventions:case", kwargs={"pk": world.a.case.pk})
    for role in (PRINCIPAL, COUNSELOR):
        _, body, _ = call(world.clients[role], "get", url)
        assert CONFIDENTIAL_MARK in body, role
    for role in (table.TEACHER, table.INTERVENTIONIST, DISTRICT):
        response, body, _ = call(world.clients[role], "get", url)
        assert response.status_code == 200, role
        assert CONFIDENTIAL_MARK not in body, role


def test_foreign_students_are_named_where_they_belong(world):
    # The same for the other school's students: its principal sees them by name.
    client = Client()
    client.force_login(world.b.principal)
    _, body, _ = call(client, "get", reverse("schools:students"))
    assert FOREIGN_SURNAME in body


@pytest.mark.parametrize("name", ["accounts:login", "accounts:password_reset"])
def test_public_forms_refuse_a_post_without_csrf_token(name, world):
    response, _, events = call(Client(enforce_csrf_checks=True), "post", reverse(name))
    assert response.status_code == 403
    assert events == 0


def test_another_group_is_not_found_by_its_supervisor(world):
    # The interventionist runs the study hall, not the school's tutoring centre.
    client = Client()
    client.force_login(world.a.interventionist)
    pk = world.a.unsupervised_group.pk
    for name in ("interventions:group", "interventions:attendance"):
        response, _, _ = call(client, "get", reverse(name, kwargs={"pk": pk}))
        assert response.status_code == 404, name
    response, _, _ = call(
        client, "post", reverse("interventions:attendance", kwargs={"pk": pk})
    )
    assert response.status_code == 404


def test_another_caseload_is_not_listed(world):
    # The second counselor of school a has an empty caseload: the first
    # counselor's students are not on it, though the cases stay open to them.
    client = Client()
    client.force_login(world.a.other_counselor)
    _, body, _ = call(client, "get", reverse("interventions:caseload"))
    assert "Aldenbrook0" not in body
    client.force_login(world.a.counselor)
    _, body, _ = call(client, "get", reverse("interventions:caseload"))
    assert "Aldenbrook0" in body


def test_another_teachers_section_is_not_found(world):
    client = Client()
    client.force_login(world.a.colleague)
    section = world.a.section.pk
    for name, kwargs in (
        ("schools:section", {"pk": section}),
        (
            "assessments:grid",
            {"pk": world.a.open_assessment.pk, "section_pk": section},
        ),
    ):
        response, _, _ = call(client, "get", reverse(name, kwargs=kwargs))
        assert response.status_code == 404, name


def test_the_sweep_finds_a_foreign_object_and_a_confidential_note(world, monkeypatch):
    # Break the access layer on purpose: the sweep must say so, route by route.
    from interventions.access import CaseAccess
    from schools import views as roster_views
    from schools.models import Section

    _log_in(world)
    monkeypatch.setattr(
        roster_views, "section_for", lambda user, pk: Section.objects.get(pk=pk)
    )
    problems = check_route("schools:section", ROUTES["schools:section"], world)
    assert "principal GET other school's: 200, expected 404" in problems
    assert "colleague GET refused with 200, expected 404" in problems

    monkeypatch.setattr(CaseAccess, "can_see_confidential", property(lambda _: True))
    problems = check_route("interventions:case", ROUTES["interventions:case"], world)
    assert "teacher GET own shows a confidential counselor note" in problems


def _today() -> str:
    return timezone.localdate().isoformat()


# POSTs by someone who may use the route, each naming one object of the other
# school in its data; (route, its address, the data with a's and with b's
# objects, the role). With a's the change is made (so the check can fail); with
# b's nothing is written.
FOREIGN_POSTS = [
    (
        "interventions:group_place",
        lambda w: reverse("interventions:group_place", args=[w.a.group.pk]),
        lambda s: {"student": s.students[1].pk},
        PRINCIPAL,
    ),
    (
        "teams:members",
        lambda w: reverse("teams:members", args=[w.a.team.pk]),
        lambda s: {"user": s.colleague.pk, "role": "member"},
        PRINCIPAL,
    ),
    (
        "teams:create",
        lambda w: reverse("teams:create", args=[w.a.school.pk]),
        lambda s: {
            "name": "Geometry team",
            "kind": "course",
            "courses": [s.other_section.course_id],
            "mastery_method": "latest",
            "mastery_weight": "0.65",
            "mastery_n": "3",
        },
        PRINCIPAL,
    ),
    (
        "teams:meeting_create",
        lambda w: reverse("teams:meeting_create", args=[w.a.team.pk]),
        lambda s: {"kind": "team", "held_on": _today(), "attendees": [s.teacher.pk]},
        table.TEACHER,
    ),
    (
        "interventions:advisor_assign",
        lambda w: reverse(
            "interventions:advisor_assign", args=[w.a.school.pk, w.a.students[1].pk]
        ),
        lambda s: {"advisor": s.colleague.pk},
        COUNSELOR,
    ),
    (
        "interventions:case_open",
        lambda w: reverse("interventions:case_open") + f"?student={w.a.students[1].pk}",
        lambda s: {
            "course": s.course.pk,
            "outcomes": [s.outcome.pk],
            "reason": "Missed the unit test",
        },
        COUNSELOR,
    ),
]


@pytest.mark.parametrize(
    ("name", "url", "data", "role"), FOREIGN_POSTS, ids=[p[0] for p in FOREIGN_POSTS]
)
def test_a_post_naming_the_other_schools_object_changes_nothing(
    name, url, data, role, world
):
    _log_in(world)
    client = world.clients[role]
    url = url(world)
    response, _, events = call(client, "post", url, data(world.b))
    assert response.status_code < 500
    assert events == 0, f"{name} wrote {events} event(s) for another school's object"
    response, _, events = call(client, "post", url, data(world.a))
    assert response.status_code < 500
    assert events > 0, f"{name} with the school's own object changed nothing"
