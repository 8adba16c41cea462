"""Common assessments, their items and cuts, the points students earn, and the
mastery each student has reached on each essential outcome."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from schools.models import Course, School, Section, Student
from teams.models import EssentialOutcome, Meeting, Team

# The one declaration of the default cuts and reteach threshold (docs/domain.md,
# "Common assessments"); everything else reads these.
DEFAULT_MASTERY_CUT = Decimal(80)
DEFAULT_EXCEEDS_CUT = Decimal(95)
DEFAULT_RETEACH_THRESHOLD = Decimal(70)
PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class CommonAssessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open for entry"
        FINALIZED = "finalized", "Finalized"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="assessments")
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="common_assessments"
    )
    title = models.CharField(max_length=200)
    administered_on = models.DateField("administration date")
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    retake_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retakes",
        help_text="The earlier assessment this one re-assesses.",
    )
    students = models.ManyToManyField(
        Student,
        blank=True,
        related_name="+",
        help_text="For a retake: the students it is for. Empty: every student.",
    )
    data_meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assessments",
        help_text="The team meeting where these results are discussed.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-administered_on", "title"]
        indexes = [models.Index(fields=["team", "status", "-administered_on"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.administered_on:%b %-d, %Y})"

    def get_absolute_url(self) -> str:
        return reverse("assessments:detail", args=[self.pk])

    @property
    def is_retake(self) -> bool:
        return self.retake_of_id is not None

    @property
    def counts_toward_mastery(self) -> bool:
        """Kept mastery rests on finalized results only, so that a student's
        status never flips while a class is being entered."""
        return self.status == self.Status.FINALIZED


class AssessmentItem(models.Model):
    assessment = models.ForeignKey(
        CommonAssessment, on_delete=models.CASCADE, related_name="items"
    )
    number = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=100, blank=True)
    max_points = models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    outcome = models.ForeignKey(
        EssentialOutcome, on_delete=models.PROTECT, related_name="items"
    )

    class Meta:
        ordering = ["assessment", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "number"], name="item_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(max_points__gt=0), name="item_max_points_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Item {self.number}" + (f" ({self.label})" if self.label else "")


class OutcomeCut(models.Model):
    """Per assessment and outcome: the share of the outcome's points for mastery."""

    assessment = models.ForeignKey(
        CommonAssessment, on_delete=models.CASCADE, related_name="cuts"
    )
    outcome = models.ForeignKey(
        EssentialOutcome, on_delete=models.PROTECT, related_name="+"
    )
    mastery_cut = models.DecimalField(
        "mastery cut (%)",
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_MASTERY_CUT,
        validators=PERCENT,
    )
    exceeds_cut = models.DecimalField(
        "exceeds cut (%)",
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_EXCEEDS_CUT,
        validators=PERCENT,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "outcome"], name="cut_unique_per_outcome"
            ),
            models.CheckConstraint(
                condition=Q(mastery_cut__gte=0)
                & Q(mastery_cut__lte=models.F("exceeds_cut"))
                & Q(exceeds_cut__lte=100),
                name="cuts_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome.code}: {self.mastery_cut}% / {self.exceeds_cut}%"


class ItemScore(models.Model):
    """What one student earned on one item, or why there is no score."""

    class Mark(models.TextChoices):
        SCORED = "", "Scored"
        ABSENT = "absent", "Absent"
        EXEMPT = "exempt", "Exempt"

    item = models.ForeignKey(
        AssessmentItem, on_delete=models.CASCADE, related_name="scores"
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="item_scores"
    )
    points = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    mark = models.CharField(max_length=10, choices=Mark, blank=True, default="")
    # Each save bumps the version; a save that names an older one is refused, so
    # two people editing one cell never silently overwrite each other.
    version = models.PositiveIntegerField(default=1)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "student"], name="item_score_unique"
            ),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(mark=""),
                name="item_score_points_or_mark",
            ),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=0),
                name="item_score_points_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["student", "item"])]

    def __str__(self) -> str:
        shown = self.mark or (self.points if self.points is not None else "blank")
        return f"{self.student} {self.item}: {shown}"

    @property
    def is_blank(self) -> bool:
        return self.points is None and not self.mark


