"""The teaching-learning cycle's rules, worked by hand (docs/domain.md, "The
teaching-learning cycle"). Pure: no database."""

import datetime

import pytest

from teams.cycle import (
    MEETING_DUE_DAYS,
    REASSESS_DUE_DAYS,
    RESPONSE_DUE_DAYS,
    RESULTS_DUE_DAYS,
    AssessmentFacts,
    State,
    UnitCycle,
    UnitFacts,
    cycle_for_team,
    register_loader,
    unit_steps,
    with_links,
)

# A Monday in November; the unit's assessment was given on 2 November.
TODAY = datetime.date(2026, 11, 30)
GIVEN = datetime.date(2026, 11, 2)


def given(**changes) -> AssessmentFacts:
    values = {
        "pk": 1,
        "title": "Unit 3 common assessment",
        "administered_on": GIVEN,
        "status": "finalized",
        "finalized_on": datetime.date(2026, 11, 6),
    }
    return AssessmentFacts(**{**values, **changes})


def unit(**changes) -> UnitFacts:
    values = {
        "team_id": 1,
        "team_name": "Grade 3",
        "course_id": 7,
        "course_title": "Grade 3 Mathematics",
        "unit": "Unit 3",
        "outcome_count": 2,
        "outcomes_set_on": datetime.date(2026, 8, 20),
        "term_start": datetime.date(2026, 8, 15),
    }
    return UnitFacts(**{**values, **changes})


def states(facts, today=TODAY) -> dict[str, str]:
    return {step.key: step.state for step in unit_steps(facts, today)}


def step(facts, key, today=TODAY):
    return next(s for s in unit_steps(facts, today) if s.key == key)


def test_the_limits_are_those_the_domain_page_states():
    assert (RESULTS_DUE_DAYS, MEETING_DUE_DAYS, RESPONSE_DUE_DAYS) == (7, 7, 7)
    assert REASSESS_DUE_DAYS == 28


def test_a_unit_that_went_round_the_whole_cycle():
    facts = unit(
        assessment=given(meeting_pk=4, meeting_on=datetime.date(2026, 11, 10)),
        retake=given(pk=2, administered_on=datetime.date(2026, 11, 24)),
        not_yet=5,
        not_yet_without_response=0,
        exceeds=3,
        exceeds_in_extension=1,
    )
    steps = unit_steps(facts, TODAY)
    assert [s.state for s in steps] == [State.DONE] * 6
    assert [s.on for s in steps] == [
        datetime.date(2026, 8, 20),
        GIVEN,
        datetime.date(2026, 11, 6),
        datetime.date(2026, 11, 10),
        None,
        datetime.date(2026, 11, 24),
    ]
    assert steps[4].note == "5 in intervention, 1 in extension"
    cycle = UnitCycle(facts=facts, steps=steps)
    assert not cycle.is_late and cycle.next_step is None


def test_a_team_without_outcomes_is_late_two_weeks_into_the_term():
    facts = unit(outcome_count=0, outcomes_set_on=None, unit="")
    # The term started 15 August: outcomes are due by 29 August.
    on_time = step(facts, "outcomes", today=datetime.date(2026, 8, 29))
    assert on_time.state == State.PLANNED
    assert on_time.due_on == datetime.date(2026, 8, 29)
    assert step(facts, "outcomes", today=datetime.date(2026, 8, 30)).is_late
    # Nothing else can start without outcomes.
    assert set(list(states(facts).values())[1:]) == {State.WAITING}
    assert UnitCycle(facts=facts, steps=[]).unit_label == "No unit"


def test_no_assessment_yet_is_not_late_until_the_team_moves_on():
    assert step(unit(), "assessment").state == State.WAITING
    moved_on = step(unit(later_unit_assessed=True), "assessment")
    assert moved_on.is_late
    assert moved_on.note == "A later unit was assessed first; none for this one"


def test_an_assessment_is_given_once_open_on_or_after_its_date():
    planned = given(status="open", administered_on=datetime.date(2026, 12, 3))
    assert step(unit(assessment=planned), "assessment").state == State.PLANNED
    assert step(unit(assessment=planned), "results").state == State.WAITING
    today_open = given(status="open", administered_on=TODAY)
    assert step(unit(assessment=today_open), "assessment").state == State.DONE


def test_a_draft_past_its_date_is_late_not_given():
    draft = given(status="draft", administered_on=datetime.date(2026, 11, 27))
    result = step(unit(assessment=draft), "assessment")
    assert result.is_late
    assert result.due_on == datetime.date(2026, 11, 27)
    # A draft dated today still has today.
    draft_today = given(status="draft", administered_on=TODAY)
    assert step(unit(assessment=draft_today), "assessment").state == State.PLANNED


def test_results_are_due_a_week_after_the_assessment():
    # Given 23 November: due 30 November (today), late from 1 December.
    open_ = given(status="open", administered_on=datetime.date(2026, 11, 23))
    on_time = step(unit(assessment=open_), "results")
    assert (on_time.state, on_time.due_on) == (State.PLANNED, TODAY)
    late = step(unit(assessment=open_), "results", today=datetime.date(2026, 12, 1))
    assert late.is_late and late.note == "Open for entry"


def test_the_data_meeting_is_due_a_week_after_the_results():
    # Results in on 6 November: meeting due 13 November.
    no_meeting = step(unit(assessment=given()), "meeting")
    assert no_meeting.is_late
    assert no_meeting.due_on == datetime.date(2026, 11, 13)
    assert no_meeting.note == "No meeting tied to these results"
    on_day = step(unit(assessment=given()), "meeting", datetime.date(2026, 11, 13))
    assert on_day.state == State.PLANNED


