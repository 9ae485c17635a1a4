"""The shared chart look: the flag's colour and mark, titles clear of plotly's toolbar, readable panels.

The browser walk (tests/test_browser_walk.py) checks the drawn charts; these
check the figure builders directly, so the downloaded reports are covered too.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import theme
from core.audit import plots as audit_plots
from core.audit.shapes import PairShape
from core.wavelets import plots as wavelet_plots

# Machado et al. (2009) colour-vision-deficiency matrices at full severity, in linear RGB.
CVD = {
    "normal vision": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
MIN_DELTA_E = 30  # CIE76 distance; the old vermilion was 18 from the outcome orange under deuteranopia


def _linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(
        linear_rgb, 0, 1)
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _distance(a: str, b: str, vision: np.ndarray) -> float:
    return float(np.linalg.norm(_lab(vision @ _linear(a)) - _lab(vision @ _linear(b))))


@pytest.mark.parametrize("vision", CVD, ids=list(CVD))
@pytest.mark.parametrize("model", ["STUDENT", "OUTCOME"])
def test_flag_colour_is_far_from_both_model_colours(vision, model):
    assert _distance(theme.FLAG, getattr(theme, model), CVD[vision]) >= MIN_DELTA_E


def test_the_old_vermilion_would_fail():
    """The check above can fail: vermilion sits too close to the outcome model's orange."""
    assert _distance("#D55E00", theme.OUTCOME, CVD["deuteranopia"]) < MIN_DELTA_E


def _pair(differs: bool) -> PairShape:
    grid = (0, 1, 2)
    z = tuple(tuple(float(i - j) for j in grid) for i in grid)
    return PairShape(name="age × priors", features=("age", "priors"), x_grid=grid, y_grid=grid, student=z,
                     outcome=z, difference=z, weight=z, discrepancy=0.3, discrepancy_low=0.1, discrepancy_high=0.5,
                     discrepancy_sq=0.09, differs_share=0.2, differs=differs)


def _term(name: str, differs: bool):
    return SimpleNamespace(name=name, differs=differs, discrepancy=0.4 if differs else 0.1,
                           discrepancy_sq=0.16 if differs else 0.01, discrepancy_low=0.05, discrepancy_high=0.6,
                           differs_share=0.3 if differs else 0.0)


def test_flags_are_marked_in_words_not_only_in_colour():
    ranking = audit_plots.discrepancy_ranking_figure([_term("group", True), _term("age", False)])
    bar = ranking.data[0]
    labels = dict(zip(ranking.layout.yaxis.tickvals, ranking.layout.yaxis.ticktext))
    assert labels == {"group": f"{theme.FLAG_MARK} group", "age": "age"}
    assert theme.FLAG in list(bar.marker.color)
    assert theme.FLAG_MARK in audit_plots.pair_heatmaps_figure(_pair(True)).layout.title.text
    assert theme.FLAG_MARK not in audit_plots.pair_heatmaps_figure(_pair(False)).layout.title.text


def test_pair_heatmap_panel_titles_are_short_and_spaced():
    """Three panels share a laptop-wide chart (~250 px each): long titles ran into each other."""
    fig = audit_plots.pair_heatmaps_figure(_pair(False))
    titles = [a.text for a in fig.layout.annotations]
    assert titles == [theme.LABELS["student_short"], theme.LABELS["outcome_short"], theme.LABELS["difference_short"]]
    assert max(len(t) for t in titles) <= 20
    assert fig.layout.yaxis2.matches == "y" and not fig.layout.yaxis2.showticklabels  # row labels drawn once


def _history(epochs: int = 6) -> dict:
    decay = np.linspace(1.0, 0.5, epochs)
    return {"total": list(2.0 * decay), "reconstruction": list(1.0 * decay), "wavelet_l1": list(0.3 * decay),
            "attribution_l1": list(0.05 * decay), "orthogonality": list(1e-12 * decay), "cmf": list(1e-9 * decay)}


def test_loss_figure_gives_each_term_its_own_log_panel():
    """Terms 12 decades apart on one axis all looked flat; each now fills its own panel."""
    history = _history()
    fig = wavelet_plots.loss_figure(history)
    axes = [t.yaxis for t in fig.data]
    assert len(fig.data) == len(history) and len(set(axes)) == len(axes)  # one panel per term
    assert all(ax.type == "log" for ax in fig.select_yaxes())
    titles = [a.text for a in fig.layout.annotations]
    assert [t.split(" ≈")[0] for t in titles] == [wavelet_plots.PANEL_TITLES[k] for k in history]
    assert not any(t.showlegend for t in fig.data)  # the panel titles name the terms
    # Rounding-level terms say so and get a fixed axis, so their noise does not look like a trend.
    assert [("≈ 0" in t) for t in titles] == [max(v) < wavelet_plots.ROUNDING for v in history.values()]
    assert max(len(t.split(" ≈")[0]) for t in titles) <= 30  # fits a third of a laptop-wide chart


