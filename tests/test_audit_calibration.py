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
