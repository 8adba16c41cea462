from django.conf import settings
from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.events import EventType


class Role(models.TextChoices):
    """What a staff member does in a school (or, for district admins, a district)."""

    DISTRICT_ADMIN = "district_admin", "District admin"
    PRINCIPAL = "principal", "Principal"
    COUNSELOR = "counselor", "Counselor"
    TEACHER = "teacher", "Teacher"
    INTERVENTIONIST = "interventionist", "Interventionist"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A staff member. People log in with their school e-mail address."""

    email = models.EmailField("e-mail address", max_length=254, unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    title = models.CharField(
        max_length=30, blank=True, help_text="How students address them, e.g. Ms."
    )
    is_staff = models.BooleanField(
        "admin site access",
        default=False,
        help_text="Whether this person may log in to the admin site.",
    )
    is_active = models.BooleanField(
        default=True,
        help_text="Inactive people cannot log in; their history is kept.",
    )
    date_joined = models.DateTimeField(default=timezone.now)
    sourced_id = models.CharField(
        "OneRoster sourcedId", max_length=255, blank=True, default=""
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.UniqueConstraint(
                fields=["sourced_id"],
                condition=~models.Q(sourced_id=""),
                name="user_sourced_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        """How the person appears to colleagues: "Ms. Rivera" or the full name."""
        if self.title and self.last_name:
            return f"{self.title} {self.last_name}"
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.first_name or self.email


class Event(models.Model):
    """One change to PLC's data: who (or which job), when, what, why, and the
    values before and after (docs/domain.md, "The record of change").

    Written only by services, inside the transaction of the change itself, so a
    change that fails leaves no event and an event never describes a change that
    did not happen. Rows are never edited or deleted.
    """

    # Not `choices=`: the enumeration grows with every feature, and its labels
    # are read from `EventType` rather than frozen into migrations.
    type = models.CharField(max_length=60)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    system = models.CharField(
        max_length=40, blank=True, help_text="The job that acted, when no person did."
    )
    # Real links to what the event concerns; every one may be empty. Higher apps'
    # models are named by label so that accounts imports none of them.
    school = models.ForeignKey(
        "schools.School",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    student = models.ForeignKey(
        "schools.Student",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    team = models.ForeignKey(
        "teams.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assessment = models.ForeignKey(
        "assessments.CommonAssessment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    case = models.ForeignKey(
        "interventions.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.CharField(max_length=300)
    reason = models.TextField(blank=True)
    data = models.JSONField(
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text='Structured detail: {"before": {...}, "after": {...}, ...}.',
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(
                fields=["student", "-at"],
                condition=models.Q(student__isnull=False),
                name="event_student_at",
            ),
            models.Index(
                fields=["team", "-at"],
                condition=models.Q(team__isnull=False),
                name="event_team_at",
            ),
            models.Index(
                fields=["assessment", "-at"],
                condition=models.Q(assessment__isnull=False),
                name="event_assessment_at",
            ),
            models.Index(
                fields=["case", "-at"],
                condition=models.Q(case__isnull=False),
                name="event_case_at",
            ),
            models.Index(fields=["school", "-at"], name="event_school_at"),
            models.Index(fields=["type", "-at"], name="event_type_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(actor__isnull=False) | ~models.Q(system=""),
                name="event_has_actor_or_system",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.type_label}: {self.summary}"

    @property
    def type_label(self) -> str:
        try:
            return EventType(self.type).label
        except ValueError:
            return self.type

    @property
    def before(self) -> dict:
        return self.data.get("before") or {}

    @property
    def after(self) -> dict:
        return self.data.get("after") or {}

    @property
    def who(self) -> str:
        if self.actor_id:
            return str(self.actor)
        return f"PLC ({self.system.replace('_', ' ')})" if self.system else "PLC"


class OutboxMessage(models.Model):
    """A task for the workers, written in the transaction of the change that asks
    for it and published once that commits (`accounts/outbox.py`).

    The row, not the broker, is the record that the work is owed: when the broker
    is down or silent the change still commits at once, and the drainer publishes
    the message when the broker answers again.
    """

    task = models.CharField(max_length=200, help_text="The task's dotted name.")
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(
        default=timezone.now,
        help_text="The drainer leaves the message alone before this time.",
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Publications that failed."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    dead = models.BooleanField(
        default=False,
        help_text="Given up after too many failed attempts; /healthz reports it.",
    )

    class Meta:
        indexes = [
            # What the drainer reads, oldest first, and /healthz counts.
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(sent_at__isnull=True, dead=False),
                name="outbox_pending",
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(dead=True),
                name="outbox_dead",
            ),
            # Sent messages are kept a while, then purged by age.
            models.Index(
                fields=["sent_at"],
                condition=models.Q(sent_at__isnull=False),
                name="outbox_sent",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sent_at__isnull=True) | models.Q(dead=False),
                name="outbox_sent_is_not_dead",
            ),
        ]

    def __str__(self) -> str:
        state = "sent" if self.sent_at else "dead" if self.dead else "pending"
        return f"{self.task} #{self.pk} ({state})"


class SchoolVersion(models.Model):
    """A number that grows each time something a school's figures rest on
    changes (`accounts/changes.py`). Figures kept against the number they were
    counted at are current for as long as it holds."""

    school = models.OneToOneField(
        "schools.School", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    version = models.BigIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"school {self.school_id}: version {self.version}"
