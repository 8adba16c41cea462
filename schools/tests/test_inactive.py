"""What the roster deactivates (docs/roster-import.md, `tobedeleted`) leaves
the lists of today's work: an inactive term or course has no current classes
and is offered nowhere, and an inactive school leaves the district's side by
side and the daily reviews. Its records stay, and its principal still reads
its history."""

import datetime

import pytest
from django.utils import timezone

from dashboards.district import district_dashboard
from dashboards.selectors import home_for
from interventions.tasks import schools_due
from schools.access import schools_for
from schools.models import Section, Term
from schools.tests.factories import CourseFactory, SectionFactory
from teams.forms import TeamForm

pytestmark = pytest.mark.django_db


def test_an_inactive_term_is_not_current_nor_are_its_classes(cast):
    term = cast.section.term
    assert term in Term.objects.current()
    assert cast.section in Section.objects.current()
    term.is_active = False
    term.save()
    assert term not in Term.objects.current()
    assert cast.section not in Section.objects.current()


def test_an_inactive_course_has_no_current_classes_and_is_not_offered(cast):
    course = cast.section.course
    spare = CourseFactory(school=cast.school, title="Geometry")
    SectionFactory(course=spare, term=cast.section.term)
    course.is_active = False
    course.save()
    assert cast.section not in Section.objects.current()
    offered = set(TeamForm(school=cast.school).fields["courses"].queryset)
    assert spare in offered
    assert course not in offered


def test_an_inactive_school_leaves_the_district_and_the_daily_reviews(cast):
    school = cast.school
    school.is_active = False
    school.save()
    board = district_dashboard(cast.district_admin)
    names = {row.school.name for row in board.rows}
    assert school.name not in names
    assert cast.other_school.name in names
    home = home_for(cast.district_admin)
    assert [s.school for s in home["district_schools"]] == [cast.other_school]
    late = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time(23, 0))
    )
    assert school not in schools_due(late)
    assert cast.other_school in schools_due(late)
    # Nothing recorded in it is gone: its principal still reads its history.
    assert school in schools_for(cast.principal)


def test_an_inactive_school_is_never_a_missed_review(cast, client):
    """No review runs for it, and none is owed: /healthz stays up and its
    principal is not told every morning that the review did not run."""
    from django.urls import reverse

    from interventions.review_status import review_status
    from interventions.tests.conftest import reviewed_today

    reviewed_today(cast.other_school)
    cast.school.is_active = False
    cast.school.save()
    late = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time(23, 0))
    )
    (status,) = review_status([cast.school.pk], now=late)
    assert not status.missed
    assert status.healthy
    assert client.get(reverse("healthz")).json()["reviews"] == "ok"


def test_a_team_keeps_its_inactive_course_when_edited(cast):
    """The course stays ticked on the team's own form, so renaming the team
    neither drops it nor is refused for it."""
    from teams.tests.factories import TeamFactory

    course = cast.section.course
    team = TeamFactory(school=cast.school, name="Algebra 1 team", courses=[course])
    course.is_active = False
    course.save()
    offered = TeamForm(school=cast.school, team=team).fields["courses"].queryset
    assert course in offered
    assert course not in TeamForm(school=cast.school).fields["courses"].queryset
