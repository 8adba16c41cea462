"""The intervention ladder and everything people do on it (docs/domain.md,
"The intervention ladder").

A school's ladder is its ordered rungs. A student who has not learned an
essential outcome has one active case per course; the case sits on a rung, and
entering a rung copies what the rung requires into the case (its actions, its
review period), so editing the ladder later never rewrites an open case.
Groups (the tutoring centre, a guided study hall, an extension group) have seats;
placements beyond the seats wait in order.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from schools.models import Course, Guardian, School, Student
from teams.models import EssentialOutcome, Team


class Responsible(models.TextChoices):
    """Who does a rung's required action."""

    TEACHER = "teacher", "Classroom teacher"
    COUNSELOR = "counselor", "Counselor"
    FACULTY_ADVISOR = "faculty_advisor", "Faculty advisor"
    PARENT = "parent", "Parent or guardian"
    INTERVENTIONIST = "interventionist", "Interventionist or supervisor"
    PRINCIPAL = "principal", "Principal"


class ActionKind(models.TextChoices):
    """Most actions are done by hand; some are done by the record that proves
    them (a logged progress check, parent contact or signed contract)."""

    TASK = "task", "Task"
    PROGRESS_CHECK = "progress_check", "Progress check"
    PARENT_CONTACT = "parent_contact", "Parent contact"
    CONTRACT = "contract", "Contract"


class GroupKind(models.TextChoices):
    TUTORING_CENTRE = "tutoring_centre", "Tutoring centre"
    REQUIRED_TUTORING = "required_tutoring", "Required tutoring"
    GUIDED_STUDY_HALL = "guided_study_hall", "Guided study hall"
    EXTENSION = "extension", "Extension"


