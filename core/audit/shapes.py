"""Term-by-term comparison of student and outcome model, with intervals.

Common scale. Every comparison is ``alpha * student - outcome``, with
``alpha`` fitted in every bag (:mod:`core.audit.scale`), so a global shrink
or stretch of the whole score is reported once, as ``alpha``, and not as a
gap on every term. The student's curves in these records are already scaled;
``student_bags`` keeps the unscaled per-bag curves.

Intervals. Each of the ``B`` outer bags fits on a share ``m/n`` (85%) of the
training rows, and everything that depends on the data (calibration, the
student's labels, both models, alpha) is redone inside it. Bags are
subsamples without replacement, so their spread understates the sampling
error of the whole-data estimate; as in the delete-d jackknife (Shao & Wu
1989) it is scaled by ``sqrt(m/d)`` with ``d = n - m``. A pointwise 95%
interval is ``mean +- kappa * t(0.975, B-1) * sqrt(m/d) * sd_b``, with
``kappa = INTERVAL_SCALE`` set from the harness (see its comment); the simultaneous
95% band of a term replaces the t quantile by the 95% quantile of the
maximum over the term's bins of the studentised deviations (a Gaussian
multiplier bootstrap over the bags, times ``t/z`` for the few bags), and
never less than a Sidak band over ``min(K, B-1)`` independent bins, since
``B`` bags cannot show more than ``B-1`` independent directions.
``core.audit.validation`` measures how often they cover the truth.

Flags. A term ``differs`` when its simultaneous band excludes 0, with a gap
of at least ``min_effect`` log-odds, on at least ``material_share`` of the
training rows. The band holds for a whole curve, so the flag is not a
search over hundreds of bins for one that happens to clear its interval.

Discrepancy. The size of a term's gap is its root-mean-square over rows,
debiased: ``D^2 = sum w_k (d_k^2 - v_k) / sum w_k``, where ``v_k`` is the
variance of the estimated gap ``d_k``. Its interval (``D^2 +- t * se``,
with the Gaussian variance ``2 tr(WCWC) + 4 d'WCWd`` from the bag
covariance ``C``, the second part debiased like ``D^2``) contains 0 about
95% of the time when the true gap is 0.
The reported value is ``sqrt(max(D^2, 0))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

MISSING_LABEL = "(missing)"


def _t(values) -> tuple:
    return tuple(float(v) for v in np.asarray(values, float).ravel())


@dataclass(frozen=True)
class TermShape:
    """One main-effect term of both models on a common grid (log-odds).

    Attributes
    ----------
    name : str
    kind : {"continuous", "categorical"}
    grid : tuple
        Bin centres (continuous) or category labels; "(missing)" last when
        rows with a missing value exist.
    grid_low, grid_high : tuple
        Bin edges for continuous terms (step plots); empty for categorical.
    weight : tuple of float
        Training rows per grid point (the density strip).
    student, student_low, student_high : tuple of float
        The student on the common scale (alpha times its curve), with its 95% interval.
    outcome, outcome_low, outcome_high : tuple of float
    difference, difference_low, difference_high : tuple of float
        Scaled student minus outcome model, with its pointwise 95% interval.
    band_low, band_high : tuple of float
        The difference's simultaneous 95% band over the whole term.
    band_critical : float
        The band's critical value (in place of the t quantile).
    student_bags : tuple of tuple
        The student's unscaled shape in each outer bag (the stability spread).
    discrepancy, discrepancy_low, discrepancy_high : float
        Debiased root-mean-square gap over rows (log-odds) with its interval.
    discrepancy_sq : float
        The debiased mean squared gap (may be below 0); the ranking uses it.
    differs_share : float
        Share of rows where the band excludes 0 with a material gap (see module notes).
    differs : bool
    stability : float
        Row-weighted mean standard deviation of the student across bags.
    stability_ratio : float
        ``stability`` divided by the student's importance.
    importance_student, importance_outcome : float
        Row-weighted mean absolute contribution.
    """

    name: str
    kind: str
    grid: tuple
    grid_low: tuple
    grid_high: tuple
    weight: tuple
    student: tuple
    student_low: tuple
    student_high: tuple
    outcome: tuple
    outcome_low: tuple
    outcome_high: tuple
    difference: tuple
    difference_low: tuple
    difference_high: tuple
    band_low: tuple
    band_high: tuple
    band_critical: float
    student_bags: tuple
    discrepancy: float
    discrepancy_low: float
    discrepancy_high: float
    discrepancy_sq: float
    differs_share: float
    differs: bool
    stability: float
    stability_ratio: float
    importance_student: float
    importance_outcome: float

    def to_dict(self) -> dict:
        return {k: ([list(r) for r in v] if k == "student_bags" else list(v) if isinstance(v, tuple) else v)
                for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class PairShape:
    """One pair term (purified) of both models on the pair grid.

    Attributes
    ----------
    name : str
    features : tuple of str
    x_grid, y_grid : tuple
        Labels of the first and second feature's pair bins.
    student, outcome, difference : tuple of tuple of float
        Rows follow ``y_grid``, columns ``x_grid`` (plotly heatmap order).
    weight : tuple of tuple of float
    discrepancy, discrepancy_low, discrepancy_high, discrepancy_sq : float
        As for :class:`TermShape`.
    differs_share : float
    differs : bool
    """

    name: str
    features: tuple
    x_grid: tuple
    y_grid: tuple
    student: tuple
    outcome: tuple
    difference: tuple
    weight: tuple
    discrepancy: float
    discrepancy_low: float
    discrepancy_high: float
    discrepancy_sq: float
    differs_share: float
    differs: bool

    def to_dict(self) -> dict:
        out = dict(self.__dict__)
        for k in ("student", "outcome", "difference", "weight"):
            out[k] = [list(r) for r in out[k]]
        for k in ("features", "x_grid", "y_grid"):
            out[k] = list(out[k])
        return out


TRUST_LEVEL = 0.95
N_MULTIPLIER_DRAWS = 4000
# Pointwise intervals: t(0.975, B-1) * sqrt(m/d) * spread, times this factor. Boosted fits vary from bag
# to bag for reasons that the overlap of the bags does not damp (where early stopping falls), and the
# jackknife factor inflates that part too. Measured on the harness (7 scenarios x 20 seeds x 8,000 rows;
# row-weighted coverage of the true difference, worst term in brackets): at 1.0 the intervals over-cover
# (0.963-0.996); at 0.9 they reach 0.947-0.982 (0.908), above the 0.98 ceiling; at 0.875, 0.946-0.978
# (0.908); at 0.85, 0.941-0.976 but one term falls to 0.890. So 0.875, with little room either side.
# The simultaneous bands that decide the flags do not use it: they stay on the raw, conservative scale.
INTERVAL_SCALE = 0.875
SD_FLOOR_SHARE = 0.5


@dataclass(frozen=True)
class IntervalRule:
    """How spread across bags becomes intervals (shared by every term of one audit).

    Attributes
    ----------
    n_bags : int
    fit_share : float
        ``m / n``.
    jackknife : float
        ``sqrt(m / d)``.
    t_quantile : float
        ``t(0.975, B - 1)``.
    """

    n_bags: int
    fit_share: float
    jackknife: float
    t_quantile: float

    @classmethod
    def for_bags(cls, n_bags: int, fit_share: float) -> "IntervalRule":
        return cls(n_bags=n_bags, fit_share=fit_share,
                   jackknife=float(np.sqrt(fit_share / max(1.0 - fit_share, 1e-9))),
                   t_quantile=float(stats.t.ppf(0.5 + TRUST_LEVEL / 2, max(n_bags - 1, 1))))

    def spread(self, bagged: np.ndarray, weight=None) -> np.ndarray:
        """Per-point spread across bags, floored at half the term's row-typical spread.

        A rare bin that no bag ever splits off takes its neighbours' value in
        every bag; its spread is then 0 although its estimate is as uncertain
        as theirs. The floor keeps such a bin from getting a zero-width
        interval. "Row-typical" is the median weighted by rows, so that many
        sparse, noisy bins (the tail of a count) cannot widen the intervals
        where most rows sit.
        """
        from core.audit.scale import weighted_median

        sd = bagged.std(axis=0, ddof=1)
        if sd.size > 1:
            w = np.ones(sd.size) if weight is None else np.asarray(weight, float).ravel()
            typical = weighted_median(sd.ravel(), w) if np.any(w > 0) else float(np.median(sd))
            sd = np.maximum(sd, SD_FLOOR_SHARE * typical)
        return sd

    def pointwise(self, bagged: np.ndarray, weight=None):
        """Mean and pointwise interval of per-bag values (bags on axis 0), with the harness-calibrated scale."""
        mean = bagged.mean(axis=0)
        half = INTERVAL_SCALE * self.t_quantile * self.jackknife * self.spread(bagged, weight)
        return mean, mean - half, mean + half

    def band_critical(self, bagged: np.ndarray, seed: int) -> float:
        """Critical value of the simultaneous band over the last axis (multiplier bootstrap over bags)."""
        dev = bagged - bagged.mean(axis=0)
        sd = dev.std(axis=0, ddof=1)
        live = sd > 1e-12
        if live.sum() <= 1:
            return self.t_quantile
        z = dev[:, live] / sd[live] / np.sqrt(self.n_bags - 1)
        g = np.random.default_rng(seed).standard_normal((N_MULTIPLIER_DRAWS, self.n_bags))
        peak = np.abs(g @ z).max(axis=1)
        z_q = stats.norm.ppf(0.5 + TRUST_LEVEL / 2)
        # B bags cannot reveal more than B-1 independent directions, so never go below a Sidak band over
        # min(K, B-1) independent bins.
        k = min(int(live.sum()), self.n_bags - 1)
        sidak = stats.t.ppf(1 - (1 - TRUST_LEVEL ** (1 / k)) / 2, self.n_bags - 1)
        return float(max(np.quantile(peak, TRUST_LEVEL) * self.t_quantile / z_q, sidak, self.t_quantile))

    def discrepancy(self, bagged_diff: np.ndarray, w: np.ndarray):
        """Debiased root-mean-square gap with its interval: ``(estimate, low, high, squared)``."""
        flat = bagged_diff.reshape(bagged_diff.shape[0], -1)
        wf = w.ravel() / max(w.sum(), 1e-12)
        d = flat.mean(axis=0)
        dev = flat - d
        c = self.jackknife ** 2 / max(self.n_bags - 1, 1)  # C = c * dev' dev
        var_d = c * (dev ** 2).sum(axis=0)
        sq = float(np.sum(wf * (d ** 2 - var_d)))
        m = (dev * wf) @ dev.T  # B x B
        tr_acac = c ** 2 * float(np.sum(m * m))  # tr(WCWC)
        signal = c * float(np.sum((dev @ (wf * d)) ** 2)) - tr_acac  # d'WCWd, debiased like D^2 itself
        var_sq = 2 * tr_acac + 4 * max(signal, 0.0)
        half = self.t_quantile * np.sqrt(max(var_sq, 0.0))
        lo, hi = sq - half, sq + half
        return float(np.sqrt(max(sq, 0.0))), float(np.sqrt(max(lo, 0.0))), float(np.sqrt(max(hi, 0.0))), sq


@dataclass(frozen=True)
class ScaleFactor:
    """The global factor that puts the student on the outcome model's scale.

    Attributes
    ----------
    method : {"robust", "sd", "range", "none"}
    alpha, alpha_low, alpha_high : float
        ``alpha * student ~ outcome``, with its 95% interval.
    bags : tuple of float
        Alpha in each bag.
    """

    method: str
    alpha: float
    alpha_low: float
    alpha_high: float
    bags: tuple

    @property
    def effect_ratio(self) -> tuple:
        """How large the score's feature effects are relative to what outcomes justify: ``1/alpha`` and interval."""
        def inv(a):
            return 1.0 / a if a > 0 else float("inf")
        return inv(self.alpha), inv(self.alpha_high), inv(self.alpha_low)

    def to_dict(self) -> dict:
        ratio = self.effect_ratio
        return {"method": self.method, "alpha": self.alpha, "ci_low": self.alpha_low, "ci_high": self.alpha_high,
                "effect_ratio": ratio[0], "effect_ratio_low": ratio[1], "effect_ratio_high": ratio[2],
                "bags": list(self.bags)}


