"""Validate a whole OneRoster export, then write it in one transaction.

Small files (orgs, sessions, courses, classes) and the people are held in memory;
enrollments, by far the largest file, stream into a temporary table with COPY and
are checked and written with set-based SQL, so memory does not grow with them.
Everything is keyed on `sourcedId`, so importing the same files twice changes
nothing. Records that disappear from a later bulk file, or arrive marked
`tobedeleted` in a delta, are deactivated: enrollments end and people become
inactive. Nothing a teacher or counselor recorded is ever deleted.
"""

# ruff: noqa: S608 - the SQL here is assembled only from this module's own table
# and column names; every value from a file travels as a query parameter.
from __future__ import annotations

import csv
import datetime
import difflib
import hashlib
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from psycopg2.extras import execute_values

from accounts.models import Role, User
from plc.db import analyze
from schools.models import (
    Course,
    District,
    Enrollment,
    Guardian,
    School,
    Section,
    SectionTeacher,
    StaffRole,
    Student,
    Term,
)
from schools.oneroster.reader import (
    KNOWN_COLUMNS,
    NEEDED_COLUMNS,
    Row,
    read_rows,
    vocabulary,
)
from schools.oneroster.report import Counts, Report
from schools.oneroster.source import Source

ProgressCallback = Callable[[int, str], None]

DATA_FILES = (
    "orgs.csv",
    "academicSessions.csv",
    "courses.csv",
    "classes.csv",
    "users.csv",
    "roles.csv",
    "demographics.csv",
    "enrollments.csv",
)
# Files of the spec the roster does not use (gradebook, resources, profiles).
UNUSED_FILES = (
    "categories.csv",
    "classResources.csv",
    "courseResources.csv",
    "lineItems.csv",
    "resources.csv",
    "results.csv",
    "userResources.csv",
    "userProfiles.csv",
    "scoreScales.csv",
    "lineItemLearningObjectiveIds.csv",
    "lineItemScoreScales.csv",
    "resultLearningObjectiveIds.csv",
    "resultScoreScales.csv",
)
MANIFEST_PROPERTIES = {
    "manifest.version",
    "oneroster.version",
    "source.systemname",
    "source.systemcode",
}

STATUS = vocabulary("active", "tobedeleted", "inactive")
ORG_TYPES = vocabulary("district", "school", "department", "local", "state", "national")
SESSION_TYPES = vocabulary("schoolYear", "semester", "term", "gradingPeriod")
USER_ROLES = vocabulary(
    "administrator",
    "aide",
    "counselor",
    "districtAdministrator",
    "guardian",
    "parent",
    "principal",
    "proctor",
    "relative",
    "siteAdministrator",
    "student",
    "systemAdministrator",
    "teacher",
)
ROLE_TYPES = vocabulary("primary", "secondary")
ENROLLMENT_ROLES = vocabulary("administrator", "aide", "proctor", "student", "teacher")
SEX = vocabulary("male", "female", "other", "unspecified")
SEX_TO_GENDER = {
    "male": Student.Gender.MALE,
    "female": Student.Gender.FEMALE,
    "other": Student.Gender.NONBINARY,
    "unspecified": Student.Gender.UNSPECIFIED,
}
GUARDIAN_ROLES = {
    "parent": Guardian.Relationship.PARENT,
    "guardian": Guardian.Relationship.GUARDIAN,
    "relative": Guardian.Relationship.RELATIVE,
}
# Roles that give no access in the app: such people are left out.
UNUSED_ROLES = {"proctor", "systemAdministrator"}
# The CEDS grade list OneRoster uses, onto the app's grade levels. Preschool,
# pre-kindergarten and transitional kindergarten are the app's Pre-K; the grades
# it has no level for (infant/toddler, grade 13, postsecondary, ungraded, other)
# import with none.
GRADES: dict[str, int | None] = {
    "it": None,
    "pr": -1,
    "pk": -1,
    "tk": -1,
    "kg": 0,
    "k": 0,
    **{f"{n:02d}": n for n in range(1, 13)},
    **{str(n): n for n in range(1, 13)},
    "13": None,
    "ps": None,
    "ug": None,
    "other": None,
}
# Stand-in address of staff imported without an e-mail: `.invalid` is reserved
# (RFC 2606), so nothing is ever delivered to it, and the account has no
# password, so nobody logs in with it.
NO_EMAIL_DOMAIN = "no-email.invalid"
RACES = (
    ("americanIndianOrAlaskaNative", "American Indian or Alaska Native"),
    ("asian", "Asian"),
    ("blackOrAfricanAmerican", "Black or African American"),
    (
        "nativeHawaiianOrOtherPacificIslander",
        "Native Hawaiian or Other Pacific Islander",
    ),
    ("white", "White"),
)
PAGE = 2000
# Every table an import writes to, ANALYZEd once it has committed.
ROSTER_MODELS = (
    District,
    School,
    Term,
    Course,
    Section,
    SectionTeacher,
    User,
    StaffRole,
    Student,
    Guardian,
    Guardian.students.through,
    Enrollment,
)
COPY_CHUNK = 20000


class Refused(Exception):
    """Raised inside the transaction to roll back everything already written."""


@dataclass(frozen=True)
class Scope:
    """What the person importing may touch: a district, or one school of it."""

    district_id: int
    school_id: int | None = None

    @property
    def for_school(self) -> bool:
        return self.school_id is not None


@dataclass(slots=True)
class Org:
    line: int
    name: str
    type: str
    parent: str
    deleted: bool


@dataclass(slots=True)
class Session:
    line: int
    title: str
    type: str
    start: datetime.date | None
    end: datetime.date | None
    deleted: bool


@dataclass(slots=True)
class CourseRecord:
    line: int
    title: str
    code: str
    org: str
    grades: str
    subject: str
    deleted: bool


@dataclass(slots=True)
class ClassRecord:
    line: int
    title: str
    course: str
    school: str
    terms: list[str]
    room: str
    period: str
    deleted: bool


@dataclass(slots=True)
class RoleRecord:
    file: str
    line: int
    role: str
    org: str
    primary: bool


@dataclass(slots=True)
class Person:
    line: int
    deleted: bool
    enabled: bool
    given: str
    family: str
    preferred: str
    identifier: str
    email: str
    phone: str
    grade: str
    primary_org: str
    agents: tuple[str, ...]
    roles: list[RoleRecord] = field(default_factory=list)
    kind: str = ""  # student, staff, guardian, or "" when left out
    # A role already reported as unknown: "has no role" would only repeat it.
    bad_role: bool = False


@dataclass(slots=True)
class Demographic:
    line: int
    deleted: bool
    birth_date: datetime.date | None
    gender: str
    ethnicity: str


def import_oneroster(
    source: Source,
    *,
    scope: Scope | None = None,
    progress: ProgressCallback | None = None,
    today: datetime.date | None = None,
) -> Report:
    """Import every file of `source`; nothing is written unless all of it is valid."""
    report = Report()
    importer = Importer(source, report, scope=scope, progress=progress, today=today)
    try:
        with transaction.atomic():
            importer.run()
            if not report.ok:
                raise Refused
        # A first import fills the roster from nothing; until autovacuum catches
        # up the planner would take these tables for empty (docs/domain.md,
        # "Scale").
        analyze(*ROSTER_MODELS)
    except Refused:
        report.refuse()
    except IntegrityError as error:
        detail = str(error).strip().splitlines()[0]
        report.error(
            None,
            None,
            None,
            "the files conflict with records already saved and nothing was "
            f"imported ({detail}).",
        )
        report.refuse()
    return report


