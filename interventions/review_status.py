"""When the daily review last ran for a school and what it did: for the
principal's page and for /healthz (docs/domain.md, "Reviewing a case")."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from interventions.models import Policy, SweepRun
from schools.models import School

DEFAULT_HOUR = Policy._meta.get_field("sweep_hour").default
# The review is missed when it has not succeeded this long after its hour.
GRACE = datetime.timedelta(hours=2)


@dataclass(frozen=True)
class ReviewStatus:
    school: School
    last: SweepRun | None  # the newest run, whatever its outcome
    last_success: SweepRun | None
    missed: bool

    @property
    def failed(self) -> bool:
        return self.last is not None and self.last.status == SweepRun.Status.FAILED

    @property
    def healthy(self) -> bool:
        return not self.failed and not self.missed

    @property
    def problem(self) -> str:
        if self.failed:
            return f"the daily review of {self.school} failed: {self.last.error}"
        if self.missed:
            return f"the daily review of {self.school} has not run today"
        return ""


def review_status(
    school_ids: list[int], *, now: datetime.datetime | None = None
) -> list[ReviewStatus]:
    """Three queries whatever the number of schools."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    schools = list(School.objects.filter(pk__in=school_ids).order_by("name"))
    hours = dict(
        Policy.objects.filter(school_id__in=school_ids).values_list(
            "school_id", "sweep_hour"
        )
    )
    runs = SweepRun.objects.filter(
        school_id__in=school_ids, kind=SweepRun.Kind.DAILY
    ).order_by("school_id", "-started_at")
    last, last_success = {}, {}
    for run in runs.filter(started_at__gte=now - datetime.timedelta(days=8)):
        last.setdefault(run.school_id, run)
        if run.status == SweepRun.Status.SUCCEEDED:
            last_success.setdefault(run.school_id, run)
    statuses = []
    for school in schools:
        due = local.replace(
            hour=hours.get(school.pk, DEFAULT_HOUR), minute=0, second=0, microsecond=0
        )
        success = last_success.get(school.pk)
        ran_today = success is not None and success.as_of >= local.date()
        # A school the roster deactivated is not reviewed, and owes no review.
        missed = school.is_active and local >= due + GRACE and not ran_today
        statuses.append(
            ReviewStatus(
                school=school,
                last=last.get(school.pk),
                last_success=success,
                missed=missed,
            )
        )
    return statuses
