"""Calibration alone: monotone, clipped, per-group tables, no EBM needed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.audit.calibration import ScoreCalibrator, calibrate


def _scores(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    decile = rng.integers(1, 11, n)
    p = 1 / (1 + np.exp(-(-1.5 + 0.3 * decile + 0.2 * np.sin(decile))))
    return decile, (rng.random(n) < p).astype(int), rng.choice(["A", "B"], n)


@pytest.mark.parametrize("method", ["isotonic", "platt", "spline"])
def test_calibration_is_monotone_and_clipped(method):
    score, y, group = _scores()
    cal, result = calibrate(score, y, method=method, groups=pd.DataFrame({"group": group}), epsilon=1e-3)
    assert result.monotone
    grid = np.linspace(-5, 20, 400)
    p = cal.predict_proba(grid)
    assert np.all(np.diff(p) >= -1e-12) and p.min() >= 1e-3 and p.max() <= 1 - 1e-3
    groups = {t.group for t in result.reliability}
    assert groups == {"All", "group = A", "group = B"}
    after = result.table("after")
    assert sum(after.count) == len(score)
    # calibrated probabilities are close to observed rates overall
    assert np.average(np.abs(np.subtract(after.mean_score, after.observed_rate)), weights=after.count) < 0.05


def test_held_out_reliability_uses_other_rows():
    score, y, _ = _scores()
    mask = np.arange(len(score)) % 4 != 0
    _, result = calibrate(score, y, method="isotonic", train_mask=mask)
    assert result.evaluated_on == "held-out rows"
    assert sum(result.table("before").count) == (~mask).sum()


def test_none_keeps_probabilities():
    cal = ScoreCalibrator(method="none", epsilon=0.01).fit([0.0, 0.5, 1.0], [0, 1, 1])
    assert np.allclose(cal.predict_proba([0.0, 0.3, 1.0]), [0.01, 0.3, 0.99])


@pytest.mark.parametrize("seed", range(3))
def test_isotonic_never_maps_to_exactly_zero_or_one(seed):
    rng = np.random.default_rng(seed)
    x = np.repeat(np.arange(1, 11), 100).astype(float)
    y = (rng.random(1000) < (x / 12) ** 2).astype(float)
    y[x <= 2], y[x == 10] = 0, 1  # pure blocks at both ends
    cal = ScoreCalibrator("isotonic", epsilon=1e-9).fit(x, y)
    p = cal.predict_proba(np.arange(1, 11.0))
    n_low = 200 if p[0] == p[1] else 100
    assert p[0] == pytest.approx(0.5 / (n_low + 1))  # the half-count rule, tied to the block's size
    assert 0 < p.min() and p.max() < 1 and p[-1] == pytest.approx(1 - 0.5 / 101)
    assert np.all(np.diff(p) >= 0)


@pytest.mark.parametrize("method", ["isotonic", "platt", "spline"])
def test_sample_weight_counts_like_repeated_rows(method):
    """An integer weight is that many copies of the row, for every fitted method."""
    rng = np.random.default_rng(3)
    score = rng.normal(size=600)  # many distinct scores, so the spline's knots come from the distinct values
    y = (rng.random(600) < 1 / (1 + np.exp(-1.2 * score))).astype(int)
    w = rng.integers(1, 4, size=600)  # no zeros: a zero-weight row still sets the score range and knots
    grid = np.linspace(-2.5, 2.5, 50)
    weighted = ScoreCalibrator(method).fit(score, y, sample_weight=w).predict_proba(grid)
    repeated = ScoreCalibrator(method).fit(np.repeat(score, w), np.repeat(y, w)).predict_proba(grid)
    np.testing.assert_allclose(weighted, repeated, atol=1e-6)
    unweighted = ScoreCalibrator(method).fit(score, y).predict_proba(grid)
    assert np.max(np.abs(weighted - unweighted)) > 1e-3  # the weights do change the fit


@pytest.mark.parametrize("weights", [[-1.0] * 50, [0.0] * 50, [1.0] * 49, [np.nan] * 50])
def test_bad_sample_weight_is_refused(weights):
    from core.errors import InputError

    score, y = np.linspace(0, 1, 50), np.arange(50) % 2
    with pytest.raises(InputError, match="sample weights"):
        ScoreCalibrator("platt").fit(score, y, sample_weight=weights)


def test_calibrator_parameters_use_the_declared_constraints():
    from core.errors import InputError

    with pytest.raises(InputError, match=r"^epsilon = 0.7 is not allowed"):
        ScoreCalibrator("isotonic", epsilon=0.7).fit([0.1, 0.2], [0, 1])
    with pytest.raises(InputError, match="method = 'sigmoid'"):
        ScoreCalibrator("sigmoid").fit([0.1, 0.2], [0, 1])
