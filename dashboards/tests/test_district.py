"""The district dashboard: the principal's measures school by school, with the
district total; only for the district's admins. Uses the school worked out by
hand in `test_school.py` (Stevenson) beside Riverbend, which has one student."""

import csv
import io

import pytest

from dashboards.district import district_dashboard
from dashboards.tests.test_school import school  # noqa: F401 - the fixture
from schools.tests.factories import SchoolFactory, StudentFactory, TermFactory

URL = "/district/"


def rows_by_name(board):
    return {row.school.name: row for row in board.rows}


def test_each_school_side_by_side_with_the_total(school):  # noqa: F811
    board = district_dashboard(school.district_admin)
    rows = rows_by_name(board)
    assert set(rows) == {"Stevenson High School", "Riverbend High School"}
    stevenson = rows["Stevenson High School"]
    assert stevenson.students == 6
    assert (stevenson.kept.assessed, stevenson.kept.proficient) == (9, 6)
    assert str(stevenson.kept.percent) == "66.7"
    assert stevenson.tiers == {1: 1, 2: 1, 3: 1}
    assert stevenson.referred == 1
    assert stevenson.core == 2
    assert str(stevenson.intervention_share) == "66.7"
    assert stevenson.reviews_overdue == 1
    assert stevenson.plans_not_delivered == 1
    assert stevenson.actions_overdue == 1
    assert stevenson.waiting == 1
    riverbend = rows["Riverbend High School"]
    assert riverbend.students == 1
    assert riverbend.kept.percent is None  # its student's EO1 row is Stevenson's
    total = board.total
    assert total.students == 7
    assert (total.kept.assessed, total.kept.proficient) == (9, 6)
    assert total.referred == 1 and total.core == 3


def test_sorted_on_the_server_with_aria_sort(school, login):  # noqa: F811
    client = login(school.district_admin)
    response = client.get(URL, {"sort": "students", "dir": "desc"})
    board = response.context["board"]
    assert [r.school.name for r in board.rows] == [
        "Stevenson High School",
        "Riverbend High School",
    ]
    html = response.content.decode()
    assert (
        'aria-sort="descending" class="text-end"><a href="?sort=students&amp;dir=asc"'
        in html
    )
    assert html.count('aria-sort="none"') == len(board.columns) - 1
    ascending = client.get(URL, {"sort": "students"}).context["board"]
    assert ascending.rows[0].school.name == "Riverbend High School"
    # An unknown sort falls back to the school's name.
    assert client.get(URL, {"sort": "bogus"}).context["board"].sort == "name"


def test_each_school_links_to_its_dashboard(school, login):  # noqa: F811
    html = login(school.district_admin).get(URL).content.decode()
    assert f'href="/schools/{school.school.pk}/dashboard/"' in html
    assert f'href="/schools/{school.other_school.pk}/dashboard/"' in html


def test_another_districts_schools_never_appear(school, login):  # noqa: F811
    far = SchoolFactory(district=school.far_district, name="Far Away High")
    StudentFactory(school=far)
    board = login(school.district_admin).get(URL).context["board"]
    assert "Far Away High" not in rows_by_name(board)
    far_board = district_dashboard(school.far_admin)
    assert set(rows_by_name(far_board)) == {"Far Away High"}
    # Nor may the far admin open a school of this district.
    client = login(school.far_admin)
    assert client.get(f"/schools/{school.school.pk}/dashboard/").status_code == 404


@pytest.mark.parametrize("who", ["principal", "teacher", "counselor"])
def test_only_district_admins_open_it(school, login, who):  # noqa: F811
    assert login(getattr(school, who)).get(URL).status_code == 403


def test_anonymous_is_sent_to_log_in(school, client):  # noqa: F811
    assert client.get(URL).status_code == 302


def test_exports_the_table_with_the_total(school, login):  # noqa: F811
    response = login(school.district_admin).get(URL, {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["School", "Active students", "% proficient"]
    assert rows[-1][:3] == ["District total", "7", "66.7"]
    assert len(rows) == 4


def test_query_count_does_not_grow_with_the_schools(
    school,  # noqa: F811
    login,
    django_assert_num_queries,
):
    """Counted (some school changed) and kept (none did), at two sizes."""
    client = login(school.district_admin)
    with django_assert_num_queries(DISTRICT_COUNTED_QUERIES):
        client.get(URL)
    with django_assert_num_queries(DISTRICT_KEPT_QUERIES):
        client.get(URL)
    for _ in range(3):
        grown = SchoolFactory(district=school.district)
        TermFactory(school=grown)
        StudentFactory(school=grown)
    with django_assert_num_queries(DISTRICT_COUNTED_QUERIES):
        assert len(client.get(URL).context["board"].rows) == 5
    with django_assert_num_queries(DISTRICT_KEPT_QUERIES):
        assert len(client.get(URL).context["board"].rows) == 5


# The page's reads, the schools' versions and kept counts, then (counted) the
# kept mastery aggregate, clearing another term's counts and writing them.
DISTRICT_COUNTED_QUERIES = 16
DISTRICT_KEPT_QUERIES = 13
