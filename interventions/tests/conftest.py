"""A school with the default ladder, a course team, groups and a case or two.

Builds on the fixed cast: `cast.teacher` teaches `cast.section` (Algebra 1) with
three students whose counselor is `cast.counselor`; `cast.interventionist`
supervises the guided study hall.
"""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from interventions import services
from interventions.models import Group, GroupKind, SweepRun
from teams.tests.factories import OutcomeFactory, TeamFactory


def snapshot(value=55):
    return {
        "status": "not_yet",
        "value": value,
        "method": "latest",
        "calculation": f"latest score {value}% < 80%",
        "assessment": "Unit 2 common assessment",
    }


@pytest.fixture
def ladder(cast):
    rungs = services.ladder_install_default(school=cast.school, system="test")
    course = cast.section.course
    team = TeamFactory(school=cast.school, name="Algebra 1 team", courses=[course])
    outcomes = [
        OutcomeFactory(team=team, course=course, code=f"ALG1.EO{i}", position=i)
        for i in (1, 2, 3)
    ]
    tutoring = Group.objects.create(
        school=cast.school,
        name="Tutoring centre",
        kind=GroupKind.TUTORING_CENTRE,
        weekdays=[1, 2, 3, 4, 5],
    )
    required = Group.objects.create(
        school=cast.school,
        name="Required tutoring",
        kind=GroupKind.REQUIRED_TUTORING,
        weekdays=[2, 4],
        capacity=20,
    )
    study_hall = Group.objects.create(
        school=cast.school,
        name="Guided study hall P3",
        kind=GroupKind.GUIDED_STUDY_HALL,
        supervisor=cast.interventionist,
        weekdays=[1, 2, 3, 4, 5],
        period="Period 3",
        capacity=2,
    )
    return SimpleNamespace(
        **vars(cast),
        rungs=rungs,
        course=course,
        team=team,
        outcomes=outcomes,
        tutoring=tutoring,
        required=required,
        study_hall=study_hall,
    )


def open_case(ladder, student=None, outcomes=None, **kwargs):
    student = student or ladder.taught_students[0]
    outcomes = outcomes or ladder.outcomes[:1]
    return services.case_open(
        student=student,
        course=ladder.course,
        outcomes=[(o, snapshot()) for o in outcomes],
        system=kwargs.pop("system", "test"),
        **kwargs,
    )


def reviewed_today(*schools) -> None:
    """Record that each school's daily review ran and succeeded just now."""
    now = timezone.now()
    for school in schools:
        SweepRun.objects.create(
            school=school,
            kind=SweepRun.Kind.DAILY,
            as_of=timezone.localdate(),
            status=SweepRun.Status.SUCCEEDED,
            started_at=now,
            finished_at=now,
        )
