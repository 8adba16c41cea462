"""The demo schools' ladder, groups, advisors, mentors and a term of cases.

Cases are not typed in: the builder replays the term day by day through the
same services people use (open, act, check, contact, take attendance, review),
so every case has a believable history and every timeline reads as it would in
a real school. Each day's records are then dated to that day.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Event, Role
from assessments.models import StudentMastery
from interventions import selectors, services
from interventions.models import (
    ActionKind,
    Case,
    CaseAction,
    Group,
    GroupKind,
    ParentContact,
    Placement,
    ProgressCheck,
    Responsible,
    Session,
    SweepRun,
)
from interventions.sweep import WATERMARK_MARGIN
from schools.models import District, Enrollment, School, Section, StaffRole, Student
from teams.models import Team

TERM_DAYS = 112  # sixteen weeks of the term so far
# Share of a school's students who miss an outcome badly enough to be flagged
# over the term; most respond to the first rung.
FLAGGED_SHARE = 0.10

# At a review, by tier: the chance the student has learned (exit), the chance
# the plan was not delivered (held), the rest move up (or, from tier 3, are
# referred).
REVIEW_ODDS = {1: (0.62, 0.06), 2: (0.64, 0.12), 3: (0.40, 0.20)}


def build_demo_interventions(
    district: District, *, seed: int, today: datetime.date | None = None
) -> None:
    today = today or timezone.localdate()
    for school in district.schools.filter(
        sourced_id__in=["demo-stevenson", "demo-boonesmill"]
    ).order_by("pk"):
        InterventionsDemo(school, seed=seed, today=today).build()


class InterventionsDemo:
    # How people do their part: the share of actions done on time and the
    # share done by the time late ones are (the rest never are); the chance a
    # weekly progress check is made; a student's chance of being present at
    # a session, from the base plus the student's responsiveness times the
    # spread.
    ACTION_ODDS = (0.78, 0.9)
    CHECK_ODDS = 0.85
    PRESENT_BASE, PRESENT_SPREAD = 0.72, 0.26

    def __init__(self, school: School, *, seed: int, today: datetime.date):
        self.school = school
        # By the school's roster id, not its row id: the same demo whatever
        # rows the database made before it.
        self.rng = random.Random(f"{seed}-{school.sourced_id or school.name}")
        self.today = today
        roles = StaffRole.objects.filter(school=school, is_active=True).select_related(
            "user"
        )
        self.staff = defaultdict(list)
        for role in roles.order_by("pk"):
            self.staff[role.role].append(role.user)
        self.principal = self.staff[Role.PRINCIPAL][0]

    @transaction.atomic
    def build(self) -> None:
        services.ladder_install_default(school=self.school, actor=self.principal)
        self.groups = self.build_groups()
        self.assign_advisors_and_mentors()
        self.replay_term()
        self.record_review()

    def record_review(self) -> None:
        """The replayed term ends with today's review done: the next daily
        review looks at what changes from now on, as in a school that has used
        the ladder all term."""
        now = timezone.now()
        # The kept mastery the term was replayed from is older than this
        # review, even though it was computed minutes ago: dated back past the
        # review's margin, it is not flagged again as if it had just changed.
        # The school's ids as a list: the tables were just filled and have no
        # statistics yet, and a join the planner thinks is tiny ran for minutes.
        students = list(
            Student.objects.filter(school=self.school).values_list("pk", flat=True)
        )
        StudentMastery.objects.filter(
            student_id__in=students,
            computed_at__gt=now - WATERMARK_MARGIN - datetime.timedelta(minutes=1),
        ).update(computed_at=now - WATERMARK_MARGIN - datetime.timedelta(minutes=1))
        opened = Case.objects.filter(school=self.school, opened_on=self.today).count()
        SweepRun.objects.create(
            school=self.school,
            kind=SweepRun.Kind.DAILY,
            as_of=self.today,
            status=SweepRun.Status.SUCCEEDED,
            started_at=now,
            finished_at=now,
            counts={"opened": opened},
        )

    # The school's people and groups -------------------------------------------

    def build_groups(self) -> dict[str, Group]:
        supervisors = self.staff[Role.INTERVENTIONIST] or [self.principal]
        teachers = self.staff[Role.TEACHER]
        elementary = "boonesmill" in self.school.sourced_id
        specs = [
            ("Tutoring centre", GroupKind.TUTORING_CENTRE, None, [1, 2, 3, 4, 5]),
            ("Required tutoring", GroupKind.REQUIRED_TUTORING, 40, [2, 4]),
            ("Guided study hall P3", GroupKind.GUIDED_STUDY_HALL, 10, [1, 2, 3, 4, 5]),
            ("Extension seminar", GroupKind.EXTENSION, 15, [3]),
        ]
        if elementary:
            specs = [
                (
                    "Reading and math lab",
                    GroupKind.TUTORING_CENTRE,
                    None,
                    [1, 2, 3, 4, 5],
                ),
                (
                    "Small-group intervention",
                    GroupKind.REQUIRED_TUTORING,
                    12,
                    [1, 3, 5],
                ),
                (
                    "Daily intensive group",
                    GroupKind.GUIDED_STUDY_HALL,
                    6,
                    [1, 2, 3, 4, 5],
                ),
                ("Enrichment club", GroupKind.EXTENSION, 12, [5]),
            ]
        groups = {}
        for index, (name, kind, capacity, weekdays) in enumerate(specs):
            supervisor = (
                teachers[index % len(teachers)]
                if kind == GroupKind.EXTENSION and teachers
                else supervisors[min(index, len(supervisors) - 1)]
                if kind != GroupKind.GUIDED_STUDY_HALL
                else supervisors[0]
            )
            groups[kind] = Group.objects.create(
                school=self.school,
                name=name,
                kind=kind,
                supervisor=supervisor,
                weekdays=weekdays,
                period={
                    GroupKind.GUIDED_STUDY_HALL: "Period 3",
                    GroupKind.REQUIRED_TUTORING: "Study hall",
                    GroupKind.TUTORING_CENTRE: "Before and after school",
                    GroupKind.EXTENSION: "Advisory",
                }[kind],
                room=str(101 + index * 12),
                capacity=capacity,
            )
        return groups

    def assign_advisors_and_mentors(self) -> None:
        """Every student has a faculty advisor but a few, so the ladder shows
        what happens when one is missing; some younger students have a mentor."""
        teachers = self.staff[Role.TEACHER]
        students = list(
            Student.objects.filter(school=self.school, is_active=True).order_by(
                "last_name", "first_name", "pk"
            )
        )
        for index, student in enumerate(students):
            if teachers and self.rng.random() > 0.03:
                student.faculty_advisor = teachers[index % len(teachers)]
        by_grade = defaultdict(list)
        for student in students:
            by_grade[student.grade_level].append(student)
        for student in students:
            older = by_grade.get(student.grade_level + 2) or by_grade.get(
                student.grade_level + 1
            )
            if older and self.rng.random() < 0.3:
                student.mentor = self.rng.choice(older)
        Student.objects.bulk_update(
            students, ["faculty_advisor", "mentor"], batch_size=2000
        )

    # A term, replayed ---------------------------------------------------------------

    def candidates(self) -> list[tuple[Student, object, list]]:
        """Students not yet proficient on outcomes of a course they take, with
        the kept mastery that flags them."""
        courses = {
            c.pk: c
            for team in Team.objects.filter(school=self.school, is_active=True)
            for c in team.courses.all()
        }
        enrolled = set(
            Enrollment.objects.active()
            .filter(section__in=Section.objects.current().filter(course_id__in=courses))
            .values_list("student_id", "section__course_id")
        )
        flagged = defaultdict(list)
        for mastery in (
            StudentMastery.objects.filter(
                status=StudentMastery.Status.NOT_YET,
                outcome__course_id__in=courses,
                outcome__is_active=True,
                student__school=self.school,
            )
            .select_related("student", "outcome")
            .order_by("student_id", "outcome__position")
        ):
            key = (mastery.student_id, mastery.outcome.course_id)
            if key in enrolled:
                flagged[key].append(mastery)
        students = Student.objects.filter(school=self.school, is_active=True).count()
        wanted = max(8, round(students * FLAGGED_SHARE))
        keys = sorted(flagged)
        self.rng.shuffle(keys)
        # The demo teacher's own classes get a few cases, so their home page
        # shows what a teacher sees of the ladder.
        slug = self.school.sourced_id.removeprefix("demo-")
        taught = set(
            Enrollment.objects.active()
            .filter(
                section__in=Section.objects.current().filter(
                    section_teachers__teacher__email=f"teacher@{slug}.example"
                )
            )
            .values_list("student_id", "section__course_id")
        )
        mine = [key for key in keys if key in taught][:8]
        keys = mine + [key for key in keys if key not in mine]
        seen_students = set()
        chosen = []
        for student_id, course_id in keys:
            if student_id in seen_students:
                continue
            seen_students.add(student_id)
            masteries = flagged[(student_id, course_id)][:2]
            chosen.append((masteries[0].student, courses[course_id], masteries))
            if len(chosen) >= wanted:
                break
        return chosen

    def replay_term(self) -> None:
        start = self.today - datetime.timedelta(days=TERM_DAYS)
        chosen = self.candidates()
        openings = defaultdict(list)
        for entry in chosen:
            # A wave of flags after the first unit's common assessment, then a
            # steady trickle as each team finalizes its next one.
            offset = (
                self.rng.randint(0, 20)
                if self.rng.random() < 0.4
                else self.rng.randint(0, TERM_DAYS - 3)
            )
            openings[start + datetime.timedelta(days=offset)].append(entry)
        self.responsive = {}  # case id → how readily the student responds
        self.fates = {}  # action id → the day its owner does it, or None
        day = start
        while day <= self.today:
            marker = Event.objects.aggregate(Max("pk"))["pk__max"] or 0
            if day.weekday() < 5:
                self.play_day(day, openings.get(day, []))
            self.date_the_day(day, marker)
            day += datetime.timedelta(days=1)

    def play_day(self, day: datetime.date, opening: list) -> None:
        snapshots = selectors.mastery_snapshots(
            [student.pk for student, _, _ in opening],
            [m.outcome_id for _, _, masteries in opening for m in masteries],
        )
        for student, course, masteries in opening:
            result = services.case_open(
                student=student,
                course=course,
                outcomes=[
                    (m.outcome, snapshots[(student.pk, m.outcome_id)])
                    for m in masteries
                ],
                system="flagging",
                on=day,
                reason="Not yet proficient on a finalized common assessment",
            )
            self.responsive[result.case.pk] = self.rng.random()
        open_cases = self.work_day(day)
        for case in open_cases:
            if case.next_review_on == day:
                self.review(day, case)

    def work_day(self, day: datetime.date) -> list[Case]:
        """A school day's work on the open cases: actions, parent contacts,
        attendance and, on Fridays, the weekly progress checks."""
        open_cases = list(
            Case.objects.open()
            .filter(school=self.school)
            .select_related("student", "rung", "counselor")
            .order_by("pk")
        )
        self.do_actions(day, open_cases)
        self.take_attendance(day)
        if day.weekday() == 4:
            self.weekly_checks(day, open_cases)
        return open_cases

    def responsiveness(self, case_id: int, default: float) -> float:
        """How readily the student on a case responds, from 0 to 1."""
        return self.responsive.get(case_id, default)

    def do_actions(self, day, open_cases) -> None:
        due = (
            CaseAction.objects.filter(
                case__in=open_cases,
                done_at__isnull=True,
                due_on__lte=day + datetime.timedelta(days=2),
                kind=ActionKind.TASK,
            )
            .select_related("case", "owner")
            .order_by("pk")
        )
        for action in due:
            # Most people do their part on time, some late, a few never: those
            # cases are the ones held for a plan not delivered.
            if action.pk not in self.fates:
                roll = self.rng.random()
                on_time, late = self.ACTION_ODDS
                self.fates[action.pk] = (
                    day
                    if roll < on_time
                    else day + datetime.timedelta(days=self.rng.randint(4, 12))
                    if roll < late
                    else None
                )
            when = self.fates[action.pk]
            if action.owner and when is not None and when <= day:
                services.case_action_set_done(action=action, actor=action.owner)
        parents = (
            CaseAction.objects.filter(
                case__in=open_cases,
                done_at__isnull=True,
                due_on__lte=day + datetime.timedelta(days=1),
                kind=ActionKind.PARENT_CONTACT,
            )
            .select_related("case__student", "case__counselor", "owner")
            .order_by("pk")
        )
        for action in parents:
            if self.rng.random() < 0.6:
                self.contact_parents(day, action.case, action.owner)

    def contact_parents(self, day, case, actor) -> None:
        actor = actor or case.counselor or self.principal
        guardian = case.student.guardians.filter(is_active=True).order_by("pk").first()
        reached = guardian is not None and self.rng.random() < 0.9
        services.parent_contact_add(
            case=case,
            actor=self.counselor_or(actor),
            contacted_on=day,
            method=self.rng.choice(
                [ParentContact.Method.PHONE, ParentContact.Method.EMAIL]
            ),
            guardian=guardian,
            summary=(
                f"Explained that {case.student.full_name} has not yet learned "
                f"the outcome in {case.course.title} and what the school will do."
                if reached
                else "Left a message; no answer yet."
            ),
            parents_informed=reached,
            not_informed_reason="" if reached else "No answer at the numbers on file",
        )

    def counselor_or(self, user):
        return user if user else self.principal

    def take_attendance(self, day) -> None:
        for group in self.groups.values():
            if day.isoweekday() not in group.weekdays:
                continue
            members = [
                p
                for p in group.placements.filter(
                    status__in=[Placement.Status.PLACED, Placement.Status.ENDED],
                    placed_on__lte=day,
                ).order_by("pk")
                if p.ended_on is None or p.ended_on >= day
            ]
            if not members:
                continue
            marks = {}
            for placement in members:
                chance = self.responsiveness(placement.case_id, 0.7)
                roll = self.rng.random()
                mark = (
                    "excused"
                    if roll < 0.04
                    else "present"
                    if roll < self.PRESENT_BASE + self.PRESENT_SPREAD * chance
                    else "absent"
                )
                marks[placement.student_id] = (
                    mark,
                    None if mark != "present" else self.rng.random() < 0.75,
                )
            services.attendance_take(
                group=group,
                actor=group.supervisor or self.principal,
                on=day,
                marks=marks,
            )

    def weekly_checks(self, day, open_cases) -> None:
        for case in open_cases:
            if (case.tier or 1) < 2 or self.rng.random() > self.CHECK_ODDS:
                continue
            chance = self.responsiveness(case.pk, 0.5)
            progress = (
                ProgressCheck.Progress.ON_TRACK
                if chance > 0.6
                else ProgressCheck.Progress.SOME_CONCERN
                if chance > 0.3
                else ProgressCheck.Progress.NO_PROGRESS
            )
            services.progress_check_add(
                case=case,
                actor=case.counselor or self.principal,
                progress=progress,
                score=round(40 + 50 * chance + self.rng.uniform(-8, 8), 1),
                note="Checked with the teacher and the tutor.",
                checked_on=day,
            )

    def review(self, day, case) -> None:
        """The decision a counselor makes at a review, by how the student is doing."""
        counselor = case.counselor or self.principal
        tier = case.tier or 1
        learned, not_delivered = REVIEW_ODDS.get(tier, REVIEW_ODDS[3])
        chance = self.responsiveness(case.pk, 0.5)
        roll = self.rng.random()
        if roll < learned * (0.6 + chance):
            services.case_exit(
                case=case,
                actor=counselor,
                reason="Proficient on the re-assessment after the rung's support.",
                on=day,
            )
        elif roll < learned * (0.6 + chance) + not_delivered:
            services.case_hold(
                case=case,
                actor=counselor,
                reason="Fewer than 80% of the scheduled sessions were attended.",
                review_on=day + datetime.timedelta(days=14),
                on=day,
            )
        elif tier >= 3:
            services.case_refer(
                case=case,
                actor=counselor,
                reason="No gain after the guided study hall; the student support "
                "team will look at other needs.",
                on=day,
            )
        else:
            services.case_move(
                case=case,
                actor=counselor,
                direction="up",
                reason="Still not proficient after six weeks of this rung.",
                on=day,
            )
            case.refresh_from_db()
            if case.rung_snapshot.get("needs_contract"):
                self.sign_contract(day, case, counselor)

    def sign_contract(self, day, case, counselor) -> None:
        meeting = day + datetime.timedelta(days=3)
        contract = services.contract_create(
            case=case,
            actor=counselor,
            meeting_on=meeting,
            student_commitment="Attend guided study hall every day and bring the "
            "homework that is due.",
            parent_commitment="Check the planner every evening and call the "
            "counselor with any concern.",
            school_commitment="Send the study hall supervisor the week's homework "
            "and reteach the outcome in a small group.",
        )
        if meeting <= self.today:
            self.sign_at_meeting(contract, counselor)

    def sign_at_meeting(self, contract, counselor) -> None:
        """Signed at the meeting; the teacher of the course signs for the team."""
        case = contract.case
        people = [("student", case.student.full_name, None)]
        guardian = case.student.guardians.filter(is_active=True).order_by("pk").first()
        if guardian:
            people.append(
                ("guardian", f"{guardian.first_name} {guardian.last_name}", guardian)
            )
        people.append(("counselor", counselor.full_name or counselor.email, None))
        teacher = (
            CaseAction.objects.filter(
                case=case, responsible=Responsible.TEACHER, owner__isnull=False
            )
            .select_related("owner")
            .first()
        )
        if teacher:
            people.append(("teacher", teacher.owner.full_name, None))
        for party, name, guardian in people:
            services.contract_sign(
                contract=contract,
                actor=counselor,
                party=party,
                name=name,
                guardian=guardian,
                signed_on=contract.meeting_on,
            )

    def date_the_day(self, day: datetime.date, marker: int) -> None:
        """Everything written while replaying a day happened on that day."""
        moment = timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(15, 30))
        )
        Event.objects.filter(pk__gt=marker).update(at=moment)
        CaseAction.objects.filter(case__school=self.school, done_at__gt=moment).update(
            done_at=moment
        )
        Session.objects.filter(group__school=self.school, on=day).update(
            taken_at=moment
        )
