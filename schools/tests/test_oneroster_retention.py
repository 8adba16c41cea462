"""Uploaded roster files are deleted after ROSTER_FILE_RETENTION_DAYS; the run,
its report and its place in the history stay."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Event
from schools.imports import import_files_purge
from schools.models import ImportRun
from schools.tasks import purge_roster_files

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime.datetime(2026, 11, 30, 3, 0))


def finished_run(cast, *, days_ago: float, status=ImportRun.Status.SUCCEEDED):
    at = NOW - datetime.timedelta(days=days_ago)
    return ImportRun.objects.create(
        district=cast.district,
        uploaded_by=cast.district_admin,
        file_name="roster.zip",
        file_size=4,
        upload=b"PK\x05\x06",
        status=status,
        progress=100,
        report={"ok": True, "counts": {}, "errors": [], "warnings": []},
        summary="Students: 4 new",
        created_at=at,
        finished_at=at,
    )


def test_the_default_period_is_thirty_days():
    assert settings.ROSTER_FILE_RETENTION_DAYS == 30


def test_files_past_the_period_are_deleted_and_the_runs_kept(cast):
    old = finished_run(cast, days_ago=31)
    refused = finished_run(cast, days_ago=45, status=ImportRun.Status.REFUSED)
    recent = finished_run(cast, days_ago=29)
    events = Event.objects.count()

    assert import_files_purge(now=NOW) == 2

    for run in (old, refused):
        run.refresh_from_db()
        assert bytes(run.upload) == b""
        assert run.upload_deleted_at == NOW
        # What was imported, by whom and how it went is all still there.
        assert (run.file_name, run.file_size, run.summary) == (
            "roster.zip",
            4,
            "Students: 4 new",
        )
        assert run.report["ok"] is True
    recent.refresh_from_db()
    assert bytes(recent.upload) == b"PK\x05\x06"
    assert recent.upload_deleted_at is None
    assert Event.objects.count() == events


def test_purging_twice_changes_nothing_more(cast):
    run = finished_run(cast, days_ago=31)
    assert import_files_purge(now=NOW) == 1
    assert import_files_purge(now=NOW + datetime.timedelta(days=1)) == 0
    run.refresh_from_db()
    assert run.upload_deleted_at == NOW


def test_a_run_not_finished_keeps_its_file(cast):
    waiting = finished_run(cast, days_ago=40, status=ImportRun.Status.QUEUED)
    ImportRun.objects.filter(pk=waiting.pk).update(finished_at=None)
    assert import_files_purge(now=NOW) == 0
    waiting.refresh_from_db()
    assert bytes(waiting.upload) == b"PK\x05\x06"


def test_the_period_is_a_setting(cast, settings):
    settings.ROSTER_FILE_RETENTION_DAYS = 7
    finished_run(cast, days_ago=8)
    assert import_files_purge(now=NOW) == 1


def test_zero_keeps_files(cast, settings):
    settings.ROSTER_FILE_RETENTION_DAYS = 0
    finished_run(cast, days_ago=400)
    assert import_files_purge(now=NOW) == 0


def test_the_daily_task_purges(cast):
    finished_run(cast, days_ago=60)
    assert purge_roster_files() == 1
    assert purge_roster_files() == 0


def test_beat_runs_the_task_every_day():
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "schools.tasks.purge_roster_files"
    )
    assert entry["schedule"] == 60 * 60 * 24


def test_the_run_page_says_the_file_was_deleted(login, cast):
    run = finished_run(cast, days_ago=31)
    import_files_purge(now=NOW)
    page = login(cast.district_admin).get(run.get_absolute_url()).content.decode()
    assert "The uploaded file was deleted on <time" in page
    assert ">November 30, 2026</time>" in page
    assert "the report below is kept" in page
