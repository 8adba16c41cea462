"""Two schools with everything a route can point at, for the sweep of every route.

Each school (`a` is Stevenson, `b` is Riverbend, in the same district) has a
principal; a teacher who leads the Algebra 1 team and teaches a section; a
colleague who teaches another section of the course but is on no team; a
counselor with a caseload; an interventionist who supervises a group; students
with distinctive names; the team's outcomes, an open and a finalized assessment,
a meeting with an action item and a SMART goal; the default ladder, a case with a
confidential note, a contract and a letter home; a roster import. The district
has a district admin; a second district has its own admin, who sees neither.

Within school a, the teacher's students are "Aldenbrook0" to "Aldenbrook2"
(the first on the counselor's caseload, in a case and placed in the group) and
the colleague's Biology student is "AldenbrookBio".

Students of school b carry the surname "Quarrington-Vex" and IDs starting
"88", so a page of school a that shows any of them is caught by a plain search.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from accounts.models import Role
from assessments import services as assessment_services
from assessments.models import ReteachItem
from interventions import services as intervention_services
from interventions.models import (
    CaseNote,
    Contract,
    Group,
    GroupKind,
    ParentNotice,
)
from interventions.tests.conftest import reviewed_today
from schools.models import ImportRun
from schools.tests.factories import (
    DistrictFactory,
    EnrollmentFactory,
    GuardianFactory,
    SchoolFactory,
    SectionFactory,
    StudentFactory,
    staff,
    teach,
)
from teams import services as team_services
from teams.models import TeamMembership
from teams.tests.factories import MembershipFactory, OutcomeFactory, TeamFactory

FOREIGN_SURNAME = "Quarrington-Vex"
CONFIDENTIAL_TEXT = "Disclosed at home: CONFIDENTIAL-NOTE-7731 about the family"


def _snapshot(value=55):
    return {
        "status": "not_yet",
        "value": value,
        "method": "latest",
        "calculation": f"latest score {value}% < 80%",
        "assessment": "Unit 1 common assessment",
    }


def _school(district, key: str, surname: str, id_prefix: str) -> SimpleNamespace:
    school = SchoolFactory(district=district, name=f"School {key.upper()}")
    principal = staff(Role.PRINCIPAL, school=school, email=f"principal@{key}.example")
    teacher = staff(Role.TEACHER, school=school, email=f"teacher@{key}.example")
    colleague = staff(Role.TEACHER, school=school, email=f"colleague@{key}.example")
    counselor = staff(Role.COUNSELOR, school=school, email=f"counselor@{key}.example")
    # Another counselor of the school, whose caseload is empty.
    other_counselor = staff(
        Role.COUNSELOR, school=school, email=f"counselor2@{key}.example"
    )
    interventionist = staff(
        Role.INTERVENTIONIST, school=school, email=f"interventionist@{key}.example"
    )

    section = SectionFactory(course__school=school, name=f"Algebra 1 — {key} P1")
    course = section.course
    teach(teacher, section)
    other_section = SectionFactory(
        course__school=school, term=section.term, name=f"Biology — {key} P2"
    )
    teach(colleague, other_section)
    students = [
        EnrollmentFactory(
            section=section,
            student=StudentFactory(
                school=school,
                counselor=counselor,
                last_name=f"{surname}{i}",
                local_id=f"{id_prefix}{i:04d}",
            ),
        ).student
        for i in range(3)
    ]
    untaught = EnrollmentFactory(
        section=other_section,
        student=StudentFactory(
            school=school, last_name=f"{surname}Bio", local_id=f"{id_prefix}0099"
        ),
    ).student
    guardian = GuardianFactory(district=district)
    guardian.students.add(students[0])

    team = TeamFactory(school=school, name=f"Algebra 1 team {key}", courses=[course])
    lead = MembershipFactory(team=team, user=teacher, role=TeamMembership.Role.LEAD)
    outcomes = [
        OutcomeFactory(team=team, course=course, code=f"ALG1.EO{i}", position=i)
        for i in (1, 2)
    ]
    goal = team_services.goal_create(
        team=team,
        actor=teacher,
        target=Decimal(80),
        deadline=datetime.date.today() + datetime.timedelta(days=60),
        outcome=outcomes[0],
    )
    meeting = team_services.meeting_save(
        team=team,
        actor=teacher,
        held_on=datetime.date.today() - datetime.timedelta(days=3),
        agenda="Look at unit 1",
    )
    action_item = team_services.action_item_create(
        meeting=meeting,
        actor=teacher,
        title="Bring the reteach plan",
        owner=teacher,
        due_on=datetime.date.today() + datetime.timedelta(days=5),
    )

    def assessment(title, days_ago):
        made = assessment_services.assessment_create(
            team=team,
            course=course,
            title=title,
            administered_on=datetime.date.today() - datetime.timedelta(days=days_ago),
            actor=teacher,
        )
        items = assessment_services.items_replace(
            assessment=made,
            items=[
                assessment_services.ItemSpec(1, Decimal(4), outcomes[0], "Solve"),
                assessment_services.ItemSpec(2, Decimal(4), outcomes[1]),
            ],
            actor=teacher,
        )
        assessment_services.assessment_open(assessment=made, actor=teacher)
        return made, items

    finalized, finalized_items = assessment("Unit 1 common assessment", 14)
    for student in students:
        assessment_services.score_enter(
            assessment=finalized,
            item=finalized_items[0],
            student=student,
            raw="1",
            seen_version=0,
            actor=teacher,
        )
    assessment_services.assessment_finalize(assessment=finalized, actor=teacher)
    open_assessment, _ = assessment("Unit 2 common assessment", 2)
    draft_assessment = assessment_services.assessment_create(
        team=team,
        course=course,
        title="Unit 3 common assessment",
        administered_on=datetime.date.today() + datetime.timedelta(days=14),
        actor=teacher,
    )
    # Finalizing found too few proficient in the section: the lesson is retaught.
    reteach, _ = ReteachItem.objects.get_or_create(
        assessment=finalized,
        section=section,
        outcome=outcomes[0],
        defaults={"proficient_percent": Decimal(0), "threshold": Decimal(70)},
    )

    rungs = intervention_services.ladder_install_default(school=school, system="test")
    study_hall = Group.objects.create(
        school=school,
        name=f"Guided study hall {key}",
        kind=GroupKind.GUIDED_STUDY_HALL,
        supervisor=interventionist,
        weekdays=[1, 2, 3, 4, 5],
        capacity=10,
    )
    unsupervised = Group.objects.create(
        school=school,
        name=f"Tutoring centre {key}",
        kind=GroupKind.TUTORING_CENTRE,
        weekdays=[1, 2, 3, 4, 5],
    )
    opening = intervention_services.case_open(
        student=students[0],
        course=course,
        outcomes=[(outcomes[0], _snapshot())],
        system="test",
    )
    case = opening.case if hasattr(opening, "case") else opening
    placement = intervention_services.placement_request(
        group=study_hall, student=students[0], actor=principal, case=case
    )
    CaseNote.objects.create(
        case=case, text=f"{CONFIDENTIAL_TEXT} {key}", confidential=True, by=counselor
    )
    CaseNote.objects.create(case=case, text="Plain note", by=counselor)
    contract = Contract.objects.create(
        case=case,
        rung=rungs[0],
        meeting_on=datetime.date.today(),
        student_commitment="Go to tutoring",
        parent_commitment="Check homework",
        school_commitment="Tutor twice a week",
    )
    notice = ParentNotice.objects.filter(case=case).first() or (
        ParentNotice.objects.create(
            case=case,
            rung=rungs[0],
            rung_entered_on=datetime.date.today(),
            guardian=guardian,
            subject="Support for your child",
            body="Letter body",
        )
    )
    case_action = case.actions.order_by("pk").first()
    import_run = ImportRun.objects.create(
        district=district,
        school=school,
        uploaded_by=principal,
        file_name=f"roster-{key}.zip",
        status=ImportRun.Status.SUCCEEDED,
    )
    return SimpleNamespace(
        school=school,
        principal=principal,
        teacher=teacher,
        colleague=colleague,
        counselor=counselor,
        other_counselor=other_counselor,
        interventionist=interventionist,
        section=section,
        other_section=other_section,
        course=course,
        students=students,
        student=students[0],
        untaught=untaught,
        guardian=guardian,
        team=team,
        lead=lead,
        outcomes=outcomes,
        outcome=outcomes[0],
        goal=goal,
        meeting=meeting,
        action_item=action_item,
        finalized=finalized,
        open_assessment=open_assessment,
        draft_assessment=draft_assessment,
        reteach=reteach,
        rungs=rungs,
        rung=rungs[0],
        group=study_hall,
        unsupervised_group=unsupervised,
        case=case,
        placement=placement,
        contract=contract,
        notice=notice,
        case_action=case_action,
        import_run=import_run,
    )


def build_world() -> SimpleNamespace:
    district = DistrictFactory(name="Lakeside")
    far_district = DistrictFactory(name="Far Away")
    a = _school(district, "a", "Aldenbrook", "77")
    b = _school(district, "b", FOREIGN_SURNAME, "88")
    district_admin = staff(
        Role.DISTRICT_ADMIN, district=district, email="admin@lakeside.example"
    )
    far_admin = staff(
        Role.DISTRICT_ADMIN, district=far_district, email="admin@faraway.example"
    )
    # A school day after the morning's review: without one, /healthz would
    # rightly answer 503 from two hours past the review's hour (8:00 in the
    # district's time zone), and the public check would fail by time of day.
    reviewed_today(a.school, b.school)
    return SimpleNamespace(
        district=district,
        far_district=far_district,
        a=a,
        b=b,
        district_admin=district_admin,
        far_admin=far_admin,
    )
