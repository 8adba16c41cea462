"""Results uploaded from a CSV or XLSX file: reading, checking row by row,
the preview and confirmation, and who may upload for which class.

Items (from the `exam` fixture): 1 is worth 4 points, 2 is worth 2, 3 is worth 4.
"""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from accounts.events import EventType
from accounts.models import Event
from assessments import services, uploads
from assessments.models import ItemScore
from assessments.tests.conftest import enter

pytestmark = pytest.mark.django_db


def csv_bytes(lines: list[str], *, bom: bool = False) -> bytes:
    text = "\r\n".join(lines) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def check(exam, content: bytes, name="results.csv", section=None):
    sheet = uploads.sheet_read(name, content)
    return uploads.upload_check(
        assessment=exam.assessment, section=section or exam.section, sheet=sheet
    )


def ids(exam):
    return [student.local_id for student in exam.taught_students]


# Reading ---------------------------------------------------------------------


def test_a_csv_with_a_bom_and_common_headers_is_read(exam):
    a, b, c = ids(exam)
    preview = check(
        exam,
        csv_bytes(
            ["Student ID,Q1,Item 2,3", f"{a},4,2,4", f"{b},1,a,x", f"{c},0,0,0"],
            bom=True,
        ),
    )
    assert preview.is_clean, [str(p) for p in preview.problems]
    assert preview.item_numbers == [1, 2, 3]
    assert [cell.shown for cell in preview.rows[1].cells] == ["1", "a", "x"]


@pytest.mark.parametrize(
    "header", ["student id", "STUDENT_ID", "id", "Local ID", "StudentID", "student-id"]
)
def test_student_id_column_names_are_recognised(exam, header):
    preview = check(exam, csv_bytes([f"{header},1", f"{ids(exam)[0]},3"]))
    assert preview.is_clean, [str(p) for p in preview.problems]


def test_semicolon_separated_csv_from_european_excel(exam):
    preview = check(exam, csv_bytes(["ID;1;2", f"{ids(exam)[0]};3,5;1"]))
    assert preview.is_clean, [str(p) for p in preview.problems]
    assert preview.rows[0].cells[0].shown == "3.5"


def test_an_xlsx_workbook_is_read_with_numbers_as_typed(exam):
    student = exam.taught_students[0]
    student.local_id = "123456"
    student.save()
    content = xlsx_bytes([["Student ID", "Name", "Q1", "Q2"], [123456, "Ana", 3, 1.5]])
    preview = check(exam, content, name="quiz.xlsx")
    assert preview.is_clean, [str(p) for p in preview.problems]
    assert [cell.shown for cell in preview.rows[0].cells] == ["3", "1.5"]
    assert preview.ignored_columns == ["B (Name)"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("old.xls", b"\xd0\xcf\x11\xe0rest", ".xls"),
        ("broken.xlsx", b"PK\x03\x04garbage", "cannot be read"),
        ("fake.xlsx", b"not a zip", "not a readable .xlsx"),
        ("blank.csv", b"\r\n,,\r\n", "no rows"),
    ],
)
def test_unreadable_files_are_refused_whole(name, content, message):
    with pytest.raises(uploads.UploadError, match=message):
        uploads.sheet_read(name, content)


