"""Every setting of an audit in one frozen record, plus named presets."""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, replace

from core.params import REQUIRED, Interval, OfType, Options, check_fields, setting

CALIBRATION_METHODS = ("none", "isotonic", "platt", "spline")
STUDENT_KINDS = ("matched", "logit")
SCALE_METHODS = ("robust", "sd", "range", "none")
DEFAULT_PRESET = "default"
_NONE = Options((None,))
MAX_SEED = 2**31 - 1  # seeds reach native code as 32-bit signed integers
MAX_BAGS = 100  # the precise preset uses 30; each bag costs two model fits, so 100 already means ~7x its time
MAX_INTERACTIONS = 10

PRESETS = {
    # Quick look: fewer bags and no pairs.
    "fast": {"outer_bags": 8, "interactions": 0, "max_bins": 128, "learning_rate": 0.03, "n_bootstrap": 1000,
             "max_rounds": 1000},
    # Defaults of AuditSpec (what `python -m core audit` uses).
    "default": {"outer_bags": 14, "interactions": 3, "max_bins": 256, "learning_rate": 0.02, "n_bootstrap": 1000,
                "max_rounds": 2000},
    # Slower, tighter: more bags, finer bins, more resamples.
    "precise": {"outer_bags": 30, "interactions": 5, "max_bins": 512, "learning_rate": 0.01, "n_bootstrap": 2000,
                "max_rounds": 4000},
}


@dataclass(frozen=True)
class AuditSpec:
    """What to audit and how.

    Parameters
    ----------
    score, outcome : str
        Column names of the black-box score and of the real outcome.
    positive : str or None
        The outcome value that counts as 1. ``None`` accepts 0/1 or booleans.
    features : tuple of str
        Columns both models see. Empty means every column except score,
        outcome and (unless ``protected_as_features``) protected columns.
    protected : tuple of str
        Columns used to slice results (reliability per group).
    protected_as_features : bool
        Whether protected columns are also model features.
    calibration : {"none", "isotonic", "platt", "spline"}
        How scores become probabilities; "none" means they already are.
    epsilon : float
        Calibrated probabilities are clipped to ``[epsilon, 1 - epsilon]``.
    student : {"matched", "logit"}
        ``matched`` (default): an EBM classifier fitted to labels drawn from
        the calibrated probabilities, so it is as noisy, and regularised as
        much, as the outcome model. ``logit``: an EBM regressor on the
        calibrated log-odds, as in the authors' pseudocode.
    scale : {"robust", "sd", "range", "none"}
        How the student is put on the outcome model's scale before comparing
        (see :mod:`core.audit.scale`).
    interactions : int
        Number of pair terms (0 = main effects only), taken alternately from
        both models' FAST rankings; both models fit the same pairs.
    outer_bags : int
        Outer bags shared by both models; intervals and stability come from them.
    learning_rate, max_bins, max_interaction_bins, smoothing_rounds :
        EBM settings, identical for both models.
    max_rounds : int
        Cap on boosting rounds (one step per term) in each bag, for both
        models. Early stopping ends most fits long before it; a score that is
        an exact function of the features never stops early (the student's
        target has no noise), and the cap bounds that fit. At the presets'
        learning rates the capped student still reaches held-out R² > 0.999
        on the synthetic scenarios.
    test_size : float
        Share of rows held out for fidelity, accuracy and the residual test.
    n_bootstrap : int
        Resamples for the residual-correlation intervals (at least 1000).
    max_bootstrap_rows : int
        Above this many held-out rows the correlation bootstrap uses a seeded
        random subsample of this size (stated in the result).
    material_share : float
        A term ``differs`` when the difference's simultaneous 95% band
        excludes 0 on at least this share of the data (weighted by rows).
    min_effect : float
        ...and the difference there is at least this large (log-odds).
    n_jobs : int or None
        Worker processes for EBM fitting (-1 = all cores). ``None`` (default)
        chooses per fit with :func:`auto_n_jobs`: 1 for fits without pairs
        below ``SERIAL_MAX_ROWS`` training rows, else all cores.
    random_state : int
        Seed for the split, the bags, the models and the bootstrap.
    data_seed : int or None
        Seed a synthetic scenario was generated with (provenance only, so the
        report says which data was audited); None for real data.
    preset : str
        Name of the preset the settings came from. Anything but the
        validated default (this preset's settings, the matched student, the
        robust scale) is a preview, and its verdict says so.
    """

    # What each setting accepts is declared beside it and checked on construction (core.params).
    score: str = setting(REQUIRED, OfType((str,), "a column name"))
    outcome: str = setting(REQUIRED, OfType((str,), "a column name"))
    positive: str | None = setting(None, _NONE, OfType((str, numbers.Number), "an outcome value"))
    features: tuple[str, ...] = setting((), OfType((tuple,), "a tuple of column names"))
    protected: tuple[str, ...] = setting((), OfType((tuple,), "a tuple of column names"))
    protected_as_features: bool = setting(True, OfType((bool,), "True or False"))
    calibration: str = setting("isotonic", Options(CALIBRATION_METHODS))
    epsilon: float = setting(1e-3, Interval(float, 0, 0.5, "neither"))
    student: str = setting("matched", Options(STUDENT_KINDS))
    scale: str = setting("robust", Options(SCALE_METHODS))
    interactions: int = setting(3, Interval(int, 0, MAX_INTERACTIONS))
    outer_bags: int = setting(14, Interval(int, 2, MAX_BAGS))
    learning_rate: float = setting(0.02, Interval(float, 0, 1, "right"))
    max_bins: int = setting(256, Interval(int, 3, None))  # interpret needs 3 or more
    max_interaction_bins: int = setting(32, Interval(int, 3, None))
    smoothing_rounds: int = setting(75, Interval(int, 0, None))
    max_rounds: int = setting(2000, Interval(int, 1, None))
    test_size: float = setting(0.25, Interval(float, 0.05, 0.5))
    n_bootstrap: int = setting(1000, Interval(int, 1000, None))
    max_bootstrap_rows: int = setting(20_000, Interval(int, 100, None))
    material_share: float = setting(0.10, Interval(float, 0, 1, "right"))
    min_effect: float = setting(0.10, Interval(float, 0, None))
    n_jobs: int | None = setting(None, _NONE, Interval(int, 1, None), Interval(int, None, -1))
    random_state: int = setting(0, Interval(int, 0, MAX_SEED))
    data_seed: int | None = setting(None, _NONE, Interval(int, 0, MAX_SEED))
    preset: str = setting(DEFAULT_PRESET, Options(tuple(PRESETS)))

    def __post_init__(self):
        check_fields(self)

    @property
    def is_preview(self) -> bool:
        """Whether these settings differ from the validated default (another preset, or a changed model setting)."""
        validated = {**PRESETS[DEFAULT_PRESET], "student": "matched", "scale": "robust",
                     "material_share": 0.10, "min_effect": 0.10}
        return self.preset != DEFAULT_PRESET or any(getattr(self, k) != v for k, v in validated.items())

    def to_dict(self) -> dict:
        """JSON-safe dict of every setting."""
        out = asdict(self)
        out["features"] = list(self.features)
        out["protected"] = list(self.protected)
        return out

    def with_preset(self, name: str) -> "AuditSpec":
        """Return a copy with the settings of preset ``name`` applied."""
        return replace(self, **PRESETS[name], preset=name)


