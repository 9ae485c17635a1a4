"""One-line readings of audit numbers, in plain words, for cards and alt text.

Thresholds here are reading aids, not statistical tests; the intervals in the
result are what the audit's flags rest on.
"""

from __future__ import annotations

import math

from core.audit.shapes import TermShape
from core.audit.words import term_sentence
from ui.markup import md


def fidelity_reading(r2: float, rmse: float) -> str:
    """What the student's R² means for trusting its shapes."""
    if not math.isfinite(r2):
        return "The calibrated score is constant on held-out rows, so fidelity cannot be judged."
    if r2 >= 0.9:
        return f"The features explain {r2:.0%} of the score's variation: the student's shapes describe the score well."
    if r2 >= 0.7:
        return f"The features explain {r2:.0%} of the score's variation: a fair but imperfect account of it."
    return (f"The features explain only {r2:.0%} of the score's variation: read the shapes with care, "
            "the score does things the features cannot explain.")


def accuracy_reading(auc: float, log_loss: float, brier: float, base_rate: float) -> str:
    """How the outcome model compares with guessing the base rate."""
    guess_brier = base_rate * (1 - base_rate)
    better = 1 - brier / guess_brier if guess_brier > 0 else 0.0
    strength = "strong" if auc >= 0.8 else "moderate" if auc >= 0.65 else "weak"
    return (f"It ranks a random positive above a random negative {auc:.0%} of the time ({strength}); "
            f"its Brier score is {better:.0%} better than always guessing the base rate of {base_rate:.0%}.")


def term_reading(term: TermShape) -> str:
    """Where the two models disagree on one term, in words (direction, odds ×, interval; from core)."""
    plain = term_sentence(term)  # names come from the user's file: escape them, then bold the leading name
    if plain.startswith(term.name):
        return f"**{md(term.name)}**" + md(plain[len(term.name):], 0)
    return md(plain, 0)


def shape_alt(term: TermShape, truth: bool, bags: bool, side_by_side: bool = False) -> str:
    """Alt text for a term's shape chart (overlaid, or two panels side by side)."""
    extra = (" A dashed black line shows the true shape." if truth else "") + \
            (" Thin blue lines show students refitted on other bags." if bags else "")
    layout = "Two line charts side by side, sharing the y axis," if side_by_side else "Line chart"
    return (f"{layout} of {term.name}: the student's contribution (blue) and the outcome model's (orange) "
            f"as effects on the odds (log scale) with 95% bands, and a grey strip of how many rows have each value. "
            f"{'They differ materially.' if term.differs else 'They agree within their intervals.'}{extra}")


def calibration_gap_reading(cal, group: str) -> str:
    """How far predicted probabilities sit from observed rates for one group, after calibration."""
    from core.audit.calibration import MIN_GROUP_POSITIVES, MIN_GROUP_ROWS, group_too_small

    table = cal.table("after", group)
    if table is None or not table.count:
        return f"**{md(group)}**: no held-out rows."
    n = sum(table.count)
    if group != "All" and group_too_small(table):
        positives = round(sum(r * c for r, c in zip(table.observed_rate, table.count)))
        return (f"**{md(group)}** ({n:,} rows, {positives:,} with the outcome): too few for a verdict. "
                f"A group needs at least {MIN_GROUP_ROWS} held-out rows and {MIN_GROUP_POSITIVES} with the outcome; "
                "below that, one person moves the observed rate by several points.")
    predicted = sum(m * c for m, c in zip(table.mean_score, table.count)) / n
    observed = sum(r * c for r, c in zip(table.observed_rate, table.count)) / n
    spread = sum(abs(m - r) * c for m, r, c in zip(table.mean_score, table.observed_rate, table.count)) / n
    gap = predicted - observed
    if abs(gap) < 0.02:
        overall = "on average the calibrated score matches what happened"
    else:
        overall = f"on average the calibrated score **{'over' if gap > 0 else 'under'}-predicts by {abs(gap):.0%} points**"
    return (f"**{md(group)}** ({n:,} rows): {overall} (predicted {predicted:.0%}, observed {observed:.0%}); "
            f"bins miss by {spread:.0%} points on average.")