def _material(d_mean, band_low, band_high, w, min_effect) -> float:
    sure = ((band_low > 0) | (band_high < 0)) & (np.abs(d_mean) >= min_effect)
    return float(np.sum(w * sure) / max(np.sum(w), 1e-12))


def _labels(model, feature: int, level: int):
    """Grid labels, edges and kind for ``feature`` at bin ``level`` (0 mains, -1 pairs)."""
    bins = model.bins_[feature][level]
    if isinstance(bins, dict):
        order = sorted(bins.items(), key=lambda kv: kv[1])
        return "categorical", [c for c, _ in order], (), ()
    cuts = np.asarray(bins, float)
    lo_data, hi_data = model.feature_bounds_[feature]
    edges = np.concatenate([[lo_data], cuts, [hi_data]])
    low, high = edges[:-1], edges[1:]
    return "continuous", list((low + high) / 2), tuple(low.tolist()), tuple(high.tolist())


def _kept_main_bins(model, feature, w_full):
    """Main-term bins to show: drop missing (0) and unknown (last), keep missing when rows really are missing."""
    kind, grid, low, high = _labels(model, feature, 0)
    keep = list(range(1, len(w_full) - 1))
    if w_full[0] > 0:
        keep.append(0)
        grid = grid + [MISSING_LABEL]
        if kind == "continuous":
            low, high = low + (float("nan"),), high + (float("nan"),)
    return kind, grid, low, high, keep


