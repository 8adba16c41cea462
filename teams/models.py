"""Collaborative teams and what they agree on: norms, essential outcomes, SMART
goals and meetings; and the school's shared mission, vision, values and goals."""

import re
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from schools.models import Course, School

# A standard code is letters and digits joined by dots or hyphens: CCSS
# (A-REI.B.3, RL.9-10.1, 3.OA.A.1), NGSS (HS-LS1-1), C3 (D2.His.1.9-12), and
# most state codes. Spaces or other punctuation usually mean two codes were run
# together or a list was pasted with the wrong separator.
STANDARD_CODE_RE = re.compile(r"^[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*$")
STANDARD_CODE_MAX = 40
OUTCOME_CODE_RE = re.compile(r"^[A-Za-z0-9]+(?:[.\-_][A-Za-z0-9]+)*$")

PERCENT_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


def percent_label(value: Decimal) -> str:
    """56.0 → "56", 62.5 → "62.5": how people write percentages."""
    return f"{value.normalize():f}"


def validate_standard_code(value: str) -> None:
    if len(value) > STANDARD_CODE_MAX:
        raise ValidationError(
            f"“{value[:20]}…” is too long for a standard code "
            f"(at most {STANDARD_CODE_MAX} characters)."
        )
    if not STANDARD_CODE_RE.match(value):
        raise ValidationError(
            f"“{value}” does not look like a standard code: use letters and digits "
            "joined by dots or hyphens, such as A-REI.B.3, RL.9-10.1 or HS-LS1-1."
        )


def validate_outcome_code(value: str) -> None:
    if not OUTCOME_CODE_RE.match(value):
        raise ValidationError(
            "Use letters and digits joined by dots, hyphens or underscores, "
            "such as ALG1.EO3."
        )


class MasteryMethod(models.TextChoices):
    """How a student's scores on one outcome combine into mastery (docs/domain.md,
    "Mastery")."""

    LATEST = "latest", "Most recent score"
    HIGHEST = "highest", "Highest score"
    AVERAGE = "average", "Average of all scores"
    DECAYING_AVERAGE = "decaying_average", "Decaying average"
    WEIGHTED_LATEST = "weighted_latest", "Weighted latest"
    N_MASTERY = "n_mastery", "Proficient n times"
    MODE = "mode", "Most frequent score"
    POWER_LAW = "power_law", "Power law (Marzano)"


# The one declaration of the methods' defaults (docs/domain.md, "Mastery"):
# `assessments.mastery` implements the methods above and takes these from here.
WEIGHTED_METHODS = {MasteryMethod.DECAYING_AVERAGE, MasteryMethod.WEIGHTED_LATEST}
DEFAULT_MASTERY_METHOD = MasteryMethod.DECAYING_AVERAGE
DEFAULT_MASTERY_WEIGHT = Decimal("0.65")
DEFAULT_MASTERY_N = 3


def mastery_parameters(method: str, weight, n) -> dict:
    """The parameters a method reads; the others are ignored, so not returned."""
    if method in WEIGHTED_METHODS:
        return {"weight": weight if weight is not None else DEFAULT_MASTERY_WEIGHT}
    if method == MasteryMethod.N_MASTERY:
        return {"n": n if n is not None else DEFAULT_MASTERY_N}
    return {}


def clean_mastery(method: str, weight, n, *, prefix: str = "mastery_") -> None:
    errors = {}
    if method in WEIGHTED_METHODS and weight is not None and not 0 < weight <= 1:
        errors[f"{prefix}weight"] = "The weight must be above 0 and at most 1."
    if method == MasteryMethod.N_MASTERY and n is not None and not 1 <= n <= 20:
        errors[f"{prefix}n"] = "n must be between 1 and 20."
    if errors:
        raise ValidationError(errors)


