"""Verdicts in plain words: direction, size (odds ×) and interval for every term.

The app, the report and metrics.json all take their sentences from here, so
a journalist reads the same claim wherever the audit is shown. Effects are
given as odds ratios (``odds ×``), with the log-odds kept for the tooltip
and the files.
"""

from __future__ import annotations

import math

from core.audit.shapes import MISSING_LABEL, PairShape

MIN_POINT_SHARE = 0.01  # a gap is quoted only where at least 1% of rows sit, never at a sparse bin
PREVIEW_NOTE = "Preview settings: run the default preset before you publish."


def odds(log_odds: float) -> str:
    """``odds ×1.23`` text for a log-odds difference."""
    return f"×{math.exp(log_odds):.2f}"


def _where(term, i) -> str:
    g = term.grid[i]
    return f"{g:.3g}" if isinstance(g, float) else str(g)


def largest_gap(term):
    """Index of the largest gap whose simultaneous band excludes 0, among bins holding ≥ 1% of rows.

    A term with fewer than three such bins (a fine-grained number) uses its
    heaviest bins that together hold half of the rows.

    Falls back to the largest gap among such bins when none excludes 0;
    ``None`` for pairs or terms without bins.
    """
    if isinstance(term, PairShape) or not term.grid:
        return None
    total = sum(term.weight) or 1.0
    candidates = [i for i, g in enumerate(term.grid) if g != MISSING_LABEL] or list(range(len(term.grid)))
    usable = [i for i in candidates if term.weight[i] / total >= MIN_POINT_SHARE]
    if len(usable) < 3:  # a fine-grained term: its heaviest bins, which together hold half of the rows
        heavy, held = [], 0.0
        for i in sorted(candidates, key=lambda i: -term.weight[i]):
            heavy.append(i)
            held += term.weight[i] / total
            if held >= 0.5:
                break
        usable = sorted(set(usable) | set(heavy))
    sure = [i for i in usable if term.band_low[i] > 0 or term.band_high[i] < 0]
    return max(sure or usable, key=lambda i: abs(term.difference[i]))


def term_effect(term) -> dict:
    """The numbers behind a term's sentence (for metrics.json)."""
    out = {"rms_gap_log_odds": term.discrepancy, "rms_gap_low": term.discrepancy_low,
           "rms_gap_high": term.discrepancy_high}
    i = largest_gap(term)
    if i is None:
        return out
    d, lo, hi = term.difference[i], term.band_low[i], term.band_high[i]
    out.update({"largest_gap_at": term.grid[i], "largest_gap_log_odds": d, "largest_gap_low": lo,
                "largest_gap_high": hi, "largest_gap_odds_ratio": math.exp(d), "largest_gap_odds_low": math.exp(lo),
                "largest_gap_odds_high": math.exp(hi),
                "direction": "higher" if d > 0 else "lower"})
    return out


def term_sentence(term, markdown: bool = False) -> str:
    """One sentence: whether the score uses this term as outcomes justify, with size and interval."""
    name = f"**{term.name}**" if markdown else term.name
    if isinstance(term, PairShape):
        if term.differs:
            return (f"{name} differs: the score uses this combination differently from what outcomes justify "
                    f"(root-mean-square gap {term.discrepancy:.2f} log-odds, 95% interval "
                    f"{term.discrepancy_low:.2f} to {term.discrepancy_high:.2f}).")
        return (f"{name}: no material difference (root-mean-square gap {term.discrepancy:.2f} log-odds, "
                f"95% interval {term.discrepancy_low:.2f} to {term.discrepancy_high:.2f}).")
    i = largest_gap(term)
    d, lo, hi = term.difference[i], term.band_low[i], term.band_high[i]
    where = f"{term.name} = {_where(term, i)}"
    if term.differs:
        direction = "higher" if d > 0 else "lower"
        return (f"{name} differs: at {where} the score puts risk {direction} than the outcomes support, "
                f"odds {odds(d)} (95% interval {odds(lo)} to {odds(hi)}); the gap is material on "
                f"{term.differs_share:.0%} of rows.")
    return (f"{name}: no material difference. The score uses it about as much as outcomes justify; the largest "
            f"gap, at {where}, is odds {odds(d)} (95% interval {odds(lo)} to {odds(hi)}).")


def scale_sentence(scale) -> str:
    """What the global factor says about the score as a whole."""
    if scale.method == "none":
        return "The two models are compared without rescaling."
    ratio, lo, hi = scale.effect_ratio
    reading = ("compatible with 1, so no overall exaggeration or damping" if lo <= 1 <= hi
               else "the score exaggerates the features' effects overall" if lo > 1
               else "the score damps the features' effects overall")
    return (f"Overall, after calibration, the score's feature effects are {ratio:.2f}× what the outcomes justify "
            f"(95% interval {lo:.2f}× to {hi:.2f}×): {reading}. Terms are compared after this common rescaling.")


def headline(result) -> str:
    """The audit's one-line verdict (with the preview note when the settings are not the default)."""
    flagged = result.flagged()
    text = ("The score departs from the outcomes on: " + ", ".join(t.name for t in flagged) + "."
            if flagged else "No term shows a material difference between the score and the outcomes.")
    return f"{PREVIEW_NOTE} {text}" if result.spec.is_preview else text


def verdict_record(result) -> dict:
    """The verdict for metrics.json: headline, preview flag and one sentence per term."""
    return {"headline": headline(result), "preview": result.spec.is_preview,
            "scale": scale_sentence(result.scale),
            "flagged": [t.name for t in result.flagged()],
            "terms": {t.name: term_sentence(t) for t in result.ranking()}}


def odds_help(term) -> str:
    """The log-odds behind a term's ``odds ×`` sentence, for a tooltip: what odds × means and the raw numbers."""
    base = ("Odds × compares the odds of the outcome the score implies with the odds the outcomes justify: "
            "×2.00 is twice the odds, ×0.50 half. Odds × = e^(gap in log-odds).")
    if isinstance(term, PairShape):
        return (f"{base} This pair's root-mean-square gap is {term.discrepancy:.2f} log-odds (95% interval "
                f"{term.discrepancy_low:.2f} to {term.discrepancy_high:.2f}).")
    i = largest_gap(term)
    if i is None:
        return base
    return (f"{base} In log-odds: gap {term.difference[i]:+.2f} at {term.name} = {_where(term, i)} "
            f"(95% interval {term.band_low[i]:+.2f} to {term.band_high[i]:+.2f}); root-mean-square gap over all "
            f"rows {term.discrepancy:.2f} (95% interval {term.discrepancy_low:.2f} to {term.discrepancy_high:.2f}).")