class Importer:
    def __init__(
        self,
        source: Source,
        report: Report,
        *,
        scope: Scope | None,
        progress: ProgressCallback | None,
        today: datetime.date | None,
    ) -> None:
        self.source = source
        self.report = report
        self.scope = scope
        self.progress = progress or (lambda percent, stage: None)
        self.today = today or timezone.localdate()
        self.yesterday = self.today - datetime.timedelta(days=1)
        self.modes: dict[str, str] = {}
        self.version = ""
        self.bytes_read = 0
        self.total_bytes = max(source.total_size(), 1)
        self.orgs: dict[str, Org] = {}
        self.sessions: dict[str, Session] = {}
        self.courses: dict[str, CourseRecord] = {}
        self.classes: dict[str, ClassRecord] = {}
        self.people: dict[str, Person] = {}
        self.demographics: dict[str, Demographic] = {}
        self.enrollment_rows = 0
        self.skipped_enrollment_roles: dict[str, int] = defaultdict(int)
        # Lookups of what is already saved, filled by _load_existing().
        self.db_districts: dict[str, int] = {}
        self.db_schools: dict[str, tuple[int, int, str]] = {}
        self.db_sections: dict[str, int] = {}  # sourcedId -> school id
        self.district_ids: dict[str, int] = {}
        # Districts already reported as outside the import's reach; their schools
        # are not reported again, one by one.
        self.refused_districts: set[str] = set()
        self.refused_schools: set[str] = set()
        self.school_ids: dict[str, int] = {}

    # -- orchestration -------------------------------------------------------

    def run(self) -> None:
        self._read_manifest()
        self._load_existing()
        self._read_orgs()
        self._read_sessions()
        self._read_courses()
        self._read_classes()
        self._read_users()
        self._read_roles()
        self._read_demographics()
        self._check_people()
        with connection.cursor() as django_cursor:
            self.cursor = django_cursor.cursor
            self._create_staging_tables()
            self._read_enrollments()
            self._check_enrollments()
            if not self.report.ok:
                return
            self.progress(70, "Saving schools, terms, courses and sections")
            self._write_orgs()
            self._write_terms_courses_sections()
            self._deactivate_structure()
            self.progress(78, "Saving students, staff and guardians")
            self._write_people()
            self.progress(88, "Saving enrollments")
            self._write_enrollments()
            self.progress(96, "Ending what is no longer in the roster")
            self._deactivate_people()
            self._drop_staging_tables()
        self._final_warnings()
        self.report.district_ids = set(self.district_ids.values())

    def _mode(self, name: str) -> str | None:
        return self.modes.get(name)

    def _rows(self, name: str, needed_key: str | None = None) -> Iterable[Row]:
        stage_end = {
            "orgs.csv": 2,
            "academicSessions.csv": 3,
            "courses.csv": 4,
            "classes.csv": 6,
            "users.csv": 20,
            "roles.csv": 25,
            "demographics.csv": 30,
            "enrollments.csv": 65,
        }[name]
        self.progress(
            min(stage_end, 5 + 60 * self.bytes_read // self.total_bytes),
            f"Reading {name}",
        )

        def on_bytes(count: int) -> None:
            before = self.bytes_read * 60 // self.total_bytes
            self.bytes_read += count
            after = self.bytes_read * 60 // self.total_bytes
            if after != before:
                self.progress(5 + after, f"Reading {name}")

        return read_rows(
            self.source,
            name,
            self.report,
            needed=NEEDED_COLUMNS[needed_key or name],
            known=KNOWN_COLUMNS[name],
            on_bytes=on_bytes,
        )

    def _common(self, row: Row, seen: dict[str, int] | None = None) -> tuple[str, bool]:
        """The row's sourcedId and whether it is marked for deletion."""
        sourced_id = row.text("sourcedId", 255, required=True)
        status = row.choice("status", STATUS)
        row.timestamp("dateLastModified")
        if seen is not None and sourced_id:
            if sourced_id in seen:
                row.error(
                    "sourcedId",
                    f"sourcedId “{sourced_id}” appears twice in this file (lines "
                    f"{seen[sourced_id]} and {row.line}).",
                )
            else:
                seen[sourced_id] = row.line
        return sourced_id, status in {"tobedeleted", "inactive"}

    # -- manifest ------------------------------------------------------------

    def _read_manifest(self) -> None:
        report = self.report
        declared: dict[str, str] = {}
        version = ""
        if not self.source.has("manifest.csv"):
            report.warn(
                "manifest.csv",
                None,
                None,
                "there is no manifest.csv; every file present is read as a bulk file.",
            )
        else:
            file_names = {name.lower(): name for name in DATA_FILES + UNUSED_FILES}
            for row in read_rows(
                self.source,
                "manifest.csv",
                report,
                needed=("propertyName", "value"),
                known="propertyName value",
            ):
                prop = row.get("propertyName")
                value = row.get("value").strip().lower()
                key = prop.lower()
                if key == "oneroster.version":
                    version = value
                    continue
                if key in MANIFEST_PROPERTIES:
                    continue
                if key.startswith("file."):
                    file_key = key.removeprefix("file.") + ".csv"
                    if file_key not in file_names:
                        close = difflib.get_close_matches(file_key, file_names, n=1)
                        if close:
                            row.warn(
                                "propertyName",
                                f"“{prop}” is not a OneRoster file; read as "
                                f"file.{file_names[close[0]].removesuffix('.csv')}.",
                            )
                            file_key = close[0]
                        else:
                            row.warn(
                                "propertyName",
                                f"“{prop}” is not a OneRoster file; the line is "
                                "ignored.",
                            )
                            continue
                    if value not in {"bulk", "delta", "absent"}:
                        close = difflib.get_close_matches(
                            value, ["bulk", "delta", "absent"], n=1, cutoff=0.5
                        )
                        guess = close[0] if close else "bulk"
                        row.warn(
                            "value",
                            f"“{row.get('value')}” is not bulk, delta or absent; "
                            f"read as {guess}.",
                        )
                        value = guess
                    declared[file_names[file_key]] = value
                    continue
                close = difflib.get_close_matches(
                    key, MANIFEST_PROPERTIES | {"file.users"}, n=1
                )
                hint = f" (did you mean {close[0]}?)" if close else ""
                row.warn(
                    "propertyName",
                    f"“{prop}” is not a manifest property{hint}; the line is ignored.",
                )
        for name in DATA_FILES:
            present = self.source.has(name)
            mode = declared.get(name)
            if mode in {"bulk", "delta"} and not present:
                report.error(
                    "manifest.csv",
                    None,
                    None,
                    f"the manifest lists {name} as {mode} but the file is missing.",
                )
            elif present and mode == "absent":
                report.warn(
                    name,
                    None,
                    None,
                    "the manifest says this file is absent; it is ignored.",
                )
            elif present:
                if mode is None and self.source.has("manifest.csv"):
                    report.warn(
                        name,
                        None,
                        None,
                        "this file is not listed in the manifest; read as bulk.",
                    )
                self.modes[name] = mode or "bulk"
        for name in UNUSED_FILES:
            if self.source.has(name):
                report.warn(
                    name, None, None, "the roster does not use this file; ignored."
                )
        if version in {"1.0", "1.1"}:
            self.version = "1.1"
        elif version == "1.2":
            self.version = "1.2"
        else:
            self.version = "1.2" if "roles.csv" in self.modes else "1.1"
            if version:
                report.warn(
                    "manifest.csv",
                    None,
                    "value",
                    f"oneroster.version “{version}” is unknown; read as "
                    f"{self.version}.",
                )
        if self.version == "1.1" and "roles.csv" in self.modes:
            report.warn(
                "roles.csv",
                None,
                None,
                "roles.csv belongs to OneRoster 1.2 but the manifest says 1.1; "
                "it is read anyway.",
            )
        report.version = self.version
        report.modes = dict(self.modes)

    # -- what is already saved ----------------------------------------------

    def _load_existing(self) -> None:
        self.db_districts = dict(
            District.objects.exclude(sourced_id="").values_list("sourced_id", "pk")
        )
        self.db_schools = {
            sid: (pk, district_id, name)
            for sid, pk, district_id, name in School.objects.exclude(
                sourced_id=""
            ).values_list("sourced_id", "pk", "district_id", "name")
        }
        self.db_sections = dict(
            Section.objects.exclude(sourced_id="").values_list(
                "sourced_id", "course__school_id"
            )
        )
        if self.scope:
            self.scope_district = District.objects.get(pk=self.scope.district_id)
            self.scope_school = (
                School.objects.get(pk=self.scope.school_id)
                if self.scope.school_id
                else None
            )

    # -- orgs ------------------------------------------------------------------

    def _read_orgs(self) -> None:
        if "orgs.csv" not in self.modes:
            return
        seen: dict[str, int] = {}
        for row in self._rows("orgs.csv"):
            sid, deleted = self._common(row, seen)
            name = row.text("name", 200, required=not deleted)
            kind = row.get("type")
            org_type = ORG_TYPES.get(kind.lower())
            if org_type is None and not kind.lower().startswith("ext:"):
                row.choice("type", ORG_TYPES, required=True)
            if sid:
                self.orgs[sid] = Org(
                    row.line,
                    name,
                    org_type or "other",
                    row.get("parentSourcedId"),
                    deleted,
                )
        for sid, org in self.orgs.items():
            if (
                org.type == "school"
                and not org.deleted
                and self._district_of_org(sid) is None
            ):
                self.report.error(
                    "orgs.csv",
                    org.line,
                    "parentSourcedId",
                    f"school “{org.name}” has no district above it: set "
                    "parentSourcedId to the sourcedId of its district (an org "
                    "of type district).",
                )
            if org.type == "district" and not org.deleted:
                self._check_district_scope(sid, org)
        for sid, org in self.orgs.items():
            if (
                self.scope
                and org.type == "school"
                and (not org.deleted or sid in self.db_schools)
                and not self._school_in_scope(sid)
            ):
                self._out_of_scope("orgs.csv", org.line, "sourcedId", sid)
                self.refused_schools.add(sid)
            if org.type == "district" and org.deleted and sid in self.db_districts:
                self.report.warn(
                    "orgs.csv",
                    org.line,
                    "status",
                    f"district “{sid}” is marked tobedeleted; a district is not "
                    "deactivated by an import: mark its schools tobedeleted.",
                )

    def _district_of_org(self, sid: str) -> str | None:
        """The sourcedId of the district an org sits in (itself for a district)."""
        for _ in range(10):
            org = self.orgs.get(sid)
            if org is None:
                if sid in self.db_districts:
                    return sid
                if sid in self.db_schools:
                    district_id = self.db_schools[sid][1]
                    for dsid, pk in self.db_districts.items():
                        if pk == district_id:
                            return dsid
                    return f"#{district_id}"
                return None
            if org.type == "district":
                return sid
            if not org.parent:
                return None
            sid = org.parent
        return None

    def _is_school(self, sid: str) -> bool:
        org = self.orgs.get(sid)
        if org is not None:
            return org.type == "school"
        return sid in self.db_schools

    def _is_district(self, sid: str) -> bool:
        org = self.orgs.get(sid)
        if org is not None:
            return org.type == "district"
        return sid in self.db_districts

    def _school_label(self, sid: str) -> str:
        org = self.orgs.get(sid)
        if org is not None:
            return org.name
        if sid in self.db_schools:
            return self.db_schools[sid][2]
        return sid

    def _check_district_scope(self, sid: str, org: Org) -> None:
        if not self.scope:
            return
        district = self.scope_district
        if (district.sourced_id and district.sourced_id != sid) or (
            not district.sourced_id and sid in self.db_districts
        ):
            self.refused_districts.add(sid)
        if district.sourced_id and district.sourced_id != sid:
            self.report.error(
                "orgs.csv",
                org.line,
                "sourcedId",
                f"this file is for district “{org.name}” ({sid}), but you import "
                f"for {district.name} ({district.sourced_id}).",
            )
        elif not district.sourced_id and sid in self.db_districts:
            self.report.error(
                "orgs.csv",
                org.line,
                "sourcedId",
                f"district “{org.name}” ({sid}) is another district already in "
                f"the app, not {district.name}.",
            )

    def _school_in_scope(self, school_sid: str) -> bool:
        """Whether the school may be touched by this import (always true unscoped)."""
        if not self.scope:
            return True
        if school_sid in self.refused_schools:
            return True  # already reported once, on its line of orgs.csv
        if self._district_of_org(school_sid) in self.refused_districts:
            return True
        if school_sid in self.db_schools:
            pk, district_id, _ = self.db_schools[school_sid]
            if self.scope.for_school:
                return pk == self.scope.school_id
            return district_id == self.scope.district_id
        if self.scope.for_school:
            school = self.scope_school
            org = self.orgs.get(school_sid)
            return (
                not school.sourced_id
                and org is not None
                and org.name.casefold() == school.name.casefold()
            )
        district_sid = self._district_of_org(school_sid)
        if district_sid is None:
            return False
        if district_sid in self.refused_districts:
            return True
        if district_sid in self.db_districts:
            return self.db_districts[district_sid] == self.scope.district_id
        return not self.scope_district.sourced_id

    def _scope_label(self) -> str:
        place = self.scope_school if self.scope.for_school else self.scope_district
        if place.sourced_id:
            return f"{place.name} (sourcedId {place.sourced_id})"
        return place.name

    def _out_of_scope(self, row_file: str, line: int, column: str, school_sid: str):
        where = self._scope_label()
        self.report.error(
            row_file,
            line,
            column,
            f"this touches {self._school_label(school_sid)} (sourcedId "
            f"{school_sid}), which is outside {where}; you may only import records "
            f"of {where}.",
        )

    # -- academic sessions, courses, classes ----------------------------------

    def _read_sessions(self) -> None:
        if "academicSessions.csv" not in self.modes:
            return
        seen: dict[str, int] = {}
        for row in self._rows("academicSessions.csv"):
            sid, deleted = self._common(row, seen)
            title = row.text("title", 100, required=not deleted)
            kind = row.get("type")
            session_type = SESSION_TYPES.get(kind.lower())
            if session_type is None:
                if kind.lower().startswith("ext:"):
                    session_type = "term"
                else:
                    row.choice("type", SESSION_TYPES, required=not deleted)
            start = row.date("startDate", required=not deleted)
            end = row.date("endDate", required=not deleted)
            if start and end and start > end:
                row.error(
                    "endDate",
                    f"the session ends ({end}) before it starts ({start}).",
                )
            if sid:
                self.sessions[sid] = Session(
                    row.line, title, session_type or "term", start, end, deleted
                )

    def _read_courses(self) -> None:
        if "courses.csv" not in self.modes:
            return
        seen: dict[str, int] = {}
        for row in self._rows("courses.csv"):
            sid, deleted = self._common(row, seen)
            title = row.text("title", 200, required=not deleted)
            code = row.text("courseCode", 50) or sid[:50]
            org = row.get("orgSourcedId")
            if not deleted:
                self._check_org_reference(row, "orgSourcedId", org)
            if sid:
                self.courses[sid] = CourseRecord(
                    row.line,
                    title,
                    code,
                    org,
                    ",".join(row.id_list("grades"))[:50],
                    ", ".join(row.id_list("subjects"))[:100],
                    deleted,
                )

    def _check_org_reference(self, row: Row, column: str, sid: str) -> None:
        if not sid:
            row.required(column)
        elif (
            sid not in self.orgs
            and sid not in self.db_schools
            and (sid not in self.db_districts)
        ):
            row.error(
                column,
                f"org “{sid}” is neither in orgs.csv nor already imported.",
            )
        elif self._is_school(sid) and not self._school_in_scope(sid):
            self._out_of_scope(row.file, row.line, column, sid)

    def _read_classes(self) -> None:
        if "classes.csv" not in self.modes:
            return
        seen: dict[str, int] = {}
        known_courses = set(
            Course.objects.exclude(sourced_id="").values_list("sourced_id", flat=True)
        )
        known_terms = set(
            Term.objects.exclude(sourced_id="").values_list("sourced_id", flat=True)
        )
        for row in self._rows("classes.csv"):
            sid, deleted = self._common(row, seen)
            title = row.text("title", 100, required=not deleted)
            course = row.get("courseSourcedId")
            school = row.get("schoolSourcedId")
            terms = row.id_list("termSourcedIds")
            if not deleted:
                if not course:
                    row.required("courseSourcedId")
                elif course not in self.courses and course not in known_courses:
                    row.error(
                        "courseSourcedId",
                        f"course “{course}” is neither in courses.csv nor already "
                        "imported.",
                    )
                elif course in self.courses and self.courses[course].deleted:
                    row.error(
                        "courseSourcedId",
                        f"course “{course}” is marked tobedeleted in courses.csv.",
                    )
                if not school:
                    row.required("schoolSourcedId")
                elif not self._is_school(school):
                    row.error(
                        "schoolSourcedId",
                        f"“{school}” is not a school in orgs.csv nor one already "
                        "imported.",
                    )
                elif not self._school_in_scope(school):
                    self._out_of_scope(row.file, row.line, "schoolSourcedId", school)
                if not terms:
                    row.required("termSourcedIds")
                for term in terms:
                    if term not in self.sessions and term not in known_terms:
                        row.error(
                            "termSourcedIds",
                            f"academic session “{term}” is neither in "
                            "academicSessions.csv nor already imported.",
                        )
                    elif term in self.sessions and self.sessions[term].deleted:
                        row.error(
                            "termSourcedIds",
                            f"academic session “{term}” is marked tobedeleted in "
                            "academicSessions.csv.",
                        )
            if sid:
                if self.scope is not None and sid in self.db_sections:
                    self._check_section_in_reach(row, sid)
                self.classes[sid] = ClassRecord(
                    row.line,
                    title,
                    course,
                    school,
                    terms,
                    row.text("location", 30),
                    row.text("periods", 20),
                    deleted,
                )

    def _check_section_in_reach(self, row: Row, sid: str) -> None:
        """A scoped import may not take over a class another school keeps."""
        school_id = self.db_sections[sid]
        if self.scope.for_school:
            allowed = school_id == self.scope.school_id
        else:
            allowed = School.objects.filter(
                pk=school_id, district_id=self.scope.district_id
            ).exists()
        if not allowed:
            school = School.objects.get(pk=school_id)
            row.error(
                "sourcedId",
                f"class “{sid}” is a class of {school.name}, outside what you may "
                "import.",
            )

    # -- people ----------------------------------------------------------------

    def _read_users(self) -> None:
        if "users.csv" not in self.modes:
            return
        needed = f"users.csv/{self.version}"
        seen: dict[str, int] = {}
        for row in self._rows("users.csv", needed):
            sid, deleted = self._common(row, seen)
            enabled = row.boolean("enabledUser")
            given = row.text("givenName", 150, required=not deleted)
            family = row.text("familyName", 150, required=not deleted)
            preferred = row.get("preferredGivenName") or row.get("preferredFirstName")
            email = row.text("email", 254)
            if email and ("@" not in email or " " in email):
                row.error("email", f"“{email}” is not an e-mail address.")
                email = ""
            person = Person(
                line=row.line,
                deleted=deleted,
                enabled=enabled is not False,
                given=given,
                family=family,
                preferred=preferred[:150],
                identifier=row.get("identifier"),
                email=email.lower(),
                phone=(row.get("phone") or row.get("sms"))[:40],
                grade=row.id_list("grades")[0] if row.id_list("grades") else "",
                primary_org=row.get("primaryOrgSourcedId"),
                agents=tuple(row.id_list("agentSourcedIds")),
            )
            if "role" in row.values and row.get("role"):
                role = row.choice("role", USER_ROLES, required=True)
                person.bad_role = role is None
                orgs = row.id_list("orgSourcedIds")
                if not orgs and not deleted:
                    row.required("orgSourcedIds")
                for position, org in enumerate(orgs):
                    if role:
                        person.roles.append(
                            RoleRecord("users.csv", row.line, role, org, position == 0)
                        )
            elif self.version == "1.1" and not deleted:
                row.required("role")
            if sid:
                self.people[sid] = person

    def _read_roles(self) -> None:
        if "roles.csv" not in self.modes:
            return
        for row in self._rows("roles.csv"):
            row.text("sourcedId", 255)
            status = row.choice("status", STATUS)
            row.timestamp("dateLastModified")
            user = row.required("userSourcedId")
            role = row.choice("role", USER_ROLES, required=True)
            role_type = row.choice("roleType", ROLE_TYPES)
            org = row.required("orgSourcedId")
            row.date("beginDate")
            end = row.date("endDate")
            if status in {"tobedeleted", "inactive"} or (end and end < self.today):
                continue
            person = self.people.get(user)
            if person is not None and role is None:
                person.bad_role = True
            if user and person is None:
                row.error(
                    "userSourcedId",
                    f"user “{user}” is not in users.csv; a role needs its person in "
                    "the same import.",
                )
            elif person is not None and role and org:
                person.roles.append(
                    RoleRecord("roles.csv", row.line, role, org, role_type == "primary")
                )

    def _read_demographics(self) -> None:
        if "demographics.csv" not in self.modes:
            return
        seen: dict[str, int] = {}
        for row in self._rows("demographics.csv"):
            sid, deleted = self._common(row, seen)
            birth = row.date("birthDate")
            sex = row.choice("sex", SEX)
            hispanic = row.boolean("hispanicOrLatinoEthnicity")
            races = [label for column, label in RACES if row.boolean(column)]
            if hispanic:
                ethnicity = "Hispanic or Latino"
            elif row.boolean("demographicRaceTwoOrMoreRaces") or len(races) > 1:
                ethnicity = "Two or more races"
            else:
                ethnicity = races[0] if races else ""
            if sid:
                self.demographics[sid] = Demographic(
                    row.line,
                    deleted,
                    birth,
                    SEX_TO_GENDER[sex] if sex else "",
                    ethnicity,
                )

    def _check_people(self) -> None:
        """Decide who each person is (student, staff or guardian) and check it."""
        existing = self._existing_kinds(
            [sid for sid, p in self.people.items() if not p.roles]
        )
        email_lines: dict[str, int] = {}
        student_ids: dict[tuple[str, str], tuple[int, str]] = {}
        for sid, person in self.people.items():
            kinds = set()
            role_kinds = []
            for role in person.roles:
                kind = self._check_role(sid, person, role)
                if kind:
                    kinds.add(kind)
                    role_kinds.append((role, kind))
            primary = {kind for role, kind in role_kinds if role.primary}
            if len(kinds) > 1 and len(primary) == 1:
                # The spec lets a person hold roles of several kinds; the app
                # keeps one, and the primary role says which.
                kinds = primary
                for role, kind in role_kinds:
                    if kind not in primary:
                        self.report.warn(
                            role.file,
                            role.line,
                            "role",
                            f"user “{sid}” is a {min(primary)} by their primary "
                            f"role, so this {role.role} role was not imported; "
                            "the app keeps each person as one of student, staff "
                            "or guardian.",
                        )
            if not person.roles:
                if sid in existing:
                    kinds.add(existing[sid][0])
                elif not person.deleted and not person.bad_role:
                    self.report.error(
                        "users.csv",
                        person.line,
                        "sourcedId",
                        f"user “{sid}” has no role"
                        + (" in roles.csv" if self.version == "1.2" else "")
                        + " and is not already imported.",
                    )
            if len(kinds) > 1:
                self.report.error(
                    "users.csv" if self.version == "1.1" else "roles.csv",
                    person.roles[0].line if person.roles else person.line,
                    "role",
                    f"user “{sid}” is given roles of a "
                    + " and of a ".join(sorted(kinds))
                    + "; a person is one of student, staff or guardian.",
                )
            person.kind = min(kinds) if kinds else ""
            if person.deleted or not person.kind:
                continue
            if person.kind == "staff":
                if not person.email:
                    self.report.warn(
                        "users.csv",
                        person.line,
                        "email",
                        f"staff member “{person.given} {person.family}” has no "
                        "e-mail address; imported without a log-in (staff log in "
                        "with their e-mail).",
                    )
                elif person.email in email_lines:
                    self.report.error(
                        "users.csv",
                        person.line,
                        "email",
                        f"e-mail {person.email} is also used on line "
                        f"{email_lines[person.email]}; each staff member needs "
                        "their own.",
                    )
                else:
                    email_lines[person.email] = person.line
            elif person.kind == "student":
                self._check_student(sid, person, student_ids)
        self._check_existing_conflicts(email_lines, student_ids)

    def _check_role(self, sid: str, person: Person, role: RoleRecord) -> str:
        report = self.report
        if role.role in UNUSED_ROLES:
            return ""
        if (
            role.org not in self.orgs
            and role.org not in self.db_schools
            and (role.org not in self.db_districts)
        ):
            report.error(
                role.file,
                role.line,
                "orgSourcedIds" if role.file == "users.csv" else "orgSourcedId",
                f"org “{role.org}” is neither in orgs.csv nor already imported.",
            )
            return ""
        if role.role == "student":
            return "student"
        if role.role in GUARDIAN_ROLES:
            return "guardian"
        app_role = self._app_role(role)
        if app_role == Role.DISTRICT_ADMIN:
            if self.scope and self.scope.for_school:
                report.error(
                    role.file,
                    role.line,
                    "role",
                    f"{person.given} {person.family} would become a district admin; "
                    "only a district admin may import district roles.",
                )
        elif not self._is_school(role.org):
            report.warn(
                role.file,
                role.line,
                "role",
                f"a {role.role} role needs a school, not a district; "
                f"{person.given} {person.family} gets no {role.role} role from "
                "this line.",
            )
        elif not self._school_in_scope(role.org):
            self._out_of_scope(role.file, role.line, "orgSourcedId", role.org)
        return "staff"

    def _app_role(self, role: RoleRecord) -> str:
        if role.role in {"administrator", "siteAdministrator", "principal"}:
            return (
                Role.DISTRICT_ADMIN if self._is_district(role.org) else Role.PRINCIPAL
            )
        return {
            "districtAdministrator": Role.DISTRICT_ADMIN,
            "teacher": Role.TEACHER,
            "counselor": Role.COUNSELOR,
            "aide": Role.INTERVENTIONIST,
        }[role.role]

    def _student_school(self, person: Person) -> str:
        orgs = [r.org for r in person.roles if r.role == "student"]
        primary = [r.org for r in person.roles if r.role == "student" and r.primary]
        for candidate in ([person.primary_org] if person.primary_org else []) + (
            primary + orgs
        ):
            if self._is_school(candidate):
                return candidate
        return ""

    def _check_student(
        self,
        sid: str,
        person: Person,
        student_ids: dict[tuple[str, str], tuple[int, str]],
    ) -> None:
        report = self.report
        school = self._student_school(person)
        role_file = "users.csv" if self.version == "1.1" else "roles.csv"
        if not person.roles:
            return  # a delta row for a student already imported keeps its school
        if not school:
            report.error(
                role_file,
                person.roles[0].line,
                "orgSourcedIds" if role_file == "users.csv" else "orgSourcedId",
                f"student “{person.given} {person.family}” is not placed in a school "
                "(an org of type school).",
            )
            return
        if not self._school_in_scope(school):
            self._out_of_scope(role_file, person.roles[0].line, "orgSourcedId", school)
        if person.grade and person.grade.lower() not in GRADES:
            report.error(
                "users.csv",
                person.line,
                "grades",
                f"grade “{person.grade}” is not in the grade list OneRoster uses; "
                "write IT, PR, PK, TK, KG, 01 to 13, PS, UG or Other.",
            )
        elif not person.grade:
            report.warn(
                "users.csv",
                person.line,
                "grades",
                f"student “{person.given} {person.family}” has no grade; imported "
                "without a grade level.",
            )
        local_id = person.identifier or sid
        if len(local_id) > 50:
            report.error(
                "users.csv",
                person.line,
                "identifier",
                "the student number (identifier, or sourcedId when identifier is "
                "empty) is longer than 50 characters.",
            )
        key = (school, local_id)
        if key in student_ids:
            report.error(
                "users.csv",
                person.line,
                "identifier",
                f"student number {local_id} is also used on line "
                f"{student_ids[key][0]} in {self._school_label(school)}.",
            )
        else:
            student_ids[key] = (person.line, sid)

    def _existing_kinds(self, sids: list[str]) -> dict[str, tuple[str, int]]:
        found: dict[str, tuple[str, int]] = {}
        for start in range(0, len(sids), 5000):
            chunk = sids[start : start + 5000]
            for model, kind in ((Student, "student"), (Guardian, "guardian")):
                for sid, pk in model.objects.filter(sourced_id__in=chunk).values_list(
                    "sourced_id", "pk"
                ):
                    found[sid] = (kind, pk)
            for sid, pk in User.objects.filter(sourced_id__in=chunk).values_list(
                "sourced_id", "pk"
            ):
                found[sid] = ("staff", pk)
        return found

    def _check_existing_conflicts(
        self,
        email_lines: dict[str, int],
        student_ids: dict[tuple[str, str], tuple[int, str]],
    ) -> None:
        """Refuse rows whose e-mail or student number belongs to someone else."""
        by_email = {
            email: sid
            for sid, person in self.people.items()
            if person.kind == "staff" and not person.deleted
            for email in [person.email]
        }
        emails = list(email_lines)
        for start in range(0, len(emails), 5000):
            for email, owner in (
                User.objects.annotate(lower_email=Lower("email"))
                .filter(lower_email__in=emails[start : start + 5000])
                .values_list("lower_email", "sourced_id")
            ):
                if owner and owner != by_email[email]:
                    self.report.error(
                        "users.csv",
                        email_lines[email],
                        "email",
                        f"e-mail {email} already belongs to another account "
                        f"(sourcedId {owner}).",
                    )
        by_school: dict[int, dict[str, tuple[int, str]]] = defaultdict(dict)
        for (school_sid, local_id), (line, sid) in student_ids.items():
            if school_sid in self.db_schools:
                school_id = self.db_schools[school_sid][0]
                by_school[school_id][local_id] = (line, sid)
        for school_id, wanted in by_school.items():
            rows = Student.objects.filter(school_id=school_id).exclude(sourced_id="")
            for local_id, owner, school_name in rows.values_list(
                "local_id", "sourced_id", "school__name"
            ):
                line, sid = wanted.get(local_id, (0, owner))
                if owner != sid and owner not in self.people:
                    self.report.error(
                        "users.csv",
                        line,
                        "identifier",
                        f"student number {local_id} in {school_name} already "
                        f"belongs to another student (sourcedId {owner}).",
                    )
        if self.scope:
            self._check_students_stay_in_scope()
            self._check_accounts_in_reach(email_lines)

    def _check_students_stay_in_scope(self) -> None:
        """A scoped import may not move a student it cannot see into its school."""
        sids = [
            sid
            for sid, p in self.people.items()
            if p.kind == "student" and not p.deleted
        ]
        if self.scope.for_school:
            outside = Student.objects.exclude(school_id=self.scope.school_id)
        else:
            outside = Student.objects.exclude(
                school__district_id=self.scope.district_id
            )
        for start in range(0, len(sids), 5000):
            for sid, school_name in outside.filter(
                sourced_id__in=sids[start : start + 5000]
            ).values_list("sourced_id", "school__name"):
                self.report.error(
                    "users.csv",
                    self.people[sid].line,
                    "sourcedId",
                    f"student “{sid}” is a student of {school_name}, outside what "
                    "you may import.",
                )

    def _check_accounts_in_reach(self, email_lines: dict[str, int]) -> None:
        """A scoped import may not edit accounts that work beyond its scope.

        Matching an e-mail or sourcedId would otherwise let one district rename
        or disable a colleague of another, or an administrator of the site; and
        a principal's import of one school could take over the district admin's
        account (change its e-mail, then reset its password) or a colleague's in
        another school. Rows that delete count too: they end roles.
        """
        staff = {sid: p for sid, p in self.people.items() if p.kind == "staff"}
        school_id = self.scope.school_id
        emails = list(email_lines)
        sids = list(staff)
        accounts = User.objects.annotate(lower_email=Lower("email"))
        for start in range(0, max(len(emails), len(sids)), 5000):
            matches = accounts.filter(
                Q(lower_email__in=emails[start : start + 5000])
                | Q(sourced_id__in=sids[start : start + 5000])
            )
            for user in matches.prefetch_related("staff_roles"):
                elsewhere = [
                    r
                    for r in user.staff_roles.all()
                    if r.is_active
                    and (
                        r.district_id != self.scope.district_id
                        or (school_id is not None and r.school_id != school_id)
                    )
                ]
                if not (elsewhere or user.is_staff or user.is_superuser):
                    continue
                person = staff.get(user.sourced_id) or next(
                    (p for p in staff.values() if p.email == user.lower_email), None
                )
                if person is None:
                    continue
                where = (
                    self.scope_school.name if school_id else self.scope_district.name
                )
                self.report.error(
                    "users.csv",
                    person.line,
                    "email",
                    f"{user.email} is an account that also works outside "
                    f"{where} or administers the site; only someone responsible "
                    "for all of it may change it.",
                )
        guardian_sids = [sid for sid, p in self.people.items() if p.kind == "guardian"]
        for start in range(0, len(guardian_sids), 5000):
            for sid in (
                Guardian.objects.filter(
                    sourced_id__in=guardian_sids[start : start + 5000]
                )
                .exclude(district_id=self.scope.district_id)
                .values_list("sourced_id", flat=True)
            ):
                self.report.error(
                    "users.csv",
                    self.people[sid].line,
                    "sourcedId",
                    f"guardian “{sid}” belongs to another district.",
                )
            if school_id is None:
                continue
            # A principal's import may not rewrite or unlink the guardian of a
            # student in another school: parent notices would go astray.
            for sid in (
                Guardian.objects.filter(
                    sourced_id__in=guardian_sids[start : start + 5000]
                )
                .filter(students__in=Student.objects.exclude(school_id=school_id))
                .values_list("sourced_id", flat=True)
                .distinct()
            ):
                self.report.error(
                    "users.csv",
                    self.people[sid].line,
                    "sourcedId",
                    f"guardian “{sid}” is a guardian of a student outside "
                    f"{self.scope_school.name}; only a district administrator may "
                    "change them.",
                )

    # -- enrollments -----------------------------------------------------------

    def _drop_staging_tables(self) -> None:
        self.cursor.execute(
            "DROP TABLE IF EXISTS or_enrollment, or_person, or_role, or_link, "
            "or_enrollment_ids"
        )

    def _create_staging_tables(self) -> None:
        # ON COMMIT DROP does not fire when the import runs inside an outer
        # transaction (a savepoint), so leftovers of an earlier run go first.
        self._drop_staging_tables()
        self.cursor.execute(
            """
            CREATE TEMPORARY TABLE or_enrollment (
                line integer NOT NULL,
                sourced_id text NOT NULL,
                deleted boolean NOT NULL,
                class_sid text NOT NULL,
                user_sid text NOT NULL,
                role text NOT NULL,
                is_primary boolean NOT NULL,
                begin_date date,
                end_date date
            ) ON COMMIT DROP;
            CREATE TEMPORARY TABLE or_person (
                sourced_id text PRIMARY KEY,
                kind text NOT NULL,
                deleted boolean NOT NULL
            ) ON COMMIT DROP;
            """
        )

    def _copy(self, table: str, columns: str, rows: Iterable[tuple]) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")

        def flush() -> None:
            buffer.seek(0)
            self.cursor.copy_expert(
                f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer
            )
            buffer.seek(0)
            buffer.truncate()

        for count, row in enumerate(rows, start=1):
            writer.writerow(row)
            if count % COPY_CHUNK == 0:
                flush()
        if buffer.tell():
            flush()

    def _read_enrollments(self) -> None:
        if "enrollments.csv" not in self.modes:
            return
        unknown_users: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        self._copy(
            "or_enrollment",
            "line, sourced_id, deleted, class_sid, user_sid, role, is_primary, "
            "begin_date, end_date",
            self._enrollment_rows(unknown_users),
        )
        if unknown_users:
            existing = self._existing_kinds(list(unknown_users))
            for sid, uses in unknown_users.items():
                kind = existing.get(sid, ("", 0))[0]
                for line, role, class_sid in uses:
                    self._enrollment_fits(line, sid, role, kind, class_sid)
                if kind:
                    # Only the first uses were kept to report; every row of this
                    # person in a role they cannot take leaves the staging table.
                    fitting = {
                        "student": "role = 'student'",
                        "staff": "role <> 'student'",
                    }
                    self.cursor.execute(
                        "DELETE FROM or_enrollment WHERE user_sid = %s AND NOT "
                        f"deleted AND NOT ({fitting.get(kind, 'FALSE')})",
                        [sid],
                    )
        if self.skipped_enrollment_roles:
            roles = ", ".join(
                f"{count} {role} enrollment{'s' if count != 1 else ''}"
                for role, count in self.skipped_enrollment_roles.items()
            )
            total = sum(self.skipped_enrollment_roles.values())
            self.report.warn(
                "enrollments.csv",
                None,
                "role",
                f"only student and teacher enrollments are used; {roles} "
                f"{'were' if total != 1 else 'was'} skipped.",
            )

    def _enrollment_fits(
        self, line: int, sid: str, role: str, kind: str, class_sid: str
    ) -> bool:
        """Whether the app can record this person in this class in this role.

        OneRoster lets a class role differ from the person's own (a student
        helping teach a class, a teacher sitting in as a student); the app keeps
        students in classes and staff teaching them, so such an enrollment is
        skipped with a warning and the rest of the file imports.
        """
        wanted = "student" if role == "student" else "staff"
        if not kind:
            self.report.error(
                "enrollments.csv",
                line,
                "userSourcedId",
                f"user “{sid}” is neither in users.csv nor already imported.",
            )
            return False
        if kind != wanted:
            self.report.warn(
                "enrollments.csv",
                line,
                "role",
                f"user “{sid}” is a {kind}, so this {role} enrollment in class "
                f"“{class_sid}” was skipped; the app records students in classes "
                "and staff who teach them.",
            )
            return False
        return True

    def _enrollment_rows(self, unknown_users: dict[str, list[tuple[int, str, str]]]):
        for row in self._rows("enrollments.csv"):
            errors_before = self.report.error_count
            sid, deleted = self._common(row)
            class_sid = row.required("classSourcedId")
            user_sid = row.required("userSourcedId")
            role = row.choice("role", ENROLLMENT_ROLES, required=True)
            primary = row.boolean("primary")
            begin = row.date("beginDate")
            end = row.date("endDate")
            if begin and end and begin > end:
                row.error("endDate", f"the enrollment ends ({end}) before it begins.")
            if role in {"administrator", "aide", "proctor"}:
                self.skipped_enrollment_roles[role] += 1
                continue
            if not deleted and class_sid:
                record = self.classes.get(class_sid)
                if record is None and class_sid not in self.db_sections:
                    row.error(
                        "classSourcedId",
                        f"class “{class_sid}” is neither in classes.csv nor already "
                        "imported.",
                    )
                elif record is not None and record.deleted:
                    row.error(
                        "classSourcedId",
                        f"class “{class_sid}” is marked tobedeleted in classes.csv.",
                    )
                elif self.scope and self.scope.for_school:
                    school_id = self.db_sections.get(class_sid)
                    if record is None and school_id != self.scope.school_id:
                        self.report.error(
                            row.file,
                            row.line,
                            "classSourcedId",
                            f"class “{class_sid}” is in another school; you may only "
                            f"import records of {self.scope_school.name}.",
                        )
            if not deleted and user_sid and role:
                person = self.people.get(user_sid)
                if person is None:
                    uses = unknown_users[user_sid]
                    if len(uses) < 20:
                        uses.append((row.line, role, class_sid))
                elif person.deleted:
                    row.error(
                        "userSourcedId",
                        f"user “{user_sid}” is marked tobedeleted in users.csv.",
                    )
                elif person.kind and not self._enrollment_fits(
                    row.line, user_sid, role, person.kind, class_sid
                ):
                    continue
            if self.report.error_count != errors_before or not sid:
                continue
            self.enrollment_rows += 1
            yield (
                row.line,
                sid,
                deleted,
                class_sid,
                user_sid,
                role,
                primary is not False,
                begin or "",
                end or "",
            )

    def _check_enrollments(self) -> None:
        if "enrollments.csv" not in self.modes:
            return
        cursor = self.cursor
        cursor.execute(
            "CREATE INDEX ON or_enrollment (sourced_id); "
            "CREATE INDEX ON or_enrollment (class_sid, user_sid); "
            "ANALYZE or_enrollment;"
        )
        cursor.execute(
            """
            SELECT sourced_id, array_agg(line ORDER BY line)
            FROM or_enrollment GROUP BY sourced_id HAVING count(*) > 1
            ORDER BY min(line) LIMIT 1000
            """
        )
        for sid, lines in cursor.fetchall():
            self.report.error(
                "enrollments.csv",
                lines[1],
                "sourcedId",
                f"sourcedId “{sid}” appears twice in this file (lines "
                f"{', '.join(map(str, lines))}).",
            )
        cursor.execute(
            """
            SELECT class_sid, user_sid, array_agg(line ORDER BY line)
            FROM or_enrollment WHERE NOT deleted
            GROUP BY class_sid, user_sid HAVING count(*) > 1
            ORDER BY min(line) LIMIT 1000
            """
        )
        for class_sid, user_sid, lines in cursor.fetchall():
            self.report.error(
                "enrollments.csv",
                lines[1],
                "userSourcedId",
                f"user “{user_sid}” is enrolled twice in class “{class_sid}” (lines "
                f"{', '.join(map(str, lines))}).",
            )

    # -- writing ---------------------------------------------------------------

    def _upsert(
        self,
        entity: str,
        table: str,
        columns: tuple[str, ...],
        rows: list[tuple],
        *,
        conflict: str = "(sourced_id) WHERE NOT (sourced_id = '')",
        update: tuple[str, ...] | None = None,
        extra_insert: dict[str, str] | None = None,
    ) -> None:
        """Insert or update rows by sourcedId; count created, updated, unchanged."""
        if not rows:
            return
        update = update or tuple(c for c in columns if c != "sourced_id")
        extra_insert = extra_insert or {}
        insert_columns = ", ".join(columns + tuple(extra_insert))
        template = (
            "(" + ", ".join(["%s"] * len(columns) + list(extra_insert.values())) + ")"
        )
        sql = (
            f"INSERT INTO {table} AS t ({insert_columns}) VALUES %s "
            f"ON CONFLICT {conflict} DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in update)
            + " WHERE ("
            + ", ".join(f"t.{c}" for c in update)
            + ") IS DISTINCT FROM ("
            + ", ".join(f"EXCLUDED.{c}" for c in update)
            + ") RETURNING (xmax = 0)"
        )
        counts = self.report.counts[entity]
        changed = 0
        for start in range(0, len(rows), PAGE):
            page = rows[start : start + PAGE]
            results = execute_values(
                self.cursor, sql, page, template=template, page_size=PAGE, fetch=True
            )
            for (created,) in results:
                changed += 1
                if created:
                    counts.created += 1
                else:
                    counts.updated += 1
        counts.unchanged += len(rows) - changed

    def _ids(self, table: str, sids: Iterable[str]) -> dict[str, int]:
        sids = list(sids)
        found: dict[str, int] = {}
        for start in range(0, len(sids), 10000):
            self.cursor.execute(
                f"SELECT sourced_id, id FROM {table} WHERE sourced_id = ANY(%s)",
                [sids[start : start + 10000]],
            )
            found.update(self.cursor.fetchall())
        return found

    def _write_orgs(self) -> None:
        districts = {
            sid: org
            for sid, org in self.orgs.items()
            if org.type == "district" and not org.deleted
        }
        if self.scope and not self.scope_district.sourced_id:
            for sid in districts:
                District.objects.filter(pk=self.scope.district_id).update(
                    sourced_id=sid
                )
        if self.scope and self.scope.for_school:
            self.report.counts["districts"].unchanged += len(districts)
        else:
            self._upsert(
                "districts",
                "schools_district",
                ("name", "sourced_id"),
                [(org.name, sid) for sid, org in districts.items()],
            )
        self.district_ids = self._ids("schools_district", self.db_districts)
        self.district_ids.update(self._ids("schools_district", districts))
        for _, district_id, _ in self.db_schools.values():
            self.district_ids.setdefault(f"#{district_id}", district_id)
        schools = {
            sid: org
            for sid, org in self.orgs.items()
            if org.type == "school" and not org.deleted
        }
        rows = []
        for sid, org in schools.items():
            district_id = self.district_ids[self._district_of_org(sid)]
            if sid not in self.db_schools:
                self._adopt_school(sid, org, district_id)
            rows.append((district_id, org.name, True, sid))
        self._upsert(
            "schools",
            "schools_school",
            ("district_id", "name", "is_active", "sourced_id"),
            rows,
            extra_insert={"kind": "'high'", "lowest_grade": "9", "highest_grade": "12"},
        )
        self.school_ids = self._ids(
            "schools_school", list(self.db_schools) + list(schools)
        )

    def _adopt_school(self, sid: str, org: Org, district_id: int) -> None:
        """Give the file's sourcedId to a school entered by hand under that name."""
        match = School.objects.filter(
            district_id=district_id, name__iexact=org.name
        ).first()
        if match is None:
            return
        if match.sourced_id and match.sourced_id != sid:
            self.report.error(
                "orgs.csv",
                org.line,
                "name",
                f"a school named {match.name} already exists with sourcedId "
                f"{match.sourced_id}.",
            )
            raise Refused
        School.objects.filter(pk=match.pk).update(sourced_id=sid)

    def _write_terms_courses_sections(self) -> None:
        cursor = self.cursor
        live_classes = {sid: c for sid, c in self.classes.items() if not c.deleted}
        # Terms: one row per school that uses the session, plus rows already there.
        pairs: set[tuple[int, str]] = set()
        for record in live_classes.values():
            school_id = self.school_ids[record.school]
            pairs.update((school_id, term) for term in record.terms)
        session_sids = [s for s, v in self.sessions.items() if not v.deleted]
        cursor.execute(
            "SELECT school_id, sourced_id FROM schools_term WHERE sourced_id = ANY(%s)",
            [session_sids],
        )
        pairs.update(cursor.fetchall())
        templates = {
            sid: (s.title, s.type, s.start, s.end)
            for sid, s in self.sessions.items()
            if not s.deleted
        }
        missing = {term for _, term in pairs if term not in templates}
        for term in Term.objects.filter(sourced_id__in=missing):
            templates.setdefault(
                term.sourced_id, (term.name, term.kind, term.start_date, term.end_date)
            )
        self._upsert(
            "terms",
            "schools_term",
            (
                "school_id",
                "name",
                "kind",
                "start_date",
                "end_date",
                "is_active",
                "sourced_id",
            ),
            [(school, *templates[term], True, term) for school, term in sorted(pairs)],
            conflict="(school_id, sourced_id) WHERE NOT (sourced_id = '')",
        )
        cursor.execute(
            "SELECT school_id, sourced_id, id FROM schools_term "
            "WHERE sourced_id = ANY(%s)",
            [list({term for _, term in pairs})],
        )
        term_ids = {(school, sid): pk for school, sid, pk in cursor.fetchall()}

        # Courses: per school, as for terms.
        course_pairs: set[tuple[int, str]] = set()
        for record in live_classes.values():
            course_pairs.add((self.school_ids[record.school], record.course))
        for sid, course in self.courses.items():
            if not course.deleted and self._is_school(course.org):
                course_pairs.add((self.school_ids[course.org], sid))
        cursor.execute(
            "SELECT school_id, sourced_id FROM schools_course "
            "WHERE sourced_id = ANY(%s)",
            [[s for s, c in self.courses.items() if not c.deleted]],
        )
        course_pairs.update(cursor.fetchall())
        course_templates = {
            sid: (c.code, c.title, c.subject, c.grades)
            for sid, c in self.courses.items()
            if not c.deleted
        }
        missing = {sid for _, sid in course_pairs if sid not in course_templates}
        for course in Course.objects.filter(sourced_id__in=missing):
            course_templates.setdefault(
                course.sourced_id,
                (course.code, course.title, course.subject, course.grade_levels),
            )
        self._check_course_codes(course_pairs, course_templates)
        self._upsert(
            "courses",
            "schools_course",
            (
                "school_id",
                "code",
                "title",
                "subject",
                "grade_levels",
                "is_active",
                "sourced_id",
            ),
            [
                (school, *course_templates[sid], True, sid)
                for school, sid in sorted(course_pairs)
            ],
            conflict="(school_id, sourced_id) WHERE NOT (sourced_id = '')",
        )
        cursor.execute(
            "SELECT school_id, sourced_id, id FROM schools_course "
            "WHERE sourced_id = ANY(%s)",
            [list({sid for _, sid in course_pairs})],
        )
        course_ids = {(school, sid): pk for school, sid, pk in cursor.fetchall()}

        rows = []
        for sid, record in live_classes.items():
            school_id = self.school_ids[record.school]
            term = min(
                record.terms,
                key=lambda t: record.terms.index(t),
            )
            rows.append(
                (
                    course_ids[(school_id, record.course)],
                    term_ids[(school_id, term)],
                    record.title,
                    record.period,
                    record.room,
                    sid,
                )
            )
        self._upsert(
            "sections",
            "schools_section",
            ("course_id", "term_id", "name", "period", "room", "sourced_id"),
            rows,
        )
        deleted = [sid for sid, c in self.classes.items() if c.deleted]
        if deleted:
            self._end_section_enrollments(deleted)

    def _check_course_codes(
        self, pairs: set[tuple[int, str]], templates: dict[str, tuple]
    ) -> None:
        """Two courses may not share a code in one school; adopt hand-made ones."""
        codes: dict[tuple[int, str], str] = {}
        for school, sid in pairs:
            key = (school, templates[sid][0])
            if key in codes and codes[key] != sid:
                line = self.courses[sid].line if sid in self.courses else None
                self.report.error(
                    "courses.csv",
                    line,
                    "courseCode",
                    f"course code {key[1]} is used by two courses (“{codes[key]}” and "
                    f"“{sid}”) in the same school.",
                )
                raise Refused
            codes[key] = sid
        for course in Course.objects.filter(
            school_id__in={school for school, _ in pairs},
            code__in={code for _, code in codes},
        ):
            sid = codes.get((course.school_id, course.code))
            if sid is None or course.sourced_id == sid:
                continue
            if course.sourced_id:
                line = self.courses[sid].line if sid in self.courses else None
                self.report.error(
                    "courses.csv",
                    line,
                    "courseCode",
                    f"course code {course.code} in {course.school} already belongs "
                    f"to another course (sourcedId {course.sourced_id}).",
                )
                raise Refused
            Course.objects.filter(pk=course.pk).update(sourced_id=sid)

    def _end_section_enrollments(self, section_sids: list[str]) -> None:
        self.cursor.execute(
            "SELECT id FROM schools_section WHERE sourced_id = ANY(%s)",
            [section_sids],
        )
        ids = [pk for (pk,) in self.cursor.fetchall()]
        self._end_sections(ids)
        self.report.counts["sections"].deactivated += len(ids)

    def _end_sections(self, section_ids: list[int]) -> set[int]:
        """End the enrollments and teacher assignments of these sections; the
        sections themselves, and all results, stay. Returns the sections that
        had something to end."""
        cursor = self.cursor
        cursor.execute(
            """
            UPDATE schools_enrollment e
            SET end_date = %s, begin_date = LEAST(COALESCE(e.begin_date, %s), %s)
            WHERE e.section_id = ANY(%s)
              AND (e.end_date IS NULL OR e.end_date >= %s)
            RETURNING e.section_id
            """,
            [self.yesterday, self.yesterday, self.yesterday, section_ids, self.today],
        )
        ended = cursor.fetchall()
        self.report.counts["enrollments"].deactivated += len(ended)
        cursor.execute(
            "DELETE FROM schools_sectionteacher WHERE section_id = ANY(%s) "
            "RETURNING section_id",
            [section_ids],
        )
        removed = cursor.fetchall()
        self.report.counts["teacher_assignments"].deactivated += len(removed)
        return {pk for (pk,) in ended + removed}

    def _deactivate_structure(self) -> None:
        """Schools, sessions and courses marked tobedeleted become inactive, and
        the classes that hang from them end. Nothing is deleted, and a scoped
        import reaches only its own schools."""
        cursor = self.cursor
        schools = sorted(self._scope_school_ids()) if self.scope is not None else None
        limit = "AND (%s::bigint[] IS NULL OR t.school_id = ANY(%s::bigint[]))"
        ended: set[int] = set()
        deleted_schools = [
            sid
            for sid, org in self.orgs.items()
            if org.type == "school" and org.deleted
        ]
        if deleted_schools:
            cursor.execute(
                "SELECT id, is_active FROM schools_school t "
                "WHERE t.sourced_id = ANY(%s) "
                "AND (%s::bigint[] IS NULL OR t.id = ANY(%s::bigint[]))",
                [deleted_schools, schools, schools],
            )
            found = cursor.fetchall()
            cursor.execute(
                "UPDATE schools_school SET is_active = false "
                "WHERE id = ANY(%s) AND is_active",
                [[pk for pk, _ in found]],
            )
            self.report.counts["schools"].deactivated += cursor.rowcount
            cursor.execute(
                "SELECT s.id FROM schools_section s JOIN schools_course c "
                "ON c.id = s.course_id WHERE c.school_id = ANY(%s)",
                [[pk for pk, _ in found]],
            )
            ended |= self._end_sections([pk for (pk,) in cursor.fetchall()])
        for entity, table, records, section_column in (
            ("terms", "schools_term", self.sessions, "term_id"),
            ("courses", "schools_course", self.courses, "course_id"),
        ):
            sids = [sid for sid, record in records.items() if record.deleted]
            if not sids:
                continue
            cursor.execute(
                f"SELECT t.id FROM {table} t WHERE t.sourced_id = ANY(%s) {limit}",
                [sids, schools, schools],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
            cursor.execute(
                f"UPDATE {table} SET is_active = false "
                "WHERE id = ANY(%s) AND is_active",
                [ids],
            )
            self.report.counts[entity].deactivated += cursor.rowcount
            cursor.execute(
                f"SELECT id FROM schools_section WHERE {section_column} = ANY(%s)",
                [ids],
            )
            ended |= self._end_sections([pk for (pk,) in cursor.fetchall()])
        self.report.counts["sections"].deactivated += len(ended)

    # -- people ------------------------------------------------------------------

    def _write_people(self) -> None:
        if not self.people:
            self._write_demographics()
            return
        self._copy(
            "or_person",
            "sourced_id, kind, deleted",
            ((sid, p.kind, p.deleted) for sid, p in self.people.items() if p.kind),
        )
        self.cursor.execute("ANALYZE or_person")
        self._write_students()
        self._write_staff()
        self._write_guardians()
        self._write_demographics()

    def _write_students(self) -> None:
        rows = []
        school_of_existing = {}
        delta_sids = [
            sid
            for sid, p in self.people.items()
            if p.kind == "student" and not p.deleted and not p.roles
        ]
        if delta_sids:
            school_of_existing = dict(
                Student.objects.filter(sourced_id__in=delta_sids).values_list(
                    "sourced_id", "school_id"
                )
            )
        for sid, person in self.people.items():
            if person.kind != "student" or person.deleted:
                continue
            school = self._student_school(person)
            school_id = self.school_ids[school] if school else school_of_existing[sid]
            rows.append(
                (
                    school_id,
                    person.identifier or sid,
                    person.given,
                    person.preferred,
                    person.family,
                    GRADES.get(person.grade.lower()),
                    person.email,
                    True,
                    sid,
                )
            )
        self._adopt(
            "schools_student",
            "school_id, local_id",
            [(r[0], r[1], r[-1]) for r in rows],
        )
        self._upsert(
            "students",
            "schools_student",
            (
                "school_id",
                "local_id",
                "first_name",
                "preferred_name",
                "last_name",
                "grade_level",
                "email",
                "is_active",
                "sourced_id",
            ),
            rows,
            extra_insert={"gender": "''", "ethnicity": "''"},
        )

    def _adopt(self, table: str, key: str, rows: list[tuple]) -> None:
        """Give sourcedIds to records entered by hand that match on their own key."""
        if not rows:
            return
        columns = key.split(", ")
        match = " AND ".join(f"t.{c} = v.{c}" for c in columns)
        for start in range(0, len(rows), PAGE):
            execute_values(
                self.cursor,
                f"UPDATE {table} t SET sourced_id = v.sid FROM (VALUES %s) "
                f"AS v({key}, sid) WHERE {match} AND t.sourced_id = '' "
                f"AND NOT EXISTS (SELECT 1 FROM {table} o WHERE o.sourced_id = v.sid)",
                rows[start : start + PAGE],
                page_size=PAGE,
            )

    def _write_staff(self) -> None:
        staff = {
            sid: p
            for sid, p in self.people.items()
            if p.kind == "staff" and not p.deleted
        }
        rows = [
            (p.email, p.given, p.family, p.enabled, sid)
            for sid, p in staff.items()
            if p.email
        ]
        if rows:
            execute_values(
                self.cursor,
                "UPDATE accounts_user t SET sourced_id = v.sid FROM (VALUES %s) "
                "AS v(email, sid) WHERE lower(t.email) = v.email "
                "AND t.sourced_id = ''",
                [(p.email, sid) for sid, p in staff.items() if p.email],
                page_size=PAGE,
            )
        # Imported staff get no password: an admin sends them a link to set one.
        self._upsert(
            "staff",
            "accounts_user",
            ("email", "first_name", "last_name", "is_active", "sourced_id"),
            rows,
            extra_insert={
                "password": "'!' || md5(random()::text || clock_timestamp()::text)",
                "title": "''",
                "is_staff": "false",
                "is_superuser": "false",
                "date_joined": "now()",
            },
        )
        # Staff without an e-mail get a stand-in address that receives nothing;
        # an address saved earlier is kept.
        self._upsert(
            "staff",
            "accounts_user",
            ("email", "first_name", "last_name", "is_active", "sourced_id"),
            [
                (no_email_address(sid), p.given, p.family, p.enabled, sid)
                for sid, p in staff.items()
                if not p.email
            ],
            update=("first_name", "last_name", "is_active"),
            extra_insert={
                "password": "'!' || md5(random()::text || clock_timestamp()::text)",
                "title": "''",
                "is_staff": "false",
                "is_superuser": "false",
                "date_joined": "now()",
            },
        )
        # Roles: exactly those the file gives, inside what this import may touch.
        user_ids = self._ids("accounts_user", staff)
        wanted = set()
        for sid, person in staff.items():
            for role in person.roles:
                if role.role in UNUSED_ROLES or role.role == "student":
                    continue
                if role.role in GUARDIAN_ROLES:
                    continue
                app_role = self._app_role(role)
                if app_role == Role.DISTRICT_ADMIN:
                    district = self._district_of_org(role.org)
                    wanted.add(
                        (user_ids[sid], app_role, self.district_ids[district], None)
                    )
                elif self._is_school(role.org):
                    school_id = self.school_ids[role.org]
                    district = self._district_of_org(role.org)
                    wanted.add(
                        (
                            user_ids[sid],
                            app_role,
                            self.district_ids[district],
                            school_id,
                        )
                    )
        counts = self.report.counts["staff_roles"]
        if wanted:
            results = execute_values(
                self.cursor,
                "INSERT INTO schools_staffrole AS t (user_id, role, district_id, "
                "school_id, is_active) VALUES %s ON CONFLICT ON CONSTRAINT "
                "staff_role_unique DO UPDATE SET is_active = true "
                "WHERE NOT t.is_active RETURNING (xmax = 0)",
                [(*w, True) for w in wanted],
                page_size=PAGE,
                fetch=True,
            )
            for (created,) in results:
                if created:
                    counts.created += 1
                else:
                    counts.updated += 1
            counts.unchanged += len(wanted) - len(results)
        # Roles the file no longer gives these people end, within reach: for an
        # unscoped import, within the districts the file speaks of.
        if self.scope is None:
            role_scope = "r.district_id = ANY(%s)"
            role_params = [list(self._scope_district_ids() | {w[2] for w in wanted})]
        else:
            role_scope, role_params = self._role_scope_sql(), self._role_scope_params()
        if user_ids:
            self.cursor.execute(
                "CREATE TEMPORARY TABLE or_role (user_id bigint, role text, "
                "district_id bigint, school_id bigint) ON COMMIT DROP"
            )
            if wanted:
                execute_values(
                    self.cursor,
                    "INSERT INTO or_role VALUES %s",
                    list(wanted),
                    page_size=PAGE,
                )
            self.cursor.execute(
                f"""
                UPDATE schools_staffrole r SET is_active = false
                WHERE r.is_active AND r.user_id = ANY(%s) AND {role_scope}
                  AND NOT EXISTS (
                    SELECT 1 FROM or_role w WHERE w.user_id = r.user_id
                      AND w.role = r.role AND w.district_id = r.district_id
                      AND w.school_id IS NOT DISTINCT FROM r.school_id)
                """,
                [list(user_ids.values()), *role_params],
            )
            counts.deactivated += self.cursor.rowcount

    def _role_scope_sql(self, *, bulk: bool = True) -> str:
        if self.scope is None and not bulk:
            return "TRUE"
        if self.scope is None:
            return (
                "(r.school_id = ANY(%s) "
                "OR (r.school_id IS NULL AND r.district_id = ANY(%s)))"
            )
        if self.scope.for_school:
            return "r.school_id = %s"
        return "r.district_id = %s"

    def _role_scope_params(self, *, bulk: bool = True) -> list:
        if self.scope is None and not bulk:
            return []
        if self.scope is None:
            return [list(self._scope_school_ids()), list(self._scope_district_ids())]
        if self.scope.for_school:
            return [self.scope.school_id]
        return [self.scope.district_id]

    def _scope_district_ids(self) -> set[int]:
        if self.scope:
            return {self.scope.district_id}
        return {
            self.district_ids[sid]
            for sid, org in self.orgs.items()
            if org.type in {"district", "school"}
            for sid in [self._district_of_org(sid)]
            if sid in self.district_ids
        }

    def _school_limit(self, *, bulk: bool) -> list[int] | None:
        """Schools a deactivation may reach; None when a delta names its records."""
        if self.scope is None and not bulk:
            return None
        return list(self._scope_school_ids())

    def _scope_school_ids(self) -> set[int]:
        """The schools whose imported records a bulk file speaks for in full."""
        if self.scope and self.scope.for_school:
            return {self.scope.school_id}
        districts = self._scope_district_ids()
        return set(
            School.objects.filter(district_id__in=districts).values_list(
                "pk", flat=True
            )
        )

    def _write_guardians(self) -> None:
        guardians = {
            sid: p
            for sid, p in self.people.items()
            if p.kind == "guardian" and not p.deleted
        }
        rows = []
        for sid, person in guardians.items():
            role = (
                next(r for r in person.roles if r.role in GUARDIAN_ROLES)
                if (person.roles)
                else None
            )
            if role is None:
                continue
            district = self._district_of_org(role.org)
            rows.append(
                (
                    self.district_ids[district],
                    person.given,
                    person.family,
                    person.email,
                    person.phone,
                    GUARDIAN_ROLES[role.role],
                    True,
                    sid,
                )
            )
        self._upsert(
            "guardians",
            "schools_guardian",
            (
                "district_id",
                "first_name",
                "last_name",
                "email",
                "phone",
                "relationship",
                "is_active",
                "sourced_id",
            ),
            rows,
            extra_insert={"preferred_language": "''"},
        )
        # Links go both ways in OneRoster: a guardian's agents are their
        # students, and a student's agents are their guardians.
        links = set()
        for sid, person in self.people.items():
            if person.deleted:
                continue
            for agent in person.agents:
                if person.kind == "guardian":
                    links.add((sid, agent))
                elif person.kind == "student":
                    links.add((agent, sid))
        self.cursor.execute(
            "CREATE TEMPORARY TABLE or_link (guardian_sid text, student_sid text) "
            "ON COMMIT DROP"
        )
        self._copy("or_link", "guardian_sid, student_sid", links)
        self.cursor.execute(
            """
            SELECT l.guardian_sid, l.student_sid FROM or_link l
            WHERE NOT EXISTS (SELECT 1 FROM schools_guardian g
                              WHERE g.sourced_id = l.guardian_sid)
               OR NOT EXISTS (SELECT 1 FROM schools_student s
                              WHERE s.sourced_id = l.student_sid)
            LIMIT 1000
            """
        )
        dangling = self.cursor.fetchall()
        if dangling:
            sample = ", ".join(
                sorted(
                    {g for g, _ in dangling}
                    | {s for _, s in dangling}
                    - set(guardians)
                    - {sid for sid, p in self.people.items() if p.kind == "student"}
                )
            )[:300]
            self.report.warn(
                "users.csv",
                None,
                "agentSourcedIds",
                f"{len(dangling)} guardian links name someone who is not a guardian "
                f"or student in this import or already imported ({sample}); those "
                "links were skipped.",
            )
        counts = self.report.counts["guardian_links"]
        self.cursor.execute(
            """
            INSERT INTO schools_guardian_students (guardian_id, student_id)
            SELECT g.id, s.id FROM or_link l
            JOIN schools_guardian g ON g.sourced_id = l.guardian_sid
            JOIN schools_student s ON s.sourced_id = l.student_sid
            ON CONFLICT DO NOTHING
            """
        )
        counts.created += self.cursor.rowcount
        counts.unchanged += len(links) - len(dangling) - self.cursor.rowcount
        # A guardian row lists all of that guardian's students, so links it no
        # longer lists end; a student's own list only ever adds links, since
        # many systems leave it empty.
        self.cursor.execute(
            """
            DELETE FROM schools_guardian_students gs
            USING schools_guardian g, schools_student s
            WHERE gs.guardian_id = g.id AND gs.student_id = s.id
              AND EXISTS (SELECT 1 FROM or_person p WHERE p.sourced_id = g.sourced_id
                          AND p.kind = 'guardian' AND NOT p.deleted)
              AND NOT EXISTS (SELECT 1 FROM or_link l
                              WHERE l.guardian_sid = g.sourced_id
                                AND l.student_sid = s.sourced_id)
            """
        )
        counts.deactivated += self.cursor.rowcount

    def _write_demographics(self) -> None:
        if not self.demographics:
            return
        counts = self.report.counts["demographics"]
        students = self._ids("schools_student", self.demographics)
        rows = []
        for sid, demo in self.demographics.items():
            if sid not in students:
                person = self.people.get(sid)
                if person is None or person.kind == "":
                    self.report.error(
                        "demographics.csv",
                        demo.line,
                        "sourcedId",
                        f"user “{sid}” is neither in users.csv nor already imported.",
                    )
                continue
            if demo.deleted:
                rows.append((students[sid], None, "", ""))
            else:
                rows.append(
                    (students[sid], demo.birth_date, demo.gender, demo.ethnicity)
                )
        if not self.report.ok:
            raise Refused
        changed = 0
        for start in range(0, len(rows), PAGE):
            results = execute_values(
                self.cursor,
                "UPDATE schools_student t SET birth_date = v.b, gender = v.g, "
                "ethnicity = v.e FROM (VALUES %s) AS v(id, b, g, e) "
                "WHERE t.id = v.id AND (t.birth_date, t.gender, t.ethnicity) "
                "IS DISTINCT FROM (v.b, v.g, v.e) RETURNING 1",
                rows[start : start + PAGE],
                template="(%s, %s::date, %s, %s)",
                page_size=PAGE,
                fetch=True,
            )
            changed += len(results)
        counts.updated += changed
        counts.unchanged += len(rows) - changed

    # -- enrollments -------------------------------------------------------------

    def _write_enrollments(self) -> None:
        if "enrollments.csv" not in self.modes:
            return
        cursor = self.cursor
        cursor.execute(
            """
            CREATE TEMPORARY TABLE or_enrollment_ids ON COMMIT DROP AS
            SELECT e.sourced_id, e.deleted, e.role, e.is_primary, e.begin_date,
                   e.end_date, sec.id AS section_id,
                   CASE WHEN e.role = 'student' THEN st.id ELSE u.id END AS person_id
            FROM or_enrollment e
            JOIN schools_section sec ON sec.sourced_id = e.class_sid
            LEFT JOIN schools_student st
                   ON e.role = 'student' AND st.sourced_id = e.user_sid
            LEFT JOIN accounts_user u
                   ON e.role <> 'student' AND u.sourced_id = e.user_sid;
            CREATE INDEX ON or_enrollment_ids (sourced_id);
            ANALYZE or_enrollment_ids;
            """
        )
        # An enrollment id that the file now gives to another student or class:
        # the enrollment it named before ends and lets go of the id, so the one
        # the file now means can take it (or adopt a row it already has)
        # without meeting a row of the same student and class.
        cursor.execute(
            """
            UPDATE schools_enrollment t
            SET sourced_id = '',
                end_date = LEAST(COALESCE(t.end_date, %s), %s),
                begin_date = LEAST(COALESCE(t.begin_date, %s), %s)
            FROM or_enrollment_ids r
            WHERE r.role = 'student' AND NOT r.deleted AND r.person_id IS NOT NULL
              AND t.sourced_id = r.sourced_id
              AND (t.student_id, t.section_id) <> (r.person_id, r.section_id)
            """,
            [self.yesterday] * 4,
        )
        self.report.counts["enrollments"].deactivated += cursor.rowcount
        # Adopt hand-made enrollments of the same student in the same section.
        cursor.execute(
            """
            UPDATE schools_enrollment t SET sourced_id = r.sourced_id
            FROM or_enrollment_ids r
            WHERE r.role = 'student' AND NOT r.deleted
              AND t.student_id = r.person_id AND t.section_id = r.section_id
              AND t.sourced_id <> r.sourced_id
              AND NOT EXISTS (SELECT 1 FROM schools_enrollment o
                              WHERE o.sourced_id = r.sourced_id)
              AND NOT EXISTS (SELECT 1 FROM or_enrollment_ids o
                              WHERE o.sourced_id = t.sourced_id)
            """
        )
        cursor.execute(
            """
            WITH up AS (
                INSERT INTO schools_enrollment AS t
                    (student_id, section_id, begin_date, end_date, sourced_id)
                SELECT person_id, section_id, begin_date, end_date, sourced_id
                FROM or_enrollment_ids
                WHERE role = 'student' AND NOT deleted AND person_id IS NOT NULL
                ON CONFLICT (sourced_id) WHERE NOT (sourced_id = '') DO UPDATE SET
                    student_id = EXCLUDED.student_id,
                    section_id = EXCLUDED.section_id,
                    begin_date = EXCLUDED.begin_date,
                    end_date = EXCLUDED.end_date
                WHERE (t.student_id, t.section_id, t.begin_date, t.end_date)
                    IS DISTINCT FROM (EXCLUDED.student_id, EXCLUDED.section_id,
                                      EXCLUDED.begin_date, EXCLUDED.end_date)
                RETURNING (xmax = 0) AS created
            )
            SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created)
            FROM up
            """
        )
        created, updated = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM or_enrollment_ids "
            "WHERE role = 'student' AND NOT deleted"
        )
        counts = self.report.counts["enrollments"]
        counts.created += created
        counts.updated += updated
        counts.unchanged += cursor.fetchone()[0] - created - updated

        # The same for a teacher's assignment: the one the id named before ends.
        cursor.execute(
            """
            DELETE FROM schools_sectionteacher t
            USING or_enrollment_ids r
            WHERE r.role = 'teacher' AND NOT r.deleted AND r.person_id IS NOT NULL
              AND t.sourced_id = r.sourced_id
              AND (t.teacher_id, t.section_id) <> (r.person_id, r.section_id)
            """
        )
        self.report.counts["teacher_assignments"].deactivated += cursor.rowcount
        cursor.execute(
            """
            UPDATE schools_sectionteacher t SET sourced_id = r.sourced_id
            FROM or_enrollment_ids r
            WHERE r.role = 'teacher' AND NOT r.deleted
              AND t.teacher_id = r.person_id AND t.section_id = r.section_id
              AND t.sourced_id <> r.sourced_id
              AND NOT EXISTS (SELECT 1 FROM schools_sectionteacher o
                              WHERE o.sourced_id = r.sourced_id)
              AND NOT EXISTS (SELECT 1 FROM or_enrollment_ids o
                              WHERE o.sourced_id = t.sourced_id)
            """
        )
        cursor.execute(
            """
            WITH up AS (
                INSERT INTO schools_sectionteacher AS t
                    (teacher_id, section_id, is_primary, sourced_id)
                SELECT person_id, section_id, is_primary, sourced_id
                FROM or_enrollment_ids
                WHERE role = 'teacher' AND NOT deleted AND person_id IS NOT NULL
                ON CONFLICT (sourced_id) WHERE NOT (sourced_id = '') DO UPDATE SET
                    teacher_id = EXCLUDED.teacher_id,
                    section_id = EXCLUDED.section_id,
                    is_primary = EXCLUDED.is_primary
                WHERE (t.teacher_id, t.section_id, t.is_primary)
                    IS DISTINCT FROM (EXCLUDED.teacher_id, EXCLUDED.section_id,
                                      EXCLUDED.is_primary)
                RETURNING (xmax = 0) AS created
            )
            SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created)
            FROM up
            """
        )
        created, updated = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM or_enrollment_ids "
            "WHERE role = 'teacher' AND NOT deleted"
        )
        counts = self.report.counts["teacher_assignments"]
        counts.created += created
        counts.updated += updated
        counts.unchanged += cursor.fetchone()[0] - created - updated

        # Enrollments that end: marked tobedeleted, or missing from a bulk file.
        bulk = self.modes["enrollments.csv"] == "bulk"
        if bulk:
            gone = (
                "NOT EXISTS (SELECT 1 FROM or_enrollment_ids o "
                "WHERE o.sourced_id = t.sourced_id AND NOT o.deleted)"
            )
        else:
            gone = (
                "EXISTS (SELECT 1 FROM or_enrollment_ids o "
                "WHERE o.sourced_id = t.sourced_id AND o.deleted)"
            )
        schools = self._school_limit(bulk=bulk)
        in_scope = (
            "AND t.section_id IN (SELECT s.id FROM schools_section s JOIN "
            "schools_course c ON c.id = s.course_id WHERE c.school_id = ANY(%s))"
            if schools is not None
            else ""
        )
        cursor.execute(
            f"""
            UPDATE schools_enrollment t
            SET end_date = %s, begin_date = LEAST(COALESCE(t.begin_date, %s), %s)
            WHERE t.sourced_id <> '' AND (t.end_date IS NULL OR t.end_date >= %s)
              AND {gone} {in_scope}
            """,
            [self.yesterday, self.yesterday, self.yesterday, self.today]
            + ([schools] if schools is not None else []),
        )
        self.report.counts["enrollments"].deactivated += cursor.rowcount
        cursor.execute(
            f"DELETE FROM schools_sectionteacher t WHERE t.sourced_id <> '' "
            f"AND {gone} {in_scope}",
            [schools] if schools is not None else [],
        )
        self.report.counts["teacher_assignments"].deactivated += cursor.rowcount

    def _deactivate_people(self) -> None:
        if "users.csv" not in self.modes:
            return
        cursor = self.cursor
        bulk = self.modes["users.csv"] == "bulk"
        if bulk:
            gone = (
                "NOT EXISTS (SELECT 1 FROM or_person p "
                "WHERE p.sourced_id = t.sourced_id AND NOT p.deleted)"
            )
        else:
            gone = (
                "EXISTS (SELECT 1 FROM or_person p "
                "WHERE p.sourced_id = t.sourced_id AND p.deleted)"
            )
        schools = self._school_limit(bulk=bulk)
        cursor.execute(
            f"""
            UPDATE schools_student t SET is_active = false
            WHERE t.is_active AND t.sourced_id <> '' AND {gone}
              AND (%s::bigint[] IS NULL OR t.school_id = ANY(%s::bigint[]))
            RETURNING t.id
            """,
            [schools, schools],
        )
        student_ids = [pk for (pk,) in cursor.fetchall()]
        self.report.counts["students"].deactivated += len(student_ids)
        if student_ids:
            cursor.execute(
                """
                UPDATE schools_enrollment
                SET end_date = %s, begin_date = LEAST(COALESCE(begin_date, %s), %s)
                WHERE student_id = ANY(%s) AND (end_date IS NULL OR end_date >= %s)
                """,
                [
                    self.yesterday,
                    self.yesterday,
                    self.yesterday,
                    student_ids,
                    self.today,
                ],
            )
            self.report.counts["enrollments"].deactivated += cursor.rowcount

        # Staff: their roles within reach end; the account closes when no role
        # anywhere is left, so a person who also works elsewhere keeps access.
        cursor.execute(
            f"""
            UPDATE schools_staffrole r SET is_active = false
            FROM accounts_user t
            WHERE r.user_id = t.id AND r.is_active AND t.sourced_id <> '' AND {gone}
              AND {self._role_scope_sql(bulk=bulk)}
            RETURNING r.user_id
            """,
            self._role_scope_params(bulk=bulk),
        )
        user_ids = sorted({pk for (pk,) in cursor.fetchall()})
        self.report.counts["staff_roles"].deactivated += cursor.rowcount
        if not bulk:
            cursor.execute(
                f"SELECT t.id FROM accounts_user t WHERE t.is_active AND {gone}"
            )
            user_ids = sorted(set(user_ids) | {pk for (pk,) in cursor.fetchall()})
        if user_ids:
            cursor.execute(
                "DELETE FROM schools_sectionteacher st USING schools_section s, "
                "schools_course c WHERE st.section_id = s.id AND s.course_id = c.id "
                "AND st.teacher_id = ANY(%s) "
                "AND (%s::bigint[] IS NULL OR c.school_id = ANY(%s::bigint[]))",
                [user_ids, schools, schools],
            )
            self.report.counts["teacher_assignments"].deactivated += cursor.rowcount
            cursor.execute(
                """
                UPDATE accounts_user u SET is_active = false
                WHERE u.id = ANY(%s) AND u.is_active AND NOT EXISTS (
                    SELECT 1 FROM schools_staffrole r
                    WHERE r.user_id = u.id AND r.is_active)
                """,
                [user_ids],
            )
            self.report.counts["staff"].deactivated += cursor.rowcount

        if self.scope and self.scope.for_school:
            guardian_scope = (
                "EXISTS (SELECT 1 FROM schools_guardian_students gs JOIN "
                "schools_student s ON s.id = gs.student_id WHERE gs.guardian_id = t.id "
                "AND s.school_id = %s) AND NOT EXISTS (SELECT 1 FROM "
                "schools_guardian_students gs JOIN schools_student s ON "
                "s.id = gs.student_id WHERE gs.guardian_id = t.id "
                "AND s.school_id <> %s)"
            )
            params = [self.scope.school_id, self.scope.school_id]
        elif self.scope is None and not bulk:
            guardian_scope, params = "TRUE", []
        else:
            guardian_scope = "t.district_id = ANY(%s)"
            params = [list(self._scope_district_ids())]
        cursor.execute(
            f"""
            UPDATE schools_guardian t SET is_active = false
            WHERE t.is_active AND t.sourced_id <> '' AND {gone} AND {guardian_scope}
            """,
            params,
        )
        self.report.counts["guardians"].deactivated += cursor.rowcount

    def _final_warnings(self) -> None:
        left_out = sum(
            1 for p in self.people.values() if not p.kind and not p.deleted and p.roles
        )
        if left_out:
            self.report.warn(
                "users.csv",
                None,
                "role",
                f"{left_out} people have only roles the app does not use (proctor, "
                "systemAdministrator); they were not imported.",
            )


def no_email_address(sourced_id: str) -> str:
    """A unique address for staff imported without one, derived from the
    sourcedId so a re-import finds the same account."""
    digest = hashlib.sha256(sourced_id.encode()).hexdigest()[:24]
    return f"staff-{digest}@{NO_EMAIL_DOMAIN}"


def counts_total(counts: dict[str, Counts]) -> int:
    return sum(c.created + c.updated + c.deactivated for c in counts.values())
