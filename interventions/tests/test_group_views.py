"""Group pages: who may see and change what, placing over capacity, freeing a
seat, taking attendance (and every way it is refused), the supervisor's day,
the record of access and fixed query counts.

Time is frozen on a Monday; the guided study hall (2 seats) meets every school
day and is supervised by `cast.interventionist`.
"""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.events import EventType
from accounts.models import Event, Role
from interventions import group_selectors, group_services, services
from interventions.models import (
    Attendance,
    CaseStatus,
    Group,
    GroupKind,
    Placement,
    Session,
)
from interventions.tests.conftest import open_case
from schools.models import AccessRecord
from schools.tests.factories import StudentFactory, staff

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 10, 5)
LAST_FRIDAY = datetime.date(2026, 10, 2)


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(datetime.datetime(2026, 10, 5, 15, 0), tick=False):
        yield


@pytest.fixture
def other_interventionist(ladder):
    return staff(
        Role.INTERVENTIONIST, school=ladder.school, email="another@stevenson.example"
    )


def new_students(ladder, n, **fields):
    return [StudentFactory(school=ladder.school, **fields) for _ in range(n)]


def seat(ladder, students, group=None, on=MONDAY):
    return [
        services.placement_request(
            group=group or ladder.study_hall,
            student=s,
            actor=ladder.principal,
            on=on,
        )
        for s in students
    ]


def group_url(group, name="group"):
    return reverse(f"interventions:{name}", args=[group.pk])


def attendance_url(group, on=None):
    url = group_url(group, "attendance")
    return f"{url}?on={on:%Y-%m-%d}" if on else url


def marks_post(marks, on=MONDAY):
    data = {"on": on.isoformat()}
    for student, (mark, homework) in marks.items():
        data[f"mark-{student.pk}"] = mark
        data[f"homework-{student.pk}"] = homework
    return data


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# Who may see and change what ----------------------------------------------------------


def every_url(ladder):
    group = ladder.study_hall
    placement = seat(ladder, new_students(ladder, 1))[0]
    return [
        ("get", reverse("interventions:groups")),
        ("get", reverse("interventions:group_create", args=[ladder.school.pk])),
        ("get", group_url(group)),
        ("get", group_url(group, "group_edit")),
        ("post", group_url(group, "group_place")),
        (
            "post",
            reverse("interventions:placement_end", args=[group.pk, placement.pk]),
        ),
        ("get", attendance_url(group)),
        ("post", attendance_url(group)),
    ]


def test_anonymous_people_are_sent_to_log_in_from_every_group_page(client, ladder):
    for method, url in every_url(ladder):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login")), url


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("principal", 200),
        ("counselor", 200),
        ("interventionist", 200),
        ("district_admin", 200),
        ("teacher", 404),
        ("other_interventionist", 404),
        ("other_principal", 404),
        ("far_admin", 404),
    ],
)
def test_who_sees_a_group_and_its_attendance(
    login, ladder, other_interventionist, who, status
):
    user = (
        other_interventionist
        if who == "other_interventionist"
        else getattr(ladder, who)
    )
    client = login(user)
    seat(ladder, new_students(ladder, 1))
    assert client.get(group_url(ladder.study_hall)).status_code == status
    assert client.get(attendance_url(ladder.study_hall)).status_code == status


@pytest.mark.parametrize(
    ("who", "can_take"),
    [("interventionist", True), ("principal", True), ("counselor", False)],
)
def test_the_supervisor_and_the_principal_take_attendance_a_counselor_reads(
    login, ladder, who, can_take
):
    (student,) = new_students(ladder, 1)
    seat(ladder, [student])
    client = login(getattr(ladder, who))
    page = client.get(attendance_url(ladder.study_hall)).content.decode()
    assert ('name="mark-' in page) is can_take
    assert ("Save attendance" in page) is can_take
    response = client.post(
        attendance_url(ladder.study_hall), marks_post({student: ("present", "yes")})
    )
    assert response.status_code == (302 if can_take else 404)
    assert Attendance.objects.exists() is can_take


