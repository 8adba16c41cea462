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
