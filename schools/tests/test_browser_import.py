"""A district admin uploads a OneRoster export in Chromium and watches it import."""

import pytest

from accounts.tests.factories import TEST_PASSWORD
from dashboards.tests.browser import assert_accessible, log_in, screenshot
from schools.models import ImportRun, Student
from schools.tests.test_oneroster_views import zipped

pytestmark = [
    pytest.mark.browser,
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
]


def test_upload_progress_and_result(page, live_server, cast, celery_worker, tmp_path):
    archive = tmp_path / "roster.zip"
    archive.write_bytes(zipped())
    log_in(page, live_server.url, cast.district_admin.email, TEST_PASSWORD)
    page.get_by_role("link", name="Roster import").click()
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    page.get_by_label("OneRoster export (.zip)").set_input_files(str(archive))
    page.get_by_role("button", name="Start the import").click()
    # The progress page polls until the worker finishes, then shows the counts.
    page.get_by_text("Imported", exact=False).first.wait_for(timeout=30_000)
    run = ImportRun.objects.get()
    run.refresh_from_db()
    assert run.status == "succeeded", run.stage
    assert Student.objects.filter(sourced_id__gt="").exists()
    assert_accessible(page)
    screenshot(page, "roster-import-result")


def test_a_bad_file_is_refused_with_its_problems_listed(
    page, live_server, cast, celery_worker, tmp_path
):
    archive = tmp_path / "roster.zip"
    archive.write_bytes(
        zipped(enrollments="sourcedId,status\n1,active\n")  # required columns missing
    )
    log_in(page, live_server.url, cast.district_admin.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/roster/import/")
    page.get_by_label("OneRoster export (.zip)").set_input_files(str(archive))
    page.get_by_role("button", name="Start the import").click()
    page.get_by_text("enrollments.csv", exact=False).first.wait_for(timeout=30_000)
    assert ImportRun.objects.get().status == "refused"
    assert not Student.objects.filter(sourced_id__gt="").exists()
    assert_accessible(page)
    screenshot(page, "roster-import-refused")
