"""A teacher enters a section's results with the keyboard only, in Chromium."""

import pytest

from accounts.tests.factories import TEST_PASSWORD
from assessments.models import ItemScore, StudentMastery
from dashboards.tests.browser import assert_accessible, log_in, screenshot, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_only_entry_of_a_whole_section(page, live_server, exam):
    log_in(page, live_server.url, exam.teacher.email, TEST_PASSWORD)
    page.goto(
        f"{live_server.url}/assessments/{exam.assessment.pk}/sections/{exam.section.pk}/"
    )
    assert_accessible(page)
    students = sorted(exam.taught_students, key=lambda s: (s.last_name, s.first_name))
    # From the top of the page to the first cell with Tab alone, as a person would.
    for _ in range(100):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('input[data-item]')"):
            break
    assert page.evaluate(
        "document.activeElement === document.querySelector('input[data-item]')"
    ), "Tab does not reach the grid's first cell"
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
    wait_for(page, "document.querySelectorAll('.just-saved').length >= 9")
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


def grid_page(page, live_server, exam, user=None):
    log_in(page, live_server.url, (user or exam.teacher).email, TEST_PASSWORD)
    page.goto(
        f"{live_server.url}/assessments/{exam.assessment.pk}/sections/{exam.section.pk}/"
    )


def paste_text(page, text):
    """Paste `text` into the focused cell, as Ctrl+V from a spreadsheet would."""
    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.setData('text/plain', text);
            document.activeElement.dispatchEvent(
                new ClipboardEvent('paste', {clipboardData: data, bubbles: true}));
        }""",
        text,
    )


def count_posts(page):
    posts = []
    page.on(
        "request",
        lambda request: posts.append(request.url) if request.method == "POST" else None,
    )
    return posts


def test_a_pasted_column_fills_downwards(page, live_server, exam):
    grid_page(page, live_server, exam)
    posts = count_posts(page)
    page.locator("input[data-item]").first.focus()
    paste_text(page, "4\n3\n2\n")
    wait_for(page, "document.querySelectorAll('.just-saved').length >= 3")
    assert sorted(
        ItemScore.objects.filter(item__number=1).values_list("points", flat=True)
    ) == [2, 3, 4]
    assert len(posts) == 1 and posts[0].endswith("/paste/")


def test_a_pasted_block_is_one_request_and_bad_cells_are_marked(
    page, live_server, exam
):
    students = sorted(exam.taught_students, key=lambda s: (s.last_name, s.first_name))
    grid_page(page, live_server, exam)
    posts = count_posts(page)
    page.locator("input[data-item]").first.focus()
    # Three students by three items; item 2 is worth 2 points, so "5" is refused,
    # and "b" is no score at all.
    paste_text(page, "4\t2\t3\n1\t5\t4\nb\ta\tx\n")
    page.locator("#paste-summary.has-problems").wait_for()
    summary = page.locator("#paste-summary").inner_text()
    assert summary == "Saved 7 of 9 pasted values; 2 to correct, marked in red."
    assert len(posts) == 1, posts
    errors = page.locator(".cell-error")
    assert errors.count() == 2
    assert "more than the 2 points" in errors.nth(0).inner_text()
    assert "is not a score" in errors.nth(1).inner_text()
    assert page.locator(".just-saved").count() == 7
    # The bad cells keep what was pasted, to correct in place.
    assert (
        page.locator(f"#value-{students[1].pk}-{exam.items[1].pk}").input_value() == "5"
    )
    # Totals and outcome percentages of every pasted row are current.
    assert page.locator(f"#total-{students[0].pk}").inner_text() == "9/10"
    assert page.locator(f"#total-{students[2].pk}").inner_text() == "—"
    assert (
        page.locator(f"#outcome-{students[0].pk}-{exam.outcomes[0].pk}")
        .inner_text()
        .startswith("100%")
    )
    # Focus stays in the cell the block was pasted into.
    assert page.evaluate("document.activeElement.id") == (
        f"value-{students[0].pk}-{exam.items[0].pk}"
    )
    assert ItemScore.objects.count() == 7
    assert page.locator("#entered-count").inner_text() == "7"
    screenshot(page, "entry-grid-paste")
    assert_accessible(page)
    # Correcting a marked cell by typing saves it alone, as before.
    page.locator(f"#value-{students[1].pk}-{exam.items[1].pk}").fill("1")
    page.keyboard.press("Tab")
    wait_for(page, "document.querySelectorAll('.cell-error').length === 1")
    assert len(posts) == 2 and posts[1].endswith("/cell/")


def change_text(row) -> str:
    return " ".join(row.locator("td").nth(2).inner_text().split())


def test_the_lead_reads_a_students_history_with_the_keyboard(page, live_server, exam):
    students = sorted(exam.taught_students, key=lambda s: (s.last_name, s.first_name))
    grid_page(page, live_server, exam)
    first = page.locator("input[data-item]").first
    first.focus()
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.locator(".just-saved").first.wait_for()
    first.select_text()
    page.keyboard.type("4")
    page.keyboard.press("Tab")
    wait_for(
        page, "document.getElementById('grid-status').textContent.includes('Saved')"
    )
    wait_for(
        page,
        f"document.querySelector('#value-{students[0].pk}-{exam.items[0].pk}')"
        ".dataset.version === '2'",
    )
    first = page.locator("input[data-item]").first
    first.focus()
    page.keyboard.press("ArrowLeft")
    link = page.locator(f"#student-{students[0].pk} [data-history]")
    assert page.evaluate("document.activeElement.dataset.history") == ""
    page.keyboard.press("Enter")
    dialog = page.locator("#history-dialog")
    dialog.locator("table").wait_for()
    assert dialog.get_attribute("open") is not None
    rows = dialog.locator("tbody tr")
    assert rows.count() == 2
    # Seen as "3 → 4"; heard as "3 changed to 4".
    assert change_text(rows.nth(0)) == "3 → changed to 4"
    assert change_text(rows.nth(1)) == "blank → changed to 3"
    assert exam.teacher.display_name in rows.nth(0).inner_text()
    screenshot(page, "entry-grid-history")
    assert_accessible(page)
    page.keyboard.press("Escape")
    wait_for(page, "!document.getElementById('history-dialog').open")
    assert page.evaluate("document.activeElement.dataset.history") == ""
    assert link.get_attribute("tabindex") == "-1"  # Tab still goes item to item
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.item") == str(exam.items[0].pk)


def test_an_ordinary_member_sees_no_history(page, live_server, exam):
    log_in(page, live_server.url, exam.colleague.email, TEST_PASSWORD)
    page.goto(
        f"{live_server.url}/assessments/{exam.assessment.pk}/sections/"
        f"{exam.colleague_section.pk}/"
    )
    page.locator("input[data-item]").first.wait_for()
    assert page.locator("[data-history]").count() == 0
    assert page.locator("#history-dialog").count() == 0