class Rung(models.Model):
    """One step of a school's ladder. Rungs are retired, never deleted, so the
    cases that stood on them keep their history."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="rungs")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    tier = models.PositiveSmallIntegerField(
        help_text="1 for every student's support, 2 targeted, 3 intensive."
    )
    description = models.TextField(
        help_text="What happens at this rung, in words a parent reads."
    )
    review_days = models.PositiveSmallIntegerField(
        "review after (days)",
        help_text="How long the rung runs before the case is reviewed.",
    )
    group_kind = models.CharField(
        max_length=30,
        choices=GroupKind,
        blank=True,
        help_text="The kind of group a student on this rung is placed in, if any.",
    )
    sends_parent_notice = models.BooleanField(
        default=False, help_text="Entering this rung sends the parents a letter."
    )
    needs_contract = models.BooleanField(
        default=False,
        help_text="Student, parents, counselor and teacher sign a contract.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["school", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "position"],
                condition=Q(is_active=True),
                name="rung_position_unique_in_school",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (tier {self.tier})"


class RungAction(models.Model):
    """An action a rung requires, copied into each case that enters the rung."""

    rung = models.ForeignKey(Rung, on_delete=models.CASCADE, related_name="actions")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ActionKind, default=ActionKind.TASK)
    responsible = models.CharField(max_length=20, choices=Responsible)
    due_within_days = models.PositiveSmallIntegerField(default=7)
    repeats_weekly = models.BooleanField(
        default=False,
        help_text="Due again every week the rung runs (such as a progress check).",
    )

    class Meta:
        ordering = ["rung", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class CaseStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    WAITLISTED = "waitlisted", "Waiting for a seat"
    PLAN_NOT_DELIVERED = "plan_not_delivered", "Plan not delivered"
    EXITED = "exited", "Exited"
    REFERRED = "referred", "Referred"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (
    CaseStatus.ACTIVE,
    CaseStatus.WAITLISTED,
    CaseStatus.PLAN_NOT_DELIVERED,
)


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Case(models.Model):
    """One student's intervention in one course."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="cases")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="counseled_cases",
    )
    rung = models.ForeignKey(
        Rung, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    # What the rung was when the case entered it: editing the ladder later
    # never rewrites an open case.
    rung_snapshot = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=20, choices=CaseStatus, default=CaseStatus.ACTIVE
    )
    opened_on = models.DateField(default=timezone.localdate)
    rung_entered_on = models.DateField(default=timezone.localdate)
    next_review_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["next_review_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "course"],
                condition=Q(status__in=OPEN_STATUSES),
                name="case_one_open_per_student_course",
            )
        ]
        indexes = [
            models.Index(fields=["counselor", "status"], name="case_counselor_status"),
            models.Index(
                fields=["school", "status", "next_review_on"], name="case_school_review"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student.full_name} — {self.course.title}"

    def get_absolute_url(self) -> str:
        return reverse("interventions:case", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def rung_name(self) -> str:
        return self.rung_snapshot.get("name") or (self.rung.name if self.rung else "")

    @property
    def tier(self) -> int | None:
        return self.rung_snapshot.get("tier")


class CaseOutcome(models.Model):
    """An essential outcome that put the student on the case, with the mastery
    that flagged it, frozen as it was."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outcomes")
    outcome = models.ForeignKey(
        EssentialOutcome, on_delete=models.PROTECT, related_name="+"
    )
    snapshot = models.JSONField(
        help_text="value, status, method, calculation and the assessment behind it"
    )
    added_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["outcome__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "outcome"], name="case_outcome_once"
            )
        ]

    def __str__(self) -> str:
        return str(self.outcome)


class CaseAction(models.Model):
    """A required action of the case's rung, owned by a real person."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    rung = models.ForeignKey(Rung, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ActionKind, default=ActionKind.TASK)
    responsible = models.CharField(max_length=20, choices=Responsible)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_actions",
    )
    owner_note = models.CharField(
        max_length=200,
        blank=True,
        help_text="Why the action went to someone else, e.g. no advisor assigned.",
    )
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(
                fields=["owner", "done_at", "due_on"], name="case_action_owner"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, today=None) -> bool:
        return not self.is_done and self.due_on < (today or timezone.localdate())


class ProgressCheck(models.Model):
    class Progress(models.TextChoices):
        ON_TRACK = "on_track", "On track"
        SOME_CONCERN = "some_concern", "Some concern"
        NO_PROGRESS = "no_progress", "No progress"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="checks")
    checked_on = models.DateField(default=timezone.localdate)
    progress = models.CharField(max_length=20, choices=Progress)
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    note = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-checked_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.checked_on}: {self.get_progress_display()}"


class ParentContact(models.Model):
    class Method(models.TextChoices):
        PHONE = "phone", "Phone call"
        EMAIL = "email", "E-mail"
        LETTER = "letter", "Letter"
        MEETING = "meeting", "Meeting at school"
        TEXT = "text", "Text message"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    contacted_on = models.DateField(default=timezone.localdate)
    method = models.CharField(max_length=10, choices=Method)
    guardian = models.ForeignKey(
        Guardian, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField()
    parents_informed = models.BooleanField("parents informed?", default=True)
    not_informed_reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-contacted_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parents_informed=True) | ~Q(not_informed_reason=""),
                name="contact_says_why_parents_were_not_informed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contacted_on}: {self.get_method_display()}"


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField()
    confidential = models.BooleanField(
        default=False,
        help_text="Seen by counselors and principals only; others see that it exists.",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"Note of {self.at:%Y-%m-%d}"


class Contract(models.Model):
    """The agreement a rung may require: what the student, the parents, the
    counselor and the teacher each will do, signed at a meeting."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contracts")
    rung = models.ForeignKey(Rung, on_delete=models.PROTECT, related_name="+")
    meeting_on = models.DateField("meeting date")
    student_commitment = models.TextField("the student will")
    parent_commitment = models.TextField("the parents will")
    school_commitment = models.TextField("the school will")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-meeting_on", "-pk"]

    def __str__(self) -> str:
        return f"Contract of {self.meeting_on}"


class Signature(models.Model):
    class Party(models.TextChoices):
        STUDENT = "student", "Student"
        GUARDIAN = "guardian", "Parent or guardian"
        COUNSELOR = "counselor", "Counselor"
        TEACHER = "teacher", "Teacher"

    # Who must sign before a contract counts as signed (docs/domain.md, "Cases").
    REQUIRED = ("student", "guardian", "counselor", "teacher")

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="signatures"
    )
    party = models.CharField(max_length=10, choices=Party)
    name = models.CharField(max_length=200)
    guardian = models.ForeignKey(
        Guardian, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["contract", "party", "pk"]

    def __str__(self) -> str:
        return f"{self.get_party_display()}: {self.name}"


class Group(models.Model):
    """A group students are placed in: the tutoring centre, a required tutoring
    group, a guided study hall, or an extension group."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="intervention_groups"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=30, choices=GroupKind)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_groups",
    )
    # ISO weekdays the group meets: 1 Monday … 5 Friday.
    weekdays = models.JSONField(default=list)
    period = models.CharField(
        max_length=50, blank=True, help_text="e.g. Period 3 or 3:15–4:00"
    )
    room = models.CharField(max_length=50, blank=True)
    capacity = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Seats; empty for no limit."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["school", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "name"], name="group_name_unique_in_school"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                name="group_capacity_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("interventions:group", args=[self.pk])

    @property
    def is_extension(self) -> bool:
        return self.kind == GroupKind.EXTENSION


