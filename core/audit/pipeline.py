"""The whole audit: validate, split, calibrate, fit, compare, test, summarise.

``run_audit`` is what the CLI and the app both call. It fits both EBMs once
per outer bag on the training rows (:mod:`core.audit.models`), puts the
student on the outcome model's scale (:mod:`core.audit.scale`), compares the
two term by term with intervals from the bags (:mod:`core.audit.shapes`),
and computes every metric and residual on held-out rows.

How far to trust the verdicts is measured, not assumed:
``python -m core validate`` (:mod:`core.audit.validation`) runs the default
settings on seeded scenarios with known truth and reports flag rates and
interval coverage.
"""

from __future__ import annotations

import hashlib
import platform
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import __version__
from core.audit.calibration import CalibrationResult, calibrate, expit
from core.audit.missing import MissingFeatureTest, missing_feature_test
from core.audit.words import term_effect, verdict_record
from core.audit.models import fit_models, prepare_features
from core.audit.shapes import IntervalRule, PairShape, ScaleFactor, TermShape, compare_terms, fit_scale
from core.audit.spec import AuditSpec
from core.audit.validate import check_table, model_features, outcome_as_binary, require_valid
from core.errors import InputError
from core.progress import no_progress, scaled

SCHEMA = "audit-metrics/1"


@dataclass(frozen=True)
class DataSummary:
    """What was audited: columns, row counts, checksum."""

    rows: int
    rows_train: int
    rows_test: int
    positives: int
    features: tuple
    protected: tuple
    score: str
    outcome: str
    positive: str | None
    sha256: str

    def to_dict(self) -> dict:
        out = dict(self.__dict__)
        out["features"], out["protected"] = list(self.features), list(self.protected)
        return out


@dataclass(frozen=True)
class Fidelity:
    """How much of the calibrated score the features explain, on held-out rows (log-odds scale).

    Measured with the closest additive copy of the score (an EBM regressor on
    the calibrated log-odds; with ``student="logit"`` the student itself). The
    noise-matched student is deliberately as noisy as the outcome model, so
    its own R² would understate what the features can explain.
    """

    r2: float
    rmse: float
    n: int

    def to_dict(self) -> dict:
        return {"fidelity_r2": self.r2, "rmse": self.rmse, "n": self.n}


@dataclass(frozen=True)
class Accuracy:
    """How well the outcome model predicts real outcomes on held-out rows."""

    auc: float
    log_loss: float
    brier: float
    base_rate: float
    n: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class AuditResult:
    """Everything an audit found.

    Attributes
    ----------
    spec : AuditSpec
    data : DataSummary
    calibration : CalibrationResult
    fidelity : Fidelity
    accuracy : Accuracy
    scale : ScaleFactor
        The global factor that puts the student on the outcome model's scale.
    terms : tuple of TermShape
        Main effects, in feature order, on the common scale.
    pairs : tuple of PairShape
    missing : MissingFeatureTest
    intercept_student, intercept_outcome : float
    truth : ScenarioTruth or None
    versions : dict
    timings : dict
        Seconds per step.
    """

    spec: AuditSpec
    data: DataSummary
    calibration: CalibrationResult
    fidelity: Fidelity
    accuracy: Accuracy
    scale: ScaleFactor
    terms: tuple
    pairs: tuple
    missing: MissingFeatureTest
    intercept_student: float
    intercept_outcome: float
    truth: object
    versions: dict
    timings: dict

    def term(self, name: str) -> TermShape | PairShape:
        return next(t for t in (*self.terms, *self.pairs) if t.name == name)

    def ranking(self) -> list:
        """Terms and pairs ordered by their debiased squared gap, largest first (flagged terms before others)."""
        return sorted((*self.terms, *self.pairs), key=lambda t: (not t.differs, -t.discrepancy_sq))

    def flagged(self) -> list:
        """The terms that differ, largest gap first."""
        return [t for t in self.ranking() if t.differs]

    def metrics(self) -> dict:
        """The metrics.json document (schema ``audit-metrics/1``)."""
        return {
            "schema": SCHEMA,
            "data": {"rows": self.data.rows, "rows_train": self.data.rows_train, "rows_test": self.data.rows_test,
                     "features": list(self.data.features), "score": self.data.score, "outcome": self.data.outcome,
                     "positive": self.data.positive, "protected": list(self.data.protected),
                     "sha256": self.data.sha256},
            "calibration": {"method": self.calibration.method, "epsilon": self.calibration.epsilon,
                            "monotone": self.calibration.monotone},
            "student": {"kind": self.spec.student, "fidelity_r2": self.fidelity.r2, "rmse": self.fidelity.rmse},
            "scale": self.scale.to_dict(),
            "verdict": verdict_record(self),
            "outcome_model": {"auc": self.accuracy.auc, "log_loss": self.accuracy.log_loss,
                              "brier": self.accuracy.brier},
            "missing_features": self.missing.to_dict(),
            "terms": [{"name": t.name, "kind": "pair" if isinstance(t, PairShape) else "main",
                       "discrepancy": t.discrepancy, "ci_low": t.discrepancy_low, "ci_high": t.discrepancy_high,
                       "discrepancy_sq": t.discrepancy_sq, "differs": t.differs, "differs_share": t.differs_share,
                       **term_effect(t),
                       **({"stability": t.stability, "stability_ratio": t.stability_ratio}
                          if isinstance(t, TermShape) else {})}
                      for t in (*self.terms, *self.pairs)],
            "settings": {**self.spec.to_dict(), "features": list(self.data.features)},  # the features used
            "versions": dict(self.versions),
            "timings_s": dict(self.timings),
        }

    def to_dict(self) -> dict:
        return {
            "spec": self.spec.to_dict(), "data": self.data.to_dict(), "calibration": self.calibration.to_dict(),
            "fidelity": self.fidelity.to_dict(), "accuracy": self.accuracy.to_dict(),
            "scale": self.scale.to_dict(),
            "terms": [t.to_dict() for t in self.terms], "pairs": [p.to_dict() for p in self.pairs],
            "missing": self.missing.to_dict(), "intercept_student": self.intercept_student,
            "intercept_outcome": self.intercept_outcome,
            "truth": self.truth.to_dict() if self.truth is not None else None,
            "versions": dict(self.versions), "timings": dict(self.timings),
        }


