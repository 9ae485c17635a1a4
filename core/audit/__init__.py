"""Distill-and-Compare audit of a black-box risk score (Tan, Caruana, Hooker, Lou 2018).

Public API (names are stable; pages and the CLI use only these):

Data
    ``DATASETS`` (name -> description), ``load_dataset(name, *, source=None, random_state=0, n_rows=8000)
    -> AuditDataset`` (name, frame, score, outcome, positive, features, protected, truth, description,
    calibration, sha256), ``fetch_compas(cache=None) -> Path``, ``ScenarioTruth`` (shapes, hidden_feature,
    biased_feature; ``.shape(feature)``), ``TrueShape`` (feature, grid, black_box, outcome).
Settings
    ``AuditSpec`` (frozen; see its docstring), ``PRESETS`` ("fast", "default", "precise"),
    ``CALIBRATION_METHODS``.
Checking input
    ``check_table(frame, spec) -> list[Problem]`` (field, problem, fix, severity),
    ``require_valid(frame, spec)`` (raises InputError for the first error), ``model_features(frame, spec)``.
Calibration (usable alone)
    ``ScoreCalibrator(method, epsilon)``, ``calibrate(score, outcome, *, method, groups, train_mask, epsilon)
    -> (ScoreCalibrator, CalibrationResult)``; ``CalibrationResult`` (method, mapping_*, empirical_*,
    reliability: tuple of ``ReliabilityTable`` (group, stage, bin_label, mean_score, observed_rate, count),
    monotone; ``.table(stage, group)``).
Audit
    ``run_audit(frame, spec, *, truth=None, progress=None, data_sha256=None) -> AuditResult`` with
    data (``DataSummary``), calibration, fidelity (``Fidelity``: r2, rmse), accuracy (``Accuracy``: auc,
    log_loss, brier), scale (``ScaleFactor``: alpha with interval, ``effect_ratio``), terms (``TermShape``
    per main effect, on the common scale: grid, weight, student/outcome/difference with _low/_high,
    band_low/band_high, student_bags, discrepancy(+_low/_high, _sq), differs, differs_share, stability),
    pairs (``PairShape``: x_grid, y_grid, student, outcome, difference, weight, discrepancy, differs),
    missing (``MissingFeatureTest``: ``Correlation`` tuple, verdict, residuals), versions, timings;
    ``.metrics()`` (metrics.json, schema audit-metrics/1), ``.to_dict()``, ``.ranking()``, ``.flagged()``,
    ``.term(name)``. Words for every verdict: :mod:`core.audit.words`. ``calibration_for(frame, spec) -> CalibrationResult``: the audit's
    own calibration step alone (same rows, split and groups; no EBM fitted).
Validation
    ``run_validation(grid, *, backend, n_jobs, scheduler, progress) -> ValidationReport`` and
    ``write_validation`` (:mod:`core.audit.validation`; ``python -m core validate``), on the seeded
    scenarios of :mod:`core.audit.synthetic` with their population truth.
Plots (records -> plotly figures)
    see :mod:`core.audit.plots`.
Outputs
    ``report_html(result) -> str``, ``shapes_csv(result) -> str``, ``metrics_json(result) -> str``,
    ``write_audit(result, out_dir) -> Path``.
"""

import importlib

_HOMES = {
    "calibration": ("CalibrationResult", "ReliabilityTable", "ScoreCalibrator", "calibrate"),
    "datasets": ("DATASETS", "AuditDataset", "ScenarioTruth", "TrueShape", "fetch_compas", "load_dataset"),
    "missing": ("Correlation", "MissingFeatureTest", "missing_feature_test"),
    "pipeline": ("Accuracy", "AuditResult", "DataSummary", "Fidelity", "calibration_for", "run_audit"),
    "shapes": ("PairShape", "ScaleFactor", "TermShape"),
    "validation": ("ValidationGrid", "ValidationReport", "run_validation", "write_validation"),
    "spec": ("CALIBRATION_METHODS", "PRESETS", "AuditSpec"),
    "validate": ("Problem", "check_table", "model_features", "require_valid"),
    "report": ("report_html", "shapes_csv", "metrics_json", "write_audit"),
}
_WHERE = {name: module for module, names in _HOMES.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name):  # load submodules on first use so `python -m core --help` stays instant
    if name in _WHERE:
        return getattr(importlib.import_module(f"core.audit.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'core.audit' has no attribute {name!r}")


def __dir__():
    return __all__
