"""Existing history is moved into the record of change, not lost."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("accounts", "0001_initial"), ("teams", "0001_initial")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_team_history_and_audit_writes_survive_the_move():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    old = migrate(BEFORE)
    try:
        District = old.get_model("schools", "District")
        School = old.get_model("schools", "School")
        Team = old.get_model("teams", "Team")
        TeamEvent = old.get_model("teams", "TeamEvent")
        AuditEvent = old.get_model("accounts", "AuditEvent")
        User = old.get_model("accounts", "User")
        district = District.objects.create(name="Lakeside")
        school = School.objects.create(district=district, name="Stevenson")
        team = Team.objects.create(school=school, name="Algebra 1 team")
        lead = User.objects.create(email="lead@stevenson.example")
        when = timezone.now() - datetime.timedelta(days=30)
        TeamEvent.objects.create(
            team=team,
            actor=lead,
            action="outcome.retired",
            summary="Retired essential outcome ALG1.EO2",
            reason="Folded into EO3",
            created_at=when,
        )
        TeamEvent.objects.create(team=team, action="team.created", summary="Created")
        AuditEvent.objects.create(
            actor=lead,
            action="user.password_set_sent",
            object_type="accounts.user",
            object_id="7",
            summary="Sent a password-set e-mail",
        )
        AuditEvent.objects.create(
            actor=lead,
            action="section.roster_viewed",
            object_type="schools.section",
            object_id="3",
            summary="Viewed the roster of Algebra 1 (28 students)",
            ip_address="10.1.2.3",
        )
    finally:
        new = migrate(latest)

    Event = new.get_model("accounts", "Event")
    AccessRecord = new.get_model("schools", "AccessRecord")
    retired = Event.objects.get(type="outcome.retired")
    assert retired.team_id == team.pk
    assert retired.school_id == school.pk
    assert retired.actor_id == lead.pk
    assert retired.reason == "Folded into EO3"
    assert retired.at == when
    created = Event.objects.get(type="team.created")
    assert created.actor_id is None and created.system == "migration"
    assert Event.objects.filter(type="user.password_set_sent").count() == 1
    read = AccessRecord.objects.get()
    assert read.what == "Viewed the roster of Algebra 1 (28 students)"
    assert read.user_id == lead.pk
    assert read.ip_address == "10.1.2.3"
