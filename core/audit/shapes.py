"""Term-by-term comparison of student and outcome model, with intervals.

How the intervals are made
--------------------------
Both models are fitted on the same ``B`` outer bags; each bag fits on a
share ``m/n`` (85%) of the training rows. For every grid point we have ``B``
paired values ``s_b`` (student) and ``o_b`` (outcome model) and their
differences ``d_b = s_b - o_b``. Bags are subsamples without replacement, so
their spread understates the sampling error of a model fitted on all rows.
We rescale it as the delete-d jackknife does (Shao & Wu 1989): the variance
of the full-data estimate is about ``m/d`` times the variance across
subsamples, with ``d = n - m`` rows left out. The 95% interval is then
``mean ± t(0.975, B-1) · sqrt(m/d) · sd_b``.

What they do not promise: they are approximate, pointwise (not simultaneous
over a curve or over terms), conditional on the chosen bins, pairs and
calibration, and boosted trees are not the smooth statistics the jackknife
theory covers. With few bags the interval itself is noisy.

"Material" difference: a term ``differs`` when, on at least
``spec.material_share`` of the training rows (10% by default), the
difference's interval excludes 0 and the difference is at least
``spec.min_effect`` log-odds (0.1 by default).

A known source of false flags: the intervals cover the spread between bags,
not systematic differences in how the two models are fitted. The outcome
model learns from noisy 0/1 outcomes and early stopping shrinks its shapes
towards zero; a student whose target is (nearly) noise-free is not shrunk.
On a term both truly share, that gap is the same in every bag, so its
interval is narrow and the term can be flagged although the black box uses it
as outcomes justify. Read a flag together with the size of the gap.
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
    outcome, outcome_low, outcome_high : tuple of float
    difference, difference_low, difference_high : tuple of float
        Student minus outcome model, with its paired 95% interval.
    student_bags : tuple of tuple
        The student's shape in each outer bag (the stability spread).
    discrepancy, discrepancy_low, discrepancy_high : float
        Row-weighted mean absolute difference (log-odds) with its interval.
    differs_share : float
        Share of rows where the difference is material (see module notes).
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
    student_bags: tuple
    discrepancy: float
    discrepancy_low: float
    discrepancy_high: float
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
    discrepancy, discrepancy_low, discrepancy_high : float
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
    differs_share: float
    differs: bool

    def to_dict(self) -> dict:
        out = dict(self.__dict__)
        for k in ("student", "outcome", "difference", "weight"):
            out[k] = [list(r) for r in out[k]]
        for k in ("features", "x_grid", "y_grid"):
            out[k] = list(out[k])
        return out


def _interval_scale(n_bags: int, fit_share: float) -> float:
    """t quantile times the delete-d jackknife factor sqrt(m/d)."""
    if n_bags < 2:
        return float("nan")
    return float(stats.t.ppf(0.975, n_bags - 1) * np.sqrt(fit_share / max(1.0 - fit_share, 1e-9)))


def _summary(bagged: np.ndarray, scale: float):
    mean = bagged.mean(axis=0)
    half = scale * bagged.std(axis=0, ddof=1)
    return mean, mean - half, mean + half


def _material(d_mean, d_low, d_high, w, min_effect) -> float:
    sure = ((d_low > 0) | (d_high < 0)) & (np.abs(d_mean) >= min_effect)
    return float(np.sum(w * sure) / max(np.sum(w), 1e-12))


def _discrepancy(diff_bags: np.ndarray, d_mean, w, scale):
    axes = tuple(range(1, diff_bags.ndim))
    per_bag = np.sum(np.abs(diff_bags) * w, axis=axes) / w.sum()
    est = float(np.sum(np.abs(d_mean) * w) / w.sum())
    half = scale * float(per_bag.std(ddof=1)) if len(per_bag) > 1 else float("nan")
    return est, max(est - half, 0.0), est + half


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


def compare_terms(fitted, *, material_share: float = 0.10, min_effect: float = 0.10):
    """Return ``(mains, pairs)``: TermShape and PairShape records for every term."""
    student, outcome = fitted.student, fitted.outcome
    n_bags = student.bagged_scores_[0].shape[0]
    scale = _interval_scale(n_bags, fitted.fit_share)
    names = list(student.feature_names_in_)
    mains, pairs = [], []
    for t, feats in enumerate(student.term_features_):
        s_bags = np.asarray(student.bagged_scores_[t], float)
        o_bags = np.asarray(outcome.bagged_scores_[t], float)
        w_full = np.asarray(student.bin_weights_[t], float)
        if len(feats) == 1:
            mains.append(_main_shape(names[feats[0]], student, feats[0], s_bags, o_bags, w_full, scale,
                                     material_share, min_effect))
        else:
            pairs.append(_pair_shape(student, feats, names, s_bags, o_bags, w_full, scale, material_share, min_effect))
    return tuple(mains), tuple(pairs)


def _main_shape(name, model, feature, s_bags, o_bags, w_full, scale, material_share, min_effect) -> TermShape:
    kind, grid, low, high = _labels(model, feature, 0)
    keep = list(range(1, len(w_full) - 1))  # drop the missing (0) and unknown (last) bins...
    if w_full[0] > 0:  # ...unless rows really are missing
        keep.append(0)
        grid = grid + [MISSING_LABEL]
        if kind == "continuous":
            low, high = low + (float("nan"),), high + (float("nan"),)
    s, o, w = s_bags[:, keep], o_bags[:, keep], w_full[keep]
    sm, sl, sh = _summary(s, scale)
    om, ol, oh = _summary(o, scale)
    diff = s - o
    dm, dl, dh = _summary(diff, scale)
    disc = _discrepancy(diff, dm, w, scale)
    share = _material(dm, dl, dh, w, min_effect)
    wsum = max(w.sum(), 1e-12)
    imp_s = float(np.sum(np.abs(sm) * w) / wsum)
    spread = float(np.sum(s.std(axis=0, ddof=1) * w) / wsum) if len(s) > 1 else float("nan")
    return TermShape(
        name=name, kind=kind, grid=tuple(grid), grid_low=tuple(low), grid_high=tuple(high), weight=_t(w),
        student=_t(sm), student_low=_t(sl), student_high=_t(sh),
        outcome=_t(om), outcome_low=_t(ol), outcome_high=_t(oh),
        difference=_t(dm), difference_low=_t(dl), difference_high=_t(dh),
        student_bags=tuple(_t(r) for r in s),
        discrepancy=disc[0], discrepancy_low=disc[1], discrepancy_high=disc[2],
        differs_share=share, differs=bool(share >= material_share),
        stability=spread, stability_ratio=float(spread / imp_s) if imp_s > 0 else float("nan"),
        importance_student=imp_s, importance_outcome=float(np.sum(np.abs(om) * w) / wsum),
    )


def _pair_shape(model, feats, names, s_bags, o_bags, w_full, scale, material_share, min_effect) -> PairShape:
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
    s, o, w = s_bags[sel], o_bags[sel], w_full[np.ix_(idx[0], idx[1])]
    diff = s - o
    dm, dl, dh = _summary(diff, scale)
    disc = _discrepancy(diff, dm, w, scale)
    share = _material(dm, dl, dh, w, min_effect)

    def rows(a):  # heatmap: rows = second feature
        return tuple(_t(r) for r in np.asarray(a).T)

    return PairShape(
        name=" & ".join(names[f] for f in feats), features=tuple(names[f] for f in feats),
        x_grid=tuple(grids[0]), y_grid=tuple(grids[1]),
        student=rows(s.mean(0)), outcome=rows(o.mean(0)), difference=rows(dm), weight=rows(w),
        discrepancy=disc[0], discrepancy_low=disc[1], discrepancy_high=disc[2],
        differs_share=share, differs=bool(share >= material_share),
    )
