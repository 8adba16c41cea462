"""The student's story: each part shown to those who may see it, refusals for
everyone else, the arithmetic behind mastery, and a fixed number of queries
whatever the length of the student's history."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import kept
from assessments.models import AssessmentItem, CommonAssessment, ItemScore
from interventions import services
from interventions.models import (
    Attendance,
    CaseNote,
    ParentContact,
    Placement,
    ProgressCheck,
    Session,
)
from interventions.tests.conftest import ladder, open_case  # noqa: F401
from schools.models import AccessedStudent, AccessRecord
from schools.tests.factories import GuardianFactory

pytestmark = pytest.mark.django_db

CONFIDENTIAL = "Family is moving out of state in March"
OPEN_NOTE = "Prefers to sit near the front"


def story_url(student):
    return reverse("dashboards:student", args=[student.pk])


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def give_results(school, student, scores, *, outcome=None, start=None):
    """Finalized one-item assessments on `outcome`, one per score (out of 10),
    a week apart, then kept mastery as the sweep would compute it."""
    outcome = outcome or school.outcomes[0]
    start = start or timezone.localdate() - datetime.timedelta(days=7 * len(scores))
    for i, points in enumerate(scores):
        assessment = CommonAssessment.objects.create(
            team=school.team,
            course=school.course,
            title=f"Check {i + 1}",
            administered_on=start + datetime.timedelta(days=7 * i),
            status=CommonAssessment.Status.FINALIZED,
        )
        item = AssessmentItem.objects.create(
            assessment=assessment, number=1, max_points=Decimal(10), outcome=outcome
        )
        ItemScore.objects.create(item=item, student=student, points=Decimal(points))
    kept.refresh_students([student.pk])


@pytest.fixture
def story(ladder):  # noqa: F811
    """Jordan (the teacher's student, on the counselor's caseload) with two
    results, a case with a confidential and an open note, a parent contact, a
    seat in the tutoring centre with attendance, and a guardian."""
    student = ladder.taught_students[0]
    give_results(ladder, student, [6, 9])
    case = open_case(ladder, student).case
    services.case_note_add(
        case=case, actor=ladder.counselor, text=CONFIDENTIAL, confidential=True
    )
    services.case_note_add(
        case=case, actor=ladder.teacher, text=OPEN_NOTE, confidential=False
    )
    guardian = GuardianFactory(district=ladder.district, first_name="Marisol")
    guardian.students.add(student)
    services.parent_contact_add(
        case=case,
        actor=ladder.counselor,
        contacted_on=timezone.localdate(),
        method=ParentContact.Method.PHONE,
        guardian=guardian,
        summary="Talked about the tutoring centre pass",
        parents_informed=True,
        not_informed_reason="",
    )
    return ladder


# Who may open the story ----------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, story):
    response = client.get(story_url(story.taught_students[0]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("who", "student", "status"),
    [
        ("teacher", "taught", 200),
        ("teacher", "untaught", 404),
        ("teacher", "foreign", 404),
        ("counselor", "taught", 200),
        ("counselor", "untaught", 404),
        ("principal", "untaught", 200),
        ("principal", "foreign", 404),
        ("other_principal", "taught", 404),
        ("other_teacher", "taught", 404),
        ("interventionist", "taught", 404),
        ("district_admin", "foreign", 200),
        ("district_admin", "taught", 200),
        ("far_admin", "taught", 404),
    ],
)
def test_the_story_is_need_to_know(login, story, who, student, status):
    target = {
        "taught": story.taught_students[0],
        "untaught": story.untaught_student,
        "foreign": story.foreign_student,
    }[student]
    assert login(getattr(story, who)).get(story_url(target)).status_code == status


def test_a_group_supervisor_reads_the_story_of_a_student_in_their_group(login, story):
    student = story.taught_students[0]
    client = login(story.interventionist)
    assert client.get(story_url(student)).status_code == 404
    Placement.objects.create(
        group=story.study_hall,
        student=student,
        status=Placement.Status.PLACED,
        placed_on=timezone.localdate(),
    )
    html = text_of(client.get(story_url(student)))
    assert story.study_hall.name in html
    assert CONFIDENTIAL not in html


def test_the_old_student_address_sends_readers_to_the_story(login, story):
    student = story.taught_students[0]
    response = login(story.teacher).get(reverse("schools:student", args=[student.pk]))
    assert response.status_code == 302
    assert response.url == story_url(student)
    assert not AccessRecord.objects.exists()  # the redirect itself shows nothing


def test_reading_the_story_is_recorded(login, story):
    student = story.taught_students[0]
    login(story.teacher).get(story_url(student))
    record = AccessRecord.objects.get()
    assert (record.user, record.role, record.what) == (
        story.teacher,
        "Teacher",
        "Student record",
    )
    assert list(record.students.values_list("student_id", flat=True)) == [student.pk]


def test_a_refused_story_records_nothing(login, story):
    login(story.teacher).get(story_url(story.foreign_student))
    assert not AccessedStudent.objects.exists()


# What each reader sees ----------------------------------------------------------


def test_the_teacher_sees_classes_mastery_history_and_the_case(login, story):
    html = text_of(login(story.teacher).get(story_url(story.taught_students[0])))
    assert story.section.name in html
    assert "Rivera" in html  # the class's teacher
    # Mastery with its arithmetic and the scores behind it, oldest first.
    assert "ALG1.EO1" in html
    assert re.search(r"60% .{0,80}not yet proficient.{0,40} on Check 1", html)
    assert re.search(r"90% .{0,60}on Check 2", html)
    assert "Assessment history" in html
    # The intervention: rung, outcomes and the rungs over time.
    assert "Support (tier 1)" in html
    assert "Rungs over time" in html
    assert "Entered “Support” (tier 1)" in html
    assert "Talked about the tutoring centre pass" in html
    assert "Marisol" in html
    assert OPEN_NOTE in html


def test_confidential_note_text_never_reaches_a_teacher(login, story):
    html = text_of(login(story.teacher).get(story_url(story.taught_students[0])))
    assert CONFIDENTIAL not in html
    assert "Restricted note by" in html  # that it exists, not what it says


@pytest.mark.parametrize("who", ["counselor", "principal"])
def test_counselors_and_principals_read_confidential_notes(login, story, who):
    html = text_of(login(getattr(story, who)).get(story_url(story.taught_students[0])))
    assert CONFIDENTIAL in html


def test_a_district_admin_sees_the_story_without_confidential_text(login, story):
    html = text_of(login(story.district_admin).get(story_url(story.taught_students[0])))
    assert "Entered “Support” (tier 1)" in html
    assert CONFIDENTIAL not in html


def test_mastery_shows_the_method_and_the_arithmetic(login, story):
    from assessments.models import StudentMastery

    mastery = StudentMastery.objects.get(
        student=story.taught_students[0], outcome=story.outcomes[0]
    )
    html = text_of(login(story.teacher).get(story_url(story.taught_students[0])))
    assert mastery.explanation in html
    assert "2 scores" in html


def test_a_student_without_results_has_no_evidence_not_a_failure(login, story):
    html = text_of(login(story.teacher).get(story_url(story.taught_students[1])))
    assert "no evidence either way" in html
    assert "No intervention case" in html


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("principal", True),
        ("district_admin", True),
        ("teacher", False),
        ("counselor", False),
    ],
)
def test_only_principals_and_district_admins_get_the_access_record_link(
    login, story, who, shown
):
    student = story.taught_students[0]
    html = text_of(login(getattr(story, who)).get(story_url(student)))
    link = reverse("dashboards:student_access", args=[student.pk])
    assert (link in html) is shown


def test_open_a_case_is_offered_to_the_schools_counselor_and_principal(login, story):
    student = story.taught_students[0]
    for who, offered in [("counselor", True), ("principal", True), ("teacher", False)]:
        html = text_of(login(getattr(story, who)).get(story_url(student)))
        assert ("Open an intervention case" in html) is offered, who


def test_a_case_of_another_school_is_not_shown_to_this_schools_teacher(login, story):
    """A student who moved keeps the case of their old school; the new school's
    teacher does not read it (interventions/access.py)."""
    from interventions.models import Case

    student = story.taught_students[0]
    Case.objects.filter(student=student).update(school=story.other_school)
    html = text_of(login(story.teacher).get(story_url(student)))
    assert "Rungs over time" not in html
    assert "Talked about the tutoring centre pass" not in html


def test_groups_show_attendance_in_words(login, story):
    student = story.taught_students[0]
    # Opening the case gave the student a seat in the tutoring centre.
    placement = Placement.objects.get(student=student, group=story.tutoring)
    today = timezone.localdate()
    placement.placed_on = today - datetime.timedelta(days=10)
    placement.save()
    marks = ["present", "absent", "present", "excused"]
    for days_ago, mark in zip([8, 6, 4, 2], marks, strict=True):
        session = Session.objects.create(
            group=story.tutoring, on=today - datetime.timedelta(days=days_ago)
        )
        Attendance.objects.create(session=session, student=student, mark=mark)
    html = text_of(login(story.teacher).get(story_url(student)))
    assert placement.group.name in html
    assert "2 of 3 sessions (66.7%)" in html
    assert "1 excused" in html


# Queries ---------------------------------------------------------------------


def _a_long_history(school, student, case, *, weeks: int) -> None:
    give_results(school, student, [5 + i % 5 for i in range(weeks)])
    give_results(school, student, [7] * weeks, outcome=school.outcomes[1])
    today = timezone.localdate()
    ProgressCheck.objects.bulk_create(
        ProgressCheck(case=case, progress="on_track", by=school.counselor)
        for _ in range(weeks)
    )
    CaseNote.objects.bulk_create(
        CaseNote(case=case, text="n", confidential=i % 2 == 0, by=school.counselor)
        for i in range(weeks)
    )
    ParentContact.objects.bulk_create(
        ParentContact(case=case, method="phone", summary="Call", by=school.counselor)
        for _ in range(weeks)
    )
    Placement.objects.filter(student=student, group=school.tutoring).update(
        placed_on=today - datetime.timedelta(days=weeks * 7)
    )
    for day in range(weeks):
        session, _ = Session.objects.get_or_create(
            group=school.tutoring, on=today - datetime.timedelta(days=day + 1)
        )
        Attendance.objects.create(session=session, student=student, mark="present")


# Pinned: a change here means the page reads more (or less) than it did.
QUERIES = 26


def test_the_story_costs_the_same_queries_however_long_the_history(
    login,
    ladder,  # noqa: F811
    django_assert_num_queries,
):
    short, long = ladder.taught_students[0], ladder.taught_students[1]
    for student, weeks in [(short, 2), (long, 30)]:
        case = open_case(ladder, student).case
        _a_long_history(ladder, student, case, weeks=weeks)
    client = login(ladder.counselor)
    client.get(story_url(short))  # warm the session
    with CaptureQueriesContext(connection) as short_queries:
        assert client.get(story_url(short)).status_code == 200
    with django_assert_num_queries(len(short_queries)):
        assert client.get(story_url(long)).status_code == 200
    with django_assert_num_queries(QUERIES):
        client.get(story_url(long))