# Worker start-up costs 1-2 s on 2 idle cores and 2-12 s on a busy machine, on every
# CLI run and every first app run. Main-effect fits (no pairs) are quicker than that on
# small tables; fits with pairs are not. Measured on 2 cores, load 1.4-2.2, fit seconds
# n_jobs=-1 vs 1: fast preset (8 bags, no pairs): synthetic 5,000 rows 2.5 vs 1.3
# (busy: 3.9 vs 1.9), COMPAS 6,172 rows 2.8 vs 1.4 (busy: 4.5 vs 2.2), synthetic
# 50,000 rows 3.8 vs 3.2; default preset (14 bags, 3 pairs): synthetic 5,000 rows
# 6.3 vs 8.6, synthetic 50,000 rows 8.5 vs 11.3, COMPAS 4.3 vs 4.5.
SERIAL_MAX_ROWS = 100_000


def auto_n_jobs(spec: AuditSpec, n_rows: int | None) -> int:
    """Worker processes for fitting ``n_rows`` training rows: ``spec.n_jobs``, or a choice when it is None.

    One process when the fit has no pairs and fewer than ``SERIAL_MAX_ROWS``
    rows (start-up would outweigh the gain); all cores otherwise, or when
    ``n_rows`` is unknown.
    """
    if spec.n_jobs is not None:
        return spec.n_jobs
    if n_rows is not None and spec.interactions == 0 and n_rows < SERIAL_MAX_ROWS:
        return 1
    return -1
