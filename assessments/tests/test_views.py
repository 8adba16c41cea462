"""Assessment pages: who may open, build and enter what; the cell endpoint."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.events import EventType
from accounts.models import Event
from assessments.models import CommonAssessment, ItemScore
from schools.models import AccessedStudent, AccessRecord
from schools.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db
# A grid page: session, user and roles; the assessment, membership and section;
# the grid's four reads (items, cuts, students, scores); the navigation's unread
# count; and the record of access, its row and then its students in one insert.
GRID_QUERIES = 13


def grid_url(exam, section):
    return reverse("assessments:grid", args=[exam.assessment.pk, section.pk])


def cell_url(exam, section):
    return reverse("assessments:cell", args=[exam.assessment.pk, section.pk])


def post_cell(client, exam, section, student, item, value, version=0):
    return client.post(
        cell_url(exam, section),
        {"student": student.pk, "item": item.pk, "value": value, "version": version},
        HTTP_HX_REQUEST="true",
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("teacher", 200),
        ("colleague", 200),
        ("principal", 200),
        ("district_admin", 200),
        ("bystander", 404),
        ("counselor", 404),
        ("other_teacher", 404),
        ("other_principal", 404),
        ("far_admin", 404),
    ],
)
def test_assessment_page_is_for_the_team_and_its_principal(login, exam, who, status):
    response = login(getattr(exam, who)).get(exam.assessment.get_absolute_url())
    assert response.status_code == status


def test_anonymous_is_sent_to_log_in(client, exam):
    response = client.get(exam.assessment.get_absolute_url())
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("who", "section", "status"),
    [
        ("teacher", "section", 200),  # the lead's own section
        ("teacher", "colleague_section", 200),  # a lead enters for any section
        ("colleague", "colleague_section", 200),
        ("colleague", "section", 404),  # a member only for their own sections
        ("principal", "section", 200),
        ("bystander", "section", 404),
        ("other_teacher", "section", 404),
    ],
)
def test_grid_is_for_own_sections_or_the_lead(login, exam, who, section, status):
    response = login(getattr(exam, who)).get(grid_url(exam, getattr(exam, section)))
    assert response.status_code == status


def test_grid_lists_the_section_students_and_items(login, exam):
    page = login(exam.teacher).get(grid_url(exam, exam.section)).content.decode()
    for student in exam.taught_students:
        assert student.local_id in page
    for student in exam.colleague_students:
        assert student.local_id not in page
    assert 'aria-label="Item 3,' in page


def test_saving_a_cell_answers_the_cell_and_the_row_totals(login, exam):
    client = login(exam.teacher)
    student = exam.taught_students[0]
    response = post_cell(client, exam, exam.section, student, exam.items[0], "3")
    html = response.content.decode()
    assert response.status_code == 200
    assert "just-saved" in html
    assert f'id="total-{student.pk}"' in html and 'hx-swap-oob="true"' in html
    assert "Saved item 1" in html
    assert ItemScore.objects.get(student=student).points == 3


def test_an_invalid_cell_is_marked_with_the_message_and_not_saved(login, exam):
    client = login(exam.teacher)
    student = exam.taught_students[0]
    response = post_cell(client, exam, exam.section, student, exam.items[1], "7")
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert "more than the 2 points" in html
    assert 'value="7"' in html  # what was typed stays, to be corrected
    assert not ItemScore.objects.exists()


def test_a_member_cannot_post_into_another_teachers_section(login, exam):
    client = login(exam.colleague)
    response = post_cell(
        client, exam, exam.section, exam.taught_students[0], exam.items[0], "3"
    )
    assert response.status_code == 404
    assert not ItemScore.objects.exists()


def test_a_student_of_another_section_cannot_be_posted_through_this_one(login, exam):
    client = login(exam.teacher)
    response = post_cell(
        client, exam, exam.section, exam.colleague_students[0], exam.items[0], "3"
    )
    assert response.status_code == 404


def test_an_item_of_another_assessment_is_refused(login, exam, squad):
    from assessments import services

    other = services.assessment_create(
        team=exam.team,
        course=exam.course,
        title="Other",
        administered_on=datetime.date.today(),
        actor=exam.teacher,
    )
    (foreign_item,) = services.items_replace(
        assessment=other,
        items=[services.ItemSpec(1, Decimal(2), exam.outcomes[0])],
        actor=exam.teacher,
    )
    response = post_cell(
        login(exam.teacher),
        exam,
        exam.section,
        exam.taught_students[0],
        foreign_item,
        "1",
    )
    assert response.status_code == 404


def test_a_cell_with_garbage_ids_is_a_plain_400(login, exam):
    response = login(exam.teacher).post(
        cell_url(exam, exam.section), {"student": "x", "item": "1"}
    )
    assert response.status_code == 400


def test_lead_builds_items_through_the_form(login, squad):
    client = login(squad.teacher)
    response = client.post(
        reverse("assessments:create", args=[squad.team.pk]),
        {"course": squad.course.pk, "title": "Unit 3", "administered_on": "2026-12-01"},
    )
    assessment = CommonAssessment.objects.get(title="Unit 3")
    assert response.url == reverse("assessments:build", args=[assessment.pk])
    eo1, eo2, _ = squad.outcomes
    data = {
        "a-title": "Unit 3",
        "a-administered_on": "2026-12-01",
        "items-TOTAL_FORMS": "4",
        "items-INITIAL_FORMS": "4",
        "items-0-label": "Slope",
        "items-0-max_points": "4",
        "items-0-outcome": eo1.pk,
        "items-1-max_points": "2",
        "items-1-outcome": eo2.pk,
        "items-2-label": "",
        "items-3-label": "",
        "cuts-TOTAL_FORMS": "0",
        "cuts-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("assessments:build", args=[assessment.pk]), data)
    assert response.status_code == 302
    assert [(i.number, i.max_points, i.outcome) for i in assessment.items.all()] == [
        (1, Decimal(4), eo1),
        (2, Decimal(2), eo2),
    ]


def test_a_half_filled_item_row_names_what_is_missing(login, squad):
    from assessments import services

    assessment = services.assessment_create(
        team=squad.team,
        course=squad.course,
        title="Unit 4",
        administered_on=datetime.date.today(),
        actor=squad.teacher,
    )
    response = login(squad.teacher).post(
        reverse("assessments:build", args=[assessment.pk]),
        {
            "a-title": "Unit 4",
            "a-administered_on": "2026-12-01",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "1",
            "items-0-max_points": "3",
            "cuts-TOTAL_FORMS": "0",
            "cuts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Which essential outcome does it measure?" in response.content.decode()
    assert not assessment.items.exists()


@pytest.mark.parametrize("who", ["colleague", "bystander", "other_principal"])
def test_only_the_lead_or_principal_builds_or_finalizes(login, exam, who):
    client = login(getattr(exam, who))
    assert (
        client.get(reverse("assessments:build", args=[exam.assessment.pk])).status_code
        == 404
    )
    response = client.post(
        reverse("assessments:transition", args=[exam.assessment.pk, "finalize"])
    )
    assert response.status_code == 404
    exam.assessment.refresh_from_db()
    assert exam.assessment.status == "open"


def test_lead_finalizes_and_reopens_with_a_reason(login, exam):
    client = login(exam.teacher)
    client.post(
        reverse("assessments:transition", args=[exam.assessment.pk, "finalize"])
    )
    exam.assessment.refresh_from_db()
    assert exam.assessment.status == "finalized"
    no_reason = client.post(
        reverse("assessments:transition", args=[exam.assessment.pk, "reopen"]),
        {"reason": ""},
        follow=True,
    )
    assert "Say why" in no_reason.content.decode()
    client.post(
        reverse("assessments:transition", args=[exam.assessment.pk, "reopen"]),
        {"reason": "Item 2 was scored against the wrong key."},
    )
    exam.assessment.refresh_from_db()
    assert exam.assessment.status == "open"
    assert Event.objects.filter(
        type=EventType.ASSESSMENT_REOPENED,
        assessment=exam.assessment,
        reason__contains="wrong key",
    ).exists()


def test_teachers_see_which_results_they_still_owe(login, exam):
    from assessments.tests.conftest import enter

    enter(exam, exam.taught_students[0], 1, "3")
    page = login(exam.teacher).get(reverse("assessments:list")).content.decode()
    assert "8 of 9 results still to enter" in page


def test_home_page_shows_results_to_enter_in_fixed_queries(
    login, exam, django_assert_num_queries
):
    from assessments.tests.conftest import enter

    client = login(exam.teacher)
    enter(exam, exam.taught_students[0], 1, "3")
    client.get("/")
    # The home page also lists the supports and case actions of the teacher's
    # students, asks whether they supervise a group, counts what is new, and
    # gathers the Today list.
    with django_assert_num_queries(19) as small:
        page = client.get("/").content.decode()
    assert "Results to enter" in page
    assert "8 of 9 results still to enter" in page
    for _ in range(10):
        EnrollmentFactory(
            section=exam.section, student=StudentFactory(school=exam.school)
        )
    with django_assert_num_queries(len(small.captured_queries)):
        page = client.get("/").content.decode()
    assert "38 of 39 results still to enter" in page


@pytest.mark.parametrize(
    ("who", "status"),
    [("teacher", 200), ("colleague", 200), ("principal", 200), ("bystander", 404)],
)
def test_team_assessments_tab(login, exam, who, status):
    response = login(getattr(exam, who)).get(
        reverse("assessments:team", args=[exam.team.pk])
    )
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert exam.assessment.title in page
        assert ("New common assessment" in page) == (who in {"teacher", "principal"})


def test_a_data_meeting_links_back_to_its_assessment(login, exam):
    from teams.tests.factories import MeetingFactory

    meeting = MeetingFactory(team=exam.team)
    exam.assessment.data_meeting = meeting
    exam.assessment.save()
    page = login(exam.colleague).get(
        reverse("teams:meeting", args=[exam.team.pk, meeting.pk])
    )
    assert (
        reverse("assessments:data", args=[exam.assessment.pk]) in page.content.decode()
    )


@pytest.fixture
def reteach(exam):
    from assessments import services
    from assessments.tests.conftest import enter

    for student in exam.taught_students:
        for number, raw in enumerate(["0", "0", "0"], start=1):
            enter(exam, student, number, raw)
    services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    return exam.assessment.reteach_items.get(outcome=exam.outcomes[0])


def test_a_member_marks_a_class_retaught_and_can_undo(login, exam, reteach):
    client = login(exam.colleague)
    url = reverse("assessments:reteach_done", args=[exam.assessment.pk, reteach.pk])
    response = client.post(url, {"done": "1"})
    assert response.status_code == 302 and response.url.endswith("#reteach")
    reteach.refresh_from_db()
    assert reteach.done_at is not None and reteach.done_by == exam.colleague
    assert Event.objects.filter(
        type=EventType.RETEACH_DONE, assessment=exam.assessment, actor=exam.colleague
    ).exists()
    page = client.get(reverse("assessments:data", args=[exam.assessment.pk]))
    assert "Retaught" in page.content.decode()
    client.post(url, {"done": "0"})
    reteach.refresh_from_db()
    assert reteach.done_at is None


@pytest.mark.parametrize("who", ["bystander", "other_principal", "district_admin"])
def test_outsiders_and_readers_cannot_mark_reteaching(login, exam, reteach, who):
    url = reverse("assessments:reteach_done", args=[exam.assessment.pk, reteach.pk])
    assert login(getattr(exam, who)).post(url, {"done": "1"}).status_code == 404
    reteach.refresh_from_db()
    assert reteach.done_at is None


def test_marking_reteaching_needs_a_post(login, exam, reteach):
    url = reverse("assessments:reteach_done", args=[exam.assessment.pk, reteach.pk])
    assert login(exam.teacher).get(url).status_code == 405


def test_opening_a_grid_records_who_saw_its_students(login, exam):
    login(exam.colleague).get(grid_url(exam, exam.colleague_section))
    record = AccessRecord.objects.get()
    assert record.user == exam.colleague
    assert exam.colleague_section.name in record.what
    assert set(record.students.values_list("student_id", flat=True)) == {
        s.pk for s in exam.colleague_students
    }


def test_a_grid_of_35_costs_the_queries_of_a_grid_of_5_and_one_record(
    login, exam, django_assert_num_queries
):
    def enrol(count):
        for _ in range(count):
            EnrollmentFactory(
                section=exam.section, student=StudentFactory(school=exam.school)
            )

    client = login(exam.teacher)
    url = grid_url(exam, exam.section)
    enrol(5 - len(exam.taught_students))
    client.get(url)  # the session and caches warm up
    with django_assert_num_queries(GRID_QUERIES) as five:
        assert client.get(url).status_code == 200
    enrol(30)
    before = AccessRecord.objects.count()
    with django_assert_num_queries(len(five.captured_queries)):
        response = client.get(url)
    assert len(response.context["grid"].rows) == 35
    assert AccessRecord.objects.count() == before + 1
    record = AccessRecord.objects.first()
    assert (record.user, record.student_count) == (exam.teacher, 35)
    assert record.students.count() == 35
    # Who has seen this student's results: one indexed query.
    student = exam.taught_students[0]
    seen_by = AccessedStudent.objects.filter(student=student).values_list(
        "record__user", flat=True
    )
    assert set(seen_by) == {exam.teacher.pk}
