"""Demo district: realistic, deterministic for a seed, and fast at any size.

Stevenson High School (modeled on Adlai E. Stevenson High School: 4,000 students,
course teams) and Boones Mill Elementary (400 students, grade-level teams), plus
optional extra schools so benchmarks can build a 50,000-student district. Dates
are relative to today: the current school year is the one containing today.
"""

from __future__ import annotations

import datetime
import random
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from schools.demo_names import FIRST_NAMES, LAST_NAMES
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

DEMO_PASSWORD = "plc-demo-2026"  # noqa: S105 - printed for demo logins
DISTRICT_NAME = "Lakeside Unified School District"
BATCH = 5000


@dataclass(frozen=True)
class CourseSpec:
    code: str
    title: str
    subject: str
    grade: int


@dataclass
class SchoolSpec:
    name: str
    slug: str  # e-mail domain part: teacher@<slug>.example
    kind: str
    grades: tuple[int, ...]
    students: int
    courses: tuple[CourseSpec, ...]
    section_size: int
    sections_per_teacher: int
    id_base: int
    demo_logins: bool = False
    extra: dict = field(default_factory=dict)


HIGH_SCHOOL_COURSES = (
    CourseSpec("ALG1", "Algebra 1", "Mathematics", 9),
    CourseSpec("ENG9", "English 9", "English", 9),
    CourseSpec("BIO", "Biology", "Science", 9),
    CourseSpec("WHIST", "World History", "Social Studies", 9),
    CourseSpec("GEOM", "Geometry", "Mathematics", 10),
    CourseSpec("ENG10", "English 10", "English", 10),
    CourseSpec("CHEM", "Chemistry", "Science", 10),
    CourseSpec("CIV", "Civics and Economics", "Social Studies", 10),
    CourseSpec("ALG2", "Algebra 2", "Mathematics", 11),
    CourseSpec("ENG11", "American Literature", "English", 11),
    CourseSpec("PHYS", "Physics", "Science", 11),
    CourseSpec("USHIST", "US History", "Social Studies", 11),
    CourseSpec("PRECALC", "Precalculus", "Mathematics", 12),
    CourseSpec("ENG12", "British Literature", "English", 12),
    CourseSpec("ENVSCI", "Environmental Science", "Science", 12),
    CourseSpec("GOV", "Government", "Social Studies", 12),
)

MIDDLE_SCHOOL_COURSES = tuple(
    CourseSpec(f"{code}{grade}", f"{title} {grade}", subject, grade)
    for grade in (6, 7, 8)
    for code, title, subject in (
        ("MATH", "Math", "Mathematics"),
        ("ELA", "English Language Arts", "English"),
        ("SCI", "Science", "Science"),
        ("SS", "Social Studies", "Social Studies"),
    )
)

ELEMENTARY_COURSES = tuple(
    CourseSpec(
        f"{'K' if grade == 0 else grade}-{code}",
        f"{'Kindergarten' if grade == 0 else f'Grade {grade}'} {title}",
        subject,
        grade,
    )
    for grade in range(0, 6)
    for code, title, subject in (
        ("MATH", "Mathematics", "Mathematics"),
        ("READ", "Reading", "English"),
    )
)


def stevenson(students: int) -> SchoolSpec:
    return SchoolSpec(
        name="Stevenson High School",
        slug="stevenson",
        kind=School.Kind.HIGH,
        grades=(9, 10, 11, 12),
        students=students,
        courses=HIGH_SCHOOL_COURSES,
        section_size=30,
        sections_per_teacher=5,
        id_base=100000,
        demo_logins=True,
    )


def boones_mill(students: int = 400) -> SchoolSpec:
    return SchoolSpec(
        name="Boones Mill Elementary School",
        slug="boonesmill",
        kind=School.Kind.ELEMENTARY,
        grades=(0, 1, 2, 3, 4, 5),
        students=students,
        courses=ELEMENTARY_COURSES,
        section_size=23,
        sections_per_teacher=2,  # a homeroom teacher teaches its math and reading
        id_base=500000,
        demo_logins=True,
    )