@pytest.mark.parametrize(
    "who", ["counselor", "interventionist", "teacher", "other_principal"]
)
def test_only_the_principal_sets_up_groups_and_places_students(login, ladder, who):
    client = login(getattr(ladder, who))
    (student,) = new_students(ladder, 1)
    (placement,) = seat(ladder, new_students(ladder, 1))
    group = ladder.study_hall
    assert (
        client.get(
            reverse("interventions:group_create", args=[ladder.school.pk])
        ).status_code
        == 404
    )
    assert client.get(group_url(group, "group_edit")).status_code == 404
    assert (
        client.post(
            group_url(group, "group_place"), {"student": student.pk}
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("interventions:placement_end", args=[group.pk, placement.pk])
        ).status_code
        == 404
    )
    assert not Placement.objects.filter(student=student).exists()
    placement.refresh_from_db()
    assert placement.status == Placement.Status.PLACED


def test_the_list_shows_each_person_the_groups_they_may_see(
    login, ladder, other_interventionist
):
    seat(ladder, new_students(ladder, 3))  # 2 seats: one waits
    names = ["Guided study hall P3", "Required tutoring", "Tutoring centre"]
    url = reverse("interventions:groups")
    for who, visible in [
        (ladder.principal, names),
        (ladder.counselor, names),
        (ladder.district_admin, names),
        (ladder.interventionist, names[:1]),
        (other_interventionist, []),
        (ladder.teacher, []),
        (ladder.other_principal, []),
    ]:
        response = login(who).get(url)
        assert response.status_code == 200
        shown = [row.group.name for row in response.context["rows"]]
        assert shown == visible, who
    page = login(ladder.principal).get(url).content.decode()
    assert "2 / 2" in page
    assert "1 waiting" in page
    assert "New group" in page
    assert "New group" not in login(ladder.counselor).get(url).content.decode()


# Setting up a group -------------------------------------------------------------------


def group_data(ladder, **overrides):
    return {
        "name": "Guided study hall P5",
        "kind": GroupKind.GUIDED_STUDY_HALL,
        "supervisor": ladder.interventionist.pk,
        "weekdays": ["1", "2", "3", "4", "5"],
        "period": "Period 5",
        "room": "B12",
        "capacity": "10",
        **overrides,
    }


def test_the_principal_sets_up_a_group_and_the_change_is_recorded(login, ladder):
    client = login(ladder.principal)
    url = reverse("interventions:group_create", args=[ladder.school.pk])
    response = client.post(url, group_data(ladder))
    group = Group.objects.get(name="Guided study hall P5")
    assert response.status_code == 302
    assert response.url == group.get_absolute_url()
    assert (group.capacity, group.weekdays, group.supervisor) == (
        10,
        [1, 2, 3, 4, 5],
        ladder.interventionist,
    )
    event = Event.objects.get(type=EventType.GROUP_SAVED)
    assert event.actor == ladder.principal
    assert event.school == ladder.school
    assert event.data["after"]["capacity"] == 10
    assert event.data["group_id"] == group.pk