def _bagged(models, t: int) -> np.ndarray:
    return np.stack([np.asarray(m.bagged_scores_[t][0], float) for m in models])


def main_term_arrays(fitted):
    """Per main term: (name, term index, unscaled student bags, outcome bags, weights) on the shown bins."""
    ref = fitted.outcomes[0]
    names = list(ref.feature_names_in_)
    out = []
    for t, feats in enumerate(ref.term_features_):
        if len(feats) != 1:
            continue
        w_full = np.asarray(ref.bin_weights_[t], float)
        keep = _kept_main_bins(ref, feats[0], w_full)[-1]
        out.append((names[feats[0]], t, _bagged(fitted.students, t)[:, keep], _bagged(fitted.outcomes, t)[:, keep],
                    w_full[keep]))
    return out


def fit_scale(fitted, method: str, rule: IntervalRule, student_pred=None, outcome_pred=None) -> ScaleFactor:
    """Alpha per bag by ``method`` (see :mod:`core.audit.scale`), with its interval."""
    from core.audit.scale import prediction_alpha, robust_alpha

    n_bags = len(fitted.students)
    if method == "none":
        bags = np.ones(n_bags)
    elif method == "robust":
        arrays = main_term_arrays(fitted)
        bags = robust_alpha([a[2] for a in arrays], [a[3] for a in arrays], [a[4] for a in arrays])
    else:
        bags = prediction_alpha(student_pred, outcome_pred, method)
    mean, low, high = rule.pointwise(bags[:, None])
    if method == "none":
        low, high = mean, mean
    return ScaleFactor(method=method, alpha=float(mean[0]), alpha_low=float(low[0]), alpha_high=float(high[0]),
                       bags=_t(bags))


