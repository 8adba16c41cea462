"""Random and hostile input to the roster: never a server error, and a
refused import writes nothing.

Covered here:

- the roster upload page (RosterUploadForm: target, file) with random bytes,
  empty and truncated zips and hostile names
- the OneRoster importer itself, fed a real export with one cell of users.csv,
  classes.csv or enrollments.csv replaced by hostile text (NULs, right-to-left
  overrides, emoji, markup, SQL-ish strings, huge strings, impossible dates,
  formula-leading cells) and saved as UTF-8, UTF-8 with BOM, UTF-16 or latin-1
- the student search (q, grade, page), GET only
"""

import csv
import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from plc.tests.hostile import (
    db_settings,
    hostile_bytes,
    hostile_text,
    refused,
    row_counts,
    written,
)
from schools.oneroster import SourceError, import_oneroster, open_source
from schools.tests.oneroster_helpers import FILES

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 22)
BASE = FILES / "v1_1_bulk"


def rows_of(stem):
    return list(csv.reader(io.StringIO((BASE / f"{stem}.csv").read_text("utf-8-sig"))))


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(BASE.iterdir()):
            archive.writestr(path.name, files.get(path.stem, path.read_bytes()))
    return out.getvalue()


@db_settings
@given(
    stem=st.sampled_from(["users", "classes", "enrollments", "courses", "orgs"]),
    where=st.tuples(st.integers(0, 50), st.integers(0, 30)),
    cell=hostile_text(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]),
)
def test_oneroster_import_with_one_hostile_cell(stem, where, cell, encoding):
    rows = rows_of(stem)
    line = 1 + where[0] % (len(rows) - 1)
    column = where[1] % len(rows[line])
    rows[line][column] = cell
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    content = out.getvalue().encode(encoding, errors="replace")
    # Each example imports into an empty roster: a savepoint rolled back after
    # it keeps one example's import from meeting the next (see the test of ids
    # reused between imports below).
    with transaction.atomic():
        before = row_counts()
        try:
            source = open_source(zipped({stem: content}))
        except SourceError:
            assert written(before, row_counts()) == {}
            return
        try:
            report = import_oneroster(source, today=TODAY)
        finally:
            source.close()
        if not report.ok:
            assert report.errors, "a refused import says why"
            assert written(before, row_counts()) == {}
        transaction.set_rollback(True)


def export_zip(**cells) -> bytes:
    """The fixture export with enrollments' sourcedIds replaced, by line."""
    rows = rows_of("enrollments")
    for line, sourced_id in cells.items():
        rows[int(line.removeprefix("line"))][0] = sourced_id
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return zipped({"enrollments": out.getvalue().encode()})


@pytest.mark.parametrize(
    ("first", "second"),
    [("line4", "line1"), ("line5", "line2")],
    ids=["teachers", "students"],
)
def test_an_enrollment_id_reused_for_another_person_and_class(first, second):
    """Tonight's export gives the id of yesterday's enrollment of one teacher
    (or student) and class to another: the enrollment it named before ends,
    the id moves, and one row per person and class still holds."""
    from schools.models import Enrollment, SectionTeacher

    for cells in ({first: "X"}, {second: "X"}):
        source = open_source(export_zip(**cells))
        try:
            with transaction.atomic():
                report = import_oneroster(source, today=TODAY)
        finally:
            source.close()
        assert report.ok, report.errors
    rows = rows_of("enrollments")
    moved = rows[int(second.removeprefix("line"))]
    role = moved[6]
    model = SectionTeacher if role == "teacher" else Enrollment
    person = "teacher__sourced_id" if role == "teacher" else "student__sourced_id"
    holder = model.objects.get(sourced_id="X")
    assert holder.section.sourced_id == moved[3]
    assert getattr(holder, person.split("__")[0]).sourced_id == moved[5]
    back = rows[int(first.removeprefix("line"))]
    assert model.objects.filter(
        sourced_id=back[0], section__sourced_id=back[3], **{person: back[5]}
    ).exists()


@db_settings
@given(
    content=st.one_of(hostile_bytes(), st.just(zipped({})[:200])),
    name=st.sampled_from(["roster.zip", "roster.csv", "", "..zip", "\u202epiz.exe"]),
    target=st.one_of(st.none(), hostile_text()),
)
def test_roster_upload_page(cast, login, content, name, target):
    client = login(cast.district_admin)
    url = reverse("schools:import")
    page = client.get(url)
    data = {"file": SimpleUploadedFile(name or "x", content)}
    if target is not None:
        data["target"] = target
    elif page.context and "form" in page.context:
        field = page.context["form"].fields["target"]
        choices = [value for value, _ in field.choices if value]
        if choices:
            data["target"] = choices[0]
    before = row_counts()
    response = client.post(url, data)
    assert response.status_code < 500
    if refused(response) or response.status_code == 200:
        assert written(before, row_counts()) == {}


@db_settings
@given(q=hostile_text(), grade=hostile_text(), page=hostile_text())
def test_student_search(cast, login, q, grade, page):
    response = login(cast.principal).get(
        reverse("schools:students"), {"q": q, "grade": grade, "page": page}
    )
    assert response.status_code < 500
