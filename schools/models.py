import datetime

from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role

GRADE_LABELS = {-1: "PK", 0: "K"}


def grade_label(grade: int | None) -> str:
    if grade is None:
        return ""
    return GRADE_LABELS.get(grade, str(grade))


class GradeLevel(models.IntegerChoices):
    PREK = -1, "Pre-K"
    K = 0, "Kindergarten"
    G1 = 1, "Grade 1"
    G2 = 2, "Grade 2"
    G3 = 3, "Grade 3"
    G4 = 4, "Grade 4"
    G5 = 5, "Grade 5"
    G6 = 6, "Grade 6"
    G7 = 7, "Grade 7"
    G8 = 8, "Grade 8"
    G9 = 9, "Grade 9"
    G10 = 10, "Grade 10"
    G11 = 11, "Grade 11"
    G12 = 12, "Grade 12"


def sourced_id_field():
    return models.CharField(
        "OneRoster sourcedId", max_length=255, blank=True, default=""
    )


def unique_sourced_id(model_name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["sourced_id"],
        condition=~Q(sourced_id=""),
        name=f"{model_name}_sourced_id_unique",
    )


def unique_sourced_id_in_school(model_name: str) -> models.UniqueConstraint:
    # A OneRoster session or course may belong to the district and be used by
    # many schools; each school keeps its own row under the same sourcedId.
    return models.UniqueConstraint(
        fields=["school", "sourced_id"],
        condition=~Q(sourced_id=""),
        name=f"{model_name}_sourced_id_unique_in_school",
    )