def compare_terms(fitted, scale: ScaleFactor, rule: IntervalRule, *, material_share: float = 0.10,
                  min_effect: float = 0.10, seed: int = 0):
    """Return ``(mains, pairs)``: TermShape and PairShape records for every term, on the common scale."""
    ref = fitted.outcomes[0]
    alpha = np.asarray(scale.bags, float)
    names = list(ref.feature_names_in_)
    mains, pairs = [], []
    for t, feats in enumerate(ref.term_features_):
        s_bags, o_bags = _bagged(fitted.students, t), _bagged(fitted.outcomes, t)
        w_full = np.asarray(ref.bin_weights_[t], float)
        args = (s_bags, o_bags, alpha, w_full, rule, material_share, min_effect, seed + t)
        if len(feats) == 1:
            mains.append(_main_shape(names[feats[0]], ref, feats[0], *args))
        else:
            pairs.append(_pair_shape(ref, feats, names, *args))
    return tuple(mains), tuple(pairs)


def _main_shape(name, model, feature, s_bags, o_bags, alpha, w_full, rule, material_share, min_effect,
                seed) -> TermShape:
    kind, grid, low, high, keep = _kept_main_bins(model, feature, w_full)
    s_raw, o, w = s_bags[:, keep], o_bags[:, keep], w_full[keep]
    s = alpha[:, None] * s_raw
    sm, sl, sh = rule.pointwise(s, w)
    om, ol, oh = rule.pointwise(o, w)
    diff = s - o
    dm, dl, dh = rule.pointwise(diff, w)
    crit = rule.band_critical(diff, seed)
    half = crit * rule.jackknife * rule.spread(diff, w)
    disc = rule.discrepancy(diff, w)
    share = _material(dm, dm - half, dm + half, w, min_effect)
    wsum = max(w.sum(), 1e-12)
    imp_s = float(np.sum(np.abs(sm) * w) / wsum)
    spread = float(np.sum(s.std(axis=0, ddof=1) * w) / wsum) if len(s) > 1 else float("nan")
    return TermShape(
        name=name, kind=kind, grid=tuple(grid), grid_low=tuple(low), grid_high=tuple(high), weight=_t(w),
        student=_t(sm), student_low=_t(sl), student_high=_t(sh),
        outcome=_t(om), outcome_low=_t(ol), outcome_high=_t(oh),
        difference=_t(dm), difference_low=_t(dl), difference_high=_t(dh),
        band_low=_t(dm - half), band_high=_t(dm + half), band_critical=crit,
        student_bags=tuple(_t(r) for r in s_raw),
        discrepancy=disc[0], discrepancy_low=disc[1], discrepancy_high=disc[2], discrepancy_sq=disc[3],
        differs_share=share, differs=bool(share >= material_share),
        stability=spread, stability_ratio=float(spread / imp_s) if imp_s > 0 else float("nan"),
        importance_student=imp_s, importance_outcome=float(np.sum(np.abs(om) * w) / wsum),
    )


