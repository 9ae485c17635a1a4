"""The layer rule, the command line and the shared I/O helpers."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from core.errors import InputError
from core.io import atomic_output_dir, neutralise_formulas, read_table

from conftest import ROOT


def test_importing_core_leaves_streamlit_out():
    code = ("import sys, core, core.cli, core.io, core.theme, core.report_html; "
            "import pkgutil, importlib, core.audit, core.wavelets\n"
            "for pkg in (core, core.audit, core.wavelets):\n"
            "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
            "        importlib.import_module(m.name)\n"
            "assert 'streamlit' not in sys.modules, 'core imported streamlit'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_cli_help_lists_both_workflows():
    out = subprocess.run([sys.executable, "-m", "core", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0
    assert "audit" in out.stdout and "wavelets" in out.stdout


def test_read_table_rejects_empty_file():
    with pytest.raises(InputError, match="empty"):
        read_table(b"  \n", "x.csv")


def test_read_table_rejects_non_utf8():
    with pytest.raises(InputError, match="UTF-8"):
        read_table("score,name\n1,Jos\xe9\n".encode("latin-1"), "x.csv")


def test_read_table_rejects_duplicate_columns():
    with pytest.raises(InputError, match="'a'"):
        read_table(b"a,b,a\n1,2,3\n", "x.csv")


def test_read_table_reads_parquet(tmp_path):
    frame = pd.DataFrame({"score": [1, 2], "y": [0, 1]})
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    pd.testing.assert_frame_equal(read_table(path.read_bytes(), "t.parquet"), frame)


def test_atomic_output_dir_leaves_nothing_on_failure(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with atomic_output_dir(out) as tmp:
            (tmp / "half.txt").write_text("x")
            raise RuntimeError("boom")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_output_dir_moves_files_on_success(tmp_path):
    out = tmp_path / "out"
    with atomic_output_dir(out) as tmp:
        (tmp / "a.txt").write_text("a")
    assert (out / "a.txt").read_text() == "a"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_neutralise_formulas_quotes_risky_cells_only():
    frame = pd.DataFrame({"term": ["=cmd()", "+1", "-2", "@x", "age"], "value": [1.0, -2.0, 3.0, 4.0, 5.0]})
    out = neutralise_formulas(frame)
    assert out["term"].tolist() == ["'=cmd()", "'+1", "'-2", "'@x", "age"]
    assert out["value"].tolist() == frame["value"].tolist()


def test_report_tables_escape_names_and_align_numbers_right_words_left():
    import pandas as pd

    from core.report_html import table_html

    frame = pd.DataFrame({"term <b>": ["<script>x</script>", "age"], "gap": [0.344123, float("nan")],
                          "rows": [3, 4], "reading": ["odds ×1.54", "none"]})
    out = table_html(frame)
    assert "<script>" not in out and "&lt;script&gt;" in out and "term &lt;b&gt;" in out
    assert "<th class='num'>gap</th>" in out and "<th class='num'>rows</th>" in out and "<th>reading</th>" in out
    assert "<td class='num'>0.344</td>" in out and "<td class='num'></td>" in out  # 3 digits; NaN is blank
