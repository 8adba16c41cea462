"""A workbook whose student IDs lost their leading zeros, uploaded in Chromium:
the preview says which IDs it matched, passes axe, and saves with one click."""

import pytest

from accounts.tests.factories import TEST_PASSWORD
from assessments.models import ItemScore
from assessments.tests.test_upload import xlsx_bytes
from dashboards.tests.browser import assert_accessible, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ids_matched_without_their_zeros_are_shown_then_saved(
    page, live_server, exam, tmp_path
):
    a, b, _ = exam.taught_students
    for student, local_id in ((a, "001234"), (b, "0042")):
        student.local_id = local_id
        student.save(update_fields=["local_id"])
    workbook = tmp_path / "quiz.xlsx"
    workbook.write_bytes(
        xlsx_bytes([["Student ID", "Q1", "Q2"], [1234, 4, 2], [42, 3, 1]])
    )
    log_in(page, live_server.url, exam.teacher.email, TEST_PASSWORD)
    page.goto(
        f"{live_server.url}/assessments/{exam.assessment.pk}/sections/"
        f"{exam.section.pk}/upload/"
    )
    page.get_by_label("Results file").set_input_files(str(workbook))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state("networkidle")
    notes = page.locator("#id-notes").inner_text()
    assert "Row 2: matched 1234 to 001234" in notes
    assert "Row 3: matched 42 to 0042" in notes
    assert_accessible(page)
    screenshot(page, "upload-preview-leading-zeros")
    page.get_by_role("button", name="Save these results").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Saved 4 results from quiz.xlsx").is_visible()
    assert {s.student_id for s in ItemScore.objects.all()} == {a.pk, b.pk}