def _pair_shape(model, feats, names, s_bags, o_bags, alpha, w_full, rule, material_share, min_effect,
                seed) -> PairShape:
    grids = []
    for f in feats:
        kind, grid, low, high = _labels(model, f, -1)
        grids.append([f"{v:.3g}" for v in grid] if kind == "continuous" else list(grid))
    # drop missing/unknown rows and columns that no row uses
    idx = [[i for i in range(1, w_full.shape[d] - 1)] for d in range(2)]
    for d in range(2):
        if w_full.take(0, axis=d).sum() > 0:
            idx[d] = [0] + idx[d]
            grids[d] = [MISSING_LABEL] + grids[d]
    sel = np.ix_(range(s_bags.shape[0]), idx[0], idx[1])
    s, o, w = alpha[:, None, None] * s_bags[sel], o_bags[sel], w_full[np.ix_(idx[0], idx[1])]
    diff = s - o
    dm, dl, dh = rule.pointwise(diff, w)
    flat = diff.reshape(len(diff), -1)
    crit = rule.band_critical(flat[:, w.ravel() > 0], seed)
    half = crit * rule.jackknife * rule.spread(diff, w)
    disc = rule.discrepancy(diff, w)
    share = _material(dm, dm - half, dm + half, w, min_effect)

    def rows(a):  # heatmap: rows = second feature
        return tuple(_t(r) for r in np.asarray(a).T)

    return PairShape(
        name=" & ".join(names[f] for f in feats), features=tuple(names[f] for f in feats),
        x_grid=tuple(grids[0]), y_grid=tuple(grids[1]),
        student=rows(s.mean(0)), outcome=rows(o.mean(0)), difference=rows(dm), weight=rows(w),
        discrepancy=disc[0], discrepancy_low=disc[1], discrepancy_high=disc[2], discrepancy_sq=disc[3],
        differs_share=share, differs=bool(share >= material_share),
    )
