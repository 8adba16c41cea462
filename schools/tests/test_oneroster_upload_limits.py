"""Uploads that are too big, too many, or not what their name says are refused
with a message, and nothing is kept of them."""

import datetime
import io
import struct
import zipfile

import pytest
from django.urls import reverse

from schools.models import ImportRun, School, Student
from schools.oneroster import SourceError, import_oneroster, open_source
from schools.tests.oneroster_helpers import FILES
from schools.tests.test_oneroster_views import upload_file, zipped

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 22)
UPLOAD = reverse("schools:import")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(64)


def archive(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped_:
        for name, data in members.items():
            zipped_.writestr(name, data)
    return buffer.getvalue()


def export_with(**replace: bytes) -> bytes:
    members = {
        path.name: path.read_bytes() for path in sorted((FILES / "v1_1_bulk").iterdir())
    }
    members.update({f"{stem}.csv": data for stem, data in replace.items()})
    return archive(members)


def import_bytes(data: bytes):
    source = open_source(data)
    try:
        return import_oneroster(source, today=TODAY)
    finally:
        source.close()


def test_a_zip_bomb_is_refused_before_it_is_read():
    # 64 MB of one repeated line packs into a few dozen kilobytes.
    bomb = archive({"users.csv": b"sourcedId,givenName\n" * (64 * 1024**2 // 20)})
    assert len(bomb) < 1024**2
    with pytest.raises(SourceError, match="more than 100 times its size"):
        open_source(bomb)


def test_a_zip_of_too_many_files_is_refused():
    many = archive({f"part{n}.csv": b"a\n" for n in range(201)})
    with pytest.raises(SourceError, match="holds 201 files; at most 200"):
        open_source(many)


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with `name` claiming, in both of its headers, to be `size` bytes."""
    patched = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    struct.pack_into("<I", patched, info.header_offset + 22, size)
    entry = patched.find(b"PK\x01\x02")
    while entry != -1:
        length = struct.unpack_from("<H", patched, entry + 28)[0]
        if patched[entry + 46 : entry + 46 + length] == name.encode():
            struct.pack_into("<I", patched, entry + 24, size)
        entry = patched.find(b"PK\x01\x02", entry + 4)
    return bytes(patched)


def test_a_member_that_inflates_past_its_declared_size_is_refused_not_a_crash():
    data = declare_size(export_with(users=b"x" * 5000 + b"\n"), "users.csv", 100)
    report = import_bytes(data)
    assert report.refused
    assert any(
        e.file == "users.csv" and "cannot be unpacked" in e.message
        for e in report.errors
    )
    assert not School.objects.exists() and not Student.objects.exists()


def test_a_picture_named_like_a_roster_file_is_named_for_what_it_is():
    report = import_bytes(export_with(users=PNG))
    assert report.refused
    assert [e.message for e in report.errors if e.file == "users.csv"] == [
        "this is a PNG image, not a CSV text file; put the OneRoster CSV files in "
        "the zip."
    ]
    assert not School.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "roster.zip",
            b"sourcedId,name\nd1,Lakeside\n",
            "roster.zip is not a zip file",
        ),
        ("roster.zip", PNG, "roster.zip is not a zip file"),
        ("users.csv", b"sourcedId,givenName\n" * 1000, "users.csv is not a zip file"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused_on_the_form(
    login, cast, name, content, message
):
    client = login(cast.district_admin)
    response = client.post(
        UPLOAD,
        {"target": f"district:{cast.district.pk}", "file": upload_file(content, name)},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_zip_bomb_is_refused_on_the_form_and_nothing_is_stored(login, cast):
    client = login(cast.district_admin)
    bomb = archive({"users.csv": b"sourcedId,givenName\n" * (64 * 1024**2 // 20)})
    response = client.post(
        UPLOAD,
        {"target": f"district:{cast.district.pk}", "file": upload_file(bomb)},
    )
    assert response.status_code == 200
    assert "more than 100 times its size" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_an_upload_over_the_size_limit_is_refused(login, cast, monkeypatch):
    monkeypatch.setattr("schools.forms_import.MAX_UPLOAD_BYTES", 1024)
    client = login(cast.district_admin)
    response = client.post(
        UPLOAD,
        {"target": f"district:{cast.district.pk}", "file": upload_file(zipped())},
    )
    assert response.status_code == 200
    assert "the limit is 1.0" in response.content.decode()
    assert not ImportRun.objects.exists()
