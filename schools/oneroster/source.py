"""Where the CSV files come from: a folder, a zip on disk, or a zip in memory."""

from __future__ import annotations

import io
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

# A zip that expands beyond this is refused before anything is read, so that a
# crafted archive cannot fill the worker's disk or memory. CSV files shrink to a
# fifth or a tenth in a zip; an archive that claims to expand a hundredfold is a
# zip bomb, not an export. Below MIN_RATIO_CHECKED the ratio is not looked at:
# a tiny file's ratio says nothing.
MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
MAX_MEMBERS = 200
MAX_RATIO = 100
MIN_RATIO_CHECKED = 16 * 1024**2


class SourceError(Exception):
    """The upload is not something the import can read at all."""


def zip_members_checked(
    archive: zipfile.ZipFile,
    *,
    max_bytes: int = MAX_UNCOMPRESSED_BYTES,
    max_members: int = MAX_MEMBERS,
    max_ratio: int = MAX_RATIO,
    what: str = "The zip",
) -> list[zipfile.ZipInfo]:
    """The archive's files, once its size, ratio and count are safe to read.

    Only the directory is read; the sizes it declares also bound what
    `ZipFile.open` will inflate (a member that inflates past its declared size
    fails its CRC check), so nothing here can be talked into a bomb.
    """
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir() and not info.filename.startswith("__MACOSX/")
    ]
    if len(members) > max_members:
        raise SourceError(
            f"{what} holds {len(members)} files; at most {max_members} are accepted."
        )
    expanded = sum(info.file_size for info in members)
    packed = sum(info.compress_size for info in members)
    if expanded > max_bytes:
        raise SourceError(
            f"{what} expands to {_size(expanded)}, more than the {_size(max_bytes)} "
            "accepted; it was not opened."
        )
    if expanded > MIN_RATIO_CHECKED and expanded > max_ratio * max(packed, 1):
        raise SourceError(
            f"{what} expands from {_size(packed)} to {_size(expanded)}, more than "
            f"{max_ratio} times its size, which real files never do; it was not "
            "opened."
        )
    return members


def _size(count: float) -> str:
    if count < 1024:
        return f"{count:.0f} bytes"
    for unit in ("KB", "MB", "GB"):
        count /= 1024
        if count < 1024 or unit == "GB":
            break
    return f"{count:,.1f} {unit}"


class Source(ABC):
    """CSV files keyed by lower-case file name, wherever they sit in the tree."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.sizes: dict[str, int] = {}

    def has(self, name: str) -> bool:
        return name.lower() in self.files

    def display_name(self, name: str) -> str:
        return PurePosixPath(self.files[name.lower()]).name

    def total_size(self) -> int:
        return sum(self.sizes.values())

    def _add(self, member: str, size: int) -> None:
        base = PurePosixPath(member).name
        if not base.lower().endswith(".csv") or base.startswith((".", "._")):
            return
        key = base.lower()
        if key in self.files:
            raise SourceError(
                f"The upload holds two files named {base} ({self.files[key]} and "
                f"{member}); keep one set of OneRoster files per import."
            )
        self.files[key] = member
        self.sizes[key] = size

    @abstractmethod
    def open(self, name: str):
        """A binary file object for one CSV of the upload."""

    def lines(self, name: str) -> Iterator[bytes]:
        with self.open(name) as handle:
            yield from handle

    def close(self) -> None:
        """Release what the source holds; a folder holds nothing."""
        return None


class FolderSource(Source):
    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        for path in sorted(folder.rglob("*.csv")):
            if path.is_file():
                self._add(str(path.relative_to(folder)), path.stat().st_size)

    def open(self, name: str):
        return (self.folder / self.files[name.lower()]).open("rb")


class ZipSource(Source):
    def __init__(self, stream) -> None:
        super().__init__()
        try:
            self.zip = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, OSError) as error:
            raise SourceError(f"This is not a readable zip file ({error}).") from error
        try:
            members = zip_members_checked(self.zip)
        except SourceError:
            self.zip.close()
            raise
        for info in members:
            if info.flag_bits & 0x1:
                raise SourceError(
                    f"{info.filename} is encrypted; export the files without a "
                    "password."
                )
            self._add(info.filename, info.file_size)

    def open(self, name: str):
        return self.zip.open(self.files[name.lower()])

    def close(self) -> None:
        self.zip.close()


def open_source(path_or_bytes: str | Path | bytes) -> Source:
    """A Source for a folder, a .zip path, or the bytes of an uploaded zip."""
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        source: Source = ZipSource(io.BytesIO(path_or_bytes))
    else:
        path = Path(path_or_bytes)
        if path.is_dir():
            source = FolderSource(path)
        elif path.is_file():
            source = ZipSource(path.open("rb"))
        else:
            raise SourceError(f"{path} is neither a folder nor a file.")
    if not source.files:
        raise SourceError(
            "No CSV files were found. A OneRoster export holds manifest.csv, "
            "orgs.csv, users.csv, … at the top of the folder or zip."
        )
    return source
