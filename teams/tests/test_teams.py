"""Teams, members, norms and the school's shared commitments."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Event
from accounts.tests.factories import UserFactory
from schools.tests.factories import CourseFactory
from teams import services
from teams.models import (
    Norm,
    SchoolCommitments,
    SchoolGoal,
    Team,
    TeamMembership,
)

pytestmark = pytest.mark.django_db


def test_principal_creates_a_team_with_courses(login, squad):
    geometry = CourseFactory(school=squad.school, title="Geometry")
    response = login(squad.principal).post(
        reverse("teams:create", args=[squad.school.pk]),
        {
            "name": "Geometry team",
            "kind": "course",
            "courses": [geometry.pk],
            "mastery_method": "n_mastery",
            "mastery_weight": "0.65",
            "mastery_n": "3",
        },
    )
    team = Team.objects.get(name="Geometry team")
    assert response.url == reverse("teams:members", args=[team.pk])
    assert list(team.courses.all()) == [geometry]
    assert team.mastery == {"method": "n_mastery", "n": 3}
    assert Event.objects.filter(team=team, type="team.created").exists()


def test_team_names_are_unique_in_a_school_whatever_the_case(squad):
    with pytest.raises(ValidationError) as error:
        services.team_create(
            school=squad.school,
            actor=squad.principal,
            name="algebra 1 TEAM",
            kind="course",
        )
    assert "name" in error.value.message_dict
    assert services.team_create(
        school=squad.other_school,
        actor=squad.other_principal,
        name="Algebra 1 team",
        kind="course",
    ).pk


def test_courses_of_another_school_are_refused(squad):
    with pytest.raises(ValidationError) as error:
        services.team_create(
            school=squad.school,
            actor=squad.principal,
            name="Mixed",
            kind="vertical",
            courses=[squad.foreign_section.course],
        )
    assert "courses" in error.value.message_dict
    assert not Team.objects.filter(name="Mixed").exists()


def test_the_form_only_offers_the_schools_courses(login, squad):
    page = login(squad.principal).get(reverse("teams:create", args=[squad.school.pk]))
    offered = set(page.context["form"].fields["courses"].queryset)
    assert squad.course in offered
    assert squad.foreign_section.course not in offered


def test_a_course_with_outcomes_cannot_be_dropped(squad):
    with pytest.raises(ValidationError) as error:
        services.team_update(
            team=squad.team,
            actor=squad.principal,
            name="Algebra 1 team",
            kind="course",
            courses=[],
            mastery_method="latest",
            mastery_weight=squad.team.mastery_weight,
            mastery_n=3,
        )
    assert "courses" in error.value.message_dict
    assert squad.team.courses.exists()


def test_members_come_from_the_school(squad):
    stranger = UserFactory()
    with pytest.raises(ValidationError) as error:
        services.membership_add(team=squad.team, actor=squad.principal, user=stranger)
    assert "user" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.membership_add(
            team=squad.team, actor=squad.principal, user=squad.other_teacher
        )
    with pytest.raises(ValidationError):
        services.membership_add(
            team=squad.team, actor=squad.principal, user=squad.teacher
        )
    membership = services.membership_add(
        team=squad.team, actor=squad.principal, user=squad.bystander
    )
    assert membership.role == TeamMembership.Role.MEMBER


def test_the_member_form_refuses_another_schools_teacher(login, squad):
    response = login(squad.principal).post(
        reverse("teams:members", args=[squad.team.pk]),
        {"user": squad.other_teacher.pk, "role": "member"},
    )
    assert response.status_code == 200
    assert "user" in response.context["form"].errors
    assert not TeamMembership.objects.filter(user=squad.other_teacher, team=squad.team)


def test_role_changes_and_removal_are_events(login, squad):
    client = login(squad.principal)
    membership = squad.team.memberships.get(user=squad.colleague)
    client.post(
        reverse("teams:member_role", args=[squad.team.pk, membership.pk]),
        {"role": "lead"},
    )
    membership.refresh_from_db()
    assert membership.is_lead
    client.post(reverse("teams:member_remove", args=[squad.team.pk, membership.pk]))
    assert not TeamMembership.objects.filter(pk=membership.pk).exists()
    actions = set(Event.objects.values_list("type", flat=True))
    assert {"member.role_changed", "member.removed"} <= actions


def test_lead_writes_the_norms_in_order(login, squad):
    response = login(squad.teacher).post(
        reverse("teams:norms", args=[squad.team.pk]),
        {
            "norms": "We start on time.\n\n  We share our data.  \n"
            "We decide by consensus."
        },
    )
    assert response.status_code == 302
    assert list(squad.team.norms.values_list("text", flat=True)) == [
        "We start on time.",
        "We share our data.",
        "We decide by consensus.",
    ]
    page = login(squad.colleague).get(squad.team.get_absolute_url()).content.decode()
    assert page.index("We start on time.") < page.index("We decide by consensus.")


def test_an_overlong_norm_saves_nothing(squad):
    Norm.objects.create(team=squad.team, text="Keep me")
    with pytest.raises(ValidationError):
        services.norms_replace(
            team=squad.team, actor=squad.teacher, norms=["Fine", "x" * 301]
        )
    assert list(squad.team.norms.values_list("text", flat=True)) == ["Keep me"]


def test_principal_edits_the_commitments_and_staff_read_them(login, squad):
    response = login(squad.principal).post(
        reverse("teams:commitments_edit", args=[squad.school.pk]),
        {
            "mission": "Success for every student.",
            "vision": "Every student learns.",
            "values": "We collaborate.\nWe act on evidence.",
            "goals-TOTAL_FORMS": "2",
            "goals-INITIAL_FORMS": "0",
            "goals-0-title": "Every freshman proficient",
            "goals-0-is_active": "on",
            "goals-1-title": "",
        },
    )
    assert response.status_code == 302
    commitments = SchoolCommitments.objects.get(school=squad.school)
    assert commitments.value_lines == ["We collaborate.", "We act on evidence."]
    assert commitments.updated_by == squad.principal
    assert list(SchoolGoal.objects.values_list("title", flat=True)) == [
        "Every freshman proficient"
    ]
    page = login(squad.bystander).get(
        reverse("teams:commitments", args=[squad.school.pk])
    )
    assert "Success for every student." in page.content.decode()


def test_school_goals_with_the_same_title_are_refused(login, squad):
    response = login(squad.principal).post(
        reverse("teams:commitments_edit", args=[squad.school.pk]),
        {
            "mission": "",
            "vision": "",
            "values": "",
            "goals-TOTAL_FORMS": "2",
            "goals-INITIAL_FORMS": "0",
            "goals-0-title": "Reading",
            "goals-1-title": "reading",
        },
    )
    assert response.status_code == 200
    assert not SchoolGoal.objects.exists()
    assert not SchoolCommitments.objects.exists()


def test_history_shows_who_did_what_and_why(login, squad):
    services.outcome_retire(
        outcome=squad.outcomes[0], actor=squad.teacher, reason="Folded into EO2"
    )
    page = login(squad.colleague).get(reverse("teams:history", args=[squad.team.pk]))
    html = page.content.decode()
    assert "Retired essential outcome ALG1.EO1" in html
    assert "Folded into EO2" in html


def test_principal_archives_a_team_with_a_reason_and_restores_it(login, squad):
    from django.urls import reverse

    client = login(squad.principal)
    url = reverse("teams:archive", args=[squad.team.pk])
    refused = client.post(url, {"active": "0", "reason": " "}, follow=True)
    assert "Say why the team is archived" in refused.content.decode()
    squad.team.refresh_from_db()
    assert squad.team.is_active
    client.post(url, {"active": "0", "reason": "Merged into the math team."})
    squad.team.refresh_from_db()
    assert not squad.team.is_active
    assert Event.objects.filter(
        team=squad.team, type="team.archived", reason="Merged into the math team."
    ).exists()
    member = login(squad.colleague).get(squad.team.get_absolute_url())
    assert member.status_code == 404
    principal_view = login(squad.principal).get(squad.team.get_absolute_url())
    assert "This team is archived" in principal_view.content.decode()
    login(squad.principal).post(url, {"active": "1"})
    squad.team.refresh_from_db()
    assert squad.team.is_active


@pytest.mark.parametrize("who", ["teacher", "colleague", "other_principal"])
def test_only_the_principal_archives(login, squad, who):
    from django.urls import reverse

    url = reverse("teams:archive", args=[squad.team.pk])
    response = login(getattr(squad, who)).post(url, {"active": "0", "reason": "x"})
    assert response.status_code == 404
    squad.team.refresh_from_db()
    assert squad.team.is_active
