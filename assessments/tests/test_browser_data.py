"""The data page and the upload preview in Chromium: accessible, readable on a
laptop and a phone, and an upload confirmed with one click."""

import pytest

from accounts.tests.factories import TEST_PASSWORD
from assessments.models import ItemScore
from assessments.tests.test_data_views import fill
from dashboards.tests.browser import assert_accessible, log_in, screenshot
from teams.models import Meeting
from teams.tests.factories import MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_data_page_reads_well_and_passes_axe(page, live_server, exam):
    fill(exam)
    MeetingFactory(team=exam.team, kind=Meeting.Kind.DATA)
    log_in(page, live_server.url, exam.teacher.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/assessments/{exam.assessment.pk}/data/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Data:")
    assert page.get_by_role("heading", name="Item analysis").is_visible()
    assert_accessible(page)
    screenshot(page, "data-page")
    page.get_by_label("Choose the meeting").select_option(index=1)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Data meeting set to").is_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "data-page-phone")
    page.locator(f"#not-yet-{exam.outcomes[0].pk}").scroll_into_view_if_needed()
    page.screenshot(
        path=str(
            screenshot(page, "data-page-phone").parent / "data-page-phone-list.png"
        )
    )
    assert_accessible(page)


def test_an_upload_is_previewed_then_saved(page, live_server, exam, tmp_path):
    a, b, c = exam.taught_students
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"Student ID,Name,Q1,Q2,Q3\n{a.local_id},A,4,2,4\n{b.local_id},B,5,1,1\n"
        "999,C,1,1,1\n",
        encoding="utf-8-sig",
    )
    good = tmp_path / "good.csv"
    good.write_text(
        f"Student ID,Q1,Q2,Q3\n{a.local_id},4,2,4\n{b.local_id},3,1,a\n"
        f"{c.local_id},1,,x\n",
        encoding="utf-8",
    )
    log_in(page, live_server.url, exam.teacher.email, TEST_PASSWORD)
    page.goto(
        f"{live_server.url}/assessments/{exam.assessment.pk}/sections/"
        f"{exam.section.pk}/upload/"
    )
    assert_accessible(page)
    screenshot(page, "upload-form")
    page.get_by_label("Results file").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state("networkidle")
    problems = page.locator("#problems").inner_text()
    assert "Row 3, column C (Q1): 5 is more than the 4 points" in problems
    assert "Row 4, column A (Student ID)" in problems
    assert page.get_by_role("button", name="Save these results").count() == 0
    assert_accessible(page)
    screenshot(page, "upload-preview-errors")

    page.get_by_role("link", name="Upload the corrected file").click()
    page.get_by_label("Results file").set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    screenshot(page, "upload-preview")
    assert not ItemScore.objects.exists()
    page.get_by_role("button", name="Save these results").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Saved 8 results from good.csv").is_visible()
    assert ItemScore.objects.count() == 8
