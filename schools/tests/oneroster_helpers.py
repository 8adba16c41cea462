import shutil
from pathlib import Path

FILES = Path(__file__).parent / "oneroster_files"


def export(tmp_path: Path, base: str = "v1_1_bulk", name: str = "export", **files):
    """A copy of a fixture export, with some files replaced (text) or removed (None).

    Keyword names are file names without `.csv`, e.g. users="sourcedId,…".
    """
    folder = tmp_path / name
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(FILES / base, folder)
    for stem, text in files.items():
        path = folder / f"{stem}.csv"
        if text is None:
            path.unlink()
        elif isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text.lstrip("\n"), encoding="utf-8")
    return folder


def read(base: str, stem: str) -> str:
    return (FILES / base / f"{stem}.csv").read_text(encoding="utf-8-sig")


def without_lines(text: str, *starts: str) -> str:
    return "".join(
        line for line in text.splitlines(keepends=True) if not line.startswith(starts)
    )


def manifest(version: str = "1.1", **modes: str) -> str:
    lines = [
        "propertyName,value",
        "manifest.version,1.0",
        f"oneroster.version,{version}",
    ]
    lines += [f"file.{name},{mode}" for name, mode in modes.items()]
    return "\n".join(lines) + "\n"
