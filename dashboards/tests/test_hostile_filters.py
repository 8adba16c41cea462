"""Random and hostile query strings on every page that reads one: never a
server error. A bad filter answers 400 or 404 with a message, or is ignored.

Covered here: the principal's dashboard and its drill-downs and exports (term,
measure, subgroup, tier, flow, owner, outcome, course, team, assessment,
group, format, page), the district's and the teacher's dashboards (term, sort,
dir, format), home, the student's story and its record of access (page), the
roster's student search (q, grade, page), the import history (page), team
lists (page, retired), the caseload (rung, course, grade), the case-open
search (student, course, q), the group search (q), advisors (q, page) and the
notifications (page).
"""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from dashboards.measures import MEASURES
from plc.tests.hostile import db_settings, hostile_text

pytestmark = pytest.mark.django_db

PARAMS = [
    "term",
    "measure",
    "subgroup",
    "tier",
    "flow",
    "owner",
    "outcome",
    "course",
    "team",
    "assessment",
    "group",
    "format",
    "page",
    "sort",
    "dir",
    "q",
    "grade",
    "rung",
    "student",
    "retired",
    "seen",
]

FILTERS = ["outcome", "course", "team", "assessment", "group", "tier", "owner"]
FILTERS += ["flow", "subgroup", "page", "term"]

numberish = st.one_of(
    hostile_text(),
    st.integers().map(str),
    st.sampled_from(["²", "٣", "١٢", "0", "00", " 1 ", "1.0", "csv"]),
)


def query():
    return st.fixed_dictionaries(
        {},
        optional={
            name: st.one_of(numberish, st.lists(numberish, min_size=2, max_size=2))
            for name in PARAMS
        },
    )


def get_all(client, urls, params):
    for url in urls:
        response = client.get(url, params)
        assert response.status_code < 500, url
        if response.status_code == 400:
            assert response.content, url  # a message, not a blank page


@db_settings
@given(
    params=query(),
    measure=st.sampled_from([*MEASURES, "", "nope"]),
    name=st.sampled_from(FILTERS),
    raw=numberish,
)
def test_principal_dashboard_and_drilldowns(cast, login, params, measure, name, raw):
    client = login(cast.principal)
    school = cast.school.pk
    get_all(
        client,
        [
            reverse("dashboards:school", args=[school]),
            reverse("dashboards:school_students", args=[school]),
            reverse("dashboards:school_export", args=[school, "equity"]),
            reverse("dashboards:school_export", args=[school, "teams"]),
        ],
        params,
    )
    get_all(
        client,
        [reverse("dashboards:school_students", args=[school])],
        {**params, "measure": measure, name: raw},
    )


@db_settings
@given(params=query())
def test_district_teacher_home_and_story(cast, login, params):
    get_all(login(cast.district_admin), [reverse("dashboards:district")], params)
    student = cast.taught_students[0].pk
    get_all(
        login(cast.teacher),
        [
            reverse("dashboards:mine"),
            reverse("dashboards:home"),
            reverse("dashboards:student", args=[student]),
            reverse("schools:students"),
            reverse("teams:list"),
            reverse("interventions:whats_new"),
        ],
        params,
    )
    get_all(
        login(cast.principal),
        [
            reverse("dashboards:student_access", args=[student]),
            reverse("schools:import_history"),
            reverse("interventions:groups"),
        ],
        params,
    )


@db_settings
@given(params=query())
def test_counselor_lists(cast, login, params):
    get_all(
        login(cast.counselor),
        [
            reverse("interventions:caseload"),
            reverse("interventions:case_open"),
            reverse("interventions:advisors", args=[cast.school.pk]),
            reverse("interventions:caseloads", args=[cast.school.pk]),
        ],
        params,
    )


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("outcome", "²"),
        ("course", "¹²"),
        ("team", "99999999999999999999"),
        ("outcome", "9223372036854775808"),
    ],
)
def test_a_number_filter_that_is_no_id_is_refused_by_name(cast, login, name, raw):
    response = login(cast.principal).get(
        reverse("dashboards:school_students", args=[cast.school.pk]),
        {"measure": "kept_assessed", name: raw},
    )
    assert response.status_code == 400
    assert f"The {name} filter “{raw}”".encode() in response.content


@pytest.mark.parametrize("raw", ["²", "99999999999999999999"])
@pytest.mark.parametrize(
    ("measure", "name"), [("tier", "tier"), ("actions_overdue", "owner")]
)
def test_a_tier_or_owner_that_is_no_id_is_refused(cast, login, measure, name, raw):
    response = login(cast.principal).get(
        reverse("dashboards:school_students", args=[cast.school.pk]),
        {"measure": measure, name: raw},
    )
    assert response.status_code == 400
    assert f"“{raw}”".encode() in response.content
