"""Each mastery method with worked examples, computed by hand."""

from decimal import Decimal

import pytest

from assessments.mastery import METHODS, compute
from teams.models import (
    DEFAULT_MASTERY_N,
    DEFAULT_MASTERY_WEIGHT,
    WEIGHTED_METHODS,
    MasteryMethod,
)

CUTS = {"cut": 80, "exceeds": 95}
# The team's defaults, written out because the worked examples below use them.
PARAMETERS = {"weight": 0.65, "n": 3}


def m(scores, method, **kwargs):
    return compute(scores, method=method, **{**CUTS, **PARAMETERS, **kwargs})


def test_the_methods_computed_are_the_methods_a_team_can_choose():
    assert sorted(METHODS) == sorted(MasteryMethod.values)


def test_the_worked_examples_use_the_team_defaults():
    assert Decimal(str(PARAMETERS["weight"])) == DEFAULT_MASTERY_WEIGHT
    assert PARAMETERS["n"] == DEFAULT_MASTERY_N


@pytest.mark.parametrize("method", METHODS)
def test_a_method_needs_exactly_the_parameters_the_team_form_asks_for(method):
    """The weight is asked for only for WEIGHTED_METHODS, and n only for
    n_mastery; a method that needed another would compute from nothing."""
    with_all = {**CUTS, **PARAMETERS}
    for name in PARAMETERS:
        arguments = {**with_all, name: None}
        needed = (name == "weight" and method in WEIGHTED_METHODS) or (
            name == "n" and method == MasteryMethod.N_MASTERY
        )
        if needed:
            with pytest.raises(ValueError, match=f"needs its {name}"):
                compute([80, 90], method=method, **arguments)
        else:
            compute([80, 90], method=method, **arguments)


@pytest.mark.parametrize("method", METHODS)
def test_no_score_is_no_evidence(method):
    result = m([], method)
    assert (result.value, result.status, result.count) == (None, "no_evidence", 0)


def test_latest_takes_the_most_recent_score_not_the_best():
    result = m([90, 60], "latest")
    assert (result.value, result.status, result.count) == (60, "not_yet", 1)
    assert "Latest of 2 scores: 60" in result.explanation


def test_highest_takes_the_best():
    result = m([60, 96, 70], "highest")
    assert (result.value, result.status, result.count) == (96, "exceeds", 3)


def test_average_exactly_at_the_cut_is_proficient():
    result = m([70, 80, 90], "average")
    assert (result.value, result.status) == (80, "proficient")
    assert "(70 + 80 + 90) ÷ 3 = 80" in result.explanation


def test_decaying_average_two_scores():
    # 60 × 0.35 + 100 × 0.65 = 21 + 65 = 86
    result = m([60, 100], "decaying_average")
    assert result.value == 86
    assert result.status == "proficient"
    assert "60 × 0.35 + 100 × 0.65 = 86" in result.explanation


def test_decaying_average_three_scores():
    # 86 × 0.35 + 70 × 0.65 = 30.1 + 45.5 = 75.6
    result = m([60, 100, 70], "decaying_average")
    assert result.value == pytest.approx(75.6)
    assert result.status == "not_yet"


def test_decaying_average_with_another_weight():
    # 50 × 0.5 + 100 × 0.5 = 75; 75 × 0.5 + 100 × 0.5 = 87.5
    assert m([50, 100, 100], "decaying_average", weight=0.5).value == 87.5


def test_weighted_latest():
    # 90 × 0.65 + mean(60, 80) × 0.35 = 58.5 + 24.5 = 83
    result = m([60, 80, 90], "weighted_latest")
    assert result.value == pytest.approx(83)
    assert result.status == "proficient"


def test_weighted_latest_with_one_score_is_that_score():
    assert m([72], "weighted_latest").value == 72


def test_n_mastery_proficient_once_n_scores_reach_the_cut():
    # 85, 90 and 80 reach 80; their mean is 85
    result = m([85, 70, 90, 80], "n_mastery", n=3)
    assert (result.value, result.status, result.count) == (85, "proficient", 3)


def test_n_mastery_not_yet_with_fewer_than_n_even_if_high():
    result = m([85, 90], "n_mastery", n=3)
    assert result.status == "not_yet"
    assert result.value is None
    assert result.progress == "2 of 3 scores at the cut"
    assert "3 are needed" in result.explanation


