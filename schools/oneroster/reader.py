"""Read one OneRoster CSV file into rows, with the line each row starts on.

Exports from real systems are messy: a UTF-8 byte-order mark, quoted values with
commas and line breaks, blank optional columns, `metadata.*` extension columns.
All of that is accepted; what cannot be read is reported with file, line and
column, and reading carries on so that one report lists every problem.
"""

from __future__ import annotations

import csv
import datetime
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from schools.oneroster.report import Report
from schools.oneroster.source import Source

csv.field_size_limit(1024 * 1024)

# Columns the import needs, per file; the spec lists more, and any others are
# read when present and ignored otherwise.
NEEDED_COLUMNS = {
    "orgs.csv": ("sourcedId", "name", "type"),
    "academicSessions.csv": ("sourcedId", "title", "type", "startDate", "endDate"),
    "courses.csv": ("sourcedId", "title", "orgSourcedId"),
    "classes.csv": (
        "sourcedId",
        "title",
        "courseSourcedId",
        "schoolSourcedId",
        "termSourcedIds",
    ),
    "users.csv/1.1": ("sourcedId", "role", "orgSourcedIds", "givenName", "familyName"),
    "users.csv/1.2": ("sourcedId", "givenName", "familyName"),
    "roles.csv": ("userSourcedId", "role", "orgSourcedId"),
    "enrollments.csv": ("sourcedId", "classSourcedId", "userSourcedId", "role"),
    "demographics.csv": ("sourcedId",),
}

KNOWN_COLUMNS = {
    "orgs.csv": "sourcedId status dateLastModified name type identifier "
    "parentSourcedId",
    "academicSessions.csv": "sourcedId status dateLastModified title type "
    "startDate endDate parentSourcedId schoolYear orgSourcedId",
    "courses.csv": "sourcedId status dateLastModified schoolYearSourcedId title "
    "courseCode grades orgSourcedId subjects subjectCodes resourceSourcedIds",
    "classes.csv": "sourcedId status dateLastModified title grades courseSourcedId "
    "classCode classType location schoolSourcedId termSourcedIds subjects "
    "subjectCodes periods resourceSourcedIds",
    "users.csv": "sourcedId status dateLastModified enabledUser orgSourcedIds role "
    "username userIds givenName familyName middleName identifier email sms phone "
    "agentSourcedIds grades password userMasterIdentifier resourceSourcedIds "
    "preferredGivenName preferredFirstName preferredMiddleName preferredFamilyName "
    "preferredLastName primaryOrgSourcedId pronouns",
    "roles.csv": "sourcedId status dateLastModified userSourcedId roleType role "
    "beginDate endDate orgSourcedId userProfileSourcedId",
    "enrollments.csv": "sourcedId status dateLastModified classSourcedId "
    "schoolSourcedId userSourcedId role primary beginDate endDate",
    "demographics.csv": "sourcedId status dateLastModified birthDate sex "
    "americanIndianOrAlaskaNative asian blackOrAfricanAmerican "
    "nativeHawaiianOrOtherPacificIslander white demographicRaceTwoOrMoreRaces "
    "hispanicOrLatinoEthnicity countryOfBirthCode stateOfBirthAbbreviation "
    "cityOfBirth publicSchoolResidenceStatus",
}

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# How files that are not text begin: a picture or a document renamed .csv is
# named for what it is, not reported line by line as bad UTF-8.
BINARY_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive or an Excel workbook"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Word file"),
    (b"\x1f\x8b", "a gzip archive"),
)


def binary_kind(start: bytes) -> str | None:
    """What a file is, judged by its first bytes, when it is not text."""
    for signature, kind in BINARY_SIGNATURES:
        if start.startswith(signature):
            return kind
    if b"\x00" in start[:1024]:
        return "a binary file"
    return None