@pytest.mark.parametrize("build", [
    lambda: audit_plots.pair_heatmaps_figure(_pair(True)),
    lambda: audit_plots.discrepancy_ranking_figure([_term("group", True)]),
    lambda: wavelet_plots.loss_figure(_history()),
    lambda: wavelet_plots.teacher_loss_figure([{"epoch": 1, "train_loss": 1.0, "val_loss": 1.1}]),
    lambda: wavelet_plots.filters_figure(np.ones(4) / 2, np.ones(4) / 2),
], ids=["pair", "ranking", "loss", "teacher", "filters"])
def test_titles_start_below_the_toolbar_strip(build):
    title = build().layout.title
    assert title.yref == "container" and title.y == 1 and title.yanchor == "top"
    assert title.pad.t >= theme.MODEBAR_CLEARANCE


def _shape(student=(-0.3, 0.4), outcome=(0.0, 0.0)):
    from core.audit.shapes import TermShape

    s, o = tuple(student), tuple(outcome)
    d = tuple(a - b for a, b in zip(s, o))
    return TermShape(
        name="group", kind="categorical", grid=("A", "B"), grid_low=(), grid_high=(), weight=(600.0, 400.0),
        student=s, student_low=tuple(v - 0.1 for v in s), student_high=tuple(v + 0.1 for v in s),
        outcome=o, outcome_low=tuple(v - 0.05 for v in o), outcome_high=tuple(v + 0.05 for v in o),
        difference=d, difference_low=tuple(v - 0.1 for v in d), difference_high=tuple(v + 0.1 for v in d),
        band_low=tuple(v - 0.15 for v in d), band_high=tuple(v + 0.15 for v in d), band_critical=2.5,
        student_bags=(s,), discrepancy=0.35, discrepancy_low=0.2, discrepancy_high=0.5, discrepancy_sq=0.12,
        differs_share=1.0, differs=True, stability=0.0, stability_ratio=0.0, importance_student=0.3,
        importance_outcome=0.0)


@given(st.floats(-8, 8), st.floats(0.02, 12))
@settings(max_examples=200, deadline=None)
def test_odds_ticks_are_labelled_with_the_factor_they_sit_at(low, width):
    """Ticks stay on the additive log-odds axis; each label is exp(position), to the digits it shows."""
    ticks = audit_plots.odds_ticks(low, low + width)
    values = ticks["tickvals"]
    for value, text in zip(values, ticks["ticktext"]):
        assert text.startswith("×")
        shown = text[1:].replace(",", "")
        unit = 10.0 ** -len(shown.split(".")[1]) if "." in shown else 1.0
        assert "e" not in shown and abs(np.exp(value) - float(shown)) <= unit / 2 + 1e-12  # right to its last digit
    assert values == sorted(values) and len(values) <= audit_plots.MAX_ODDS_TICKS + 2
    assert all(b - a >= width / audit_plots.MAX_ODDS_TICKS - 1e-12 for a, b in zip(values, values[1:]))  # no crowding
    if low <= 0 <= low + width:
        assert "×1" in ticks["ticktext"]  # "no effect" is always marked
    if width >= 0.5:
        assert len(values) >= 2


@pytest.mark.parametrize("build", [
    lambda t: audit_plots.term_shape_figure(t), lambda t: audit_plots.term_side_by_side_figure(t),
    lambda t: audit_plots.difference_figure(t)], ids=["overlaid", "side-by-side", "difference"])
def test_shape_charts_read_as_odds_factors(build):
    """The verdict says "odds ×1.5"; the charts a reader checks it against speak the same unit."""
    term = _shape()
    fig = build(term)
    axis = fig.layout.yaxis
    assert "odds" in axis.title.text and "×" in axis.title.text
    assert {"×0.67", "×1", "×1.5"} <= set(axis.ticktext)
    hovers = [tr for tr in fig.data if getattr(tr, "customdata", None) is not None]
    for tr in hovers:
        assert "odds ×" in tr.hovertemplate and np.allclose(np.log(tr.customdata), tr.y)
    assert hovers


def test_the_ranking_reads_its_gaps_as_odds_factors():
    fig = audit_plots.discrepancy_ranking_figure([_term("group", True), _term("age", False)])
    axis = fig.layout.xaxis
    assert "odds ×" in axis.title.text and axis.ticktext[0] == "×1" and axis.tickvals[0] == 0
    assert np.allclose([c[2] for c in fig.data[0].customdata], np.exp(fig.data[0].x))


def test_a_term_whose_only_bin_is_missing_still_draws():
    from dataclasses import replace

    from core.audit.shapes import MISSING_LABEL

    term = replace(_shape(student=(0.2,), outcome=(0.1,)), grid=(MISSING_LABEL,), weight=(10.0,))
    for build in (audit_plots.term_shape_figure, audit_plots.term_side_by_side_figure, audit_plots.difference_figure):
        build(term)  # no values to scale the axis by: default ticks, no error
