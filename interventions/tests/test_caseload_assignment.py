"""Caseloads: the principal splits the students among the counselors by
last-name range and grade, or one student at a time by hand, and sees each
counselor's load."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.events import EventType
from accounts.models import Event, Role
from accounts.tests.factories import TEST_PASSWORD
from dashboards.tests.browser import assert_accessible, log_in, screenshot
from interventions import ladder_services
from interventions.ladder_selectors import (
    RuleSpec,
    caseloads,
    hand_assigned_ids,
    name_key,
    rule_label,
)
from interventions.models import CaseloadRule
from interventions.tests.conftest import open_case
from schools.models import AccessedStudent, Student
from schools.tests.factories import StudentFactory, staff

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


# The rules, as plain values ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Ávila", "AVILA"),
        ("de la Cruz", "DELACRUZ"),
        ("O'Brien", "OBRIEN"),
        ("Smith-Jones", "SMITHJONES"),
        ("", ""),
    ],
)
def test_last_names_compare_by_their_letters(name, key):
    assert name_key(name) == key


@pytest.mark.parametrize(
    ("rule", "covered", "not_covered"),
    [
        (RuleSpec(1, "A", "F"), ["Adams", "Ávila", "Fuller", "F"], ["Garcia", "Zhu"]),
        (RuleSpec(1, "G", ""), ["Garcia", "Zhu"], ["Fuller", "Adams"]),
        (RuleSpec(1, "", "Mc"), ["Adams", "McBride", "Mc"], ["Mead", "Nolan"]),
        (RuleSpec(1, "Mc", "Mz"), ["McBride", "Moore"], ["Mabry", "Nolan"]),
        (RuleSpec(1, "", "", 9), ["Adams", "Zhu"], []),
    ],
)
def test_a_rule_covers_the_names_of_its_range(rule, covered, not_covered):
    for name in covered:
        assert rule.covers(name, 9), name
    for name in not_covered:
        assert not rule.covers(name, 9), name


def test_a_grade_rule_covers_only_its_grade():
    rule = RuleSpec(1, "A", "F", 9)
    assert rule.covers("Adams", 9)
    assert not rule.covers("Adams", 10)


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        (RuleSpec(1, "A", "F"), RuleSpec(2, "G", "M"), False),
        (RuleSpec(1, "A", "F"), RuleSpec(2, "F", "M"), True),
        (RuleSpec(1, "A", "F"), RuleSpec(2, "Fa", "M"), True),
        (RuleSpec(1, "A", "Fz"), RuleSpec(2, "G", ""), False),
        (RuleSpec(1, "A", "F", 9), RuleSpec(2, "A", "F", 10), False),
        (RuleSpec(1, "A", "F", 9), RuleSpec(2, "", "", 9), True),
        (RuleSpec(1, "A", "F"), RuleSpec(2, "", "", 11), True),
        (RuleSpec(1, "", "", 9), RuleSpec(2, "", "", 10), False),
    ],
)
def test_two_rules_overlap_when_a_student_could_match_both(a, b, overlap):
    assert a.overlaps(b) is overlap
    assert b.overlaps(a) is overlap


def test_a_rule_is_described_in_words():
    assert rule_label(RuleSpec(1, "A", "F", 9)) == "A–F, grade 9"
    assert rule_label(RuleSpec(1, "M", "")) == "M onwards"
    assert rule_label(RuleSpec(1, "", "F")) == "up to F"
    assert rule_label(RuleSpec(1, "", "", 0)) == "grade K"
    assert RuleSpec(1, "M", "C").runs_backwards
    assert RuleSpec(1).is_empty


# Who may open and change caseloads ------------------------------------------------


def url(cast, name="caseloads", *args):
    return reverse(f"interventions:{name}", args=[cast.school.pk, *args])


@pytest.fixture
def school(cast):
    """Two counselors and a dozen students with last names across the alphabet."""
    cast.second = staff(
        Role.COUNSELOR, school=cast.school, email="second@stevenson.example"
    )
    cast.pupils = {
        name: StudentFactory(school=cast.school, last_name=name, grade_level=grade)
        for name, grade in [
            ("Adams", 9),
            ("Baker", 10),
            ("Fuller", 9),
            ("Garcia", 9),
            ("Ibarra", 11),
            ("Moore", 10),
            ("Zhu", 12),
        ]
    }
    return cast


def rules_post(*rows, initial=0):
    data = {
        "rules-TOTAL_FORMS": str(len(rows)),
        "rules-INITIAL_FORMS": str(initial),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "60",
    }
    for i, row in enumerate(rows):
        counselor, start, end, grade = row
        data.update(
            {
                f"rules-{i}-counselor": counselor.pk if counselor else "",
                f"rules-{i}-last_name_from": start,
                f"rules-{i}-last_name_to": end,
                f"rules-{i}-grade_level": "" if grade is None else str(grade),
            }
        )
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_principal_opens_the_caseload_pages(cast, login, who):
    client = login(getattr(cast, who))
    for name in ("caseloads", "caseloads_rules"):
        response = client.get(url(cast, name))
        assert response.status_code == (200 if who == "principal" else 404), name


@pytest.mark.django_db
@pytest.mark.parametrize("who", [w for w in EVERYONE if w != "principal"])
def test_no_one_else_changes_caseloads(school, login, who):
    CaseloadRule.objects.create(
        school=school.school, counselor=school.counselor, last_name_from="A"
    )
    student = school.pupils["Zhu"]
    client = login(getattr(school, who))
    posts = [
        (url(school, "caseloads_rules"), rules_post((school.second, "A", "Z", None))),
        (url(school, "caseloads_apply"), {}),
        (
            url(school, "caseloads_student"),
            {"student_id": student.local_id, "counselor": school.second.pk},
        ),
        (url(school, "caseloads_follow_rules", student.pk), {}),
    ]
    for target, data in posts:
        assert client.post(target, data).status_code == 404, target
    student.refresh_from_db()
    assert student.counselor is None
    assert CaseloadRule.objects.get().counselor == school.counselor


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(cast, client):
    for name in ("caseloads", "caseloads_rules"):
        response = client.get(url(cast, name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


# Rules ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_principal_saves_rules_with_an_event(school, login):
    response = login(school.principal).post(
        url(school, "caseloads_rules"),
        rules_post(
            (school.counselor, "a", "f", None),
            (school.second, "G", "Z", None),
            (None, "", "", None),
        ),
    )
    assert response.status_code == 302
    rules = CaseloadRule.objects.filter(school=school.school).order_by("last_name_from")
    assert [(r.counselor, r.last_name_from, r.last_name_to) for r in rules] == [
        (school.counselor, "A", "F"),
        (school.second, "G", "Z"),
    ]
    event = Event.objects.get(type=EventType.CASELOAD_RULES_CHANGED)
    assert event.actor == school.principal
    assert event.before == {"rules": []}
    assert event.after["rules"][0] == {
        "counselor_id": school.counselor.pk,
        "last_name_from": "A",
        "last_name_to": "F",
        "grade_level": None,
    }
    # Saving rules changes no student until they are applied.
    assert not Student.objects.filter(counselor=school.second).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [("counselor", "A", "F", None), ("second", "F", "M", None)],
            "Rules 1 and 2 overlap: some students are in both “A–F” and “F–M”.",
        ),
        (
            [("counselor", "", "", 9), ("second", "A", "C", None)],
            "Rules 1 and 2 overlap: some students are in both “grade 9” and “A–C”.",
        ),
        (
            [("counselor", "", "", None)],
            "Rule 1: give a last-name range, a grade, or both.",
        ),
        (
            [("counselor", "M", "C", None)],
            "Rule 1: the range M–C runs backwards; put the earlier letter first.",
        ),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(school, login, rows, message):
    people = {"counselor": school.counselor, "second": school.second}
    data = rules_post(*[(people[c], a, b, g) for c, a, b, g in rows])
    # A rule with a counselor but nothing else is not a blank row: it is kept
    # on the form and refused.
    response = login(school.principal).post(url(school, "caseloads_rules"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CaseloadRule.objects.exists()
    assert not Event.objects.filter(type=EventType.CASELOAD_RULES_CHANGED).exists()


@pytest.mark.django_db
def test_a_rule_needs_a_counselor_and_letters(school, login):
    response = login(school.principal).post(
        url(school, "caseloads_rules"),
        rules_post((None, "A", "F", None), (school.second, "1", "", None)),
    )
    text = response.content.decode()
    assert "Choose the counselor." in text
    assert "Use letters, e.g. A or Mc." in text
    assert not CaseloadRule.objects.exists()


@pytest.mark.django_db
def test_a_teacher_is_not_a_counselor_to_choose(school):
    with pytest.raises(ValidationError) as error:
        ladder_services.caseload_rules_replace(
            school=school.school,
            actor=school.principal,
            rules=[RuleSpec(school.teacher.pk, "A", "Z")],
        )
    assert error.value.messages == ["Rule 1: choose one of the school's counselors."]


@pytest.mark.django_db
def test_a_removed_rule_is_gone_and_the_change_recorded(school, login):
    CaseloadRule.objects.create(
        school=school.school,
        counselor=school.counselor,
        last_name_from="A",
        last_name_to="M",
    )
    CaseloadRule.objects.create(
        school=school.school, counselor=school.second, last_name_from="N"
    )
    data = rules_post(
        (school.counselor, "A", "M", None), (school.second, "N", "", None), initial=2
    )
    data["rules-1-DELETE"] = "on"
    login(school.principal).post(url(school, "caseloads_rules"), data)
    assert CaseloadRule.objects.get().counselor == school.counselor
    event = Event.objects.get(type=EventType.CASELOAD_RULES_CHANGED)
    assert len(event.before["rules"]) == 2
    assert len(event.after["rules"]) == 1


# Applying the rules, and assigning by hand -----------------------------------------


@pytest.mark.django_db
def test_applying_the_rules_sets_each_students_counselor(school, login):
    CaseloadRule.objects.create(
        school=school.school,
        counselor=school.counselor,
        last_name_from="A",
        last_name_to="F",
    )
    CaseloadRule.objects.create(
        school=school.school,
        counselor=school.second,
        last_name_from="G",
        last_name_to="M",
        grade_level=9,
    )
    inactive = StudentFactory(school=school.school, last_name="Abbott", is_active=False)
    response = login(school.principal).post(url(school, "caseloads_apply"), follow=True)
    text = response.content.decode()
    p = {name: Student.objects.get(pk=s.pk) for name, s in school.pupils.items()}
    assert p["Adams"].counselor == school.counselor
    assert p["Fuller"].counselor == school.counselor
    assert p["Garcia"].counselor == school.second
    assert p["Moore"].counselor is None  # grade 10: no rule covers them
    assert p["Zhu"].counselor is None
    inactive.refresh_from_db()
    assert inactive.counselor is None
    event = Event.objects.get(type=EventType.COUNSELOR_ASSIGNED, student=p["Garcia"])
    assert event.actor == school.principal
    assert event.before == {"counselor_id": None}
    assert event.after == {"counselor_id": school.second.pk}
    assert event.data["by_hand"] is False
    assert event.data["rule"] == "G–M, grade 9"
    assert "Caseload rules applied:" in text
    assert "no rule covers kept theirs" in text


@pytest.mark.django_db
def test_a_counselor_chosen_by_hand_stays_when_the_rules_are_applied(school, login):
    CaseloadRule.objects.create(
        school=school.school, counselor=school.counselor, last_name_from="A"
    )
    zhu = school.pupils["Zhu"]
    client = login(school.principal)
    response = client.post(
        url(school, "caseloads_student"),
        {"student_id": zhu.local_id, "counselor": school.second.pk},
    )
    assert response.status_code == 302
    zhu.refresh_from_db()
    assert zhu.counselor == school.second
    assert hand_assigned_ids(school.school.pk) == {zhu.pk}
    event = Event.objects.get(type=EventType.COUNSELOR_ASSIGNED, student=zhu)
    assert event.before == {"counselor_id": None, "by_hand": False}
    assert event.after == {"counselor_id": school.second.pk, "by_hand": True}

    client.post(url(school, "caseloads_apply"))
    zhu.refresh_from_db()
    assert zhu.counselor == school.second
    assert school.pupils["Adams"].__class__.objects.get(
        pk=school.pupils["Adams"].pk
    ).counselor == (school.counselor)

    # Handed back to the rules, the student follows them again.
    client.post(url(school, "caseloads_follow_rules", zhu.pk))
    zhu.refresh_from_db()
    assert zhu.counselor == school.counselor
    assert hand_assigned_ids(school.school.pk) == set()
    client.post(
        url(school, "caseloads_student"),
        {"student_id": zhu.local_id, "counselor": school.second.pk},
    )
    client.post(url(school, "caseloads_apply"))
    zhu.refresh_from_db()
    assert zhu.counselor == school.second


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("student_id", "counselor", "message"),
    [
        ("NOPE", "second", "No student with ID “NOPE” at Stevenson High School."),
        ("foreign", "second", "at Stevenson High School."),
        ("zhu", "teacher", "Select a valid choice."),
        ("", "second", "This field is required."),
    ],
)
def test_a_bad_assignment_by_hand_is_refused(
    school, login, student_id, counselor, message
):
    ids = {
        "zhu": school.pupils["Zhu"].local_id,
        "foreign": school.foreign_student.local_id,
    }
    response = login(school.principal).post(
        url(school, "caseloads_student"),
        {
            "student_id": ids.get(student_id, student_id),
            "counselor": getattr(school, counselor).pk,
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Event.objects.filter(type=EventType.COUNSELOR_ASSIGNED).exists()


@pytest.mark.django_db
def test_applying_without_rules_says_so(school, login):
    response = login(school.principal).post(url(school, "caseloads_apply"), follow=True)
    assert "There are no caseload rules to apply" in response.content.decode()


@pytest.mark.django_db
def test_a_student_of_another_school_cannot_be_handed_to_the_rules(cast, login):
    response = login(cast.principal).post(
        url(cast, "caseloads_follow_rules", cast.foreign_student.pk)
    )
    assert response.status_code == 404


# The load of each counselor -------------------------------------------------------


@pytest.mark.django_db
def test_each_counselor_shows_students_and_open_cases(ladder, login):
    open_case(ladder, ladder.taught_students[0])
    open_case(ladder, ladder.taught_students[1])
    second = staff(Role.COUNSELOR, school=ladder.school, last_name="Second")
    StudentFactory(school=ladder.school, counselor=second)
    data = caseloads(ladder.school)
    loads = {load.counselor: load for load in data.loads}
    assert (loads[ladder.counselor].students, loads[ladder.counselor].open_cases) == (
        3,
        2,
    )
    assert (loads[second].students, loads[second].open_cases) == (1, 0)
    assert data.without_counselor == 1  # the untaught student
    text = login(ladder.principal).get(url(ladder)).content.decode()
    assert "Each counselor&#x27;s load" in text or "Each counselor's load" in text


@pytest.mark.django_db
def test_the_caseloads_page_reads_a_fixed_number_of_queries(
    ladder, login, django_assert_num_queries
):
    CaseloadRule.objects.create(
        school=ladder.school, counselor=ladder.counselor, last_name_from="A"
    )
    ladder_services.counselor_assign(
        student=ladder.taught_students[2],
        actor=ladder.principal,
        counselor=ladder.counselor,
    )
    open_case(ladder)
    client = login(ladder.principal)
    client.get(url(ladder))
    with django_assert_num_queries(14) as small:  # with the unread count
        client.get(url(ladder))
    for _ in range(3):
        counselor = staff(Role.COUNSELOR, school=ladder.school)
        CaseloadRule.objects.create(
            school=ladder.school, counselor=counselor, grade_level=12
        )
    students = [
        StudentFactory(school=ladder.school, counselor=ladder.counselor)
        for _ in range(27)
    ]
    for student in students[:5]:
        ladder_services.counselor_assign(
            student=student, actor=ladder.principal, counselor=ladder.counselor
        )
    for student in students[5:10]:
        open_case(ladder, student)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url(ladder))
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_students_assigned_by_hand_are_noted_as_read(school, login):
    zhu = school.pupils["Zhu"]
    ladder_services.counselor_assign(
        student=zhu, actor=school.principal, counselor=school.second
    )
    login(school.principal).get(url(school))
    assert set(AccessedStudent.objects.values_list("student_id", flat=True)) == {zhu.pk}


# In a browser ----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_caseload_pages_pass_axe(page, live_server, school):
    base = live_server.url
    log_in(page, base, school.principal.email, TEST_PASSWORD)
    page.goto(base + url(school, "caseloads_rules"))
    assert_accessible(page)
    page.get_by_label("Rule 1: counselor").select_option(str(school.counselor.pk))
    page.get_by_label("Rule 1: last names from").fill("A")
    page.get_by_label("Rule 1: last names to").fill("F")
    page.get_by_label("Rule 2: counselor").select_option(str(school.second.pk))
    page.get_by_label("Rule 2: last names from").fill("E")
    page.get_by_role("button", name="Save the rules").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Rules 1 and 2 overlap").is_visible()
    assert_accessible(page)
    screenshot(page, "caseloads-rules")
    page.get_by_label("Rule 2: last names from").fill("G")
    page.get_by_role("button", name="Save the rules").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Apply the rules now").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Caseload rules applied").is_visible()
    page.get_by_label("Student ID").fill(school.pupils["Zhu"].local_id)
    page.locator("#id_counselor").select_option(str(school.counselor.pk))
    page.get_by_role("button", name="Assign").click()
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    screenshot(page, "caseloads")
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page)