class District(models.Model):
    name = models.CharField(max_length=200)
    sourced_id = sourced_id_field()

    class Meta:
        ordering = ["name"]
        constraints = [unique_sourced_id("district")]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class Kind(models.TextChoices):
        ELEMENTARY = "elementary", "Elementary school"
        MIDDLE = "middle", "Middle school"
        HIGH = "high", "High school"
        OTHER = "other", "Other"

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="schools"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.HIGH)
    lowest_grade = models.SmallIntegerField(choices=GradeLevel, default=9)
    highest_grade = models.SmallIntegerField(choices=GradeLevel, default=12)
    # A school the roster marks tobedeleted is kept with everything recorded in
    # it, but no longer active (docs/roster-import.md).
    is_active = models.BooleanField(default=True, db_default=True)
    sourced_id = sourced_id_field()

    class Meta:
        ordering = ["name"]
        constraints = [
            unique_sourced_id("school"),
            models.UniqueConstraint(
                fields=["district", "name"], name="school_name_unique_in_district"
            ),
            models.CheckConstraint(
                condition=Q(lowest_grade__lte=models.F("highest_grade")),
                name="school_grade_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def grade_span(self) -> str:
        return f"{grade_label(self.lowest_grade)}–{grade_label(self.highest_grade)}"


class StaffRole(models.Model):
    """A role a person holds in a school, or across a district for district admins."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles"
    )
    role = models.CharField(max_length=20, choices=Role)
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="staff_roles"
    )
    school = models.ForeignKey(
        School,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staff_roles",
        help_text="Empty for a district admin, who sees every school.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["district", "school", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "district", "school", "role"],
                nulls_distinct=False,
                name="staff_role_unique",
            ),
            models.CheckConstraint(
                condition=(Q(role=Role.DISTRICT_ADMIN) & Q(school__isnull=True))
                | (~Q(role=Role.DISTRICT_ADMIN) & Q(school__isnull=False)),
                name="staff_role_school_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.user} — {self.get_role_display()}, {self.school or self.district}"
        )

    def clean(self):
        if self.role == Role.DISTRICT_ADMIN and self.school_id:
            raise ValidationError(
                {
                    "school": "A district admin works across the district; "
                    "leave the school empty."
                }
            )
        if self.role and self.role != Role.DISTRICT_ADMIN and not self.school_id:
            raise ValidationError({"school": "Choose the school this role is in."})
        if (
            self.school_id
            and self.district_id
            and self.school.district_id != self.district_id
        ):
            raise ValidationError({"school": "This school is in another district."})


class TermQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None):
        """Terms under way on `on`; one the roster deactivated is over."""
        on = on or timezone.localdate()
        return self.filter(start_date__lte=on, end_date__gte=on, is_active=True)


class Term(models.Model):
    """An academic session: a school year, semester, trimester or grading period."""

    class Kind(models.TextChoices):
        SCHOOL_YEAR = "schoolYear", "School year"
        SEMESTER = "semester", "Semester"
        TERM = "term", "Term"
        GRADING_PERIOD = "gradingPeriod", "Grading period"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.SCHOOL_YEAR)
    start_date = models.DateField()
    end_date = models.DateField()
    is_active = models.BooleanField(default=True, db_default=True)
    sourced_id = sourced_id_field()

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["school", "start_date", "name"]
        constraints = [
            unique_sourced_id_in_school("term"),
            models.CheckConstraint(
                condition=Q(start_date__lte=models.F("end_date")),
                name="term_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.school})"

    def clean(self):
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValidationError({"end_date": "The term must end after it starts."})

    def contains(self, day: datetime.date) -> bool:
        return self.start_date <= day <= self.end_date


class Course(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="courses")
    code = models.CharField(max_length=50)
    title = models.CharField(max_length=200)
    subject = models.CharField(max_length=100, blank=True)
    grade_levels = models.CharField(
        max_length=50, blank=True, help_text="Grades the course is for, e.g. 9 or 9,10."
    )
    is_active = models.BooleanField(default=True, db_default=True)
    sourced_id = sourced_id_field()

    class Meta:
        ordering = ["school", "title"]
        constraints = [
            unique_sourced_id_in_school("course"),
            models.UniqueConstraint(
                fields=["school", "code"], name="course_code_unique_in_school"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SectionQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None):
        """Classes held on `on`: their term is under way, and neither it nor
        their course was deactivated by the roster (docs/roster-import.md)."""
        on = on or timezone.localdate()
        return self.filter(
            term__start_date__lte=on,
            term__end_date__gte=on,
            term__is_active=True,
            course__is_active=True,
        )


class Section(models.Model):
    """A class: one course taught to a group of students in one term."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="sections"
    )
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="sections")
    name = models.CharField(max_length=100, help_text="e.g. Algebra 1 — Period 3")
    period = models.CharField(max_length=20, blank=True)
    room = models.CharField(max_length=30, blank=True)
    teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="SectionTeacher", related_name="sections"
    )
    sourced_id = sourced_id_field()

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["course__title", "period", "name"]
        constraints = [unique_sourced_id("section")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("schools:section", args=[self.pk])


class SectionTeacher(models.Model):
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="section_teachers"
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="section_assignments",
    )
    is_primary = models.BooleanField(default=True)
    sourced_id = sourced_id_field()

    class Meta:
        constraints = [
            unique_sourced_id("section_teacher"),
            models.UniqueConstraint(
                fields=["section", "teacher"], name="section_teacher_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} teaches {self.section}"


class Student(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        NONBINARY = "nonbinary", "Non-binary"
        UNSPECIFIED = "", "Not recorded"

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="students"
    )
    local_id = models.CharField("student ID", max_length=50)
    first_name = models.CharField(max_length=150)
    preferred_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150)
    # Empty for a student the grade list has no place for: ungraded, grade 13,
    # postsecondary, infant/toddler (docs/roster-import.md).
    grade_level = models.SmallIntegerField(choices=GradeLevel, null=True, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caseload",
        help_text="The counselor whose caseload this student is on.",
    )
    faculty_advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="advisees",
        help_text="The staff member who advises the student day to day.",
    )
    mentor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentees",
        help_text="An older student who helps with homework in advisory.",
    )
    is_active = models.BooleanField(default=True)
    # Optional demographics, used only to find gaps between subgroups.
    gender = models.CharField(max_length=20, choices=Gender, blank=True)
    ethnicity = models.CharField(max_length=100, blank=True)
    english_learner = models.BooleanField(null=True, blank=True)
    special_education = models.BooleanField(null=True, blank=True)
    economically_disadvantaged = models.BooleanField(null=True, blank=True)
    sourced_id = sourced_id_field()

    class Meta:
        ordering = ["last_name", "first_name", "local_id"]
        constraints = [
            unique_sourced_id("student"),
            models.UniqueConstraint(
                fields=["school", "local_id"], name="student_local_id_unique_in_school"
            ),
        ]
        indexes = [models.Index(fields=["school", "last_name", "first_name"])]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.local_id})"

    def get_absolute_url(self) -> str:
        # The student's story (docs/domain.md, "The student's page"); the old
        # roster address redirects there.
        return reverse("dashboards:student", args=[self.pk])

    @property
    def full_name(self) -> str:
        first = self.preferred_name or self.first_name
        return f"{first} {self.last_name}"

    @property
    def grade_label(self) -> str:
        return grade_label(self.grade_level)


