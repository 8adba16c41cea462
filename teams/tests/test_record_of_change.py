"""The record of change: one typed event per change, written by its service in
the same transaction, with real links and the values before and after."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse

from accounts.events import EventType
from accounts.models import Event
from accounts.services import (
    EventOutsideTransaction,
    event_build,
    event_record,
    events_record,
)
from teams import services as team_services
from teams.models import MasteryMethod, Norm, SchoolCommitments, Team
from teams.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_an_event_outside_a_transaction_is_refused(cast):
    # Tests run inside a transaction; step outside it the way autocommit code is.
    with pytest.raises(EventOutsideTransaction), _autocommit():
        event_record(type=EventType.TEAM_CREATED, actor=cast.principal, summary="x")


class _autocommit:
    """Pretend the connection is in autocommit mode, as a request without a
    transaction would be."""

    def __enter__(self):
        self.saved = connection.in_atomic_block
        connection.in_atomic_block = False

    def __exit__(self, *exc):
        connection.in_atomic_block = self.saved


def test_an_event_needs_a_known_type_and_someone_who_acted(cast):
    with pytest.raises(ValueError):
        event_build(type="team.teleported", actor=cast.principal, summary="x")
    with pytest.raises(ValueError, match="person or the job"):
        event_build(type=EventType.TEAM_CREATED, summary="x")
    event = event_build(
        type=EventType.ROSTER_IMPORTED, system="roster_import", summary="x"
    )
    assert event.who == "PLC (roster import)"


def test_the_school_is_taken_from_what_the_event_concerns(squad):
    with transaction.atomic():
        event = event_record(
            type=EventType.NORMS_UPDATED,
            actor=squad.teacher,
            team=squad.team,
            summary="x",
        )
        student_event = event_record(
            type=EventType.SCORE_CHANGED,
            actor=squad.teacher,
            student=squad.taught_students[0],
            summary="y",
        )
    assert event.school_id == squad.school.pk
    assert student_event.school_id == squad.school.pk


def test_a_failed_service_leaves_neither_its_change_nor_its_event(squad):
    TeamFactory(school=squad.school, name="Geometry team")
    before = Event.objects.count()
    with pytest.raises(ValidationError):
        team_services.team_update(
            team=squad.team,
            actor=squad.principal,
            name="Geometry team",  # taken
            kind=squad.team.kind,
            courses=[squad.course],
            mastery_method=MasteryMethod.LATEST,
            mastery_weight=Decimal("0.65"),
            mastery_n=3,
        )
    assert Event.objects.count() == before
    squad.team.refresh_from_db()
    assert squad.team.name == "Algebra 1 team"


def test_a_failure_after_the_event_rolls_the_event_back(squad):
    before = Event.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        team_services.norms_replace(
            team=squad.team, actor=squad.teacher, norms=["Start on time."]
        )
        raise RuntimeError("the request failed after the service")
    assert Event.objects.count() == before
    assert not Norm.objects.filter(team=squad.team).exists()


def test_editing_a_team_records_only_what_changed(squad):
    team_services.team_update(
        team=squad.team,
        actor=squad.principal,
        name="Algebra 1 PLC",
        kind=squad.team.kind,
        courses=[squad.course],
        mastery_method=MasteryMethod.LATEST,
        mastery_weight=squad.team.mastery_weight,
        mastery_n=squad.team.mastery_n,
    )
    event = Event.objects.get(type=EventType.TEAM_UPDATED)
    assert event.actor == squad.principal
    assert event.team == squad.team
    assert event.school == squad.school
    assert event.before == {
        "name": "Algebra 1 team",
        "mastery_method": squad.team.__class__._meta.get_field(
            "mastery_method"
        ).default,
    }
    assert event.after == {"name": "Algebra 1 PLC", "mastery_method": "latest"}


def test_saving_a_team_unchanged_writes_nothing(squad):
    team = Team.objects.get(pk=squad.team.pk)
    team_services.team_update(
        team=team,
        actor=squad.principal,
        name=team.name,
        kind=team.kind,
        courses=[squad.course],
        mastery_method=team.mastery_method,
        mastery_weight=team.mastery_weight,
        mastery_n=team.mastery_n,
    )
    assert not Event.objects.filter(type=EventType.TEAM_UPDATED).exists()


def test_editing_the_schools_commitments_writes_an_event(login, squad):
    client = login(squad.principal)
    url = reverse("teams:commitments_edit", args=[squad.school.pk])
    client.post(
        url,
        {
            "mission": "Learning for all.",
            "vision": "",
            "values": "We collaborate.",
            "goals-TOTAL_FORMS": "0",
            "goals-INITIAL_FORMS": "0",
        },
    )
    assert SchoolCommitments.objects.get(school=squad.school).mission == (
        "Learning for all."
    )
    event = Event.objects.get(type=EventType.COMMITMENTS_UPDATED)
    assert event.school == squad.school
    assert event.actor == squad.principal
    assert event.before == {"mission": "", "values": ""}
    assert event.after == {"mission": "Learning for all.", "values": "We collaborate."}


def test_norms_keep_the_old_list_beside_the_new(squad):
    team_services.norms_replace(team=squad.team, actor=squad.teacher, norms=["A", "B"])
    team_services.norms_replace(team=squad.team, actor=squad.teacher, norms=["B"])
    latest = Event.objects.filter(type=EventType.NORMS_UPDATED).first()
    assert latest.before == {"norms": ["A", "B"]}
    assert latest.after == {"norms": ["B"]}


def test_many_events_are_written_in_one_query(squad, django_assert_num_queries):
    events = [
        event_build(
            type=EventType.SCORE_CHANGED,
            actor=squad.teacher,
            team=squad.team,
            student=student,
            summary="changed",
            before={"points": 1},
            after={"points": 2},
        )
        for student in squad.taught_students
    ]
    with transaction.atomic(), django_assert_num_queries(1):
        events_record(events)
    assert Event.objects.filter(type=EventType.SCORE_CHANGED).count() == 3


def _uses_index(queryset, index: str) -> bool:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return index in plan


def test_a_students_story_and_a_teams_history_are_each_one_indexed_query(
    squad, django_assert_num_queries
):
    student = squad.taught_students[0]
    with transaction.atomic():
        event_record(
            type=EventType.SCORE_CHANGED,
            actor=squad.teacher,
            team=squad.team,
            student=student,
            summary="changed",
        )
        team_services.norms_replace(team=squad.team, actor=squad.teacher, norms=["A"])
    story = Event.objects.filter(student=student)
    history = Event.objects.filter(team=squad.team)
    with django_assert_num_queries(2):
        assert [e.type for e in story] == [EventType.SCORE_CHANGED]
        assert {e.type for e in history} == {
            EventType.SCORE_CHANGED,
            EventType.NORMS_UPDATED,
        }
    with transaction.atomic():
        assert _uses_index(story, "event_student_at")
        assert _uses_index(history, "event_team_at")


def test_the_history_page_shows_before_and_after_and_leaves_results_to_cells(
    login, squad
):
    team_services.norms_replace(team=squad.team, actor=squad.teacher, norms=["Old"])
    team_services.norms_replace(team=squad.team, actor=squad.teacher, norms=["New"])
    with transaction.atomic():
        event_record(
            type=EventType.SCORE_CHANGED,
            actor=squad.teacher,
            team=squad.team,
            student=squad.taught_students[0],
            summary="Changed a result of Unit 1",
        )
    page = login(squad.colleague).get(reverse("teams:history", args=[squad.team.pk]))
    html = page.content.decode()
    assert "<del>Old</del>" in html and "<ins>New</ins>" in html
    assert "Changed a result of Unit 1" not in html


def test_the_history_page_is_paged_in_a_fixed_number_of_queries(
    login, squad, django_assert_num_queries
):
    client = login(squad.colleague)
    url = reverse("teams:history", args=[squad.team.pk])
    client.get(url)
    few = len(_queries(client, url))
    with transaction.atomic():
        events_record(
            [
                event_build(
                    type=EventType.NORMS_UPDATED,
                    actor=squad.teacher,
                    team=squad.team,
                    summary=f"Edit {n:03}",
                )
                for n in range(150)
            ]
        )
    with django_assert_num_queries(few + 1):  # + the paginator's count
        first = client.get(url).content.decode()
    assert "Page 1 of 2" in first
    assert first.count("Edit ") == 100
    assert "Edit 000" in client.get(url, {"page": 2}).content.decode()


def _queries(client, url):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        client.get(url)
    return context.captured_queries