class Placement(models.Model):
    """A student's seat in a group, or their place on its waitlist."""

    class Status(models.TextChoices):
        PLACED = "placed", "Placed"
        WAITLISTED = "waitlisted", "Waiting for a seat"
        ENDED = "ended", "Ended"

    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="placements"
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="placements"
    )
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="placements",
    )
    status = models.CharField(max_length=12, choices=Status)
    requested_at = models.DateTimeField(default=timezone.now)
    placed_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["group", "status", "requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "student"],
                condition=~Q(status="ended"),
                name="placement_one_open_per_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} in {self.group}"


class Session(models.Model):
    """One meeting of a group on one day."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="sessions")
    on = models.DateField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["group", "-on"]
        constraints = [
            models.UniqueConstraint(fields=["group", "on"], name="session_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.group} on {self.on}"


class Attendance(models.Model):
    class Mark(models.TextChoices):
        PRESENT = "present", "Present"
        ABSENT = "absent", "Absent"
        EXCUSED = "excused", "Excused"

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="attendance"
    )
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    mark = models.CharField(max_length=10, choices=Mark)
    homework_done = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "student"], name="attendance_once"
            )
        ]
        indexes = [
            models.Index(fields=["student", "session"], name="attendance_student")
        ]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.mark}"


class CaseloadRule(models.Model):
    """How the principal splits students among counselors: by last-name range,
    grade, or both. A student's own counselor set by hand wins over rules."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="caseload_rules"
    )
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="caseload_rules",
    )
    last_name_from = models.CharField(max_length=20, blank=True, help_text="e.g. A")
    last_name_to = models.CharField(max_length=20, blank=True, help_text="e.g. F")
    grade_level = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["school", "last_name_from", "grade_level"]

    def __str__(self) -> str:
        return f"{self.counselor}: {self.last_name_from}–{self.last_name_to}"

    def clean(self):
        if not (
            self.last_name_from or self.last_name_to or self.grade_level is not None
        ):
            raise ValidationError("Give a last-name range, a grade, or both.")


class Policy(models.Model):
    """How a school runs its ladder day to day (docs/domain.md, "Reviewing a
    case" and "Core-instruction triage")."""

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="intervention_policy"
    )
    sweep_hour = models.PositiveSmallIntegerField(
        "daily review hour",
        default=6,
        help_text="The hour (0–23, the district's time zone) the daily review runs.",
    )
    hold_for_reteach = models.BooleanField(
        "wait for the reteach",
        default=True,
        help_text="When a class is below the reteach threshold on an outcome, its "
        "students are not flagged on it until the re-assessment is finalized.",
    )

    class Meta:
        verbose_name_plural = "policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(sweep_hour__lte=23), name="policy_sweep_hour_in_day"
            )
        ]

    def __str__(self) -> str:
        return f"Intervention policy of {self.school}"


