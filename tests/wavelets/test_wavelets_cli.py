"""The wavelets command line, uploads and bad input."""

import io
import json

import numpy as np
import pandas as pd
import pytest
import pywt

from core.cli import main
from core.errors import InputError
from core.wavelets.datasets import DATASETS, load_signals, read_signals

FAST = ["--n", "200", "--teacher-epochs", "2", "--epochs", "1", "--top-k", "3"]


@pytest.mark.filterwarnings("ignore:Level value")
def test_cli_writes_four_files_and_filters_load_in_pywt(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["wavelets", "--dataset", "simulation", *FAST, "--teacher-hidden", "8", "--data-seed", "3",
                 "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["features.csv", "filters.json", "metrics.json", "report.html"]
    bank = json.loads((out / "filters.json").read_text())
    w = pywt.Wavelet("awd", filter_bank=(bank["dec_lo"], bank["dec_hi"], bank["rec_lo"], bank["rec_hi"]))
    x = np.random.default_rng(0).normal(size=64)
    rec = pywt.waverec(pywt.wavedec(x, w, mode="zero", level=4), w, mode="zero")[:64]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["schema"] == "wavelet-metrics/1"
    assert np.max(np.abs(rec - x)) <= 10 * metrics["awd"]["validity"]["pr_error"] * np.max(np.abs(x)) + 1e-9
    features = pd.read_csv(out / "features.csv")
    assert len(features) == 200 and "cD3_top1" in features.columns
    assert metrics["settings"]["teacher_hidden"] == 8 and metrics["settings"]["seed"] == 0
    np.testing.assert_allclose(features["y"], load_signals("simulation", n=200, random_state=3).y)  # --data-seed
    assert "<script" in (out / "report.html").read_text()[:100000]


def _csv(rows, header):
    return (",".join(header) + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n").encode()


def _upload_cases():
    rng = np.random.default_rng(0)
    header = [f"t{i}" for i in range(16)] + ["target"]
    good = [list(np.round(rng.normal(size=16), 3)) + [float(i % 7)] for i in range(30)]
    ragged = [r[:] for r in good]
    ragged[4] = ragged[4] + [1.0, 2.0]
    all_nan = [r[:] for r in good]
    all_nan[3] = [""] * 16 + [1.0]
    text_target = [r[:-1] + ["high" if i % 2 else "low"] for i, r in enumerate(good)]
    return {
        "ragged": (_csv(ragged, header), "ragged rows"),
        "all_nan": (_csv(all_nan, header), "no numeric values"),
        "text_target": (_csv(text_target, header), "not numeric"),
    }


@pytest.mark.parametrize("case", ["ragged", "all_nan", "text_target"])
def test_bad_uploads_exit_2_and_write_nothing(tmp_path, capsys, case):
    data, message = _upload_cases()[case]
    path = tmp_path / "signals.csv"
    path.write_bytes(data)
    out = tmp_path / "out"
    assert main(["wavelets", "--data", str(path), "--target", "target", *FAST, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "fix:" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("args,message", [
    (["--levels", "9"], "at most 6 fit"),
    (["--wavelet", "nope5"], "not a wavelet"),
    (["--gamma", "-1"], "gamma = -1.0 is not allowed"),
    (["--teacher-hidden", "0"], "teacher_hidden = 0 is not allowed"),
])
def test_bad_settings_exit_2(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    assert main(["wavelets", "--dataset", "simulation", *FAST, *args, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_read_signals_resamples_nan_padded_rows_and_npz():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(25, 40))
    X[::2, 30:] = np.nan  # every other signal is shorter
    buf = io.BytesIO()
    np.savez(buf, X=X, y=rng.normal(size=25))
    data = read_signals(buf.getvalue(), "s.npz", length=32)
    assert data.X.shape == (25, 32) and np.all(np.isfinite(data.X)) and data.task == "regression"
    assert any("resampled" in n for n in data.notes)
    np.testing.assert_allclose(data.X[1, [0, -1]], X[1, [0, 39]])  # resampling keeps the end points


def test_read_signals_csv_classification_and_errors():
    rng = np.random.default_rng(2)
    header = [f"t{i}" for i in range(8)] + ["label"]
    rows = [list(rng.normal(size=8)) + [i % 2] for i in range(30)]
    data = read_signals(_csv(rows, header), "s.csv", target="label")
    assert data.task == "classification" and data.X.shape == (30, 8)
    with pytest.raises(InputError, match="no column"):
        read_signals(_csv(rows, header), "s.csv", target="missing")
    with pytest.raises(InputError, match="'X' and 'y'"):
        buf = io.BytesIO()
        np.savez(buf, A=np.zeros((3, 3)))
        read_signals(buf.getvalue(), "bad.npz")


def test_gamma_without_teacher_is_bad_input():
    from core.wavelets.distiller import AdaptiveWaveletDistiller

    with pytest.raises(InputError, match="fix|teacher"):
        AdaptiveWaveletDistiller(gamma=0.1).fit(np.zeros((30, 32)))


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_builtin_datasets(name):
    data = load_signals(name, n=40, random_state=0)
    assert data.X.shape == (40, DATASETS[name].length) and data.task == DATASETS[name].task
    assert np.all(np.isfinite(data.X)) and data.to_dict()["n_signals"] == 40
    with pytest.raises(InputError):
        load_signals("no-such-data")
