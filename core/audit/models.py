"""Fitting the student and the outcome model on identical outer bags.

Both models are EBMs with the same features, bins, pairs and settings. They
share one ``bags`` matrix, so bag ``b`` of the student and bag ``b`` of the
outcome model saw exactly the same rows; per-bag differences between the two
are therefore paired, which is what the intervals in :mod:`core.audit.shapes`
are built on. Pairs are purified per bag (functional ANOVA, Lengerich et al.
2020) and their main-effect parts moved into the main terms, so a main effect
means the same thing in both models.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.audit.spec import AuditSpec, auto_n_jobs

VALIDATION_SHARE = 0.15  # rows of each bag kept out for early stopping


@dataclass
class FittedModels:
    """The two fitted EBMs and how they were fitted (mutable fitted state, not a result).

    Attributes
    ----------
    student : ExplainableBoostingRegressor
    outcome : ExplainableBoostingClassifier
    bags : ndarray of int8, shape (n_train, outer_bags)
        +1 fitting row, -1 early-stopping row of each bag.
    fit_share : float
        Share of training rows each bag fits on (``m / n`` for the interval scaling).
    """

    student: object
    outcome: object
    bags: np.ndarray
    fit_share: float


def prepare_features(frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Numeric columns as float, everything else as plain object strings (missing kept as None).

    pandas 3 infers text columns as StringDtype; EBM gets plain objects so
    categories are handled the same way whatever the dtype. Text is made once
    per distinct value (factorize), not once per row.
    """
    out = {}
    for name in features:
        col = frame[name]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            out[name] = pd.Series(col.astype(float).to_numpy(), index=frame.index)
        else:
            codes, uniques = pd.factorize(col, use_na_sentinel=True)
            labels = np.array([str(u) for u in uniques] + [None], dtype=object)
            out[name] = pd.Series(labels[codes], index=frame.index, dtype=object)  # no str inference
    return pd.DataFrame(out, index=frame.index)


def make_bags(y: np.ndarray, n_bags: int, rng: np.random.Generator) -> np.ndarray:
    """Stratified outer bags: in each, 15% of each class early-stops, the rest fits."""
    bags = np.ones((len(y), n_bags), dtype=np.int8)
    for b in range(n_bags):
        for cls in (0, 1):
            rows = np.flatnonzero(y == cls)
            take = rng.choice(rows, size=max(1, int(round(VALIDATION_SHARE * len(rows)))), replace=False)
            bags[take, b] = -1
    return bags


def ebm_settings(spec: AuditSpec, n_rows: int | None = None) -> dict:
    """EBM keyword arguments shared by both models (``n_rows``: training rows, for :func:`auto_n_jobs`)."""
    return dict(outer_bags=spec.outer_bags, learning_rate=spec.learning_rate, max_bins=spec.max_bins,
                max_interaction_bins=spec.max_interaction_bins, smoothing_rounds=spec.smoothing_rounds,
                interaction_smoothing_rounds=spec.smoothing_rounds, max_rounds=spec.max_rounds,
                n_jobs=auto_n_jobs(spec, n_rows), random_state=spec.random_state)


def fit_models(X: pd.DataFrame, target: np.ndarray, y: np.ndarray, spec: AuditSpec, progress=None) -> FittedModels:
    """Fit the outcome model, then the student on the same bags and pairs.

    The outcome model chooses the pairs (FAST ranking on its residuals); the
    student is given that same list, so every term exists in both models.
    """
    from interpret.glassbox import ExplainableBoostingClassifier, ExplainableBoostingRegressor

    report = progress or (lambda *a, **k: None)
    rng = np.random.default_rng(spec.random_state)
    bags = make_bags(y.astype(int), spec.outer_bags, rng)
    settings = ebm_settings(spec, len(X))
    report(0.0, "Fitting the outcome model on real outcomes")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        outcome = ExplainableBoostingClassifier(interactions=spec.interactions, **settings)
        outcome.fit(X, y.astype(int), bags=bags)
        pairs = [tuple(t) for t in outcome.term_features_ if len(t) == 2]
        report(0.5, "Fitting the student on the calibrated score")
        student = ExplainableBoostingRegressor(interactions=pairs, **settings)
        student.fit(X, target, bags=bags)
    _check_same_bins(student, outcome)
    for model in (student, outcome):
        purify_pairs(model)
    fit_share = float((bags == 1).mean())
    return FittedModels(student=student, outcome=outcome, bags=bags, fit_share=fit_share)


