"""Hostile and careless input (issue 11), as a battery: every case exits 2 with a fix, no traceback, no output.

Each command-line case runs ``python -m core`` in-process with an ``--out`` folder
that already holds a previous run's set (plus a file of the user's) and asserts
the exit code, a key word of the message, that no traceback was printed, and that
the folder is byte-for-byte unchanged. Further tests cover spreadsheet-formula and
line-break injection in the CSV outputs, markdown escaping of names, the
reproduce-this-run command with hostile names, replacing outputs as a set, and
degenerate residuals in the report.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import shlex
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import core.io
from core.cli import build_parser, main
from core.errors import InputError
from core.io import atomic_output_dir, check_output_dir, neutralise_formulas, read_columns, read_table

HOSTILE_NAMES = {
    "script": "<script>alert(1)</script>",
    "img": '"><img src=x onerror=alert(1)>',
    "md-image": "![x](http://127.0.0.1:1/x.png)",
    "formula": "=cmd|' /C calc'!A0",
    "cr-formula": "ok\r=1+1",
    "proto": "__proto__",
    "long": "n" * 3000,
    "rtl": "\u05e9\u05dc\u05d5\u05dd \u202eevil\u202c \u0645\u0631\u062d\u0628\u0627",
    "nul": "nu\x00l",
}
RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")
OLD_SET = {"report.html": b"old report", "shapes.csv": b"old shapes", "metrics.json": b"{}",
           "filters.json": b"{}", "features.csv": b"old features", "notes.txt": b"the user's own file"}


# -- helpers -----------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


def _old_output(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    for name, data in OLD_SET.items():
        (out / name).write_bytes(data)
    return out


def _run(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refuses malformed flags with exit 2 itself
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def _audit_frame(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "c": rng.choice(["a", "b"], n), "score": x + rng.normal(size=n),
                         "y": (x + rng.normal(size=n) > 0).astype(int)})


def _csv_bytes(frame: pd.DataFrame, **kwargs) -> bytes:
    return frame.to_csv(index=False, **kwargs).encode()


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def _signals(n: int = 30, length: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, length)), rng.normal(size=n)


def _signal_csv(X, y, header=None) -> bytes:
    frame = pd.DataFrame(X, columns=header or [f"t{i}" for i in range(X.shape[1])])
    frame["target"] = y
    return _csv_bytes(frame)


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _npz_declaring(shape, dtype="<f8", zeros_bytes: int = 0) -> bytes:
    """An .npz whose X.npy header declares ``shape``; only ``zeros_bytes`` of (compressed) zeros follow."""
    header = {"descr": dtype, "fortran_order": False, "shape": tuple(shape)}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("X.npy", "w", force_zip64=True) as fh:
            np.lib.format.write_array_header_1_0(fh, header)
            chunk = bytes(1 << 20)
            for _ in range(zeros_bytes >> 20):
                fh.write(chunk)
        with zf.open("y.npy", "w") as fh:
            np.lib.format.write_array(fh, np.zeros(int(shape[0])))
    return buf.getvalue()


# -- the command-line battery --------------------------------------------------------

def _with_score(values):
    return lambda f: f.assign(score=values(len(f)))


AUDIT_DATA_CASES = {
    # name: (file name, bytes builder, extra flags, key word of the message)
    "score +inf": ("t.csv", lambda: _csv_bytes(_audit_frame().assign(score=lambda f: f.score.where(f.index != 3, np.inf))),
                   [], "infinite"),
    "score -inf": ("t.csv", lambda: _csv_bytes(_audit_frame().assign(score=lambda f: f.score.where(f.index != 5, -np.inf))),
                   [], "infinite"),
    "feature inf": ("t.csv", lambda: _csv_bytes(_audit_frame().assign(x=lambda f: f.x.where(f.index != 7, np.inf))),
                    [], "infinite"),
    "parquet list column": ("t.parquet", lambda: _parquet_bytes(_audit_frame().assign(lst=lambda f: [[1, 2]] * len(f))),
                            [], "lists or records"),
    "parquet struct column": ("t.parquet", lambda: _parquet_bytes(
        _audit_frame().assign(rec=lambda f: [{"a": 1}] * len(f))), [], "lists or records"),
    "date as score": ("t.parquet", lambda: _parquet_bytes(_audit_frame().assign(
        score=lambda f: pd.date_range("2020-01-01", periods=len(f), freq="D"))), [], "dates"),
    "text score": ("t.csv", lambda: _csv_bytes(_audit_frame().assign(score="high")), [], "not numeric"),
    "empty file": ("t.csv", lambda: b"", [], "empty"),
    "not utf-8": ("t.csv", lambda: "x,score,y\n1,0.5,\u00e9\n".encode("latin-1"), [], "UTF-8"),
    "not parquet": ("t.parquet", lambda: b"PAR1 this is not parquet", [], "Parquet"),
    "csv over the cell budget": ("t.csv", lambda: b"a,score,y\n" + b"1,2,3\n" * 40, ["--features", "a"],
                                 "cells"),
    "parquet over the cell budget": ("t.parquet", lambda: _parquet_bytes(pd.DataFrame(
        {"a": np.zeros(40, int), "score": np.arange(40.0), "y": np.arange(40) % 2})), [], "cells"),
    "missing feature with a hostile name": ("t.csv", lambda: _csv_bytes(_audit_frame()),
                                            ["--features", "x,<script>alert(1)</script>"], "no column"),
    "seed -1": ("t.csv", lambda: _csv_bytes(_audit_frame()), ["--seed", "-1"], "--seed"),
    "seed above 2**32": ("t.csv", lambda: _csv_bytes(_audit_frame()), ["--seed", str(2**40)], "--seed"),
    "seed not a number": ("t.csv", lambda: _csv_bytes(_audit_frame()), ["--seed", "abc"], "whole number"),
    "bags 100000": ("t.csv", lambda: _csv_bytes(_audit_frame()), ["--bags", "100000"], "--bags"),
    "bags 1": ("t.csv", lambda: _csv_bytes(_audit_frame()), ["--bags", "1"], "--bags"),
    "interactions 1000": ("t.csv", lambda: _csv_bytes(_audit_frame()), ["--interactions", "1000"], "--interactions"),
    "data-seed -5": ("t.csv", lambda: _csv_bytes(_audit_frame()), ["--data-seed", "-5"], "--data-seed"),
}
# smaller budget for the two "over the cell budget" cases, so the test needs no big file
SMALL_BUDGET = {"csv over the cell budget": 100, "parquet over the cell budget": 100}


@pytest.mark.parametrize("case", sorted(AUDIT_DATA_CASES))
def test_audit_bad_input_exit_2(tmp_path, capsys, monkeypatch, case):
    filename, build, flags, word = AUDIT_DATA_CASES[case]
    if case in SMALL_BUDGET:
        monkeypatch.setattr(core.io, "MAX_CELLS", SMALL_BUDGET[case])
    path = tmp_path / filename
    path.write_bytes(build())
    out = _old_output(tmp_path)
    before = _snapshot(out)
    code, err = _run(["audit", "--data", str(path), "--score", "score", "--outcome", "y", *flags,
                      "--preset", "fast", "--out", str(out)], capsys)
    assert code == 2, err
    assert word.lower() in err.lower(), err
    assert "Traceback" not in err
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([filename, "out"])  # no partial folder left


def _prepare_out(kind: str, tmp_path: Path, monkeypatch) -> tuple[str, callable]:
    """An --out value and a check that nothing was written."""
    if kind == "existing file":
        target = tmp_path / "a-file"
        target.write_text("keep me")
        return str(target), lambda: target.read_text() == "keep me"
    if kind == "empty string":
        cwd = tmp_path / "cwd"
        cwd.mkdir()
        monkeypatch.chdir(cwd)
        return "", lambda: not any(cwd.iterdir())
    if kind == "current folder":
        cwd = tmp_path / "cwd"
        cwd.mkdir()
        (cwd / "mine.txt").write_text("x")
        monkeypatch.chdir(cwd)
        return ".", lambda: sorted(p.name for p in cwd.iterdir()) == ["mine.txt"]
    if kind in ("/proc/x", "/sys/x", "/dev/x"):
        return kind + "-distill-test", lambda: not Path(kind + "-distill-test").exists()
    if kind == "full disk":
        out = _old_output(tmp_path)
        before = _snapshot(out)

        def full(*args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(core.io.tempfile, "TemporaryFile", full)
        return str(out), lambda: _snapshot(out) == before
    if kind == "read-only parent":
        parent = tmp_path / "ro"
        parent.mkdir()
        parent.chmod(0o500)
        real = core.io.os.access  # root ignores chmod, so deny access to this folder only
        monkeypatch.setattr(core.io.os, "access",
                            lambda p, mode, **k: False if str(p).startswith(str(parent)) else real(p, mode, **k))
        return str(parent / "out"), lambda: not (parent / "out").exists()
    raise ValueError(kind)


OUT_CASES = {"existing file": "existing file", "empty string": "empty", "current folder": "current",
             "/proc/x": "system folder", "/sys/x": "system folder", "/dev/x": "system folder",
             "full disk": "disk space", "read-only parent": "not writable"}


@pytest.mark.parametrize("workflow", ["audit", "wavelets"])
@pytest.mark.parametrize("kind", sorted(OUT_CASES))
def test_bad_out_is_refused_before_any_work(tmp_path, capsys, monkeypatch, workflow, kind):
    import core.audit.pipeline
    import core.wavelets.pipeline

    def never(*args, **kwargs):
        raise AssertionError("work started before --out was checked")

    monkeypatch.setattr(core.audit.pipeline, "run_audit", never)
    monkeypatch.setattr(core.wavelets.pipeline, "train_teacher", never)
    data = tmp_path / "t.csv"
    data.write_bytes(_csv_bytes(_audit_frame()))
    out, unchanged = _prepare_out(kind, tmp_path, monkeypatch)
    if workflow == "audit":
        argv = ["audit", "--data", str(data), "--score", "score", "--outcome", "y", "--out", out]
    else:
        argv = ["wavelets", "--dataset", "simulation", "--n", "40", "--out", out]
    code, err = _run(argv, capsys)
    assert code == 2, err
    assert OUT_CASES[kind] in err.lower() and "fix:" in err and "Traceback" not in err
    assert unchanged()


FAST = ["--n", "60", "--teacher-epochs", "1", "--epochs", "1", "--top-k", "2"]

WAVELET_FLAG_CASES = {
    "teacher-epochs 0": (["--teacher-epochs", "0"], "teacher_epochs = 0"),
    "teacher-epochs -3": (["--teacher-epochs", "-3"], "teacher_epochs = -3"),
    "epochs 0": (["--epochs", "0"], "epochs = 0"),
    "lr 0": (["--lr", "0"], "lr = 0"),
    "lr nan": (["--lr", "nan"], "lr = nan"),
    "lam -1": (["--lam", "-1"], "lam = -1"),
    "lam inf": (["--lam", "inf"], "lam = inf"),
    "gamma -1": (["--gamma", "-1"], "gamma = -1"),
    "device nonsense": (["--device", "nonsense"], "device"),
    "device tpu": (["--device", "xla"], "device"),
    "wavelet coif17": (["--wavelet", "coif17"], "taps"),
    "wavelet haar in the lattice": (["--wavelet", "haar"], "penalty"),
    "wavelet biorthogonal": (["--wavelet", "bior2.2"], "biorthogonal"),
    "wavelet unknown": (["--wavelet", "=cmd|' /C calc'!A0"], "not a wavelet"),
    "levels 99": (["--levels", "99"], "levels"),
    "levels 0": (["--levels", "0"], "levels"),
    "top-k 0": (["--top-k", "0"], "top_k = 0"),
    "teacher-hidden 0": (["--teacher-hidden", "0"], "teacher_hidden = 0"),
    "n 5": (["--n", "5"], "too few"),
    "n 10**9": (["--n", str(10**9)], "at most"),
    "data-seed -1": (["--data-seed", "-1"], "data-seed"),
    "length 2000000000": (["--length", "2000000000"], "--length"),
}


@pytest.mark.parametrize("case", sorted(WAVELET_FLAG_CASES))
def test_wavelet_bad_settings_exit_2_before_any_work(tmp_path, capsys, monkeypatch, case):
    import core.wavelets.datasets
    import core.wavelets.pipeline

    def never(*args, **kwargs):
        raise AssertionError("a teacher was trained before the settings were checked")

    monkeypatch.setattr(core.wavelets.pipeline, "train_teacher", never)
    flags, word = WAVELET_FLAG_CASES[case]
    out = _old_output(tmp_path)
    before = _snapshot(out)
    code, err = _run(["wavelets", "--dataset", "simulation", *FAST, *flags, "--out", str(out)], capsys)
    assert code == 2, err
    assert word.lower() in err.lower(), err
    assert "Traceback" not in err and _snapshot(out) == before


def test_wavelet_cuda_on_a_cpu_build(tmp_path, capsys, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    out = _old_output(tmp_path)
    before = _snapshot(out)
    code, err = _run(["wavelets", "--dataset", "simulation", *FAST, "--device", "cuda", "--out", str(out)], capsys)
    assert code == 2 and "no usable GPU" in err and "Traceback" not in err and _snapshot(out) == before


def _complex_npz():
    X, y = _signals()
    return _npz(X=X + 1j * X, y=y)


def _object_npz():
    buf = io.BytesIO()
    X = np.empty(30, dtype=object)
    for i in range(30):
        X[i] = np.zeros(5 + i)
    np.savez(buf, X=X, y=np.zeros(30))
    return buf.getvalue()


WAVELET_DATA_CASES = {
    "inf in the target": ("s.csv", lambda: _signal_csv(_signals()[0], np.where(np.arange(30) == 2, np.inf, 1.0 * (np.arange(30) % 3))),
                          "infinite"),
    "target x 1e305": ("s.csv", lambda: _signal_csv(_signals()[0], _signals()[1] * 1e305), "rescale"),
    "signals x 1e300": ("s.csv", lambda: _signal_csv(_signals()[0] * 1e300, _signals()[1]), "rescale"),
    "inf in the signals": ("s.csv", lambda: _signal_csv(np.where(np.eye(30, 16) > 0, np.inf, _signals()[0]),
                                                        _signals()[1]), "infinite value"),
    "text signal column": ("s.csv", lambda: _csv_bytes(pd.DataFrame(_signals()[0]).add_prefix("t").assign(
        note="hello", target=_signals()[1])), "column 'note': 'hello'"),
    "complex X": ("s.npz", _complex_npz, "complex"),
    "object X (pickled)": ("s.npz", _object_npz, "pickled"),
    "plain text as .npz": ("s.npz", lambda: b"hello, I am just text\n" * 10, "not a .npz"),
    ".npz bomb": ("s.npz", lambda: _npz_declaring((200_000, 10_000), zeros_bytes=1 << 20), "declares shape"),
    "1 x 100,000 CSV": ("s.csv", lambda: _signal_csv(np.zeros((1, 100_000)), [1.0]), "signal row"),
    "too many values": ("s.csv", lambda: (",".join(f"t{i}" for i in range(1_000_001)) + "\n"
                                          + "0,\n" * 25).encode(), "values"),
    "signals longer than the cap": ("s.npz", lambda: _npz(X=np.zeros((25, 70_000), np.float32), y=np.arange(25.0)),
                                    "samples long"),
    "resampled beyond the budget": ("s.csv", lambda: _signal_csv(*_signals(200, 8)), "values",
                                    ["--length", "60000"]),
    "no X in the npz": ("s.npz", lambda: _npz(A=np.zeros((3, 3))), "'X' and 'y'"),
    "semicolon file without target": ("s.csv", lambda: b"a;b\n" + b"1;2\n" * 30, "target"),
}


@pytest.mark.parametrize("case", sorted(WAVELET_DATA_CASES))
def test_wavelet_bad_data_exit_2(tmp_path, capsys, case):
    filename, build, word, *flags = WAVELET_DATA_CASES[case]
    path = tmp_path / filename
    path.write_bytes(build())
    out = _old_output(tmp_path)
    before = _snapshot(out)
    code, err = _run(["wavelets", "--data", str(path), *FAST[2:], *(flags[0] if flags else []), "--out", str(out)],
                     capsys)
    assert code == 2, err
    assert word.lower() in err.lower(), err
    assert "Traceback" not in err and _snapshot(out) == before
    assert "missing" not in err.lower() or case not in ("inf in the signals",)  # inf is not called "missing"


def test_length_cap_in_the_app_matches_core():
    from core.wavelets.datasets import MAX_LENGTH

    source = Path(__file__).resolve().parents[1].joinpath("pages", "wavelet_signals.py").read_text()
    assert "MAX_LENGTH" in source and "100_000" not in source
    assert MAX_LENGTH <= 65_536


# -- spreadsheet formulas and line breaks ------------------------------------------------


def _cells(text: str) -> list[list[str]]:
    """Read CSV text as a spreadsheet would: Python's csv module under universal newlines."""
    return list(csv.reader(io.StringIO(text, newline=None)))


