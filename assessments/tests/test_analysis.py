"""The data page's figures, worked by hand on the `exam` fixture.

Scores (items 1 and 2 measure EO1 for 4 + 2 points, item 3 measures EO2 for 4):

    Period 1 (Rivera)   a: 4 2 4   b: 3 2 2   c: 1 1 3
    Period 4 (colleague) d: 4 2 4   e: 2 a 4   (absent on item 2)

EO1: a 100% exceeds, b 83.3% proficient, c 33.3% not yet, d 100% exceeds,
e 2 of 4 = 50% not yet → 3 of 5 = 60.0% overall, Period 1 2 of 3 = 66.7%,
Period 4 1 of 2 = 50.0%.
EO2: a 100, b 50, c 75, d 100, e 100 → 3 of 5 = 60.0%; Period 1 33.3%,
Period 4 100.0%.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from assessments import analysis, selectors, services
from assessments.models import TriagePolicy
from assessments.tests.conftest import enter
from schools.tests.factories import (
    EnrollmentFactory,
    SectionFactory,
    StudentFactory,
    teach,
)

pytestmark = pytest.mark.django_db

SCORES = {
    "a": ["4", "2", "4"],
    "b": ["3", "2", "2"],
    "c": ["1", "1", "3"],
    "d": ["4", "2", "4"],
    "e": ["2", "a", "4"],
}


@pytest.fixture
def scored(exam):
    a, b, c = exam.taught_students
    d, e = exam.colleague_students
    students = {"a": a, "b": b, "c": c, "d": d, "e": e}
    for key, values in SCORES.items():
        for number, raw in enumerate(values, start=1):
            enter(exam, students[key], number, raw)
    services.mastery_recompute(student_ids=[s.pk for s in students.values()])
    return SimpleNamespace(**vars(exam), s=SimpleNamespace(**students))


def outcome_of(page, exam, index):
    return next(o for o in page.outcomes if o.outcome == exam.outcomes[index])


def test_percent_proficient_overall_by_class_and_by_teacher(scored):
    page = analysis.data_page(assessment=scored.assessment, viewer=scored.teacher)
    eo1 = outcome_of(page, scored, 0)
    assert (eo1.overall.proficient, eo1.overall.assessed) == (3, 5)
    assert eo1.overall.percent == Decimal("60.0")
    by_section = {rate.section: rate for rate in eo1.sections}
    assert by_section[scored.section].share.percent == Decimal("66.7")
    assert by_section[scored.colleague_section].share.percent == Decimal("50.0")
    by_teacher = {rate.teacher: rate.share.percent for rate in eo1.teachers}
    assert by_teacher == {
        scored.teacher: Decimal("66.7"),
        scored.colleague: Decimal("50.0"),
    }
    eo2 = outcome_of(page, scored, 1)
    assert eo2.overall.percent == Decimal("60.0")
    assert {r.section: r.share.percent for r in eo2.sections} == {
        scored.section: Decimal("33.3"),
        scored.colleague_section: Decimal("100.0"),
    }


def test_the_viewers_own_class_and_column_are_marked(scored):
    page = analysis.data_page(assessment=scored.assessment, viewer=scored.colleague)
    eo1 = outcome_of(page, scored, 0)
    assert [r.section for r in eo1.sections if r.is_own] == [scored.colleague_section]
    assert [r.teacher for r in eo1.teachers if r.is_self] == [scored.colleague]
    assert page.own_section_ids == {scored.colleague_section.pk}


def test_item_analysis_is_the_mean_share_of_points_by_teacher(scored):
    page = analysis.data_page(assessment=scored.assessment)
    assert set(page.teachers) == {scored.teacher, scored.colleague}
    column = {teacher: i for i, teacher in enumerate(page.teachers)}
    item1, item2, item3 = page.items
    # Item 1: 100, 75, 25 in Period 1; 100, 50 in Period 4.
    assert item1.overall.percent == Decimal("70.0")
    assert item1.by_teacher[column[scored.teacher]].percent == Decimal("66.7")
    assert item1.by_teacher[column[scored.colleague]].percent == Decimal("75.0")
    # Item 2: the absent student leaves the mean: 100, 100, 50 and 100.
    assert item2.overall.percent == Decimal("87.5")
    assert item2.overall.scored == 4
    assert item2.by_teacher[column[scored.colleague]].percent == Decimal("100.0")
    # Item 3: 100, 50, 75, 100, 100.
    assert item3.overall.percent == Decimal("85.0")


def test_not_yet_and_exceeds_lists_show_the_calculation_and_mastery(scored):
    services.assessment_finalize(assessment=scored.assessment, actor=scored.teacher)
    services.mastery_refresh()
    page = analysis.data_page(assessment=scored.assessment)
    eo1 = outcome_of(page, scored, 0)
    assert {s.student for s in eo1.not_yet} == {scored.s.c, scored.s.e}
    assert {s.student for s in eo1.exceeds} == {scored.s.a, scored.s.d}
    e = next(s for s in eo1.not_yet if s.student == scored.s.e)
    assert e.calculation == "2 of 4 points = 50.0%, below the 80% mastery cut."
    assert e.section == scored.colleague_section
    assert e.mastery.status == "not_yet"
    assert "50" in e.mastery.explanation
    a = next(s for s in eo1.exceeds if s.student == scored.s.a)
    assert a.calculation == "6 of 6 points = 100.0%, at or above the 95% exceeds cut."


def test_an_open_assessments_lists_show_its_results_but_no_kept_mastery_yet(
    scored,
):
    """Kept mastery counts finalized results only: while the class is still
    being entered, the page shows this assessment's results and no mastery
    resting on them."""
    page = analysis.data_page(assessment=scored.assessment)
    eo1 = outcome_of(page, scored, 0)
    assert {s.student for s in eo1.not_yet} == {scored.s.c, scored.s.e}
    e = next(s for s in eo1.not_yet if s.student == scored.s.e)
    assert e.calculation == "2 of 4 points = 50.0%, below the 80% mastery cut."
    assert e.mastery is None


def test_students_without_a_complete_result_are_counted_apart(exam):
    a, b, _ = exam.taught_students
    enter(exam, a, 1, "4")
    enter(exam, a, 2, "2")
    enter(exam, b, 1, "4")  # item 2 still empty: no EO1 score yet
    page = analysis.data_page(assessment=exam.assessment)
    eo1 = outcome_of(page, exam, 0)
    assert eo1.overall.assessed == 1
    assert eo1.without_result == 4


def test_reteach_flags_follow_the_schools_threshold(scored):
    page = analysis.data_page(assessment=scored.assessment)
    eo1 = outcome_of(page, scored, 0)
    assert page.threshold == Decimal(70)
    assert {r.section for r in eo1.reteach_sections} == {
        scored.section,
        scored.colleague_section,
    }
    TriagePolicy.objects.create(school=scored.school, reteach_threshold=Decimal(60))
    page = analysis.data_page(assessment=scored.assessment)
    eo1 = outcome_of(page, scored, 0)
    assert [r.section for r in eo1.reteach_sections] == [scored.colleague_section]


def test_finalizing_gives_the_team_its_reteach_items(scored):
    services.assessment_finalize(assessment=scored.assessment, actor=scored.teacher)
    page = analysis.data_page(assessment=scored.assessment)
    found = {(item.outcome.code, item.section) for item in page.reteach_items}
    assert found == {
        ("ALG1.EO1", scored.section),
        ("ALG1.EO1", scored.colleague_section),
        ("ALG1.EO2", scored.section),
    }


def test_exports_neutralise_formulas():
    assert analysis.spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    for start in "=+-@\t\r":
        assert analysis.spreadsheet_safe(f"{start}x") == f"'{start}x"
    assert analysis.spreadsheet_safe("Ana") == "Ana"
    assert analysis.spreadsheet_safe(None) == ""
    assert analysis.spreadsheet_safe(Decimal("66.7")) == "66.7"


def test_every_export_table_has_a_header_and_rows(scored):
    page = analysis.data_page(assessment=scored.assessment)
    outcomes = analysis.export_table(page, "outcomes")
    assert outcomes[0][0] == "Outcome"
    assert ["ALG1.EO1", "All", "All students", "", "5", "3", "60.0", ""] in outcomes
    not_yet = analysis.export_table(page, "not-yet")
    assert {row[1] for row in not_yet[1:]} == {
        scored.s.c.local_id,
        scored.s.e.local_id,
        scored.s.b.local_id,  # not yet on EO2
    }
    items = analysis.export_table(page, "items")
    assert len(items) == 4
    assert len(items[0]) == 5 + len(page.teachers)


def _grow(exam, *, students: int, sections: int, assessments: int):
    """More students, classes and assessments of the team: the count of queries
    of the data page must not change."""
    for _ in range(sections):
        section = SectionFactory(course=exam.course, term=exam.section.term)
        teach(exam.colleague, section)
        for _ in range(students):
            student = EnrollmentFactory(
                section=section, student=StudentFactory(school=exam.school)
            ).student
            for number, raw in enumerate(["1", "2", "4"], start=1):
                enter(exam, student, number, raw)
    for n in range(assessments):
        other = services.assessment_create(
            team=exam.team,
            course=exam.course,
            title=f"Quiz {n}",
            administered_on=datetime.date.today() - datetime.timedelta(days=30 + n),
            actor=exam.teacher,
        )
        services.items_replace(
            assessment=other,
            items=[services.ItemSpec(1, Decimal(4), exam.outcomes[0])],
            actor=exam.teacher,
        )


def test_the_data_page_runs_a_fixed_number_of_queries(
    scored, django_assert_num_queries
):
    with django_assert_num_queries(10):
        page = analysis.data_page(assessment=scored.assessment, viewer=scored.teacher)
    assert page.student_count == 5
    _grow(scored, students=12, sections=3, assessments=4)
    services.mastery_recompute(
        student_ids=list(
            selectors.assessment_students(scored.assessment).values_list(
                "pk", flat=True
            )
        )
    )
    with django_assert_num_queries(10):
        page = analysis.data_page(assessment=scored.assessment, viewer=scored.teacher)
    assert page.student_count == 5 + 36
    assert len(page.sections) == 5
    assert len(outcome_of(page, scored, 0).not_yet) == 2 + 36
