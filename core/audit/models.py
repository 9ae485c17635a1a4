"""Fitting the student and the outcome model bag by bag.

Both models are EBMs with the same features, bins, pairs and settings, fitted
once per outer bag on the same rows (``bags``: +1 fitting row, -1 early
stopping row). Everything that depends on the data is redone inside each bag,
so the spread across bags carries it into every interval:

- the calibration is refitted on the bag's fitting rows;
- the *noise-matched* student (``student="matched"``, the default) is an EBM
  classifier fitted to labels drawn from the bag's calibrated probabilities.
  It sees labels as noisy as the real outcomes, so it stops early and is
  shrunk like the outcome model, and with a feature missing from the table
  it estimates the same marginal quantity. One uniform draw per row is shared
  by all bags (common random numbers), so bags differ only where their
  calibrations do;
- the "as published" student (``student="logit"``) is an EBM regressor on the
  bag's calibrated log-odds.

Pairs are chosen once, before any bag, from the union of both targets' FAST
rankings (``interpret.utils.measure_interactions`` against a main-effect
offset), so a pair that only the score uses can be found. Pairs are purified
per bag (functional ANOVA, Lengerich et al. 2020) and their main-effect parts
moved into the main terms, so a main effect means the same in both models.
"""

from __future__ import annotations

import os
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.audit.spec import AuditSpec, auto_n_jobs

# Idle worker processes stay this long (joblib's default is 300 s), so an audit started after a pause
# still finds them warm; each holds about 200 MB.
WORKER_IDLE_S = 900
VALIDATION_SHARE = 0.15  # rows of each bag kept out for early stopping
# interpret warnings read and judged harmless here, matched by message; every other warning is shown.
# "Missing values detected": interpret's own plots hide the missing bin; ours show it (core.audit.shapes).
_HARMLESS = ("Missing values detected",)


