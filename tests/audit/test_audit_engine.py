"""Property and reference tests of the audit engine on seeded synthetic scenarios."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.audit.datasets import load_dataset
from core.audit.models import prepare_features
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


def test_logit_student_still_mimics_a_noise_free_score_under_the_round_cap():
    # calibration "none": the target is an exact function of the features, so only the cap ends the fit
    _, result = _audit("synthetic-clean", n_rows=2000, student="logit", outer_bags=3)
    assert result.spec.max_rounds == AuditSpec("s", "o").max_rounds
    assert result.fidelity.r2 > 0.99, result.fidelity


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
        assert err_s < 0.3, (term.name, err_s)  # both models learn from equally noisy labels
        assert err_o < 0.3, (term.name, err_o)


def test_both_models_of_a_bag_fit_on_the_same_rows(monkeypatch):
    import core.audit.models as models

    seen = []
    real = models._fit_one

    def spy(X, target, bag, kind, settings, pairs, seed):
        seen.append((seed, kind, bag.copy(), len(target)))
        return real(X, target, bag, kind, settings, pairs, seed)

    monkeypatch.setattr(models, "_fit_one", spy)
    _audit("synthetic-clean", n_rows=1500, outer_bags=3, max_rounds=50)
    by_seed = {}
    for seed, kind, bag, n in seen:
        if kind == "classifier":  # the regressor is the missing-feature test's mimic
            by_seed.setdefault(seed, []).append(bag)
    assert len(by_seed) == 3
    for bags in by_seed.values():
        assert len(bags) == 2 and np.array_equal(bags[0], bags[1])  # student and outcome model: same rows
    firsts = [b[0] for b in by_seed.values()]
    assert not np.array_equal(firsts[0], firsts[1])  # bags differ from each other


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
    assert set(m["missing_features"]) >= {"residuals", "bootstrap_resamples", "pearson", "spearman", "kendall"}
    assert "absolute" not in m["missing_features"]  # no null of zero, so no longer reported
    assert m["missing_features"]["bootstrap_resamples"] >= 1000
    assert {"name", "discrepancy", "ci_low", "ci_high", "differs", "rms_gap_log_odds"} <= set(m["terms"][0])
    assert {"alpha", "ci_low", "ci_high", "effect_ratio"} <= set(m["scale"])
    assert m["scale"]["ci_low"] <= m["scale"]["alpha"] <= m["scale"]["ci_high"]
    assert m["verdict"]["preview"] is True and m["verdict"]["headline"].startswith("Preview")
    assert set(m["verdict"]["terms"]) == {t.name for t in (*result.terms, *result.pairs)}
    assert 0.5 < m["outcome_model"]["auc"] <= 1 and m["student"]["fidelity_r2"] > 0.5
    json.dumps(result.to_dict())  # JSON-safe


def _term(**over):
    from core.audit.shapes import TermShape

    base = dict(name="group", kind="categorical", grid=("A", "B", "C"), grid_low=(), grid_high=(),
                weight=(600.0, 390.0, 10.0), student=(0, 0, 0), student_low=(0, 0, 0), student_high=(0, 0, 0),
                outcome=(0, 0, 0), outcome_low=(0, 0, 0), outcome_high=(0, 0, 0),
                difference=(-0.3, 0.45, 2.0), difference_low=(-0.4, 0.35, -1.0), difference_high=(-0.2, 0.55, 5.0),
                band_low=(-0.42, 0.3, -2.0), band_high=(-0.18, 0.6, 6.0), band_critical=3.0, student_bags=((0, 0, 0),),
                discrepancy=0.37, discrepancy_low=0.3, discrepancy_high=0.44, discrepancy_sq=0.137,
                differs_share=0.99, differs=True, stability=0.0, stability_ratio=0.0, importance_student=0.4,
                importance_outcome=0.0)
    return TermShape(**{**base, **over})


def test_flagged_term_sentence_gives_direction_size_and_interval():
    from core.audit.words import term_effect, term_sentence

    text = term_sentence(_term())
    # the sparse bin C (1% of rows, huge but uncertain gap) is never the one quoted
    assert "group = B" in text and "higher" in text and "odds ×1.57" in text
    assert "95% interval ×1.35 to ×1.82" in text and "99% of rows" in text
    effect = term_effect(_term())
    assert effect["largest_gap_at"] == "B" and effect["largest_gap_low"] == 0.3 and effect["direction"] == "higher"
    calm = term_sentence(_term(differs=False, differs_share=0.0))
    assert calm.startswith("group: no material difference") and "95% interval" in calm


def test_purifying_pairs_keeps_predictions():
    from interpret.glassbox import ExplainableBoostingClassifier

    from core.audit.models import purify_pairs

    ds = load_dataset("synthetic-clean", n_rows=1500)
    X = prepare_features(ds.frame, list(ds.features))
    y = ds.frame[ds.outcome].to_numpy()
    model = ExplainableBoostingClassifier(interactions=[(0, 1), (1, 2)], outer_bags=2, max_rounds=80, n_jobs=1,
                                          random_state=0).fit(X, y)
    before = model.decision_function(X)
    purify_pairs(model)
    after = model.decision_function(X)
    # equal except on rows in the rare main bins that straddle a coarser pair-bin edge
    assert np.mean(np.isclose(before, after, atol=1e-6)) > 0.97
    assert np.max(np.abs(before - after)) < 0.05
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
    assert ("Student (mimics the score, on the outcome scale)", "x") in panels and ("Outcome model (learns from real outcomes)", "x2") in panels


def test_each_bag_fits_student_and_outcome_model_on_the_same_rows(monkeypatch):
    """The per-bag difference is paired: bag b's student and outcome model see the same fitting rows."""
    import core.audit.models as models

    seen = []
    real = models._fit_one

    def spy(X, target, bag, kind, *args):
        seen.append((kind, np.asarray(bag).copy()))
        return real(X, target, bag, kind, *args)

    monkeypatch.setattr(models, "_fit_one", spy)
    ds = load_dataset("synthetic-clean", n_rows=1200)
    spec = AuditSpec(ds.score, ds.outcome, features=ds.features, calibration=ds.calibration, n_jobs=1,
                     **{**FAST, "outer_bags": 3}, max_rounds=50)
    X = prepare_features(ds.frame, list(ds.features))
    y = ds.frame[ds.outcome].to_numpy()
    fitted = models.fit_models(X, ds.frame[ds.score].to_numpy(float), y, spec)
    per_bag = seen[: 2 * spec.outer_bags]  # then the mimic, fitted once for the missing-feature test
    outcome_bags = [bag for kind, bag in per_bag[0::2]]
    student_bags = [bag for kind, bag in per_bag[1::2]]
    assert [kind for kind, _ in per_bag[0::2]] == ["classifier"] * spec.outer_bags
    assert len(fitted.students) == len(fitted.outcomes) == spec.outer_bags
    for b in range(spec.outer_bags):
        np.testing.assert_array_equal(student_bags[b], outcome_bags[b])
        np.testing.assert_array_equal(student_bags[b], fitted.bags[:, b])
    # the bags themselves differ, so pairing them is a real constraint
    assert not np.array_equal(fitted.bags[:, 0], fitted.bags[:, 1])


