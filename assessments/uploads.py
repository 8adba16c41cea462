"""Results uploaded as a CSV or XLSX sheet: one row per student, a student-ID
column and one column per item, as scanners and online-quiz exports give them.

Reading a file (`sheet_read`) and checking it (`upload_check`) save nothing: the
teacher sees every problem with its row and column first, and confirms a clean
preview. The sheet is kept in the session between the preview and the
confirmation, and checked again against the database before `scores_import`
saves it whole.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Exists, F, Func, OuterRef, Q, Value

from accounts.models import User
from assessments.models import CommonAssessment, ItemScore
from assessments.scoring import display, parse_entry
from assessments.selectors import assessment_students
from assessments.services import RowEntry, scores_import
from schools.access_log import note_students
from schools.models import Enrollment, Section, Student
from schools.oneroster.reader import binary_kind
from schools.oneroster.source import SourceError, zip_members_checked

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 300
STUDENT_ID_HEADERS = {"studentid", "id", "localid", "studentnumber", "sisid"}
ITEM_HEADER_RE = re.compile(
    r"^(?:q|item|question|ques|#)?\s*\.?\s*#?\s*0*(\d{1,4})\s*(?:\(.*\))?$",
    re.IGNORECASE,
)
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
# A workbook of MAX_ROWS × MAX_COLUMNS cells fits well within these; a workbook
# that expands further, or a hundredfold, is a zip bomb and is not opened.
XLSX_MAX_EXPANDED = 100 * 1024 * 1024
XLSX_MAX_PARTS = 1000


class UploadError(ValueError):
    """The file as a whole cannot be read; the message says what to do."""


@dataclass
class Sheet:
    """The cells of a file as text, with the 1-based row number of each line."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    header_row: int = 1

    def as_session(self) -> dict:
        return {"header": self.header, "rows": self.rows, "header_row": self.header_row}

    @classmethod
    def from_session(cls, data: dict) -> Sheet:
        return cls(
            header=list(data["header"]),
            rows=[(int(number), list(cells)) for number, cells in data["rows"]],
            header_row=int(data.get("header_row", 1)),
        )


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how a spreadsheet names a column."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# Reading ---------------------------------------------------------------------


def sheet_read(name: str, content: bytes) -> Sheet:
    """Read a CSV or XLSX file into text cells. Raises UploadError."""
    if not content:
        raise UploadError("The file is empty.")
    if len(content) > MAX_BYTES:
        raise UploadError(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; upload one "
            "class at a time."
        )
    if content.startswith(OLE_MAGIC) or name.lower().endswith(".xls"):
        raise UploadError(
            "This is an old Excel (.xls) file: save it as .xlsx or CSV and upload that."
        )
    if content.startswith(XLSX_MAGIC):
        lines = _xlsx_lines(content)
    elif name.lower().endswith(".xlsx"):
        raise UploadError("This file is not a readable .xlsx workbook.")
    elif kind := binary_kind(content[:1024]):
        raise UploadError(
            f"This is {kind}, not a CSV file: save the results as CSV or .xlsx "
            "and upload that."
        )
    else:
        lines = _csv_lines(content)
    return _sheet(lines)


