"""What the dashboards keep: the share of students proficient at each finalized
common assessment, counted once.

A finalized assessment's results cannot change until it is reopened, and
reopening clears `finalized_at`, so counts kept against the `finalized_at` they
were taken at stay true for as long as it holds. The principal's dashboard
reads them instead of summing a term's item scores on every visit, and counts
any window it finds without them (`dashboards.school.window_shares`).
"""

from django.db import models
from django.utils import timezone


class WindowShare(models.Model):
    """Of the students with an outcome score on one finalized assessment, how
    many reached its mastery cut. A row without an outcome marks an assessment
    counted and found without scores."""

    assessment = models.ForeignKey(
        "assessments.CommonAssessment", on_delete=models.CASCADE, related_name="+"
    )
    outcome = models.ForeignKey(
        "teams.EssentialOutcome",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    finalized_at = models.DateTimeField()
    assessed = models.PositiveIntegerField()
    proficient = models.PositiveIntegerField()
    counted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "outcome"],
                nulls_distinct=False,
                name="window_share_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(proficient__lte=models.F("assessed")),
                name="window_share_proficient_within_assessed",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.assessment_id}/{self.outcome_id}: {self.proficient}/{self.assessed}"
        )


class KeptFigures(models.Model):
    """A part of a school's dashboard, counted once and kept against the
    school's version (`accounts/changes.py`), the day it was counted for, and
    the code that drew it (`dashboards/figures.py`). Used only while all three
    still hold; otherwise counted again and replaced."""

    class Part(models.TextChoices):
        PAGE = "page", "The principal's dashboard, drawn"
        KEPT = "kept", "Kept mastery counted for the district's side by side"

    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="+"
    )
    term = models.ForeignKey("schools.Term", on_delete=models.CASCADE, related_name="+")
    part = models.CharField(max_length=10, choices=Part.choices)
    version = models.BigIntegerField()
    day = models.DateField()
    layout = models.CharField(max_length=64)
    html = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    counted_at = models.DateTimeField(default=timezone.now)
    took_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "kept figures"
        constraints = [
            models.UniqueConstraint(
                fields=["school", "term", "part"], name="kept_figures_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_id}/{self.term_id} {self.part} v{self.version}"