@dataclass
class Row:
    """One record: its values by canonical column name, and where it starts."""

    file: str
    line: int
    values: dict[str, str]
    report: Report

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    def error(self, column: str | None, message: str) -> None:
        self.report.error(self.file, self.line, column, message)

    def warn(self, column: str | None, message: str) -> None:
        self.report.warn(self.file, self.line, column, message)

    def required(self, column: str) -> str:
        value = self.get(column)
        if not value:
            self.error(column, f"{column} is empty; every row needs one.")
        return value

    def text(self, column: str, max_length: int, *, required: bool = False) -> str:
        value = self.required(column) if required else self.get(column)
        if len(value) > max_length:
            self.error(
                column,
                f"“{value[:40]}…” is {len(value)} characters long; at most "
                f"{max_length} fit.",
            )
            return value[:max_length]
        return value

    def date(self, column: str, *, required: bool = False) -> datetime.date | None:
        value = self.required(column) if required else self.get(column)
        if not value:
            return None
        # Some systems write a full timestamp where the spec asks for a date.
        candidate = value[:10] if "T" in value else value
        if DATE_RE.match(candidate):
            try:
                return datetime.date.fromisoformat(candidate)
            except ValueError:
                pass
        self.error(column, f"“{value}” is not a date; write it as YYYY-MM-DD.")
        return None

    def timestamp(self, column: str) -> None:
        value = self.get(column)
        if not value:
            return
        try:
            datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.error(
                column,
                f"“{value}” is not a date and time; write it as "
                "YYYY-MM-DDThh:mm:ss.sssZ.",
            )

    def boolean(self, column: str) -> bool | None:
        value = self.get(column).strip().lower()
        if not value:
            return None
        if value in {"true", "1", "yes", "y", "t"}:
            return True
        if value in {"false", "0", "no", "n", "f"}:
            return False
        self.error(column, f"“{self.get(column)}” is not true or false.")
        return None

    def choice(
        self, column: str, choices: dict[str, str], *, required: bool = False
    ) -> str | None:
        """The canonical spelling of a vocabulary value, matched ignoring case."""
        value = self.required(column) if required else self.get(column)
        if not value:
            return None
        canonical = choices.get(value.lower())
        if canonical is None:
            allowed = ", ".join(sorted(set(choices.values())))
            self.error(
                column, f"“{value}” is not a known {column}; use one of: {allowed}."
            )
        return canonical

    def id_list(self, column: str) -> list[str]:
        return [part.strip() for part in self.get(column).split(",") if part.strip()]


def vocabulary(*words: str) -> dict[str, str]:
    return {word.lower(): word for word in words}


def _decoded_lines(
    source: Source, name: str, report: Report, on_bytes: Callable[[int], None]
) -> Iterator[str]:
    display = source.display_name(name)
    try:
        yield from _decoded(source.lines(name), display, report, on_bytes)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        report.error(
            display,
            None,
            None,
            f"the file cannot be unpacked from the zip ({error}); export it again.",
        )


def _decoded(
    lines: Iterator[bytes],
    display: str,
    report: Report,
    on_bytes: Callable[[int], None],
) -> Iterator[str]:
    for number, raw in enumerate(lines, start=1):
        on_bytes(len(raw))
        if number == 1 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            report.error(
                display,
                1,
                None,
                "the file is saved as UTF-16; save it as UTF-8 and try again.",
            )
            return
        if number == 1 and (kind := binary_kind(raw)):
            report.error(
                display,
                None,
                None,
                f"this is {kind}, not a CSV text file; put the OneRoster CSV "
                "files in the zip.",
            )
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            report.error(
                display,
                number,
                None,
                f"this line is not UTF-8 text (byte {raw[error.start]:#04x} at "
                f"position {error.start + 1}); save the file as UTF-8 and try again.",
            )
            text = raw.decode("utf-8", errors="replace")
        if number == 1:
            text = text.removeprefix("\ufeff")
        yield text


def read_rows(
    source: Source,
    name: str,
    report: Report,
    *,
    needed: tuple[str, ...],
    known: str,
    on_bytes: Callable[[int], None] = lambda n: None,
) -> Iterator[Row]:
    """Rows of one file; nothing at all when its header lacks a needed column."""
    display = source.display_name(name)
    reader = csv.reader(_decoded_lines(source, name, report, on_bytes), strict=True)
    errors_before = report.error_count
    try:
        header = next(reader)
    except StopIteration:
        if report.error_count == errors_before:  # not already refused as UTF-16
            report.error(display, 1, None, "the file is empty; it needs a header row.")
        return
    except csv.Error as error:
        report.error(display, 1, None, f"the header row cannot be read: {error}.")
        return
    known_by_lower = {column.lower(): column for column in known.split()}
    columns: list[str | None] = []
    seen: set[str] = set()
    for raw in header:
        cleaned = raw.strip()
        canonical = known_by_lower.get(cleaned.lower())
        if canonical is None:
            if cleaned and not cleaned.lower().startswith("metadata."):
                report.warn(
                    display,
                    1,
                    cleaned,
                    f"column “{cleaned}” is not a OneRoster column; it is ignored.",
                )
            columns.append(None)
            continue
        if canonical in seen:
            report.error(display, 1, canonical, f"column {canonical} appears twice.")
        seen.add(canonical)
        columns.append(canonical)
    missing = [column for column in needed if column not in seen]
    for column in missing:
        report.error(
            display, 1, column, f"required column {column} is missing from the header."
        )
    if missing:
        return
    width = len(columns)
    start = 2
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            report.error(display, start, None, f"this row cannot be read: {error}.")
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != width:
            report.error(
                display,
                line,
                None,
                f"this row has {len(cells)} values but the header has {width} "
                "columns; check for an unquoted comma.",
            )
            continue
        values = {
            column: cell.strip()
            for column, cell in zip(columns, cells, strict=True)
            if column is not None
        }
        yield Row(display, line, values, report)