def test_n_mastery_with_fewer_than_n_at_the_cut_has_no_value():
    # 80 and 85 reach the cut of 80, 60 does not: 2 of the 3 needed. Mastery is
    # not established, so there is no value at all, not the mean 75 of all three.
    result = m([80, 85, 60], "n_mastery", n=3)
    assert (result.value, result.status, result.count) == (None, "not_yet", 3)
    assert (result.at_cut, result.needed) == (2, 3)
    assert result.progress == "2 of 3 scores at the cut"
    assert result.explanation == (
        "2 of 3 scores reach the cut of 80: 80, 85; 3 are needed, so mastery is "
        "not established yet: not yet."
    )
    assert "75" not in result.explanation


def test_n_mastery_with_no_score_at_the_cut():
    result = m([60, 70], "n_mastery", n=2)
    assert (result.value, result.progress) == (None, "0 of 2 scores at the cut")
    assert result.explanation.startswith("0 of 2 scores reach the cut of 80;")


def test_n_mastery_once_established_shows_the_count_and_the_mean():
    result = m([81, 82, 83], "n_mastery", n=3)
    assert (result.value, result.status) == (82, "proficient")
    assert result.progress == "3 of 3 scores at the cut"


def test_n_mastery_exceeds_when_the_qualifying_mean_does():
    assert m([96, 97, 100], "n_mastery").status == "exceeds"


def test_mode_takes_the_most_frequent_score():
    assert m([70, 80, 80, 90], "mode").value == 80


def test_mode_ties_go_to_the_higher_score():
    assert m([70, 90, 70, 90], "mode").value == 90
    assert m([60, 75], "mode").value == 75


def test_power_law_reads_an_exact_power_curve_at_the_last_attempt():
    # y = 50 · x^0.5: 50, 70.71, 86.60 — the fit is exact and reads 86.60 at x = 3.
    scores = [50 * x**0.5 for x in (1, 2, 3)]
    result = m(scores, "power_law")
    assert result.value == pytest.approx(86.6025, abs=1e-3)
    assert result.status == "proficient"
    assert "y = 50.00 · x^0.500" in result.explanation


def test_power_law_of_flat_scores_is_that_score():
    assert m([80, 80, 80], "power_law").value == pytest.approx(80)


def test_power_law_stays_within_0_and_100():
    assert m([40, 90, 100], "power_law").value <= 100
    assert m([0, 0, 0], "power_law").value >= 0


@pytest.mark.parametrize("method", [x for x in METHODS if x != "n_mastery"])
def test_one_score_is_that_score_for_every_method(method):
    assert m([88], method).value == pytest.approx(88)


def test_float_noise_does_not_drop_a_student_below_the_cut():
    # (60.3 + 82.6 + 97.1) / 3 is 80 on paper; in floating point 79.99999999999999.
    assert (60.3 + 82.6 + 97.1) / 3 < 80
    result = m([60.3, 82.6, 97.1], "average")
    assert result.value == 80
    assert result.status == "proficient"


def test_exceeds_cut_is_inclusive():
    assert m([95], "latest").status == "exceeds"
    assert m([94.99], "latest").status == "proficient"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "median"}, "Unknown mastery method 'median'"),
        ({"cut": 120}, "mastery cut must be between 0 and 100"),
        ({"cut": 90, "exceeds": 85}, r"exceeds cut \(85\) must be between"),
        ({"weight": 0}, "weight must be above 0"),
        ({"weight": 1.5}, "weight must be above 0"),
        ({"n": 0}, "n must be at least 1"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_message(kwargs, message):
    arguments = {"method": "average", **CUTS, **kwargs}
    with pytest.raises(ValueError, match=message):
        compute([80], **arguments)


@pytest.mark.parametrize("score", [-1, 100.5, None, True])
def test_scores_outside_0_to_100_are_refused(score):
    with pytest.raises(ValueError, match="Score 2 is"):
        m([80, score], "average")


def test_a_new_team_form_starts_from_the_team_model_defaults():
    from teams.forms import TeamForm
    from teams.models import Team

    form = TeamForm(school=None)
    for name in ("mastery_method", "mastery_weight", "mastery_n"):
        assert form.fields[name].initial == Team._meta.get_field(name).default
