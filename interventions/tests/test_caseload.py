"""The counselor's caseload: most urgent first, each row saying what to do."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from interventions import services
from interventions.caseload import Urgency, caseload_for
from interventions.models import CaseStatus
from interventions.tests.conftest import open_case
from schools.tests.factories import EnrollmentFactory, StudentFactory, staff

pytestmark = pytest.mark.django_db

OPENED = datetime.date(2026, 9, 7)  # a Monday
URL = reverse("interventions:caseload")


def new_student(ladder, **fields):
    fields.setdefault("counselor", ladder.counselor)
    return EnrollmentFactory(
        section=ladder.section, student=StudentFactory(school=ladder.school, **fields)
    ).student


def at(day):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(10)), tick=False
    )


def test_cases_are_sorted_by_urgency_with_the_next_thing_to_do(ladder):
    with at(OPENED):
        overdue_review = open_case(ladder, new_student(ladder, last_name="Adams")).case
    with at(OPENED + datetime.timedelta(days=30)):
        fresh = open_case(ladder, new_student(ladder, last_name="Baker")).case
        on_time = open_case(ladder, new_student(ladder, last_name="Chen")).case
        # Chen's actions are all done; Baker's are not due yet either.
        for action in on_time.actions.all():
            services.case_action_set_done(action=action, actor=ladder.counselor)
    today = OPENED + datetime.timedelta(days=45)  # past the 42-day review
    with at(today):
        caseload = caseload_for(
            counselor=ladder.counselor, school_ids=[ladder.school.pk], today=today
        )
    order = [row.case.pk for row in caseload.rows]
    assert order[0] == overdue_review.pk
    first = caseload.rows[0]
    assert first.urgency == Urgency.REVIEW_OVERDUE
    assert first.next_step.startswith("Review was due 3 days ago")
    assert first.next_url.endswith("#decision")
    assert "Actions overdue" in first.reasons
    by_pk = {row.case.pk: row for row in caseload.rows}
    assert by_pk[fresh.pk].urgency == Urgency.ACTIONS_OVERDUE
    assert by_pk[fresh.pk].next_step.startswith("Overdue: ")
    assert by_pk[on_time.pk].urgency == Urgency.ON_TRACK
    assert order[-1] == on_time.pk
    # The three untouched students of the cast are reachable, counted.
    assert caseload.students_without_case == 3


def test_no_progress_check_this_week_and_waiting_for_a_seat(ladder):
    with at(OPENED):
        case = open_case(ladder, new_student(ladder)).case
        for action in case.actions.all():
            services.case_action_set_done(action=action, actor=ladder.counselor)
        services.case_move(
            case=case, actor=ladder.counselor, direction="up", reason="x"
        )
        for action in case.actions.filter(done_at__isnull=True).exclude(
            kind="progress_check"
        ):
            services.case_action_set_done(action=action, actor=ladder.counselor)
    today = OPENED + datetime.timedelta(days=3)
    with at(today):
        row = caseload_for(
            counselor=ladder.counselor, school_ids=[ladder.school.pk], today=today
        ).rows[0]
        assert row.urgency == Urgency.NO_CHECK_THIS_WEEK
        assert row.next_step == "Log this week's progress check"
        services.progress_check_add(
            case=case, actor=ladder.counselor, progress="on_track"
        )
        row = caseload_for(
            counselor=ladder.counselor, school_ids=[ladder.school.pk], today=today
        ).rows[0]
        assert row.urgency == Urgency.ON_TRACK
    # Fill the study hall, then move the case up into it: it waits, second in line.
    with at(today):
        for _ in range(2):
            services.placement_request(
                group=ladder.study_hall,
                student=new_student(ladder),
                actor=ladder.principal,
            )
        services.placement_request(
            group=ladder.study_hall, student=new_student(ladder), actor=ladder.principal
        )
        services.case_move(
            case=case, actor=ladder.counselor, direction="up", reason="y"
        )
        case.refresh_from_db()
        assert case.status == CaseStatus.WAITLISTED
        row = next(
            r
            for r in caseload_for(
                counselor=ladder.counselor, school_ids=[ladder.school.pk], today=today
            ).rows
            if r.case.pk == case.pk
        )
    assert "Waiting for a seat" in row.reasons
    assert row.waitlist_position == 2
    assert (
        row.next_step
        == "Waiting for a seat in the guided study hall (number 2 in line)"
    )


def test_attendance_below_the_threshold_is_flagged_before_the_review(ladder):
    """At the review a rung attended under 80% counts as not delivered; the
    counselor sees it coming while there is time to get the student there."""
    with at(datetime.date(2026, 10, 2)):
        case = open_case(ladder).case  # Support seats the student in tutoring
        for action in case.actions.all():
            services.case_action_set_done(action=action, actor=ladder.counselor)
    friday = datetime.date(2026, 10, 9)
    with at(friday):
        for day, mark in [(5, "present"), (6, "absent"), (7, "present"), (8, "absent")]:
            services.attendance_take(
                group=ladder.tutoring,
                actor=ladder.principal,
                on=datetime.date(2026, 10, day),
                marks={case.student.pk: (mark, None)},
            )
        services.progress_check_add(
            case=case, actor=ladder.counselor, progress="on_track"
        )
        (row,) = caseload_for(
            counselor=ladder.counselor, school_ids=[ladder.school.pk], today=friday
        ).rows
    assert row.urgency == Urgency.ATTENDANCE_LOW
    assert row.reasons == ["Attendance below 80%"]
    assert row.next_step == (
        f"Attended 2 of 4 sessions (50%): see that the student gets to the "
        f"group before the review on {case.next_review_on:%-d %b}"
    )
    assert row.next_url.endswith("#groups")
    # Ahead of nothing more pressing: a case on schedule comes after it.
    assert Urgency.ATTENDANCE_LOW < Urgency.ON_TRACK
    assert Urgency.PLAN_NOT_DELIVERED < Urgency.ATTENDANCE_LOW


def test_the_page_filters_and_names_an_unknown_filter(login, ladder):
    open_case(ladder, new_student(ladder, grade_level=9))
    client = login(ladder.counselor)
    assert client.get(URL, {"grade": "9"}).context["caseload"].rows
    assert not client.get(URL, {"grade": "10"}).context["caseload"].rows
    refused = client.get(URL, {"rung": "banana"})
    assert refused.status_code == 200
    assert "“banana” is not a rung of your school&#x27;s ladder." in (
        refused.content.decode()
    )
    assert refused.context["caseload"].rows == []


def test_the_page_uses_a_fixed_number_of_queries(
    login, ladder, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(ladder.counselor)
    open_case(ladder, new_student(ladder))
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _ in range(25):
        open_case(ladder, new_student(ladder))
    with django_assert_num_queries(len(few)):
        response = client.get(URL)
    assert len(response.context["caseload"].rows) == 26


def test_each_counselor_sees_only_their_own_caseload(login, ladder):
    other = staff("counselor", school=ladder.school, email="second@stevenson.example")
    open_case(ladder, new_student(ladder))
    theirs = open_case(ladder, new_student(ladder, counselor=other)).case
    rows = login(ladder.counselor).get(URL).context["caseload"].rows
    assert theirs.pk not in {row.case.pk for row in rows}
    assert [r.case.pk for r in login(other).get(URL).context["caseload"].rows] == [
        theirs.pk
    ]


@pytest.mark.parametrize("who", ["teacher", "principal", "interventionist"])
def test_people_without_a_caseload_are_told_so(login, ladder, who):
    response = login(getattr(ladder, who)).get(URL)
    assert response.status_code == 403
    assert "Caseloads belong to counselors" in response.content.decode()


def test_anonymous_is_sent_to_log_in(client, ladder):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_ungraded_student_on_the_caseload_leaves_the_grade_filter_working(
    login, ladder
):
    # A roster may give a student no grade level (UG, 13, PS); the caseload
    # lists their case and offers only real grades to filter by.
    open_case(ladder, new_student(ladder, grade_level=None))
    open_case(ladder, new_student(ladder, grade_level=9))
    client = login(ladder.counselor)
    response = client.get(URL)
    assert response.status_code == 200
    assert len(response.context["caseload"].rows) == 2
    assert [g for g, _ in response.context["caseload"].grades] == [9]