def test_column_letters():
    assert [uploads.column_letter(i) for i in (0, 1, 25, 26, 27, 701, 702)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


# Checking --------------------------------------------------------------------


def messages_of(preview) -> list[str]:
    return [str(problem) for problem in preview.problems]


def test_every_problem_names_its_row_and_column(exam):
    a, b, _ = ids(exam)
    colleague_student = exam.colleague_students[0].local_id
    preview = check(
        exam,
        csv_bytes(
            [
                "Name,Student ID,1,2,3",
                f"Ana,{a},5,2,4",  # 5 > 4 points
                f"Ben,{b},1,two,1",  # not a score
                "Cy,999999,1,1,1",  # nobody
                f"Di,{colleague_student},1,1,1",  # Period 4
                f"Ed,{exam.untaught_student.local_id},1,1,1",  # Biology only
                f"Fa,{a},1,1,1",  # twice
                f"Gi,{exam.foreign_student.local_id},1,1,1",  # other school
                ",,1,1,1",  # no ID
            ]
        ),
    )
    found = messages_of(preview)
    assert (
        "Row 2, column C (1): 5 is more than the 4 points this item is worth." in found
    )
    assert any(m.startswith("Row 3, column D (2): “two” is not a score") for m in found)
    assert any(
        m.startswith("Row 4, column B (Student ID): No student of ")
        and "has the ID “999999”" in m
        for m in found
    )
    assert any(
        m.startswith(f"Row 5, column B (Student ID): {colleague_student} is in ")
        and "upload that class on its own page" in m
        for m in found
    )
    assert any(
        m.startswith("Row 6, column B (Student ID): No student of ") for m in found
    )
    assert f"Row 7, column B (Student ID): {a} is already on row 2." in found
    assert any(m.startswith("Row 8, column B (Student ID): No student") for m in found)
    assert "Row 9, column B (Student ID): No student ID." in found
    assert not preview.is_clean
    assert preview.ignored_columns == ["A (Name)"]


def test_unknown_items_duplicates_and_missing_columns(exam):
    preview = check(exam, csv_bytes(["Student ID,Q1,1,Q7", f"{ids(exam)[0]},1,1,1"]))
    found = messages_of(preview)
    assert "Row 1, column C (1): Item 1 already has column B; keep only one." in found
    assert (
        "Row 1, column D (Q7): This assessment has no item 7; its items are 1 to 3."
        in found
    )
    assert preview.missing_items == [2, 3]
    preview = check(exam, csv_bytes(["Name,1", "Ana,1"]))
    assert any("No student-ID column" in m for m in messages_of(preview))
    preview = check(exam, csv_bytes(["Student ID,Name", f"{ids(exam)[0]},Ana"]))
    assert any("No item columns" in m for m in messages_of(preview))


def test_checking_runs_a_fixed_number_of_queries(exam, django_assert_num_queries):
    lines = ["Student ID,1,2,3"] + [f"{i},1,1,1" for i in ids(exam)]
    sheet = uploads.sheet_read("r.csv", csv_bytes(lines))
    with django_assert_num_queries(5):
        uploads.upload_check(
            assessment=exam.assessment, section=exam.section, sheet=sheet
        )
    sheet = uploads.sheet_read("r.csv", csv_bytes(lines + ["424242,1,1,1"] * 30))
    with django_assert_num_queries(5):
        uploads.upload_check(
            assessment=exam.assessment, section=exam.section, sheet=sheet
        )


# Saving ----------------------------------------------------------------------


def test_a_clean_sheet_is_saved_whole_and_empty_cells_keep_what_was_entered(exam):
    a, b, _ = exam.taught_students
    enter(exam, b, 3, "1")
    sheet = uploads.sheet_read(
        "r.csv", csv_bytes(["ID,1,2,3", f"{a.local_id},4,2,4", f"{b.local_id},3,a,"])
    )
    _, saved = uploads.upload_save(
        assessment=exam.assessment,
        section=exam.section,
        sheet=sheet,
        actor=exam.teacher,
    )
    assert saved == 5
    scores = {
        (s.student_id, s.item.number): (s.points, s.mark)
        for s in ItemScore.objects.select_related("item")
    }
    assert scores[(a.pk, 1)] == (Decimal(4), "")
    assert scores[(b.pk, 2)] == (None, "absent")
    assert scores[(b.pk, 3)] == (Decimal(1), "")  # the empty cell kept it


def test_a_sheet_with_one_bad_cell_saves_nothing(exam):
    a, b, _ = exam.taught_students
    sheet = uploads.sheet_read(
        "r.csv", csv_bytes(["ID,1,2,3", f"{a.local_id},4,2,4", f"{b.local_id},3,9,1"])
    )
    preview, saved = uploads.upload_save(
        assessment=exam.assessment,
        section=exam.section,
        sheet=sheet,
        actor=exam.teacher,
    )
    assert saved == 0
    assert not ItemScore.objects.exists()
    assert messages_of(preview) == [
        "Row 3, column C (2): 9 is more than the 2 points this item is worth."
    ]


def test_replaced_results_are_shown_in_the_preview(exam):
    a = exam.taught_students[0]
    enter(exam, a, 1, "2")
    preview = check(exam, csv_bytes(["ID,1", f"{a.local_id},3"]))
    assert preview.rows[0].cells[0].replaces == "2"
    assert preview.replaced_count == 1


# The pages -------------------------------------------------------------------


def upload_url(exam, section):
    return reverse("assessments:upload", args=[exam.assessment.pk, section.pk])


def upload_file(client, exam, section, content, name="results.csv"):
    return client.post(
        upload_url(exam, section), {"file": SimpleUploadedFile(name, content)}
    )


@pytest.mark.parametrize(
    ("who", "section", "status"),
    [
        ("teacher", "section", 200),
        ("teacher", "colleague_section", 200),  # the lead uploads for any class
        ("colleague", "colleague_section", 200),
        ("colleague", "section", 404),  # a member only for their own class
        ("principal", "section", 200),
        ("district_admin", "section", 404),  # reads, never enters
        ("bystander", "section", 404),
        ("counselor", "section", 404),
        ("other_teacher", "section", 404),
        ("other_principal", "section", 404),
        ("far_admin", "section", 404),
    ],
)
def test_upload_is_for_those_who_enter_that_class(login, exam, who, section, status):
    client = login(getattr(exam, who))
    assert client.get(upload_url(exam, getattr(exam, section))).status_code == status
    response = upload_file(
        client, exam, getattr(exam, section), csv_bytes(["ID,1", "x,1"])
    )
    assert response.status_code == status


def test_anonymous_is_sent_to_log_in(client, exam):
    assert client.get(upload_url(exam, exam.section)).status_code == 302


def test_preview_then_confirm_saves(login, exam):
    client = login(exam.teacher)
    a, b, _ = ids(exam)
    response = upload_file(
        client, exam, exam.section, csv_bytes(["ID,1,2,3", f"{a},4,2,4", f"{b},1,1,1"])
    )
    assert response.status_code == 200
    assert "Save these results" in response.content.decode()
    assert not ItemScore.objects.exists()
    token = response.context["token"]
    response = client.post(upload_url(exam, exam.section), {"confirm": token})
    assert response.status_code == 302
    assert response.url == reverse(
        "assessments:grid", args=[exam.assessment.pk, exam.section.pk]
    )
    assert ItemScore.objects.count() == 6
    # The same preview cannot be saved twice.
    response = client.post(upload_url(exam, exam.section), {"confirm": token})
    assert ItemScore.objects.count() == 6


def test_a_preview_with_problems_cannot_be_confirmed(login, exam):
    client = login(exam.teacher)
    response = upload_file(
        client, exam, exam.section, csv_bytes(["ID,1", f"{ids(exam)[0]},7"])
    )
    page = response.content.decode()
    assert "Nothing has been saved" in page
    assert "Row 2, column B (1)" in page
    assert "Save these results" not in page
    client.post(upload_url(exam, exam.section), {"confirm": response.context["token"]})
    assert not ItemScore.objects.exists()


def test_a_wrong_token_saves_nothing(login, exam):
    client = login(exam.teacher)
    upload_file(client, exam, exam.section, csv_bytes(["ID,1", f"{ids(exam)[0]},3"]))
    response = client.post(upload_url(exam, exam.section), {"confirm": "forged"})
    assert response.status_code == 302
    assert not ItemScore.objects.exists()


def test_an_unreadable_file_is_reported_on_the_form(login, exam):
    client = login(exam.teacher)
    response = upload_file(client, exam, exam.section, b"\xd0\xcf\x11\xe0", "a.xls")
    assert response.status_code == 200
    assert "old Excel (.xls)" in response.content.decode()


def test_uploads_stop_once_the_assessment_is_finalized(login, exam):
    client = login(exam.teacher)
    response = upload_file(
        client, exam, exam.section, csv_bytes(["ID,1", f"{ids(exam)[0]},3"])
    )
    token = response.context["token"]
    services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    response = client.post(upload_url(exam, exam.section), {"confirm": token})
    assert response.status_code == 302
    assert not ItemScore.objects.exists()
    page = client.get(upload_url(exam, exam.section)).content.decode()
    assert "only while the assessment is open" in page
    assert 'type="file"' not in page


def test_a_change_between_preview_and_confirm_is_caught(login, exam):
    client = login(exam.teacher)
    a = exam.taught_students[0]
    response = upload_file(
        client, exam, exam.section, csv_bytes(["ID,1", f"{a.local_id},3"])
    )
    a.enrollments.all().delete()  # moved out of the class meanwhile
    response = client.post(
        upload_url(exam, exam.section), {"confirm": response.context["token"]}
    )
    assert response.status_code == 200
    assert "Nothing has been saved" in response.content.decode()
    assert not ItemScore.objects.exists()


def test_the_template_lists_the_class_and_items(login, exam):
    response = login(exam.teacher).get(
        reverse(
            "assessments:upload_template", args=[exam.assessment.pk, exam.section.pk]
        )
    )
    text = response.content.decode().lstrip("\ufeff")
    lines = text.splitlines()
    assert lines[0] == "Student ID,Last name,First name,1,2,3"
    assert {line.split(",")[0] for line in lines[1:]} == set(ids(exam))
    # And it reads back as a clean upload.
    assert check(exam, response.content).is_clean is False  # no results yet
    assert not messages_of(check(exam, response.content))


def test_the_sheet_download_and_the_preview_record_whom_they_showed(login, exam):
    from schools.models import AccessKind, AccessRecord

    client = login(exam.teacher)
    sheet = client.get(
        reverse(
            "assessments:upload_template", args=[exam.assessment.pk, exam.section.pk]
        )
    )
    export = AccessRecord.objects.get()
    assert export.kind == AccessKind.EXPORT
    assert set(export.students.values_list("student__local_id", flat=True)) == set(
        ids(exam)
    )
    upload = SimpleUploadedFile("results.csv", sheet.content, "text/csv")
    client.post(upload_url(exam, exam.section), {"file": upload})
    preview = AccessRecord.objects.exclude(pk=export.pk).get()
    assert preview.kind == AccessKind.PAGE
    assert preview.what.startswith("Results upload preview")
    assert preview.student_count == len(ids(exam))


def test_an_id_outside_the_course_reads_like_an_unknown_one(exam):
    """The message must not tell whether the ID belongs to someone in the school."""
    outsider = exam.untaught_student  # in the school, not in Algebra 1

    def preview_of(student_id):
        return check(exam, csv_bytes(["Student ID,1,2,3", f"{student_id},1,1,1"]))

    found_outsider = messages_of(preview_of(outsider.local_id))
    found_unknown = messages_of(preview_of("999999"))
    assert [m.replace(outsider.local_id, "X") for m in found_outsider] == [
        m.replace("999999", "X") for m in found_unknown
    ]


# The record of change ----------------------------------------------------------


def save_sheet(exam, lines):
    return uploads.upload_save(
        assessment=exam.assessment,
        section=exam.section,
        sheet=uploads.sheet_read("r.csv", csv_bytes(lines)),
        actor=exam.teacher,
    )


def events_of(event_type):
    return Event.objects.filter(type=event_type).order_by("pk")


def test_an_upload_records_each_changed_cell_and_one_summary(exam):
    a, b, _ = exam.taught_students
    enter(exam, a, 1, "4")
    enter(exam, a, 2, "1")
    before = set(events_of(EventType.SCORE_CHANGED).values_list("pk", flat=True))
    _, saved = save_sheet(
        exam, ["ID,1,2,3", f"{a.local_id},4,2,", f"{b.local_id},3,a,x"]
    )
    assert saved == 5
    changed = events_of(EventType.SCORE_CHANGED).exclude(pk__in=before)
    # a/1 is unchanged: no event. a/2 changed; b's three are new.
    assert sorted(
        (e.student_id, e.data["item"]["number"], e.before["points"], e.after["mark"])
        for e in changed
    ) == sorted(
        [
            (a.pk, 2, "1.00", ""),
            (b.pk, 1, None, ""),
            (b.pk, 2, None, "absent"),
            (b.pk, 3, None, "exempt"),
        ]
    )
    assert {(e.actor_id, e.assessment_id, e.team_id) for e in changed} == {
        (exam.teacher.pk, exam.assessment.pk, exam.team.pk)
    }
    (summary,) = events_of(EventType.RESULTS_UPLOADED)
    assert summary.data == {
        "values": 5,
        "new": 3,
        "changed": 1,
        "unchanged": 1,
        "students": 2,
    }
    assert summary.assessment == exam.assessment
    assert summary.actor == exam.teacher


def test_an_upload_bumps_the_version_of_changed_cells_only(exam):
    a, b, _ = exam.taught_students
    enter(exam, a, 1, "4")
    enter(exam, a, 2, "1")
    save_sheet(exam, ["ID,1,2", f"{a.local_id},4,2", f"{b.local_id},3,"])
    versions = {
        (s.student_id, s.item.number): s.version
        for s in ItemScore.objects.select_related("item")
    }
    assert versions == {(a.pk, 1): 1, (a.pk, 2): 2, (b.pk, 1): 1}
    assert ItemScore.objects.get(student=a, item=exam.items[1]).entered_by == (
        exam.teacher
    )


def test_a_refused_upload_writes_no_event(exam):
    a, *_ = exam.taught_students
    _, saved = save_sheet(exam, ["ID,1,2", f"{a.local_id},4,9"])
    assert saved == 0
    services.assessment_finalize(assessment=exam.assessment, actor=exam.teacher)
    with pytest.raises(ValidationError):
        services.scores_import(
            assessment=exam.assessment,
            rows=[services.RowEntry(student=a, values={1: "3"})],
            actor=exam.teacher,
        )
    assert not events_of(EventType.SCORE_CHANGED).exists()
    assert not events_of(EventType.RESULTS_UPLOADED).exists()


def test_an_upload_racing_a_new_entry_saves_nothing(exam, monkeypatch):
    """A cell filled in the grid between the upload's read and its insert: the
    whole sheet is refused, so nothing half-written is left."""
    a, b, _ = exam.taught_students
    enter(exam, a, 1, "1", actor=exam.colleague)
    monkeypatch.setattr(services, "_locked_scores", lambda cells: {})
    with pytest.raises(ValidationError, match="while the file was being saved"):
        services.scores_import(
            assessment=exam.assessment,
            rows=[
                services.RowEntry(student=b, values={1: "2"}),
                services.RowEntry(student=a, values={1: "3"}),
            ],
            actor=exam.teacher,
        )
    assert list(ItemScore.objects.values_list("student_id", "points")) == [
        (a.pk, Decimal(1))
    ]
    assert not events_of(EventType.RESULTS_UPLOADED).exists()


def test_an_upload_to_an_open_assessment_enqueues_no_recompute(
    exam, django_capture_on_commit_callbacks
):
    from accounts.models import OutboxMessage

    with django_capture_on_commit_callbacks() as callbacks:
        save_sheet(
            exam,
            ["ID,1,2,3"] + [f"{s.local_id},1,1,1" for s in exam.taught_students],
        )
    # Kept mastery reads finalized results only; finalizing recomputes them.
    assert callbacks == []
    assert not OutboxMessage.objects.filter(
        task="assessments.tasks.recompute_mastery"
    ).exists()


@pytest.mark.parametrize(("threshold", "analyzed"), [(3, True), (6, False)])
def test_a_large_upload_refreshes_the_planners_statistics_after_commit(
    exam, django_capture_on_commit_callbacks, monkeypatch, threshold, analyzed
):
    from assessments import tasks
    from assessments.models import StudentMastery

    monkeypatch.setattr(tasks.recompute_mastery, "delay", lambda ids: None)
    tables = []
    monkeypatch.setattr(services, "ANALYZE_AFTER_ROWS", threshold)
    monkeypatch.setattr(services, "analyze", lambda *models: tables.append(models))
    a, b, _ = exam.taught_students
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        save_sheet(exam, ["ID,1,2,3", f"{a.local_id},1,1,1", f"{b.local_id},1,1,1"])
    assert not tables  # not inside the transaction
    for callback in callbacks:
        callback()
    assert tables == ([(ItemScore, StudentMastery)] if analyzed else [])