def _csv_lines(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in the Windows code page, not UTF-8.
        text = content.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise UploadError("This does not look like a CSV file: save it as CSV (UTF-8).")
    first_line = text.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(first_line, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        return [
            [cell.strip() for cell in line]
            for line in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ]
    except csv.Error as error:
        raise UploadError(f"The CSV file cannot be read: {error}.") from None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        # Spreadsheets store 3 as 3.0 and IDs as numbers: write them as typed.
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value).strip()


def _xlsx_lines(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            zip_members_checked(
                archive,
                max_bytes=XLSX_MAX_EXPANDED,
                max_members=XLSX_MAX_PARTS,
                what="This workbook",
            )
    except zipfile.BadZipFile:
        raise UploadError(
            "This workbook cannot be read: save it again as .xlsx or CSV."
        ) from None
    except SourceError as error:
        raise UploadError(str(error)) from None
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise UploadError(
            "This workbook cannot be read: save it again as .xlsx or CSV."
        ) from None
    try:
        sheet = workbook.worksheets[0]
        lines = []
        for row in sheet.iter_rows(values_only=True):
            lines.append([_cell_text(value) for value in row])
            if len(lines) > MAX_ROWS + 1:
                break
        return lines
    finally:
        workbook.close()


def _sheet(lines: list[list[str]]) -> Sheet:
    numbered = [
        (number, cells)
        for number, cells in enumerate(lines, start=1)
        if any(cell.strip() for cell in cells)
    ]
    if not numbered:
        raise UploadError("The file has no rows.")
    header_row, header = numbered[0]
    if len(header) > MAX_COLUMNS:
        raise UploadError(f"The file has more than {MAX_COLUMNS} columns.")
    rows = numbered[1:]
    if len(rows) > MAX_ROWS:
        raise UploadError(
            f"The file has more than {MAX_ROWS} rows; upload one class at a time."
        )
    width = len(header)
    return Sheet(
        header=[cell.strip() for cell in header],
        rows=[
            (number, (cells + [""] * width)[: max(width, len(cells))])
            for number, cells in rows
        ],
        header_row=header_row,
    )


# Checking --------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str  # "B (Q2)", or "" for the whole row or file
    message: str

    @property
    def where(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"Row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class PreviewCell:
    raw: str
    shown: str = ""
    error: str = ""
    replaces: str | None = None  # what is saved now, when the upload changes it


@dataclass
class PreviewRow:
    number: int
    student_id_text: str
    student: Student | None
    cells: list[PreviewCell]
    problems: list[Problem] = field(default_factory=list)
    # Said when the ID was matched with the leading zeros a spreadsheet dropped.
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Preview:
    assessment: CommonAssessment
    section: Section
    item_numbers: list[int]
    rows: list[PreviewRow]
    file_problems: list[Problem]
    ignored_columns: list[str]
    missing_items: list[int]

    @property
    def problems(self) -> list[Problem]:
        return self.file_problems + [p for row in self.rows for p in row.problems]

    @property
    def notes(self) -> list[str]:
        return [f"Row {row.number}: {row.note}" for row in self.rows if row.note]

    @property
    def is_clean(self) -> bool:
        return not self.problems and any(
            cell.raw.strip()
            for row in self.rows
            if row.student is not None
            for cell in row.cells
        )

    @property
    def value_count(self) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.raw.strip())

    @property
    def replaced_count(self) -> int:
        return sum(
            1 for row in self.rows for cell in row.cells if cell.replaces is not None
        )

    def entries(self) -> list[RowEntry]:
        """What `scores_import` saves. Empty cells are left out, so an upload
        never erases a result already entered."""
        return [
            RowEntry(
                student=row.student,
                values={
                    number: cell.raw
                    for number, cell in zip(self.item_numbers, row.cells, strict=True)
                    if cell.raw.strip()
                },
            )
            for row in self.rows
            if row.student is not None
        ]


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-.]+", "", text.strip().lower())


def upload_check(
    *, assessment: CommonAssessment, section: Section, sheet: Sheet
) -> Preview:
    """Every problem of the sheet, with its row and column. Saves nothing; a
    fixed number of queries whatever the number of rows."""
    items = {item.number: item for item in assessment.items.all()}
    file_problems: list[Problem] = []
    ignored: list[str] = []
    id_column: int | None = None
    item_columns: dict[int, int] = {}  # item number -> column index
    for index, title in enumerate(sheet.header):
        label = f"{column_letter(index)} ({title})" if title else column_letter(index)
        if not title:
            continue
        if _header_key(title) in STUDENT_ID_HEADERS:
            if id_column is None:
                id_column = index
            else:
                file_problems.append(
                    Problem(
                        sheet.header_row,
                        label,
                        "A second student-ID column; keep only one.",
                    )
                )
            continue
        match = ITEM_HEADER_RE.match(title)
        if match is None:
            ignored.append(label)
            continue
        number = int(match.group(1))
        if number not in items:
            file_problems.append(
                Problem(
                    sheet.header_row,
                    label,
                    f"This assessment has no item {number}; its items are "
                    f"{_number_list(sorted(items))}.",
                )
            )
        elif number in item_columns:
            file_problems.append(
                Problem(
                    sheet.header_row,
                    label,
                    f"Item {number} already has column "
                    f"{column_letter(item_columns[number])}; keep only one.",
                )
            )
        else:
            item_columns[number] = index
    if id_column is None:
        file_problems.append(
            Problem(
                sheet.header_row,
                "",
                "No student-ID column: name one column “Student ID” (or “ID”, "
                "“Local ID”).",
            )
        )
    if not item_columns:
        file_problems.append(
            Problem(
                sheet.header_row,
                "",
                "No item columns: name each column by its item number, such as "
                "“1”, “Q1” or “Item 1”.",
            )
        )
    numbers = sorted(item_columns)
    preview = Preview(
        assessment=assessment,
        section=section,
        item_numbers=numbers,
        rows=[],
        file_problems=file_problems,
        ignored_columns=ignored,
        missing_items=[number for number in sorted(items) if number not in numbers],
    )
    if id_column is None or not item_columns:
        return preview

    id_label = f"{column_letter(id_column)} ({sheet.header[id_column]})"
    typed_ids = {
        cells[id_column].strip()
        for _, cells in sheet.rows
        if id_column < len(cells) and cells[id_column].strip()
    }
    course_sections = Section.objects.current().filter(course=assessment.course)
    matches = _students_matching(
        typed_ids, school_id=assessment.team.school_id, sections=course_sections
    )
    school_students = {
        typed: student for typed, (student, _) in matches.items() if student
    }
    takers = set(
        assessment_students(assessment, sections=[section]).values_list("pk", flat=True)
    )
    other_sections = dict(
        Enrollment.objects.active()
        .filter(
            student_id__in=[s.pk for s in school_students.values()],
            section__in=course_sections,
        )
        .exclude(section=section)
        .values_list("student_id", "section__name")
    )
    saved = {
        (score.student_id, score.item_id): display(score.points, score.mark)
        for score in ItemScore.objects.filter(
            item__assessment=assessment, student_id__in=takers
        )
    }
    first_row_of: dict[int, int] = {}
    for number, cells in sheet.rows:
        typed = cells[id_column].strip() if id_column < len(cells) else ""
        row = PreviewRow(number=number, student_id_text=typed, student=None, cells=[])
        student, ambiguous = matches.get(typed, (None, False))
        if student is not None and student.local_id != typed:
            row.note = f"matched {typed} to {student.local_id}"
        if not typed:
            row.problems.append(Problem(number, id_label, "No student ID."))
        elif ambiguous:
            row.problems.append(
                Problem(
                    number,
                    id_label,
                    f"“{typed[:30]}” matches more than one student ID once its "
                    "leading zeros are put back; type the ID in full, with its "
                    "zeros (format the column as text).",
                )
            )
        elif student is None:
            row.problems.append(
                Problem(
                    number,
                    id_label,
                    f"No student of {assessment.course} has the ID “{typed[:30]}”; "
                    "check it against the class list.",
                )
            )
        elif student.pk not in takers:
            if student.pk in other_sections:
                message = (
                    f"{typed} is in {other_sections[student.pk]}, not in "
                    f"{section.name}: upload that class on its own page."
                )
            elif assessment.is_retake:
                message = f"{typed} is not among the students this retake is for."
            else:
                message = f"{typed} is not in {section.name}."
            row.problems.append(Problem(number, id_label, message))
        elif student.pk in first_row_of:
            row.problems.append(
                Problem(
                    number,
                    id_label,
                    f"{typed} is already on row {first_row_of[student.pk]}.",
                )
            )
        else:
            row.student = student
            first_row_of[student.pk] = number
        for item_number in numbers:
            index = item_columns[item_number]
            item = items[item_number]
            raw = cells[index] if index < len(cells) else ""
            cell = PreviewCell(raw=raw)
            try:
                parsed = parse_entry(raw, max_points=item.max_points)
            except ValueError as error:
                cell.error = str(error)
                row.problems.append(
                    Problem(
                        number,
                        f"{column_letter(index)} ({sheet.header[index]})",
                        str(error),
                    )
                )
            else:
                cell.shown = display(parsed.points, parsed.mark)
                if row.student is not None and raw.strip():
                    before = saved.get((row.student.pk, item.pk))
                    if before not in (None, "", cell.shown):
                        cell.replaces = before
            row.cells.append(cell)
        preview.rows.append(row)
    # The preview shows each matched student's saved results beside the file's.
    note_students(
        [row.student for row in preview.rows if row.student is not None],
        what=f"Results upload preview: {assessment.title}, {section}",
    )
    if not sheet.rows:
        preview.file_problems.append(
            Problem(None, "", "The file has a header row but no students.")
        )
    return preview


def _unpadded(local_id: str) -> str | None:
    """The ID without leading zeros, for IDs a spreadsheet could have taken for
    a number; None for others."""
    if local_id.isascii() and local_id.isdigit():
        return local_id.lstrip("0") or "0"
    return None


def _students_matching(
    typed_ids: set[str], *, school_id: int, sections
) -> dict[str, tuple[Student | None, bool]]:
    """For each typed ID: the course's student it names, and whether it is
    ambiguous. One query.

    An exact ID of a student of the course wins. Otherwise a number matches the
    student whose ID it is once leading zeros are put back (1234 → 001234), when
    exactly one student of the whole school fits; two that fit make the row an
    error rather than a guess. Students outside the course are never matched,
    and read like unknown IDs: the upload must not tell which IDs exist
    elsewhere in the school.
    """
    unpadded = {u for typed in typed_ids if (u := _unpadded(typed)) is not None}
    candidates = (
        Student.objects.filter(school_id=school_id)
        .annotate(
            unpadded_id=Func(F("local_id"), Value("0"), function="LTRIM"),
            in_course=Exists(
                Enrollment.objects.active().filter(
                    section__in=sections, student_id=OuterRef("pk")
                )
            ),
        )
        .filter(Q(local_id__in=typed_ids) | Q(unpadded_id__in=unpadded))
    )
    exact: dict[str, Student] = {}
    by_unpadded: dict[str, list[Student]] = {}
    for student in candidates:
        if student.local_id in typed_ids:
            exact[student.local_id] = student
        key = _unpadded(student.local_id)
        if key is not None:
            by_unpadded.setdefault(key, []).append(student)
    matches: dict[str, tuple[Student | None, bool]] = {}
    for typed in typed_ids:
        student = exact.get(typed)
        if student is not None and student.in_course:
            matches[typed] = (student, False)
            continue
        key = _unpadded(typed)
        fits = by_unpadded.get(key, []) if key is not None else []
        if len(fits) > 1:
            matches[typed] = (None, True)
        elif len(fits) == 1 and fits[0].in_course:
            matches[typed] = (fits[0], False)
        else:
            matches[typed] = (None, False)
    return matches


def _number_list(numbers: list[int]) -> str:
    if not numbers:
        return "none yet"
    if numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) > 2:
        return f"{numbers[0]} to {numbers[-1]}"
    return ", ".join(map(str, numbers))


def upload_save(
    *, assessment: CommonAssessment, section: Section, sheet: Sheet, actor: User
) -> tuple[Preview, int]:
    """Check the sheet again (the roster or the results may have changed since the
    preview) and save it whole when it is clean. Returns the preview and the
    number of results saved, 0 when nothing was saved."""
    if assessment.status != CommonAssessment.Status.OPEN:
        raise ValidationError(
            "Results can be uploaded only while the assessment is open for entry."
        )
    preview = upload_check(assessment=assessment, section=section, sheet=sheet)
    if not preview.is_clean:
        return preview, 0
    return preview, scores_import(
        assessment=assessment, rows=preview.entries(), actor=actor
    )