class SchoolCommitments(models.Model):
    """The collective commitments that make a school a learning community."""

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="commitments"
    )
    mission = models.TextField(
        blank=True, help_text="Why the school exists: its fundamental purpose."
    )
    vision = models.TextField(blank=True, help_text="What the school seeks to become.")
    values = models.TextField(
        "collective commitments",
        blank=True,
        help_text="What each adult promises to do to advance the vision; "
        "one commitment per line.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "school commitments"
        verbose_name_plural = "school commitments"

    def __str__(self) -> str:
        return f"Commitments of {self.school}"

    @property
    def value_lines(self) -> list[str]:
        return [line.strip() for line in self.values.splitlines() if line.strip()]


class SchoolGoal(models.Model):
    """A goal of the whole school, which team SMART goals advance."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="school_goals"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(
        "current",
        default=True,
        help_text="A goal no longer pursued is kept, with the team goals linked to it.",
    )

    class Meta:
        ordering = ["school", "-is_active", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "title"], name="school_goal_title_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title


class TeamQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Team(models.Model):
    class Kind(models.TextChoices):
        COURSE = "course", "Course team"
        GRADE_LEVEL = "grade_level", "Grade-level team"
        VERTICAL = "vertical", "Vertical team"
        INTERDISCIPLINARY = "interdisciplinary", "Interdisciplinary team"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.COURSE)
    courses = models.ManyToManyField(
        Course,
        related_name="teams",
        blank=True,
        help_text="The team's students are those enrolled in these courses this term.",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams"
    )
    mastery_method = models.CharField(
        "mastery method",
        max_length=20,
        choices=MasteryMethod,
        default=DEFAULT_MASTERY_METHOD,
        help_text="How scores combine into mastery; an outcome may override it.",
    )
    mastery_weight = models.DecimalField(
        "weight of the newest score",
        max_digits=3,
        decimal_places=2,
        default=DEFAULT_MASTERY_WEIGHT,
        help_text="For decaying average and weighted latest (0 to 1).",
    )
    mastery_n = models.PositiveSmallIntegerField(
        "proficient scores needed",
        default=DEFAULT_MASTERY_N,
        help_text="For “proficient n times”.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["school", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "name"], name="team_name_unique_in_school"
            ),
            models.CheckConstraint(
                condition=Q(mastery_weight__gt=0) & Q(mastery_weight__lte=1),
                name="team_mastery_weight_range",
            ),
            models.CheckConstraint(
                condition=Q(mastery_n__gte=1), name="team_mastery_n_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("teams:workspace", args=[self.pk])

    def clean(self):
        clean_mastery(self.mastery_method, self.mastery_weight, self.mastery_n)

    @property
    def mastery(self) -> dict:
        return {
            "method": self.mastery_method,
            **mastery_parameters(
                self.mastery_method, self.mastery_weight, self.mastery_n
            ),
        }


class TeamMembership(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        MEMBER = "member", "Member"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="team_memberships",
    )
    role = models.CharField(max_length=10, choices=Role, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team", "role", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) in {self.team}"

    @property
    def is_lead(self) -> bool:
        return self.role == self.Role.LEAD


class Norm(models.Model):
    """One of the protocols the team agreed to work by."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="norms")
    text = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["team", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class EssentialOutcome(models.Model):
    """What every student of a course must learn, in words a student understands."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="outcomes")
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="essential_outcomes"
    )
    code = models.CharField(
        max_length=30,
        validators=[validate_outcome_code],
        help_text="Short and unique in the team, e.g. ALG1.EO3.",
    )
    statement = models.CharField(
        "student-friendly statement",
        max_length=300,
        help_text="What the student can do, in their words: “I can …”.",
    )
    standards = ArrayField(
        models.CharField(max_length=STANDARD_CODE_MAX),
        blank=True,
        default=list,
        help_text="Aligned standard codes, e.g. A-REI.B.3.",
    )
    unit = models.CharField(max_length=100, blank=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(
        "active", default=True, help_text="Retired outcomes keep their history."
    )
    mastery_method = models.CharField(
        max_length=20,
        choices=MasteryMethod,
        blank=True,
        help_text="Leave empty to use the team's method.",
    )
    mastery_weight = models.DecimalField(
        max_digits=3, decimal_places=2, null=True, blank=True
    )
    mastery_n = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["team", "course__title", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "code"], name="outcome_code_unique_in_team"
            ),
            models.CheckConstraint(
                condition=Q(mastery_weight__isnull=True)
                | (Q(mastery_weight__gt=0) & Q(mastery_weight__lte=1)),
                name="outcome_mastery_weight_range",
            ),
        ]
        indexes = [models.Index(fields=["team", "course", "position"])]

    def __str__(self) -> str:
        return f"{self.code} {self.statement}"

    def clean(self):
        clean_mastery(self.mastery_method, self.mastery_weight, self.mastery_n)
        for code in self.standards or []:
            try:
                validate_standard_code(code)
            except ValidationError as error:
                raise ValidationError({"standards": error.messages}) from None

    @property
    def mastery(self) -> dict:
        """The method and parameters in force: the outcome's own, or the team's."""
        if not self.mastery_method:
            return self.team.mastery
        return {
            "method": self.mastery_method,
            **mastery_parameters(
                self.mastery_method,
                self.mastery_weight
                if self.mastery_weight is not None
                else self.team.mastery_weight,
                self.mastery_n if self.mastery_n is not None else self.team.mastery_n,
            ),
        }

    @property
    def mastery_label(self) -> str:
        return MasteryMethod(self.mastery["method"]).label


class SmartGoal(models.Model):
    """The share of the team's students proficient on an outcome, or on all the
    essential outcomes of a course, rises from a baseline to a target by a date.

    Progress is computed from results (`teams.selectors.goal_progress`), never typed.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="goals")
    outcome = models.ForeignKey(
        EssentialOutcome,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="goals",
    )
    course = models.ForeignKey(
        Course,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="team_goals",
        help_text="For a goal on all essential outcomes of a course.",
    )
    computed_baseline = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
        help_text="Percent proficient when the goal was set; empty without evidence.",
    )
    baseline_override = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
    )
    baseline_override_reason = models.CharField(max_length=300, blank=True)
    target = models.DecimalField(
        max_digits=5, decimal_places=1, validators=PERCENT_VALIDATORS
    )
    deadline = models.DateField()
    school_goal = models.ForeignKey(
        SchoolGoal,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="team_goals",
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team", "deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(outcome__isnull=False) & Q(course__isnull=True))
                | (Q(outcome__isnull=True) & Q(course__isnull=False)),
                name="smart_goal_one_scope",
            ),
            models.CheckConstraint(
                condition=Q(target__gte=0) & Q(target__lte=100),
                name="smart_goal_target_percent",
            ),
            models.CheckConstraint(
                condition=Q(baseline_override__isnull=True)
                | ~Q(baseline_override_reason=""),
                name="smart_goal_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.statement

    @property
    def baseline(self) -> Decimal | None:
        if self.baseline_override is not None:
            return self.baseline_override
        return self.computed_baseline

    @property
    def scope_course_id(self) -> int:
        return self.course_id or self.outcome.course_id

    @property
    def scope_label(self) -> str:
        if self.outcome_id:
            return f"essential outcome {self.outcome.code}"
        return f"all essential outcomes of {self.course.title}"

    @property
    def statement(self) -> str:
        course = self.outcome.course if self.outcome_id else self.course
        start = (
            f"from {percent_label(self.baseline)}% "
            if self.baseline is not None
            else ""
        )
        return (
            f"The percentage of {course.title} students proficient on "
            f"{self.scope_label} rises {start}to {percent_label(self.target)}% by "
            f"{self.deadline:%-d %B %Y}."
        )


class Meeting(models.Model):
    class Kind(models.TextChoices):
        TEAM = "team", "Team meeting"
        DATA = "data", "Data meeting"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(
        max_length=10,
        choices=Kind,
        default=Kind.TEAM,
        help_text="A data meeting reviews the results of one common assessment.",
    )
    held_on = models.DateField("date")
    starts_at = models.TimeField("start time", null=True, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="team_meetings", blank=True
    )
    agenda = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team", "-held_on", "-starts_at"]
        indexes = [models.Index(fields=["team", "held_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.team}, {self.held_on:%-d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("teams:meeting", args=[self.team_id, self.pk])


class ActionItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="action_items"
    )
    title = models.CharField("what", max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="team_action_items",
    )
    due_on = models.DateField("due", null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["done_at", "due_on", "pk"]
        indexes = [models.Index(fields=["owner", "done_at", "due_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return not self.is_done and self.due_on is not None and self.due_on < today
