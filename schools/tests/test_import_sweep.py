"""The periodic sweep re-queues imports whose task message was lost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import OutboxMessage
from schools.models import ImportRun
from schools.tasks import requeue_stalled_imports

pytestmark = pytest.mark.django_db


def make_run(cast, **fields):
    return ImportRun.objects.create(
        file_name="roster.zip",
        upload=b"PK",
        district=cast.district,
        uploaded_by=cast.district_admin,
        **fields,
    )


def test_lost_and_stalled_runs_are_queued_again_and_fresh_ones_left(cast):
    now = timezone.now()
    lost = make_run(cast, created_at=now - timedelta(minutes=30))
    fresh = make_run(cast, created_at=now - timedelta(minutes=1))
    stalled = make_run(cast, status="running", started_at=now - timedelta(hours=3))
    running = make_run(cast, status="running", started_at=now - timedelta(minutes=5))
    finished = make_run(cast, status="succeeded", created_at=now - timedelta(days=1))
    assert requeue_stalled_imports() == 2
    queued = {
        message.kwargs["run_id"]
        for message in OutboxMessage.objects.filter(
            task="schools.tasks.run_roster_import"
        )
    }
    assert queued == {lost.pk, stalled.pk}
    assert not {fresh.pk, running.pk, finished.pk} & queued
