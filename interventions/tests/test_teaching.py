"""Teachers see the supports their students get and the actions assigned to
them; never a confidential note."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interventions import services
from interventions.models import Responsible
from interventions.teaching import actions_for, supports_for_teacher
from interventions.tests.conftest import open_case
from schools.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db
HOME = reverse("dashboards:home")


def test_a_teacher_sees_each_of_their_students_rung_and_supports(ladder):
    student = ladder.taught_students[0]
    case = open_case(ladder, student).case
    (block,) = supports_for_teacher(ladder.teacher, school_ids=[ladder.school.pk])
    assert block.section == ladder.section
    (item,) = block.students
    assert item.case == case
    assert item.case.rung_name == "Support"
    assert "tutoring centre" in item.supports
    assert [p.group.name for p in item.groups] == ["Tutoring centre"]


def test_a_case_in_another_course_is_not_this_teachers(ladder, cast):
    from teams.tests.factories import OutcomeFactory

    biology = cast.other_section.course
    outcome = OutcomeFactory(team=ladder.team, course=biology, code="BIO.EO1")
    EnrollmentFactory(section=cast.other_section, student=ladder.taught_students[0])
    services.case_open(
        student=ladder.taught_students[0],
        course=biology,
        outcomes=[(outcome, {"status": "not_yet"})],
        system="test",
    )
    assert supports_for_teacher(ladder.teacher, school_ids=[ladder.school.pk]) == []


def test_the_actions_assigned_to_me_soonest_first_with_overdue_marked(ladder):
    with time_machine.travel(datetime.datetime(2026, 10, 5, 9), tick=False):
        open_case(ladder, ladder.taught_students[0])
    # The first teacher action fell due on Saturday 10 October, so on Monday 12.
    with time_machine.travel(datetime.datetime(2026, 10, 13, 9), tick=False):
        open_case(ladder, ladder.taught_students[1])
        actions = actions_for(ladder.teacher)
    assert [a.responsible for a in actions] == [Responsible.TEACHER] * 2
    assert [a.overdue for a in actions] == [True, False]


def test_the_teachers_home_shows_supports_and_actions_but_no_confidential_note(
    login, ladder
):
    case = open_case(ladder, ladder.taught_students[0]).case
    services.case_note_add(
        case=case,
        actor=ladder.counselor,
        text="Family is going through a divorce",
        confidential=True,
    )
    page = login(ladder.teacher).get(HOME).content.decode()
    assert "Supports for my students" in page
    assert "Intervention actions assigned to me" in page
    assert "Talk with the student about the outcome" in page
    assert "divorce" not in page


def test_the_teachers_home_costs_the_same_for_one_case_or_twenty(
    login, ladder, django_assert_num_queries
):
    client = login(ladder.teacher)
    open_case(ladder, ladder.taught_students[0])
    client.get(HOME)
    with CaptureQueriesContext(connection) as few:
        client.get(HOME)
    for _ in range(19):
        student = EnrollmentFactory(
            section=ladder.section, student=StudentFactory(school=ladder.school)
        ).student
        open_case(ladder, student)
    with django_assert_num_queries(len(few)):
        client.get(HOME)


def test_someone_who_left_the_school_no_longer_sees_its_actions(ladder):
    from schools.models import StaffRole

    open_case(ladder, ladder.taught_students[0])
    assert actions_for(ladder.teacher)
    StaffRole.objects.filter(user=ladder.teacher).update(is_active=False)
    ladder.teacher.__dict__.pop("_active_staff_roles", None)
    assert actions_for(ladder.teacher) == []
