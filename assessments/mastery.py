"""Mastery of one student on one essential outcome, from their outcome scores.

Pure functions over plain numbers: no database, no clock. `scores` are one
student's percentages on one outcome (0–100), ordered by administration date,
oldest first. Every result carries the steps of its calculation, because every
flag the product raises must show the arithmetic behind it.

The methods' names and their defaults (the weight, n) are declared once, as the
team's choices in `teams.models`; this module implements them and takes every
parameter a method reads from its caller, so no default lives here.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import fmean

NO_EVIDENCE = "no_evidence"
NOT_YET = "not_yet"
PROFICIENT = "proficient"
EXCEEDS = "exceeds"
# Comparisons against the cuts use values rounded to this many decimals, so that
# 0.35 * 60 + 0.65 * 100 counts as the 86 it is on paper, not 85.99999999999999.
PRECISION = 6


@dataclass(frozen=True)
class Mastery:
    """`value` is None when there is no evidence, and for `n_mastery` until n
    scores reach the cut: mastery is not established, so there is no level to
    show, only how many scores are at the cut (`at_cut` of `needed`)."""

    value: float | None
    status: str
    count: int
    steps: tuple[str, ...] = field(default=())
    at_cut: int | None = None
    needed: int | None = None

    @property
    def explanation(self) -> str:
        return " ".join(self.steps)

    @property
    def progress(self) -> str:
        """ "2 of 3 scores at the cut", for methods that count scores at the cut."""
        if self.needed is None:
            return ""
        return f"{self.at_cut} of {self.needed} scores at the cut"


PROGRESS = re.compile(r"^(\d+) of (\d+) scores at the cut$")


def still_gathering(method: str, progress: str, score_count: int) -> bool:
    """Under `n_mastery`, a student not yet proficient whose every score so far
    reaches the cut, just fewer than n of them, has missed nothing: they are
    still gathering evidence, not behind (docs/domain.md, "Flagging")."""
    if method != "n_mastery":
        return False
    match = PROGRESS.match(progress)
    return bool(match) and score_count > 0 and int(match[1]) == score_count


def _fmt(number: float) -> str:
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _validate(scores, method, cut, exceeds, weight, n) -> None:
    if method not in METHODS:
        raise ValueError(
            f"Unknown mastery method {method!r}; use one of {', '.join(METHODS)}."
        )
    if not 0 <= cut <= 100:
        raise ValueError(f"The mastery cut must be between 0 and 100, not {cut}.")
    if not cut <= exceeds <= 100:
        raise ValueError(
            f"The exceeds cut ({exceeds}) must be between the mastery cut ({cut}) "
            "and 100."
        )
    if weight is not None and not 0 < weight <= 1:
        raise ValueError(f"The weight must be above 0 and at most 1, not {weight}.")
    if n is not None and n < 1:
        raise ValueError(f"n must be at least 1, not {n}.")
    for position, score in enumerate(scores, start=1):
        if score is None or isinstance(score, bool) or not 0 <= score <= 100:
            raise ValueError(
                f"Score {position} is {score!r}; scores are percentages from 0 to 100."
            )


def _status(value: float, cut: float, exceeds: float) -> str:
    value = round(value, PRECISION)
    if value >= exceeds:
        return EXCEEDS
    if value >= cut:
        return PROFICIENT
    return NOT_YET


def compute(
    scores: Sequence[float],
    *,
    method: str,
    cut: float,
    exceeds: float,
    weight: float | None = None,
    n: int | None = None,
) -> Mastery:
    """Combine one student's scores on one outcome with the team's method."""
    _validate(scores, method, cut, exceeds, weight, n)
    scores = [float(score) for score in scores]
    if not scores:
        return Mastery(None, NO_EVIDENCE, 0, ("No score yet.",))
    if method == "n_mastery":
        return _n_mastery(scores, cut, exceeds, _needs(n, "n", method))
    value, count, steps = CALCULATIONS[method](scores, weight)
    status = _status(value, cut, exceeds)
    steps.append(_verdict(value, status, cut, exceeds))
    return Mastery(round(value, PRECISION), status, count, tuple(steps))


def _needs(value, name: str, method: str):
    if value is None:
        raise ValueError(f"The {method} method needs its {name}.")
    return value


def _verdict(value: float, status: str, cut: float, exceeds: float) -> str:
    if status == EXCEEDS:
        return f"{_fmt(value)} reaches the exceeds cut of {_fmt(exceeds)}: exceeds."
    if status == PROFICIENT:
        return f"{_fmt(value)} reaches the mastery cut of {_fmt(cut)}: proficient."
    return f"{_fmt(value)} is below the mastery cut of {_fmt(cut)}: not yet."


def _latest(scores, weight):
    return scores[-1], 1, [f"Latest of {len(scores)} scores: {_fmt(scores[-1])}."]


def _highest(scores, weight):
    best = max(scores)
    listed = ", ".join(map(_fmt, scores))
    return best, len(scores), [f"Highest of {listed}: {_fmt(best)}."]


def _average(scores, weight):
    mean = fmean(scores)
    listed = " + ".join(map(_fmt, scores))
    return mean, len(scores), [f"Average: ({listed}) ÷ {len(scores)} = {_fmt(mean)}."]


def _decaying_average(scores, weight):
    weight = _needs(weight, "weight", "decaying_average")
    running = scores[0]
    steps = [f"Decaying average, each new score weighted {_fmt(weight)}:"]
    steps.append(f"start at {_fmt(running)};")
    for score in scores[1:]:
        new = running * (1 - weight) + score * weight
        steps.append(
            f"{_fmt(running)} × {_fmt(1 - weight)} + {_fmt(score)} × {_fmt(weight)}"
            f" = {_fmt(new)};"
        )
        running = new
    return running, len(scores), steps


def _weighted_latest(scores, weight):
    weight = _needs(weight, "weight", "weighted_latest")
    if len(scores) == 1:
        return scores[0], 1, [f"Only one score: {_fmt(scores[0])}."]
    earlier = fmean(scores[:-1])
    value = scores[-1] * weight + earlier * (1 - weight)
    return (
        value,
        len(scores),
        [
            f"Latest {_fmt(scores[-1])} × {_fmt(weight)} + mean of the "
            f"{len(scores) - 1} earlier score{'s' if len(scores) > 2 else ''} "
            f"{_fmt(earlier)} × {_fmt(1 - weight)} = {_fmt(value)}."
        ],
    )


def _mode(scores, weight):
    counts = Counter(scores)
    top = max(counts.values())
    value = max(score for score, seen in counts.items() if seen == top)
    if top == 1:
        text = f"No score repeats among {len(scores)}; the tie goes to the highest,"
    else:
        text = f"Most frequent score ({top} times), ties to the higher:"
    return value, len(scores), [f"{text} {_fmt(value)}."]


def _power_law(scores, weight):
    """Marzano's power law y = a·x^b fitted over attempt numbers, read at the last.

    Least squares on ln y = ln a + b ln x. A score of 0 is taken as 1 for the
    logarithm; the fitted value is kept within 0–100.
    """
    if len(scores) == 1:
        return scores[0], 1, [f"Only one score: {_fmt(scores[0])}."]
    xs = [math.log(x) for x in range(1, len(scores) + 1)]
    ys = [math.log(max(score, 1.0)) for score in scores]
    mean_x, mean_y = fmean(xs), fmean(ys)
    b = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    a = math.exp(mean_y - b * mean_x)
    fitted = min(100.0, max(0.0, a * len(scores) ** b))
    return (
        fitted,
        len(scores),
        [
            f"Power law fitted to {len(scores)} scores: y = {a:.2f} · x^{b:.3f};",
            f"at attempt {len(scores)}: {_fmt(fitted)}.",
        ],
    )


def _n_mastery(scores: list[float], cut: float, exceeds: float, n: int) -> Mastery:
    reaching = [score for score in scores if round(score, PRECISION) >= cut]
    if len(reaching) >= n:
        value = fmean(reaching)
        status = EXCEEDS if round(value, PRECISION) >= exceeds else PROFICIENT
        steps = (
            f"{len(reaching)} of {len(scores)} scores reach the cut of {_fmt(cut)} "
            f"({n} needed): {', '.join(map(_fmt, reaching))}; their mean is "
            f"{_fmt(value)}.",
            _verdict(value, status, cut, exceeds),
        )
        return Mastery(
            round(value, PRECISION),
            status,
            len(reaching),
            steps,
            at_cut=len(reaching),
            needed=n,
        )
    # Fewer than n at the cut: mastery is not established yet, so there is no
    # value to report, and a mean of all scores would read as a level it is not.
    reached = f": {', '.join(map(_fmt, reaching))}" if reaching else ""
    steps = (
        f"{len(reaching)} of {len(scores)} scores reach the cut of {_fmt(cut)}"
        f"{reached}; {n} are needed, so mastery is not established yet: not yet.",
    )
    return Mastery(None, NOT_YET, len(scores), steps, at_cut=len(reaching), needed=n)


CALCULATIONS = {
    "latest": _latest,
    "highest": _highest,
    "average": _average,
    "decaying_average": _decaying_average,
    "weighted_latest": _weighted_latest,
    "mode": _mode,
    "power_law": _power_law,
}
# Every method this module implements; `teams.models.MasteryMethod` offers exactly
# these (a test holds the two together).
METHODS = (*CALCULATIONS, "n_mastery")
