"""Races are the database's problem: two openings at once make one case, and
two placements for the last seat seat one student and waitlist the other."""

import threading

import pytest
from django.db import connection

from interventions import services
from interventions.models import Case, CaseOutcome, Placement
from interventions.tests.conftest import snapshot
from schools.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def race(*jobs):
    """Run the jobs at the same moment, each on its own connection."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # reported to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return results


def test_two_openings_at_once_make_one_case_with_both_outcomes(ladder):
    student = ladder.taught_students[0]

    def opening(outcome):
        return lambda: services.case_open(
            student=student,
            course=ladder.course,
            outcomes=[(outcome, snapshot())],
            system="test",
        )

    results = race(opening(ladder.outcomes[0]), opening(ladder.outcomes[1]))
    assert sorted(r.created for r in results) == [False, True]
    case = Case.objects.get(student=student)
    assert set(
        CaseOutcome.objects.filter(case=case).values_list("outcome__code", flat=True)
    ) == {
        "ALG1.EO1",
        "ALG1.EO2",
    }
    assert case.actions.count() == 6  # the first rung entered once, not twice


def test_two_requests_for_the_last_seat_seat_one_and_waitlist_the_other(ladder):
    first = EnrollmentFactory(
        section=ladder.section, student=StudentFactory(school=ladder.school)
    ).student
    services.placement_request(
        group=ladder.study_hall, student=first, actor=ladder.principal
    )  # one of two seats left
    racers = [
        EnrollmentFactory(
            section=ladder.section, student=StudentFactory(school=ladder.school)
        ).student
        for _ in range(3)
    ]
    race(
        *[
            (
                lambda s=s: services.placement_request(
                    group=ladder.study_hall, student=s, actor=ladder.principal
                )
            )
            for s in racers
        ]
    )
    statuses = list(
        Placement.objects.filter(group=ladder.study_hall, student__in=racers)
        .order_by("requested_at", "pk")
        .values_list("status", flat=True)
    )
    assert sorted(statuses) == ["placed", "waitlisted", "waitlisted"]
    assert (
        Placement.objects.filter(group=ladder.study_hall, status="placed").count() == 2
    )
