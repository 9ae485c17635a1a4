"""The missing-feature test reports undefined correlations as undefined, never as 0."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from core.audit.missing import (_kendall_counts, _kendall_signs, _pearson_rows, _Ties, _weighted_pearson,
                                bootstrap_correlations, missing_feature_test)


def test_resamples_without_variation_are_counted_and_left_out_not_zero():
    rng = np.random.default_rng(0)
    x = np.r_[np.zeros(18), 1.0, 2.0]  # a resample that misses both non-zero rows is constant
    y = rng.normal(size=20)
    out, _ = bootstrap_correlations(x, y, n_bootstrap=1000, random_state=0)
    expected = 1000 * 0.9**20  # P(no draw hits the two non-zero rows) = (18/20)^20 ≈ 12%
    for c in out:
        assert 0.5 * expected < c.undefined_resamples < 1.5 * expected, (c.method, c.undefined_resamples)
        assert np.isfinite([c.ci_low, c.ci_high]).all() and c.defined
        assert "resamples undefined" in c.text()
        assert c.to_dict()["undefined_resamples"] == c.undefined_resamples


def test_constant_residuals_make_the_test_undefined_through_to_the_metrics():
    x = np.random.default_rng(1).normal(size=300)
    test = missing_feature_test(x, np.full(300, 0.25), n_bootstrap=200)
    assert test.reading == "undefined" and not test.likely_missing
    assert "all the same" in test.undefined and test.headline.endswith("undefined here")
    metrics = json.loads(json.dumps(test.to_dict()))  # JSON-safe: None, not NaN
    assert metrics["reading"] == "undefined" and metrics["pearson"]["estimate"] is None
    assert metrics["kendall"]["ci_low"] is None and all(not c.defined for c in test.signed)


def test_the_reading_has_a_headline_and_a_detail():
    rng = np.random.default_rng(2)
    hidden = rng.normal(size=500)
    test = missing_feature_test(hidden + rng.normal(size=500), hidden + rng.normal(size=500), n_bootstrap=1000)
    assert test.reading == "likely_missing" and test.likely_missing and test.undefined is None
    assert test.verdict == f"{test.headline}: {test.detail}" and "heuristic" in test.detail
    calm = missing_feature_test(rng.normal(size=500), rng.normal(size=500), n_bootstrap=1000)
    assert calm.reading == "compatible_with_zero" and calm.headline == "No clear sign of missing features"


@settings(max_examples=60, deadline=None)
@given(n=st.integers(3, 40), x_levels=st.integers(1, 6), tied_y=st.booleans(), seed=st.integers(0, 2**31))
def test_counting_draws_gives_what_each_resample_gives(n, x_levels, tied_y, seed):
    """Pearson, Spearman and tau-b from draw counts equal numpy/scipy on the resampled values, ties included."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, x_levels, n).astype(float) if x_levels < 6 else rng.normal(size=n)
    y = rng.integers(0, 3, n).astype(float) if tied_y else x + rng.normal(size=n)
    idx = rng.integers(0, n, size=(5, n))
    counts = np.stack([np.bincount(r, minlength=n) for r in idx]).astype(float)
    x_ties, y_ties = _Ties(x), _Ties(y)
    x_groups, y_groups = x_ties.group_counts(counts), y_ties.group_counts(counts)
    got = {"pearson": _weighted_pearson(x, y, counts),
           "spearman": _weighted_pearson(x_ties.midranks(x_groups), y_ties.midranks(y_groups), counts),
           "kendall": _kendall_counts(counts, _kendall_signs(x, y), x_groups, y_groups)}
    for j, rows in enumerate(idx):
        xs, ys = x[rows], y[rows]
        with np.errstate(invalid="ignore", divide="ignore"):
            want = {"pearson": _pearson_rows(xs[None], ys[None])[0],
                    "spearman": _pearson_rows(stats.rankdata(xs)[None], stats.rankdata(ys)[None])[0],
                    "kendall": stats.kendalltau(xs, ys).statistic}
        for method, value in want.items():
            if np.isnan(value):
                assert np.isnan(got[method][j]), (method, j)
            else:
                assert got[method][j] == pytest.approx(value, abs=1e-9), (method, j)


def test_above_the_kendall_cap_the_m_out_of_n_path_still_runs():
    rng = np.random.default_rng(3)
    x = rng.normal(size=2600)
    out, used = bootstrap_correlations(x, 0.3 * x + rng.normal(size=2600), n_bootstrap=100, random_state=0)
    kendall = out[2]
    assert used == 2600 and kendall.defined and kendall.ci_low < kendall.estimate < kendall.ci_high


@pytest.mark.parametrize("seed", range(5))
def test_a_resample_of_one_repeated_value_is_undefined_even_when_its_mean_rounds(seed):
    """0.1 repeated: its weighted mean misses 0.1 by a rounding error, which left a spread that passed for r."""
    rng = np.random.default_rng(seed)
    a = np.r_[np.full(4, 0.1), rng.normal(size=6)]
    b = rng.normal(size=10)
    w = np.zeros((200, 10))
    w[:, :4] = rng.integers(1, 9, size=(200, 4))  # each resample draws only the repeated rows of a
    assert np.isnan(_weighted_pearson(a, b, w)).all()
    assert np.isfinite(_weighted_pearson(b, b[::-1], w)).all()  # the same draws of varying values are defined
