"""The principal's dashboard: every number against a school worked out by hand,
who may open it, and what it costs.

The school (on top of the fixed cast and the default ladder):

- Algebra 1 (cast.section, current term) has five students, s1…s5; s1…s3 are
  the cast's taught students. The Algebra 1 team has outcomes EO1 and EO2.
- Kept mastery. EO1: s1 proficient, s2 exceeds, s3 and s4 not yet; s5 none
  → 2 of 4 = 50.0%, below the 70% reteach threshold. EO2: s1…s4 proficient,
  s5 not yet → 4 of 5 = 80.0%, at goal. The untaught student (Biology, not
  Algebra 1) and the other school's student have EO1 rows that do not count.
  Team and course: 6 of 9 results = 66.7%, below.
- One finalized window on EO1 (items of 5 and 5 points, cut 80): s1 5+4 = 90%,
  s2 4+4 = 80% (at the cut), s3 3+3 = 60%, s4 absent on item 1 and 4 of 5 =
  80%, s5 only item 1 entered → no score. 3 of 4 = 75.0%, near. A draft
  assessment's scores never count.
- Pyramid of six active students: s1 on Support (tier 1), s2 on Required
  tutoring (tier 2), s3 on Support in Algebra 1 and on Guided study hall in
  Biology (counts once, at tier 3), s4 referred today; s5 and the untaught
  student core only. Each 1 of 6 = 16.7%, core 2 of 6 = 33.3%.
- Flows: five cases opened (entered 5), one moved-up event in the term, one
  before it and one at the other school (moved up 1).
- Overdue: s1's review was due yesterday (1); s2's case is plan not delivered
  (1); one of s1's actions, owned by the teacher, was due yesterday (1); a
  team action item of the counselor's was due two days ago (1). The guided
  study hall (2 seats) seats two and has one waiting.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts import changes
from accounts.events import EventType
from accounts.models import Event
from assessments.models import (
    AssessmentItem,
    CommonAssessment,
    ItemScore,
    OutcomeCut,
    StudentMastery,
)
from dashboards.school import CORE, REFERRED, choose_term, school_dashboard, terms_of
from interventions import services
from interventions.models import Case, CaseStatus, Group, GroupKind, Placement
from interventions.tests.conftest import snapshot
from schools.models import AccessRecord
from schools.tests.factories import (
    EnrollmentFactory,
    SectionFactory,
    StudentFactory,
    TermFactory,
)
from teams.tests.factories import (
    ActionItemFactory,
    MeetingFactory,
    OutcomeFactory,
    TeamFactory,
)

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def mastery(student, outcome, status):
    value = {"not_yet": 60, "proficient": 85, "exceeds": 97}[status]
    return StudentMastery.objects.create(
        student=student,
        outcome=outcome,
        status=status,
        value=value,
        score_count=1,
        method="latest",
        explanation="by hand",
    )


@pytest.fixture
def school(cast):
    rungs = services.ladder_install_default(school=cast.school, system="test")
    course = cast.section.course
    team = TeamFactory(school=cast.school, name="Algebra 1 team", courses=[course])
    eo1 = OutcomeFactory(team=team, course=course, code="ALG1.EO1", position=1)
    eo2 = OutcomeFactory(team=team, course=course, code="ALG1.EO2", position=2)
    extra = [
        EnrollmentFactory(
            section=cast.section, student=StudentFactory(school=cast.school)
        ).student
        for _ in range(2)
    ]
    s1, s2, s3, s4, s5 = [*cast.taught_students, *extra]

    P, E, N = "proficient", "exceeds", "not_yet"
    for student, status in ((s1, P), (s2, E), (s3, N), (s4, N)):
        mastery(student, eo1, status)
    for student, status in ((s1, P), (s2, P), (s3, P), (s4, P), (s5, N)):
        mastery(student, eo2, status)
    mastery(cast.untaught_student, eo1, P)
    mastery(cast.foreign_student, eo1, P)

    window = CommonAssessment.objects.create(
        team=team,
        course=course,
        title="Unit 1 common assessment",
        administered_on=TODAY - datetime.timedelta(days=10),
        status=CommonAssessment.Status.FINALIZED,
        finalized_at=timezone.now(),
    )
    item1 = AssessmentItem.objects.create(
        assessment=window, number=1, max_points=5, outcome=eo1
    )
    item2 = AssessmentItem.objects.create(
        assessment=window, number=2, max_points=5, outcome=eo1
    )
    OutcomeCut.objects.create(assessment=window, outcome=eo1, mastery_cut=80)
    for student, one, two in ((s1, 5, 4), (s2, 4, 4), (s3, 3, 3)):
        ItemScore.objects.create(item=item1, student=student, points=one)
        ItemScore.objects.create(item=item2, student=student, points=two)
    ItemScore.objects.create(item=item1, student=s4, mark=ItemScore.Mark.ABSENT)
    ItemScore.objects.create(item=item2, student=s4, points=4)
    ItemScore.objects.create(item=item1, student=s5, points=5)
    draft = CommonAssessment.objects.create(
        team=team,
        course=course,
        title="Unit 2 draft",
        administered_on=TODAY - datetime.timedelta(days=2),
    )
    draft_item = AssessmentItem.objects.create(
        assessment=draft, number=1, max_points=5, outcome=eo1
    )
    ItemScore.objects.create(item=draft_item, student=s3, points=5)

    biology = cast.other_section.course
    EnrollmentFactory(section=cast.other_section, student=s3)
    bio_team = TeamFactory(school=cast.school, name="Biology team", courses=[biology])
    bio1 = OutcomeFactory(team=bio_team, course=biology, code="BIO.EO1")

    def open_case(student, course=course, outcome=eo1):
        return services.case_open(
            student=student,
            course=course,
            outcomes=[(outcome, snapshot())],
            system="test",
        ).case

    c1 = open_case(s1)
    c2 = open_case(s2)
    open_case(s3)
    c3b = open_case(s3, biology, bio1)
    c4 = open_case(s4)
    Case.objects.filter(pk=c1.pk).update(next_review_on=YESTERDAY)
    Case.objects.filter(pk=c2.pk).update(
        rung=rungs[1], status=CaseStatus.PLAN_NOT_DELIVERED
    )
    Case.objects.filter(pk=c3b.pk).update(rung=rungs[2])
    Case.objects.filter(pk=c4.pk).update(status=CaseStatus.REFERRED, closed_on=TODAY)
    action = c1.actions.order_by("pk").first()
    action.owner = cast.teacher
    action.due_on = YESTERDAY
    action.save()

    for at, where in (
        (timezone.now(), cast.school),
        (timezone.now() - datetime.timedelta(days=400), cast.school),
        (timezone.now(), cast.other_school),
    ):
        Event.objects.create(
            type=EventType.CASE_MOVED_UP,
            at=at,
            school=where,
            student=s2 if where == cast.school else cast.foreign_student,
            system="test",
            summary="Moved up a rung",
        )

    ActionItemFactory(
        meeting=MeetingFactory(team=team),
        owner=cast.counselor,
        due_on=TODAY - datetime.timedelta(days=2),
        title="Bring the reteach plan",
    )
    ActionItemFactory(meeting=MeetingFactory(team=team), owner=cast.counselor)

    study_hall = Group.objects.create(
        school=cast.school,
        name="Guided study hall P3",
        kind=GroupKind.GUIDED_STUDY_HALL,
        weekdays=[1, 2, 3, 4, 5],
        capacity=2,
    )
    Group.objects.create(
        school=cast.school,
        name="Tutoring centre",
        kind=GroupKind.TUTORING_CENTRE,
        weekdays=[1, 2],
    )
    for student, status in (
        (s1, Placement.Status.PLACED),
        (s2, Placement.Status.PLACED),
        (s3, Placement.Status.WAITLISTED),
    ):
        Placement.objects.create(group=study_hall, student=student, status=status)

    return SimpleNamespace(
        **vars(cast),
        rungs=rungs,
        course=course,
        biology=biology,
        team=team,
        eo1=eo1,
        eo2=eo2,
        students=[s1, s2, s3, s4, s5],
        window=window,
        study_hall=study_hall,
    )


def dashboard_of(school):
    terms = terms_of(school.school)
    return school_dashboard(school.school, choose_term(terms, None), terms)


def algebra(board, school):
    return next(b for b in board.blocks if b.team_id == school.team.pk)


def url(school, suffix=""):
    return f"/schools/{school.school.pk}/dashboard/{suffix}"


# Every number, by hand ---------------------------------------------------------------


def test_heat_map_counts_kept_mastery_of_the_terms_students(school):
    board = dashboard_of(school).proficiency
    block = algebra(board, school)
    eo1, eo2 = block.rows
    assert (eo1.now.assessed, eo1.now.proficient) == (4, 2)
    assert eo1.now.percent == Decimal("50.0")
    assert eo1.now.band.key == "low"
    assert (eo2.now.assessed, eo2.now.proficient) == (5, 4)
    assert eo2.now.percent == Decimal("80.0")
    assert eo2.now.band.key == "high"
    assert (block.total.assessed, block.total.proficient) == (9, 6)
    assert block.total.percent == Decimal("66.7")
    assert board.teams[0].total.percent == Decimal("66.7")
    assert board.total.percent == Decimal("66.7")


def test_trend_counts_each_finalized_window_with_the_scoring_rules(school):
    block = algebra(dashboard_of(school).proficiency, school)
    assert block.windows == [school.window]  # the draft is no window
    eo1, eo2 = block.rows
    (cell,) = eo1.windows
    assert (cell.assessed, cell.proficient, cell.percent) == (4, 3, Decimal("75.0"))
    assert cell.band.key == "mid"
    assert eo2.windows == [None]  # the window does not measure EO2
    assert eo1.trend_text == "ALG1.EO1 across the term: 75.0%."


def test_window_counts_are_kept_and_read_back(school, django_assert_num_queries):
    from dashboards.models import WindowShare
    from dashboards.school import term_windows, window_shares

    term = choose_term(terms_of(school.school), None)
    windows = term_windows(school.school, term)
    with django_assert_num_queries(3):
        first = window_shares(windows)
    with django_assert_num_queries(1):
        assert (
            window_shares(windows)
            == first
            == {(school.window.pk, school.eo1.pk): (4, 3)}
        )
    # Reopened and finalized again: counted afresh.
    CommonAssessment.objects.filter(pk=school.window.pk).update(
        finalized_at=timezone.now() + datetime.timedelta(minutes=1)
    )
    ItemScore.objects.filter(student=school.students[2]).update(points=5)
    windows = term_windows(school.school, term)
    assert window_shares(windows) == {(school.window.pk, school.eo1.pk): (4, 4)}
    assert WindowShare.objects.filter(outcome__isnull=False).count() == 1


def test_pyramid_counts_each_student_once_at_their_highest_place(school):
    shape = dashboard_of(school).pyramid
    counts = {tier.key: tier.students for tier in shape.tiers}
    rungs = school.rungs
    assert counts == {
        REFERRED: 1,
        str(rungs[2].pk): 1,
        str(rungs[1].pk): 1,
        str(rungs[0].pk): 1,
        CORE: 2,
    }
    shares = {tier.key: tier.share for tier in shape.tiers}
    assert shares[CORE] == Decimal("33.3")
    assert shares[REFERRED] == Decimal("16.7")
    assert shape.total == 6
    assert [t.name for t in shape.tiers] == [
        "Referred",
        rungs[2].name,
        rungs[1].name,
        rungs[0].name,
        "Core only",
    ]


def test_flows_of_the_term_come_from_the_record_of_change(school):
    flows = {flow.key: flow.count for flow in dashboard_of(school).flows}
    assert flows == {
        "entered": 5,
        "moved_up": 1,
        "moved_down": 0,
        "exited": 0,
        "referred": 0,
    }


def test_what_is_overdue(school):
    due = dashboard_of(school).overdue
    assert due.reviews == 1
    assert due.plans_not_delivered == 1
    assert due.case_actions == 1
    assert due.team_items == 1
    people = {p.name: (p.case_actions, len(p.team_items)) for p in due.people}
    assert people == {
        school.teacher.full_name: (1, 0),
        school.counselor.full_name: (0, 1),
    }
    assert [(g.group.name, g.seated, g.waiting, g.is_full) for g in due.groups] == [
        ("Guided study hall P3", 2, 1, True)
    ]
    assert due.waiting == 1


def test_page_shows_the_numbers_and_links_each_to_its_students(school, login):
    response = login(school.principal).get(url(school))
    assert response.status_code == 200
    html = response.content.decode()
    drill = url(school, "students/")
    assert "50.0%" in html and "80.0%" in html and "75.0%" in html
    assert f"{drill}?measure=kept_assessed&amp;outcome={school.eo1.pk}" in html
    assert (
        f"{drill}?measure=window&amp;assessment={school.window.pk}"
        f"&amp;outcome={school.eo1.pk}" in html
    )
    assert f"{drill}?measure=tier&amp;tier=core" in html
    assert f"{drill}?measure=flow&amp;flow=entered" in html
    assert f"{drill}?measure=review_overdue" in html
    assert f"{drill}?measure=waitlist&amp;group={school.study_hall.pk}" in html
    # The band is said in words beside the colour, and the charts have text.
    assert "heat-low" in html and ">below<" in html
    assert 'role="img"' in html and "Students per tier now." in html
    assert "Bring the reteach plan" in html


def test_the_page_names_no_student_and_notes_none(school, login):
    login(school.principal).get(url(school))
    assert not AccessRecord.objects.exists()


# The term ----------------------------------------------------------------------------


def test_an_earlier_term_is_shown_on_request(school, login):
    earlier = TermFactory(
        school=school.school,
        name="Last year",
        start_date=TODAY - datetime.timedelta(days=500),
        end_date=TODAY - datetime.timedelta(days=200),
    )
    old_section = SectionFactory(course=school.course, term=earlier)
    EnrollmentFactory(
        section=old_section,
        student=school.students[0],
        begin_date=earlier.start_date,
        end_date=earlier.end_date,
    )
    response = login(school.principal).get(url(school), {"term": earlier.pk})
    assert response.status_code == 200
    board = response.context["dashboard"]
    assert board.term == earlier
    block = algebra(board.proficiency, school)
    assert [row.now.assessed for row in block.rows] == [1, 1]
    assert block.windows == []
    flows = {flow.key: flow.count for flow in board.flows}
    assert flows["moved_up"] == 1  # the one from 400 days ago


def test_current_term_is_the_longest_in_force(cast):
    year = cast.section.term
    semester = TermFactory(
        school=cast.school,
        start_date=TODAY - datetime.timedelta(days=10),
        end_date=TODAY + datetime.timedelta(days=10),
    )
    assert choose_term([semester, year], None) == year


@pytest.mark.parametrize("term", ["999999", "abc", "other"])
def test_a_term_not_of_the_school_answers_404(school, login, term):
    if term == "other":
        term = str(school.foreign_section.term_id)
    response = login(school.principal).get(url(school), {"term": term})
    assert response.status_code == 404


# Who may open it ---------------------------------------------------------------------


def test_principal_and_district_admin_open_it(school, login, client):
    assert login(school.principal).get(url(school)).status_code == 200
    client.logout()
    assert login(school.district_admin).get(url(school)).status_code == 200


@pytest.mark.parametrize("who", ["teacher", "counselor", "interventionist"])
def test_staff_who_are_not_the_principal_are_refused(school, login, who):
    response = login(getattr(school, who)).get(url(school))
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["other_principal", "other_teacher", "far_admin"])
def test_outsiders_get_404(school, login, who):
    assert login(getattr(school, who)).get(url(school)).status_code == 404
    assert login(getattr(school, who)).get(url(school, "students/")).status_code == 404


def test_anonymous_is_sent_to_log_in(school, client):
    response = client.get(url(school))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# What it costs -----------------------------------------------------------------------


def _grow(school, n):
    """n more students in Algebra 1 with mastery, scores, cases and events."""
    for _ in range(n):
        student = EnrollmentFactory(
            section=school.section, student=StudentFactory(school=school.school)
        ).student
        mastery(student, school.eo1, "not_yet")
        mastery(student, school.eo2, "proficient")
        for item in school.window.items.all():
            ItemScore.objects.create(item=item, student=student, points=3)
        services.case_open(
            student=student,
            course=school.course,
            outcomes=[(school.eo1, snapshot())],
            system="test",
        )


def test_query_count_does_not_grow_with_the_school(
    school, login, django_assert_num_queries
):
    """Both ways the page is served: counted and drawn after a change, and
    kept while nothing changes (dashboards/figures.py)."""
    client = login(school.principal)
    client.get(url(school))  # counts the window once
    for grown in (False, True):
        if grown:
            _grow(school, 6)
            OutcomeFactory(team=school.team, course=school.course, code="ALG1.EO3")
        changes._raise({school.school.pk})  # what a committed change does
        with django_assert_num_queries(PAGE_COUNTED_QUERIES):
            assert client.get(url(school)).status_code == 200
        with django_assert_num_queries(PAGE_KEPT_QUERIES):
            assert client.get(url(school)).status_code == 200


# Session, user, roles, school, terms, the school's version, then the sections
# of the page and the kept drawing written.
PAGE_COUNTED_QUERIES = 31
# Session, user, roles, school, terms, the school's version, the kept drawing.
PAGE_KEPT_QUERIES = 8


# The way in --------------------------------------------------------------------------


def test_nav_dashboard_takes_each_role_to_theirs(school, login, client):
    response = login(school.principal).get("/dashboard/")
    assert response["Location"] == url(school)
    assert (
        'href="/dashboard/">Dashboard</a>' in client.get(url(school)).content.decode()
    )
    client.logout()
    assert login(school.district_admin).get("/dashboard/")["Location"] == "/district/"
    client.logout()
    assert login(school.teacher).get("/dashboard/").status_code == 403


def test_principals_home_links_to_the_dashboard(school, login):
    html = login(school.principal).get("/").content.decode()
    assert f'href="{url(school)}"' in html
