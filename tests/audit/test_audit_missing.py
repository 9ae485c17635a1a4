"""The missing-feature test reports undefined correlations as undefined, never as 0."""

from __future__ import annotations

import json

import numpy as np

from core.audit.missing import bootstrap_correlations, missing_feature_test


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
