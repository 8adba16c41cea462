"""Benchmark the OneRoster import on a district-sized export.

    createdb -h 127.0.0.1 -U postgres plc_bench_import     # a scratch database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plc_bench_import \
        .venv/bin/python bench/oneroster_import.py [--students 50000] \
        [--sections 2500] [--per-student 6]

Generates a OneRoster 1.2 bulk export (by default 50,000 students, 2,500
sections, 300,000 student enrollments, a guardian for every two students,
demographics) in a temporary folder, zips it, migrates the database named by
DATABASE_URL (use a scratch one: the import writes to it), then imports the zip
three times: into an empty roster, again unchanged, and once more after a tenth
of the enrollments changed. It prints the wall time and the peak memory of this
process, and what each import created, updated, left unchanged and deactivated.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup

FIRST = ["Ana", "José", "さくら", "Omar", "Li", "Zoë", "Amal", "Ngozi", "Liam", "Émile"]
LAST = ["Rivera", "Núñez", "山田", "Haddad", "Chen", "Smith, Jr.", "العلي", "Okafor"]


def write(folder: Path, name: str, header: list[str], rows) -> None:
    with (folder / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def generate(
    folder: Path,
    *,
    students: int,
    sections: int,
    per_student: int,
    seed: int = 7,
    shift: float = 0.0,
) -> None:
    rng = random.Random(seed)
    schools = max(1, students // 2500)
    sections_per_school = sections // schools
    students_per_school = students // schools
    write(
        folder,
        "manifest.csv",
        ["propertyName", "value"],
        [
            ("manifest.version", "1.0"),
            ("oneroster.version", "1.2"),
            ("file.orgs", "bulk"),
            ("file.academicSessions", "bulk"),
            ("file.courses", "bulk"),
            ("file.classes", "bulk"),
            ("file.users", "bulk"),
            ("file.roles", "bulk"),
            ("file.enrollments", "bulk"),
            ("file.demographics", "bulk"),
            ("source.systemName", "bench"),
        ],
    )
    write(
        folder,
        "orgs.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "name",
            "type",
            "identifier",
            "parentSourcedId",
        ],
        [("d", "", "", "Bench District", "district", "BD", "")]
        + [
            (f"s{s}", "", "", f"Bench School {s}", "school", f"S{s}", "d")
            for s in range(schools)
        ],
    )
    write(
        folder,
        "academicSessions.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "title",
            "type",
            "startDate",
            "endDate",
            "parentSourcedId",
            "schoolYear",
        ],
        [
            (
                "y",
                "",
                "",
                "2026–2027",
                "schoolYear",
                "2026-08-15",
                "2027-06-05",
                "",
                "2027",
            )
        ],
    )
    courses_per_school = 25
    write(
        folder,
        "courses.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "schoolYearSourcedId",
            "title",
            "courseCode",
            "grades",
            "orgSourcedId",
            "subjects",
            "subjectCodes",
        ],
        [
            (f"c{c}", "", "", "y", f"Course {c}", f"C{c}", "09", "d", "Mathematics", "")
            for c in range(courses_per_school)
        ],
    )
    class_rows, class_school = [], []
    for s in range(schools):
        for k in range(sections_per_school):
            sid = f"k{s}-{k}"
            class_school.append((sid, s))
            class_rows.append(
                (
                    sid,
                    "",
                    "",
                    f"Course {k % courses_per_school} — Period {k % 7 + 1}",
                    "09",
                    f"c{k % courses_per_school}",
                    "",
                    "scheduled",
                    f"Room {k}",
                    f"s{s}",
                    "y",
                    "",
                    "",
                    str(k % 7 + 1),
                )
            )
    write(
        folder,
        "classes.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "title",
            "grades",
            "courseSourcedId",
            "classCode",
            "classType",
            "location",
            "schoolSourcedId",
            "termSourcedIds",
            "subjects",
            "subjectCodes",
            "periods",
        ],
        class_rows,
    )
    teachers = max(1, len(class_rows) // 5)
    user_header = [
        "sourcedId",
        "status",
        "dateLastModified",
        "enabledUser",
        "username",
        "userIds",
        "givenName",
        "familyName",
        "middleName",
        "identifier",
        "email",
        "sms",
        "phone",
        "agentSourcedIds",
        "grades",
        "password",
    ]
    role_header = [
        "sourcedId",
        "status",
        "dateLastModified",
        "userSourcedId",
        "roleType",
        "role",
        "beginDate",
        "endDate",
        "orgSourcedId",
        "userProfileSourcedId",
    ]

    def users():
        for t in range(teachers):
            yield (
                f"t{t}",
                "",
                "",
                "true",
                f"t{t}",
                "",
                rng.choice(FIRST),
                rng.choice(LAST),
                "",
                f"T{t}",
                f"t{t}@bench.example",
                "",
                "",
                "",
                "",
                "",
            )
        for n in range(students):
            yield (
                f"u{n}",
                "",
                "",
                "true",
                f"u{n}",
                "",
                rng.choice(FIRST),
                rng.choice(LAST),
                "",
                f"{100000 + n}",
                "",
                "",
                "",
                f"g{n // 2}",
                f"{9 + n % 4:02d}",
                "",
            )
        for g in range((students + 1) // 2):
            yield (
                f"g{g}",
                "",
                "",
                "true",
                f"g{g}",
                "",
                rng.choice(FIRST),
                rng.choice(LAST),
                "",
                "",
                f"g{g}@home.example",
                "",
                "555-0100",
                ",".join(f"u{n}" for n in (2 * g, 2 * g + 1) if n < students),
                "",
                "",
            )

    def roles():
        for t in range(teachers):
            yield (
                f"rt{t}",
                "",
                "",
                f"t{t}",
                "primary",
                "teacher",
                "",
                "",
                f"s{t % schools}",
                "",
            )
        for n in range(students):
            yield (
                f"ru{n}",
                "",
                "",
                f"u{n}",
                "primary",
                "student",
                "",
                "",
                f"s{n // students_per_school % schools}",
                "",
            )
        for g in range((students + 1) // 2):
            yield (
                f"rg{g}",
                "",
                "",
                f"g{g}",
                "primary",
                "parent",
                "",
                "",
                f"s{2 * g // students_per_school % schools}",
                "",
            )

    write(folder, "users.csv", user_header, users())
    write(folder, "roles.csv", role_header, roles())

    def enrollments():
        by_school: dict[int, list[str]] = {}
        for sid, s in class_school:
            by_school.setdefault(s, []).append(sid)
        for index, (sid, s) in enumerate(class_school):
            teacher = index // 5 if index // 5 < teachers else 0
            yield (
                f"et{index}",
                "",
                "",
                sid,
                f"s{s}",
                f"t{teacher}",
                "teacher",
                "true",
                "",
                "",
            )
        for n in range(students):
            s = n // students_per_school % schools
            options = by_school[s]
            start = (n * 7) % len(options)
            for j in range(per_student):
                moved = shift and rng.random() < shift
                k = options[(start + j * 3 + (1 if moved else 0)) % len(options)]
                yield (
                    f"e{n}-{j}{'x' if moved else ''}",
                    "",
                    "",
                    k,
                    f"s{s}",
                    f"u{n}",
                    "student",
                    "false",
                    "2026-08-20",
                    "",
                )

    write(
        folder,
        "enrollments.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "classSourcedId",
            "schoolSourcedId",
            "userSourcedId",
            "role",
            "primary",
            "beginDate",
            "endDate",
        ],
        enrollments(),
    )
    write(
        folder,
        "demographics.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "birthDate",
            "sex",
            "asian",
            "white",
            "hispanicOrLatinoEthnicity",
        ],
        (
            (
                f"u{n}",
                "",
                "",
                f"{2008 + n % 5}-0{1 + n % 9}-1{n % 10}",
                ("male", "female")[n % 2],
                "false",
                "true",
                ("true", "false")[n % 3 > 0],
            )
            for n in range(students)
        ),
    )


def zip_folder(folder: Path, target: Path) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(*, students: int, sections: int, per_student: int) -> bool:
    """Generate and import the three exports; False when one was refused."""
    from schools.oneroster import import_oneroster, open_source

    runs = [
        ("first import (empty roster)", 0.0),
        ("same files again", 0.0),
        ("a tenth of the enrollments replaced", 0.1),
    ]
    print(
        f"{students:,} students, {sections:,} sections, "
        f"{students * per_student:,} student enrollments"
    )
    print(f"peak memory before importing: {peak_mb():.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        for label, shift in runs:
            folder = tmp_path / f"export-{shift}"
            folder.mkdir(exist_ok=True)
            started = time.perf_counter()
            generate(
                folder,
                students=students,
                sections=sections,
                per_student=per_student,
                shift=shift,
            )
            archive = tmp_path / f"export-{shift}.zip"
            zip_folder(folder, archive)
            size = archive.stat().st_size / 1024**2
            generated = time.perf_counter() - started
            started = time.perf_counter()
            source = open_source(archive)
            try:
                report = import_oneroster(source)
            finally:
                source.close()
            elapsed = time.perf_counter() - started
            if not report.ok:
                for problem in report.errors[:20]:
                    print("  error:", problem)
                return False
            print(f"\n{label}: zip {size:.1f} MB (generated in {generated:.1f} s)")
            print(
                f"  import time: {elapsed:.2f} s; peak memory so far: "
                f"{peak_mb():.0f} MB"
            )
            for entity in ("students", "guardians", "sections", "enrollments"):
                c = report.counts[entity]
                print(
                    f"  {entity:12} created {c.created:>7,}  updated "
                    f"{c.updated:>7,}  unchanged {c.unchanged:>7,}  deactivated "
                    f"{c.deactivated:>7,}"
                )
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--sections", type=int, default=2_500)
    parser.add_argument("--per-student", type=int, default=6)
    args = parser.parse_args()

    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    ok = run(
        students=args.students, sections=args.sections, per_student=args.per_student
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