def _assert_safe(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            try:
                float(cell)
                continue  # a number is not a formula
            except ValueError:
                pass
            assert not cell.startswith(RISKY_STARTS), (cell[:40], row[:3])
            assert "\x00" not in cell


@pytest.mark.parametrize("name", sorted(HOSTILE_NAMES))
def test_csv_cells_and_names_cannot_start_formulas_or_rows(name):
    value = HOSTILE_NAMES[name]
    frame = pd.DataFrame({value: [value, "plain", -1.5], "term": [value, value + "\n=2+2", "x"],
                          "n": [1, 2, 3]})
    text = neutralise_formulas(frame).to_csv(index=False)
    rows = _cells(text)
    assert len(rows) == 4 and all(len(r) == 3 for r in rows)  # nothing split a row
    _assert_safe(rows)


def test_carriage_return_formula_does_not_start_a_row():
    frame = pd.DataFrame({"value": ["ok\r=cmd|' /C calc'!A0", "a\r\n@SUM(1)", "b\n+1", "\t=1", " =1"]})
    rows = _cells(neutralise_formulas(frame).to_csv(index=False))
    assert len(rows) == 6
    _assert_safe(rows)
    assert rows[4] == ["'\t=1"] or rows[4][0].startswith("'")


def test_features_csv_target_name_is_neutralised():
    from core.wavelets.report import features_csv

    result = SimpleNamespace(features=np.zeros((2, 1)), feature_names=("cA4_top1",),
                             teacher_prediction=np.zeros(2), y=np.zeros(2), split=np.array(["train", "test"]),
                             dataset={"target_name": "ok\r=1+1"})
    rows = _cells(features_csv(result))
    assert len(rows) == 3
    _assert_safe(rows)


# -- markdown in the app ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(HOSTILE_NAMES))
def test_markdown_helper_leaves_no_live_markup(name):
    from ui.markup import md

    text = md(HOSTILE_NAMES[name])
    assert "\n" not in text and "\r" not in text and "\x00" not in text
    assert "://" not in text.replace("\\", "")  # a bare address would still become a link
    assert len(text) <= 2 * 200
    for i, ch in enumerate(text):  # every markdown-active character is escaped
        if ch in "[]<>!`*_:$|":
            assert i > 0 and text[i - 1] == "\\", (name, text[max(0, i - 5): i + 5])


def test_no_inline_material_icons_in_markdown_text():
    """Streamlit draws ``:material/...:`` inside markdown text from fonts.gstatic.com: a request off this host.

    ``icon=`` arguments use the bundled font and stay local.
    """
    import re

    root = Path(__file__).resolve().parents[1]
    inline = re.compile(r"st\.(markdown|header|subheader|title|caption|write|success|error|warning|info)\(\s*f?[\"']"
                        r"[^\"']*:material/")
    for path in [*root.joinpath("pages").glob("*.py"), *root.joinpath("ui").glob("*.py"), root / "app.py"]:
        assert not inline.search(path.read_text()), f"{path.name} puts a material icon inside markdown text"


def test_every_page_escapes_user_names():
    """Names from files reach markdown only through ui.markup.md (a static check of the call sites)."""
    root = Path(__file__).resolve().parents[1]
    bold = ["source.label", "previous.label", "spec.score", "spec.outcome", "result.spec.score",
            "result.spec.outcome", "term.name", "group", "p.problem", "err.problem", "error.problem",
            "errors[0].problem", "problem", "', '.join(flagged)"]
    risky = [f"**{{{b}}}" for b in bold] + ["{p.fix}", "{err.fix}", "{error.fix}", "on: {', '.join(flagged)}",
                                             "about {name}.**", "{term.name} differs", "Signals:** {source",
                                             "st.markdown(data.description)", "metric(\"Target\", data.target_name)",
                                             "markdown=True"]  # core's markdown sentences do not escape names
    for path in [*root.joinpath("pages").glob("*.py"), *root.joinpath("ui").glob("*.py")]:
        source = path.read_text()
        for pattern in risky:
            assert pattern not in source, f"{path.name} formats {pattern} into markdown without ui.markup.md"


# -- reproduce this run ------------------------------------------------------------------


def test_names_round_trip_through_the_printed_command():
    from core.audit.cli import join_names, split_names

    names = [n for n in HOSTILE_NAMES.values()] + ["a,b", "back\\slash", "trailing\\", "-dash"]
    names = [n.strip() for n in names]
    assert split_names(join_names(names)) == tuple(names)
    argv = shlex.split(f"audit --data t.csv --score=-dash --outcome y --features={shlex.quote(join_names(names))} "
                       "--features=extra --out o")
    args = build_parser().parse_args(argv)
    assert tuple(args.features) == (*names, "extra") and args.score == "-dash"


def test_app_command_round_trips_hostile_names():
    from core.audit.spec import AuditSpec
    from ui.audit.source import UPLOAD, Source
    from ui.audit.state import cli_command

    names = tuple(n for k, n in HOSTILE_NAMES.items() if k != "nul")  # argv cannot carry NUL
    spec = AuditSpec(score="-score,1", outcome="y\nz", features=names + ("a,b",), protected=(names[0],))
    command = cli_command(Source(choice=UPLOAD, label="f", sha256="0" * 64, filename="-t.csv"), spec)
    args = build_parser().parse_args(shlex.split(command)[3:])
    assert tuple(args.features) == spec.features and tuple(args.protected) == spec.protected
    assert args.score == spec.score and args.outcome == spec.outcome and args.data == "./-t.csv"


def test_url_source_that_is_not_compas_is_refused(tmp_path, capsys, monkeypatch):
    import core.audit.datasets as datasets

    monkeypatch.setattr(datasets, "_download", lambda url: b"not,compas\n1,2\n")
    code, err = _run(["audit", "--dataset", "compas", "--source", "http://127.0.0.1:1/c.csv",
                      "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "Traceback" not in err  # the bytes are not COMPAS: refused with a fix


# -- reading ------------------------------------------------------------------------------


def test_semicolon_csv_is_detected():
    frame = read_table(b"x;score;y\n1;0.5;1\n2;0.7;0\n", "t.csv")
    assert list(frame.columns) == ["x", "score", "y"] and len(frame) == 2
    assert read_columns(b"x;score;y\n1;0.5;1\n", "t.csv") == ["x", "score", "y"]


def test_columns_are_read_without_the_rows(monkeypatch):
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: (_ for _ in ()).throw(AssertionError("parsed the rows")))
    assert read_columns(b"a,b,target\n1,2,3\n", "t.csv") == ["a", "b", "target"]
    monkeypatch.undo()
    data = _parquet_bytes(pd.DataFrame({"a": [1], "target": [2.0]}))
    monkeypatch.setattr(pd, "read_parquet", lambda *a, **k: (_ for _ in ()).throw(AssertionError("read the rows")))
    assert read_columns(data, "t.parquet") == ["a", "target"]


def test_names_with_newlines_read_cleanly_in_report_tables():
    from core.audit.report import _setting_text

    assert _setting_text(("a\nb", "c")) == "a b, c" and "\\n" not in _setting_text(("x\ny",))


# -- outputs replaced as a set ---------------------------------------------------------------


def _write_set(out: Path, version: str, fail_after: int | None = None) -> None:
    with atomic_output_dir(out) as tmp:
        for i, name in enumerate(("metrics.json", "shapes.csv", "report.html")):
            if fail_after is not None and i == fail_after:
                raise RuntimeError("disk went away")
            (tmp / name).write_text(version)


def test_set_is_replaced_whole_even_over_a_folder_named_like_an_output(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").mkdir()  # the case that left a new metrics.json beside an old shapes.csv
    (out / "report.html" / "x").write_text("old")
    (out / "metrics.json").write_text("old")
    (out / "shapes.csv").write_text("old")
    (out / "notes.txt").write_text("mine")
    _write_set(out, "new")
    assert {p.name: (p.read_text() if p.is_file() else "dir") for p in out.iterdir()} == {
        "metrics.json": "new", "shapes.csv": "new", "report.html": "new", "notes.txt": "mine"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("fail_after", [0, 1, 2])
def test_failure_while_writing_leaves_the_old_set(tmp_path, fail_after):
    out = tmp_path / "out"
    _write_set(out, "old")
    (out / "notes.txt").write_text("mine")
    before = _snapshot(out)
    with pytest.raises(RuntimeError):
        _write_set(out, "new", fail_after=fail_after)
    assert _snapshot(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_failure_during_the_swap_leaves_the_old_set(tmp_path, monkeypatch):
    out = tmp_path / "out"
    _write_set(out, "old")
    (out / "notes.txt").write_text("mine")
    before = _snapshot(out)
    monkeypatch.setattr(core.io, "_exchange", lambda a, b: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    with pytest.raises(InputError, match="unchanged"):
        _write_set(out, "new")
    assert _snapshot(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_swap_without_renameat2_still_replaces_the_set(tmp_path, monkeypatch):
    out = tmp_path / "out"
    _write_set(out, "old")
    monkeypatch.setattr(core.io, "_exchange", lambda a, b: False)
    _write_set(out, "new")
    assert {p.name: p.read_text() for p in out.iterdir()} == dict.fromkeys(
        ("metrics.json", "shapes.csv", "report.html"), "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_check_output_dir_accepts_new_and_existing_folders(tmp_path):
    assert check_output_dir(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()  # checking creates nothing
    _write_set(tmp_path / "o", "x")
    assert check_output_dir(tmp_path / "o") == tmp_path / "o"


# -- the report with degenerate residuals -------------------------------------------------------


@pytest.mark.parametrize("kind", ["zero", "constant", "nan", "tiny", "two rows"])
def test_residual_plot_survives_degenerate_residuals(kind):
    from core.audit.missing import missing_feature_test
    from core.audit.plots import residual_figure

    n = 400
    x = np.random.default_rng(0).normal(size=n)
    y = {"zero": np.zeros(n), "constant": np.full(n, 0.3), "nan": np.where(np.arange(n) == 3, np.nan, x),
         "tiny": np.full(n, 1e-300), "two rows": x[:2]}[kind]
    test = missing_feature_test(x[: len(y)], y, n_bootstrap=200)
    assert test.undefined is not None and test.reading == "undefined" and not test.likely_missing
    assert "undefined" in test.verdict and "undefined" in test.get("pearson").text()
    fig = residual_figure(test)
    assert "undefined" in fig.layout.title.text


# -- a whole audit over hostile names -------------------------------------------------------------


def _hostile_table(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    values = list(HOSTILE_NAMES.values())
    return pd.DataFrame({"x": x, HOSTILE_NAMES["formula"]: rng.choice(values, n),
                         HOSTILE_NAMES["md-image"]: rng.normal(size=n), HOSTILE_NAMES["cr-formula"]: rng.normal(size=n),
                         "score": x + rng.normal(size=n), "y": (x + rng.normal(size=n) > 0).astype(int)})


@pytest.fixture(scope="module")
def hostile_audit():
    from dataclasses import replace

    from core.audit.pipeline import run_audit
    from core.audit.spec import AuditSpec

    frame = _hostile_table()
    spec = replace(AuditSpec("score", "y").with_preset("fast"), outer_bags=2, interactions=1)
    return run_audit(frame, spec)


def test_shapes_csv_of_hostile_names_is_safe(hostile_audit):
    from core.audit.report import shapes_csv

    text = shapes_csv(hostile_audit)
    rows = _cells(text)
    width = len(rows[0])
    assert all(len(r) == width for r in rows)  # no value split its row
    _assert_safe(rows)
    assert len(rows) - 1 == len(pd.read_csv(io.StringIO(text)))


def test_report_html_of_hostile_names_is_inert(hostile_audit):
    from core.audit.report import metrics_json, report_html

    page = report_html(hostile_audit)
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "\x00" not in page
    assert "&lt;script&gt;alert(1)" in page or "\\u003cscript\\u003ealert(1)" in page  # shown, escaped
    json.loads(metrics_json(hostile_audit))


def test_cli_audit_over_hostile_names_writes_a_safe_set(tmp_path, capsys):
    path = tmp_path / "hostile.parquet"
    path.write_bytes(_parquet_bytes(_hostile_table()))
    out = _old_output(tmp_path)
    code, err = _run(["audit", "--data", str(path), "--score", "score", "--outcome", "y", "--preset", "fast",
                      "--bags", "2", "--interactions", "1", "--out", str(out)], capsys)
    assert code == 0, err
    assert "Traceback" not in err and "KeyError" not in err  # no resource-tracker noise either
    names = {p.name for p in out.iterdir()}
    assert {"report.html", "shapes.csv", "metrics.json", "notes.txt"} <= names
    assert (out / "notes.txt").read_bytes() == OLD_SET["notes.txt"]  # the user's own file is kept
    _assert_safe(_cells((out / "shapes.csv").read_text()))


# -- memory: the bombs are refused from their metadata ------------------------------------------

# Extra peak memory allowed while refusing a bomb: the file's bytes plus parsing its
# footer or headers. Reading the bombs instead took 3.6 GB (Parquet) and 14.3 GB (.npz).
BOMB_BUDGET_MB = 64

_MEASURE = """
import json, resource, sys
from core.errors import InputError
from core.io import read_table
from core.wavelets.datasets import read_signals
path = sys.argv[1]
data = open(path, "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    (read_signals if path.endswith(".npz") else read_table)(data, path)
    message = None
except InputError as exc:
    message = exc.problem
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"extra_mb": (after - before) / 1024, "peak_mb": after / 1024, "message": message}))
"""


def _measure_refusal(path: Path) -> dict:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], cwd=root, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_parquet_bomb_is_refused_in_bounded_memory(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 30_000_000  # the 967 KB file of the report that took 3.6 GB to read
    path = tmp_path / "bomb.parquet"
    pq.write_table(pa.table({"a": np.zeros(rows, dtype=np.int64), "score": np.zeros(rows), "y": np.zeros(rows, np.int8)}),
                   path, compression="zstd")
    assert path.stat().st_size < 2_000_000
    found = _measure_refusal(path)
    assert found["message"] and "cells" in found["message"] and "limit" in found["message"]
    assert found["extra_mb"] < BOMB_BUDGET_MB, found


@pytest.mark.parametrize("declared_gb", [0.4, pytest.param(2.0, marks=pytest.mark.slow)])
def test_npz_bomb_is_refused_in_bounded_memory(tmp_path, declared_gb):
    cols = 12_500
    rows = int(declared_gb * 1e9 / 8 / cols)
    path = tmp_path / "bomb.npz"
    path.write_bytes(_npz_declaring((rows, cols), zeros_bytes=rows * cols * 8))  # real zeros: a true zip bomb
    assert path.stat().st_size < 3_000_000
    found = _measure_refusal(path)
    assert found["message"] and "declares shape" in found["message"]
    assert found["extra_mb"] < BOMB_BUDGET_MB, found


# -- long runs say where they are; caches stay bounded ------------------------------------------


def test_progress_carries_time_left_and_the_terminal_prints_it(capsys):
    from core.progress import print_progress
    from core.progress import format_duration, scaled, with_eta

    now = [0.0]
    progress = with_eta(print_progress, clock=lambda: now[0])
    now[0] = 0.1
    progress(0.05, "Calibrating")  # a pace from 0.1 s would promise "about 2 s left": no estimate yet
    assert capsys.readouterr().err.strip() == "[  5%] Calibrating"
    now[0] = 30.0
    scaled(progress, 0.0, 0.5)(0.5, "Fitted bag 7 of 14")  # a quarter done after 30 s: 90 s left
    now[0] = 40.0
    progress(0.5, "Fitted bag 8 of 14 (student); about 20 s left", eta_s=20.0)  # the step states its own
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "[ 25%] Fitted bag 7 of 14 · about 1 min 30 s left"
    assert lines[1].count("left") == 1
    assert format_duration(3725) == "1 h 02 min" and format_duration(42) == "42 s"


def test_upload_cache_is_bounded_in_bytes():
    from ui.memory import ByteBoundedCache

    now = [0.0]
    cache = ByteBoundedCache(limit=3_000_000, ttl=60, clock=lambda: now[0])
    for i in range(5):  # five 1 MB arrays into a 3 MB budget
        cache.get_or_build(i, lambda: np.zeros(125_000))
    assert len(cache) == 3 and cache.nbytes <= 3_000_000
    built = []
    cache.get_or_build(4, lambda: built.append(1) or np.zeros(1))
    assert not built  # the newest entry is still there
    cache.get_or_build("huge", lambda: np.zeros(1_000_000))  # over the budget alone: returned, not kept
    assert "huge" not in cache._entries
    now[0] = 120.0
    cache.get_or_build("new", lambda: np.zeros(10))
    assert len(cache) == 1  # unused entries expire


def test_url_source_warns_that_it_is_unchecked(tmp_path, capsys, monkeypatch):
    import core.audit.datasets as datasets
    import core.audit.pipeline
    from test_audit_inputs import _mini_compas

    monkeypatch.setattr(datasets, "_download", lambda url: _mini_compas())

    def stop(*args, **kwargs):
        raise InputError("stopped by the test.", "nothing to fix")

    monkeypatch.setattr(core.audit.pipeline, "run_audit", stop)
    code, err = _run(["audit", "--dataset", "compas", "--source", "https://example.org/c.csv",
                      "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "NOT checked" in err and "sha256" in err


@pytest.mark.parametrize("name", sorted(k for k in HOSTILE_NAMES if k != "nul"))  # argv cannot carry NUL
def test_hostile_name_on_the_command_line_is_refused_cleanly(tmp_path, capsys, name):
    path = tmp_path / "t.csv"
    path.write_bytes(_csv_bytes(_audit_frame()))
    out = _old_output(tmp_path)
    before = _snapshot(out)
    code, err = _run(["audit", "--data", str(path), f"--score={HOSTILE_NAMES[name]}", "--outcome", "y",
                      "--out", str(out)], capsys)
    assert code == 2 and "no column" in err and "fix:" in err and "Traceback" not in err
    assert _snapshot(out) == before


def test_a_huge_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from core.io import read_source

    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 1000)
    monkeypatch.setattr(core.io, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(AssertionError("read the file")))
    with pytest.raises(InputError, match="GiB"):
        read_source(path)
