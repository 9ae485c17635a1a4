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
least 1000), vectorised. A resample is held as how often it draws each row,
so no resample is sorted: Pearson is a weighted correlation, Spearman one of
mid-ranks built from the rows' sorted order, and Kendall's tau-b a quadratic
form of the counts with the rows' pairwise concordance signs (one matrix
product per chunk). Above 2,000 rows Kendall uses scipy per resample on its
first 2,000 draws and rescales the spread by sqrt(2000/n) (m-out-of-n
bootstrap). Above ``max_rows`` held-out rows a seeded random subsample of
that size is used for the bootstrap (the point estimates use every row).

Undefined is reported, never replaced by 0: a correlation of a constant is
NaN (``None`` in ``to_dict``), the test then says why in words, and a
resample whose correlation is undefined is left out of the interval and
counted (``undefined_resamples``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

METHODS = ("pearson", "spearman", "kendall")
MAX_KENDALL_ROWS = 2000  # per-resample Kendall runs on at most this many rows (m-out-of-n, rescaled)


@dataclass(frozen=True)
class Correlation:
    """A correlation with its 95% percentile bootstrap interval.

    ``estimate``, ``ci_low`` and ``ci_high`` are NaN when undefined (a
    constant residual); ``undefined_resamples`` counts the bootstrap
    resamples whose correlation was undefined and left out of the interval.
    """

    method: str
    estimate: float
    ci_low: float
    ci_high: float
    undefined_resamples: int = 0

    @property
    def defined(self) -> bool:
        return bool(np.isfinite([self.estimate, self.ci_low, self.ci_high]).all())

    def text(self) -> str:
        """``+0.123 (−0.010 to +0.200)``, or ``undefined`` in words."""
        if not self.defined:
            return "undefined (no variation to correlate)"
        out = f"{self.estimate:+.3f} ({self.ci_low:+.3f} to {self.ci_high:+.3f})".replace("-", "−")
        if self.undefined_resamples:
            out += f"; {self.undefined_resamples:,} resamples undefined, left out"
        return out

    def to_dict(self) -> dict:
        def value(v):
            return float(v) if np.isfinite(v) else None

        return {"estimate": value(self.estimate), "ci_low": value(self.ci_low), "ci_high": value(self.ci_high),
                "undefined_resamples": self.undefined_resamples}


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
    reading : {"likely_missing", "negative", "compatible_with_zero", "undefined"}
        Which of the four readings applies.
    headline, detail : str
        The reading in plain words: a short headline and the sentences after
        it, stating that the test is a heuristic.
    undefined : str or None
        Why the correlation is undefined (e.g. a constant residual), or None.
    student_residual, outcome_residual : tuple of float
        Up to 5,000 held-out residual pairs (seeded sample) for plotting.
    """

    n_rows: int
    n_bootstrap: int
    bootstrap_rows: int
    signed: tuple
    likely_missing: bool
    reading: str
    headline: str
    detail: str
    undefined: str | None
    student_residual: tuple
    outcome_residual: tuple

    @property
    def verdict(self) -> str:
        """Headline and detail as one paragraph."""
        return f"{self.headline}: {self.detail}"

    def get(self, method: str) -> Correlation:
        return next(c for c in self.signed if c.method == method)

    def to_dict(self) -> dict:
        out = {"residuals": "signed", "n_rows": self.n_rows, "bootstrap_resamples": self.n_bootstrap,
               "bootstrap_rows": self.bootstrap_rows, "likely_missing": self.likely_missing,
               "reading": self.reading, "verdict": self.verdict, "undefined": self.undefined}
        out.update({c.method: c.to_dict() for c in self.signed})
        return out


def residuals_undefined(x, y) -> str | None:
    """Why a correlation of residuals ``x`` and ``y`` is undefined, or None when it is defined."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if a.size < 3:
        return "fewer than three held-out rows have residuals"
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return "some residuals are not finite numbers"
    for what, v in (("student", a), ("outcome model", b)):
        if np.ptp(v) <= 1e-12 * max(1.0, float(np.abs(v).max())):
            return (f"the {what}'s residuals are all the same" + (" (zero: the features explain it exactly)"
                                                                   if not np.abs(v).max() else ""))
    return None


def _pearson_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row pair of two (B, n) arrays; NaN where a row is constant."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt((a * a).sum(1) * (b * b).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (a * b).sum(1) / den, np.nan)


def _interval(draws: np.ndarray) -> tuple[float, float, int]:
    """2.5% and 97.5% quantiles of the defined draws, and how many were undefined."""
    ok = np.isfinite(draws)
    if not ok.any():
        return float("nan"), float("nan"), int(draws.size)
    low, high = np.quantile(draws[ok], [0.025, 0.975])
    return float(low), float(high), int((~ok).sum())


def _weighted_pearson(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pearson correlation of ``a`` and ``b`` under each row of weights ``w`` (B, n); NaN where one is constant.

    ``a`` and ``b`` are (n,) or (B, n). Two passes (centre, then sum), as for
    an unweighted correlation. "Constant" is judged on the values drawn, not on
    the spread: a weighted mean of one repeated value can miss it by a rounding
    error and leave a tiny spread that would pass for a correlation.
    """
    total = w.sum(1, keepdims=True)
    da = a - (w * a).sum(1, keepdims=True) / total
    db = b - (w * b).sum(1, keepdims=True) / total
    den = np.sqrt((w * da * da).sum(1) * (w * db * db).sum(1))
    defined = (den > 0) & ~_constant_draw(a, w) & ~_constant_draw(b, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(defined, (w * da * db).sum(1) / den, np.nan)


def _constant_draw(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """For each row of weights ``w`` (B, n): whether every row it draws has the same value of ``v``."""
    drawn = w > 0
    return np.where(drawn, v, np.inf).min(1) == np.where(drawn, v, -np.inf).max(1)


class _Ties:
    """One variable's sorted order and groups of equal values, to rank weighted resamples without sorting."""

    def __init__(self, v: np.ndarray):
        self.order = np.argsort(v, kind="stable")
        ranked = v[self.order]
        self.starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
        self.group = np.empty(len(v), dtype=np.intp)
        self.group[self.order] = np.cumsum(np.r_[True, ranked[1:] != ranked[:-1]]) - 1

    def group_counts(self, counts: np.ndarray) -> np.ndarray:
        """Draws per group of equal values, (B, groups)."""
        return np.add.reduceat(counts[:, self.order], self.starts, axis=1)

    def midranks(self, grouped: np.ndarray) -> np.ndarray:
        """Each row's average rank within each resample (what ``rankdata`` gives the drawn values), (B, n)."""
        below = np.cumsum(grouped, axis=1) - grouped
        return (below + (grouped + 1) / 2)[:, self.group]


def _kendall_signs(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """sign(x_i - x_j) * sign(y_i - y_j) for every pair of rows, float32 (exact: -1, 0 or 1)."""
    sx = np.sign(x[:, None] - x[None, :]).astype(np.int8)
    return (sx * np.sign(y[:, None] - y[None, :]).astype(np.int8)).astype(np.float32)


def _kendall_counts(counts: np.ndarray, signs: np.ndarray, x_groups: np.ndarray, y_groups: np.ndarray) -> np.ndarray:
    """Kendall's tau-b of each resample from its row counts (B, n); NaN where x or y is constant.

    Concordant minus discordant pairs of draws is half of c' S c (pairs of
    draws of one row are tied in both and add 0); ties per variable come from
    the draws per group of equal values, as in scipy's tau-b.
    """
    # Entries of counts @ signs are integers below n in size: exact in float32.
    net = 0.5 * np.einsum("bn,bn->b", counts, (counts.astype(np.float32) @ signs).astype(np.float64))
    n = counts.sum(1)
    pairs = n * (n - 1) / 2
    x_tied = (x_groups * (x_groups - 1) / 2).sum(1)
    y_tied = (y_groups * (y_groups - 1) / 2).sum(1)
    den = np.sqrt((pairs - x_tied) * (pairs - y_tied))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, net / den, np.nan)


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
    x_ties, y_ties = _Ties(x), _Ties(y)
    signs = _kendall_signs(x, y) if k_rows == n else None  # n x n: only up to MAX_KENDALL_ROWS rows
    for start in range(0, n_bootstrap, chunk):
        size = min(chunk, n_bootstrap - start)
        idx = rng.integers(0, n, size=(size, n))
        counts = np.bincount((idx + n * np.arange(size)[:, None]).ravel(), minlength=size * n)
        counts = counts.reshape(size, n).astype(float)
        x_groups, y_groups = x_ties.group_counts(counts), y_ties.group_counts(counts)
        part = slice(start, start + size)
        draws["pearson"][part] = _weighted_pearson(x, y, counts)
        draws["spearman"][part] = _weighted_pearson(x_ties.midranks(x_groups), y_ties.midranks(y_groups), counts)
        if signs is not None:
            draws["kendall"][part] = _kendall_counts(counts, signs, x_groups, y_groups)
        else:  # rows are iid draws, so the first k_rows of each resample are an m-out-of-n resample
            draws["kendall"][part] = [stats.kendalltau(x[row[:k_rows]], y[row[:k_rows]]).statistic for row in idx]
    if k_rows < n and np.isfinite(draws["kendall"]).any():  # m-out-of-n: shrink the spread to the full sample size
        draws["kendall"] = est["kendall"] + (draws["kendall"] - np.nanmedian(draws["kendall"])) * np.sqrt(k_rows / n)
    out = tuple(Correlation(m, est[m], *_interval(draws[m])) for m in METHODS)
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
    undefined = residuals_undefined(rs, ro)
    if undefined is not None:  # rounding would give a constant a tiny, meaningless correlation: none is computed
        nan = float("nan")
        signed, used = tuple(Correlation(m, nan, nan, nan) for m in METHODS), min(len(rs), max_rows)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            signed, used = bootstrap_correlations(rs, ro, n_bootstrap=n_bootstrap, max_rows=max_rows,
                                                  random_state=random_state)
    pearson, spearman = signed[0], signed[1]
    if undefined is None and not (pearson.defined and spearman.defined):
        undefined = "the residual correlation has no value on these rows"
    likely = undefined is None and pearson.ci_low > 0 and spearman.ci_low > 0
    if undefined is not None:
        reading, headline = "undefined", "The missing-feature test is undefined here"
        detail = (f"{undefined}, so a correlation of residuals has no value and says nothing either way. "
                  "It is not zero: read it as no test, not as no missing feature.")
    elif likely:
        reading, headline = "likely_missing", "The two models tend to be wrong on the same people"
        detail = (f"Pearson r = {pearson.estimate:.2f}, 95% interval {pearson.ci_low:.2f} to {pearson.ci_high:.2f}. "
                  "Where the score is higher than the audit features explain, the outcome also tends to be worse "
                  "than they predict. This suggests the black box used information that is not in this data. It "
                  "is a heuristic: shared misfit of both models can produce the same pattern.")
    elif pearson.ci_high < 0 and spearman.ci_high < 0:
        reading, headline = "negative", "The residuals correlate negatively"
        detail = (f"Pearson r = {pearson.estimate:.2f}; that is unusual and points to a misfit or a problem with "
                  "the data rather than a missing feature.")
    else:
        reading, headline = "compatible_with_zero", "No clear sign of missing features"
        detail = (f"the residual correlation (Pearson r = {pearson.estimate:.2f}, 95% interval "
                  f"{pearson.ci_low:.2f} to {pearson.ci_high:.2f}) is compatible with zero. This is a heuristic "
                  "and does not prove that nothing is missing.")
    rng = np.random.default_rng(random_state)
    show = np.sort(rng.choice(len(rs), min(len(rs), 5000), replace=False))
    return MissingFeatureTest(
        n_rows=len(rs), n_bootstrap=n_bootstrap, bootstrap_rows=used, signed=signed,
        likely_missing=bool(likely), reading=reading, headline=headline, detail=detail, undefined=undefined,
        student_residual=tuple(rs[show].tolist()), outcome_residual=tuple(ro[show].tolist()),
    )
