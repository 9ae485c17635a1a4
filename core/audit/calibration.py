"""Calibrating a black-box score against real outcomes.

A risk score (a decile, a points total, a probability) is mapped to the
probability of the outcome with a monotone increasing function, so that its
logit can be compared with an outcome model on the same scale. The methods:

- ``none``: the score already is a probability; it is only clipped.
- ``isotonic``: the step function of isotonic regression (pool adjacent violators).
  A block whose rows all share one outcome would map to exactly 0 or 1, a
  log-odds of -inf or +inf (about -6.9 after clipping) with great leverage
  on the student. Such a block of ``n`` rows gets ``0.5 / (n + 1)`` (or one
  minus it) instead: the Jeffreys-style half-count, so the shrinkage falls
  as the block grows. The neighbouring block caps it, so the map stays
  monotone.
- ``platt``: a logistic regression on the score (a straight line in log-odds).
- ``spline``: a penalised B-spline in log-odds, fitted by penalised logistic
  regression; the penalty grows until the curve is monotone, as in the
  authors' pseudocode (mgcv ``s(score)`` with the smoothing tuned for
  monotonicity). A very large penalty gives Platt scaling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.audit.spec import AuditSpec
from core.errors import InputError
from core.params import Interval, check_params, constraints_of

MAX_DISTINCT_FOR_VALUE_BINS = 20
# A protected group gets a calibration verdict only with at least this many held-out rows and positives;
# below that one person moves its observed rate by whole percentage points (1 row: "off by 47 points").
MIN_GROUP_ROWS = 50
MIN_GROUP_POSITIVES = 10


def group_too_small(table: "ReliabilityTable") -> bool:
    """Whether a reliability table has too few rows or positives for a calibration verdict."""
    rows = sum(table.count)
    positives = sum(r * c for r, c in zip(table.observed_rate, table.count))
    return rows < MIN_GROUP_ROWS or round(positives) < MIN_GROUP_POSITIVES


def logit(p):
    p = np.asarray(p, dtype=float)
    return np.log(p) - np.log1p(-p)


def expit(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


class ScoreCalibrator:
    """Monotone map from a risk score to a probability (scikit-learn style).

    Not a ``BaseEstimator`` subclass, so that importing it does not import
    scikit-learn (1-2 s), which only the isotonic and spline fits need.

    Parameters
    ----------
    method : {"none", "isotonic", "platt", "spline"}
    epsilon : float
        Probabilities are clipped to ``[epsilon, 1 - epsilon]``.
    n_knots : int
        Interior knots of the spline (``spline`` only).

    Attributes
    ----------
    x_min_, x_max_ : float
        Range of the training scores; scores outside are clamped.
    """

    # What each parameter accepts (core.params); method and epsilon are declared with AuditSpec.
    _parameter_constraints = {"method": constraints_of(AuditSpec)["calibration"],
                              "epsilon": constraints_of(AuditSpec)["epsilon"],
                              "n_knots": (Interval(int, 2, None),)}

    def __init__(self, method: str = "isotonic", epsilon: float = 1e-3, n_knots: int = 8):
        self.method = method
        self.epsilon = epsilon
        self.n_knots = n_knots

    def fit(self, score, outcome, sample_weight=None) -> "ScoreCalibrator":
        """Fit the map from ``score`` to the 0/1 ``outcome``.

        Parameters
        ----------
        score, outcome : array-like of shape (n,)
        sample_weight : array-like of shape (n,), optional
            Non-negative row weights, honoured by every method: an integer
            weight counts as that many copies of the row.
        """
        check_params(self)
        x = np.asarray(score, dtype=float)
        y = np.asarray(outcome, dtype=float)
        w = _weights(sample_weight, len(x))
        self.x_min_, self.x_max_ = float(x.min()), float(x.max())
        if self.method == "none":
            if self.x_min_ < 0 or self.x_max_ > 1:
                raise InputError("Calibration 'none' needs a score that is already a probability (0 to 1).",
                                 "Pick isotonic, platt or spline calibration.", field="calibration")
        elif self.method == "isotonic":
            from sklearn.isotonic import IsotonicRegression

            self.model_ = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(x, y, w)
            self.levels_ = _shrink_extreme_blocks(self.model_, x, w)
        elif self.method == "platt":
            self.centre_ = float(np.average(x, weights=w))
            self.scale_ = float(np.sqrt(np.average((x - self.centre_) ** 2, weights=w)) or 1.0)
            self.coef_ = _penalised_logistic(((x - self.centre_) / self.scale_)[:, None], y,
                                             np.zeros((1, 1)), 0.0, w)
        else:
            self._fit_spline(x, y, w)
        return self

    def _fit_spline(self, x, y, w):
        from sklearn.preprocessing import SplineTransformer

        distinct = np.unique(x)
        n_knots = int(min(self.n_knots, max(len(distinct) - 2, 2)))
        self.spline_ = SplineTransformer(n_knots=n_knots, degree=3, knots="quantile", extrapolation="constant")
        if len(distinct) > n_knots:
            self.spline_.fit(distinct[:, None])
        else:
            self.spline_.fit(x[:, None], sample_weight=w)
        basis = self.spline_.transform(x[:, None])
        k = basis.shape[1]
        diff = np.diff(np.eye(k), n=2, axis=0)
        penalty = diff.T @ diff
        grid = self.spline_.transform(np.linspace(self.x_min_, self.x_max_, 200)[:, None])
        lam = 1e-3 * w.sum()  # the number of rows when unweighted
        for _ in range(40):  # grow the penalty until the fitted curve is monotone
            coef = _penalised_logistic(basis, y, penalty, lam, w)
            if np.all(np.diff(grid @ coef[1:] + coef[0]) >= -1e-9):
                break
            lam *= 3.0
        self.coef_, self.penalty_ = coef, lam

    def predict_logit(self, score) -> np.ndarray:
        """Calibrated log-odds of the outcome for each score (clipped)."""
        return logit(self.predict_proba(score))

    def predict_proba(self, score) -> np.ndarray:
        """Calibrated probability of the outcome, in ``[epsilon, 1 - epsilon]``."""
        x = np.clip(np.asarray(score, dtype=float), self.x_min_, self.x_max_)
        if self.method == "none":
            p = x
        elif self.method == "isotonic":
            p = np.interp(x, self.model_.X_thresholds_, self.levels_)
        elif self.method == "platt":
            p = expit(self.coef_[0] + self.coef_[1] * (x - self.centre_) / self.scale_)
        else:
            p = expit(self.spline_.transform(x[:, None]) @ self.coef_[1:] + self.coef_[0])
        return np.clip(p, self.epsilon, 1.0 - self.epsilon)


def _weights(sample_weight, n: int) -> np.ndarray:
    """Row weights as floats (ones when None); refuse ones that are negative, not finite, misshapen or all zero."""
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=float)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
        raise InputError(f"The calibration's sample weights must be {n} finite numbers ≥ 0, not all zero "
                         f"(got shape {w.shape}).", "Pass one non-negative weight per row, or none.",
                         field="calibration")
    return w


def _shrink_extreme_blocks(model, x, w) -> np.ndarray:
    """Isotonic levels at ``model.X_thresholds_`` with 0 and 1 blocks moved to 0.5/(n+1) and 1 - 0.5/(n+1).

    ``n`` is the block's total row weight.
    """
    levels = np.asarray(model.y_thresholds_, float).copy()
    fitted = model.predict(x)
    inner = levels[(levels > 0) & (levels < 1)]
    for extreme, sign in ((0.0, 1.0), (1.0, -1.0)):
        hit = levels == extreme
        if not hit.any():
            continue
        n = float(w[fitted == extreme].sum())
        value = extreme + sign * 0.5 / (n + 1.0)
        if inner.size:  # never cross the neighbouring block
            value = min(value, inner.min()) if extreme == 0.0 else max(value, inner.max())
        levels[hit] = value
    return levels


def _penalised_logistic(basis, y, penalty, lam, weight, n_iter=50):
    """Newton/IRLS for weighted logistic regression with a quadratic penalty (intercept unpenalised)."""
    n, k = basis.shape
    design = np.column_stack([np.ones(n), basis])
    pen = np.zeros((k + 1, k + 1))
    pen[1:, 1:] = lam * penalty
    ridge = 1e-8 * np.eye(k + 1)
    beta = np.zeros(k + 1)
    beta[0] = logit(np.clip(np.average(y, weights=weight), 1e-6, 1 - 1e-6))
    for _ in range(n_iter):
        p = expit(design @ beta)
        w = weight * np.maximum(p * (1 - p), 1e-9)
        grad = design.T @ (weight * (y - p)) - pen @ beta
        hess = (design * w[:, None]).T @ design + pen + ridge
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta


@dataclass(frozen=True)
class ReliabilityTable:
    """Observed outcome rate per bin of a score.

    Attributes
    ----------
    group : str
        "All" or the protected group's value (``column = value``).
    stage : {"before", "after"}
        Raw score (before) or calibrated probability (after).
    bin_label : tuple of str
    mean_score : tuple of float
        Mean raw score (before) or mean calibrated probability (after) in the bin.
    observed_rate : tuple of float
    count : tuple of int
    """

    group: str
    stage: str
    bin_label: tuple
    mean_score: tuple
    observed_rate: tuple
    count: tuple

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class CalibrationResult:
    """A fitted calibration and how well scores match outcomes before and after.

    Attributes
    ----------
    method : str
    epsilon : float
    evaluated_on : str
        Which rows the reliability tables use ("held-out rows" or "all rows").
    mapping_score, mapping_probability, mapping_logit : tuple of float
        The calibration curve on a grid of scores.
    empirical_score, empirical_rate, empirical_count : tuple
        Observed rate per distinct score (or per quantile bin) on the fitting rows.
    reliability : tuple of ReliabilityTable
        Before and after, overall ("All") and per protected group.
    monotone : bool
        Whether the mapping never decreases.
    """

    method: str
    epsilon: float
    evaluated_on: str
    mapping_score: tuple
    mapping_probability: tuple
    mapping_logit: tuple
    empirical_score: tuple
    empirical_rate: tuple
    empirical_count: tuple
    reliability: tuple
    monotone: bool

    def table(self, stage: str = "after", group: str = "All") -> ReliabilityTable | None:
        return next((t for t in self.reliability if t.stage == stage and t.group == group), None)

    def to_dict(self) -> dict:
        out = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}
        out["reliability"] = [t.to_dict() for t in self.reliability]
        return out


def reliability_table(values, outcome, *, group: str = "All", stage: str = "after", n_bins: int = 10) -> ReliabilityTable:
    """Bin ``values`` (by value when few distinct, else by quantile) and tabulate outcome rates."""
    v = np.asarray(values, dtype=float)
    y = np.asarray(outcome, dtype=float)
    distinct = np.unique(v)
    if len(distinct) <= MAX_DISTINCT_FOR_VALUE_BINS:
        codes = np.searchsorted(distinct, v)
        labels = [f"{d:g}" for d in distinct]
    else:
        edges = np.unique(np.quantile(v, np.linspace(0, 1, n_bins + 1)))
        codes = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(edges) - 2)
        labels = [f"{edges[i]:.3g}–{edges[i + 1]:.3g}" for i in range(len(edges) - 1)]
    counts = np.bincount(codes, minlength=len(labels))
    sums = np.bincount(codes, weights=v, minlength=len(labels))
    pos = np.bincount(codes, weights=y, minlength=len(labels))
    keep = counts > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean, rate = sums / counts, pos / counts
    return ReliabilityTable(group, stage, tuple(np.asarray(labels)[keep].tolist()), tuple(mean[keep].tolist()),
                            tuple(rate[keep].tolist()), tuple(int(c) for c in counts[keep]))


def calibrate(score, outcome, *, method: str = "isotonic", groups: pd.DataFrame | None = None,
              train_mask=None, epsilon: float = 1e-3, n_bins: int = 10) -> tuple[ScoreCalibrator, CalibrationResult]:
    """Fit a calibration and describe it; usable without fitting any EBM.

    Parameters
    ----------
    score, outcome : array-like
        Raw score and 0/1 outcome (no missing values).
    method : str
        See :class:`ScoreCalibrator`.
    groups : DataFrame, optional
        Protected columns (same rows) for per-group reliability tables.
    train_mask : bool array, optional
        Rows to fit on; reliability is then reported on the other rows.
        Without it, everything is fitted and evaluated on all rows.
    epsilon : float
    n_bins : int
        Quantile bins for scores with many distinct values.

    Returns
    -------
    (ScoreCalibrator, CalibrationResult)
    """
    x = np.asarray(score, dtype=float)
    y = np.asarray(outcome, dtype=float)
    fit_rows = np.ones(len(x), bool) if train_mask is None else np.asarray(train_mask, bool)
    eval_rows = fit_rows if train_mask is None else ~fit_rows
    calibrator = ScoreCalibrator(method=method, epsilon=epsilon).fit(x[fit_rows], y[fit_rows])
    distinct = np.unique(x[fit_rows])
    grid = distinct if len(distinct) <= 200 else np.linspace(distinct[0], distinct[-1], 200)
    prob = calibrator.predict_proba(grid)
    emp = reliability_table(x[fit_rows], y[fit_rows], stage="before", n_bins=max(n_bins, 20))
    tables = []
    group_sets = [("All", np.ones(len(x), bool))]
    if groups is not None:
        for col in groups.columns:
            col_values = groups[col].astype("string").fillna("(missing)").to_numpy()
            for level in sorted(set(col_values)):
                group_sets.append((f"{col} = {level}", col_values == level))
    calibrated = calibrator.predict_proba(x)
    for label, rows in group_sets:
        rows = rows & eval_rows
        if rows.sum() == 0:
            continue
        tables.append(reliability_table(x[rows], y[rows], group=label, stage="before", n_bins=n_bins))
        tables.append(reliability_table(calibrated[rows], y[rows], group=label, stage="after", n_bins=n_bins))
    result = CalibrationResult(
        method=method, epsilon=epsilon,
        evaluated_on="all rows (in-sample)" if train_mask is None else "held-out rows",
        mapping_score=tuple(grid.tolist()), mapping_probability=tuple(prob.tolist()),
        mapping_logit=tuple(logit(prob).tolist()),
        empirical_score=emp.mean_score, empirical_rate=emp.observed_rate, empirical_count=emp.count,
        reliability=tuple(tables), monotone=bool(np.all(np.diff(prob) >= -1e-12)),
    )
    return calibrator, result
