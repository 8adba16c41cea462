"""Each role's home page shows what that person has today, in fixed queries."""

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import UserFactory
from schools.tests.factories import (
    EnrollmentFactory,
    SchoolFactory,
    SectionFactory,
    StudentFactory,
    give_role,
    teach,
)

pytestmark = pytest.mark.django_db

HOME = reverse("dashboards:home")


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next=/"


def test_teacher_sees_their_classes_with_student_counts(login, cast):
    response = login(cast.teacher).get(HOME)
    page = response.content.decode()
    assert "My classes this term" in page
    assert cast.section.name in page
    assert cast.other_section.name not in page
    (row,) = response.context["teacher_sections"]
    assert row.student_count == 3
    assert response.context["teacher_student_total"] == 3


def test_counselor_sees_their_caseload(login, cast):
    response = login(cast.counselor).get(HOME)
    page = response.content.decode()
    assert "My caseload" in page
    # No case is open yet: the three students are counted and reachable.
    assert response.context["caseload"].rows == []
    assert response.context["caseload"].students_without_case == 3
    assert "3 other students on your caseload" in page


def test_principal_sees_their_school_at_a_glance(login, cast):
    response = login(cast.principal).get(HOME)
    (summary,) = response.context["principal_schools"]
    assert summary.school == cast.school
    assert summary.student_count == 4
    assert summary.current_sections == 2
    assert summary.students_without_counselor == 1
    assert summary.staff_by_role["Teacher"] == 1
    assert "Stevenson High School at a glance" in response.content.decode()
    assert "Riverbend" not in response.content.decode()


def test_district_admin_sees_schools_side_by_side(login, cast):
    response = login(cast.district_admin).get(HOME)
    names = [s.school.name for s in response.context["district_schools"]]
    assert names == ["Riverbend High School", "Stevenson High School"]
    assert response.context["district_totals"]["students"] == 5


def test_far_admin_sees_none_of_this_district(login, cast):
    response = login(cast.far_admin).get(HOME)
    assert response.context["district_schools"] == []
    assert "Stevenson" not in response.content.decode()


def test_interventionist_is_told_plainly_they_have_no_group_yet(login, cast):
    page = login(cast.interventionist).get(HOME).content.decode()
    assert "You run no group yet" in page


def test_person_without_a_role_is_told_what_to_do(login):
    page = login(UserFactory()).get(HOME).content.decode()
    assert "Your account has no school role yet" in page


def test_principal_home_query_count_is_fixed(login, cast, django_assert_num_queries):
    client = login(cast.principal)
    client.get(HOME)
    # The school at a glance, the daily review's status (3), team and case
    # actions, whether they run a group, and what is new for them.
    with django_assert_num_queries(14) as small:
        client.get(HOME)
    for grade in (9, 10, 11, 12):
        section = SectionFactory(course__school=cast.school)
        for _ in range(5):
            EnrollmentFactory(
                section=section,
                student=StudentFactory(school=cast.school, grade_level=grade),
            )
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(HOME)


def test_teacher_home_query_count_is_fixed(login, cast, django_assert_num_queries):
    client = login(cast.teacher)
    client.get(HOME)
    # Classes, results to enter, team and case actions, supports (3), groups (1),
    # what is new, and the re-assessments to give today.
    with django_assert_num_queries(14) as small:
        client.get(HOME)
    for _ in range(4):
        section = SectionFactory(course__school=cast.school)
        teach(cast.teacher, section)
        for _ in range(5):
            EnrollmentFactory(
                section=section, student=StudentFactory(school=cast.school)
            )
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(HOME)


def test_district_home_query_count_is_fixed(login, cast, django_assert_num_queries):
    client = login(cast.district_admin)
    client.get(HOME)
    with django_assert_num_queries(10) as small:  # with what is new
        client.get(HOME)
    for _ in range(5):
        SchoolFactory(district=cast.district)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(HOME)


def test_a_person_with_two_roles_sees_both(login, cast):
    give_role(cast.teacher, Role.COUNSELOR, school=cast.school)
    cast.untaught_student.counselor = cast.teacher
    cast.untaught_student.save()
    page = login(cast.teacher).get(HOME).content.decode()
    assert "My classes this term" in page
    assert "My caseload" in page