def _check_same_bins(a, b) -> None:
    if [tuple(t) for t in a.term_features_] != [tuple(t) for t in b.term_features_]:
        raise RuntimeError("student and outcome model ended up with different terms")
    for ba, bb in zip(a.bins_, b.bins_):
        for la, lb in zip(ba, bb):
            same = la == lb if isinstance(la, dict) else np.array_equal(la, lb)
            if not same:
                raise RuntimeError("student and outcome model binned a feature differently")


def _bin_map(model, feature: int) -> np.ndarray:
    """For each main-effect bin of ``feature``, the index of its pair-level bin."""
    levels = model.bins_[feature]
    main, pair = levels[0], levels[-1]
    if isinstance(main, dict):
        n_main = max(main.values()) + 2
        mapping = np.zeros(n_main, dtype=int)
        for cat, idx in main.items():
            mapping[idx] = pair.get(cat, max(pair.values()) + 1)
        mapping[-1] = max(pair.values()) + 1
        return mapping
    main, pair = np.asarray(main, float), np.asarray(pair, float)
    n_main = len(main) + 3  # missing, len+1 bins, unknown
    mids = np.empty(len(main) + 1)
    if len(main):
        inner = (main[:-1] + main[1:]) / 2
        mids[1:-1] = inner
        mids[0], mids[-1] = main[0] - 1.0, main[-1] + 1.0
    else:
        mids[0] = 0.0
    mapping = np.empty(n_main, dtype=int)
    mapping[0] = 0
    mapping[1:-1] = np.searchsorted(pair, mids, side="right") + 1
    mapping[-1] = len(pair) + 2
    return mapping


def purify_pairs(model) -> None:
    """Purify every pair term in every bag and move its main parts into the main terms.

    Predictions stay the same except for rows in the rare main-effect bins
    that straddle a coarser pair-bin edge (the moved part is assigned by bin
    midpoint). The averaged scores, standard deviations and intercept are
    recomputed from the bags.
    """
    from interpret.utils import purify

    term_index = {tuple(t): i for i, t in enumerate(model.term_features_)}
    pair_terms = [i for i, t in enumerate(model.term_features_) if len(t) == 2]
    if not pair_terms:
        return
    n_bags = model.bagged_scores_[0].shape[0]
    intercepts = np.array(model.bagged_intercept_, dtype=float)
    for t in pair_terms:
        feats = model.term_features_[t]
        weights = np.asarray(model.bin_weights_[t], float)
        maps = [_bin_map(model, f) for f in feats]
        for b in range(n_bags):
            pure, impurities, icpt = purify(model.bagged_scores_[t][b], weights, is_randomized=False)
            model.bagged_scores_[t][b] = pure
            intercepts[b] += float(np.sum(icpt))
            for dims, tensor in impurities:
                dim = dims[0]
                main = term_index[(feats[dim],)]
                model.bagged_scores_[main][b] += np.asarray(tensor)[maps[dim]]
    for t, feats in enumerate(model.term_features_):  # recentre mains on their own bin weights
        if len(feats) != 1:
            continue
        w = np.asarray(model.bin_weights_[t], float)
        for b in range(n_bags):
            m = float(np.sum(model.bagged_scores_[t][b] * w) / w.sum())
            model.bagged_scores_[t][b] -= m
            intercepts[b] += m
    bag_w = np.asarray(model.bag_weights_, float)
    model.bagged_intercept_ = intercepts
    model.intercept_ = np.atleast_1d(np.average(intercepts, weights=bag_w)) if np.ndim(model.intercept_) else \
        float(np.average(intercepts, weights=bag_w))
    model.term_scores_ = [np.average(s, axis=0, weights=bag_w) for s in model.bagged_scores_]
    model.standard_deviations_ = [np.sqrt(np.average((s - m) ** 2, axis=0, weights=bag_w))
                                  for s, m in zip(model.bagged_scores_, model.term_scores_)]
