"""Who sees which team, and the students and sections team membership opens."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.models import Role
from schools.access import sections_for, students_for
from schools.tests.factories import EnrollmentFactory, SectionFactory, give_role
from teams.access import team_for, teams_for
from teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def ids(queryset):
    return set(queryset.values_list("pk", flat=True))


def test_teacher_sees_the_teams_they_belong_to_only(squad):
    assert ids(teams_for(squad.teacher)) == {squad.team.pk}
    assert ids(teams_for(squad.colleague)) == {squad.team.pk}
    assert ids(teams_for(squad.bystander)) == set()


def test_principal_sees_every_team_of_their_school_and_no_other(squad):
    assert ids(teams_for(squad.principal)) == {squad.team.pk}
    assert ids(teams_for(squad.other_principal)) == {squad.foreign_team.pk}


def test_district_admin_sees_the_district_and_a_far_admin_nothing(squad):
    assert ids(teams_for(squad.district_admin)) == {
        squad.team.pk,
        squad.foreign_team.pk,
    }
    assert ids(teams_for(squad.far_admin)) == set()


def test_counselor_and_interventionist_see_no_team_unless_members(squad):
    assert ids(teams_for(squad.counselor)) == set()
    MembershipFactory(team=squad.team, user=squad.counselor)
    assert ids(teams_for(squad.counselor)) == {squad.team.pk}


def test_a_teacher_can_belong_to_several_teams(squad):
    from teams.tests.factories import TeamFactory

    second = TeamFactory(school=squad.school, name="Freshman team")
    MembershipFactory(team=second, user=squad.teacher)
    assert ids(teams_for(squad.teacher)) == {squad.team.pk, second.pk}


def test_membership_lapses_when_the_school_role_ends(squad):
    squad.teacher.staff_roles.update(is_active=False)
    assert ids(teams_for(squad.teacher)) == set()


def test_a_member_placed_in_another_schools_team_sees_nothing_there(squad):
    # A stale membership (e.g. after a transfer) opens nothing without a role.
    MembershipFactory(team=squad.foreign_team, user=squad.teacher)
    assert squad.foreign_team.pk not in ids(teams_for(squad.teacher))


def test_an_archived_team_disappears_for_members(squad):
    squad.team.is_active = False
    squad.team.save()
    assert ids(teams_for(squad.teacher)) == set()
    assert squad.team.pk in ids(teams_for(squad.principal))


def test_foreign_team_answers_404(squad):
    with pytest.raises(Http404):
        team_for(squad.teacher, squad.foreign_team.pk)
    with pytest.raises(Http404):
        team_for(squad.bystander, squad.team.pk)
    with pytest.raises(Http404):
        team_for(squad.other_principal, squad.team.pk)
    access = team_for(squad.teacher, squad.team.pk)
    assert access.is_lead and access.can_lead and access.can_contribute
    assert not access.can_manage


def test_roles_in_a_team(squad):
    colleague = team_for(squad.colleague, squad.team.pk)
    assert colleague.can_contribute and not colleague.can_lead
    principal = team_for(squad.principal, squad.team.pk)
    assert principal.can_manage and principal.can_lead and not principal.is_member
    district = team_for(squad.district_admin, squad.team.pk)
    assert not (district.can_manage or district.can_lead or district.can_contribute)


def test_members_see_every_student_of_the_teams_courses(squad):
    # Our kids, not my kids: Rivera sees the colleague's students too.
    visible = ids(students_for(squad.teacher))
    assert {s.pk for s in squad.colleague_students} <= visible
    assert {s.pk for s in squad.taught_students} <= ids(students_for(squad.colleague))
    assert squad.untaught_student.pk not in visible  # Biology is not the team's
    assert squad.foreign_student.pk not in visible


def test_members_see_every_current_section_of_the_teams_courses(squad):
    assert ids(sections_for(squad.teacher)) == {
        squad.section.pk,
        squad.colleague_section.pk,
    }


def test_team_rule_ignores_past_terms_and_ended_enrollments(squad):
    past = SectionFactory(
        course=squad.course,
        term__start_date=timezone.localdate() - datetime.timedelta(days=400),
        term__end_date=timezone.localdate() - datetime.timedelta(days=200),
    )
    old = EnrollmentFactory(section=past, begin_date=None).student
    assert old.pk not in ids(students_for(squad.colleague))
    assert past.pk not in ids(sections_for(squad.colleague))
    enrollment = squad.taught_students[0].enrollments.get()
    enrollment.end_date = timezone.localdate() - datetime.timedelta(days=1)
    enrollment.save()
    assert squad.taught_students[0].pk not in ids(students_for(squad.colleague))


def test_bystander_and_non_members_gain_nothing(squad):
    assert ids(students_for(squad.bystander)) == set()
    assert ids(students_for(squad.counselor)) == {s.pk for s in squad.taught_students}


def test_team_rule_needs_a_role_at_the_teams_school(squad):
    give_role(squad.other_teacher, Role.TEACHER, school=squad.school)
    MembershipFactory(team=squad.team, user=squad.other_teacher)
    assert {s.pk for s in squad.colleague_students} <= ids(
        students_for(squad.other_teacher)
    )
    squad.other_teacher.staff_roles.filter(school=squad.school).update(is_active=False)
    squad.other_teacher.__dict__.pop("_active_staff_roles", None)
    assert not {s.pk for s in squad.colleague_students} & ids(
        students_for(squad.other_teacher)
    )
