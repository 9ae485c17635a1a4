"""Property and reference tests of the audit engine on seeded synthetic scenarios."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.audit.datasets import load_dataset
from core.audit.models import fit_models, prepare_features
from core.audit.pipeline import calibration_for, run_audit
from core.audit.report import metrics_json
from core.audit.spec import AuditSpec

FAST = dict(outer_bags=4, interactions=0, learning_rate=0.05, max_bins=64, n_bootstrap=1000)
# Seed 0 runs by default; further seeds repeat each property under -m slow.
SEEDS = [0] + [pytest.param(s, marks=pytest.mark.slow) for s in (1, 2, 3, 4)]


def _audit(name, seed=0, n_rows=3000, **over):
    ds = load_dataset(name, random_state=seed, n_rows=n_rows)
    spec = AuditSpec(ds.score, ds.outcome, features=ds.features, protected=ds.protected,
                     calibration=ds.calibration, **{"random_state": seed, **FAST, **over})
    return ds, run_audit(ds.frame, spec, truth=ds.truth)


@pytest.fixture(scope="module")
def biased():
    return _audit("synthetic-biased", n_rows=4000)


def test_biased_term_is_flagged_and_others_not(biased):
    _, result = biased
    flags = {t.name: t.differs for t in result.terms}
    assert flags == {"age": False, "priors": False, "charge": False, "group": True}
    assert result.ranking()[0].name == "group"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_biased_term_has_by_far_the_largest_gap_over_seeds(seed):
    # Other terms are not always clear of the flag on every seed (outcome-model shrinkage; see core.audit.shapes),
    # but the biased term must always be flagged and stand out.
    _, result = _audit("synthetic-biased", seed=seed, n_rows=4000)
    gaps = {t.name: t.discrepancy for t in result.terms}
    assert result.term("group").differs and max(gaps, key=gaps.get) == "group"
    assert all(gap < 0.5 * gaps["group"] for name, gap in gaps.items() if name != "group"), gaps


def test_capped_student_still_mimics_a_noise_free_score(biased):
    _, result = biased  # calibration "none": the target is an exact function of the features
    assert result.spec.max_rounds == AuditSpec("s", "o").max_rounds
    assert result.fidelity.r2 > 0.999, result.fidelity


def test_recovered_shapes_lie_near_the_truth(biased):
    ds, result = biased
    for term in result.terms:
        true = ds.truth.shape(term.name)
        w = np.asarray(term.weight)
        if term.kind == "continuous":
            mids = np.asarray(term.grid, float)
            black_box = np.interp(mids, true.grid, true.black_box)
            outcome = np.interp(mids, true.grid, true.outcome)
        else:
            lookup_b, lookup_o = dict(zip(true.grid, true.black_box)), dict(zip(true.grid, true.outcome))
            black_box = np.array([lookup_b[g] for g in term.grid])
            outcome = np.array([lookup_o[g] for g in term.grid])
        err_s = np.sum(w * np.abs(np.asarray(term.student) - black_box)) / w.sum()
        err_o = np.sum(w * np.abs(np.asarray(term.outcome) - outcome)) / w.sum()
        assert err_s < 0.1, (term.name, err_s)  # the student sees a noiseless target
        assert err_o < 0.3, (term.name, err_o)


def test_intervals_are_ordered_and_difference_is_paired(biased):
    _, result = biased
    for t in result.terms:
        assert np.all(np.asarray(t.student_low) <= np.asarray(t.student_high))
        assert np.allclose(np.asarray(t.difference), np.asarray(t.student) - np.asarray(t.outcome))
        assert t.discrepancy_low <= t.discrepancy <= t.discrepancy_high


@pytest.mark.parametrize("seed", SEEDS)
def test_missing_feature_test_detects_a_hidden_feature(seed):
    _, result = _audit("synthetic-hidden-feature", seed=seed)
    assert result.missing.likely_missing
    assert result.missing.get("pearson").ci_low > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_missing_feature_test_is_null_when_nothing_is_hidden(seed):
    _, result = _audit("synthetic-clean", seed=seed)
    p = result.missing.get("pearson")
    assert p.ci_low <= 0 <= p.ci_high
    assert not result.missing.likely_missing


def test_same_seed_gives_identical_metrics():
    texts = []
    for _ in range(2):
        _, result = _audit("synthetic-clean", n_rows=1000)
        doc = json.loads(metrics_json(result))
        doc.pop("timings_s")
        texts.append(json.dumps(doc, sort_keys=True))
    assert texts[0] == texts[1]
    _, other = _audit("synthetic-clean", n_rows=1000, random_state=1)
    assert json.loads(metrics_json(other))["student"] != json.loads(texts[0])["student"]  # the seed is used


def test_metrics_have_the_issue_schema(biased):
    _, result = biased
    m = result.metrics()
    assert m["schema"] == "audit-metrics/1"
    assert set(m["data"]) >= {"rows", "features", "score", "outcome", "sha256"}
    assert set(m["missing_features"]) >= {"residuals", "bootstrap_resamples", "pearson", "spearman", "kendall",
                                          "absolute"}
    assert m["missing_features"]["bootstrap_resamples"] >= 1000
    assert set(m["missing_features"]["absolute"]) == {"pearson", "spearman", "kendall"}
    assert {"name", "discrepancy", "ci_low", "ci_high", "differs"} <= set(m["terms"][0])
    assert 0.5 < m["outcome_model"]["auc"] <= 1 and m["student"]["fidelity_r2"] > 0.8
    json.dumps(result.to_dict())  # JSON-safe


def test_term_contributions_sum_to_prediction_with_purified_pairs():
    ds = load_dataset("synthetic-clean", n_rows=1500)
    spec = AuditSpec(ds.score, ds.outcome, features=ds.features, calibration="none",
                     **{**FAST, "interactions": 2, "max_rounds": 60})
    X = prepare_features(ds.frame, list(ds.features))
    y = ds.frame[ds.outcome].to_numpy()
    target = np.log(ds.frame[ds.score] / (1 - ds.frame[ds.score])).to_numpy()
    fitted = fit_models(X, target, y, spec)
    for model in (fitted.student, fitted.outcome):  # max_rounds reaches both models (steps = rounds x terms)
        assert np.max(model.best_iteration_) <= spec.max_rounds * len(model.term_features_)
    for model in (fitted.student, fitted.outcome):
        contrib = model.eval_terms(X)
        raw = contrib.sum(axis=1) + np.ravel(model.intercept_)[0]
        pred = model.predict(X) if model is fitted.student else np.log(
            model.predict_proba(X)[:, 1] / model.predict_proba(X)[:, 0])
        assert np.allclose(raw, pred, atol=1e-8)
        for t, feats in enumerate(model.term_features_):
            if len(feats) == 2:  # purified: every row and column of the pair averages to 0
                w, s = np.asarray(model.bin_weights_[t]), np.asarray(model.term_scores_[t])
                assert np.allclose((w * s).sum(axis=0), 0, atol=1e-6)
                assert np.allclose((w * s).sum(axis=1), 0, atol=1e-6)


def test_string_dtype_features_and_text_outcome():
    ds = load_dataset("synthetic-clean", n_rows=1500)
    frame = ds.frame.copy()
    frame["charge"] = frame["charge"].astype("string")
    frame["outcome"] = np.where(frame["outcome"] == 1, "yes", "no")
    frame.loc[::50, "charge"] = pd.NA
    spec = AuditSpec("score", "outcome", positive="yes", features=ds.features, protected=("group",),
                     calibration="isotonic", **FAST)
    result = run_audit(frame, spec)
    charge = result.term("charge")
    assert "(missing)" in charge.grid and "felony" in charge.grid
    preview = calibration_for(frame, spec)  # the page's preview is the audit's own calibration
    assert preview == result.calibration and preview.evaluated_on == "held-out rows"
    assert {t.group for t in preview.reliability} >= {"All", "group = A"}


def test_prepare_features_keeps_numbers_and_turns_the_rest_into_labels():
    frame = pd.DataFrame({"n": pd.array([1, None, 3], dtype="Int64"), "b": [True, False, True],
                          "s": pd.array(["x", None, "y"], dtype="string"), "o": [1.5, "a", None]})
    X = prepare_features(frame, ["n", "b", "s", "o"])
    assert X["n"].dtype == float and np.isnan(X["n"][1]) and X["n"][2] == 3.0
    assert list(X["b"]) == ["True", "False", "True"]
    assert list(X["s"]) == ["x", None, "y"] and list(X["o"]) == ["1.5", "a", None]


def test_side_by_side_figure_shares_the_y_axis(biased):
    from core.audit.plots import term_side_by_side_figure

    ds, result = biased
    fig = term_side_by_side_figure(result.term("group"), truth=ds.truth.shape("group"))
    assert fig.layout.yaxis2.matches == "y"
    panels = {(tr.name, tr.xaxis) for tr in fig.data}
    assert ("Student (mimics the score)", "x") in panels and ("Outcome model (learns from real outcomes)", "x2") in panels