def test_a_meeting_planned_in_time_is_not_late_but_one_planned_too_late_is():
    in_time = given(meeting_pk=4, meeting_on=datetime.date(2026, 11, 12))
    before = step(unit(assessment=in_time), "meeting", datetime.date(2026, 11, 9))
    assert before.state == State.PLANNED and before.on == datetime.date(2026, 11, 12)
    too_late = given(meeting_pk=4, meeting_on=datetime.date(2026, 12, 2))
    assert step(unit(assessment=too_late), "meeting").is_late


def test_a_meeting_held_before_the_results_were_final_still_counts():
    early = given(status="open", meeting_pk=4, meeting_on=datetime.date(2026, 11, 20))
    result = step(unit(assessment=early), "meeting")
    assert (result.state, result.on) == (State.DONE, datetime.date(2026, 11, 20))


def test_responses_wait_for_final_results():
    open_ = given(status="open", finalized_on=None)
    facts = unit(assessment=open_, not_yet=4, not_yet_without_response=4)
    assert step(facts, "response").state == State.WAITING
    assert step(facts, "reassessment").state == State.WAITING


def test_students_without_an_intervention_make_the_response_late_after_a_week():
    facts = unit(assessment=given(), not_yet=6, not_yet_without_response=2)
    result = step(facts, "response", today=datetime.date(2026, 11, 14))
    assert result.is_late
    assert result.due_on == datetime.date(2026, 11, 13)
    assert result.note == "2 students not yet proficient without an intervention"
    in_time = step(facts, "response", today=datetime.date(2026, 11, 13))
    assert in_time.state == State.PLANNED


def test_extension_has_started_once_one_student_who_exceeds_is_placed():
    none_placed = unit(assessment=given(), exceeds=3, exceeds_in_extension=0)
    result = step(none_placed, "response")
    assert result.is_late
    assert result.note == "None of the 3 students who exceed in an extension group"
    one_placed = unit(assessment=given(), exceeds=3, exceeds_in_extension=1)
    assert step(one_placed, "response").state == State.DONE


def test_no_student_to_respond_to_needs_no_response_and_no_retake():
    facts = unit(assessment=given())
    assert step(facts, "response").state == State.NOT_NEEDED
    assert step(facts, "reassessment").state == State.NOT_NEEDED
    assert step(facts, "reassessment").is_done


def test_the_re_assessment_is_due_four_weeks_after_the_results():
    facts = unit(assessment=given(), not_yet=3, not_yet_without_response=0)
    # Results in on 6 November: re-assessment due 4 December.
    result = step(facts, "reassessment")
    assert (result.state, result.due_on) == (State.PLANNED, datetime.date(2026, 12, 4))
    assert result.note == "For 3 students not yet proficient"
    assert step(facts, "reassessment", datetime.date(2026, 12, 5)).is_late


def test_a_planned_retake_counts_only_when_planned_in_time():
    in_time = given(pk=2, status="open", administered_on=datetime.date(2026, 12, 3))
    facts = unit(assessment=given(), retake=in_time, not_yet=3)
    result = step(facts, "reassessment")
    assert (result.state, result.on) == (State.PLANNED, datetime.date(2026, 12, 3))
    too_late = given(pk=2, status="open", administered_on=datetime.date(2026, 12, 9))
    late_facts = unit(assessment=given(), retake=too_late, not_yet=3)
    assert step(late_facts, "reassessment", datetime.date(2026, 12, 5)).is_late
    draft_past = given(
        pk=2, status="draft", administered_on=datetime.date(2026, 11, 27)
    )
    assert step(
        unit(assessment=given(), retake=draft_past, not_yet=3), "reassessment"
    ).is_late


def test_a_finalized_assessment_without_a_date_of_finalizing_counts_from_its_date():
    facts = unit(assessment=given(finalized_on=None))
    assert step(facts, "meeting").due_on == GIVEN + datetime.timedelta(days=7)


def test_each_state_has_a_symbol_and_words():
    for state, (symbol, words) in State.LABELS.items():
        assert symbol and words, state
    late = step(unit(later_unit_assessed=True), "assessment")
    assert (late.symbol, late.state_label) == ("!", "Late")


def test_where_a_unit_stands_is_its_first_step_not_done():
    facts = unit(assessment=given(status="open", finalized_on=None))
    cycle = UnitCycle(facts=facts, steps=unit_steps(facts, TODAY))
    assert cycle.next_step.key == "results"
    assert [s.key for s in cycle.late_steps] == ["results"]


def test_links_are_attached_by_step():
    steps = with_links(unit_steps(unit(), TODAY), {"outcomes": "/teams/1/outcomes/"})
    assert steps[0].url == "/teams/1/outcomes/"
    assert steps[1].url == ""


def test_without_a_registered_loader_the_entry_points_say_so(monkeypatch):
    import teams.cycle

    monkeypatch.setattr(teams.cycle, "_loader", None)
    with pytest.raises(RuntimeError, match="No cycle loader"):
        cycle_for_team(object(), today=TODAY)


def test_the_dashboards_app_registers_the_loader():
    import teams.cycle
    from dashboards.cycle import LOADER

    assert teams.cycle._loader is LOADER
    register_loader(LOADER)  # registering again changes nothing
    assert teams.cycle._loader is LOADER
