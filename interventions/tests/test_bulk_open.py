"""Opening many cases at once (interventions/bulk_open.py) writes what opening
each one through `services.case_open` writes, row for row, in a fixed number
of queries."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.events import EventType
from accounts.models import Event, OutboxMessage, Role
from interventions import bulk_open, services
from interventions.bulk_open import Opening, cases_open_bulk
from interventions.models import (
    Case,
    CaseAction,
    CaseOutcome,
    Group,
    GroupKind,
    Notification,
    ParentNotice,
    Placement,
    Responsible,
    RungAction,
)
from interventions.notices import SEND_TASK
from schools.models import Guardian
from schools.tests.factories import (
    CourseFactory,
    DistrictFactory,
    EnrollmentFactory,
    SchoolFactory,
    SectionFactory,
    StudentFactory,
    TermFactory,
    staff,
    teach,
)
from teams.tests.factories import OutcomeFactory, TeamFactory

MONDAY = datetime.date(2026, 10, 5)


@pytest.fixture(autouse=True)
def frozen():
    moment = timezone.make_aware(datetime.datetime.combine(MONDAY, datetime.time(7)))
    with time_machine.travel(moment, tick=False):
        yield


def snapshot(value):
    return {
        "status": "not_yet",
        "value": value,
        "method": "latest",
        "calculation": f"latest score {value}% < 80%",
        "assessment": "Unit 2 common assessment",
        "assessment_on": "2026-10-02",
    }


class Built:
    """A school built the same way every time: people, the default ladder with
    an action for the group's supervisor, two tutoring centres of three and two
    seats (so seats run out and a line forms), two courses, eight students with
    and without counselors, advisors and guardians, and two cases open already."""

    def __init__(self, name: str):
        district = DistrictFactory(name=f"{name} district")
        self.domain = f"{name.lower()}.example"
        school = self.school = SchoolFactory(
            district=district, name="Stevenson High School"
        )

        def person(role, key, **fields):
            return staff(role, school=school, email=f"{key}@{self.domain}", **fields)

        self.principal = person(
            Role.PRINCIPAL, "principal", first_name="Pat", last_name="Ng"
        )
        person(Role.PRINCIPAL, "deputy", first_name="Dee", last_name="Puty")
        teacher = person(
            Role.TEACHER, "rivera", title="Ms.", first_name="Ana", last_name="Rivera"
        )
        counselor = person(
            Role.COUNSELOR, "okafor", title="Mr.", first_name="Obi", last_name="Okafor"
        )
        advisor = person(Role.TEACHER, "advisor", first_name="Al", last_name="Vise")
        supervisor = person(
            Role.INTERVENTIONIST, "tutor", first_name="Tu", last_name="Tor"
        )
        services.ladder_install_default(school=school, system="test")
        first = school.rungs.get(position=1)
        RungAction.objects.create(
            rung=first,
            position=9,
            title="Meet the student in the tutoring centre",
            responsible=Responsible.INTERVENTIONIST,
            due_within_days=3,
        )
        for label, seats, who in (("A", 3, supervisor), ("B", 2, None)):
            Group.objects.create(
                school=school,
                name=f"Tutoring centre {label}",
                kind=GroupKind.TUTORING_CENTRE,
                supervisor=who,
                weekdays=[1, 2, 3, 4, 5],
                capacity=seats,
            )
        term = TermFactory(
            school=school,
            start_date=datetime.date(2026, 8, 20),
            end_date=datetime.date(2027, 6, 10),
        )
        algebra = CourseFactory(school=school, code="ALG1", title="Algebra 1")
        biology = CourseFactory(school=school, code="BIO", title="Biology")
        self.courses = {"ALG1": algebra, "BIO": biology}
        algebra_section = SectionFactory(course=algebra, term=term, name="ALG1 P1")
        biology_section = SectionFactory(course=biology, term=term, name="BIO P2")
        teach(teacher, algebra_section)  # nobody teaches biology: a fallback owner
        team = TeamFactory(
            school=school, name="Ninth grade", courses=[algebra, biology]
        )
        self.outcomes = {}
        for course, count in ((algebra, 3), (biology, 2)):
            for i in range(1, count + 1):
                code = f"{course.code}.EO{i}"
                self.outcomes[code] = OutcomeFactory(
                    team=team,
                    course=course,
                    code=code,
                    statement=f"I can do {code}.",
                    position=10 - i,  # the letter lists them by position
                )
        self.students = []
        for i in range(8):
            student = StudentFactory(
                school=school,
                local_id=f"S{i}",
                first_name=f"First{i}",
                last_name=f"Last{i}",
                preferred_name="Sunny" if i == 2 else "",
                counselor=counselor if i % 3 else None,
                faculty_advisor=advisor if i % 2 else None,
            )
            EnrollmentFactory(student=student, section=algebra_section)
            if i < 3:
                EnrollmentFactory(student=student, section=biology_section)
            self.students.append(student)
        for i, (student, email, active) in enumerate(
            [
                (0, "one@home.example", True),
                (0, "", True),
                (1, "three@home.example", False),
                (2, "four@home.example", True),
                (5, "", True),
            ]
        ):
            guardian = Guardian.objects.create(
                district=district,
                first_name=f"Guardian{i}",
                last_name=f"Home{student}",
                email=email,
                is_active=active,
            )
            guardian.students.add(self.students[student])
        # Cases open already: one gains an outcome, one holds a seat that a
        # second course's case shares.
        for student, course, code in ((3, "ALG1", "ALG1.EO1"), (1, "BIO", "BIO.EO1")):
            services.case_open(
                student=self.students[student],
                course=self.courses[course],
                outcomes=[(self.outcomes[code], snapshot(40))],
                system="test",
                on=MONDAY - datetime.timedelta(days=7),
            )
        self.before = set(
            Case.objects.filter(school=school).values_list("pk", flat=True)
        )

    def openings(self) -> list[Opening]:
        wanted = [
            (0, "ALG1", ["ALG1.EO2", "ALG1.EO1"]),
            (0, "BIO", ["BIO.EO2"]),
            (1, "ALG1", ["ALG1.EO3"]),
            (1, "BIO", ["BIO.EO1", "BIO.EO2"]),
            (2, "BIO", ["BIO.EO1"]),
            (3, "ALG1", ["ALG1.EO1", "ALG1.EO2"]),
            *((i, "ALG1", ["ALG1.EO1"]) for i in (4, 5, 6, 7)),
        ]
        return [
            Opening(
                student=self.students[student],
                course=self.courses[course],
                outcomes=[(self.outcomes[code], snapshot(30 + i)) for code in codes],
            )
            for i, (student, course, codes) in enumerate(wanted)
        ]

    def open_one_by_one(self):
        for opening in sorted(
            self.openings(), key=lambda o: (o.student.pk, o.course.pk)
        ):
            services.case_open(
                student=opening.student,
                course=opening.course,
                outcomes=opening.outcomes,
                system="flagging",
                on=MONDAY,
                reason="Not yet proficient",
            )

    def open_in_bulk(self, **kwargs):
        return cases_open_bulk(
            school=self.school,
            openings=self.openings(),
            system="flagging",
            on=MONDAY,
            reason="Not yet proficient",
            **kwargs,
        )

    # What the school's rows say, without ids or anything else that differs
    # between two schools built alike.

    def plain(self, value):
        if isinstance(value, str):
            return value.replace(self.domain, "school.example")
        if isinstance(value, dict):
            return {
                k: "<id>" if k.endswith("_id") else self.plain(v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.plain(v) for v in value]
        return value

    def case_key(self, case):
        return (case.student.local_id, case.course.code)

    def user_key(self, user):
        return user.email.split("@")[0] if user else None

    def url(self, url, case):
        for group in Group.objects.filter(school=self.school):
            url = url.replace(group.get_absolute_url(), f"<{group.name}>")
        return url.replace(case.get_absolute_url(), "<case>")

    def rows(self) -> dict:
        cases = Case.objects.filter(school=self.school).select_related(
            "student", "course", "counselor", "rung", "team"
        )
        in_school = {"case__school": self.school}
        return {
            "cases": sorted(
                (
                    self.case_key(c),
                    c.team.name,
                    self.user_key(c.counselor),
                    c.rung.position,
                    self.plain(c.rung_snapshot),
                    c.status,
                    c.opened_on,
                    c.rung_entered_on,
                    c.next_review_on,
                    c.closed_on,
                )
                for c in cases
            ),
            "outcomes": sorted(
                (self.case_key(o.case), o.outcome.code, o.snapshot, o.added_on)
                for o in CaseOutcome.objects.filter(**in_school).select_related(
                    "case__student", "case__course", "outcome"
                )
            ),
            "actions": sorted(
                (
                    self.case_key(a.case),
                    a.rung.position,
                    a.title,
                    a.kind,
                    a.responsible,
                    self.user_key(a.owner),
                    a.owner_note,
                    a.due_on,
                    a.done_at,
                )
                for a in CaseAction.objects.filter(**in_school).select_related(
                    "case__student", "case__course", "rung", "owner"
                )
            ),
            "placements": sorted(
                (
                    p.student.local_id,
                    p.group.name,
                    self.case_key(p.case),
                    p.status,
                    p.placed_on,
                    p.ended_on,
                )
                for p in Placement.objects.filter(
                    group__school=self.school
                ).select_related("student", "group", "case__student", "case__course")
            ),
            # The line's order: who waits first.
            "waitlist": [
                p.student.local_id
                for p in Placement.objects.filter(
                    group__school=self.school, status=Placement.Status.WAITLISTED
                ).order_by("group__name", "pk")
            ],
            "notifications": sorted(
                (
                    self.user_key(n.user),
                    n.kind,
                    self.case_key(n.case),
                    self.plain(n.text),
                    self.url(n.url, n.case),
                    n.read_at,
                    n.emailed_at,
                )
                for n in Notification.objects.filter(**in_school).select_related(
                    "user", "case__student", "case__course"
                )
            ),
            "notices": sorted(
                (
                    self.case_key(n.case),
                    n.rung.position,
                    n.rung_entered_on,
                    n.guardian.first_name,
                    n.email,
                    self.plain(n.subject),
                    self.plain(n.body),
                    n.emailed_at,
                    n.sent_home_on,
                )
                for n in ParentNotice.objects.filter(**in_school).select_related(
                    "case__student", "case__course", "rung", "guardian"
                )
            ),
            "letters_to_send": OutboxMessage.objects.filter(
                task=SEND_TASK,
                kwargs__notice_id__in=list(
                    ParentNotice.objects.filter(**in_school).values_list(
                        "pk", flat=True
                    )
                ),
            ).count(),
            # Each case's events in the order they were written.
            "events": sorted(
                (
                    self.case_key(case),
                    [
                        (
                            e.type,
                            self.user_key(e.actor),
                            e.system,
                            self.plain(e.summary),
                            e.reason,
                            self.plain(e.data),
                            e.school_id == self.school.pk,
                            e.student_id == case.student_id,
                        )
                        for e in Event.objects.filter(case=case).order_by("pk")
                    ],
                )
                for case in cases
            ),
        }


@pytest.fixture
def twins(db):
    return Built("One"), Built("Two")


def test_bulk_opening_writes_what_opening_one_by_one_writes(twins):
    one_by_one, bulk = twins
    assert one_by_one.rows() == bulk.rows()  # built alike

    one_by_one.open_one_by_one()
    opened = bulk.open_in_bulk()

    expected, got = one_by_one.rows(), bulk.rows()
    for kind in expected:
        assert got[kind] == expected[kind], kind
    assert len(opened.opened) == 8
    assert opened.added == {
        Case.objects.get(student=bulk.students[s], course=bulk.courses[c]).pk: 1
        for s, c in ((3, "ALG1"), (1, "BIO"))
    }
    assert opened.fell_back == 0


def test_what_the_twins_cover(twins):
    """The comparison above is only as good as the cases it meets."""
    _, bulk = twins
    bulk.open_in_bulk()
    rows = bulk.rows()
    statuses = {status for *_, status, _, _ in rows["placements"]}
    assert {"placed", "waitlisted"} <= statuses
    assert any(key[5] == "tutor" for key in rows["actions"] if key[0][1] == "ALG1")
    assert any("no classroom teacher" in key[6] for key in rows["actions"])
    assert {kind for _, kind, *_ in rows["notifications"]} == {
        "new_actions",
        "waitlisted",
    }
    assert {email for _, _, _, _, email, *_ in rows["notices"]} == {
        "",
        "one@home.example",
        "four@home.example",
    }
    types = {t for _, events in rows["events"] for t, *_ in events}
    assert {
        EventType.CASE_OPENED,
        EventType.CASE_OUTCOME_ADDED,
        EventType.CASE_RUNG_ENTERED,
        EventType.NOTICE_QUEUED,
        EventType.PLACED,
        EventType.WAITLISTED,
    } <= types


def test_opening_again_changes_nothing(twins):
    _, bulk = twins
    bulk.open_in_bulk()
    before = bulk.rows()
    again = bulk.open_in_bulk()
    assert (again.opened, again.added) == ([], {})
    assert bulk.rows() == before


def test_the_queries_do_not_grow_with_the_cases(twins):
    # One case, then three alike (a letter without an address, a student
    # waiting for a seat), each in a school of its own.
    counts = []
    for built, chosen in zip(twins, (slice(7, 8), slice(7, 10)), strict=True):
        with CaptureQueriesContext(connection) as captured:
            opened = cases_open_bulk(
                school=built.school,
                openings=built.openings()[chosen],
                system="flagging",
                on=MONDAY,
            )
        assert len(opened.opened) == chosen.stop - chosen.start
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


def test_batches_open_the_same_as_one(twins):
    one, bulk = twins
    one.open_in_bulk()
    bulk.open_in_bulk(batch_size=3)
    assert one.rows() == bulk.rows()


@pytest.mark.django_db(transaction=True)
def test_a_case_opened_meanwhile_is_found_and_added_to(monkeypatch):
    """A counselor opens one of the cases, and commits, between the batch's
    read and its insert: the batch is opened case by case instead, and nothing
    is doubled."""
    expected_school, bulk = Built("One"), Built("Two")
    expected_school.open_in_bulk()
    real = bulk_open._cases_build

    def a_counselor_was_quicker(ladder, fresh, seats, **kwargs):
        # Student 1 has a seat already, so the counselor's opening does not
        # wait for the groups this batch has locked.
        (opening,) = [o for o in fresh if o.student == bulk.students[1]]

        def open_by_hand():
            try:
                services.case_open(
                    student=opening.student,
                    course=opening.course,
                    outcomes=opening.outcomes,
                    system="flagging",
                    on=MONDAY,
                    reason="Not yet proficient",
                )
            finally:
                connection.close()

        thread = threading.Thread(target=open_by_hand)
        thread.start()
        thread.join(30)
        return real(ladder, fresh, seats, **kwargs)

    monkeypatch.setattr(bulk_open, "_cases_build", a_counselor_was_quicker)
    opened = bulk.open_in_bulk()

    assert opened.fell_back == 1
    assert len(opened.opened) == 7  # the eighth was the counselor's
    got, expected = bulk.rows(), expected_school.rows()
    # Who is given the tutoring centre's action may differ: the counselor's
    # case looked for the freest group before the batch's students sat down.
    for kind in set(expected) - {"actions", "events", "notifications"}:
        assert got[kind] == expected[kind], kind
    assert len(got["actions"]) == len(expected["actions"])
    assert [(case, sorted(e[0] for e in events)) for case, events in got["events"]] == [
        (case, sorted(e[0] for e in events)) for case, events in expected["events"]
    ]


def test_a_case_must_be_at_the_school(twins):
    one, other = twins
    opening = one.openings()[0]
    with pytest.raises(Exception, match="is not at"):
        cases_open_bulk(school=other.school, openings=[opening], system="x", on=MONDAY)
    assert not Case.objects.filter(school=other.school).exclude(pk__in=other.before)


@pytest.mark.django_db(transaction=True)
def test_two_openings_at_once_open_each_case_once():
    built = Built("Race")
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            built.open_in_bulk()
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    rows = built.rows()
    assert len(rows["cases"]) == 10
    assert len(rows["outcomes"]) == len({repr(row) for row in rows["outcomes"]})
    opened = Event.objects.filter(
        case__school=built.school, type=EventType.CASE_OPENED
    ).count()
    assert opened == 10
    assert Placement.objects.filter(group__school=built.school).count() == len(
        {p[0] for p in rows["placements"]}
    )


# The per-case path -------------------------------------------------------------


def test_the_rungs_supervisor_action_goes_to_the_supervisor_of_its_group(db):
    built = Built("Solo")
    Group.objects.filter(school=built.school, name="Tutoring centre B").update(
        is_active=False
    )
    opening = built.openings()[6]  # student 4, Algebra 1
    case = services.case_open(
        student=opening.student,
        course=opening.course,
        outcomes=opening.outcomes,
        system="test",
        on=MONDAY,
    ).case
    action = case.actions.get(responsible=Responsible.INTERVENTIONIST)
    assert case.placements.get().group.name == "Tutoring centre A"
    assert (built.user_key(action.owner), action.owner_note) == ("tutor", "")