def test_an_extension_group_is_set_up_the_same_way(login, ladder):
    client = login(ladder.principal)
    url = reverse("interventions:group_create", args=[ladder.school.pk])
    client.post(
        url,
        group_data(
            ladder, name="Algebra extension", kind=GroupKind.EXTENSION, capacity=""
        ),
    )
    group = Group.objects.get(name="Algebra extension")
    assert group.is_extension and group.capacity is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", "This field is required."),
        ({"name": "guided study hall p3"}, "name", "already has a group named"),
        ({"kind": "detention"}, "kind", "Select a valid choice"),
        ({"weekdays": []}, "weekdays", "Choose the days the group meets."),
        ({"weekdays": ["6"]}, "weekdays", "Select a valid choice"),
        ({"capacity": "0"}, "capacity", "at least one seat"),
        ({"capacity": "ten"}, "capacity", "Enter a whole number."),
        ({"supervisor": "foreign"}, "supervisor", "Select a valid choice"),
    ],
)
def test_a_bad_group_is_refused_on_the_field_at_fault(
    login, ladder, overrides, field, message
):
    if overrides.get("supervisor") == "foreign":
        overrides["supervisor"] = ladder.other_teacher.pk
    client = login(ladder.principal)
    url = reverse("interventions:group_create", args=[ladder.school.pk])
    response = client.post(url, group_data(ladder, **overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert Group.objects.count() == 3
    assert not Event.objects.filter(type=EventType.GROUP_SAVED).exists()


def test_the_service_refuses_a_supervisor_from_another_school(ladder):
    with pytest.raises(ValidationError) as refused:
        group_services.group_save(
            school=ladder.school,
            actor=ladder.principal,
            name="Study hall P6",
            kind=GroupKind.GUIDED_STUDY_HALL,
            supervisor=ladder.other_teacher,
            weekdays=[1],
        )
    assert refused.value.message_dict == {
        "supervisor": [f"{ladder.other_teacher} has no role at Stevenson High School."]
    }
    assert not Group.objects.filter(name="Study hall P6").exists()


def test_more_seats_seat_the_waitlist_in_order_and_fewer_than_seated_is_refused(
    login, ladder
):
    a, b, c, d = new_students(ladder, 4)
    seat(ladder, [a, b, c, d])  # c and d wait
    client = login(ladder.principal)
    edit = group_url(ladder.study_hall, "group_edit")
    page = client.get(edit).content.decode()
    assert 'value="Guided study hall P3"' in page
    response = client.post(
        edit, group_data(ladder, name="Guided study hall P3", capacity="3")
    )
    assert response.status_code == 302
    status = dict(
        Placement.objects.filter(group=ladder.study_hall).values_list(
            "student_id", "status"
        )
    )
    assert status == {
        a.pk: "placed",
        b.pk: "placed",
        c.pk: "placed",
        d.pk: "waitlisted",
    }
    event = Event.objects.get(type=EventType.GROUP_SAVED)
    assert event.data["before"] == {"period": "Period 3", "room": "", "capacity": 2}
    assert event.data["after"] == {"period": "Period 5", "room": "B12", "capacity": 3}
    response = client.post(
        edit, group_data(ladder, name="Guided study hall P3", capacity="2")
    )
    assert response.status_code == 200
    assert "3 students are seated" in " ".join(
        response.context["form"].errors["capacity"]
    )
    ladder.study_hall.refresh_from_db()
    assert ladder.study_hall.capacity == 3


# The group's page ---------------------------------------------------------------------


def test_the_group_page_shows_the_roster_with_cases_and_fidelity_and_the_waitlist(
    login, ladder
):
    # Support seats the case's student in the tutoring centre.
    case = open_case(ladder, on=LAST_FRIDAY).case
    tutoring = ladder.tutoring
    Group.objects.filter(pk=tutoring.pk).update(capacity=2)
    other, waiting_first, waiting_second = new_students(ladder, 3, grade_level=10)
    seat(ladder, [other, waiting_first, waiting_second], group=tutoring, on=LAST_FRIDAY)
    member = case.student
    for day, mark in [(LAST_FRIDAY, "present"), (MONDAY, "absent")]:
        services.attendance_take(
            group=tutoring,
            actor=ladder.principal,
            on=day,
            marks={member.pk: (mark, day == LAST_FRIDAY), other.pk: ("present", None)},
        )
    response = login(ladder.interventionist).get(group_url(tutoring))
    assert response.status_code == 404  # not their group
    response = login(ladder.principal).get(group_url(tutoring))
    page = response.context["page"]
    rows = {row.student: row for row in page.roster}
    assert set(rows) == {member, other}
    assert rows[member].case == case
    assert rows[member].fidelity_text == "1 of 2 sessions (50%)"
    assert rows[member].below_threshold
    assert (rows[member].homework_done, rows[member].homework_known) == (1, 2)
    assert rows[other].case is None
    assert rows[other].fidelity_text == "2 of 2 sessions (100%)"
    assert not rows[other].below_threshold
    assert [(w.position, w.student) for w in page.waitlist] == [
        (1, waiting_first),
        (2, waiting_second),
    ]
    html = response.content.decode()
    assert f">{case.course.title}</a> · Support" in html
    assert '<td class="text-nowrap">10</td>' in html
    assert "2 of 2 seats" in html
    assert html.count("below 80%") == 1
    assert "1 of 2 done" in html  # homework


def test_fidelity_counts_sessions_since_the_case_entered_its_rung(ladder, login):
    case = open_case(ladder).case
    member = case.student
    with time_machine.travel(datetime.datetime(2026, 10, 9, 15, 0), tick=False):
        for day, mark in [
            (datetime.date(2026, 10, 5), "present"),
            (datetime.date(2026, 10, 6), "present"),
            (datetime.date(2026, 10, 7), "excused"),
            (datetime.date(2026, 10, 8), "absent"),
            (datetime.date(2026, 10, 9), "present"),
        ]:
            services.attendance_take(
                group=ladder.tutoring,
                actor=ladder.principal,
                on=day,
                marks={member.pk: (mark, None)},
            )
        page = login(ladder.principal).get(group_url(ladder.tutoring)).context["page"]
    (row,) = page.roster
    assert row.fidelity_text == "3 of 4 sessions (75%)"
    assert row.below_threshold
    assert [s.session.on.day for s in page.sessions] == [9, 8, 7, 6, 5]


def test_the_principal_finds_students_of_the_school_only(login, ladder):
    ana = StudentFactory(school=ladder.school, first_name="Ana", last_name="Quintero")
    StudentFactory(school=ladder.other_school, first_name="Ana", last_name="Quintana")
    seated = StudentFactory(school=ladder.school, first_name="Ana", last_name="Quick")
    seat(ladder, [seated])
    client = login(ladder.principal)
    response = client.get(group_url(ladder.study_hall), {"q": "Qui"})
    assert response.context["found"] == [ana]
    response = client.get(group_url(ladder.study_hall), {"q": "ana quin"})
    assert response.context["found"] == [ana]
    fragment = client.get(
        group_url(ladder.study_hall), {"q": ana.local_id}, HTTP_HX_REQUEST="true"
    )
    assert fragment.templates[0].name == "interventions/_group_search_results.html"
    assert "Place<span" in fragment.content.decode()
    assert "Quintero" in fragment.content.decode()
    # Nobody else searches: the supervisor's page has no search.
    response = login(ladder.interventionist).get(
        group_url(ladder.study_hall), {"q": "Qui"}
    )
    assert response.context["found"] is None
    assert "Place a student" not in response.content.decode()


def test_placing_over_capacity_waitlists_with_the_place_in_line(login, ladder):
    a, b, c = new_students(ladder, 3)
    client = login(ladder.principal)
    url = group_url(ladder.study_hall, "group_place")
    for student in (a, b):
        response = client.post(url, {"student": student.pk}, follow=True)
        assert f"{student.full_name} is placed in Guided study hall P3." in (
            messages_of(response)
        )
    response = client.post(url, {"student": c.pk}, follow=True)
    (message,) = messages_of(response)
    assert "Guided study hall P3 is full (2 seats)" in message
    assert f"{c.full_name} is waitlisted, number 1 in line" in message
    assert Placement.objects.get(student=c).status == Placement.Status.WAITLISTED
    assert Event.objects.filter(type=EventType.WAITLISTED, student=c).exists()


def test_bad_placements_are_refused_with_a_message(login, ladder):
    (student,) = new_students(ladder, 1)
    seat(ladder, [student])
    client = login(ladder.principal)
    url = group_url(ladder.study_hall, "group_place")
    response = client.post(url, {"student": student.pk}, follow=True)
    assert messages_of(response) == [
        f"Student: {student.full_name} is already in Guided study hall P3 or on "
        "its waitlist."
    ]
    response = client.post(url, {"student": ladder.foreign_student.pk}, follow=True)
    assert messages_of(response) == [
        "Student: That student is not at the group's school."
    ]
    response = client.post(url, {}, follow=True)
    assert messages_of(response) == ["Student: Choose a student to place."]
    assert Placement.objects.filter(group=ladder.study_hall).count() == 1


def test_a_placement_is_tied_to_the_case_whose_rung_needs_this_kind_of_group(
    login, ladder
):
    case = open_case(ladder).case
    auto = Placement.objects.get(case=case)
    services.placement_end(placement=auto, actor=ladder.principal)
    client = login(ladder.principal)
    response = client.post(
        group_url(ladder.tutoring, "group_place"),
        {"student": case.student.pk},
        follow=True,
    )
    (message,) = messages_of(response)
    assert message.endswith(f"for their {case.course.title} case.")
    placement = Placement.objects.exclude(status="ended").get(student=case.student)
    assert placement.case == case


def test_a_waitlisted_case_waits_for_a_seat(login, ladder):
    seat(ladder, new_students(ladder, 2))
    case = open_case(ladder).case
    Placement.objects.filter(case=case).update(status="ended", ended_on=MONDAY)
    # The study hall (full) becomes the case's kind of group.
    Group.objects.filter(pk=ladder.study_hall.pk).update(kind=GroupKind.TUTORING_CENTRE)
    made = group_services.placement_add(
        group=Group.objects.get(pk=ladder.study_hall.pk),
        student=case.student,
        actor=ladder.principal,
    )
    assert made.position == 1 and made.placement.case == case
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITLISTED


def test_ending_a_seat_seats_the_head_of_the_waitlist_and_says_so(login, ladder):
    a, b, c, d = new_students(ladder, 4)
    placed = seat(ladder, [a, b, c, d])
    client = login(ladder.principal)
    end = reverse(
        "interventions:placement_end", args=[ladder.study_hall.pk, placed[0].pk]
    )
    response = client.post(end, {"reason": "Caught up in Algebra"}, follow=True)
    assert messages_of(response) == [
        f"{a.full_name} left Guided study hall P3. {c.full_name}, first on the "
        "waitlist, has the freed seat."
    ]
    page = response.context["page"]
    assert {row.student for row in page.roster} == {b, c}
    assert [(w.position, w.student) for w in page.waitlist] == [(1, d)]
    ended = Event.objects.get(type=EventType.PLACEMENT_ENDED, student=a)
    assert ended.reason == "Caught up in Algebra"
    # Taking someone off the waitlist seats nobody.
    end = reverse(
        "interventions:placement_end", args=[ladder.study_hall.pk, placed[3].pk]
    )
    response = client.post(end, follow=True)
    assert messages_of(response) == [
        f"{d.full_name} is off the waitlist of Guided study hall P3."
    ]
    # An ended placement cannot be ended twice.
    assert client.post(end).status_code == 404


def test_the_last_seat_freed_with_nobody_waiting_says_the_seat_is_free(login, ladder):
    (placement,) = seat(ladder, new_students(ladder, 1))
    response = login(ladder.principal).post(
        reverse(
            "interventions:placement_end", args=[ladder.study_hall.pk, placement.pk]
        ),
        follow=True,
    )
    assert messages_of(response)[0].endswith("Nobody is waiting: the seat is free.")


# Attendance ---------------------------------------------------------------------------


def test_the_supervisor_takes_attendance_and_taking_it_again_edits_it(login, ladder):
    a, b = new_students(ladder, 2)
    seat(ladder, [a, b])
    client = login(ladder.interventionist)
    url = attendance_url(ladder.study_hall)
    page = client.get(url).content.decode()
    assert "Not taken yet." in page
    assert f'name="mark-{a.pk}"' in page and f'name="mark-{b.pk}"' in page
    assert f"Attendance of {a.full_name}" in page  # each radio group has a legend
    response = client.post(
        url, marks_post({a: ("present", "yes"), b: ("absent", "")}), follow=True
    )
    assert messages_of(response) == [
        "Attendance of Monday 5 October saved: 1 present, 1 absent."
    ]
    saved = {x.student_id: (x.mark, x.homework_done) for x in Attendance.objects.all()}
    assert saved == {a.pk: ("present", True), b.pk: ("absent", None)}
    page = response.content.decode()
    assert (
        f'id="mark-{a.pk}-present" value="present" autocomplete="off" checked' in page
    )
    assert f'id="homework-{a.pk}-yes" value="yes" autocomplete="off" checked' in page
    assert f'id="mark-{b.pk}-absent" value="absent" autocomplete="off" checked' in page
    assert "saving again changes it" in page
    client.post(url, marks_post({a: ("excused", "no"), b: ("present", "yes")}))
    saved = {x.student_id: (x.mark, x.homework_done) for x in Attendance.objects.all()}
    assert saved == {a.pk: ("excused", False), b.pk: ("present", True)}
    assert Session.objects.count() == 1
    events = Event.objects.filter(type=EventType.ATTENDANCE_TAKEN).order_by("pk")
    assert events.count() == 2
    assert events.last().data["before"]["marks"] == {
        str(a.pk): "present",
        str(b.pk): "absent",
    }


def test_a_past_day_shows_who_was_seated_then(login, ladder):
    a, b = new_students(ladder, 2)
    seat(ladder, [a], on=LAST_FRIDAY)
    seat(ladder, [b], on=MONDAY)
    client = login(ladder.interventionist)
    response = client.get(attendance_url(ladder.study_hall, LAST_FRIDAY))
    assert [row.student for row in response.context["sheet"].rows] == [a]
    response = client.post(
        attendance_url(ladder.study_hall),
        marks_post({a: ("present", "")}, on=LAST_FRIDAY),
    )
    assert response.status_code == 302
    assert response.url.endswith("?on=2026-10-02")
    assert Session.objects.get().on == LAST_FRIDAY


def test_a_day_the_group_does_not_meet_is_said_so(login, ladder):
    seat(ladder, new_students(ladder, 1), group=ladder.required, on=LAST_FRIDAY)
    page = login(ladder.principal).get(attendance_url(ladder.required, MONDAY))
    assert "does not usually meet on Mondays" in page.content.decode()


def test_a_day_to_come_is_refused(login, ladder):
    (student,) = new_students(ladder, 1)
    seat(ladder, [student])
    client = login(ladder.interventionist)
    tomorrow = MONDAY + datetime.timedelta(days=1)
    response = client.get(attendance_url(ladder.study_hall, tomorrow))
    page = response.content.decode()
    assert "Attendance cannot be taken for a day to come." in page
    assert response.context.get("sheet") is None
    response = client.post(
        attendance_url(ladder.study_hall),
        marks_post({student: ("present", "")}, on=tomorrow),
    )
    assert response.status_code == 200
    assert "Attendance was not saved." in messages_of(response)
    assert "Attendance cannot be taken for a day to come." in response.content.decode()
    assert not Session.objects.exists()
    response = client.get(attendance_url(ladder.study_hall), {"on": "yesterday"})
    assert "Give the day as a date" in response.content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("stranger", "Marks: 1 of the students sent are not in Guided study hall P3."),
        ("foreign", "Marks: 1 of the students sent are not in Guided study hall P3."),
        ("late", "Marks: “late” is not present, absent or excused."),
        ("homework", "“maybe” is not yes, no or not set."),
        ("missing", "Mark every student: 1 without a mark"),
        ("not-a-number", "“mark-abc” is not a student of the list."),
    ],
)
def test_bad_attendance_is_refused_whole_with_a_clear_message(
    login, ladder, change, message
):
    a, b = new_students(ladder, 2)
    seat(ladder, [a, b])
    stranger = new_students(ladder, 1)[0]
    data = marks_post({a: ("present", "yes"), b: ("absent", "")})
    if change == "stranger":
        data[f"mark-{stranger.pk}"] = "present"
    elif change == "foreign":
        data[f"mark-{ladder.foreign_student.pk}"] = "present"
    elif change == "late":
        data[f"mark-{b.pk}"] = "late"
    elif change == "homework":
        data[f"homework-{b.pk}"] = "maybe"
    elif change == "missing":
        del data[f"mark-{b.pk}"]
    elif change == "not-a-number":
        data["mark-abc"] = "present"
    response = login(ladder.interventionist).post(
        attendance_url(ladder.study_hall), data
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Attendance was not saved." in page
    assert message in page
    assert not Attendance.objects.exists()
    assert not Session.objects.exists()
    # What was sent is shown again, to correct in place.
    assert (
        f'id="mark-{a.pk}-present" value="present" autocomplete="off" checked' in page
    )
    if change == "missing":
        assert f'aria-describedby="missing-{b.pk}"' in page


def test_an_extension_group_takes_attendance_the_same_way(login, ladder):
    extension = Group.objects.create(
        school=ladder.school,
        name="Algebra extension",
        kind=GroupKind.EXTENSION,
        supervisor=ladder.interventionist,
        weekdays=[1, 3],
    )
    (student,) = new_students(ladder, 1)
    seat(ladder, [student], group=extension)
    client = login(ladder.interventionist)
    assert "nothing escalates" in client.get(group_url(extension)).content.decode()
    response = client.post(
        attendance_url(extension), marks_post({student: ("present", "yes")})
    )
    assert response.status_code == 302
    assert Attendance.objects.get().mark == "present"


# Record of access and query counts ----------------------------------------------------


def test_group_and_attendance_pages_note_the_students_they_show(login, ladder):
    students = new_students(ladder, 3)
    seat(ladder, students)  # two seated, one waiting
    client = login(ladder.interventionist)
    client.get(group_url(ladder.study_hall))
    record = AccessRecord.objects.latest("pk")
    assert record.what == "Group roster: Guided study hall P3"
    assert record.student_count == 3
    client.get(attendance_url(ladder.study_hall))
    record = AccessRecord.objects.latest("pk")
    assert record.what == "Attendance of Guided study hall P3 on 5 Oct 2026"
    assert record.student_count == 2


def test_the_group_page_costs_the_same_queries_for_3_or_30_students(
    login, ladder, django_assert_num_queries
):
    tutoring = ladder.tutoring
    open_case(ladder)  # one seat comes from a case, with its fidelity
    seat(ladder, new_students(ladder, 2), group=tutoring)
    services.attendance_take(
        group=tutoring,
        actor=ladder.principal,
        on=LAST_FRIDAY,
        marks={},
    )
    client = login(ladder.principal)
    url = group_url(tutoring)
    client.get(url)
    with django_assert_num_queries(14) as three:  # with the unread count
        response = client.get(url)
    assert len(response.context["page"].roster) == 3
    for student in ladder.taught_students[1:]:
        open_case(ladder, student=student)
    seat(ladder, new_students(ladder, 25), group=tutoring)
    with django_assert_num_queries(len(three.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"].roster) == 30


def test_the_attendance_page_costs_the_same_queries_for_3_or_30_students(
    login, ladder, django_assert_num_queries
):
    tutoring = ladder.tutoring
    students = new_students(ladder, 3)
    seat(ladder, students, group=tutoring)
    services.attendance_take(
        group=tutoring,
        actor=ladder.principal,
        on=MONDAY,
        marks={s.pk: ("present", True) for s in students},
    )
    client = login(ladder.principal)
    url = attendance_url(tutoring)
    client.get(url)
    with django_assert_num_queries(10) as three:  # with the unread count
        response = client.get(url)
    assert len(response.context["sheet"].rows) == 3
    more = new_students(ladder, 27)
    seat(ladder, more, group=tutoring)
    services.attendance_take(
        group=tutoring,
        actor=ladder.principal,
        on=MONDAY,
        marks={s.pk: ("absent", None) for s in students + more},
    )
    with django_assert_num_queries(len(three.captured_queries)):
        response = client.get(url)
    assert len(response.context["sheet"].rows) == 30


# The supervisor's day -----------------------------------------------------------------


def test_the_supervisor_home_lists_todays_sessions_and_their_groups(ladder):
    seat(ladder, new_students(ladder, 3))  # 2 seated, 1 waiting
    tuesday_group = Group.objects.create(
        school=ladder.school,
        name="Tuesday tutoring",
        kind=GroupKind.REQUIRED_TUTORING,
        supervisor=ladder.interventionist,
        weekdays=[2, 4],
        capacity=12,
    )
    home = group_selectors.supervisor_home(ladder.interventionist, MONDAY)
    assert [row.group for row in home.groups] == [ladder.study_hall, tuesday_group]
    assert [(r.seated, r.waiting) for r in home.groups] == [(2, 1), (0, 0)]
    assert [s.group for s in home.to_take] == [ladder.study_hall]
    assert home.left_to_take == 1
    html = render_to_string(
        "interventions/_supervisor_home.html", {"supervisor_home": home}
    )
    assert '<h2 id="my-groups"' in html
    assert "Not taken yet" in html
    assert "Take attendance" in html
    assert "2 / 2" in html and "1 waiting" in html
    services.attendance_take(
        group=ladder.study_hall,
        actor=ladder.interventionist,
        on=MONDAY,
        marks={},
    )
    home = group_selectors.supervisor_home(ladder.interventionist, MONDAY)
    assert home.left_to_take == 0
    assert "Taken" in render_to_string(
        "interventions/_supervisor_home.html", {"supervisor_home": home}
    )
    tuesday = group_selectors.supervisor_home(
        ladder.interventionist, MONDAY + datetime.timedelta(days=1)
    )
    assert [s.group for s in tuesday.to_take] == [ladder.study_hall, tuesday_group]


def test_the_supervisor_home_names_the_groups_where_students_are_slipping(ladder):
    """A student on a case who attends under 80% of the sessions since entering
    the rung would have the plan count as not delivered at the review: the
    person running the group is told while there is time to act."""
    with time_machine.travel(datetime.datetime(2026, 9, 28, 9, 0), tick=False):
        case = open_case(ladder).case
        for _ in range(2):
            services.case_move(
                case=case, actor=ladder.counselor, direction="up", reason="No progress"
            )
    assert case.student in {
        p.student for p in ladder.study_hall.placements.filter(status="placed")
    }
    for day, mark in [(LAST_FRIDAY, "present"), (MONDAY, "absent")]:
        services.attendance_take(
            group=ladder.study_hall,
            actor=ladder.interventionist,
            on=day,
            marks={case.student.pk: (mark, None)},
        )
    home = group_selectors.supervisor_home(ladder.interventionist, MONDAY)
    (row,) = [r for r in home.groups if r.group == ladder.study_hall]
    assert row.below_threshold == 1
    html = render_to_string(
        "interventions/_supervisor_home.html", {"supervisor_home": home}
    )
    assert "1 student below 80% attendance" in html
    assert ladder.study_hall.get_absolute_url() in html
    # Present the rest of the week: 4 of 5 sessions is no longer below 80%.
    for day in (MONDAY + datetime.timedelta(days=n) for n in (1, 2, 3)):
        with time_machine.travel(
            datetime.datetime.combine(day, datetime.time(15)), tick=False
        ):
            services.attendance_take(
                group=ladder.study_hall,
                actor=ladder.interventionist,
                on=day,
                marks={case.student.pk: ("present", None)},
            )
    home = group_selectors.supervisor_home(
        ladder.interventionist, MONDAY + datetime.timedelta(days=4)
    )
    assert all(r.below_threshold == 0 for r in home.groups)
    assert "below 80% attendance" not in render_to_string(
        "interventions/_supervisor_home.html", {"supervisor_home": home}
    )


def test_the_supervisor_home_of_someone_who_runs_nothing(ladder, other_interventionist):
    home = group_selectors.supervisor_home(other_interventionist, MONDAY)
    assert home.groups == [] and home.to_take == []
    html = render_to_string(
        "interventions/_supervisor_home.html", {"supervisor_home": home}
    )
    assert "You run no group yet." in html


def test_the_supervisor_home_costs_a_fixed_number_of_queries(
    ladder, django_assert_num_queries
):
    seat(ladder, new_students(ladder, 2))
    # The groups, today's sessions, the seats on a case, and the case's
    # attendance (three, when any seat is on a case).
    with django_assert_num_queries(3):
        group_selectors.supervisor_home(ladder.interventionist, MONDAY)


def test_days_are_said_the_short_way():
    assert group_selectors.days_label([1, 2, 3, 4, 5]) == "Mon–Fri"
    assert group_selectors.days_label([2, 4]) == "Tue, Thu"
    assert group_selectors.days_label([1, 2]) == "Mon, Tue"
    assert group_selectors.days_label([]) == "no set days"
