"""Demo teams for the demo district built by `schools.demo`.

Stevenson High School gets one course team per course, Boones Mill Elementary a
grade-level team per grade owning that grade's mathematics and reading. Each team
gets norms, essential outcomes with real-looking standard codes, SMART goals and
a past meeting with action items. A fixed number of queries per school, so the
50,000-student benchmark district costs no more than the small one.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Role
from accounts.services import event_build, events_record
from schools.models import Course, District, School, SectionTeacher, StaffRole
from teams.models import (
    ActionItem,
    EssentialOutcome,
    Meeting,
    Norm,
    SchoolCommitments,
    SchoolGoal,
    SmartGoal,
    Team,
    TeamMembership,
)

# (unit, statement, standards) per course code, in teaching order.
HIGH_SCHOOL_OUTCOMES: dict[str, list[tuple[str, str, list[str]]]] = {
    "ALG1": [
        ("Unit 1", "I can solve linear equations in one variable.", ["A-REI.B.3"]),
        (
            "Unit 1",
            "I can write and solve equations that describe a situation.",
            ["A-CED.A.1", "A-CED.A.2"],
        ),
        (
            "Unit 2",
            "I can graph a linear function and explain its slope and intercept.",
            ["F-IF.C.7a", "F-LE.A.2"],
        ),
        ("Unit 3", "I can solve systems of linear equations.", ["A-REI.C.6"]),
        ("Unit 4", "I can add, subtract and multiply polynomials.", ["A-APR.A.1"]),
        (
            "Unit 5",
            "I can solve quadratic equations by factoring and by the formula.",
            ["A-REI.B.4b"],
        ),
    ],
    "GEOM": [
        ("Unit 1", "I can describe and perform rigid transformations.", ["G-CO.A.5"]),
        ("Unit 2", "I can prove triangles congruent.", ["G-CO.B.8", "G-CO.C.10"]),
        ("Unit 3", "I can use similarity to solve problems.", ["G-SRT.B.5"]),
        ("Unit 4", "I can use trigonometric ratios in right triangles.", ["G-SRT.C.8"]),
        ("Unit 5", "I can find arc lengths and areas of sectors.", ["G-C.B.5"]),
    ],
    "ALG2": [
        (
            "Unit 1",
            "I can analyze functions using different representations.",
            ["F-IF.C.9"],
        ),
        ("Unit 2", "I can rewrite and solve polynomial equations.", ["A-APR.B.3"]),
        ("Unit 3", "I can solve exponential equations with logarithms.", ["F-LE.A.4"]),
        ("Unit 4", "I can model with trigonometric functions.", ["F-TF.B.5"]),
        ("Unit 5", "I can make inferences from sample surveys.", ["S-IC.B.4"]),
    ],
    "PRECALC": [
        ("Unit 1", "I can compose and invert functions.", ["F-BF.B.4b"]),
        (
            "Unit 2",
            "I can use the unit circle to evaluate trigonometric functions.",
            ["F-TF.A.2"],
        ),
        ("Unit 3", "I can work with vectors and their magnitudes.", ["N-VM.A.3"]),
        (
            "Unit 4",
            "I can represent complex numbers on the complex plane.",
            ["N-CN.B.4"],
        ),
    ],
    "ENG9": [
        (
            "Unit 1",
            "I can cite strong textual evidence to support my analysis.",
            ["RL.9-10.1"],
        ),
        ("Unit 1", "I can determine a theme and how it develops.", ["RL.9-10.2"]),
        ("Unit 2", "I can analyze how complex characters develop.", ["RL.9-10.3"]),
        ("Unit 3", "I can write an argument with valid reasoning.", ["W.9-10.1"]),
        ("Unit 4", "I can delineate and evaluate an argument.", ["RI.9-10.8"]),
        ("Unit 5", "I can use standard English grammar and usage.", ["L.9-10.1"]),
    ],
    "ENG10": [
        ("Unit 1", "I can analyze an author's choices about structure.", ["RL.9-10.5"]),
        (
            "Unit 2",
            "I can write an informative text that conveys complex ideas.",
            ["W.9-10.2"],
        ),
        ("Unit 3", "I can analyze a point of view in world literature.", ["RL.9-10.6"]),
        ("Unit 4", "I can run a short research project.", ["W.9-10.7"]),
    ],
    "ENG11": [
        (
            "Unit 1",
            "I can analyze how themes interact in American texts.",
            ["RL.11-12.2"],
        ),
        (
            "Unit 2",
            "I can evaluate the rhetoric of a founding document.",
            ["RI.11-12.9"],
        ),
        ("Unit 3", "I can write a narrative with a coherent structure.", ["W.11-12.3"]),
        ("Unit 4", "I can integrate multiple sources in research.", ["W.11-12.8"]),
    ],
    "ENG12": [
        ("Unit 1", "I can analyze a Shakespeare play's impact.", ["RL.11-12.3"]),
        ("Unit 2", "I can interpret figurative language in poetry.", ["L.11-12.5"]),
        ("Unit 3", "I can write a sustained literary argument.", ["W.11-12.1"]),
        ("Unit 4", "I can present findings clearly to an audience.", ["SL.11-12.4"]),
    ],
    "BIO": [
        (
            "Unit 1",
            "I can explain how DNA structure determines proteins.",
            ["HS-LS1-1"],
        ),
        ("Unit 2", "I can model how cells divide and differentiate.", ["HS-LS1-4"]),
        (
            "Unit 3",
            "I can model photosynthesis and cellular respiration.",
            ["HS-LS1-5", "HS-LS1-7"],
        ),
        ("Unit 4", "I can explain patterns of inheritance.", ["HS-LS3-1", "HS-LS3-3"]),
        (
            "Unit 5",
            "I can use evidence for evolution by natural selection.",
            ["HS-LS4-1", "HS-LS4-4"],
        ),
        (
            "Unit 6",
            "I can explain how ecosystems cycle matter and energy.",
            ["HS-LS2-4"],
        ),
    ],
    "CHEM": [
        ("Unit 1", "I can predict properties from the periodic table.", ["HS-PS1-1"]),
        ("Unit 2", "I can explain bonding and intermolecular forces.", ["HS-PS1-3"]),
        ("Unit 3", "I can balance equations and use stoichiometry.", ["HS-PS1-7"]),
        ("Unit 4", "I can explain reaction rates with collision theory.", ["HS-PS1-5"]),
        ("Unit 5", "I can reason about equilibrium shifts.", ["HS-PS1-6"]),
    ],
    "PHYS": [
        ("Unit 1", "I can analyze motion with Newton's second law.", ["HS-PS2-1"]),
        ("Unit 2", "I can use conservation of momentum.", ["HS-PS2-2"]),
        ("Unit 3", "I can track energy through a system.", ["HS-PS3-1"]),
        ("Unit 4", "I can describe waves and their properties.", ["HS-PS4-1"]),
    ],
    "ENVSCI": [
        ("Unit 1", "I can model Earth's systems and feedbacks.", ["HS-ESS2-2"]),
        ("Unit 2", "I can evaluate solutions for resource management.", ["HS-ESS3-2"]),
        ("Unit 3", "I can analyze human impacts on biodiversity.", ["HS-LS2-7"]),
        ("Unit 4", "I can use climate data to forecast change.", ["HS-ESS3-5"]),
    ],
    "WHIST": [
        (
            "Unit 1",
            "I can explain how historical context shapes a source.",
            ["D2.His.4.9-12"],
        ),
        (
            "Unit 2",
            "I can analyze change and continuity across eras.",
            ["D2.His.1.9-12"],
        ),
        ("Unit 3", "I can compare causes of a revolution.", ["D2.His.14.9-12"]),
        (
            "Unit 4",
            "I can build an argument from multiple sources.",
            ["D2.His.16.9-12"],
        ),
        (
            "Unit 5",
            "I can explain the effects of global trade networks.",
            ["D2.Geo.7.9-12"],
        ),
    ],
    "USHIST": [
        (
            "Unit 1",
            "I can evaluate the causes of the American Revolution.",
            ["D2.His.14.9-12"],
        ),
        (
            "Unit 2",
            "I can analyze how the Constitution balances power.",
            ["D2.Civ.4.9-12"],
        ),
        (
            "Unit 3",
            "I can explain the causes and legacy of the Civil War.",
            ["D2.His.1.9-12"],
        ),
        (
            "Unit 4",
            "I can analyze perspectives on industrialization.",
            ["D2.His.4.9-12"],
        ),
        (
            "Unit 5",
            "I can evaluate the civil rights movement's strategies.",
            ["D2.His.3.9-12"],
        ),
    ],
    "CIV": [
        (
            "Unit 1",
            "I can explain the powers of each branch of government.",
            ["D2.Civ.1.9-12"],
        ),
        ("Unit 2", "I can evaluate how citizens influence policy.", ["D2.Civ.10.9-12"]),
        ("Unit 3", "I can explain how markets set prices.", ["D2.Eco.4.9-12"]),
        ("Unit 4", "I can make a personal financial plan.", ["D2.Eco.2.9-12"]),
    ],
    "GOV": [
        (
            "Unit 1",
            "I can analyze the principles of the Constitution.",
            ["D2.Civ.8.9-12"],
        ),
        ("Unit 2", "I can explain how a bill becomes law.", ["D2.Civ.5.9-12"]),
        ("Unit 3", "I can evaluate a Supreme Court decision.", ["D2.Civ.13.9-12"]),
        ("Unit 4", "I can take informed action on a public issue.", ["D4.8.9-12"]),
    ],
}

# Per grade, (statement, standards) for mathematics, then reading.
ELEMENTARY_OUTCOMES: dict[int, tuple[list, list]] = {
    0: (
        [
            ("I can count to 100 by ones and by tens.", ["K.CC.A.1"]),
            ("I can tell how many objects there are.", ["K.CC.B.4"]),
            ("I can add and subtract within 10.", ["K.OA.A.2"]),
            ("I can name shapes.", ["K.G.A.2"]),
        ],
        [
            ("I can name upper- and lowercase letters.", ["RF.K.1d"]),
            ("I can hear the sounds in a word.", ["RF.K.2d"]),
            ("I can ask and answer questions about a story.", ["RL.K.1"]),
            ("I can retell a story.", ["RL.K.2"]),
        ],
    ),
    1: (
        [
            ("I can add and subtract within 20.", ["1.OA.C.6"]),
            ("I can explain tens and ones.", ["1.NBT.B.2"]),
            ("I can measure lengths.", ["1.MD.A.2"]),
            ("I can tell time to the half hour.", ["1.MD.B.3"]),
        ],
        [
            ("I can read words with common vowel teams.", ["RF.1.3c"]),
            ("I can read with expression.", ["RF.1.4b"]),
            ("I can describe characters and setting.", ["RL.1.3"]),
            ("I can find key details in a text.", ["RI.1.1"]),
        ],
    ),
    2: (
        [
            ("I can add and subtract within 100.", ["2.NBT.B.5"]),
            ("I can solve two-step word problems.", ["2.OA.A.1"]),
            ("I can count money.", ["2.MD.C.8"]),
            ("I can read a bar graph.", ["2.MD.D.10"]),
        ],
        [
            ("I can read two-syllable words.", ["RF.2.3c"]),
            ("I can find the central message of a story.", ["RL.2.2"]),
            ("I can find the main topic of a text.", ["RI.2.2"]),
            ("I can compare two versions of a story.", ["RL.2.9"]),
        ],
    ),
    3: (
        [
            ("I can multiply and explain what it means.", ["3.OA.A.1"]),
            ("I can multiply and divide within 100.", ["3.OA.C.7"]),
            ("I can round numbers to the nearest 10 or 100.", ["3.NBT.A.1"]),
            ("I can show fractions on a number line.", ["3.NF.A.2"]),
            ("I can find the area of a rectangle.", ["3.MD.C.7"]),
        ],
        [
            ("I can ask and answer questions using the text.", ["RL.3.1"]),
            ("I can find the main idea and details.", ["RI.3.2"]),
            ("I can explain a character's actions.", ["RL.3.3"]),
            ("I can read grade-level text fluently.", ["RF.3.4"]),
        ],
    ),
    4: (
        [
            ("I can multiply multi-digit numbers.", ["4.NBT.B.5"]),
            ("I can find equivalent fractions.", ["4.NF.A.1"]),
            ("I can add and subtract fractions.", ["4.NF.B.3"]),
            ("I can measure angles.", ["4.MD.C.6"]),
        ],
        [
            ("I can refer to details when I explain a text.", ["RL.4.1"]),
            ("I can determine a theme.", ["RL.4.2"]),
            ("I can explain events in a historical text.", ["RI.4.3"]),
            ("I can write an opinion with reasons.", ["W.4.1"]),
        ],
    ),
    5: (
        [
            ("I can use place value with decimals.", ["5.NBT.A.3"]),
            (
                "I can add and subtract fractions with unlike denominators.",
                ["5.NF.A.1"],
            ),
            ("I can multiply fractions.", ["5.NF.B.4"]),
            ("I can find the volume of a prism.", ["5.MD.C.5"]),
            ("I can graph points on a coordinate plane.", ["5.G.A.2"]),
        ],
        [
            ("I can quote accurately from a text.", ["RL.5.1"]),
            ("I can compare characters in a story.", ["RL.5.3"]),
            ("I can integrate information from several texts.", ["RI.5.9"]),
            ("I can write an informative text.", ["W.5.2"]),
        ],
    ),
}

NORMS = [
    "We start and end on time, and every meeting has an agenda.",
    "We focus on the four critical questions: what students learn, how we "
    "know, and how we respond when they have or have not.",
    "Decisions are made by consensus; once made, every member supports them.",
    "We share our data openly: these are our kids, not my kids.",
    "Everyone participates; nobody dominates.",
    "We assume good intentions and speak to each other, not about each other.",
]

STEVENSON_COMMITMENTS = {
    "mission": "Success for every student.",
    "vision": "Stevenson will be a school where every student learns at high "
    "levels, leaves prepared for the future of their choosing, and is known "
    "by at least one adult.",
    "values": "\n".join(
        [
            "We work in collaborative teams and take collective responsibility "
            "for our students' learning.",
            "We agree on what every student must learn in each course.",
            "We use common assessments to find out, and act on what we learn.",
            "We give students who struggle more time and support, systematically.",
            "We celebrate learning, not only achievement.",
        ]
    ),
}
STEVENSON_GOALS = [
    (
        "Every student proficient in the essential outcomes of grade 9 courses",
        "Freshmen are where students are won or lost.",
    ),
    (
        "Close the gap between student groups in mathematics",
        "No group of students is less proficient than the school as a whole.",
    ),
    (
        "Fewer failing grades every semester",
        "Intervention before failure, not after.",
    ),
]
ELEMENTARY_COMMITMENTS = {
    "mission": "Every child reads, writes and computes at grade level or beyond.",
    "vision": "Boones Mill is a place where every child is known by name and need.",
    "values": "\n".join(
        [
            "Every adult is responsible for every child.",
            "We teach, assess, and reteach until each child learns.",
            "We partner with families.",
        ]
    ),
}
ELEMENTARY_GOALS = [
    ("Every child reading at grade level by the end of grade 3", ""),
    ("Number sense for every child", "Fluency with numbers before formulas."),
]


def _outcome_prefix(course: Course) -> str:
    return course.code.replace("-", "")


def _first_of_term_date(today: datetime.date, month: int, day: int) -> datetime.date:
    """The next date with this month and day, at least six weeks away."""
    candidate = datetime.date(today.year, month, day)
    if candidate < today + datetime.timedelta(days=42):
        candidate = datetime.date(today.year + 1, month, day)
    return candidate


class TeamsDemo:
    def __init__(self, *, seed: int, today: datetime.date | None = None):
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()

    @transaction.atomic
    def build(self, district: District) -> list[Team]:
        schools = {
            school.sourced_id: school
            for school in district.schools.filter(
                sourced_id__in=["demo-stevenson", "demo-boonesmill"]
            )
        }
        teams: list[Team] = []
        if high := schools.get("demo-stevenson"):
            teams += self.build_school(high, elementary=False)
        if elementary := schools.get("demo-boonesmill"):
            teams += self.build_school(elementary, elementary=True)
        return teams

    def build_school(self, school: School, *, elementary: bool) -> list[Team]:
        principal_role = (
            StaffRole.objects.filter(school=school, role=Role.PRINCIPAL)
            .select_related("user")
            .first()
        )
        principal = principal_role.user if principal_role else None
        SchoolCommitments.objects.create(
            school=school,
            updated_by=principal,
            **(ELEMENTARY_COMMITMENTS if elementary else STEVENSON_COMMITMENTS),
        )
        school_goals = SchoolGoal.objects.bulk_create(
            [
                SchoolGoal(school=school, title=title, description=text, position=i)
                for i, (title, text) in enumerate(
                    ELEMENTARY_GOALS if elementary else STEVENSON_GOALS
                )
            ]
        )

        courses = list(Course.objects.filter(school=school).order_by("pk"))
        # Teachers per course in roster order: the first is the team lead.
        teachers_of: dict[int, list[int]] = defaultdict(list)
        for course_id, teacher_id in (
            SectionTeacher.objects.filter(section__course__school=school)
            .order_by("pk")
            .values_list("section__course_id", "teacher_id")
        ):
            if teacher_id not in teachers_of[course_id]:
                teachers_of[course_id].append(teacher_id)

        if elementary:
            by_grade: dict[str, list[Course]] = defaultdict(list)
            for course in courses:
                by_grade[course.grade_levels].append(course)
            plans = [
                (
                    "Kindergarten team" if grade == "K" else f"Grade {grade} team",
                    Team.Kind.GRADE_LEVEL,
                    grade_courses,
                )
                for grade, grade_courses in by_grade.items()
            ]
        else:
            plans = [
                (f"{course.title} team", Team.Kind.COURSE, [course])
                for course in courses
            ]

        teams = Team.objects.bulk_create(
            [
                Team(
                    school=school,
                    name=name,
                    kind=kind,
                    mastery_method=self.rng.choice(
                        ["decaying_average", "decaying_average", "n_mastery", "latest"]
                    ),
                )
                for name, kind, _ in plans
            ]
        )
        Link = Team.courses.through
        Link.objects.bulk_create(
            [
                Link(team_id=team.pk, course_id=course.pk)
                for team, (_, _, team_courses) in zip(teams, plans, strict=True)
                for course in team_courses
            ]
        )

        memberships, members_of = [], {}
        for team, (_, _, team_courses) in zip(teams, plans, strict=True):
            people: list[int] = []
            for course in team_courses:
                people += [t for t in teachers_of[course.pk] if t not in people]
            members_of[team.pk] = people
            memberships += [
                TeamMembership(
                    team=team,
                    user_id=user_id,
                    role=TeamMembership.Role.LEAD
                    if index == 0
                    else TeamMembership.Role.MEMBER,
                )
                for index, user_id in enumerate(people)
            ]
        TeamMembership.objects.bulk_create(memberships)

        Norm.objects.bulk_create(
            [
                Norm(team=team, text=text, position=i)
                for team in teams
                for i, text in enumerate(NORMS[: self.rng.randint(4, len(NORMS))])
            ]
        )

        outcomes = []
        for team, (_, _, team_courses) in zip(teams, plans, strict=True):
            for course in team_courses:
                outcomes += self.course_outcomes(team, course, elementary=elementary)
        outcomes = EssentialOutcome.objects.bulk_create(outcomes)
        first_outcome: dict[tuple[int, int], EssentialOutcome] = {}
        for outcome in outcomes:
            first_outcome.setdefault((outcome.team_id, outcome.course_id), outcome)

        goals, events = [], []
        deadline = _first_of_term_date(self.today, 3, 15)
        for team, (_, _, team_courses) in zip(teams, plans, strict=True):
            course = team_courses[0]
            outcome = first_outcome[(team.pk, course.pk)]
            goals.append(
                SmartGoal(
                    team=team,
                    outcome=outcome,
                    baseline_override=Decimal(self.rng.randrange(48, 70)),
                    baseline_override_reason="Last year's results on the same "
                    "common assessment",
                    target=Decimal(80),
                    deadline=deadline,
                    school_goal=self.school_goal_for(
                        school_goals, course, elementary=elementary
                    ),
                    created_by=principal,
                )
            )
            if len(team_courses) > 1 or self.rng.random() < 0.5:
                goals.append(
                    SmartGoal(
                        team=team,
                        course=team_courses[-1],
                        target=Decimal(75),
                        deadline=_first_of_term_date(self.today, 5, 31),
                        school_goal=self.school_goal_for(
                            school_goals, team_courses[-1], elementary=elementary
                        ),
                        created_by=principal,
                    )
                )
            events.append(
                event_build(
                    type=EventType.TEAM_CREATED,
                    actor=principal,
                    team=team,
                    summary=f"Created {team}",
                )
            )
        SmartGoal.objects.bulk_create(goals)
        events_record(events)
        self.build_meetings(teams, members_of, first_outcome, plans)
        return teams

    @staticmethod
    def school_goal_for(
        goals: list[SchoolGoal], course: Course, *, elementary: bool
    ) -> SchoolGoal:
        """The school goal a team's goal on this course plausibly advances."""
        if elementary:
            return goals[1] if course.subject == "Mathematics" else goals[0]
        if course.grade_levels == "9":
            return goals[0]
        return goals[1] if course.subject == "Mathematics" else goals[2]

    def course_outcomes(
        self, team: Team, course: Course, *, elementary: bool
    ) -> list[EssentialOutcome]:
        prefix = _outcome_prefix(course)
        if elementary:
            grade = 0 if course.grade_levels == "K" else int(course.grade_levels)
            math, reading = ELEMENTARY_OUTCOMES[grade]
            rows = [
                ("", statement, standards)
                for statement, standards in (
                    math if course.code.endswith("MATH") else reading
                )
            ]
        else:
            rows = HIGH_SCHOOL_OUTCOMES.get(course.code, [])
        return [
            EssentialOutcome(
                team=team,
                course=course,
                code=f"{prefix}.EO{index}",
                statement=statement,
                standards=standards,
                unit=unit,
                position=index - 1,
            )
            for index, (unit, statement, standards) in enumerate(rows, start=1)
        ]

    def build_meetings(self, teams, members_of, first_outcome, plans) -> None:
        # Teams meet on Tuesday mornings: the last one before today, the next after.
        past = self.today - datetime.timedelta(days=(self.today.weekday() - 1) % 7 or 7)
        upcoming = past + datetime.timedelta(days=7)
        meetings = Meeting.objects.bulk_create(
            [
                Meeting(
                    team=team,
                    kind=kind,
                    held_on=day,
                    starts_at=datetime.time(7, 30),
                    agenda=agenda,
                    notes=notes,
                    decisions=decisions,
                )
                for team in teams
                for kind, day, agenda, notes, decisions in (
                    (
                        Meeting.Kind.TEAM,
                        past,
                        "1. Review norms\n2. Agree on the first unit's essential "
                        "outcomes\n3. Plan the first common assessment",
                        "Everyone brought their unit plans; the outcomes were "
                        "trimmed to what every student must learn.",
                        "Adopt the essential outcomes as listed.\nThe first "
                        "common assessment is given in the same week in every "
                        "section.",
                    ),
                    (
                        Meeting.Kind.TEAM,
                        upcoming,
                        "1. Review the draft common assessment item by item\n"
                        "2. Agree on the proficiency cut for each outcome",
                        "",
                        "",
                    ),
                )
            ]
        )
        Attendee = Meeting.attendees.through
        attendees, items = [], []
        for meeting in meetings:
            people = members_of[meeting.team_id]
            if meeting.held_on >= self.today or not people:
                continue
            attendees += [
                Attendee(meeting_id=meeting.pk, user_id=user_id) for user_id in people
            ]
            lead, *others = people
            owners = [lead, *(others or [lead])]
            items += [
                ActionItem(
                    meeting=meeting,
                    title="Draft the common assessment for the first unit",
                    owner_id=lead,
                    due_on=self.today - datetime.timedelta(days=2),
                ),
                ActionItem(
                    meeting=meeting,
                    title="Share last year's results for the first outcome",
                    owner_id=owners[1],
                    due_on=self.today + datetime.timedelta(days=5),
                ),
                ActionItem(
                    meeting=meeting,
                    title="Bring two student work samples to the next meeting",
                    owner_id=lead,
                    due_on=self.today + datetime.timedelta(days=6),
                ),
                ActionItem(
                    meeting=meeting,
                    title="Post the norms in the team room",
                    owner_id=owners[-1],
                    due_on=past,
                    done_at=min(
                        timezone.now(),
                        timezone.make_aware(
                            datetime.datetime.combine(
                                past + datetime.timedelta(days=1), datetime.time(15)
                            )
                        ),
                    ),
                    done_by_id=owners[-1],
                ),
            ]
        Attendee.objects.bulk_create(attendees)
        ActionItem.objects.bulk_create(items)


def build_demo_teams(district: District, *, seed: int) -> list[Team]:
    return TeamsDemo(seed=seed).build(district)
