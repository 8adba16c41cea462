"""Opening a case by hand: a counselor or the principal picks a student, a
course, the outcomes and says why (docs/domain.md, "Cases").

The cast: `counselor` has the taught students on their caseload;
`second_counselor` works at the same school with another caseload; the teacher,
the interventionist and the district admins read but never open cases; the
other school's principal and counselor work elsewhere.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Event, Role
from assessments.models import StudentMastery
from interventions.models import Case, CaseOutcome
from interventions.tests.conftest import open_case
from schools.models import AccessedStudent
from schools.tests.factories import (
    EnrollmentFactory,
    SectionFactory,
    StudentFactory,
    TermFactory,
    staff,
)
from teams.tests.factories import OutcomeFactory, TeamFactory

pytestmark = pytest.mark.django_db

URL = reverse("interventions:case_open")
REASON = "Ms. Rivera's referral: missing homework since the unit 2 test."


@pytest.fixture
def school(ladder):
    course = ladder.course
    course.title = "Algebra 1"
    course.save()
    nia = ladder.taught_students[0]
    nia.first_name, nia.last_name, nia.local_id = "Nia", "Aguilar", "230017"
    nia.save()
    ladder.nia = nia
    ladder.second_counselor = staff(
        Role.COUNSELOR, school=ladder.school, email="counselor2@stevenson.example"
    )
    ladder.other_counselor = staff(
        Role.COUNSELOR, school=ladder.other_school, email="counselor@riverbend.example"
    )
    return ladder


def student_url(student, **extra) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"student": student.pk, **extra}.items())
    return f"{URL}?{query}"


def form_data(school, outcomes=None, reason=REASON, course=None):
    return {
        "course": (course or school.course).pk,
        "outcomes": [o.pk for o in (outcomes or school.outcomes[:1])],
        "reason": reason,
    }


def messages_of(response) -> list[str]:
    """The messages shown on the page a submission led to."""
    return [str(m) for m in response.context["messages"]]


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# Who may open a case ------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, school):
    response = client.get(student_url(school.nia))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    response = client.post(student_url(school.nia), form_data(school))
    assert response.status_code == 302
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "who", ["teacher", "interventionist", "district_admin", "far_admin"]
)
def test_people_who_do_not_manage_cases_are_refused(login, school, who):
    client = login(getattr(school, who))
    assert client.get(URL).status_code == 404
    assert client.get(f"{URL}?q=Aguilar").status_code == 404
    assert client.get(student_url(school.nia)).status_code == 404
    assert client.post(student_url(school.nia), form_data(school)).status_code == 404
    assert not Case.objects.exists()
    assert not Event.objects.filter(type=EventType.CASE_OPENED).exists()


@pytest.mark.parametrize(
    "who", ["other_principal", "other_counselor", "second_counselor"]
)
def test_counselors_and_principals_elsewhere_cannot_reach_the_student(
    login, school, who
):
    """Another school's principal or counselor, and a counselor of the school
    whose caseload the student is not on: the student answers 404."""
    client = login(getattr(school, who))
    assert client.get(URL).status_code == 200
    found = client.get(f"{URL}?q=Aguilar")
    assert found.context["search"].students == []
    assert "No student" in text(found)
    assert client.get(student_url(school.nia)).status_code == 404
    assert client.post(student_url(school.nia), form_data(school)).status_code == 404
    assert not Case.objects.exists()


def test_a_foreign_or_unknown_student_answers_404_like_a_missing_one(login, school):
    client = login(school.principal)
    assert client.get(student_url(school.foreign_student)).status_code == 404
    assert client.get(f"{URL}?student=nobody").status_code == 404
    assert client.get(f"{URL}?student=999999").status_code == 404
    assert client.post(URL, form_data(school)).status_code == 404


@pytest.mark.parametrize("who", ["counselor", "principal"])
def test_the_counselor_and_the_principal_open_a_case(login, school, who):
    actor = getattr(school, who)
    client = login(actor)
    page = client.get(student_url(school.nia))
    assert page.status_code == 200
    assert "Nia Aguilar" in text(page)
    response = client.post(
        student_url(school.nia),
        form_data(school, outcomes=school.outcomes[:2]),
        follow=True,
    )
    case = Case.objects.get()
    assert response.redirect_chain == [(case.get_absolute_url(), 302)]
    assert (case.student, case.course) == (school.nia, school.course)
    assert case.rung == school.rungs[0]
    assert sorted(case.outcomes.values_list("outcome__code", flat=True)) == [
        "ALG1.EO1",
        "ALG1.EO2",
    ]
    assert case.actions.exists()
    (message,) = messages_of(response)
    assert message.startswith(
        "Case opened for Nia Aguilar in Algebra 1 on Support for ALG1.EO1 and ALG1.EO2."
    )
    event = Event.objects.get(type=EventType.CASE_OPENED)
    assert (event.actor, event.reason, event.case) == (actor, REASON, case)
    assert event.student == school.nia


def test_the_principal_finds_any_student_of_the_school(login, school):
    biology = school.untaught_student  # on no counselor's caseload
    biology.last_name = "Aguirre"
    biology.save()
    found = text(login(school.principal).get(f"{URL}?q=agui"))
    assert "Aguilar, Nia" in found and "Aguirre" in found
    counselor_found = text(login(school.counselor).get(f"{URL}?q=agui"))
    assert "Aguilar, Nia" in counselor_found
    assert "Aguirre" not in counselor_found


# The search ---------------------------------------------------------------------------


def test_the_search_finds_by_name_or_student_id_and_links_to_the_student(login, school):
    client = login(school.counselor)
    for query in ("Aguilar", "nia agu", "230017"):
        response = client.get(f"{URL}?q={query}", headers={"HX-Request": "true"})
        assert response.templates[0].name == "interventions/_case_open_results.html"
        assert f'href="{student_url(school.nia)}"' in response.content.decode(), query
    nobody = client.get(f"{URL}?q=Zzyzx", headers={"HX-Request": "true"})
    assert "No student on your caseload matches “Zzyzx”" in text(nobody)


def test_the_search_shows_the_open_cases_and_notes_who_was_shown(login, school):
    open_case(school, school.nia)
    response = login(school.counselor).get(f"{URL}?q=Aguilar")
    assert "Open case: Algebra 1 (Support)" in text(response)
    assert AccessedStudent.objects.filter(
        student=school.nia, record__user=school.counselor
    ).exists()


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_the_search_uses_a_fixed_number_of_queries(
    login, school, django_assert_num_queries, htmx
):
    headers = {"HX-Request": "true"} if htmx else {}

    def add_students(numbers):
        for n in numbers:
            student = StudentFactory(
                school=school.school, counselor=school.counselor, last_name=f"Moss{n}"
            )
            if n % 3 == 0:
                open_case(school, student)

    client = login(school.counselor)
    add_students(range(3))
    with CaptureQueriesContext(connection) as few:
        response = client.get(f"{URL}?q=Moss", headers=headers)
    assert len(response.context["search"].students) == 3
    add_students(range(3, 30))
    with django_assert_num_queries(len(few)):
        response = client.get(f"{URL}?q=Moss", headers=headers)
    assert len(response.context["search"].students) == 30


def test_the_students_page_uses_a_fixed_number_of_queries(
    login, school, django_assert_num_queries
):
    """Whatever the number of courses, outcomes, masteries and open cases."""
    open_case(school, school.nia)
    client = login(school.counselor)
    with CaptureQueriesContext(connection) as few:
        client.get(student_url(school.nia))
    for n in range(4):
        section = SectionFactory(course__school=school.school)
        EnrollmentFactory(section=section, student=school.nia)
        team = TeamFactory(school=school.school, courses=[section.course])
        for outcome in OutcomeFactory.create_batch(5, team=team, course=section.course):
            StudentMastery.objects.create(
                student=school.nia,
                outcome=outcome,
                value=Decimal(50 + n),
                status=StudentMastery.Status.NOT_YET,
                score_count=1,
                method="latest",
                explanation="latest score below 80%",
            )
    with django_assert_num_queries(len(few)):
        response = client.get(student_url(school.nia))
    assert len(response.context["choices"]) == 5


# The course and its outcomes ----------------------------------------------------------


def test_only_current_courses_with_active_outcomes_are_offered(login, school):
    nia = school.nia
    past_term = TermFactory(
        school=school.school,
        start_date=timezone.localdate() - datetime.timedelta(days=400),
        end_date=timezone.localdate() - datetime.timedelta(days=200),
    )
    old = SectionFactory(course__school=school.school, term=past_term)
    OutcomeFactory(team=school.team, course=old.course)
    EnrollmentFactory(section=old, student=nia, begin_date=None)
    no_outcomes = SectionFactory(course__school=school.school, course__title="Art")
    EnrollmentFactory(section=no_outcomes, student=nia)
    retired = SectionFactory(course__school=school.school, course__title="Latin")
    OutcomeFactory(team=school.team, course=retired.course, is_active=False)
    EnrollmentFactory(section=retired, student=nia)
    page = login(school.counselor).get(student_url(nia))
    courses = [choice.course for choice in page.context["choices"]]
    assert courses == [school.course]
    # The only course is chosen already, its outcomes listed.
    assert page.context["chosen"].course == school.course
    assert re.search(rf'value="{school.course.pk}"[^>]* checked', page.content.decode())
    for outcome in school.outcomes:
        assert outcome.code in text(page)


def test_each_outcome_shows_the_students_kept_mastery(login, school):
    eo1, eo2, _ = school.outcomes
    StudentMastery.objects.create(
        student=school.nia,
        outcome=eo1,
        value=Decimal("48.5"),
        status=StudentMastery.Status.NOT_YET,
        score_count=2,
        method="latest",
        explanation="latest score 48.5% < 80%",
    )
    StudentMastery.objects.create(
        student=school.nia,
        outcome=eo2,
        value=None,
        progress="1 of 3 scores at the cut",
        status=StudentMastery.Status.NOT_YET,
        score_count=2,
        method="n_mastery",
        explanation="1 of 3 scores at or above 80%",
    )
    page = text(login(school.counselor).get(student_url(school.nia)))
    assert "Not yet proficient · 48.5%" in page
    assert "latest score 48.5% &lt; 80%" in page
    assert "Not yet proficient · 1 of 3 scores at the cut" in page
    assert "1 of 3 scores at or above 80%" in page
    assert "No evidence yet" in page


def test_choosing_a_course_loads_its_outcomes(login, school):
    biology = SectionFactory(course__school=school.school, course__title="Biology")
    bio_outcome = OutcomeFactory(
        team=TeamFactory(school=school.school, courses=[biology.course]),
        course=biology.course,
        code="BIO.EO1",
    )
    EnrollmentFactory(section=biology, student=school.nia)
    client = login(school.counselor)
    page = client.get(student_url(school.nia))
    assert "Choose a course to see its essential outcomes" in text(page)
    fragment = client.get(
        student_url(school.nia, course=biology.course.pk),
        headers={"HX-Request": "true"},
    )
    assert fragment.templates[0].name == "interventions/_case_open_outcomes.html"
    assert bio_outcome.code in text(fragment)
    assert "ALG1.EO1" not in text(fragment)


def test_the_open_case_of_a_course_is_announced_before_submitting(login, school):
    open_case(school, school.nia)
    page = text(login(school.counselor).get(student_url(school.nia)))
    assert "Open case on Support" in page
    assert "on the case already" in page


# The second opening -------------------------------------------------------------------


def test_a_second_opening_adds_the_outcomes_to_the_open_case(login, school):
    first = open_case(school, school.nia).case
    client = login(school.counselor)
    response = client.post(
        student_url(school.nia),
        form_data(school, outcomes=[school.outcomes[0], school.outcomes[2]]),
        follow=True,
    )
    assert response.redirect_chain == [(first.get_absolute_url(), 302)]
    assert messages_of(response) == [
        "Nia Aguilar already has an open case in Algebra 1 on Support; ALG1.EO3 "
        "was added to it."
    ]
    assert Case.objects.count() == 1
    assert CaseOutcome.objects.filter(case=first).count() == 2
    added = Event.objects.get(type=EventType.CASE_OUTCOME_ADDED)
    assert (added.actor, added.reason) == (school.counselor, REASON)

    again = client.post(student_url(school.nia), form_data(school), follow=True)
    assert messages_of(again) == [
        "Nia Aguilar already has an open case in Algebra 1 on Support; nothing new "
        "was added: those outcomes are already on it."
    ]
    assert Case.objects.count() == 1
    assert Event.objects.filter(type=EventType.CASE_OUTCOME_ADDED).count() == 1


# Refusals: each names its field, and nothing is saved ---------------------------------


def assert_nothing_saved():
    assert not Case.objects.exists()
    assert not CaseOutcome.objects.exists()
    assert not Event.objects.filter(
        type__in=[EventType.CASE_OPENED, EventType.CASE_OUTCOME_ADDED]
    ).exists()


def test_a_missing_reason_is_refused_on_its_field(login, school):
    response = login(school.counselor).post(
        student_url(school.nia), form_data(school, reason="   ")
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "reason": ["Say why the case opens: the reason is kept on the record."]
    }
    assert "Say why the case opens" in text(response)
    assert_nothing_saved()


def test_no_outcome_and_no_course_are_refused_on_their_fields(login, school):
    client = login(school.counselor)
    response = client.post(
        student_url(school.nia), {"course": school.course.pk, "reason": REASON}
    )
    assert response.context["form"].errors == {
        "outcomes": ["Choose at least one essential outcome."]
    }
    response = client.post(student_url(school.nia), {"reason": REASON})
    assert response.context["form"].errors["course"] == [
        "Choose the course the case is for."
    ]
    assert_nothing_saved()


def test_outcomes_of_another_course_are_refused(login, school):
    biology = SectionFactory(course__school=school.school, course__title="Biology")
    bio_outcome = OutcomeFactory(
        team=TeamFactory(school=school.school, courses=[biology.course]),
        course=biology.course,
        code="BIO.EO1",
    )
    EnrollmentFactory(section=biology, student=school.nia)
    client = login(school.counselor)
    response = client.post(
        student_url(school.nia),
        form_data(school, outcomes=[school.outcomes[0], bio_outcome]),
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "outcomes": ["BIO.EO1 is not an outcome of Algebra 1."]
    }
    assert "BIO.EO1 is not an outcome of Algebra 1." in text(response)
    assert_nothing_saved()


def test_an_outcome_or_course_the_student_does_not_take_is_refused(login, school):
    elsewhere = OutcomeFactory(team=school.team, code="GEO.EO1")
    response = login(school.counselor).post(
        student_url(school.nia),
        form_data(school, outcomes=[elsewhere], course=elsewhere.course),
    )
    errors = response.context["form"].errors
    assert errors["course"] == ["Choose one of the student's current courses."]
    assert errors["outcomes"] == [
        "Choose from the essential outcomes of the student's courses."
    ]
    assert_nothing_saved()


def test_a_school_without_a_ladder_is_told_so(login, cast):
    team = TeamFactory(school=cast.school, courses=[cast.section.course])
    outcome = OutcomeFactory(team=team, course=cast.section.course)
    student = cast.taught_students[0]
    client = login(cast.counselor)
    page = client.get(student_url(student))
    assert "no intervention ladder yet" in text(page)
    response = client.post(
        student_url(student),
        {"course": outcome.course_id, "outcomes": [outcome.pk], "reason": REASON},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The school has no intervention ladder yet; the principal sets it up."
    ]
    assert "The school has no intervention ladder yet" in text(response)
    assert not Case.objects.exists()


# Where the page is reached from -------------------------------------------------------


def test_the_caseload_has_an_open_a_case_button(login, school):
    page = login(school.counselor).get(reverse("interventions:caseload"))
    assert f'href="{URL}"' in page.content.decode()
    assert "Open a case" in text(page)


@pytest.mark.parametrize(
    ("who", "shown"), [("counselor", True), ("principal", True), ("teacher", False)]
)
def test_the_student_record_links_to_opening_a_case(login, school, who, shown):
    page = login(getattr(school, who)).get(school.nia.get_absolute_url())
    assert page.status_code == 200
    assert (f'href="{student_url(school.nia)}"' in page.content.decode()) is shown
    assert ("Open an intervention case" in text(page)) is shown