def test_only_the_warnings_judged_harmless_are_silenced():
    import warnings

    from core.audit.models import _quiet

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with _quiet():
            warnings.warn("Missing values detected. Our visualizations do not currently display them.", UserWarning)
            warnings.warn("Detected multiclass problem", UserWarning)
    assert [str(w.message) for w in seen] == ["Detected multiclass problem"]


def test_the_workers_started_ahead_are_the_ones_that_fit():
    """Home starts the fit's workers early; the audit must reuse them, not replace them with fresh ones."""
    import os
    import time

    from joblib import delayed

    from core.audit import models

    def worker_pids():  # each task waits a little, so every worker takes one
        return set(models._pool(2)(delayed(lambda: time.sleep(0.3) or os.getpid())() for _ in range(4)))

    models.start_workers(2)
    before = worker_pids()
    ds = load_dataset("synthetic-clean", n_rows=1200)
    spec = AuditSpec(ds.score, ds.outcome, features=ds.features, calibration=ds.calibration, n_jobs=2,
                     **{**FAST, "outer_bags": 2}, max_rounds=50)
    X = prepare_features(ds.frame, list(ds.features))
    models.fit_models(X, ds.frame[ds.score].to_numpy(float), ds.frame[ds.outcome].to_numpy(), spec)
    assert len(before) == 2 and worker_pids() == before