@dataclass
class FittedModels:
    """The per-bag EBMs and how they were fitted (mutable fitted state, not a result).

    Attributes
    ----------
    students, outcomes : list of EBM
        One single-bag model of each kind per outer bag, pairs purified.
    bags : ndarray of int8, shape (n_train, outer_bags)
        +1 fitting row, -1 early-stopping row of each bag.
    fit_share : float
        Share of training rows each bag fits on (``m / n`` for the interval scaling).
    pairs : list of tuple
        Feature-index pairs both models fitted.
    mimic : EBM regressor or None
        With the noise-matched student: a regressor fitted once to the
        calibrated log-odds, the closest copy of the score the features allow.
        The missing-feature test uses its residuals; the matched students are
        shrunk like the outcome model, and shared shrinkage would correlate
        the two models' residuals although nothing is missing.
    """

    students: list
    outcomes: list
    bags: np.ndarray
    fit_share: float
    pairs: list
    mimic: object = None

    def mimic_logit(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of the closest copy of the calibrated score (the mimic, else the bag-averaged student)."""
        if self.mimic is not None:
            return _raw_scores(self.mimic, X)
        return self.student_logit(X).mean(axis=0)

    def student_logit(self, X: pd.DataFrame) -> np.ndarray:
        """Per-bag student log-odds for rows ``X``, shape (n_bags, n_rows)."""
        return np.stack([_raw_scores(m, X) for m in self.students])

    def outcome_logit(self, X: pd.DataFrame) -> np.ndarray:
        """Per-bag outcome-model log-odds for rows ``X``, shape (n_bags, n_rows)."""
        return np.stack([_raw_scores(m, X) for m in self.outcomes])


def _raw_scores(model, X) -> np.ndarray:
    if hasattr(model, "decision_function"):
        return np.asarray(model.decision_function(X), float)
    return np.asarray(model.predict(X), float)


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


def ebm_settings(spec: AuditSpec) -> dict:
    """EBM keyword arguments shared by both models and every bag (one bag, one thread per fit)."""
    return dict(outer_bags=1, learning_rate=spec.learning_rate, max_bins=spec.max_bins,
                max_interaction_bins=spec.max_interaction_bins, smoothing_rounds=spec.smoothing_rounds,
                interaction_smoothing_rounds=spec.smoothing_rounds, max_rounds=spec.max_rounds, n_jobs=1)


@contextmanager
def _quiet():
    """Silence only the interpret warnings listed in ``_HARMLESS``."""
    with warnings.catch_warnings():
        for text in _HARMLESS:
            warnings.filterwarnings("ignore", message=f".*{text}.*", category=UserWarning)
        yield


def _pool(n_jobs: int, **kwargs):
    """The fit's joblib pool: loky worker processes, kept ``WORKER_IDLE_S`` seconds when idle.

    :func:`start_workers` and :func:`fit_models` both ask for it here: with
    other settings, loky would replace the warm workers with new ones.
    """
    from joblib import Parallel, parallel_config

    # max_nbytes=None: no memmapped copies for the workers, whose cleanup made loky's resource tracker
    # print KeyError tracebacks during successful runs.
    with parallel_config(backend="loky", idle_worker_timeout=WORKER_IDLE_S):
        return Parallel(n_jobs=n_jobs, max_nbytes=None, **kwargs)


def _load_ebm() -> int:
    """Import the EBM code (about 3 s in a fresh process); return this worker's process id."""
    import importlib

    importlib.import_module("interpret.glassbox")
    return os.getpid()


def start_workers(n_jobs: int = -1) -> None:
    """Start the fit's worker processes and import the EBM code in each.

    Blocks until they are ready (about 3 s for fresh processes, milliseconds
    for warm ones), so call it from a background thread. A later
    :func:`fit_models` with the same ``n_jobs`` reuses them.
    """
    from joblib import delayed, effective_n_jobs

    _pool(n_jobs)(delayed(_load_ebm)() for _ in range(effective_n_jobs(n_jobs)))


def _fit_one(X, target, bag, kind, settings, pairs, seed):
    """Fit one single-bag EBM (``kind``: "classifier" or "regressor") and purify its pairs."""
    from interpret.glassbox import ExplainableBoostingClassifier, ExplainableBoostingRegressor

    cls = ExplainableBoostingClassifier if kind == "classifier" else ExplainableBoostingRegressor
    with _quiet():
        model = cls(interactions=list(pairs), random_state=seed, **settings)
        model.fit(X, target, bags=bag[:, None])
    purify_pairs(model)
    return model


def choose_pairs(X: pd.DataFrame, y: np.ndarray, y_student: np.ndarray, n_pairs: int, spec: AuditSpec) -> list:
    """The ``n_pairs`` pairs ranked highest by either model's target, alternating between the two rankings.

    Each ranking is FAST (``measure_interactions``) on the target against an
    additive main-effect offset, so pairs are ranked by interaction, not by
    the strength of their main effects.
    """
    if n_pairs <= 0 or X.shape[1] < 2:
        return []
    from interpret.utils import measure_interactions

    from core.audit.additive import bin_codes, fit_additive_logistic

    coded = [bin_codes(X[c].to_numpy()) for c in X.columns]
    codes, levels = [c for c, _ in coded], [n for _, n in coded]
    rankings = []
    with _quiet():
        for target in (y, y_student):
            offset = fit_additive_logistic(codes, levels, target, ridge=1e-3).decision(codes)
            ranked = measure_interactions(X, target.astype(int), init_score=offset, objective="log_loss",
                                          max_interaction_bins=spec.max_interaction_bins)
            rankings.append([tuple(sorted(p)) for p, _ in ranked])
    chosen = []
    for pair in (p for duo in zip(*rankings) for p in duo):
        if pair not in chosen:
            chosen.append(pair)
        if len(chosen) == n_pairs:
            break
    return chosen


def fit_models(X: pd.DataFrame, score: np.ndarray, y: np.ndarray, spec: AuditSpec, progress=None) -> FittedModels:
    """Calibrate, draw the student's labels and fit both models in every bag.

    Parameters
    ----------
    X : DataFrame
        Training rows (prepared features).
    score, y : ndarray
        Raw score and 0/1 outcome of the same rows.
    spec : AuditSpec
    progress : callable, optional
        ``progress(fraction, message, eta_s=...)`` after each fitted model.
    """
    from joblib import delayed, effective_n_jobs

    from core.audit.calibration import ScoreCalibrator, logit

    report = progress or (lambda *a, **k: None)
    rng = np.random.default_rng(spec.random_state)
    y = y.astype(int)
    bags = make_bags(y, spec.outer_bags, rng)
    draw = rng.random(len(y))  # common random numbers for the noise-matched labels
    report(0.0, "Calibrating the score in every bag")
    targets = []
    for b in range(spec.outer_bags):
        fit_rows = bags[:, b] == 1
        cal = ScoreCalibrator(method=spec.calibration, epsilon=spec.epsilon).fit(score[fit_rows], y[fit_rows])
        p = cal.predict_proba(score)
        targets.append((draw < p).astype(int) if spec.student == "matched" else logit(p))
    full = ScoreCalibrator(method=spec.calibration, epsilon=spec.epsilon).fit(score, y).predict_proba(score)
    full_logit = logit(full)
    report(0.02, "Choosing pairs from both models' rankings; estimating time left")
    pairs = choose_pairs(X, y, (draw < full).astype(int), spec.interactions, spec)
    settings = ebm_settings(spec)
    student_kind = "classifier" if spec.student == "matched" else "regressor"
    jobs = []
    for b in range(spec.outer_bags):
        seed = spec.random_state * 1000 + b
        jobs.append(delayed(_fit_one)(X, y, bags[:, b], "classifier", settings, pairs, seed))
        jobs.append(delayed(_fit_one)(X, targets[b], bags[:, b], student_kind, settings, pairs, seed))
    if spec.student == "matched":
        jobs.append(delayed(_fit_one)(X, full_logit, bags[:, 0], "regressor", settings, pairs,
                                      spec.random_state * 1000 + 999))
    n_jobs = auto_n_jobs(spec, len(X))
    workers = effective_n_jobs(n_jobs)
    report(0.05, f"Fitting {len(jobs)} models; estimating time left")
    models, first = [], None
    results = _pool(n_jobs, return_as="generator")(jobs)
    try:
        for i, model in enumerate(results, start=1):
            models.append(model)
            what = (f"bag {(i + 1) // 2} of {spec.outer_bags} ({'outcome model' if i % 2 else 'student'})"
                    if i <= 2 * spec.outer_bags else "the score's closest copy for the missing-feature test")
            # The first round of fits may include starting the workers, and its results arrive together:
            # the pace is measured from the first result on, once the next round has come in.
            first = first or time.perf_counter()
            if i <= workers:
                report(0.05 + 0.95 * i / len(jobs), f"Fitted {what}; estimating time left")
                continue
            eta = (time.perf_counter() - first) / (i - 1) * (len(jobs) - i)
            report(0.05 + 0.95 * i / len(jobs), f"Fitted {what}; about {eta:.0f} s left", eta_s=eta)
    finally:
        results.close()  # a cancelled run stops the fits still queued instead of abandoning them
    mimic = models.pop() if spec.student == "matched" else None
    outcomes, students = models[0::2], models[1::2]
    for model in students:
        _check_same_bins(model, outcomes[0])
    fit_share = float((bags == 1).mean())
    return FittedModels(students=students, outcomes=outcomes, bags=bags, fit_share=fit_share, pairs=pairs, mimic=mimic)


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

