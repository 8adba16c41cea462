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
    StudentMastery,
)
from assessments.services import mastery_rebuild, reteach_items_refresh
from plc.db import analyze
from schools.demo import ascii_slug, school_year
from schools.models import Course, Enrollment, Section, SectionTeacher
from teams.models import EssentialOutcome, Team, TeamMembership

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


# The benchmark district's year ---------------------------------------------------

# Results a student gathers in a year (docs/domain.md, "Scale"): spread over the
# courses they take, eight items an assessment.
RESULTS_PER_STUDENT = 100
ITEMS_PER_OUTCOME = 4
OUTCOMES_PER_ASSESSMENT = 2
OUTCOMES_PER_COURSE = 6
BENCHMARK_METHODS = (
    "decaying_average",
    "decaying_average",
    "latest",
    "n_mastery",
    "average",
    "power_law",
)


class BenchmarkYear:
    """A year of common assessments and results for the schools `seed_demo
    --district-students` adds, so that benchmarks meet a district's volume:
    about 100 results per student, five million for 50,000 students.

    Plain and in bulk: one team per course with its first teacher as lead, six
    outcomes, assessments spread over the last twelve months (the newest of each
    course still open, 60% entered), results written with one COPY per school,
    and kept mastery rebuilt at the end. Memory stays that of one school.
    """

    def __init__(self, *, seed: int, today: datetime.date | None = None):
        self.rng = random.Random(seed * 104729 + 11)
        self.today = today or timezone.localdate()

    def build(self, schools) -> int:
        """Build the year for these schools; the number of results written."""
        schools = list(schools)
        written = 0
        for school in schools:
            with transaction.atomic():
                written += self.build_school(school)
        analyze(CommonAssessment, AssessmentItem, OutcomeCut, ItemScore)
        mastery_rebuild(school_ids=[school.pk for school in schools])
        analyze(StudentMastery)
        return written

    def build_school(self, school) -> int:
        rng = self.rng
        courses = list(Course.objects.filter(school=school).order_by("pk"))
        students_of: dict[int, list[int]] = {course.pk: [] for course in courses}
        for course_id, student_id in (
            Enrollment.objects.active()
            .filter(section__course__in=courses, section__in=Section.objects.current())
            .order_by("student_id")
            .values_list("section__course_id", "student_id")
        ):
            students_of[course_id].append(student_id)
        # The course's first teacher leads its team (the newest pairs come
        # first, so the oldest is the one the dict keeps).
        lead_of = dict(
            SectionTeacher.objects.filter(section__course__in=courses)
            .order_by("-pk")
            .values_list("section__course_id", "teacher_id")
        )
        teams = Team.objects.bulk_create(
            [
                Team(
                    school=school,
                    name=f"{course.title} team",
                    mastery_method=rng.choice(BENCHMARK_METHODS),
                )
                for course in courses
            ]
        )
        Team.courses.through.objects.bulk_create(
            Team.courses.through(team_id=team.pk, course_id=course.pk)
            for team, course in zip(teams, courses, strict=True)
        )
        TeamMembership.objects.bulk_create(
            TeamMembership(
                team=team, user_id=lead_of[course.pk], role=TeamMembership.Role.LEAD
            )
            for team, course in zip(teams, courses, strict=True)
            if course.pk in lead_of
        )
        outcomes = EssentialOutcome.objects.bulk_create(
            EssentialOutcome(
                team=team,
                course=course,
                code=f"{ascii_slug(course.code).upper()}.EO{n}",
                statement=f"I can use what unit {n} of {course.title} teaches.",
                unit=f"Unit {n}",
                position=n - 1,
            )
            for team, course in zip(teams, courses, strict=True)
            for n in range(1, OUTCOMES_PER_COURSE + 1)
        )
        outcomes_of: dict[int, list[EssentialOutcome]] = {}
        for outcome in outcomes:
            outcomes_of.setdefault(outcome.course_id, []).append(outcome)

        # As many assessments per course as give each student about 100
        # results, the newest counting 60%: four a course where students take
        # four courses, seven where they take two.
        students = len({s for ids in students_of.values() for s in ids})
        places = sum(map(len, students_of.values())) or 1
        per_course = RESULTS_PER_STUDENT * students / places
        count = max(
            2, round(per_course / (ITEMS_PER_OUTCOME * OUTCOMES_PER_ASSESSMENT) + 0.4)
        )
        plans = []  # (assessment, course id, its outcomes, open?)
        for team, course in zip(teams, courses, strict=True):
            course_outcomes = outcomes_of[course.pk]
            for index, day in enumerate(self.dates(count)):
                first = (index * OUTCOMES_PER_ASSESSMENT) % len(course_outcomes)
                measured = course_outcomes[first : first + OUTCOMES_PER_ASSESSMENT]
                is_open = index == count - 1
                plans.append(
                    (
                        CommonAssessment(
                            team=team,
                            course=course,
                            title=f"Unit {index + 1} common assessment",
                            administered_on=day,
                            status=Status.OPEN if is_open else Status.FINALIZED,
                            opened_at=timezone.now(),
                            finalized_at=None if is_open else timezone.now(),
                        ),
                        course.pk,
                        measured,
                        is_open,
                    )
                )
        assessments = CommonAssessment.objects.bulk_create(p[0] for p in plans)
        items = AssessmentItem.objects.bulk_create(
            AssessmentItem(
                assessment=assessment,
                number=outcome_index * ITEMS_PER_OUTCOME + n + 1,
                max_points=Decimal(rng.choice([2, 3, 4, 4, 5])),
                outcome=outcome,
            )
            for assessment, (_, _, measured, _) in zip(assessments, plans, strict=True)
            for outcome_index, outcome in enumerate(measured)
            for n in range(ITEMS_PER_OUTCOME)
        )
        OutcomeCut.objects.bulk_create(
            OutcomeCut(assessment=assessment, outcome=outcome)
            for assessment, (_, _, measured, _) in zip(assessments, plans, strict=True)
            for outcome in measured
        )
        items_of: dict[int, list[AssessmentItem]] = {}
        for item in items:
            items_of.setdefault(item.assessment_id, []).append(item)

        buffer, written = io.StringIO(), 0
        now = timezone.now().isoformat()
        ability = {}
        for assessment, (_, course_id, _, is_open) in zip(
            assessments, plans, strict=True
        ):
            for student_id in students_of[course_id]:
                if is_open and rng.random() > 0.6:
                    continue
                if student_id not in ability:
                    ability[student_id] = min(0.99, max(0.3, rng.gauss(0.85, 0.1)))
                absent = rng.random() < 0.02
                for item in items_of[assessment.pk]:
                    if absent:
                        buffer.write(
                            f"{item.pk}\t{student_id}\t\\N\tabsent\t1\t{now}\n"
                        )
                    else:
                        share = min(1.0, max(0.0, rng.gauss(ability[student_id], 0.12)))
                        points = round(share * int(item.max_points))
                        buffer.write(f"{item.pk}\t{student_id}\t{points}\t\t1\t{now}\n")
                    written += 1
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {ItemScore._meta.db_table} "
                "(item_id, student_id, points, mark, version, updated_at) FROM STDIN",
                buffer,
            )
        return written

    def dates(self, count: int) -> list[datetime.date]:
        """`count` dates a school year apart at most, the newest three days ago."""
        last = self.today - datetime.timedelta(days=3)
        step = 360 // count
        return [
            last - datetime.timedelta(days=step * (count - 1 - n)) for n in range(count)
        ]


def build_benchmark_year(district, *, seed: int) -> int:
    """A year of results for the district's schools without teams: those
    `seed_demo --district-students` added for benchmarks."""
    schools = district.schools.filter(teams__isnull=True).order_by("pk")
    return BenchmarkYear(seed=seed).build(schools)
