"""The counselor's and the teacher's "Today": one list of what to do, overdue
first, then due today, then this week, each item linking to where it is done."""

# The interventions' `ladder` fixture is imported, and its name taken by the
# arguments that receive it.
# ruff: noqa: F811

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import AssessmentItem, CommonAssessment
from dashboards.today import When, item, ordered, when_of
from interventions.models import (
    ActionKind,
    Case,
    CaseAction,
    CaseStatus,
    ProgressCheck,
    Responsible,
)
from interventions.tests.conftest import ladder  # noqa: F401 - a fixture
from schools.tests.factories import EnrollmentFactory, StudentFactory, staff
from teams.models import TeamMembership
from teams.tests.factories import (
    ActionItemFactory,
    MeetingFactory,
    MembershipFactory,
    OutcomeFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

HOME = reverse("dashboards:home")


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


# The order, worked by hand -------------------------------------------------------


def test_when_an_item_falls():
    today = datetime.date(2026, 11, 30)
    assert when_of(datetime.date(2026, 11, 29), today) == When.OVERDUE
    assert when_of(today, today) == When.TODAY
    assert when_of(datetime.date(2026, 12, 6), today) == When.THIS_WEEK
    assert when_of(None, today) == When.UNDATED


def test_overdue_first_longest_overdue_first_then_today_then_the_week():
    today = datetime.date(2026, 11, 30)

    def at(n, what, rank=0):
        due = None if n is None else today + datetime.timedelta(days=n)
        return item(what, "", "/", due, today, rank=rank)

    items = [
        at(None, "waitlisted"),
        at(3, "thursday"),
        at(0, "today, a form", rank=5),
        at(-1, "yesterday"),
        at(0, "today, a decision", rank=0),
        at(-9, "nine days ago"),
        at(1, "tomorrow"),
    ]
    assert [i.what for i in ordered(items)] == [
        "nine days ago",
        "yesterday",
        "today, a decision",
        "today, a form",
        "tomorrow",
        "thursday",
        "waitlisted",
    ]
    assert [i.when_label for i in ordered(items)] == [
        "Overdue",
        "Overdue",
        "Due today",
        "Due today",
        "This week",
        "This week",
        "When you can",
    ]


# The counselor ----------------------------------------------------------------------


def make_case(ladder, student, *, status=CaseStatus.ACTIVE, opened=-30, review=None):
    rung = ladder.rungs[0]
    return Case.objects.create(
        student=student,
        course=ladder.course,
        team=ladder.team,
        school=ladder.school,
        rung=rung,
        rung_snapshot={"name": rung.name, "tier": rung.tier, "description": "Help"},
        status=status,
        opened_on=days(opened),
        rung_entered_on=days(opened),
        next_review_on=days(review) if review is not None else days(30),
    )


def action(case, owner, due, kind=ActionKind.TASK, title="Talk with the student"):
    return CaseAction.objects.create(
        case=case,
        rung=case.rung,
        title=title,
        kind=kind,
        responsible=Responsible.COUNSELOR,
        owner=owner,
        due_on=days(due),
    )


def student(ladder, last_name, counselor=None):
    return EnrollmentFactory(
        section=ladder.section,
        student=StudentFactory(
            school=ladder.school,
            last_name=last_name,
            counselor=counselor or ladder.counselor,
        ),
    ).student


def checked(case, by):
    ProgressCheck.objects.create(
        case=case, by=by, progress=ProgressCheck.Progress.values[0]
    )


@pytest.fixture
def caseload(ladder):
    c = ladder.counselor
    review = make_case(ladder, student(ladder, "Adams"), review=-2)
    checked(review, c)
    not_delivered = make_case(
        ladder, student(ladder, "Baker"), status=CaseStatus.PLAN_NOT_DELIVERED
    )
    checked(not_delivered, c)
    fresh = make_case(ladder, student(ladder, "Chen"), opened=-1)
    waiting = make_case(ladder, student(ladder, "Diaz"), status=CaseStatus.WAITLISTED)
    checked(waiting, c)
    on_track = make_case(ladder, student(ladder, "Evans"))
    checked(on_track, c)
    action(on_track, c, due=0, title="Call the advisor")
    action(on_track, c, due=3, title="Meet the mentor")
    action(on_track, c, due=20, title="Too far ahead to list")
    action(
        on_track,
        ladder.teacher,
        due=1,
        kind=ActionKind.PARENT_CONTACT,
        title="Tell the parents",
    )
    # Another counselor's student is not this counselor's work.
    other = staff("counselor", school=ladder.school, email="other@stevenson.example")
    elsewhere = make_case(ladder, student(ladder, "Zed", counselor=other), review=-5)
    action(elsewhere, other, due=0)
    return locals()


def test_the_counselor_sees_their_day_in_order(login, caseload):
    ladder = caseload["ladder"]
    response = login(ladder.counselor).get(HOME)
    today = response.context["today"]
    got = [(i.when_label, i.what, i.detail.split(" · ")[0]) for i in today]
    names = {c.student.full_name: c.student.last_name for c in Case.objects.all()}
    got = [(when, what, names.get(who, who)) for when, what, who in got]
    assert got == [
        ("Overdue", "Review the case: exit, stay or move up", "Adams"),
        (
            "Due today",
            "The plan was not delivered: see what was missed and decide",
            "Baker",
        ),
        ("Due today", "Call the advisor", "Evans"),
        ("Due today", "New case on the support: meet the student", "Chen"),
        ("This week", "Parent contact due: Tell the parents", "Evans"),
        ("This week", "Meet the mentor", "Evans"),
        ("When you can", "Waiting for a seat in the support", "Diaz"),
    ]
    review_url = today[0].url
    assert review_url == caseload["review"].get_absolute_url() + "#decision"
    page = response.content.decode()
    assert page.index("Today") < page.index("My caseload")
    assert "Overdue: was due" in page
    assert "Too far ahead to list" not in page.split("My caseload")[0]


def test_a_teacher_gets_no_counselor_work(login, caseload):
    ladder = caseload["ladder"]
    response = login(ladder.teacher).get(HOME)
    whats = [i.what for i in response.context["today"]]
    assert not any(w.startswith("Review the case") for w in whats)
    assert not any(w.startswith("Waiting for a seat") for w in whats)


def test_the_principal_gets_no_today_list_and_the_outsider_an_empty_one(
    login, caseload
):
    ladder = caseload["ladder"]
    assert "today" not in login(ladder.principal).get(HOME).context
    assert "today" not in login(ladder.interventionist).get(HOME).context
    # A teacher of another school has a list, with none of this school's work.
    assert login(ladder.other_teacher).get(HOME).context["today"] == []


def test_the_counselor_home_costs_the_same_for_a_bigger_caseload(
    login, ladder, django_assert_num_queries
):
    client = login(ladder.counselor)
    make_case(ladder, student(ladder, "First"), review=-1)
    # One of each kind, so that the reads made only when there is one run at
    # both sizes (the caseload's waiting lines and first overdue actions).
    waiting = make_case(ladder, student(ladder, "Second"), status=CaseStatus.WAITLISTED)
    action(waiting, ladder.counselor, due=-1)
    client.get(HOME)
    # The session, the person and their roles; their team and case actions;
    # the caseload (8); today's cases and parent contacts (2); whether they
    # run a group; what is new; and the record of access (2).
    with django_assert_num_queries(19) as small:
        client.get(HOME)
    for n in range(6):
        case = make_case(
            ladder,
            student(ladder, f"More{n}"),
            review=n - 3,
            status=[CaseStatus.ACTIVE, CaseStatus.WAITLISTED][n % 2],
            opened=-n,
        )
        action(case, ladder.counselor, due=n - 2)
        action(case, None, due=n, kind=ActionKind.PARENT_CONTACT)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(HOME)
    assert len(response.context["today"]) > 12


# The teacher --------------------------------------------------------------------------


def give(ladder, title, on, status, retake_of=None):
    assessment = CommonAssessment.objects.create(
        team=ladder.team,
        course=ladder.course,
        title=title,
        administered_on=on,
        status=status,
        retake_of=retake_of,
    )
    AssessmentItem.objects.create(
        assessment=assessment,
        number=1,
        max_points=Decimal(4),
        outcome=ladder.outcomes[0],
    )
    return assessment


@pytest.fixture
def classroom(ladder):
    MembershipFactory(
        team=ladder.team, user=ladder.teacher, role=TeamMembership.Role.MEMBER
    )
    first = give(ladder, "Unit 1 test", days(-9), CommonAssessment.Status.FINALIZED)
    give(ladder, "Unit 2 test", days(-2), CommonAssessment.Status.OPEN)
    give(ladder, "Unit 1 retake", days(2), CommonAssessment.Status.OPEN, first)
    give(ladder, "Old retake", days(-20), CommonAssessment.Status.FINALIZED, first)
    meeting = MeetingFactory(team=ladder.team, held_on=days(-3))
    ActionItemFactory(
        meeting=meeting, owner=ladder.teacher, due_on=days(-1), title="Share item 4"
    )
    ActionItemFactory(
        meeting=meeting, owner=ladder.teacher, due_on=None, title="Find a video"
    )
    case = make_case(ladder, ladder.taught_students[0], opened=-2)
    action(case, ladder.teacher, due=0, title="Talk with the student")
    old = make_case(ladder, ladder.taught_students[1], opened=-40)
    action(old, ladder.teacher, due=5, title="Check the homework log")
    return locals()


def test_the_teacher_sees_their_day_in_order(login, classroom):
    ladder = classroom["ladder"]
    response = login(ladder.teacher).get(HOME)
    today = response.context["today"]
    got = [(i.when_label, i.what) for i in today]
    new_support = next(w for _, w in got if "is now on the support" in w)
    assert got == [
        ("Overdue", "Share item 4"),
        ("Due today", "Talk with the student"),
        # Given two days ago: results are due within a week.
        ("This week", "Give the re-assessment: Unit 1 retake"),
        # Both due in five days: results before a case action.
        ("This week", "Enter results: Unit 2 test"),
        ("This week", "Check the homework log"),
        ("When you can", "Find a video"),
        ("When you can", new_support),
    ]
    results = today[3]
    assert results.due_on == days(5)
    assert results.url == reverse(
        "assessments:grid", args=[results.url.split("/")[2], ladder.section.pk]
    )
    assert response.context["today"][2].url.startswith("/assessments/")


def test_results_a_week_old_are_overdue(login, classroom):
    ladder = classroom["ladder"]
    give(ladder, "Unit 0 test", days(-8), CommonAssessment.Status.OPEN)
    today = login(ladder.teacher).get(HOME).context["today"]
    assert (today[0].when_label, today[0].what) == (
        "Overdue",
        "Enter results: Unit 0 test",
    )
    assert today[0].due_on == days(-1)


def test_a_teacher_of_another_course_sees_none_of_these(login, classroom):
    ladder = classroom["ladder"]
    colleague = staff("teacher", school=ladder.school, email="bio@stevenson.example")
    TeamFactory(school=ladder.school, name="Biology team")
    OutcomeFactory(team=ladder.team, course=ladder.course)
    today = login(colleague).get(HOME).context["today"]
    assert today == []
    assert "Nothing is due this week" in login(colleague).get(HOME).content.decode()


def test_the_teacher_home_costs_the_same_with_more_retakes(
    login, classroom, django_assert_num_queries
):
    ladder = classroom["ladder"]
    client = login(ladder.teacher)
    client.get(HOME)
    # The teacher's home as before, and one read of the re-assessments to give.
    with django_assert_num_queries(22) as small:
        client.get(HOME)
    first = classroom["first"]
    for n in range(4):
        give(ladder, f"Retake {n}", days(n), CommonAssessment.Status.DRAFT, first)
        case = make_case(ladder, student(ladder, f"New{n}"), opened=-1)
        action(case, ladder.teacher, due=n)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(HOME)


def test_the_principal_home_links_to_their_school_dashboard_only(login, cast):
    page = login(cast.principal).get(HOME).content.decode()
    assert reverse("dashboards:school", args=[cast.school.pk]) in page
    assert reverse("dashboards:school", args=[cast.other_school.pk]) not in page