class StudentMastery(models.Model):
    """A student's current mastery of an outcome, kept so pages never recompute."""

    class Status(models.TextChoices):
        NOT_YET = "not_yet", "Not yet proficient"
        PROFICIENT = "proficient", "Proficient"
        EXCEEDS = "exceeds", "Exceeds"

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="masteries"
    )
    outcome = models.ForeignKey(
        EssentialOutcome, on_delete=models.CASCADE, related_name="masteries"
    )
    # Empty while mastery is not established (n_mastery short of n scores at
    # the cut): there is no level to report, only `progress`.
    value = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    progress = models.CharField(
        max_length=60,
        blank=True,
        help_text="For methods that count scores at the cut: “2 of 3 scores at "
        "the cut”.",
    )
    status = models.CharField(max_length=12, choices=Status)
    score_count = models.PositiveSmallIntegerField()
    method = models.CharField(max_length=20)
    explanation = models.TextField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "outcome"], name="mastery_unique"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(status="not_yet"),
                name="mastery_value_unless_not_yet",
            ),
        ]
        indexes = [models.Index(fields=["outcome", "status"])]

    def __str__(self) -> str:
        return f"{self.student} on {self.outcome.code}: {self.status}"


class MasteryDirty(models.Model):
    """A student whose kept mastery is due to be recomputed.

    Marked in the transaction of the change that alters their evidence (an
    assessment finalized or reopened, a finalized one's date moved), cleared by
    the refresh that recomputes them in the transaction that writes the result.
    Being in the database rather than in a message, a mark outlives a lost
    message or a dead worker: the next sweep finds it.
    """

    student = models.OneToOneField(
        Student, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "student whose mastery is due"
        verbose_name_plural = "students whose mastery is due"

    def __str__(self) -> str:
        return f"Mastery of student {self.student_id} due since {self.marked_at}"


class KeptMethod(models.Model):
    """The mastery method and parameters an outcome's kept mastery was last
    rebuilt with, so that the sweep notices when a team changes them (the
    teams app cannot mark students itself: it sits below this one)."""

    outcome = models.OneToOneField(
        EssentialOutcome, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    parameters = models.CharField(max_length=60)

    def __str__(self) -> str:
        return f"{self.outcome_id}: {self.parameters}"


class ReteachItem(models.Model):
    """Core-instruction triage: too few of a section reached mastery, so the team
    reteaches the lesson to the section instead of flagging each student."""

    assessment = models.ForeignKey(
        CommonAssessment, on_delete=models.CASCADE, related_name="reteach_items"
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    outcome = models.ForeignKey(
        EssentialOutcome, on_delete=models.CASCADE, related_name="+"
    )
    proficient_percent = models.DecimalField(max_digits=5, decimal_places=1)
    threshold = models.DecimalField(max_digits=5, decimal_places=1)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["proficient_percent"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "section", "outcome"], name="reteach_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Reteach {self.outcome.code} to {self.section}"


class TriagePolicy(models.Model):
    """The school's core-instruction threshold (docs/domain.md, "Core-instruction
    triage": default 70%)."""

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="triage_policy"
    )
    reteach_threshold = models.DecimalField(
        "reteach when fewer than (%) of a section reach mastery",
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_RETEACH_THRESHOLD,
        validators=PERCENT,
    )

    class Meta:
        verbose_name_plural = "triage policies"

    def __str__(self) -> str:
        return f"{self.school}: reteach below {self.reteach_threshold}%"


class KeptAnalysis(models.Model):
    """A finalized assessment's data page, counted once and kept against its
    school's version (`accounts/changes.py`), the day it was counted for and the
    code that counted it (`assessments/analysis.py`, "Kept analyses"). Used only
    while all three still hold; otherwise counted again and replaced."""

    assessment = models.OneToOneField(
        CommonAssessment, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.BigIntegerField()
    day = models.DateField()
    layout = models.CharField(max_length=64)
    # The analysis as the code that counted it pickled it, compressed; written
    # and read by `assessments/analysis.py` alone, as Django's cache would.
    data = models.BinaryField()
    counted_at = models.DateTimeField(default=timezone.now)
    took_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "kept analyses"

    def __str__(self) -> str:
        return f"Analysis of {self.assessment_id} v{self.version}"
