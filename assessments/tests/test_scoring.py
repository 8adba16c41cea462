from decimal import Decimal as D

import pytest

from assessments.scoring import Cell, display, level, outcome_percent, parse_entry


def test_outcome_percent_is_points_earned_over_points_possible():
    # 3/4 + 2/2 + 5/6 = 10 of 12 points = 83.33…%
    cells = [Cell(D(4), D(3)), Cell(D(2), D(2)), Cell(D(6), D(5))]
    assert outcome_percent(cells) == pytest.approx(D("83.3333"), abs=D("0.001"))


def test_a_blank_item_means_no_outcome_score_yet():
    assert outcome_percent([Cell(D(4), D(3)), Cell(D(2))]) is None


def test_absent_on_every_item_is_no_evidence():
    assert (
        outcome_percent([Cell(D(4), mark="absent"), Cell(D(2), mark="exempt")]) is None
    )


def test_exempt_items_leave_the_points_possible():
    # 3 of the 4 points of the one scored item: 75%
    assert outcome_percent([Cell(D(4), D(3)), Cell(D(2), mark="exempt")]) == 75


def test_levels_at_the_cuts():
    assert level(D(80), D(80), D(95)) == "proficient"
    assert level(D("79.99"), D(80), D(95)) == "not_yet"
    assert level(D(95), D(80), D(95)) == "exceeds"
    assert level(None, D(80), D(95)) == "no_evidence"


@pytest.mark.parametrize(
    ("raw", "points", "mark"),
    [
        ("3", D(3), ""),
        (" 2.5 ", D("2.5"), ""),
        ("2,5", D("2.5"), ""),
        ("0", D(0), ""),
        ("a", None, "absent"),
        ("A", None, "absent"),
        ("x", None, "exempt"),
        ("", None, ""),
    ],
)
def test_parse_entry_accepts_points_and_marks(raw, points, mark):
    parsed = parse_entry(raw, max_points=D(4))
    assert (parsed.points, parsed.mark) == (points, mark)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("5", "5 is more than the 4 points this item is worth"),
        ("-1", "cannot be negative"),
        ("three", "“three” is not a score"),
        ("1.234", "at most two decimals"),
        ("nan", "Type a number"),
    ],
)
def test_parse_entry_refuses_bad_values_with_a_message(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_entry(raw, max_points=D(4))


def test_display_round_trips():
    assert display(D("2.50"), "") == "2.5"
    assert display(D("3.00"), "") == "3"
    assert display(None, "absent") == "a"
    assert display(None, "exempt") == "x"
    assert display(None, "") == ""