def active_enrollment_q(prefix: str = "", on: datetime.date | None = None) -> Q:
    """Enrollments in force on a day; `prefix` reaches them through a relation."""
    on = on or timezone.localdate()
    return (
        Q(**{f"{prefix}begin_date__isnull": True})
        | Q(**{f"{prefix}begin_date__lte": on})
    ) & (Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": on}))


class EnrollmentQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None):
        return self.filter(active_enrollment_q(on=on))


class Enrollment(models.Model):
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="enrollments"
    )
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="enrollments"
    )
    begin_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    sourced_id = sourced_id_field()

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        constraints = [
            unique_sourced_id("enrollment"),
            models.UniqueConstraint(
                fields=["student", "section"], name="enrollment_unique"
            ),
            models.CheckConstraint(
                condition=Q(begin_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(begin_date__lte=models.F("end_date")),
                name="enrollment_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["section", "student"])]

    def __str__(self) -> str:
        return f"{self.student} in {self.section}"

    def clean(self):
        if self.begin_date and self.end_date and self.begin_date > self.end_date:
            raise ValidationError(
                {"end_date": "The enrollment must end after it begins."}
            )


class Guardian(models.Model):
    class Relationship(models.TextChoices):
        PARENT = "parent", "Parent"
        GUARDIAN = "guardian", "Guardian"
        RELATIVE = "relative", "Relative"
        OTHER = "other", "Other"

    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="guardians"
    )
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    relationship = models.CharField(
        max_length=20, choices=Relationship, default=Relationship.PARENT
    )
    preferred_language = models.CharField(max_length=50, blank=True)
    students = models.ManyToManyField(Student, related_name="guardians", blank=True)
    is_active = models.BooleanField(default=True)
    sourced_id = sourced_id_field()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [unique_sourced_id("guardian")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.get_relationship_display()})"


class ImportRun(models.Model):
    """One roster import: the uploaded file, who sent it, its progress and result.

    The file itself is kept in the database so that a worker on any host can read
    it, and so that the history can say exactly what was imported.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        SUCCEEDED = "succeeded", "Imported"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"

    class Source(models.TextChoices):
        UPLOAD = "upload", "Browser upload"
        COMMAND = "command", "Command line"

    district = models.ForeignKey(
        District,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_runs",
    )
    school = models.ForeignKey(
        School,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_runs",
        help_text="Set when a principal imported for their school only.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_runs",
    )
    source = models.CharField(max_length=10, choices=Source, default=Source.UPLOAD)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64, blank=True)
    upload = models.BinaryField(default=b"", editable=False)
    # When the uploaded file was deleted after ROSTER_FILE_RETENTION_DAYS; the run
    # and its report stay.
    upload_deleted_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=200, blank=True)
    report = models.JSONField(default=dict, blank=True)
    summary = models.CharField(max_length=255, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["district", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="import_run_progress_percent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("schools:import_run", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in {
            self.Status.SUCCEEDED,
            self.Status.REFUSED,
            self.Status.FAILED,
        }


class AccessKind(models.TextChoices):
    PAGE = "page", "Page"
    EXPORT = "export", "Export"


class AccessRecord(models.Model):
    """One read or export of student data by a staff member: the record of
    access to education records (docs/domain.md, "The record of access").

    The students it showed are `AccessedStudent` rows, one per student, so "who
    has seen this student's data" is one indexed query. Written at the end of
    the request by `schools.access_log`, never by a view.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="access_records",
    )
    role = models.CharField(
        max_length=100, help_text="The roles under which the data was read."
    )
    kind = models.CharField(max_length=10, choices=AccessKind.choices)
    what = models.CharField(max_length=200, help_text="The page or export.")
    path = models.CharField(max_length=500)
    student_count = models.PositiveIntegerField(default=0)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-at"], name="access_user_at"),
            # Retention deletes by age; a BRIN index stays tiny on an
            # append-only table ordered by time.
            BrinIndex(fields=["at"], name="access_at_brin"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.what}"


class AccessedStudent(models.Model):
    """One student shown by one `AccessRecord`."""

    record = models.ForeignKey(
        AccessRecord, on_delete=models.CASCADE, related_name="students"
    )
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    # Copied from the record so the per-student history needs no join to sort
    # or to be cut by age.
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["student", "-at"], name="accessed_student_at"),
            BrinIndex(fields=["at"], name="accessed_at_brin"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "student"], name="accessed_student_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} student {self.student_id}"
