"""Putting the student on the outcome model's scale.

The authors compare the two models "after scaling them to be on the same
scale" (``shared/research/distill_and_compare.md``, Part 3). Calibration
against outcomes compresses a score that carries bias, a strong hidden
feature attenuates the outcome model's marginal log-odds, and the two models
are regularised differently: all three act on every term at once. One global
factor ``alpha`` (``alpha * student ~ outcome``) takes them out, and what is
left is how the score uses each feature *relative to the others*.

``robust`` (the default) works on whole terms. Each main term gets its own
least-squares slope through the origin, ``a_j = sum w s o / sum w s^2``
over its bins (``w`` = rows in the bin), which averages out the noise of
single bins. Alpha is then a robust consensus of the ``a_j``, each weighted
by its term's importance ``sum w |s|``: start at their weighted median, then
iterate a Tukey biweight mean with a tuning width of ``BIWEIGHT_WIDTH`` times
alpha, so a term whose slope is far from the others (a biased term's slope is
near 0: the outcomes do not support it) gets no weight at all. Unless biased
terms carry half of the student's total effect they cannot move alpha. (A
plain weighted median is robust too, but with one biased term in four it
lands on the lowest legitimate slope and came out 10-20% low on the harness.)
Alpha is fitted in every bag, so it has an interval like every other quantity.

``sd`` and ``range`` are the pseudocode's other options (ratio of the SDs or
ranges of the two models' predictions on the training rows); ``none`` keeps
the unscaled comparison.
"""

from __future__ import annotations

import numpy as np

SCALE_METHODS = ("robust", "sd", "range", "none")
BIWEIGHT_WIDTH = 0.4  # slopes within 40% of alpha count, fading to 0 at the edge


def weighted_median(values, weights) -> float:
    """The weighted median (lower of the two middle values when tied at half)."""
    v, w = np.asarray(values, float), np.asarray(weights, float)
    keep = w > 0
    v, w = v[keep], w[keep]
    if not len(v):
        return float("nan")
    order = np.argsort(v)
    v, w = v[order], w[order]
    cum = np.cumsum(w)
    return float(v[np.searchsorted(cum, 0.5 * cum[-1])])


def robust_alpha(student_terms, outcome_terms, weights) -> np.ndarray:
    """Per-bag robust alpha: the importance-weighted median of per-term slopes.

    Parameters
    ----------
    student_terms, outcome_terms : list of arrays, each (n_bags, n_bins)
        Main-term shapes of each bag (centred), one array per term.
    weights : list of arrays (n_bins,)
        Rows per bin.

    Returns
    -------
    ndarray (n_bags,)
    """
    n_bags = np.asarray(student_terms[0]).shape[0]
    out = np.empty(n_bags)
    for b in range(n_bags):
        slopes, importance = [], []
        for s_t, o_t, w in zip(student_terms, outcome_terms, weights):
            s, o, w = np.asarray(s_t, float)[b], np.asarray(o_t, float)[b], np.asarray(w, float)
            ss = float(np.sum(w * s * s))
            if ss <= 0:
                continue
            slopes.append(float(np.sum(w * s * o)) / ss)
            importance.append(float(np.sum(w * np.abs(s))))
        out[b] = consensus(slopes, importance) if slopes else 1.0
    return out


def consensus(slopes, importance, n_iter: int = 50) -> float:
    """Biweight consensus of per-term slopes, started at their weighted median (see the module notes)."""
    a, w = np.asarray(slopes, float), np.asarray(importance, float)
    alpha = weighted_median(a, w)
    for _ in range(n_iter):
        u = (a - alpha) / (BIWEIGHT_WIDTH * max(abs(alpha), 0.1))
        k = w * np.where(np.abs(u) < 1, (1 - u ** 2) ** 2, 0.0)
        if k.sum() <= 0:
            break
        new = float(np.sum(k * a) / k.sum())
        if abs(new - alpha) < 1e-10:
            break
        alpha = new
    return float(alpha)


def prediction_alpha(student_pred, outcome_pred, method: str) -> np.ndarray:
    """Per-bag alpha from the spread of predictions (``sd`` or ``range``); arrays are (n_bags, n_rows)."""
    s, o = np.asarray(student_pred, float), np.asarray(outcome_pred, float)
    if method == "sd":
        return o.std(axis=1) / np.maximum(s.std(axis=1), 1e-12)
    if method == "range":
        return np.ptp(o, axis=1) / np.maximum(np.ptp(s, axis=1), 1e-12)
    raise ValueError(method)