class SweepRun(models.Model):
    """One run of the daily review (or of flagging) for one school: when, for
    which day, what it did, and whether it finished."""

    class Kind(models.TextChoices):
        DAILY = "daily", "Daily review"
        FLAGGING = "flagging", "Flagging after results"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="sweeps")
    kind = models.CharField(max_length=10, choices=Kind)
    as_of = models.DateField()
    status = models.CharField(max_length=10, choices=Status, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "kind", "-started_at"], name="sweep_latest")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.school} for {self.as_of}"


# Notifications and parent notices -----------------------------------------------


class Notification(models.Model):
    """Something new for one person to do or know, shown in the app and sent
    once a day in a digest (docs/domain.md, "Cases")."""

    class Kind(models.TextChoices):
        NEW_ACTIONS = "new_actions", "New actions"
        WAITLISTED = "waitlisted", "Waiting for a seat"
        PLAN_NOT_DELIVERED = "plan_not_delivered", "Plan not delivered"
        DECIDED = "decided", "Case decided at review"
        GROUP_FULL = "group_full", "Group full"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(max_length=30, choices=Kind)
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True, help_text="A path in PLC.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One unread notification of a kind per case and person: a second
            # one refreshes the first rather than adding noise.
            models.UniqueConstraint(
                fields=["user", "kind", "case"],
                condition=Q(read_at__isnull=True),
                name="notification_once_unread",
            )
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user"),
            models.Index(
                fields=["user"],
                condition=Q(read_at__isnull=True, emailed_at__isnull=True),
                name="notification_to_email",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class LetterTemplate(models.Model):
    """The letter a school sends parents when their child enters a rung that
    sends one. Placeholders in braces ({student}, {course}, …) are filled in for
    each guardian (`interventions.letters`)."""

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="letter_template"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"Parent letter of {self.school}"


class ParentNotice(models.Model):
    """One letter to one guardian about one rung the case entered, written out
    when it was queued and never rewritten: what the parents were sent is what
    the school can show later."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    rung = models.ForeignKey(Rung, on_delete=models.PROTECT, related_name="+")
    # Which entry into the rung: a case may enter the same rung again later.
    rung_entered_on = models.DateField()
    guardian = models.ForeignKey(
        Guardian, on_delete=models.PROTECT, related_name="notices"
    )
    email = models.EmailField(
        blank=True, help_text="Where it is e-mailed; empty when it goes on paper."
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    sent_home_on = models.DateField(null=True, blank=True)
    sent_home_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "guardian__last_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "rung", "rung_entered_on", "guardian"],
                name="notice_once_per_rung_entry_and_guardian",
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True) & ~Q(email=""),
                name="notice_to_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.guardian})"

    def get_absolute_url(self) -> str:
        return reverse("interventions:notice_letter", args=[self.case_id, self.pk])

    @property
    def is_emailed(self) -> bool:
        return self.emailed_at is not None

    @property
    def goes_on_paper(self) -> bool:
        return not self.email

    @property
    def is_moot(self) -> bool:
        """Not sent, and the case has since left the rung entry the letter is
        about (exited, referred, moved): it is never sent, since it would tell
        the parents of a support their child no longer gets."""
        case = self.case
        return (
            self.emailed_at is None
            and self.sent_home_on is None
            and not (
                case.is_open
                and case.rung_id == self.rung_id
                and case.rung_entered_on == self.rung_entered_on
            )
        )


# A letter still to be sent: its case is open on the rung entry it is about
# (`ParentNotice.is_moot` is the same test on one letter).
NOTICE_STILL_DUE = Q(
    case__status__in=OPEN_STATUSES,
    case__rung_id=F("rung_id"),
    case__rung_entered_on=F("rung_entered_on"),
)
