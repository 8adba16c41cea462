"""Results files as spreadsheets really leave them: student IDs that lost their
leading zeros, and files too big, too packed, or not what their name says."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from assessments import uploads
from assessments.models import ItemScore
from assessments.tests.test_upload import (
    check,
    csv_bytes,
    messages_of,
    upload_file,
    xlsx_bytes,
)
from schools.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(64)


def padded(student, local_id: str):
    student.local_id = local_id
    student.save(update_fields=["local_id"])
    return student


# Leading zeros -------------------------------------------------------------------


def test_an_id_that_lost_its_leading_zeros_is_matched_and_the_preview_says_so(exam):
    student = padded(exam.taught_students[0], "001234")
    preview = check(exam, csv_bytes(["Student ID,1,2,3", "1234,4,2,4"]))

    assert preview.is_clean, messages_of(preview)
    assert preview.rows[0].student == student
    assert preview.rows[0].note == "matched 1234 to 001234"
    assert preview.notes == ["Row 2: matched 1234 to 001234"]


def test_a_workbook_number_is_matched_to_the_padded_id(exam):
    student = padded(exam.taught_students[0], "0042")
    preview = check(exam, xlsx_bytes([["ID", "Q1"], [42, 3]]), name="quiz.xlsx")
    assert preview.is_clean, messages_of(preview)
    assert preview.rows[0].student == student


def test_an_exact_id_wins_over_a_padded_one(exam):
    exact = padded(exam.taught_students[0], "1234")
    padded(exam.taught_students[1], "001234")
    preview = check(exam, csv_bytes(["ID,1", "1234,3"]))
    assert preview.is_clean, messages_of(preview)
    assert preview.rows[0].student == exact
    assert preview.rows[0].note == ""


def test_an_id_that_fits_two_students_once_padded_is_an_error_for_that_row(exam):
    padded(exam.taught_students[0], "01234")
    padded(exam.taught_students[1], "001234")
    preview = check(
        exam, csv_bytes(["ID,1", "1234,3", f"{exam.taught_students[2].local_id},1"])
    )
    assert not preview.is_clean
    assert messages_of(preview) == [
        "Row 2, column A (ID): “1234” matches more than one student ID once its "
        "leading zeros are put back; type the ID in full, with its zeros (format "
        "the column as text)."
    ]
    assert preview.rows[1].ok


def test_uniqueness_counts_the_whole_school_not_only_the_class(exam):
    padded(exam.taught_students[0], "01234")
    # A student of the school outside the course holds the other padded form.
    StudentFactory(school=exam.school, local_id="001234")
    preview = check(exam, csv_bytes(["ID,1", "1234,3"]))
    assert not preview.is_clean
    assert "matches more than one student ID" in messages_of(preview)[0]


def test_a_padded_match_outside_the_course_reads_like_an_unknown_id(exam):
    StudentFactory(school=exam.school, local_id="007777")
    found = messages_of(check(exam, csv_bytes(["ID,1", "7777,3"])))
    unknown = messages_of(check(exam, csv_bytes(["ID,1", "8888,3"])))
    assert [m.replace("7777", "X") for m in found] == [
        m.replace("8888", "X") for m in unknown
    ]


def test_the_padded_match_costs_no_extra_query(exam, django_assert_num_queries):
    padded(exam.taught_students[0], "001234")
    sheet = uploads.sheet_read("r.csv", csv_bytes(["ID,1", "1234,3"] + ["99,1"] * 30))
    with django_assert_num_queries(5):
        uploads.upload_check(
            assessment=exam.assessment, section=exam.section, sheet=sheet
        )


def test_the_page_shows_the_match_and_saving_uses_it(login, exam):
    student = padded(exam.taught_students[0], "001234")
    client = login(exam.teacher)
    response = upload_file(
        client, exam, exam.section, csv_bytes(["Student ID,1", "1234,3"])
    )
    page = response.content.decode()
    assert "matched 1234 to 001234" in page
    client.post(response.request["PATH_INFO"], {"confirm": response.context["token"]})
    assert ItemScore.objects.get().student == student


def test_a_padded_match_in_another_class_is_named_as_such(exam):
    other = exam.colleague_students[0]
    padded(other, "000555")
    preview = check(exam, csv_bytes(["ID,1", "555,3"]))
    assert messages_of(preview) == [
        f"Row 2, column A (ID): 555 is in {exam.colleague_section.name}, not in "
        f"{exam.section.name}: upload that class on its own page."
    ]


# Size and type ---------------------------------------------------------------------


def test_a_picture_named_csv_is_named_for_what_it_is():
    with pytest.raises(uploads.UploadError, match="This is a PNG image, not a CSV"):
        uploads.sheet_read("results.csv", PNG)


def test_a_text_file_named_xlsx_is_refused():
    with pytest.raises(uploads.UploadError, match=r"not a readable \.xlsx workbook"):
        uploads.sheet_read("results.xlsx", b"Student ID,1\n1234,3\n")


def test_a_workbook_that_expands_a_hundredfold_is_refused():
    # A real workbook whose sheet holds 40 MB of one repeated cell.
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Student ID", "1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</sheetData>",
                    b"<!--" + b"x" * (40 * 1024**2) + b"--></sheetData>",
                )
            target.writestr(info.filename, data)
    with pytest.raises(uploads.UploadError, match="more than 100 times its size"):
        uploads.sheet_read("results.xlsx", bomb.getvalue())


def test_a_workbook_of_too_many_parts_is_refused():
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w") as target:
        for n in range(2000):
            target.writestr(f"xl/part{n}.xml", b"<x/>")
    with pytest.raises(uploads.UploadError, match="holds 2000 files"):
        uploads.sheet_read("results.xlsx", content.getvalue())


def test_a_100_mb_csv_is_refused_on_the_form(login, exam):
    client = login(exam.teacher)
    big = b"Student ID,1\n" + b"1234,3\n" * (100 * 1024**2 // 7)
    response = upload_file(client, exam, exam.section, big)
    assert response.status_code == 200
    assert "larger than 5 MB" in response.content.decode()
    assert not ItemScore.objects.exists()
