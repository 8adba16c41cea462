"""Faculty advisors and student mentors: the principal and the counselors assign
them one by one or from a file; a file with any bad row saves nothing and names
every bad row."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.events import EventType
from accounts.models import Event, Role
from accounts.tests.factories import TEST_PASSWORD
from dashboards.tests.browser import assert_accessible, log_in, screenshot, wait_for
from interventions import ladder_services
from interventions.ladder_services import AdvisorRow
from schools.models import AccessedStudent, Student
from schools.tests.factories import StudentFactory, give_role, staff

pytestmark = pytest.mark.django_db

EVERYONE = (
    "principal",
    "counselor",
    "teacher",
    "interventionist",
    "district_admin",
    "other_principal",
    "other_teacher",
    "far_admin",
)
ASSIGNERS = {"principal", "counselor"}


def url(cast, name="advisors", *args):
    return reverse(f"interventions:{name}", args=[cast.school.pk, *args])


@pytest.fixture
def senior(cast):
    return StudentFactory(
        school=cast.school, grade_level=12, local_id="S-12", last_name="Okafor"
    )


def upload(text: str, name="advisors.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


# Who may open and change what ---------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_principal_and_counselors_open_the_advisors_pages(cast, login, who):
    client = login(getattr(cast, who))
    for name in ("advisors", "advisors_upload"):
        response = client.get(url(cast, name))
        assert response.status_code == (200 if who in ASSIGNERS else 404), name


@pytest.mark.parametrize("who", [w for w in EVERYONE if w not in ASSIGNERS])
def test_the_others_cannot_assign(cast, login, who, senior):
    student = cast.taught_students[0]
    client = login(getattr(cast, who))
    response = client.post(
        url(cast, "advisor_assign", student.pk),
        {"advisor": cast.teacher.pk, "mentor": senior.local_id},
    )
    assert response.status_code == 404
    response = client.post(
        url(cast, "advisors_upload"),
        {"file": upload(f"student_id,advisor_email\n{student.local_id},x@y.z\n")},
    )
    assert response.status_code == 404
    student.refresh_from_db()
    assert student.faculty_advisor is None and student.mentor is None


def test_anonymous_visitors_are_sent_to_log_in(cast, client):
    for target in (
        url(cast),
        url(cast, "advisors_upload"),
        url(cast, "advisor_assign", cast.taught_students[0].pk),
    ):
        response = client.get(target)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_a_counselor_sees_and_assigns_only_their_caseload(cast, login, senior):
    client = login(cast.counselor)
    text = client.get(url(cast)).content.decode()
    for student in cast.taught_students:
        assert student.local_id in text
    assert cast.untaught_student.local_id not in text
    response = client.post(
        url(cast, "advisor_assign", cast.untaught_student.pk),
        {"advisor": cast.teacher.pk},
    )
    assert response.status_code == 404
    cast.untaught_student.refresh_from_db()
    assert cast.untaught_student.faculty_advisor is None


def test_a_student_of_another_school_answers_404(cast, login):
    response = login(cast.principal).post(
        url(cast, "advisor_assign", cast.foreign_student.pk),
        {"advisor": cast.teacher.pk},
    )
    assert response.status_code == 404


# The list -----------------------------------------------------------------------


def test_the_principal_searches_by_name_or_id_and_filters_no_advisor(cast, login):
    a, b, c = cast.taught_students
    Student.objects.filter(pk=a.pk).update(last_name="Zamora", faculty_advisor=None)
    Student.objects.filter(pk=b.pk).update(faculty_advisor=cast.teacher)
    client = login(cast.principal)
    text = client.get(url(cast), {"q": "zamo"}).content.decode()
    assert "1 student matching “zamo”" in text
    assert a.local_id in text and b.local_id not in text
    text = client.get(url(cast), {"q": b.local_id}).content.decode()
    assert b.local_id in text and a.local_id not in text
    text = client.get(url(cast), {"no_advisor": "on"}).content.decode()
    assert b.local_id not in text
    assert a.local_id in text and c.local_id in text
    assert cast.foreign_student.local_id not in text


def test_a_search_from_the_page_returns_only_the_results(cast, login):
    response = login(cast.principal).get(
        url(cast),
        {"q": cast.taught_students[0].last_name},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert "<html" not in text
    assert cast.taught_students[0].local_id in text


def test_the_list_notes_the_students_it_shows(cast, login):
    login(cast.principal).get(url(cast))
    shown = set(AccessedStudent.objects.values_list("student_id", flat=True))
    school_students = set(
        Student.objects.filter(school=cast.school).values_list("pk", flat=True)
    )
    assert shown == school_students


def test_the_list_reads_a_fixed_number_of_queries(
    cast, login, django_assert_num_queries
):
    client = login(cast.principal)
    client.get(url(cast))
    with django_assert_num_queries(10) as small:  # with the unread count
        client.get(url(cast))
    mentor = StudentFactory(school=cast.school, grade_level=12)
    for _ in range(27):
        StudentFactory(school=cast.school, faculty_advisor=cast.teacher, mentor=mentor)
    for _ in range(5):
        staff(Role.TEACHER, school=cast.school)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url(cast))
    assert "32 students" in response.content.decode()


# One by one -----------------------------------------------------------------------


def test_the_principal_assigns_an_advisor_and_a_mentor(cast, login, senior):
    student = cast.taught_students[0]
    response = login(cast.principal).post(
        url(cast, "advisor_assign", student.pk),
        {"advisor": cast.teacher.pk, "mentor": senior.local_id, "next": url(cast)},
    )
    assert response.status_code == 302
    assert response.url == url(cast)
    student.refresh_from_db()
    assert student.faculty_advisor == cast.teacher
    assert student.mentor == senior
    advisor_event = Event.objects.get(type=EventType.ADVISOR_ASSIGNED)
    assert advisor_event.actor == cast.principal
    assert advisor_event.student == student
    assert advisor_event.before == {"advisor_id": None}
    assert advisor_event.after == {"advisor_id": cast.teacher.pk}
    mentor_event = Event.objects.get(type=EventType.MENTOR_ASSIGNED)
    assert mentor_event.after == {"mentor_id": senior.pk}


def test_a_counselor_assigns_from_the_page_and_gets_the_row_back(cast, login, senior):
    student = cast.taught_students[1]
    response = login(cast.counselor).post(
        url(cast, "advisor_assign", student.pk),
        {"advisor": cast.counselor.pk, "mentor": senior.local_id},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert text.strip().startswith(f'<tr id="advisee-{student.pk}">')
    assert "Saved" in text
    assert f"{senior.full_name}, grade 12" in text
    student.refresh_from_db()
    assert student.faculty_advisor == cast.counselor


def test_removing_an_advisor_is_recorded(cast, login):
    student = cast.taught_students[0]
    Student.objects.filter(pk=student.pk).update(faculty_advisor=cast.teacher)
    login(cast.principal).post(
        url(cast, "advisor_assign", student.pk), {"advisor": "", "mentor": ""}
    )
    student.refresh_from_db()
    assert student.faculty_advisor is None
    event = Event.objects.get(type=EventType.ADVISOR_ASSIGNED)
    assert event.before == {"advisor_id": cast.teacher.pk}
    assert event.after == {"advisor_id": None}


@pytest.mark.parametrize(
    ("mentor", "message"),
    [
        ("NOPE", "No student with ID “NOPE” at Stevenson High School."),
        ("same", "A student cannot mentor themselves."),
        ("younger", "A mentor is an older student, in a higher grade."),
        ("ungraded", "the roster gives the mentor no grade level."),
        ("foreign", "at Stevenson High School."),
    ],
)
def test_a_bad_mentor_is_refused_and_nothing_saved(cast, login, mentor, message):
    student = cast.taught_students[0]
    Student.objects.filter(pk=student.pk).update(grade_level=10)
    ids = {
        "same": student.local_id,
        "younger": StudentFactory(school=cast.school, grade_level=10).local_id,
        # An ungraded student (grade UG on the roster) is nobody's elder.
        "ungraded": StudentFactory(school=cast.school, grade_level=None).local_id,
        "foreign": cast.foreign_student.local_id,
    }
    response = login(cast.principal).post(
        url(cast, "advisor_assign", student.pk),
        {"advisor": cast.teacher.pk, "mentor": ids.get(mentor, mentor)},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert message in text
    assert "is-invalid" in text
    student.refresh_from_db()
    # Both or neither: the advisor is not saved either.
    assert student.faculty_advisor is None and student.mentor is None
    assert not Event.objects.filter(type=EventType.ADVISOR_ASSIGNED).exists()


def test_an_advisor_must_be_staff_of_the_school(cast, login):
    student = cast.taught_students[0]
    response = login(cast.principal).post(
        url(cast, "advisor_assign", student.pk),
        {"advisor": cast.other_teacher.pk},
        follow=True,
    )
    assert "Select a valid choice" in response.content.decode()
    student.refresh_from_db()
    assert student.faculty_advisor is None


def test_next_never_leaves_the_advisors_page(cast, login):
    response = login(cast.principal).post(
        url(cast, "advisor_assign", cast.taught_students[0].pk),
        {"advisor": "", "next": "https://evil.example/"},
    )
    assert response.url == url(cast)


# From a file -------------------------------------------------------------------------


def test_a_good_file_assigns_everyone_with_an_event_each(cast, login, senior):
    a, b, c = cast.taught_students
    Student.objects.filter(pk=c.pk).update(
        faculty_advisor=cast.counselor, mentor=senior
    )
    text = (
        "Student ID,Advisor Email,Mentor Student ID\n"
        f"{a.local_id},{cast.teacher.email.upper()},{senior.local_id}\n"
        f"{b.local_id},{cast.teacher.email},\n"
        f"{c.local_id},none,NONE\n"
        "\n"
    )
    response = login(cast.principal).post(
        url(cast, "advisors_upload"), {"file": upload(text)}, follow=True
    )
    assert "Read 3 rows: 3 advisors and 2 mentors changed" in response.content.decode()
    a.refresh_from_db(), b.refresh_from_db(), c.refresh_from_db()
    assert (a.faculty_advisor, a.mentor) == (cast.teacher, senior)
    assert (b.faculty_advisor, b.mentor) == (cast.teacher, None)
    assert (c.faculty_advisor, c.mentor) == (None, None)
    events = Event.objects.filter(actor=cast.principal)
    assert events.filter(type=EventType.ADVISOR_ASSIGNED).count() == 3
    assert events.filter(type=EventType.MENTOR_ASSIGNED).count() == 2
    removed = events.get(type=EventType.MENTOR_ASSIGNED, student=c)
    assert removed.before == {"mentor_id": senior.pk}
    assert removed.after == {"mentor_id": None}
    assert removed.data["source"] == "file"


def test_a_file_with_any_bad_row_saves_nothing_and_names_every_bad_row(
    cast, login, senior
):
    a, b, c = cast.taught_students
    d = StudentFactory(school=cast.school, grade_level=12, local_id="D-12")
    younger = StudentFactory(school=cast.school, grade_level=9, local_id="Y-9")
    text = (
        "student_id,advisor_email,mentor_student_id\n"
        f"{a.local_id},{cast.teacher.email},{senior.local_id}\n"  # good
        "NOPE-1,,\n"
        f"{cast.foreign_student.local_id},{cast.teacher.email},\n"
        f"{b.local_id},{cast.other_teacher.email},\n"
        f"{c.local_id},,{younger.local_id}\n"
        f"{d.local_id},,{senior.local_id}\n"
        f"{a.local_id},,\n"
        f"{senior.local_id},,GHOST\n"
        f",{cast.teacher.email},\n"
    )
    response = login(cast.principal).post(
        url(cast, "advisors_upload"), {"file": upload(text)}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved: fix 8 problems" in body
    for expected in (
        "Row 3: unknown student ID “NOPE-1”.",
        f"Row 4: unknown student ID “{cast.foreign_student.local_id}”.",
        f"Row 5: advisor “{cast.other_teacher.email}” is not a staff member at "
        "Stevenson High School.",
        "Row 6: mentor “Y-9” is in grade 9, not older than the student (grade 9)",
        f"Row 7: mentor “{senior.local_id}” is in grade 12, not older than the "
        "student (grade 12)",
        f"Row 8: student ID “{a.local_id}” is already on row 2.",
        "Row 9: unknown mentor student ID “GHOST”.",
        "Row 10: the student_id cell is empty.",
    ):
        assert expected in body, expected
    a.refresh_from_db()
    assert a.faculty_advisor is None and a.mentor is None
    assert not Event.objects.filter(
        type__in=[EventType.ADVISOR_ASSIGNED, EventType.MENTOR_ASSIGNED]
    ).exists()


def test_a_counselor_file_reaches_only_their_caseload(cast, login):
    text = (
        "student_id,advisor_email\n"
        f"{cast.taught_students[0].local_id},{cast.teacher.email}\n"
        f"{cast.untaught_student.local_id},{cast.teacher.email}\n"
    )
    response = login(cast.counselor).post(
        url(cast, "advisors_upload"), {"file": upload(text)}
    )
    assert (
        f"Row 3: unknown student ID “{cast.untaught_student.local_id}”."
        in response.content.decode()
    )
    assert not Student.objects.filter(faculty_advisor=cast.teacher).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "The submitted file is empty."),
        ("name,email\nA,b\n", "Row 1 must name the columns student_id"),
        ("student_id,advisor_email\n", "The file has a header row but no students."),
        ("student_id,advisor_email\n1,a,extra\n", "Row 2: 3 cells for 2 columns."),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused(cast, login, content, message):
    response = login(cast.principal).post(
        url(cast, "advisors_upload"), {"file": upload(content)}
    )
    assert message in response.content.decode()


def test_a_file_that_is_not_utf8_is_refused(cast, login):
    response = login(cast.principal).post(
        url(cast, "advisors_upload"),
        {
            "file": SimpleUploadedFile(
                "a.csv", "student_id,advisor_email\nÉ,x\n".encode("latin-1")
            )
        },
    )
    assert "not UTF-8" in response.content.decode()


def test_a_semicolon_file_from_a_spreadsheet_is_read(cast, login):
    a = cast.taught_students[0]
    login(cast.principal).post(
        url(cast, "advisors_upload"),
        {
            "file": upload(
                f"student_id;advisor_email\n{a.local_id};{cast.teacher.email}\n"
            )
        },
    )
    a.refresh_from_db()
    assert a.faculty_advisor == cast.teacher


def test_a_large_file_imports_in_a_fixed_number_of_queries(
    cast, django_assert_num_queries
):
    senior = StudentFactory(school=cast.school, grade_level=12)
    advisors = [staff(Role.TEACHER, school=cast.school) for _ in range(3)]

    def rows(n):
        students = [StudentFactory(school=cast.school) for _ in range(n)]
        return [
            AdvisorRow(
                line=i + 2,
                student_id=s.local_id,
                advisor_email=advisors[i % 3].email,
                mentor_student_id=senior.local_id,
            )
            for i, s in enumerate(students)
        ]

    def run(batch):
        return ladder_services.advisors_import(
            school=cast.school,
            actor=cast.principal,
            rows=batch,
            students=Student.objects.all(),
        )

    small, large = rows(3), rows(30)
    with django_assert_num_queries(7) as counted:
        run(small)
    with django_assert_num_queries(len(counted.captured_queries)):
        result = run(large)
    assert (result.advisors_changed, result.mentors_changed) == (30, 30)


def test_an_advisor_with_a_role_at_two_schools_counts_once(cast, login):
    give_role(cast.other_teacher, Role.TEACHER, school=cast.school)
    a = cast.taught_students[0]
    response = login(cast.principal).get(url(cast))
    assert (
        response.content.decode().count(f'value="{cast.other_teacher.pk}"') == 4
    )  # once a row
    login(cast.principal).post(
        url(cast, "advisors_upload"),
        {
            "file": upload(
                f"student_id,advisor_email\n{a.local_id},{cast.other_teacher.email}\n"
            )
        },
    )
    a.refresh_from_db()
    assert a.faculty_advisor == cast.other_teacher


# In a browser ----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_advisors_pages_pass_axe_and_work_from_the_keyboard(
    page, live_server, cast, tmp_path
):
    senior = StudentFactory(school=cast.school, grade_level=12, local_id="S-12")
    student = cast.taught_students[0]
    base = live_server.url
    log_in(page, base, cast.principal.email, TEST_PASSWORD)
    page.goto(base + url(cast))
    assert_accessible(page)
    screenshot(page, "advisors")

    page.get_by_label(f"Faculty advisor of {student.full_name}").select_option(
        str(cast.teacher.pk)
    )
    mentor = page.get_by_label(f"Mentor's student ID for {student.full_name}")
    mentor.fill("S-12")
    mentor.press("Enter")
    page.locator(f"#advisee-{student.pk}").get_by_text("Saved").wait_for()
    student.refresh_from_db()
    assert (student.faculty_advisor, student.mentor) == (cast.teacher, senior)
    # Focus stays on the row's Save button once the row is swapped in.
    wait_for(page, "document.activeElement.innerText.startsWith('Save')", timeout=5000)
    page.wait_for_timeout(400)  # the focused button's colours ease in
    assert_accessible(page)

    mentor = page.get_by_label(f"Mentor's student ID for {student.full_name}")
    mentor.fill("GHOST")
    mentor.press("Enter")
    page.locator(f"#advisee-{student.pk}").get_by_text("No student with ID").wait_for()
    # Focus goes to the field in error.
    wait_for(page, f"document.activeElement.id === 'mentor-{student.pk}'", timeout=5000)
    assert_accessible(page)

    page.get_by_label("Only students with no advisor").check()
    wait_for(page, f"!document.querySelector('#advisee-{student.pk}')")
    assert_accessible(page)

    bad = tmp_path / "bad.csv"
    bad.write_text("student_id,advisor_email\nNOPE,x@y.z\n", encoding="utf-8")
    page.goto(base + url(cast, "advisors_upload"))
    assert_accessible(page)
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Row 2: unknown student ID “NOPE”").is_visible()
    assert_accessible(page)
    screenshot(page, "advisors-upload")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + url(cast))
    assert_accessible(page)
