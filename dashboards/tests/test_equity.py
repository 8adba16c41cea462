"""Equity on the principal's dashboard: every figure against a hand-counted
school of 25 students, small groups hidden, gaps flagged, one query."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import include, path, reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import TEST_PASSWORD
from assessments.models import StudentMastery
from dashboards import equity
from dashboards.equity import (
    FEWER_THAN,
    PROTECTS,
    SUBGROUPS,
    equity_for,
    equity_rows,
    measure_q,
    parse_subgroup,
    students_in_term,
    subgroup_q,
)
from dashboards.tests.browser import assert_accessible, log_in, screenshot
from interventions.models import Case, CaseStatus
from schools.tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    SchoolFactory,
    SectionFactory,
    StudentFactory,
    TermFactory,
    staff,
)
from teams.tests.factories import OutcomeFactory, TeamFactory

TODAY = timezone.localdate()
P, E, N = (
    StudentMastery.Status.PROFICIENT,
    StudentMastery.Status.EXCEEDS,
    StudentMastery.Status.NOT_YET,
)


# Subgroups and their filters, without the database ----------------------------


def test_subgroups_in_display_order_with_their_values():
    assert [s.key for s in SUBGROUPS] == [
        "grade",
        "gender",
        "ethnicity",
        "english_learner",
        "special_education",
        "economically_disadvantaged",
    ]
    ethnicity = SUBGROUPS[2]
    assert [v.label for v in ethnicity.values] == [
        "American Indian or Alaska Native",
        "Asian",
        "Black or African American",
        "Hispanic or Latino",
        "Native Hawaiian or Other Pacific Islander",
        "White",
        "Two or more races",
        "Another race/ethnicity",
        "Not recorded",
    ]
    assert ethnicity.value("hispanic_or_latino").label == "Hispanic or Latino"
    assert [v.key for v in SUBGROUPS[0].values][:3] == ["-1", "0", "1"]
    assert [v.key for v in SUBGROUPS[1].values] == [
        "female",
        "male",
        "nonbinary",
        "not_recorded",
    ]


def test_unknown_subgroup_key_is_named_in_the_error():
    with pytest.raises(ValueError, match="“shoe_size” is not a student subgroup"):
        subgroup_q("shoe_size", "9")


def test_unknown_value_is_named_with_the_values_there_are():
    with pytest.raises(
        ValueError, match="“13” is not a value of the subgroup grade level; use one of"
    ):
        subgroup_q("grade", "13")
    with pytest.raises(ValueError, match="“maybe” is not a value"):
        subgroup_q("english_learner", "maybe")


def test_parse_subgroup_reads_key_colon_value():
    subgroup, value = parse_subgroup("gender:not_recorded")
    assert (subgroup.key, value.label) == ("gender", "Not recorded")
    with pytest.raises(ValueError, match="write it as subgroup:value"):
        parse_subgroup("grade9")


def test_unknown_measure_is_named():
    term = SimpleNamespace(start_date=TODAY, end_date=TODAY)
    with pytest.raises(ValueError, match="“average” is not a measure"):
        measure_q("average", school_id=1, term=term)


@pytest.mark.parametrize(
    ("sizes", "hidden"),
    [
        # Nothing small: nothing hidden.
        ({"a": 12, "b": 30}, {}),
        # One small value would be total minus the rest: the smallest other
        # value goes with it.
        ({"a": 3, "b": 10, "c": 40}, {"a": FEWER_THAN, "b": PROTECTS}),
        # Two small values together still fewer than ten: a third goes too.
        (
            {"a": 3, "b": 4, "c": 12, "d": 40},
            {"a": FEWER_THAN, "b": FEWER_THAN, "c": PROTECTS},
        ),
        # Two small values holding ten between them protect each other.
        ({"a": 4, "b": 6, "c": 40}, {"a": FEWER_THAN, "b": FEWER_THAN}),
        # A value with no students is no one's figure.
        ({"a": 0, "b": 12}, {}),
        # Ties go to the value listed first.
        ({"a": 2, "b": 15, "c": 15}, {"a": FEWER_THAN, "b": PROTECTS}),
    ],
)
def test_small_groups_are_hidden_with_enough_others_to_stay_hidden(sizes, hidden):
    assert equity._to_hide(sizes) == hidden


def test_values_hidden_for_another_reason_keep_it_and_count_as_hidden():
    # b's students are hidden already; a and b together hold 12 with results.
    assert equity._to_hide({"a": 4, "b": 8, "c": 40}, hidden={"b": PROTECTS}) == {
        "a": FEWER_THAN,
        "b": PROTECTS,
    }
    # Hidden values with no one to count give nothing away.
    assert equity._to_hide({"a": 0, "b": 12, "c": 30}, hidden={"a": FEWER_THAN}) == {
        "a": FEWER_THAN
    }
    # A hidden value of ten or more alone is no small group's figure.
    assert equity._to_hide(
        {"a": 0, "b": 12, "c": 30}, hidden={"a": FEWER_THAN, "b": PROTECTS}
    ) == {"a": FEWER_THAN, "b": PROTECTS}


# The hand-counted school ----------------------------------------------------------

# 25 students enrolled in Algebra 1 this term, by index:
#   grade      0–11 grade 9 (12), 12–21 grade 10 (10), 22–24 grade 11 (3)
#   gender     even female (13), odd male (12)
#   ethnicity  0–9 Hispanic or Latino (10), 10–19 White (10), 20–22 Asian (3),
#              23 not recorded, 24 another ("Middle Eastern or North African")
#   EL         0–3 yes (4), 4–22 no (19), 23–24 not recorded (2)
#   special ed 0–14 no (15), 15–24 yes (10)
#   econ. dis. not recorded for anyone
# Kept mastery on the course's two active outcomes (EO1, EO2):
#   0–5   EO1 proficient, EO2 exceeds  → proficient
#   6–9   EO1 not yet,   EO2 proficient → not proficient
#   10–13 EO1 proficient only           → proficient
#   14–19 EO1 not yet only              → not proficient
#   20–24 no evidence
#   → 20 with results, 10 proficient: 50.0%
# Cases open on some day of the term: 6–9, 14–17 (open), 19 (closed during the
# term) → 9 of 25: 36.0%. Student 18's case closed before the term began.


def ethnicity_of(i):
    if i < 10:
        return "Hispanic or Latino"
    if i < 20:
        return "White"
    if i < 23:
        return "Asian"
    return "" if i == 23 else "Middle Eastern or North African"


def english_learner_of(i):
    if i < 4:
        return True
    return False if i < 23 else None


def levels_of(i):
    if i < 6:
        return [P, E]
    if i < 10:
        return [N, P]
    if i < 14:
        return [P]
    if i < 20:
        return [N]
    return []


@pytest.fixture
def school():
    school = SchoolFactory(name="Stevenson High School")
    term = TermFactory(
        school=school,
        start_date=TODAY - datetime.timedelta(days=60),
        end_date=TODAY + datetime.timedelta(days=60),
    )
    past_term = TermFactory(
        school=school,
        start_date=TODAY - datetime.timedelta(days=300),
        end_date=TODAY - datetime.timedelta(days=120),
    )
    course = CourseFactory(school=school, title="Algebra 1")
    team = TeamFactory(school=school, courses=[course])
    eo1 = OutcomeFactory(team=team, course=course, code="EO1")
    eo2 = OutcomeFactory(team=team, course=course, code="EO2")
    retired = OutcomeFactory(team=team, course=course, code="EO3", is_active=False)
    section = SectionFactory(course=course, term=term)
    other_course = CourseFactory(school=school, title="Biology")
    other_outcome = OutcomeFactory(team=team, course=other_course, code="BIO1")
    students = []
    for i in range(25):
        student = StudentFactory(
            school=school,
            grade_level=9 if i < 12 else 10 if i < 22 else 11,
            gender="female" if i % 2 == 0 else "male",
            ethnicity=ethnicity_of(i),
            english_learner=english_learner_of(i),
            special_education=i >= 15,
            economically_disadvantaged=None,
        )
        EnrollmentFactory(student=student, section=section)
        for outcome, level in zip([eo1, eo2], levels_of(i), strict=False):
            mastery(student, outcome, level)
        students.append(student)
    # Evidence that does not count: a retired outcome, and a course the
    # student does not take this term.
    mastery(students[0], retired, N)
    mastery(students[1], other_outcome, N)
    for i in [6, 7, 8, 9, 14, 15, 16, 17]:
        case(students[i], course, opened=TODAY - datetime.timedelta(days=20))
    case(
        students[19],
        course,
        opened=TODAY - datetime.timedelta(days=100),
        closed=TODAY - datetime.timedelta(days=10),
    )
    case(
        students[18],
        course,
        opened=TODAY - datetime.timedelta(days=200),
        closed=TODAY - datetime.timedelta(days=61),
    )
    # Not this term's students: one not enrolled this term, one who left, one
    # in another school.
    bystander = StudentFactory(school=school, ethnicity="White")
    EnrollmentFactory(
        student=bystander,
        section=SectionFactory(course=course, term=past_term),
        begin_date=past_term.start_date,
    )
    mastery(bystander, eo1, N)
    left = StudentFactory(school=school, is_active=False)
    EnrollmentFactory(student=left, section=section)
    dropped = StudentFactory(school=school)
    EnrollmentFactory(
        student=dropped, section=section, end_date=TODAY - datetime.timedelta(days=5)
    )
    elsewhere = SectionFactory(course__school=SchoolFactory())
    EnrollmentFactory(student__school=elsewhere.course.school, section=elsewhere)
    return SimpleNamespace(
        school=school,
        term=term,
        past_term=past_term,
        course=course,
        section=section,
        outcomes=[eo1, eo2],
        students=students,
    )


def mastery(student, outcome, status):
    return StudentMastery.objects.create(
        student=student,
        outcome=outcome,
        status=status,
        value=None if status == N else Decimal(90),
        score_count=1,
        method="latest",
        explanation="",
    )


def case(student, course, *, opened, closed=None):
    return Case.objects.create(
        student=student,
        course=course,
        school=student.school,
        status=CaseStatus.EXITED if closed else CaseStatus.ACTIVE,
        opened_on=opened,
        closed_on=closed,
    )


def rows_of(result, key):
    (table,) = [t for t in result["subgroups"] if t.subgroup.key == key]
    return {row.value.key: row for row in table.rows}


def figures(row):
    return (
        row.students,
        row.assessed,
        row.proficient.percent,
        row.proficient.gap,
        row.intervention.percent,
        row.intervention.gap,
    )


@pytest.mark.django_db
def test_whole_school_figures(school):
    result = equity_for(school.school.pk, school.term)
    assert result["everyone"] == equity.Counts(
        students=25, assessed=20, proficient=10, in_intervention=9
    )
    assert result["all_students"] == 25
    assert result["all_assessed"] == 20
    assert result["all_proficient"] == Decimal("50.0")
    assert result["all_intervention"] == Decimal("36.0")


@pytest.mark.django_db
def test_grade_levels(school):
    grades = rows_of(equity_for(school.school.pk, school.term), "grade")
    # Only grades with students are listed.
    assert list(grades) == ["9", "10", "11"]
    # Grade 11 has 3 students; grade 10 (10 students) would be 25 − 12 − 3.
    assert grades["11"].students_hidden == FEWER_THAN
    assert grades["10"].students_hidden == PROTECTS
    for row in (grades["10"], grades["11"]):
        assert figures(row) == (None,) * 6
        assert row.proficient.hidden == row.students_hidden
    # Grade 9: 0–11, cases 6–9 = 4 of 12.
    assert figures(grades["9"]) == (
        12,
        None,
        None,
        None,
        Decimal("33.3"),
        Decimal("-2.7"),
    )
    # All 12 have results, but grades 10 and 11 have 8 between them (12–19),
    # which the all-students figure minus grade 9's would give away.
    assert grades["9"].proficient.hidden == PROTECTS
    assert not grades["9"].has_large_gap


@pytest.mark.django_db
def test_gender(school):
    gender = rows_of(equity_for(school.school.pk, school.term), "gender")
    assert list(gender) == ["female", "male"]
    # Female: evens; results 0–18 even = 10; proficient 0, 2, 4, 10, 12 = 5;
    # cases 6, 8, 14, 16 = 4 of 13.
    assert figures(gender["female"]) == (
        13,
        10,
        Decimal("50.0"),
        Decimal("0.0"),
        Decimal("30.8"),
        Decimal("-5.2"),
    )
    # Male: odds; proficient 1, 3, 5, 11, 13 = 5 of 10; cases 7, 9, 15, 17, 19.
    assert figures(gender["male"]) == (
        12,
        10,
        Decimal("50.0"),
        Decimal("0.0"),
        Decimal("41.7"),
        Decimal("5.7"),
    )


@pytest.mark.django_db
def test_race_ethnicity_shows_a_gap_in_words_and_hides_small_groups(school):
    result = equity_for(school.school.pk, school.term)
    ethnicity = rows_of(result, "ethnicity")
    assert list(ethnicity) == [
        "asian",
        "hispanic_or_latino",
        "white",
        "other",
        "not_recorded",
    ]
    white = ethnicity["white"]
    # White: 10–19; proficient 10–13 = 4 of 10; cases 14–17, 19 = 5 of 10.
    assert figures(white) == (
        10,
        10,
        Decimal("40.0"),
        Decimal("-10.0"),
        Decimal("50.0"),
        Decimal("14.0"),
    )
    assert white.proficient.large_gap and white.intervention.large_gap
    assert white.proficient.gap_words == "10 points below all students"
    assert white.intervention.gap_words == "14 points above all students"
    assert white in result["gaps"]
    # Asian 3, not recorded 1, another 1: 5 together, so Hispanic or Latino
    # (10, listed before White) is hidden with them, gap and all.
    for key in ["asian", "other", "not_recorded"]:
        assert ethnicity[key].students_hidden == FEWER_THAN
    hispanic = ethnicity["hispanic_or_latino"]
    assert hispanic.students_hidden == PROTECTS
    assert hispanic.proficient.gap is None and hispanic.intervention.gap is None
    assert not hispanic.has_large_gap


@pytest.mark.django_db
def test_english_learners_are_all_hidden_when_any_one_would_show_the_rest(school):
    learners = rows_of(equity_for(school.school.pk, school.term), "english_learner")
    assert {key: row.students_hidden for key, row in learners.items()} == {
        "yes": FEWER_THAN,
        "no": PROTECTS,
        "not_recorded": FEWER_THAN,
    }
    assert all(row.students is None for row in learners.values())


@pytest.mark.django_db
def test_proficiency_hidden_when_fewer_than_ten_have_results(school):
    special = rows_of(equity_for(school.school.pk, school.term), "special_education")
    # Receiving special education: 15–24, ten students, five with results.
    yes, no = special["yes"], special["no"]
    assert (yes.students, yes.assessed) == (10, None)
    assert yes.proficient.hidden == FEWER_THAN and yes.proficient.percent is None
    # Their cases can be shown: 15, 16, 17, 19 of ten.
    assert yes.intervention.percent == Decimal("40.0")
    # The others' proficiency would give theirs away.
    assert no.proficient.hidden == PROTECTS and no.proficient.gap is None
    # 0–14: cases 6–9, 14 = 5 of 15.
    assert (no.students, no.intervention.percent) == (15, Decimal("33.3"))


@pytest.mark.django_db
def test_a_subgroup_the_school_does_not_record(school):
    result = equity_for(school.school.pk, school.term)
    (table,) = [
        t for t in result["subgroups"] if t.subgroup.key == "economically_disadvantaged"
    ]
    assert not table.recorded
    assert [row.value.key for row in table.rows] == ["not_recorded"]


@pytest.mark.django_db
def test_a_school_of_fewer_than_ten_shows_no_figure():
    term = TermFactory()
    section = SectionFactory(course__school=term.school, term=term)
    for _ in range(9):
        EnrollmentFactory(section=section, student__school=term.school)
    result = equity_for(term.school_id, term)
    assert result["too_few"]
    assert result["all_students"] is None and result["all_intervention"] is None
    for table in result["subgroups"]:
        for row in table.rows:
            assert row.students is None and row.intervention.percent is None
    _, rows = equity_rows(result)
    assert rows[0][:3] == ["All students", "All students", FEWER_THAN]
    assert "9" not in {cell for row in rows for cell in row}


@pytest.mark.django_db
def test_a_past_term_counts_its_own_students_and_cases(school):
    result = equity_for(school.school.pk, school.past_term)
    # Only the bystander was enrolled on the past term's last day.
    assert result["everyone"] == equity.Counts(
        students=1, assessed=1, proficient=0, in_intervention=0
    )


@pytest.mark.django_db
def test_the_term_must_be_the_schools(school):
    with pytest.raises(ValueError, match="not one of this school's terms"):
        equity_for(SchoolFactory().pk, school.term)


@pytest.mark.django_db
def test_hidden_values_are_still_counted_right_underneath(school):
    counted = equity._counted(school.school.pk, school.term)
    students = counted["students"]
    assert students["english_learner__not_recorded"] == 2
    assert students["english_learner__yes"] == 4
    assert students["ethnicity__other"] == 1
    assert students["ethnicity__not_recorded"] == 1
    assert students["gender__not_recorded"] == 0
    assert students["economically_disadvantaged__not_recorded"] == 25
    # Grade 10 (12–21): results 12–19, proficient 12, 13; cases 14–17, 19.
    assert [counted[m]["grade__10"] for m in counted] == [10, 8, 2, 5]


@pytest.mark.django_db
def test_drill_down_filters_agree_with_the_figures(school):
    students = students_in_term(school.school.pk, school.term)
    proficient = measure_q("proficient", school_id=school.school.pk, term=school.term)
    in_intervention = measure_q(
        "in_intervention", school_id=school.school.pk, term=school.term
    )
    white = subgroup_q("ethnicity", "white")
    index = {s.pk: i for i, s in enumerate(school.students)}

    def listed(q):
        return sorted(
            index[pk] for pk in students.filter(q).values_list("pk", flat=True)
        )

    assert listed(white & proficient) == [10, 11, 12, 13]
    assert listed(white & in_intervention) == [14, 15, 16, 17, 19]
    assert listed(subgroup_q("grade", "9") & proficient) == [0, 1, 2, 3, 4, 5, 10, 11]
    assert listed(subgroup_q("english_learner", "not_recorded")) == [23, 24]
    assert listed(subgroup_q("ethnicity", "other")) == [24]


@pytest.mark.django_db
def test_one_query_whatever_the_size_of_the_school(school, django_assert_num_queries):
    with django_assert_num_queries(1):
        equity_for(school.school.pk, school.term)
    for i in range(30):
        student = StudentFactory(
            school=school.school,
            grade_level=12,
            gender="nonbinary",
            ethnicity="Asian",
            english_learner=True,
        )
        EnrollmentFactory(student=student, section=school.section)
        mastery(student, school.outcomes[0], P if i % 2 else N)
        if i % 3 == 0:
            case(student, school.course, opened=TODAY)
    with django_assert_num_queries(1):
        result = equity_for(school.school.pk, school.term)
    assert result["everyone"] == equity.Counts(
        students=55, assessed=50, proficient=25, in_intervention=19
    )


# Export and markup ---------------------------------------------------------------


@pytest.mark.django_db
def test_csv_rows_write_hidden_figures_as_words_and_are_formula_safe(school):
    result = equity_for(school.school.pk, school.term)
    header, rows = equity_rows(result)
    assert header[:5] == [
        "Subgroup",
        "Value",
        "Students",
        "Students with results",
        "% proficient",
    ]
    assert rows[0] == [
        "All students",
        "All students",
        "25",
        "20",
        "50.0",
        "",
        "",
        "36.0",
        "",
        "",
    ]
    by_value = {(row[0], row[1]): row for row in rows}
    assert by_value[("Race/ethnicity", "White")] == [
        "Race/ethnicity",
        "White",
        "10",
        "10",
        "40.0",
        "'-10.0",  # a leading minus would start a formula
        "gap",
        "50.0",
        "'+14.0",
        "gap",
    ]
    assert by_value[("Grade level", "Grade 11")][2:5] == [
        FEWER_THAN,
        FEWER_THAN,
        FEWER_THAN,
    ]
    assert by_value[("Grade level", "Grade 10")][2] == PROTECTS


def list_of_students(request, school_id):  # stands in for the drill-down
    return HttpResponse()


# The drill-down's address, for rendering the partials on their own.
urlpatterns = [
    path("teams/", include("teams.urls")),
    path(
        "",
        include(
            (
                [
                    path(
                        "schools/<int:school_id>/students/",
                        list_of_students,
                        name="school_students",
                    )
                ],
                "dashboards",
            )
        ),
    ),
]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_partial_has_headings_table_headers_links_and_words(school):
    result = equity_for(school.school.pk, school.term)
    html = render_to_string("dashboards/_equity.html", {"equity": result})
    assert '<section class="equity' in html
    assert "<h2" in html and "<caption" in html
    assert '<th scope="col"' in html and '<th scope="row"' in html
    assert "style=" not in html and "<script" not in html
    assert "measure=proficient&amp;subgroup=ethnicity:white" in html
    assert "measure=in_intervention&amp;subgroup=ethnicity:white" in html
    # A hidden group has no link and says why.
    assert "subgroup=ethnicity:hispanic_or_latino" not in html
    assert FEWER_THAN in html and PROTECTS in html
    # A gap is said in words, not only in colour.
    assert "10 points below all students" in html
    assert "Gap" in html
    # The subgroup the school does not record says so.
    assert "Economically disadvantaged: not recorded for any" in html


# On the principal's dashboard, in a browser ---------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_shows_equity_accessibly_and_opens_its_students(
    page, live_server, school
):
    principal = staff(
        Role.PRINCIPAL, school=school.school, email="principal@equity.example"
    )
    log_in(page, live_server.url, principal.email, TEST_PASSWORD)
    url = reverse("dashboards:school", args=[school.school.pk])
    page.goto(f"{live_server.url}{url}?term={school.term.pk}")
    section = page.locator("section.equity")
    assert section.get_by_role("heading", level=2).inner_text().startswith("Equity")
    white = section.locator("tr", has_text="White")
    assert "Gap" in white.inner_text()
    assert "10 points below all students" in white.inner_text()
    assert section.get_by_text(FEWER_THAN).first.is_visible()
    assert_accessible(page)
    screenshot(page, "dashboard-equity")
    # From the keyboard: the whole school's proficient students, 10 of them.
    section.locator("a").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Proficient on every essential outcome assessed"
    )
    assert page.locator("tbody tr").count() == 10
    assert_accessible(page)