EXTRA_SCHOOL_NAMES = (
    "Cedar Ridge",
    "Maple Grove",
    "Riverbend",
    "Oak Hollow",
    "Pine Crest",
    "Willow Creek",
    "Eagle Point",
    "Fox Run",
    "Harbor View",
    "Juniper",
    "Lincoln",
    "Meadowbrook",
    "North Shore",
    "Prairie Wind",
    "Quarry Hill",
    "Sunset Ridge",
    "Timberline",
    "Valley Forge",
    "West Haven",
    "Stonebridge",
)


def extra_schools(total_students: int, already: int) -> list[SchoolSpec]:
    """More schools, in a high/middle/elementary mix, until the district is full."""
    specs: list[SchoolSpec] = []
    remaining = total_students - already
    pattern = (
        ("high", 2000),
        ("middle", 900),
        ("elementary", 450),
        ("elementary", 450),
    )
    index = 0
    while remaining > 0:
        kind, size = pattern[index % len(pattern)]
        size = min(size, remaining)
        base = EXTRA_SCHOOL_NAMES[index % len(EXTRA_SCHOOL_NAMES)]
        suffix = (
            f" {index // len(EXTRA_SCHOOL_NAMES) + 1}"
            if index >= len(EXTRA_SCHOOL_NAMES)
            else ""
        )
        label = {"high": "High School", "middle": "Middle School"}.get(
            kind, "Elementary School"
        )
        slug = f"{ascii_slug(base)}{ascii_slug(suffix)}{kind[0]}"
        if kind == "high":
            courses, grades, section_size, per_teacher = (
                HIGH_SCHOOL_COURSES,
                (9, 10, 11, 12),
                30,
                5,
            )
        elif kind == "middle":
            courses, grades, section_size, per_teacher = (
                MIDDLE_SCHOOL_COURSES,
                (6, 7, 8),
                28,
                5,
            )
        else:
            courses, grades, section_size, per_teacher = (
                ELEMENTARY_COURSES,
                tuple(range(6)),
                23,
                2,
            )
        specs.append(
            SchoolSpec(
                name=f"{base}{suffix} {label}",
                slug=slug,
                kind=kind,
                grades=grades,
                students=size,
                courses=courses,
                section_size=section_size,
                sections_per_teacher=per_teacher,
                id_base=1_000_000 + index * 10_000,
            )
        )
        remaining -= size
        index += 1
    return specs


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def school_year(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The school year containing today: mid-August to mid-June, summer included."""
    start_year = today.year if today.month >= 8 else today.year - 1
    return datetime.date(start_year, 8, 15), datetime.date(start_year + 1, 8, 14)


@dataclass
class DemoLogin:
    role: str
    email: str
    school: str


class DemoBuilder:
    def __init__(self, *, seed: int, today: datetime.date | None = None):
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()
        self.password_hash = make_password(DEMO_PASSWORD)
        self.used_emails: set[str] = set()
        self.logins: list[DemoLogin] = []

    # People ---------------------------------------------------------------

    def person_name(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def staff_email(self, first: str, last: str, slug: str) -> str:
        stem = f"{ascii_slug(first)}.{ascii_slug(last)}"
        email, n = f"{stem}@{slug}.example", 1
        while email in self.used_emails:
            n += 1
            email = f"{stem}{n}@{slug}.example"
        self.used_emails.add(email)
        return email

    def new_staff(self, slug: str, count: int) -> list[User]:
        users = []
        for _ in range(count):
            first, last = self.person_name()
            users.append(
                User(
                    email=self.staff_email(first, last, slug),
                    first_name=first,
                    last_name=last,
                    password=self.password_hash,
                )
            )
        return users

    def make_demo_login(
        self, user: User, role: str, spec_slug: str, school: str
    ) -> None:
        email = f"{role}@{spec_slug}.example"
        self.used_emails.add(email)
        user.email = email
        self.logins.append(DemoLogin(role=role, email=email, school=school))

    # Schools --------------------------------------------------------------

    def build(
        self, *, high_school_students: int, district_students: int | None
    ) -> District:
        with transaction.atomic():
            district = District.objects.create(
                name=DISTRICT_NAME, sourced_id="demo-district"
            )
            admin_first, admin_last = self.person_name()
            admin = User(
                email="admin@lakeside.example",
                first_name=admin_first,
                last_name=admin_last,
                password=self.password_hash,
                is_staff=True,
                is_superuser=True,
            )
            admin.save()
            self.used_emails.add(admin.email)
            self.logins.append(
                DemoLogin(
                    role=Role.DISTRICT_ADMIN, email=admin.email, school=DISTRICT_NAME
                )
            )
            StaffRole.objects.create(
                user=admin, role=Role.DISTRICT_ADMIN, district=district
            )
            specs = [stevenson(high_school_students), boones_mill()]
            total = sum(spec.students for spec in specs)
            if district_students and district_students > total:
                specs += extra_schools(district_students, total)
            for spec in specs:
                self.build_school(district, spec)
        return district

    def build_school(self, district: District, spec: SchoolSpec) -> School:
        rng = self.rng
        school = School.objects.create(
            district=district,
            name=spec.name,
            kind=spec.kind,
            lowest_grade=min(spec.grades),
            highest_grade=max(spec.grades),
            sourced_id=f"demo-{spec.slug}",
        )
        year_start, year_end = school_year(self.today)
        year = Term.objects.create(
            school=school,
            name=f"{year_start.year}–{str(year_end.year)[-2:]} school year",
            kind=Term.Kind.SCHOOL_YEAR,
            start_date=year_start,
            end_date=year_end,
        )
        Term.objects.bulk_create(
            [
                Term(
                    school=school,
                    name=f"Semester 1 {year_start.year}",
                    kind=Term.Kind.SEMESTER,
                    start_date=year_start,
                    end_date=datetime.date(year_start.year, 12, 31),
                ),
                Term(
                    school=school,
                    name=f"Semester 2 {year_end.year}",
                    kind=Term.Kind.SEMESTER,
                    start_date=datetime.date(year_end.year, 1, 1),
                    end_date=year_end,
                ),
            ]
        )
        courses = Course.objects.bulk_create(
            [
                Course(
                    school=school,
                    code=c.code,
                    title=c.title,
                    subject=c.subject,
                    grade_levels=str(c.grade) if c.grade else "K",
                )
                for c in spec.courses
            ]
        )
        course_grade = {
            course.pk: spec_c.grade
            for course, spec_c in zip(courses, spec.courses, strict=True)
        }

        # Students, spread evenly over the grades.
        students = []
        for i in range(spec.students):
            first, last = self.person_name()
            grade = spec.grades[i % len(spec.grades)]
            students.append(
                Student(
                    school=school,
                    local_id=str(spec.id_base + i),
                    first_name=first,
                    last_name=last,
                    grade_level=grade,
                    birth_date=datetime.date(year_start.year - 6 - grade, 1, 1)
                    + datetime.timedelta(days=rng.randrange(365)),
                    gender=rng.choice(
                        ["female", "male", "female", "male", "nonbinary", ""]
                    ),
                    ethnicity=rng.choices(
                        [
                            "White",
                            "Hispanic or Latino",
                            "Black or African American",
                            "Asian",
                            "Two or more races",
                            "American Indian or Alaska Native",
                        ],
                        weights=[45, 25, 13, 10, 6, 1],
                    )[0],
                    english_learner=rng.random() < 0.1,
                    special_education=rng.random() < 0.12,
                    economically_disadvantaged=rng.random() < 0.35,
                )
            )

        # Staff: principal, counselors by alphabet, interventionists, teachers.
        counselor_count = max(1, round(spec.students / 400))
        principal, *counselors = self.new_staff(spec.slug, 1 + counselor_count)
        interventionists = self.new_staff(spec.slug, max(1, spec.students // 1300))
        sections_by_course: dict[int, int] = {}
        for course, c in zip(courses, spec.courses, strict=True):
            in_grade = sum(1 for s in students if s.grade_level == c.grade)
            sections_by_course[course.pk] = max(1, -(-in_grade // spec.section_size))
        teacher_count = sum(
            -(-n // spec.sections_per_teacher) for n in sections_by_course.values()
        )
        if spec.kind == School.Kind.ELEMENTARY:
            # One homeroom teacher teaches both subjects of a homeroom.
            teacher_count = sum(
                sections_by_course[course.pk]
                for course, c in zip(courses, spec.courses, strict=True)
                if c.code.endswith("MATH")
            )
        teachers = self.new_staff(spec.slug, teacher_count)
        if spec.demo_logins:
            self.make_demo_login(principal, Role.PRINCIPAL, spec.slug, spec.name)
            self.make_demo_login(teachers[0], Role.TEACHER, spec.slug, spec.name)
            self.make_demo_login(counselors[0], Role.COUNSELOR, spec.slug, spec.name)
            self.make_demo_login(
                interventionists[0], Role.INTERVENTIONIST, spec.slug, spec.name
            )
        staff = User.objects.bulk_create(
            [principal, *counselors, *interventionists, *teachers]
        )
        principal = staff[0]
        counselors = staff[1 : 1 + counselor_count]
        interventionists = staff[
            1 + counselor_count : 1 + counselor_count + len(interventionists)
        ]
        teachers = staff[1 + counselor_count + len(interventionists) :]
        StaffRole.objects.bulk_create(
            [
                StaffRole(
                    user=principal,
                    role=Role.PRINCIPAL,
                    district=district,
                    school=school,
                )
            ]
            + [
                StaffRole(user=u, role=Role.COUNSELOR, district=district, school=school)
                for u in counselors
            ]
            + [
                StaffRole(
                    user=u, role=Role.INTERVENTIONIST, district=district, school=school
                )
                for u in interventionists
            ]
            + [
                StaffRole(user=u, role=Role.TEACHER, district=district, school=school)
                for u in teachers
            ]
        )

        # Caseloads by alphabet: each counselor takes a contiguous run of last names.
        by_name = sorted(
            students, key=lambda s: (ascii_slug(s.last_name), ascii_slug(s.first_name))
        )
        per_counselor = -(-len(by_name) // len(counselors))
        for index, student in enumerate(by_name):
            student.counselor = counselors[index // per_counselor]
        Student.objects.bulk_create(students, batch_size=BATCH)

        # Sections with their teachers, then enrollments.
        sections: list[Section] = []
        section_course: list[int] = []
        for course in courses:
            for n in range(sections_by_course[course.pk]):
                period = str(n % 7 + 1)
                sections.append(
                    Section(
                        course=course,
                        term=year,
                        name=f"{course.title} — Period {period}"
                        + (f" ({chr(65 + n // 7)})" if n >= 7 else ""),
                        period=period,
                        room=str(100 + rng.randrange(200)),
                    )
                )
                section_course.append(course.pk)
        Section.objects.bulk_create(sections, batch_size=BATCH)
        assignments = []
        if spec.kind == School.Kind.ELEMENTARY:
            homerooms: dict[int, list[Section]] = {}
            for section, course_pk in zip(sections, section_course, strict=True):
                homerooms.setdefault(course_grade[course_pk], []).append(section)
            teacher_iter = iter(teachers)
            for grade_sections in homerooms.values():
                half = len(grade_sections) // 2
                for math, reading in zip(
                    grade_sections[:half], grade_sections[half:], strict=True
                ):
                    teacher = next(teacher_iter)
                    assignments += [
                        SectionTeacher(section=math, teacher=teacher),
                        SectionTeacher(section=reading, teacher=teacher),
                    ]
        else:
            teacher_iter = iter(teachers)
            current_course, load, teacher = None, 0, None
            for section, course_pk in zip(sections, section_course, strict=True):
                if course_pk != current_course or load == spec.sections_per_teacher:
                    teacher, load, current_course = next(teacher_iter), 0, course_pk
                assignments.append(SectionTeacher(section=section, teacher=teacher))
                load += 1
        SectionTeacher.objects.bulk_create(assignments, batch_size=BATCH)

        enrollments = []
        sections_of_course: dict[int, list[Section]] = {}
        for section, course_pk in zip(sections, section_course, strict=True):
            sections_of_course.setdefault(course_pk, []).append(section)
        homeroom_of: dict[int, int] = {}
        for course in courses:
            grade = course_grade[course.pk]
            course_sections = sections_of_course[course.pk]
            grade_students = [s for s in students if s.grade_level == grade]
            for index, student in enumerate(grade_students):
                if spec.kind == School.Kind.ELEMENTARY:
                    # Same homeroom for math and reading.
                    slot = homeroom_of.setdefault(
                        student.pk, index % len(course_sections)
                    )
                else:
                    slot = index % len(course_sections)
                enrollments.append(
                    Enrollment(
                        student=student,
                        section=course_sections[slot],
                        begin_date=year_start,
                    )
                )
        Enrollment.objects.bulk_create(enrollments, batch_size=BATCH)

        # Guardians: one or two per student, sharing the family name most often.
        guardians, links = [], []
        for student in students:
            for _ in range(1 if rng.random() < 0.35 else 2):
                first = rng.choice(FIRST_NAMES)
                last = (
                    student.last_name if rng.random() < 0.85 else rng.choice(LAST_NAMES)
                )
                guardians.append(
                    Guardian(
                        district=district,
                        first_name=first,
                        last_name=last,
                        email=(
                            f"{ascii_slug(first)}.{ascii_slug(last)}"
                            f"{rng.randrange(1000)}@mail.example"
                        ),
                        phone=f"(555) {rng.randrange(200, 999)}-"
                        f"{rng.randrange(10000):04d}",
                        relationship=rng.choices(
                            [
                                Guardian.Relationship.PARENT,
                                Guardian.Relationship.GUARDIAN,
                                Guardian.Relationship.RELATIVE,
                            ],
                            weights=[85, 10, 5],
                        )[0],
                        preferred_language=rng.choices(
                            ["English", "Spanish", "Vietnamese", "Arabic", "Mandarin"],
                            weights=[80, 12, 3, 3, 2],
                        )[0],
                    )
                )
                links.append(student)
        Guardian.objects.bulk_create(guardians, batch_size=BATCH)
        Link = Guardian.students.through
        Link.objects.bulk_create(
            [
                Link(guardian_id=g.pk, student_id=s.pk)
                for g, s in zip(guardians, links, strict=True)
            ],
            batch_size=BATCH,
        )
        return school


def demo_logins() -> list[DemoLogin]:
    """The demo accounts present in the database, in a stable order."""
    order = {
        Role.DISTRICT_ADMIN: 0,
        Role.PRINCIPAL: 1,
        Role.TEACHER: 2,
        Role.COUNSELOR: 3,
        Role.INTERVENTIONIST: 4,
    }
    rows = (
        StaffRole.objects.filter(
            user__email__regex=r"^[a-z_]+@[a-z]+\.example$", is_active=True
        )
        .select_related("user", "school", "district")
        .order_by("district__name", "school__name")
    )
    logins = [
        DemoLogin(
            role=row.role,
            email=row.user.email,
            school=row.school.name if row.school else row.district.name,
        )
        for row in rows
        if row.user.email.split("@")[0] in {*Role.values, "admin"}
    ]
    return sorted(
        logins,
        key=lambda login: (
            login.school != DISTRICT_NAME,
            login.school,
            order[login.role],
        ),
    )
