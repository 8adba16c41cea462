# ruff: noqa: F811 - tests take the imported `school` fixture by name
"""Kept figures: the dashboards are counted once per change and served from what
was kept while nothing under them changes (dashboards/figures.py,
accounts/changes.py). Each test shows one kind of change reaching the page.
"""

import datetime

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from accounts import changes
from accounts.models import SchoolVersion
from assessments import kept
from assessments.models import StudentMastery
from dashboards import figures
from dashboards.models import KeptFigures
from dashboards.school import school_dashboard, terms_of
from dashboards.tests.test_school import (
    TODAY,
    mastery,
    school,  # noqa: F401 - the fixture
    url,
)
from interventions import sweep
from schools.models import School
from schools.tests.factories import SchoolFactory, TermFactory
from teams import services as team_services

pytestmark = pytest.mark.django_db


def page(client, school):
    response = client.get(url(school))
    assert response.status_code == 200
    return response.content.decode()


def kept_page(school):
    return KeptFigures.objects.get(school=school.school, part=KeptFigures.Part.PAGE)


def test_the_page_is_kept_until_the_school_changes(school, login):
    client = login(school.principal)
    first = page(client, school)
    assert "ALG1.EO1" in first
    counted = kept_page(school)
    # A row written behind the services' back (no change marked) is not seen:
    # the page served is the kept one, drawn once.
    mastery(school.untaught_student, school.eo2, "proficient")
    assert counted.html in page(client, school)
    assert kept_page(school).counted_at == counted.counted_at
    changes._raise({school.school.pk})
    page(client, school)
    assert kept_page(school).counted_at > counted.counted_at


def test_a_change_through_the_services_counts_the_page_again(
    school,
    login,
    django_capture_on_commit_callbacks,
):
    client = login(school.principal)
    assert "ALG1.EO2" in page(client, school)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        team_services.outcome_retire(outcome=school.eo2, actor=school.principal)
    assert "ALG1.EO2" not in page(client, school)


def test_a_change_of_kept_mastery_counts_the_page_again(
    school,
    login,
    django_capture_on_commit_callbacks,
):
    client = login(school.principal)
    page(client, school)
    version = changes.versions([school.school.pk])[school.school.pk]
    # s3's EO1 row rests on no finalized evidence here, so a refresh removes it.
    s3 = school.students[2]
    assert StudentMastery.objects.filter(student=s3, outcome=school.eo1).exists()
    with django_capture_on_commit_callbacks(execute=True):
        changed = kept.refresh_students([s3.pk])
    assert s3.pk in changed
    assert changes.versions([school.school.pk])[school.school.pk] == version + 1


