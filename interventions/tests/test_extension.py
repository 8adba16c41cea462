"""Students who exceed are listed for extension, scoped to the viewer."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import StudentMastery
from interventions import services
from interventions.models import Group, GroupKind
from schools.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def exceeds(student, outcome):
    return StudentMastery.objects.create(
        student=student,
        outcome=outcome,
        value=98,
        status=StudentMastery.Status.EXCEEDS,
        score_count=2,
        method="latest",
        explanation="latest score 98% ≥ 95%",
    )


def url(ladder):
    return reverse("interventions:extension", args=[ladder.school.pk])


def test_students_who_exceed_are_listed_until_placed(login, ladder):
    star, other = ladder.taught_students[:2]
    exceeds(star, ladder.outcomes[0])
    exceeds(star, ladder.outcomes[1])
    group = Group.objects.create(
        school=ladder.school,
        name="Math seminar",
        kind=GroupKind.EXTENSION,
        weekdays=[3],
        capacity=12,
    )
    client = login(ladder.principal)
    data = client.get(url(ladder)).context["data"]
    (block,) = data.courses
    (row,) = block.rows
    assert row.student == star and row.outcomes == ["ALG1.EO1", "ALG1.EO2"]
    page = client.get(url(ladder)).content.decode()
    assert 'Place<span class="visually-hidden"> ' in page
    client.post(
        reverse("interventions:group_place", args=[group.pk]), {"student": star.pk}
    )
    data = client.get(url(ladder)).context["data"]
    assert data.courses == [] and data.placed == 1
    assert other.pk not in {r.student.pk for b in data.courses for r in b.rows}


def test_a_teacher_sees_their_own_students_and_cannot_place(login, ladder, cast):
    mine = ladder.taught_students[0]
    theirs = EnrollmentFactory(
        section=cast.other_section, student=StudentFactory(school=cast.school)
    ).student
    from teams.tests.factories import OutcomeFactory

    biology = OutcomeFactory(team=ladder.team, course=cast.other_section.course)
    exceeds(mine, ladder.outcomes[0])
    exceeds(theirs, biology)
    Group.objects.create(
        school=ladder.school, name="Seminar", kind=GroupKind.EXTENSION, weekdays=[3]
    )
    response = login(ladder.teacher).get(url(ladder))
    students = {r.student for b in response.context["data"].courses for r in b.rows}
    assert students == {mine}
    assert "Place<span" not in response.content.decode()


@pytest.mark.parametrize("who", ["other_principal", "far_admin"])
def test_another_schools_staff_are_refused(login, ladder, who):
    assert login(getattr(ladder, who)).get(url(ladder)).status_code == 404


def test_the_list_costs_the_same_for_two_students_or_thirty(
    login, ladder, django_assert_num_queries
):
    client = login(ladder.principal)
    for student in ladder.taught_students[:2]:
        exceeds(student, ladder.outcomes[0])
    client.get(url(ladder))
    with CaptureQueriesContext(connection) as few:
        client.get(url(ladder))
    for _ in range(28):
        student = EnrollmentFactory(
            section=ladder.section, student=StudentFactory(school=ladder.school)
        ).student
        exceeds(student, ladder.outcomes[0])
    with django_assert_num_queries(len(few)):
        response = client.get(url(ladder))
    assert len(response.context["data"].courses[0].rows) == 30


def test_an_open_case_does_not_hide_a_different_outcome_that_exceeds(ladder, login):
    student = ladder.taught_students[0]
    services.case_open(
        student=student,
        course=ladder.course,
        outcomes=[(ladder.outcomes[0], {"status": "not_yet"})],
        system="test",
    )
    exceeds(student, ladder.outcomes[2])
    data = login(ladder.principal).get(url(ladder)).context["data"]
    assert data.courses[0].rows[0].outcomes == ["ALG1.EO3"]
