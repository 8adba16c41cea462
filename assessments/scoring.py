"""Outcome scores on one assessment: pure arithmetic over plain values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

ABSENT, EXEMPT = "absent", "exempt"
ABSENT_KEYS = {"a", "absent", "abs"}
EXEMPT_KEYS = {"x", "exempt", "ex", "e"}


@dataclass(frozen=True)
class Cell:
    """One item of one outcome for one student: the most points, and what was
    entered (`points` None with `mark` "" means nothing entered yet)."""

    max_points: Decimal
    points: Decimal | None = None
    mark: str = ""

    @property
    def is_blank(self) -> bool:
        return self.points is None and not self.mark


def outcome_percent(cells: Iterable[Cell]) -> Decimal | None:
    """Points earned on the outcome's items ÷ points possible × 100.

    None until every item of the outcome has an entry, and None when the student
    was absent or exempt on all of them: a half-entered or missed assessment is no
    evidence either way. Items marked absent or exempt leave the points possible.
    """
    cells = list(cells)
    if not cells or any(cell.is_blank for cell in cells):
        return None
    scored = [cell for cell in cells if cell.points is not None]
    if not scored:
        return None
    possible = sum(cell.max_points for cell in scored)
    earned = sum(cell.points for cell in scored)
    return earned * 100 / possible


def level(percent: Decimal | None, cut: Decimal, exceeds: Decimal) -> str:
    if percent is None:
        return "no_evidence"
    if percent >= exceeds:
        return "exceeds"
    if percent >= cut:
        return "proficient"
    return "not_yet"


@dataclass(frozen=True)
class ParsedEntry:
    points: Decimal | None
    mark: str


def parse_entry(raw: str, *, max_points: Decimal) -> ParsedEntry:
    """What a teacher typed in a cell. Raises ValueError with a message for them."""
    text = (raw or "").strip().lower()
    if text == "":
        return ParsedEntry(None, "")
    if text in ABSENT_KEYS:
        return ParsedEntry(None, ABSENT)
    if text in EXEMPT_KEYS:
        return ParsedEntry(None, EXEMPT)
    try:
        points = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(
            f"“{raw.strip()[:20]}” is not a score: type points from 0 to "
            f"{_fmt(max_points)}, a for absent or x for exempt."
        ) from None
    if not points.is_finite():
        raise ValueError("Type a number of points.")
    if points < 0:
        raise ValueError("Points cannot be negative.")
    if points > max_points:
        raise ValueError(
            f"{_fmt(points)} is more than the {_fmt(max_points)} points this item is "
            "worth."
        )
    if points != points.quantize(Decimal("0.01")):
        raise ValueError("Use at most two decimals.")
    return ParsedEntry(points.quantize(Decimal("0.01")), "")


def _fmt(number: Decimal) -> str:
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def display(points: Decimal | None, mark: str) -> str:
    if mark == ABSENT:
        return "a"
    if mark == EXEMPT:
        return "x"
    return "" if points is None else _fmt(points)


def in_words(points: Decimal | str | None, mark: str) -> str:
    """A cell as a history reads it: "3.5", "absent", "exempt" or "blank".
    Points may come back from a JSON record as text."""
    if mark in (ABSENT, EXEMPT):
        return mark
    return "blank" if points is None else _fmt(Decimal(points))