def test_nothing_changed_raises_nothing(school, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        kept.refresh_students([school.students[2].pk])
    version = changes.versions([school.school.pk])[school.school.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert kept.refresh_students([school.students[2].pk]) == set()
    assert changes.versions([school.school.pk])[school.school.pk] == version


def test_a_daily_review_counts_the_page_again(
    school,
    login,
    django_capture_on_commit_callbacks,
):
    client = login(school.principal)
    page(client, school)
    before = changes.versions([school.school.pk])[school.school.pk]
    with django_capture_on_commit_callbacks(execute=True):
        sweep.sweep_school(school=school.school, as_of=TODAY)
    assert changes.versions([school.school.pk])[school.school.pk] > before


def test_an_edit_in_the_admin_counts_every_school_again(
    school,
    django_capture_on_commit_callbacks,
):
    ids = list(School.objects.values_list("pk", flat=True))
    before = changes.versions(ids)
    with django_capture_on_commit_callbacks(execute=True):
        LogEntry.objects.create(
            user=school.principal,
            content_type=ContentType.objects.get_for_model(School),
            object_id=str(school.school.pk),
            object_repr=str(school.school),
            action_flag=ADDITION,
        )
    after = changes.versions(ids)
    assert all(after[pk] == before[pk] + 1 for pk in ids)


def test_one_transaction_raises_each_school_once(
    school,
    django_capture_on_commit_callbacks,
):
    pk = school.school.pk
    before = changes.versions([pk])[pk]
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        changes.schools_changed([pk])
        changes.schools_changed([pk, None])
    assert len(callbacks) == 2  # the second finds the school already raised
    assert changes.versions([pk])[pk] == before + 1


def test_a_transaction_rolled_back_raises_nothing(
    school, django_capture_on_commit_callbacks
):
    pk = school.school.pk
    before = changes.versions([pk])[pk]
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            changes.schools_changed([pk])
            raise RuntimeError
        with transaction.atomic():
            changes.schools_changed([pk])
    assert changes.versions([pk])[pk] == before + 1
    assert SchoolVersion.objects.get(school_id=pk).version == before + 1


def test_a_new_day_and_a_new_layout_count_the_page_again(school, monkeypatch):
    calls = []

    def context():
        calls.append(1)
        terms = terms_of(school.school)
        return {
            "dashboard": school_dashboard(school.school, term, terms),
            "goals": None,
            "equity": None,
            "cycles": [],
        }

    term = school.section.term
    figures.school_page(school.school, term, context, today=TODAY)
    figures.school_page(school.school, term, context, today=TODAY)
    assert len(calls) == 1
    figures.school_page(
        school.school, term, context, today=TODAY + datetime.timedelta(days=1)
    )
    assert len(calls) == 2
    monkeypatch.setattr(figures, "layout", lambda: "another release")
    figures.school_page(
        school.school, term, context, today=TODAY + datetime.timedelta(days=1)
    )
    assert len(calls) == 3


def test_the_district_counts_again_only_the_schools_that_changed(
    school,
    login,
):
    other = SchoolFactory(district=school.school.district)
    TermFactory(school=other)
    client = login(school.district_admin)
    client.get("/district/")
    kept_rows = {
        row.school_id: row.counted_at
        for row in KeptFigures.objects.filter(part=KeptFigures.Part.KEPT)
    }
    assert school.school.pk in kept_rows and other.pk in kept_rows
    changes._raise({other.pk})
    client.get("/district/")
    again = {
        row.school_id: row.counted_at
        for row in KeptFigures.objects.filter(part=KeptFigures.Part.KEPT)
    }
    assert again[school.school.pk] == kept_rows[school.school.pk]
    assert again[other.pk] > kept_rows[other.pk]


def test_the_periodic_task_counts_again_only_what_went_out_of_date(
    school, login, settings
):
    client = login(school.principal)
    page(client, school)
    login(school.district_admin).get("/district/")
    assert figures.count_again() == 0  # nothing changed since
    page_row = kept_page(school)
    changes._raise({school.school.pk})
    assert figures.count_again() == 2  # the page and the district's counts
    again = kept_page(school)
    assert again.counted_at > page_row.counted_at
    assert again.version == changes.versions([school.school.pk])[school.school.pk]
    assert figures.count_again() == 0
    assert any(
        entry["task"] == "dashboards.tasks.count_kept_figures"
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )


def test_entering_results_moves_no_figure(school, django_capture_on_commit_callbacks):
    """Results entered on an open assessment count for nothing until it is
    finalized, so a day of result entry keeps the dashboards' figures."""
    from assessments import services as assessment_services
    from assessments.models import CommonAssessment

    open_one = CommonAssessment.objects.create(
        team=school.team,
        course=school.course,
        title="Unit 3",
        administered_on=TODAY,
        status=CommonAssessment.Status.OPEN,
    )
    item = open_one.items.create(number=1, max_points=4, outcome=school.eo1)
    pk = school.school.pk
    before = changes.versions([pk])[pk]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        assessment_services.score_enter(
            assessment=open_one,
            item=item,
            student=school.students[0],
            raw="3",
            seen_version=0,
            actor=school.principal,
        )
    assert changes.versions([pk])[pk] == before
