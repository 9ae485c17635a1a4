"""What the Explore page and the report say about one signal comes from core, and unknowns are said in words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import pywt

from core.errors import InputError
from core.wavelets.datasets import read_signals
from core.wavelets.reconstruct import reconstruct_sample
from core.wavelets.verdicts import ANSWER_SHARE, signal_reading, truth_match


def _rec(teacher, top_k=3):
    x = np.sin(np.linspace(0, 6, 32))
    return reconstruct_sample(x, pywt.Wavelet("db2").rec_lo, teacher, levels=2, top_k=top_k)


class _Net:
    """A fitted teacher stand-in: the sum of the signal."""

    def output(self, x):
        return x.sum(dim=1)

    def decision_function(self, X):
        return np.asarray(X, float).sum(axis=1)


def test_a_teacher_without_decision_function_shows_not_available_not_zero():
    rec = _rec(lambda x: x.sum(dim=1, keepdim=True))  # a plain torch callable
    assert rec.teacher_output is None and rec.teacher_output_distilled is None and not rec.outputs_available
    assert rec.output_text() == "not available" and rec.to_dict()["teacher_output"] is None
    reading = signal_reading(rec, scale=1.0, task="regression", target=0.5, n_coefficients=32, label="Signal 0")
    assert not reading["changed"] and "not available" in reading["text"] and "0.000" not in reading["text"]


def test_signal_reading_says_when_the_answer_changes():
    rec = _rec(_Net(), top_k=1)
    gap = abs(rec.teacher_output_distilled - rec.teacher_output)
    assert gap > 0
    changed = signal_reading(rec, scale=gap / ANSWER_SHARE / 2, task="regression", target=rec.teacher_output,
                             n_coefficients=32, label="Test signal 1")
    assert changed["changed"] and "a different answer" in changed["text"] and "**Test signal 1**" in changed["text"]
    same = signal_reading(rec, scale=gap / ANSWER_SHARE * 2, task="regression", target=rec.teacher_output,
                          n_coefficients=32, label="Test signal 1")
    assert not same["changed"] and "within" in same["text"] and not same["far_from_target"]
    far = signal_reading(rec, scale=gap / ANSWER_SHARE * 2, task="regression", target=rec.teacher_output + 1e6,
                         n_coefficients=32, label="Test signal 1")
    assert far["far_from_target"] and "neither is a good guide" in far["text"]


def test_truth_match_counts_hits_and_needs_the_same_levels():
    truth = {"positions": [3, 5, 7], "levels": 4, "coefficient_index": 2}
    positions = [[0, 1, 2], [9, 8], [7, 3, 1, 5], [4], [0]]
    assert truth_match(truth, 4, positions) == {"found": [1, 3, 7], "hits": 2, "of": 3}
    assert truth_match(truth, 3, positions) is None
    assert truth_match({"positions": [1], "levels": 4, "coefficient_index": 9}, 4, positions) is None


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def test_text_in_signal_cells_is_an_error_naming_the_cells():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(25, 8))).add_prefix("t").astype(object)
    frame["target"] = rng.normal(size=25)
    frame.iloc[0, 1] = " "  # a blank cell is a gap, and must not hide the text after it
    frame.iloc[4, 2] = "abc"
    frame.iloc[9, 5] = "12,5"
    with pytest.raises(InputError) as err:
        read_signals(_csv(frame), "s.csv", target="target")
    problem = err.value.problem
    assert "2 signal cell(s) holding text" in problem
    assert "row 5, column 't2': 'abc'" in problem and "row 10, column 't5': '12,5'" in problem


def test_blank_cells_are_gaps_not_text():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(25, 8))).add_prefix("t").astype(object)
    frame["target"] = rng.normal(size=25)
    frame.iloc[3, 4] = "  "
    with pytest.warns(Warning):
        data = read_signals(_csv(frame), "s.csv", target="target")
    assert np.isfinite(data.X).all()
