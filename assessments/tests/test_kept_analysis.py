# ruff: noqa: F811 - tests take the imported `scored` fixture by name
"""A finalized assessment's data page is counted once per change of its school
and kept (assessments/analysis.py, "Kept analyses"): each test shows one kind of
change reaching the page, or the kept page drawn for another reader."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts import changes
from assessments import analysis, services
from assessments.access import assessments_for
from assessments.models import ItemScore, KeptAnalysis, StudentMastery
from assessments.tests.conftest import enter
from assessments.tests.test_analysis import (
    outcome_of,
    scored,  # noqa: F401 - the fixture
)
from schools.models import AccessedStudent

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


@pytest.fixture
def finalized(scored):
    services.assessment_finalize(assessment=scored.assessment, actor=scored.teacher)
    services.mastery_refresh()
    # As the pages load it, so that it knows it is finalized.
    assessment = assessments_for(scored.teacher).get(pk=scored.assessment.pk)
    return SimpleNamespace(**{**vars(scored), "assessment": assessment})


def reads_scores(captured) -> bool:
    table = ItemScore._meta.db_table
    return any(table in query["sql"] for query in captured.captured_queries)


def page_of(finalized, viewer=None, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        page = analysis.data_page(
            assessment=finalized.assessment, viewer=viewer, **kwargs
        )
    return page, captured


def test_the_analysis_is_kept_and_read_back_without_the_results(
    finalized, django_assert_num_queries
):
    with django_assert_num_queries(13):
        first, captured = page_of(finalized, finalized.teacher)
    assert reads_scores(captured)
    assert KeptAnalysis.objects.filter(assessment=finalized.assessment).exists()
    # The school's version and the kept row.
    with django_assert_num_queries(2):
        again, captured = page_of(finalized, finalized.teacher)
    assert not reads_scores(captured)
    eo1 = outcome_of(again, finalized, 0)
    assert (eo1.overall.proficient, eo1.overall.assessed) == (3, 5)
    assert {s.student for s in eo1.not_yet} == {finalized.s.c, finalized.s.e}
    assert next(s for s in eo1.not_yet if s.student == finalized.s.e).calculation == (
        "2 of 4 points = 50.0%, below the 80% mastery cut."
    )
    assert {r.section: r.share.percent for r in eo1.sections} == {
        finalized.section: Decimal("66.7"),
        finalized.colleague_section: Decimal("50.0"),
    }
    assert again.assessment is finalized.assessment
    assert [i.overall.percent for i in again.items] == [
        i.overall.percent for i in first.items
    ]


def test_the_kept_page_marks_each_readers_own_class_and_column(finalized):
    page_of(finalized, finalized.teacher)
    page, captured = page_of(finalized, finalized.colleague)
    assert not reads_scores(captured)
    eo1 = outcome_of(page, finalized, 0)
    assert [r.section for r in eo1.sections if r.is_own] == [
        finalized.colleague_section
    ]
    assert [r.teacher for r in eo1.teachers if r.is_self] == [finalized.colleague]
    assert page.own_section_ids == {finalized.colleague_section.pk}
    assert page.viewer_id == finalized.colleague.pk
    # A reader who teaches none of the classes (the principal) has none marked.
    page, _ = page_of(finalized, finalized.principal)
    assert not page.own_section_ids
    assert not any(r.is_own for o in page.outcomes for r in o.sections)
    assert not any(r.is_self for o in page.outcomes for r in o.teachers)


def test_the_kept_page_still_notes_the_students_it_shows(finalized, login):
    client = login(finalized.teacher)
    url = f"/assessments/{finalized.assessment.pk}/data/"
    assert client.get(url).status_code == 200
    AccessedStudent.objects.all().delete()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert not reads_scores(captured)
    # Every one of the five is on a list: c and e not yet on EO1, b on EO2, a
    # and d exceed.
    assert set(AccessedStudent.objects.values_list("student_id", flat=True)) == {
        s.pk for s in vars(finalized.s).values()
    }


def test_a_correction_after_reopening_reaches_the_page(
    finalized, django_capture_on_commit_callbacks
):
    page_of(finalized, finalized.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_reopen(
            assessment=finalized.assessment, actor=finalized.teacher, reason="Typo"
        )
    finalized.assessment.refresh_from_db()
    # c scored 1 of 4 on item 1; it was 4 of 4.
    enter(finalized, finalized.s.c, 1, "4")
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_finalize(
            assessment=finalized.assessment, actor=finalized.teacher
        )
    finalized.assessment.refresh_from_db()
    page, captured = page_of(finalized, finalized.teacher)
    assert reads_scores(captured)
    eo1 = outcome_of(page, finalized, 0)
    assert finalized.s.c not in {s.student for s in eo1.not_yet}
    assert (eo1.overall.proficient, eo1.overall.assessed) == (4, 5)


def test_an_open_assessment_is_never_kept(
    finalized, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_reopen(
            assessment=finalized.assessment, actor=finalized.teacher, reason="Typo"
        )
    finalized.assessment.refresh_from_db()
    page_of(finalized, finalized.teacher)
    # Results entered while it is open raise no version: only counting it
    # afresh each time shows them.
    enter(finalized, finalized.s.c, 1, "4")
    page, captured = page_of(finalized, finalized.teacher)
    assert reads_scores(captured)
    assert finalized.s.c not in {
        s.student for s in outcome_of(page, finalized, 0).not_yet
    }
    assert not KeptAnalysis.objects.exists()


def test_any_change_of_the_school_counts_it_again(
    finalized, django_capture_on_commit_callbacks
):
    page_of(finalized, finalized.teacher)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        changes.schools_changed([finalized.assessment.team.school_id])
    _, captured = page_of(finalized, finalized.teacher)
    assert reads_scores(captured)
    _, captured = page_of(finalized, finalized.teacher)
    assert not reads_scores(captured)


def test_a_new_day_and_a_new_release_count_it_again(finalized, monkeypatch):
    page_of(finalized, finalized.teacher, today=TODAY)
    _, captured = page_of(finalized, finalized.teacher, today=TODAY)
    assert not reads_scores(captured)
    tomorrow = TODAY + datetime.timedelta(days=1)
    _, captured = page_of(finalized, finalized.teacher, today=tomorrow)
    assert reads_scores(captured)
    monkeypatch.setattr(analysis, "layout", lambda: "another release")
    _, captured = page_of(finalized, finalized.teacher, today=tomorrow)
    assert reads_scores(captured)


def test_lists_and_exports_read_the_kept_analysis(finalized, login):
    page_of(finalized, finalized.teacher)
    client = login(finalized.teacher)
    for url in (
        f"/assessments/{finalized.assessment.pk}/data/not-yet.csv",
        f"/assessments/{finalized.assessment.pk}/data/students/not-yet/"
        f"{finalized.outcomes[0].pk}/",
    ):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        assert not reads_scores(captured), url
        assert finalized.s.e.last_name in response.content.decode()


def test_a_kept_row_that_cannot_be_read_is_counted_again(finalized):
    page_of(finalized, finalized.teacher)
    KeptAnalysis.objects.update(data=b"not what was kept")
    page, captured = page_of(finalized, finalized.teacher)
    assert reads_scores(captured)
    assert outcome_of(page, finalized, 0).overall.assessed == 5
    _, captured = page_of(finalized, finalized.teacher)
    assert not reads_scores(captured)


def test_new_wording_of_kept_mastery_reaches_the_kept_page(
    finalized, django_capture_on_commit_callbacks
):
    """The lists show each student's mastery explanation: a recompute that
    only rewords it (a new release, a renamed method) counts the page again."""
    page_of(finalized, finalized.teacher)
    StudentMastery.objects.filter(student=finalized.s.e).update(explanation="Old words")
    with django_capture_on_commit_callbacks(execute=True):
        services.mastery_recompute(student_ids=[finalized.s.e.pk])
    assert not StudentMastery.objects.filter(explanation="Old words").exists()
    _, captured = page_of(finalized, finalized.teacher)
    assert reads_scores(captured)


def test_reordering_the_outcomes_counts_the_page_again(
    finalized, django_capture_on_commit_callbacks
):
    """The reteach list and the dashboards follow the team's order of its
    outcomes; moving one is a change of the school like any other."""
    from teams import services as team_services

    page_of(finalized, finalized.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        team_services.outcome_move(
            outcome=finalized.outcomes[1], actor=finalized.teacher, direction="up"
        )
    _, captured = page_of(finalized, finalized.teacher)
    assert reads_scores(captured)


def test_what_is_kept_holds_no_password_hash(finalized):
    """The kept analysis names the classes' teachers; it keeps what the page
    shows of them, not their whole account."""
    import zlib

    from assessments.models import ReteachItem

    item = ReteachItem.objects.filter(assessment=finalized.assessment).first()
    assert item is not None  # EO2 in Period 1: 1 of 3 reached mastery
    services.reteach_item_set_done(item=item, actor=finalized.colleague, done=True)
    page_of(finalized, finalized.teacher)
    kept = zlib.decompress(KeptAnalysis.objects.get().data)
    assert finalized.colleague.last_name.encode() in kept
    for teacher in (finalized.teacher, finalized.colleague):
        teacher.refresh_from_db()
        assert teacher.password
        assert teacher.password.encode() not in kept
