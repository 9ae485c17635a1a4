"""The missing-feature test: do student and outcome model fail on the same rows?

The student's residual (calibrated probability minus the student's
probability) is the part of the score that the audit features cannot
explain; the outcome model's residual (outcome minus predicted probability)
is the part of the outcome they cannot explain. Both are on the probability
scale. If the black box saw something the data lacks that
also predicts outcomes, the two residuals correlate positively. Both come from
held-out rows.

This is a heuristic, not a proof: a correlation can also come from both models
missing the same structure (a misfit shape, an interaction left out), and
no correlation does not prove nothing is missing (a hidden feature may
affect the score without affecting outcomes).

Intervals: percentile bootstrap over rows (``n_bootstrap`` resamples, at
least 1000), vectorised. Spearman ranks each resample; Kendall's tau-b uses
scipy's O(n log n) algorithm per resample; above 2,000 rows it resamples
2,000 rows and rescales the spread by sqrt(2000/n) (m-out-of-n bootstrap). Above ``max_rows`` held-out rows
a seeded random subsample of that size is used for the bootstrap (the point
estimates use every row).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

METHODS = ("pearson", "spearman", "kendall")
MAX_KENDALL_ROWS = 2000  # per-resample Kendall runs on at most this many rows (m-out-of-n, rescaled)


@dataclass(frozen=True)
class Correlation:
    """A correlation with its 95% percentile bootstrap interval."""

    method: str
    estimate: float
    ci_low: float
    ci_high: float

    def excludes_zero(self) -> bool:
        return self.ci_low > 0 or self.ci_high < 0

    def to_dict(self) -> dict:
        return {"estimate": self.estimate, "ci_low": self.ci_low, "ci_high": self.ci_high}


@dataclass(frozen=True)
class MissingFeatureTest:
    """Correlation of the two models' held-out residuals.

    Attributes
    ----------
    n_rows : int
        Held-out rows used for the estimates.
    n_bootstrap : int
    bootstrap_rows : int
        Rows each resample draws (less than ``n_rows`` when subsampled).
    signed : tuple of Correlation
        Pearson, Spearman, Kendall of the signed residuals.
    likely_missing : bool
        Whether the signed Pearson and Spearman intervals both lie above 0.
    verdict : str
        Plain-words reading, stating that the test is a heuristic.
    student_residual, outcome_residual : tuple of float
        Up to 5,000 held-out residual pairs (seeded sample) for plotting.
    """

    n_rows: int
    n_bootstrap: int
    bootstrap_rows: int
    signed: tuple
    likely_missing: bool
    verdict: str
    student_residual: tuple
    outcome_residual: tuple

    def get(self, method: str) -> Correlation:
        return next(c for c in self.signed if c.method == method)

    def to_dict(self) -> dict:
        out = {"residuals": "signed", "n_rows": self.n_rows, "bootstrap_resamples": self.n_bootstrap,
               "bootstrap_rows": self.bootstrap_rows, "likely_missing": self.likely_missing, "verdict": self.verdict}
        out.update({c.method: c.to_dict() for c in self.signed})
        return out


def _pearson_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row pair of two (B, n) arrays."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt((a * a).sum(1) * (b * b).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (a * b).sum(1) / den, 0.0)


def bootstrap_correlations(x, y, *, n_bootstrap: int = 1000, max_rows: int = 20_000, random_state: int = 0,
                           chunk: int = 100) -> tuple[tuple[Correlation, ...], int]:
    """Pearson, Spearman and Kendall of ``x`` and ``y`` with percentile bootstrap intervals."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    rng = np.random.default_rng(random_state)
    est = {"pearson": float(_pearson_rows(x[None], y[None])[0]),
           "spearman": float(_pearson_rows(stats.rankdata(x)[None], stats.rankdata(y)[None])[0]),
           "kendall": float(stats.kendalltau(x, y).statistic)}
    n = len(x)
    if n > max_rows:
        sub = rng.choice(n, max_rows, replace=False)
        x, y, n = x[sub], y[sub], max_rows
    draws = {m: np.empty(n_bootstrap) for m in METHODS}
    k_rows = min(n, MAX_KENDALL_ROWS)
    for start in range(0, n_bootstrap, chunk):
        size = min(chunk, n_bootstrap - start)
        idx = rng.integers(0, n, size=(size, n))
        xs, ys = x[idx], y[idx]
        draws["pearson"][start:start + size] = _pearson_rows(xs, ys)
        draws["spearman"][start:start + size] = _pearson_rows(stats.rankdata(xs, axis=1), stats.rankdata(ys, axis=1))
        for j in range(size):
            tau = stats.kendalltau(xs[j, :k_rows], ys[j, :k_rows]).statistic  # rows are iid draws
            draws["kendall"][start + j] = 0.0 if np.isnan(tau) else tau
    if k_rows < n:  # m-out-of-n: shrink the spread to the full sample size
        draws["kendall"] = est["kendall"] + (draws["kendall"] - np.median(draws["kendall"])) * np.sqrt(k_rows / n)
    out = tuple(Correlation(m, est[m], float(np.quantile(draws[m], 0.025)), float(np.quantile(draws[m], 0.975)))
                for m in METHODS)
    return out, n


def missing_feature_test(student_residual, outcome_residual, *, n_bootstrap: int = 1000,
                         max_rows: int = 20_000, random_state: int = 0) -> MissingFeatureTest:
    """Correlate held-out residuals of the two models.

    Both residuals should be on the probability scale (calibrated score minus
    the student's probability; outcome minus the outcome model's). Absolute
    residuals are not used: their correlation is positive even when nothing
    is missing (both models err most where outcomes are least predictable),
    so it has no null of zero.
    """
    rs, ro = np.asarray(student_residual, float), np.asarray(outcome_residual, float)
    signed, used = bootstrap_correlations(rs, ro, n_bootstrap=n_bootstrap, max_rows=max_rows,
                                          random_state=random_state)
    pearson, spearman = signed[0], signed[1]
    likely = pearson.ci_low > 0 and spearman.ci_low > 0
    if likely:
        verdict = (f"The two models tend to be wrong on the same people (Pearson r = {pearson.estimate:.2f}, "
                   f"95% interval {pearson.ci_low:.2f} to {pearson.ci_high:.2f}). Where the score is higher than "
                   "the audit features explain, the outcome also tends to be worse than they predict. This suggests "
                   "the black box used information that is not in this data. It is a heuristic: shared misfit of "
                   "both models can produce the same pattern.")
    elif pearson.ci_high < 0 and spearman.ci_high < 0:
        verdict = (f"The residuals correlate negatively (Pearson r = {pearson.estimate:.2f}); that is unusual and "
                   "points to a misfit or a problem with the data rather than a missing feature.")
    else:
        verdict = (f"No clear sign of missing features: the residual correlation (Pearson r = {pearson.estimate:.2f}, "
                   f"95% interval {pearson.ci_low:.2f} to {pearson.ci_high:.2f}) is compatible with zero. This is a "
                   "heuristic and does not prove that nothing is missing.")
    rng = np.random.default_rng(random_state)
    show = np.sort(rng.choice(len(rs), min(len(rs), 5000), replace=False))
    return MissingFeatureTest(
        n_rows=len(rs), n_bootstrap=n_bootstrap, bootstrap_rows=used, signed=signed,
        likely_missing=bool(likely), verdict=verdict,
        student_residual=tuple(rs[show].tolist()), outcome_residual=tuple(ro[show].tolist()),
    )
