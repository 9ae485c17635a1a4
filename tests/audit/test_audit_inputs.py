"""Bad input: every case is an InputError naming the field, exit code 2 and nothing written."""

from __future__ import annotations

import csv
import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import shared_file
from core.audit.datasets import COMPAS_FEATURES, compas_frame, load_dataset
from core.audit.spec import AuditSpec
from core.audit.validate import check_table, require_valid
from core.cli import main
from core.errors import InputError, InputWarning


def _frame(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "c": rng.choice(["a", "b"], n), "score": x + rng.normal(size=n),
                         "y": (x + rng.normal(size=n) > 0).astype(int)})


CASES = {
    "missing column": (lambda f: f, dict(score="nope"), "score"),
    "missing feature": (lambda f: f, dict(features=("x", "zzz")), "features"),
    "text score": (lambda f: f.assign(score=["high"] * len(f)), {}, "score"),
    "constant score": (lambda f: f.assign(score=1.0), {}, "score"),
    "three outcomes": (lambda f: f.assign(y=np.arange(len(f)) % 3), {}, "outcome"),
    "all-missing outcome": (lambda f: f.assign(y=np.nan), {}, "outcome"),
    "too few rows": (lambda f: f.head(30), {}, "data"),
    "too few positives": (lambda f: f.assign(y=(np.arange(len(f)) < 5).astype(int)), {}, "outcome"),
    "unknown positive": (lambda f: f, dict(positive="maybe"), "positive"),
    "labels without positive": (lambda f: f.assign(y=np.where(f.y == 1, "re", "no")), {}, "positive"),
    "duplicate columns": (lambda f: f.set_axis(["x", "x", "score", "y"], axis=1), {}, "data"),
    "none needs probabilities": (lambda f: f, dict(calibration="none"), "calibration"),
    "score is the outcome": (lambda f: f, dict(score="y"), "outcome"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_names_the_field(case):
    change, over, field = CASES[case]
    frame = change(_frame())
    spec = AuditSpec(**{"score": "score", "outcome": "y", "features": ("x", "c"), **over})
    problems = [p for p in check_table(frame, spec) if p.severity == "error"]
    assert problems and problems[0].field == field
    with pytest.raises(InputError) as info:
        require_valid(frame, spec)
    assert info.value.field == field and info.value.fix


def test_feature_identical_to_outcome_warns():
    frame = _frame().assign(leak=lambda f: f.y)
    spec = AuditSpec("score", "y", features=("x", "leak"))
    problems = check_table(frame, spec)
    assert [p.field for p in problems] == ["features"] and problems[0].severity == "warning"
    with pytest.warns(InputWarning, match="leak"):
        require_valid(frame, spec)


@pytest.mark.parametrize("outcome,positive,leak", [
    ("y", None, lambda f: f.y.astype(bool)),  # booleans repeating 0/1
    ("y", None, lambda f: f.y.astype(str)),  # "0"/"1" text
    ("label", "re", lambda f: f.label.astype("string")),  # the same labels
    ("label", "re", lambda f: np.where(f.y == 1, "re", "other")),  # the positive label marks the 1s
])
def test_feature_repeating_the_outcome_in_another_form_warns(outcome, positive, leak):
    frame = _frame().assign(label=lambda f: np.where(f.y == 1, "re", "no"))
    frame["leak"] = leak(frame)
    problems = check_table(frame, AuditSpec("score", outcome, positive=positive, features=("x", "leak")))
    assert [(p.field, p.severity) for p in problems] == [("features", "warning")] and "leak" in problems[0].problem


def test_two_valued_feature_that_is_not_the_outcome_passes():
    frame = _frame()
    frame["other"] = np.where(np.arange(len(frame)) % 2 == 0, "a", "b")
    assert check_table(frame, AuditSpec("score", "y", features=("x", "other"))) == []


def test_clean_table_has_no_problems():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_table(_frame(), AuditSpec("score", "y", features=("x", "c"))) == []


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("content,args", [
    (b"", []),
    ("x,score,y\n1,0.5,\u00e9\n".encode("latin-1"), []),
    (b"x,x,score,y\n1,2,0.5,1\n", []),
    (None, ["--score", "missing_col"]),
    (None, ["--outcome", "x"]),
])
def test_cli_exit_code_2_and_nothing_written(tmp_path, capsys, content, args):
    if content is None:
        frame = _frame()
        buf = io.StringIO()
        frame.to_csv(buf, index=False)
        content = buf.getvalue().encode()
    path = _write(tmp_path, "t.csv", content)
    argv = ["audit", "--data", str(path), "--score", "score", "--outcome", "y", "--out", str(tmp_path / "out"), *args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "fix:" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def _mini_compas(n=300, seed=0) -> bytes:
    """A generated file with the ProPublica columns, including the repeated names."""
    rng = np.random.default_rng(seed)
    header = ["id", "sex", "age", "race", "juv_fel_count", "decile_score", "juv_misd_count", "juv_other_count",
              "priors_count", "days_b_screening_arrest", "c_jail_in", "c_jail_out", "c_charge_degree", "is_recid",
              "decile_score", "score_text", "priors_count", "two_year_recid"]
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    for i in range(n):
        dec, pri = int(rng.integers(1, 11)), int(rng.poisson(2))
        stay = int(rng.integers(0, 30))
        w.writerow([i, rng.choice(["Male", "Female"]), int(rng.integers(18, 70)),
                    rng.choice(["African-American", "Caucasian", "Hispanic"]), int(rng.poisson(0.1)), dec,
                    int(rng.poisson(0.1)), int(rng.poisson(0.1)), pri, int(rng.integers(-40, 40)),
                    f"2013-01-{1 + stay % 28:02d} 10:00:00", f"2013-02-{1 + stay % 28:02d} 10:00:00",
                    rng.choice(["F", "M", "O"], p=[0.6, 0.35, 0.05]), int(rng.choice([0, 1, -1], p=[.5, .45, .05])),
                    dec, "Low" if dec < 5 else "High", pri, int(rng.random() < dec / 12)])
    return out.getvalue().encode()


def test_generated_compas_file_loads_with_its_repeated_columns(tmp_path):
    path = _write(tmp_path, "compas-scores-two-years.csv", _mini_compas())
    ds = load_dataset("compas", source=path)
    assert list(ds.frame.columns).count("decile_score") == 1
    assert ds.frame["days_b_screening_arrest"].between(-30, 30).all()
    assert (ds.frame["c_charge_degree"] != "O").all() and (ds.frame["is_recid"] != -1).all()
    assert "length_of_stay" in ds.frame and set(COMPAS_FEATURES) <= set(ds.frame.columns)


def test_cli_writes_the_three_files(tmp_path, capsys):
    path = _write(tmp_path, "compas-scores-two-years.csv", _mini_compas(n=600))
    out = tmp_path / "out"
    code = main(["audit", "--dataset", "compas", "--source", str(path), "--preset", "fast", "--bags", "3",
                 "--protected-only", "--calibration", "spline", "--interactions", "1", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "report.html", "shapes.csv"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["settings"]["outer_bags"] == 3 and metrics["settings"]["protected_as_features"] is False
    assert not {"race", "sex"} & set(metrics["data"]["features"]) and metrics["settings"]["data_seed"] is None
    html = (out / "report.html").read_text()
    assert "Data sha256" in html and "How the intervals are made" in html and "<script src=" not in html


def test_shared_compas_file_matches_propublica_counts():
    path = shared_file("compas", "compas-scores-two-years.csv")
    frame = compas_frame(path.read_bytes())
    assert len(frame) == 6172 and int(frame["two_year_recid"].sum()) == 2809


def test_cli_data_seed_is_separate_from_the_audit_seed(tmp_path, monkeypatch):
    import core.audit.pipeline as pipeline

    seen = {}

    def stop(frame, spec, **kw):  # capture what would be audited, then stop before fitting
        seen.update(frame=frame, spec=spec)
        raise InputError("stopped by the test", "none")

    monkeypatch.setattr(pipeline, "run_audit", stop)
    assert main(["audit", "--dataset", "synthetic-clean", "--seed", "3", "--out", str(tmp_path / "o")]) == 2
    assert seen["spec"].random_state == 3 and seen["spec"].data_seed == 0
    pd.testing.assert_frame_equal(seen["frame"], load_dataset("synthetic-clean", random_state=0).frame)
    assert main(["audit", "--dataset", "synthetic-clean", "--data-seed", "2", "--out", str(tmp_path / "o")]) == 2
    assert seen["spec"].random_state == 0 and seen["spec"].data_seed == 2
    assert not seen["frame"].equals(load_dataset("synthetic-clean", random_state=0).frame)


def test_settle_mapping_returns_a_consistent_copy_and_leaves_the_input_alone():
    from core.audit.validate import settle_mapping

    m = {"score": "s", "outcome": "y", "positive": None, "features": ["a", "s", "g"], "protected": ["g", "y"],
         "protected_as_features": True}
    before = {k: list(v) if isinstance(v, list) else v for k, v in m.items()}
    out = settle_mapping(m, {"score": "a", "unknown": 1})
    assert m == before and out is not m and "unknown" not in out
    assert out["score"] == "a" and out["protected"] == ["g"] and out["features"] == ["s", "g"]
    off = settle_mapping(out, {"protected_as_features": False})
    assert off["features"] == ["s"] and off["protected"] == ["g"]
