"""Seeded synthetic audit scenarios and their population truth.

A person has ``age`` (18-70), ``priors`` (a count), ``charge`` (three
categories) and ``group`` (protected, "A"/"B"), plus an optional ``hidden``
standard-normal feature that the audit table never shows. The true outcome
log-odds are

    eta_y = -0.6 + f_age + f_priors + f_charge + hidden_weight * hidden

and the black box ranks people by ``eta_box = eta_y + bias_weight * [group B]``.
It publishes either that probability (``score_kind="probability"``, used with
calibration ``none``) or its decile 1-10 over the population
(``score_kind="decile"``, used with isotonic calibration).

What an audit can know is additive in the visible features only, so the truth
it is judged against is a *projection*: the additive logistic model closest
(in expected log-loss over the population) to

- the outcome surface ``P(y = 1 | x)``, integrated over ``hidden`` (the
  marginal curve the outcome model estimates), and
- the student's surface ``E[c(score) | x]``, where ``c`` is the population
  calibration ``P(y = 1 | score)`` (what the noise-matched student estimates).

The student's projection is then put on the outcome's scale with the same
robust factor the audit uses (:func:`core.audit.scale.robust_alpha`). On clean
and hidden scenarios the two projections coincide up to that factor; on
biased ones they differ on ``group`` alone (up to small link distortions,
which the truth keeps, so the harness measures them instead of hiding them).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.audit.additive import fit_additive_logistic
from core.audit.calibration import expit


@dataclass(frozen=True)
class TrueShape:
    """The true contribution of one feature, centred on the generated data.

    Attributes
    ----------
    feature : str
    grid : tuple
        Numbers (continuous) or category labels.
    black_box : tuple of float
        What the scaled student should show: the black box's effect as the
        audit can see it (the additive projection of its calibrated score,
        put on the outcome's scale), in log-odds.
    outcome : tuple of float
        What the outcome model should show: the additive projection of the
        true outcome probability, integrated over any hidden feature.
    """

    feature: str
    grid: tuple
    black_box: tuple
    outcome: tuple

    def to_dict(self) -> dict:
        return {"feature": self.feature, "grid": list(self.grid), "black_box": list(self.black_box),
                "outcome": list(self.outcome)}


CHARGE_EFFECTS = {"felony": 0.35, "misdemeanour": -0.2, "other": 0.0}
CHARGE_SHARES = (0.5, 0.35, 0.15)
GROUP_SHARES = (0.6, 0.4)
AGE_RANGE = (18, 70)
PRIORS_CAP = 40  # the truth tables stop here; higher counts take the cap's value
POPULATION_ROWS = 60_000
POPULATION_SEED = 20_181_002
HERMITE_NODES = 24
FEATURES = ("age", "priors", "charge", "group")


def f_age(x):
    return 1.6 * np.exp(-(np.asarray(x, float) - 18) / 12.0) - 0.4


def f_priors(x):
    return 0.9 * np.log1p(np.asarray(x, float))


@dataclass(frozen=True)
class Scenario:
    """The knobs of a synthetic scenario.

    Parameters
    ----------
    hidden_weight : float
        Log-odds per SD of the hidden feature, in both outcome and black box.
    bias_weight : float
        Log-odds the black box adds for group "B" (outcomes do not).
    score_kind : {"probability", "decile"}
    """

    hidden_weight: float = 0.0
    bias_weight: float = 0.0
    score_kind: str = "probability"

    @property
    def calibration(self) -> str:
        """The calibration that suits the published score."""
        return "none" if self.score_kind == "probability" else "isotonic"


def _draw_people(n_rows: int, rng: np.random.Generator) -> dict:
    age = rng.integers(AGE_RANGE[0], AGE_RANGE[1] + 1, n_rows).astype(float)
    priors = rng.poisson(np.exp(rng.normal(0.3, 0.9, n_rows))).astype(float)
    charge = rng.choice(list(CHARGE_EFFECTS), n_rows, p=list(CHARGE_SHARES))
    group = rng.choice(["A", "B"], n_rows, p=list(GROUP_SHARES))
    hidden = rng.standard_normal(n_rows)
    return {"age": age, "priors": priors, "charge": charge, "group": group, "hidden": hidden}


def _base_logit(people: dict) -> np.ndarray:
    charge = np.array([CHARGE_EFFECTS[c] for c in people["charge"]])
    return -0.6 + f_age(people["age"]) + f_priors(people["priors"]) + charge


def simulate(scenario: Scenario, n_rows: int, random_state: int) -> pd.DataFrame:
    """A seeded table of ``n_rows`` people with ``score`` and ``outcome`` (``hidden`` is not included)."""
    rng = np.random.default_rng(random_state)
    people = _draw_people(n_rows, rng)
    eta_y = _base_logit(people) + scenario.hidden_weight * people["hidden"]
    eta_box = eta_y + scenario.bias_weight * (people["group"] == "B")
    y = (rng.random(n_rows) < expit(eta_y)).astype(int)
    if scenario.score_kind == "probability":
        score = np.round(expit(eta_box), 4)
    else:
        score = _decile(eta_box, _population(scenario).cuts).astype(float)
    return pd.DataFrame({"age": people["age"], "priors": people["priors"], "charge": people["charge"],
                         "group": people["group"], "score": score, "outcome": y})


def _decile(eta, cuts) -> np.ndarray:
    return 1 + np.searchsorted(cuts, eta, side="right")


@dataclass(frozen=True)
class _Population:
    cuts: np.ndarray  # decile cut points of eta_box
    decile_rate: np.ndarray  # P(y = 1 | decile), index 0 = decile 1


@functools.lru_cache(maxsize=32)
def _population(scenario: Scenario) -> _Population:
    rng = np.random.default_rng(POPULATION_SEED)
    people = _draw_people(4 * POPULATION_ROWS, rng)
    eta_y = _base_logit(people) + scenario.hidden_weight * people["hidden"]
    eta_box = eta_y + scenario.bias_weight * (people["group"] == "B")
    cuts = np.quantile(eta_box, np.linspace(0.1, 0.9, 9))
    dec = _decile(eta_box, cuts)
    p = expit(eta_y)
    rate = np.array([p[dec == d].mean() for d in range(1, 11)])
    return _Population(cuts=cuts, decile_rate=np.maximum.accumulate(rate))


def _codes(frame_like: dict) -> list:
    age = np.clip(np.asarray(frame_like["age"], float), *AGE_RANGE).astype(int) - AGE_RANGE[0]
    priors = np.minimum(np.asarray(frame_like["priors"], float), PRIORS_CAP).astype(int)
    charge = np.searchsorted(sorted(CHARGE_EFFECTS), np.asarray(frame_like["charge"], dtype=str))
    group = (np.asarray(frame_like["group"], dtype=str) == "B").astype(int)
    return [age, priors, charge, group]


N_LEVELS = [AGE_RANGE[1] - AGE_RANGE[0] + 1, PRIORS_CAP + 1, len(CHARGE_EFFECTS), 2]


@dataclass(frozen=True)
class ProjectedTruth:
    """Population truth of one scenario as per-code tables (see the module notes).

    Attributes
    ----------
    student, outcome : tuple of ndarray
        Additive log-odds tables per feature (``FEATURES`` order), centred on
        the population; ``student`` is before scaling.
    alpha : float
        The robust factor that puts ``student`` on ``outcome``'s scale.
    """

    student: tuple
    outcome: tuple
    alpha: float

    def on_rows(self, frame: pd.DataFrame, which: str) -> dict:
        """Per-row contribution of each feature (``which``: "student", "scaled_student" or "outcome")."""
        codes = _codes({f: frame[f].to_numpy() for f in FEATURES})
        tables = {"student": self.student, "outcome": self.outcome,
                  "scaled_student": tuple(self.alpha * t for t in self.student)}[which]
        return {f: tables[j][codes[j]] for j, f in enumerate(FEATURES)}


@functools.lru_cache(maxsize=32)
def projected_truth(scenario: Scenario) -> ProjectedTruth:
    """The additive projections an audit of ``scenario`` estimates (cached per scenario)."""
    from core.audit.scale import robust_alpha

    rng = np.random.default_rng(POPULATION_SEED + 1)
    people = _draw_people(POPULATION_ROWS, rng)
    base = _base_logit(people)
    nodes, weights = np.polynomial.hermite_e.hermegauss(HERMITE_NODES)
    weights = weights / weights.sum()
    bias = scenario.bias_weight * (people["group"] == "B")
    p_y = np.zeros(len(base))
    p_star = np.zeros(len(base))
    pop = _population(scenario)
    for h, w in zip(nodes, weights):
        eta_y = base + scenario.hidden_weight * h
        p_y += w * expit(eta_y)
        eta_box = eta_y + bias
        if scenario.score_kind == "probability":
            p_star += w * expit(eta_box)
        else:
            p_star += w * pop.decile_rate[_decile(eta_box, pop.cuts) - 1]
    codes = _codes(people)
    outcome = fit_additive_logistic(codes, N_LEVELS, p_y, ridge=1e-6)
    student = fit_additive_logistic(codes, N_LEVELS, p_star, ridge=1e-6)
    counts = [np.bincount(c, minlength=n).astype(float) for c, n in zip(codes, N_LEVELS)]
    alpha = robust_alpha([t[None, :] for t in student.tables], [t[None, :] for t in outcome.tables], counts)[0]
    return ProjectedTruth(student=student.tables, outcome=outcome.tables, alpha=float(alpha))


def truth_shapes(scenario: Scenario, frame: pd.DataFrame):
    """``TrueShape`` records for the app's overlay, centred on ``frame``'s rows."""
    truth = projected_truth(scenario)
    shapes = []
    grids = {"age": np.arange(AGE_RANGE[0], AGE_RANGE[1] + 1, dtype=float),
             "priors": np.arange(0, int(min(frame["priors"].max(), PRIORS_CAP)) + 1, dtype=float),
             "charge": np.array(sorted(CHARGE_EFFECTS)), "group": np.array(["A", "B"])}
    for j, f in enumerate(FEATURES):
        row_codes = _codes({g: frame[g].to_numpy() for g in FEATURES})[j]
        grid_codes = _codes({**{g: np.repeat(grids[g][:1], len(grids[f])) for g in FEATURES}, f: grids[f]})[j]
        curves = []
        for table in (truth.alpha * truth.student[j], truth.outcome[j]):
            centre = float(np.mean(table[row_codes]))
            curves.append(tuple(float(v) for v in table[grid_codes] - centre))
        grid = tuple(float(g) for g in grids[f]) if f in ("age", "priors") else tuple(str(g) for g in grids[f])
        shapes.append(TrueShape(f, grid, curves[0], curves[1]))
    return tuple(shapes)


def table_digest(frame: pd.DataFrame) -> str:
    """Checksum of a generated table."""
    return hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).values.tobytes()).hexdigest()
