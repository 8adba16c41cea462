"""A teacher enters a section's results with the keyboard only, in Chromium."""

import pytest

from accounts.tests.factories import TEST_PASSWORD
from assessments.models import ItemScore, StudentMastery
from dashboards.tests.browser import assert_accessible, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_only_entry_of_a_whole_section(page, live_server, exam):
    log_in(page, live_server.url, exam.teacher.email, TEST_PASSWORD)
    page.goto(
        f"{live_server.url}/assessments/{exam.assessment.pk}/sections/{exam.section.pk}/"
    )
    assert_accessible(page)
    students = sorted(exam.taught_students, key=lambda s: (s.last_name, s.first_name))
    first = page.locator("input[data-item]").first
    first.focus()
    # Row by row: points, Tab to the next item; the last item of a row is followed
    # by Enter, which goes down, then Home-style arrows back to the first item.
    rows = [["3", "2", "4"], ["1", "a", "2"], ["4", "2", "x"]]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value in ("a", "x"):
                page.keyboard.press(value)  # marks and moves down
                page.keyboard.press("ArrowUp")
                page.keyboard.press("ArrowRight")
                continue
            page.keyboard.type(value)
            if c < len(values) - 1:
                page.keyboard.press("Tab")
        if r < len(rows) - 1:
            page.keyboard.press("Enter")
            page.keyboard.press("ArrowLeft")
            page.keyboard.press("ArrowLeft")
    page.keyboard.press("Tab")  # leave the last cell so it saves
    page.wait_for_function("document.querySelectorAll('.just-saved').length >= 9")
    saved = {
        (score.student_id, score.item.number): (score.points, score.mark)
        for score in ItemScore.objects.select_related("item")
    }
    for student, values in zip(students, rows, strict=True):
        for number, value in enumerate(values, start=1):
            points, mark = saved[(student.pk, number)]
            if value == "a":
                assert mark == "absent"
            elif value == "x":
                assert mark == "exempt"
            else:
                assert points == int(value), (student, number, points)
    # Totals and outcome percentages are live.
    first_row_total = page.locator(f"#total-{students[0].pk}").inner_text()
    assert first_row_total == "9/10"
    assert (
        page.locator(f"#outcome-{students[0].pk}-{exam.outcomes[0].pk}")
        .inner_text()
        .startswith("83%")
    )
    screenshot(page, "entry-grid")
    assert_accessible(page)


def test_an_invalid_value_is_marked_on_the_cell(page, live_server, exam):
    log_in(page, live_server.url, exam.teacher.email, TEST_PASSWORD)
    page.goto(
        f"{live_server.url}/assessments/{exam.assessment.pk}/sections/{exam.section.pk}/"
    )
    cell = page.locator("input[data-item]").nth(1)  # item 2 is worth 2 points
    cell.focus()
    page.keyboard.type("7")
    page.keyboard.press("Tab")
    error = page.locator(".cell-error").first
    error.wait_for()
    assert "more than the 2 points" in error.inner_text()
    assert not ItemScore.objects.exists()
    assert not StudentMastery.objects.exists()
    screenshot(page, "entry-grid-error")


def test_a_pasted_column_fills_downwards(page, live_server, exam):
    log_in(page, live_server.url, exam.teacher.email, TEST_PASSWORD)
    page.goto(
        f"{live_server.url}/assessments/{exam.assessment.pk}/sections/{exam.section.pk}/"
    )
    page.locator("input[data-item]").first.focus()
    page.evaluate(
        """() => {
            const data = new DataTransfer();
            data.setData('text/plain', '4\\n3\\n2\\n');
            document.activeElement.dispatchEvent(
                new ClipboardEvent('paste', {clipboardData: data, bubbles: true}));
        }"""
    )
    page.wait_for_function("document.querySelectorAll('.just-saved').length >= 3")
    assert sorted(
        ItemScore.objects.filter(item__number=1).values_list("points", flat=True)
    ) == [2, 3, 4]
