"""Demo common assessments: a school year so far of results with a realistic
spread (most students proficient, some not yet, some exceeding) and retakes.

Deterministic for a seed; dates follow today. Scores are bulk inserted and
mastery is computed once at the end, so the demo builds in seconds.
"""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from assessments.models import (
    AssessmentItem,
    CommonAssessment,
    ItemScore,
    OutcomeCut,
)
from assessments.services import mastery_rebuild, reteach_items_refresh
from schools.demo import school_year
from schools.models import Enrollment, Section
from teams.models import Team, TeamMembership

Status = CommonAssessment.Status


class AssessmentsDemo:
    def __init__(self, *, seed: int, today: datetime.date | None = None):
        self.rng = random.Random(seed * 7919 + 5)
        self.today = today or timezone.localdate()
        self.ability: dict[int, float] = {}
        # (item id, student id, points, mark), written with COPY
        self.scores: list[tuple] = []

    def student_ability(self, student_id: int) -> float:
        """A share of points the student tends to earn: mostly 0.7 to 1."""
        if student_id not in self.ability:
            self.ability[student_id] = min(0.99, max(0.3, self.rng.gauss(0.9, 0.085)))
        return self.ability[student_id]

    def build(self, teams: list[Team]) -> list[CommonAssessment]:
        created: list[CommonAssessment] = []
        with transaction.atomic():
            for team in teams:
                created += self.build_team(team)
            self.copy_scores()
        mastery_rebuild(school_ids={team.school_id for team in teams})
        for assessment in created:
            if assessment.status == Status.FINALIZED:
                reteach_items_refresh(assessment=assessment)
        return created

    def copy_scores(self) -> None:
        """COPY is several times faster than INSERT for hundreds of thousands of
        rows, and the demo builds on every fresh `make run`."""
        buffer = io.StringIO()
        now = timezone.now().isoformat()
        for item_id, student_id, points, mark in self.scores:
            shown = "\\N" if points is None else str(points)
            buffer.write(f"{item_id}\t{student_id}\t{shown}\t{mark}\t1\t{now}\n")
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {ItemScore._meta.db_table} "
                "(item_id, student_id, points, mark, version, updated_at) FROM STDIN",
                buffer,
            )

    def assessment_dates(self) -> list[datetime.date]:
        start, _ = school_year(self.today)
        dates, day = [], start + datetime.timedelta(days=28)
        while day <= self.today - datetime.timedelta(days=3):
            dates.append(day)
            day += datetime.timedelta(days=self.rng.choice([21, 28, 35]))
        return dates

    def build_team(self, team: Team) -> list[CommonAssessment]:
        lead = (
            TeamMembership.objects.filter(team=team, role=TeamMembership.Role.LEAD)
            .select_related("user")
            .first()
        )
        meeting = team.meetings.order_by("-held_on").first()
        created = []
        for course in team.courses.all():
            outcomes = list(
                team.outcomes.filter(course=course, is_active=True).order_by("position")
            )
            if len(outcomes) < 2:
                continue
            enrolled = list(
                Enrollment.objects.active()
                .filter(section__in=Section.objects.current().filter(course=course))
                .order_by("student__local_id")
                .values_list("student_id", flat=True)
            )
            dates = self.assessment_dates()
            for index, day in enumerate(dates):
                unit = outcomes[
                    (index * 2) % len(outcomes) : (index * 2) % len(outcomes) + 2
                ]
                if len(unit) < 2:
                    unit = outcomes[:2]
                latest = index == len(dates) - 1
                assessment = self.make_assessment(
                    team,
                    course,
                    title=f"Unit {index + 1} common assessment",
                    day=day,
                    outcomes=unit,
                    status=Status.OPEN if latest else Status.FINALIZED,
                    actor=lead.user if lead else None,
                )
                # The newest is still being entered: about 60% of results are in.
                self.add_scores(
                    assessment, enrolled, share_entered=0.6 if latest else 1
                )
                if meeting and index == len(dates) - 2:
                    assessment.data_meeting = meeting
                    assessment.save(update_fields=["data_meeting"])
                created.append(assessment)
                if index == 0 and len(dates) > 1:
                    created.append(self.make_retake(assessment, enrolled, dates[1]))
        return created

    def make_assessment(self, team, course, *, title, day, outcomes, status, actor):
        now = timezone.now()
        assessment = CommonAssessment.objects.create(
            team=team,
            course=course,
            title=title,
            administered_on=day,
            status=status,
            created_by=actor,
            opened_at=now,
            finalized_at=now if status == Status.FINALIZED else None,
        )
        items, number = [], 1
        for outcome in outcomes:
            for _ in range(self.rng.choice([3, 4])):
                items.append(
                    AssessmentItem(
                        assessment=assessment,
                        number=number,
                        max_points=Decimal(self.rng.choice([2, 3, 4, 4, 5])),
                        outcome=outcome,
                    )
                )
                number += 1
        AssessmentItem.objects.bulk_create(items)
        OutcomeCut.objects.bulk_create(
            OutcomeCut(assessment=assessment, outcome=outcome) for outcome in outcomes
        )
        assessment.demo_items = items
        return assessment

    def add_scores(self, assessment, student_ids, *, share_entered=1.0, boost=0.0):
        rng = self.rng
        for student_id in student_ids:
            if share_entered < 1 and rng.random() > share_entered:
                continue
            absent = rng.random() < 0.02
            ability = min(0.99, self.student_ability(student_id) + boost)
            for item in assessment.demo_items:
                if absent:
                    points, mark = None, "absent"
                else:
                    share = min(1.0, max(0.0, rng.gauss(ability, 0.1)))
                    points = round(share * float(item.max_points))
                    mark = ""
                self.scores.append((item.pk, student_id, points, mark))

    def make_retake(self, original, student_ids, day):
        """The retake after intervention, for the weaker students of unit 1."""
        retake = self.make_assessment(
            original.team,
            original.course,
            title=f"{original.title} — retake",
            day=day + datetime.timedelta(days=7),
            outcomes=list(
                {item.outcome_id: item.outcome for item in original.demo_items}.values()
            ),
            status=Status.FINALIZED,
            actor=original.created_by,
        )
        retake.retake_of = original
        retake.save(update_fields=["retake_of"])
        weak = [s for s in student_ids if self.student_ability(s) < 0.78]
        retake.students.set(weak)
        self.add_scores(retake, weak, boost=0.1)
        return retake


def build_demo_assessments(teams: list[Team], *, seed: int) -> list[CommonAssessment]:
    return AssessmentsDemo(seed=seed).build(teams)
