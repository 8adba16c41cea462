"""The students behind each number of the principal's dashboard, and the CSV
exports. Uses the school worked out by hand in `test_school.py`."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.tests.test_school import (
    school,  # noqa: F401 - the fixture
    url,
)
from schools.models import AccessedStudent, AccessKind, AccessRecord


def listed(response) -> set[int]:
    return {row.student.pk for row in response.context["page"]}


def get(client, school, **params):  # noqa: F811
    return client.get(url(school, "students/"), params)


@pytest.fixture
def principal(school, login):  # noqa: F811
    return login(school.principal)


def ids(students):
    return {s.pk for s in students}


# Each number's list adds up to the number ---------------------------------------------


def test_kept_mastery_cell_lists_the_students_it_counts(school, principal):  # noqa: F811
    s1, s2, s3, s4, _ = school.students
    response = get(principal, school, measure="kept_assessed", outcome=school.eo1.pk)
    assert response.status_code == 200
    assert listed(response) == ids([s1, s2, s3, s4])
    not_yet = get(principal, school, measure="kept_not_yet", outcome=school.eo1.pk)
    assert listed(not_yet) == ids([s3, s4])
    proficient = get(principal, school, measure="kept_proficient", team=school.team.pk)
    assert len(proficient.context["page"].object_list) == 6
    html = not_yet.content.decode()
    # In words a principal reads, not the method's code name.
    assert "Not yet proficient, 60.0% (Most recent score, 1 score)" in html
    assert school.section.name in html


def test_window_cell_lists_each_score_against_its_cut(school, principal):  # noqa: F811
    s1, s2, s3, s4, _ = school.students
    response = get(
        principal,
        school,
        measure="window",
        assessment=school.window.pk,
        outcome=school.eo1.pk,
    )
    assert listed(response) == ids([s1, s2, s3, s4])
    values = {row.student.pk: row.value for row in response.context["page"]}
    assert values[s2.pk] == "80.0% (at or above the 80% cut)"
    assert values[s3.pk] == "60.0% (below the 80% cut)"
    assert values[s4.pk] == "80.0% (at or above the 80% cut)"


def test_tiers_list_each_student_once(school, principal):  # noqa: F811
    s1, _, s3, s4, s5 = school.students
    rungs = school.rungs
    assert listed(get(principal, school, measure="tier", tier="core")) == ids(
        [s5, school.untaught_student]
    )
    assert listed(get(principal, school, measure="tier", tier="referred")) == {s4.pk}
    assert listed(get(principal, school, measure="tier", tier=rungs[0].pk)) == {s1.pk}
    top = get(principal, school, measure="tier", tier=rungs[2].pk)
    assert listed(top) == {s3.pk}
    (row,) = top.context["page"]
    assert (row.course, row.value) == (school.biology.title, rungs[2].name)


def test_flows_and_overdue_lists(school, principal):  # noqa: F811
    s1, s2, s3, s4, _ = school.students
    entered = get(principal, school, measure="flow", flow="entered")
    assert listed(entered) == ids([s1, s2, s3, s4])
    assert len(entered.context["page"].object_list) == 5  # s3 entered twice
    assert listed(get(principal, school, measure="flow", flow="moved_up")) == {s2.pk}
    assert listed(get(principal, school, measure="review_overdue")) == {s1.pk}
    assert listed(get(principal, school, measure="plan_not_delivered")) == {s2.pk}
    actions = get(principal, school, measure="actions_overdue", owner=school.teacher.pk)
    assert listed(actions) == {s1.pk}
    assert listed(
        get(principal, school, measure="waitlist", group=school.study_hall.pk)
    ) == {s3.pk}


def test_a_drill_down_is_noted_in_the_record_of_access(school, principal):  # noqa: F811
    get(principal, school, measure="kept_not_yet", outcome=school.eo1.pk)
    record = AccessRecord.objects.get()
    assert record.kind == AccessKind.PAGE
    assert set(
        AccessedStudent.objects.filter(record=record).values_list(
            "student_id", flat=True
        )
    ) == ids(school.students[2:4])


# Bad filters get a message that names them -------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"measure": "nonsense"}, "“nonsense” is not a measure of this page"),
        ({}, "“” is not a measure of this page"),
        ({"measure": "kept_assessed", "outcome": "abc"}, "is not a number"),
        ({"measure": "kept_assessed", "outcome": "9" * 30}, "is too large to name"),
        ({"measure": "kept_assessed", "outcome": "١٢"}, "is not a number"),
        ({"measure": "tier", "tier": "9" * 30}, "is unknown"),
        ({"measure": "actions_overdue", "owner": "9" * 30}, "is not a person"),
        ({"measure": "kept_assessed", "outcome": "999999"}, "is not an outcome of"),
        ({"measure": "tier", "tier": "top"}, "Tier “top” is unknown"),
        ({"measure": "flow", "flow": "sideways"}, "“sideways” is not a flow"),
        ({"measure": "waitlist", "group": "999999"}, "is not a group of"),
        ({"measure": "window", "outcome": "1"}, "needs both an assessment"),
        (
            {"measure": "students", "subgroup": "shoe_size:9"},
            "is not a student subgroup",
        ),
        ({"measure": "students", "subgroup": "grade"}, "is not a subgroup"),
    ],
)
def test_an_unknown_filter_gets_a_clear_message(school, principal, params, message):  # noqa: F811
    response = get(principal, school, **params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_foreign_outcome_is_unknown_here(school, principal):  # noqa: F811
    from teams.tests.factories import OutcomeFactory

    foreign = OutcomeFactory(team__school=school.other_school)
    response = get(principal, school, measure="kept_assessed", outcome=foreign.pk)
    assert response.status_code == 400


# Never a student the viewer may not see ----------------------------------------------


def test_lists_are_scoped_to_the_school(school, login):  # noqa: F811
    client = login(school.principal)
    everyone = get(client, school, measure="students")
    assert school.foreign_student.pk not in listed(everyone)
    assert len(everyone.context["page"].object_list) == 6


def test_district_admin_may_drill_into_a_school_of_the_district(school, login):  # noqa: F811
    response = get(login(school.district_admin), school, measure="tier", tier="core")
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["teacher", "counselor"])
def test_staff_who_are_not_the_principal_get_no_drill_down(school, login, who):  # noqa: F811
    response = get(login(getattr(school, who)), school, measure="students")
    assert response.status_code == 403


# Exports -----------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_drill_down_exports_every_row_and_notes_an_export(school, principal):  # noqa: F811
    response = get(
        principal, school, measure="kept_assessed", outcome=school.eo1.pk, format="csv"
    )
    rows = read_csv(response)
    assert rows[0] == [
        "Student ID",
        "Name",
        "Grade",
        "Course",
        "Section",
        "Outcome: kept mastery",
    ]
    assert len(rows) == 5
    assert AccessRecord.objects.get().kind == AccessKind.EXPORT


@pytest.mark.parametrize(
    "table",
    [
        "teams",
        "proficiency",
        "pyramid",
        "flows",
        "overdue",
        "people",
        "groups",
        "equity",
        "goals",
    ],
)
def test_every_table_exports(school, principal, table):  # noqa: F811
    response = principal.get(url(school, f"{table}.csv"))
    assert response.status_code == 200
    rows = read_csv(response)
    assert rows[0]


def test_exported_figures_match_the_page(school, principal):  # noqa: F811
    rows = read_csv(principal.get(url(school, "proficiency.csv")))
    algebra = [r for r in rows if r[0] == "Algebra 1 team"]
    assert [r[2] for r in algebra] == ["ALG1.EO1", "ALG1.EO1", "ALG1.EO2"]
    assert algebra[0][4:] == [
        "Unit 1 common assessment",
        school.window.administered_on.isoformat(),
        "4",
        "3",
        "75.0",
        "70% to under 80%",
    ]
    assert algebra[1][4:] == [
        "Kept mastery now",
        "",
        "4",
        "2",
        "50.0",
        "Below 70%: under the reteach threshold",
    ]
    pyramid = read_csv(principal.get(url(school, "pyramid.csv")))
    assert pyramid[-2] == ["Core only", "2", "33.3"]
    assert pyramid[-1] == ["All active students", "6", "100.0"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_exports_neutralise_formulas_and_round_trip(school, principal, start):  # noqa: F811
    evil = f'{start}HYPERLINK("http://x.example","y"),"quoted"\nline'
    school.team.name = evil
    school.team.save()
    rows = read_csv(principal.get(url(school, "teams.csv")))
    assert rows[1][0] == "'" + evil
    rows = read_csv(
        principal.get(
            url(school, "students/"),
            {"measure": "kept_assessed", "team": school.team.pk, "format": "csv"},
        )
    )
    assert len(rows) == 10  # header and nine results; every quote and newline kept


def test_an_unknown_table_answers_404(school, principal):  # noqa: F811
    assert principal.get(url(school, "salaries.csv")).status_code == 404


def test_exports_refuse_like_the_page(school, login):  # noqa: F811
    assert login(school.teacher).get(url(school, "teams.csv")).status_code == 403
    assert login(school.far_admin).get(url(school, "teams.csv")).status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"measure": "kept_not_yet", "outcome": "eo1"},
        {"measure": "kept_proficient", "team": "team"},
    ],
)
def test_a_drill_down_takes_as_many_queries_whatever_the_school_size(
    school,  # noqa: F811
    principal,
    params,
    django_assert_max_num_queries,
):
    from dashboards.tests.test_school import _grow

    query = {
        k: getattr(school, v).pk if k != "measure" else v for k, v in params.items()
    }
    with CaptureQueriesContext(connection) as small:
        assert get(principal, school, **query).status_code == 200
    _grow(school, 6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert get(principal, school, **query).status_code == 200