def frame_sha256(frame: pd.DataFrame) -> str:
    """Checksum of a table's content and column names (used when no file bytes are at hand)."""
    h = hashlib.sha256("\x1f".join(map(str, frame.columns)).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def versions() -> dict:
    import interpret
    import scipy
    import sklearn

    return {"distill_studio": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "pandas": pd.__version__, "scikit_learn": sklearn.__version__, "scipy": scipy.__version__,
            "interpret": interpret.__version__}


def split_rows(y: np.ndarray, test_size: float, random_state: int) -> np.ndarray:
    """Seeded stratified split; returns a boolean mask of training rows."""
    rng = np.random.default_rng([random_state, 1])
    train = np.ones(len(y), bool)
    for cls in (0, 1):
        rows = np.flatnonzero(y == cls)
        n_test = int(round(test_size * len(rows)))
        train[rng.choice(rows, n_test, replace=False)] = False
    return train


def run_audit(frame: pd.DataFrame, spec: AuditSpec, *, truth=None, progress=None,
              data_sha256: str | None = None) -> AuditResult:
    """Run a Distill-and-Compare audit.

    Parameters
    ----------
    frame : DataFrame
    spec : AuditSpec
    truth : ScenarioTruth, optional
        Known truth of a synthetic scenario (carried into plots and report).
    progress : callable, optional
        ``progress(fraction, message, **details)``; raising Cancelled stops the run.
    data_sha256 : str, optional
        Checksum of the source file; the table's own checksum otherwise.

    Returns
    -------
    AuditResult

    Raises
    ------
    InputError
        For any problem :func:`core.audit.validate.check_table` reports as an error.
    """
    report = progress or no_progress
    timings = {}
    t0 = time.perf_counter()
    report(0.0, "Checking the table")
    require_valid(frame, spec)
    features = model_features(frame, spec)
    data, y, score, train = _usable_rows(frame, spec)
    sha = data_sha256 or frame_sha256(frame)
    timings["validate"] = time.perf_counter() - t0

    t = time.perf_counter()
    report(0.05, "Calibrating the score against outcomes")
    calibrator, calibration = _calibrate(data, y, score, train, spec)
    target = calibrator.predict_logit(score)
    timings["calibrate"] = time.perf_counter() - t

    t = time.perf_counter()
    X = prepare_features(data, features)
    X_train = X[train].reset_index(drop=True)
    fitted = fit_models(X_train, score[train], y[train], spec, progress=scaled(report, 0.1, 0.8))
    timings["fit"] = time.perf_counter() - t

    t = time.perf_counter()
    report(0.8, "Comparing the models term by term")
    rule = IntervalRule.for_bags(spec.outer_bags, fitted.fit_share)
    preds = (fitted.student_logit(X_train), fitted.outcome_logit(X_train)) if spec.scale in ("sd", "range") else ()
    scale = fit_scale(fitted, spec.scale, rule, *preds)
    mains, pairs = compare_terms(fitted, scale, rule, material_share=spec.material_share,
                                 min_effect=spec.min_effect, seed=spec.random_state)
    timings["compare"] = time.perf_counter() - t

    t = time.perf_counter()
    report(0.85, "Scoring held-out rows")
    X_test = X[~train].reset_index(drop=True)
    # Fidelity: how much of the calibrated score the features can explain, from its closest additive copy.
    pred_s = fitted.mimic_logit(X_test)
    prob_o = np.clip(expit(fitted.outcome_logit(X_test).mean(axis=0)), 1e-15, 1 - 1e-15)
    fidelity, accuracy = _fidelity(target[~train], pred_s), _accuracy(y[~train], prob_o)
    timings["predict"] = time.perf_counter() - t

    t = time.perf_counter()
    report(0.9, "Testing for missing features (bootstrap)")
    # Both residuals on the probability scale: the score's part the features miss, the outcome's part they miss.
    resid_s = calibrator.predict_proba(score[~train]) - expit(pred_s)
    missing = missing_feature_test(resid_s, y[~train] - prob_o, n_bootstrap=spec.n_bootstrap,
                                   max_rows=spec.max_bootstrap_rows, random_state=spec.random_state)
    timings["missing_features"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    report(1.0, "Audit finished")
    return AuditResult(
        spec=spec,
        data=DataSummary(rows=len(y), rows_train=int(train.sum()), rows_test=int((~train).sum()),
                         positives=int(y.sum()), features=tuple(features), protected=tuple(spec.protected),
                         score=spec.score, outcome=spec.outcome, positive=spec.positive, sha256=sha),
        calibration=calibration, fidelity=fidelity, accuracy=accuracy, scale=scale, terms=mains, pairs=pairs,
        missing=missing,
        intercept_student=float(np.mean([np.ravel(m.intercept_)[0] for m in fitted.students])),
        intercept_outcome=float(np.mean([np.ravel(m.intercept_)[0] for m in fitted.outcomes])),
        truth=truth, versions=versions(), timings={k: round(v, 4) for k, v in timings.items()},
    )


def calibration_for(frame: pd.DataFrame, spec: AuditSpec) -> CalibrationResult:
    """The calibration ``run_audit`` would make for ``frame`` and ``spec``, without fitting any EBM.

    Same rows, same seeded split, same groups and the same ``calibrate`` call,
    so a preview and the audit can never disagree.

    Raises
    ------
    InputError
        For the first error :func:`core.audit.validate.check_table` reports
        (warnings are not raised).
    """
    for p in check_table(frame, spec):
        if p.severity == "error":
            raise InputError(p.problem, p.fix, field=p.field)
    data, y, score, train = _usable_rows(frame, spec)
    return _calibrate(data, y, score, train, spec)[1]


def _usable_rows(frame: pd.DataFrame, spec: AuditSpec):
    """Rows with a score and an outcome, their 0/1 outcome and score, and the seeded training mask."""
    y_all = outcome_as_binary(frame[spec.outcome], spec.positive)
    score_all = pd.to_numeric(frame[spec.score], errors="coerce").to_numpy(float)
    usable = ~np.isnan(y_all) & ~np.isnan(score_all)
    data = frame.loc[usable].reset_index(drop=True)
    y, score = y_all[usable].astype(int), score_all[usable]
    train = split_rows(y, spec.test_size, spec.random_state)
    if min(np.bincount(y[~train], minlength=2)) < 5:
        raise InputError("Too few positive or negative outcomes to hold some out for checking.",
                         "Use more rows or a larger test_size.", field="outcome")
    return data, y, score, train


def _calibrate(data, y, score, train, spec: AuditSpec):
    protected = data[list(spec.protected)] if spec.protected else None
    return calibrate(score, y, method=spec.calibration, groups=protected, train_mask=train, epsilon=spec.epsilon)


def _fidelity(target, pred) -> Fidelity:
    resid = target - pred
    sst = float(np.sum((target - target.mean()) ** 2))
    return Fidelity(r2=float(1 - np.sum(resid ** 2) / sst) if sst > 0 else float("nan"),
                    rmse=float(np.sqrt(np.mean(resid ** 2))), n=len(target))


def _accuracy(y, prob) -> Accuracy:
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

    return Accuracy(auc=float(roc_auc_score(y, prob)), log_loss=float(log_loss(y, prob, labels=[0, 1])),
                    brier=float(brier_score_loss(y, prob)), base_rate=float(y.mean()), n=len(y))



