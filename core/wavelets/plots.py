"""Plotly figure builders for the wavelet workflow: records in, figures out.

Every builder takes records from this package and returns a ``go.Figure``
styled with :mod:`core.theme` through :func:`_style`, so the app and the
downloaded report show the same figures; none is called from inside a model.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pywt
from plotly.subplots import make_subplots

from core import theme
from core.wavelets.filters import Validity, wavefun

__all__ = [
    "filters_figure", "wavefun_figure", "validity_rows", "validity_figure", "reconstruction_figure",
    "scalogram_figure", "distilled_label", "loss_figure", "teacher_loss_figure", "downstream_figure", "sweep_figure", "TERM_LABELS",
]

TERM_LABELS = {
    "reconstruction": "Reconstruction error",
    "lowpass_sum": "Lowpass sum penalty",
    "highpass_sum": "Highpass sum penalty",
    "norm": "Unit-norm penalty",
    "cmf": "Power-complementarity (CMF) penalty",
    "orthogonality": "Orthogonality penalty",
    "wavelet_l1": "Coefficient sparsity (L1, weight λ)",
    "attribution_l1": "Attribution sparsity (L1, weight γ)",
    "total": "Total loss",
}

_TERM_COLOURS = {
    "reconstruction": theme.RECONSTRUCTION, "wavelet_l1": theme.LEARNED, "attribution_l1": theme.DISTILLED,
    "total": theme.SIGNAL, "lowpass_sum": "#E69F00", "highpass_sum": "#56B4E9", "norm": "#F0E442",
    "cmf": "#D55E00", "orthogonality": "#999999",
}


def _style(fig: go.Figure, *, title: str | None, height: int, **layout) -> go.Figure:
    """The shared look, plus two fixes for small screens and log axes.

    The legend goes under the plot (above it, three rows of entries would cover
    the title), and exponents read 10⁻¹² rather than SI prefixes such as "1p".
    Figures with panel titles get a taller top margin so the two titles never touch; the title
    sits below the strip where plotly's toolbar appears (``theme.title``).
    """
    if fig.layout.annotations and "margin" not in layout:
        layout["margin"] = dict(l=60, r=20, t=100, b=50)
    fig.update_layout(**theme.plotly_layout(
        title=theme.title(title) if title else None, height=height,
        legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0), **layout))
    fig.update_xaxes(exponentformat="power")
    fig.update_yaxes(exponentformat="power")
    return fig


def filters_figure(learned, initial, *, initial_name: str = "initial") -> go.Figure:
    """Lowpass h and highpass g taps, learned vs initial, side by side."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Lowpass filter h (scaling)", "Highpass filter g (wavelet)"))
    for col, fn in ((1, np.asarray), (2, pywt.qmf)):  # g = qmf(h), as the transform builds it
        for taps, name, colour, dash in ((initial, f"{theme.LABELS['initial']} ({initial_name})", theme.INITIAL, "dash"),
                                         (learned, theme.LABELS["learned"], theme.LEARNED, "solid")):
            values = fn(np.asarray(taps, dtype=float))
            fig.add_trace(go.Scatter(x=np.arange(values.size), y=values, mode="lines+markers", name=name,
                                     line=dict(color=colour, dash=dash), legendgroup=name, showlegend=col == 1),
                          row=1, col=col)
        fig.update_xaxes(title_text="Tap index", row=1, col=col)
    fig.update_yaxes(title_text="Tap value", row=1, col=1)
    return _style(fig, title="Filters: distilled vs initial", height=400)


def wavefun_figure(learned, initial, *, initial_name: str = "initial", level: int = 6) -> go.Figure:
    """Wavelet ψ and scaling function φ of both filters (``pywt.Wavelet.wavefun``)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Wavelet function ψ", "Scaling function φ"))
    for taps, name, colour, dash in ((initial, f"{theme.LABELS['initial']} ({initial_name})", theme.INITIAL, "dash"),
                                     (learned, theme.LABELS["learned"], theme.LEARNED, "solid")):
        phi, psi, x = wavefun(taps, level)
        for col, values in ((1, psi), (2, phi)):
            fig.add_trace(go.Scatter(x=x, y=values, mode="lines", name=name, line=dict(color=colour, dash=dash),
                                     legendgroup=name, showlegend=col == 1), row=1, col=col)
            fig.update_xaxes(title_text="Time (in filter taps)", row=1, col=col)
    fig.update_yaxes(title_text="Value", row=1, col=1)
    return _style(fig, title="What the wavelets look like", height=400)


def validity_rows(validity: Validity) -> list[dict]:
    """Rows for validity badges: ``label``, ``value``, ``passed``, ``meaning``, ``text``."""
    rows = validity.checks()
    for r in rows:
        r["text"] = (f"{int(r['value'])}" if r["name"] == "vanishing_moments" else f"{r['value']:.1e}")
    return rows


def validity_figure(validity: Validity, initial: Validity | None = None) -> go.Figure:
    """Residual of each validity check on a log scale (lower is better), with the pass threshold."""
    rows = [r for r in validity.checks() if r["name"] != "vanishing_moments"]
    for r in rows:  # two short lines under each bar instead of slanted labels cut off at the bottom
        r["label"] = r["label"].replace(" ", "<br>", 1)
    fig = go.Figure()
    if initial is not None:
        ini = {r["name"]: r["value"] for r in initial.checks()}
        fig.add_trace(go.Bar(x=[r["label"] for r in rows], y=[max(ini[r["name"]], 1e-17) for r in rows],
                             name=theme.LABELS["initial"], marker_color=theme.INITIAL))
    fig.add_trace(go.Bar(x=[r["label"] for r in rows], y=[max(r["value"], 1e-17) for r in rows],
                         name=theme.LABELS["learned"], marker_color=theme.LEARNED,
                         text=["pass" if r["passed"] else "fail" for r in rows], textposition="outside"))
    fig.add_hline(y=validity.tolerance, line_dash="dot", line_color=theme.DIFFERENCE,
                  annotation_text=f"pass threshold {validity.tolerance:g}")
    fig.update_yaxes(type="log", title_text="Residual (0 = exactly valid)")
    fig.update_xaxes(tickangle=0)
    fig = _style(fig, title="Is it still a valid wavelet?", height=420, barmode="group")
    return fig.update_layout(legend_y=-0.3)


def reconstruction_figure(rec, label: str | None = None) -> go.Figure:
    """Original signal vs reconstruction from all coefficients vs distilled reconstruction.

    ``label`` names the signal in the title, e.g. "Test signal 3" (the app and the
    report number held-out signals from 1); by default its row in the data.
    """
    t = np.arange(rec.signal.size)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=t, y=rec.signal, name=theme.LABELS["signal"], line=dict(color=theme.SIGNAL, width=1.5)))
    fig.add_trace(go.Scatter(x=t, y=rec.reconstruction, name=theme.LABELS["reconstruction"],
                             line=dict(color=theme.RECONSTRUCTION, dash="dash")))
    fig.add_trace(go.Scatter(x=t, y=rec.distilled, name=distilled_label(rec), line=dict(color=theme.DISTILLED, width=2.5)))
    fig.update_xaxes(title_text="Sample (time)")
    fig.update_yaxes(title_text="Signal value")
    label = label or f"Row {rec.index}"
    return _style(fig, title=f"{label}: network answers {rec.output_text('original')} (original), "
                             f"{rec.output_text('distilled')} (pink)", height=420)


def distilled_label(rec) -> str:
    """Legend name of the distilled signal, saying how its coefficients were chosen."""
    if getattr(rec, "scope", "level") == "overall":
        return f"Rebuilt from the {rec.top_k} most attributed coefficients"
    return f"Rebuilt from the top-{rec.top_k} attributed coefficients of each level"


def _scalogram_matrix(arrays, width: int) -> np.ndarray:
    """Each level stretched to ``width`` columns (nearest neighbour) so levels line up in time."""
    rows = []
    for a in arrays:
        a = np.asarray(a, dtype=float)
        idx = np.minimum((np.arange(width) * a.size / width).astype(int), a.size - 1)
        rows.append(a[idx])
    return np.vstack(rows)


def _stretched_x(position, size: int, length: int) -> float:
    """Time (in samples) at the middle of coefficient ``position`` of a level with ``size`` coefficients."""
    return (position + 0.5) * length / size


def scalogram_figure(rec, *, stacked: bool = True) -> go.Figure:
    """Scalograms: coefficients and attributions per level, stretched along time.

    Parameters
    ----------
    rec : Reconstruction
    stacked : bool
        One heatmap above the other (readable on a narrow screen), else side by side.
        The attribution heatmap marks the coefficients kept in the distilled signal
        and, when known, the positions the position-aware comparison reads.
    """
    width = max(len(c) for c in rec.coefficients)
    titles = ("Wavelet coefficients of the signal", "Attributions (network's sensitivity)")
    if stacked:
        fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.14, subplot_titles=titles)
        cells = ((1, 1), (2, 1))
        bars = [dict(x=1.01, y=0.79, len=0.42), dict(x=1.01, y=0.21, len=0.42)]
    else:
        fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.16, subplot_titles=titles)
        cells = ((1, 1), (1, 2))
        bars = [dict(x=0.42, len=0.9), dict(x=1.01, len=0.9)]
    names = list(rec.level_names)
    length = rec.signal.size
    time = (np.arange(width) + 0.5) * length / width  # columns on the signal's time axis
    positions = _scalogram_matrix([np.arange(len(c)) for c in rec.coefficients], width)
    for (row, col), bar, arrays, label in zip(cells, bars, (rec.coefficients, rec.attributions),
                                              ("coefficient", "attribution")):
        z = _scalogram_matrix(arrays, width)
        lim = float(np.max(np.abs(z))) or 1.0
        fig.add_trace(go.Heatmap(z=z, x=time, y=names, customdata=positions, colorscale=theme.DIVERGING, zmin=-lim, zmax=lim,
                                 colorbar=dict(title=dict(text=label, side="right"), **bar), showlegend=False,
                                 hovertemplate="%{y}<br>coefficient %{customdata:.0f}<br>" + label
                                               + " %{z:.3g}<extra></extra>"),
                      row=row, col=col)
        fig.update_yaxes(autorange="reversed", row=row, col=col)
    where = cells[1]
    marks = [("kept", [np.flatnonzero(k) for k in rec.kept], dict(symbol="circle", size=7, color=theme.DISTILLED,
                                                                   line=dict(color="white", width=1)),
              "Kept in the pink signal")]
    if rec.feature_positions:
        marks.insert(0, ("read", rec.feature_positions, dict(symbol="square-open", size=11, color=theme.SIGNAL,
                                                              line=dict(width=1.5)),
                         "Read by the position-aware model"))
    for _, per_level, marker, name in marks:
        xs, ys, idx = [], [], []
        for level, pos, c in zip(names, per_level, rec.coefficients):
            for p in pos:
                xs.append(_stretched_x(int(p), len(c), length))
                ys.append(level)
                idx.append(int(p))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", marker=marker, name=name, customdata=idx,
                                 hovertemplate="%{y}<br>coefficient %{customdata}<extra>" + name + "</extra>"),
                      row=where[0], col=where[1])
    fig.update_xaxes(title_text="Sample (time)", row=cells[1][0], col=cells[1][1])
    if not stacked:
        fig.update_xaxes(title_text="Sample (time)", row=1, col=1)
    return _style(fig, title="Where the signal's energy is, and where the network looks",
                  height=620 if stacked else 420)


LOSS_ORDER = ("total", "reconstruction", "wavelet_l1", "attribution_l1", "orthogonality", "cmf", "lowpass_sum",
              "highpass_sum", "norm")
# Panel titles: a third of a laptop-wide chart holds about 30 characters.
PANEL_TITLES = {**TERM_LABELS, "wavelet_l1": "Coefficient sparsity (λ term)",
                "attribution_l1": "Attribution sparsity (γ term)", "cmf": "Power-complementarity penalty"}
ROUNDING = 1e-9  # a term that never exceeds this is zero up to floating-point rounding


def loss_figure(history: dict, terms=None) -> go.Figure:
    """One small panel per loss term over epochs, each on its own log axis.

    The terms span many decades (a validity penalty near 1e-12 beside a
    reconstruction error near 1), so on one shared axis every line looked flat;
    a panel each shows how each one moves. A term that stays at rounding level
    says so in its title and is drawn on a fixed axis, so its noise does not
    pass for a trend. Accepts ``loss_history`` or live progress history.
    """
    terms = terms or [k for k in LOSS_ORDER if k in history]
    shown = [k for k in terms if np.size(history[k]) and np.any(np.asarray(history[k], dtype=float) > 0)]
    cols = 2 if len(shown) in (2, 4) else min(3, max(1, len(shown)))
    rows = max(1, -(-len(shown) // cols))
    titles = [PANEL_TITLES.get(k, k) + (" ≈ 0 (rounding)" if np.max(history[k]) < ROUNDING else "") for k in shown]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles or None,
                        horizontal_spacing=0.12, vertical_spacing=min(0.5 / rows, 0.28))
    for i, k in enumerate(shown):
        values = np.asarray(history[k], dtype=float)
        row, col = divmod(i, cols)
        fig.add_trace(go.Scatter(x=np.arange(1, values.size + 1), y=np.maximum(values, 1e-16), mode="lines+markers",
                                 name=TERM_LABELS.get(k, k), showlegend=False, marker=dict(size=4),
                                 line=dict(color=_TERM_COLOURS.get(k), dash="dash" if k == "total" else "solid"),
                                 hovertemplate="epoch %{x}: %{y:.3g}<extra>" + TERM_LABELS.get(k, k) + "</extra>"),
                      row=row + 1, col=col + 1)
        at_rounding = values.max() < ROUNDING
        fig.update_yaxes(type="log", nticks=5, range=[-17, -8] if at_rounding else None, row=row + 1, col=col + 1)
        if row == rows - 1 or i + cols >= len(shown):
            fig.update_xaxes(title_text="Epoch", row=row + 1, col=col + 1)
    fig.update_yaxes(title_text="Mean per signal", row=1, col=1)
    return _style(fig, title="Training: each term of the objective (unweighted), on its own log scale",
                  height=120 + 210 * rows)


def teacher_loss_figure(history) -> go.Figure:
    """Teacher training and validation loss per epoch (from ``TrainedTeacher.history`` or progress details)."""
    epochs = [h["epoch"] for h in history]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=epochs, y=[h["train_loss"] for h in history], name="Training loss",
                             line=dict(color=theme.LEARNED)))
    fig.add_trace(go.Scatter(x=epochs, y=[h["val_loss"] for h in history], name="Validation loss",
                             line=dict(color=theme.OUTCOME, dash="dash")))
    fig.update_xaxes(title_text="Epoch")
    fig.update_yaxes(title_text="Loss (standardised units)", type="log")
    return _style(fig, title="Teacher training", height=360)


def downstream_figure(downstream) -> go.Figure:
    """Held-out score of each model (AWD, initial wavelet, γ = 0, teacher)."""
    rows = downstream.rows()
    colours = {"awd": theme.LEARNED, "init_wavelet": theme.INITIAL, "gamma0": "#56B4E9", "teacher": theme.SIGNAL}
    metric = "R² (held out)" if downstream.metric == "r2" else "Accuracy (held out)"
    fig = go.Figure(go.Bar(x=[r["model"] for r in rows], y=[r["score"] for r in rows],
                           marker_color=[colours[r["key"]] for r in rows],
                           text=[f"{r['score']:.3f}" for r in rows], textposition="outside"))
    fig.update_yaxes(title_text=metric)
    return _style(fig, title=f"Does a linear model on the {downstream.top_k} largest coefficients per level match "
                             "the network?",
                  height=380, showlegend=False)


def sweep_figure(result) -> go.Figure:
    """CV score and distance to the reference wavelet along γ, one line per λ."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(f"Cross-validated {result.metric}",
                                                        f"ψ distance to {result.reference or 'initial'} wavelet"))
    palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
    for i, lam in enumerate(sorted({p.lam for p in result.points})):
        pts = sorted((p for p in result.points if p.lam == lam), key=lambda p: p.gamma)
        gam = [max(p.gamma, 1e-6) for p in pts]
        dist = [p.distance_to_reference if p.distance_to_reference is not None else p.distance_to_init for p in pts]
        colour = palette[i % len(palette)]
        fig.add_trace(go.Scatter(x=gam, y=[p.cv_score for p in pts], mode="lines+markers", name=f"λ = {lam:g}",
                                 line=dict(color=colour), legendgroup=str(lam)), row=1, col=1)
        fig.add_trace(go.Scatter(x=gam, y=dist, mode="lines+markers", name=f"λ = {lam:g}", line=dict(color=colour),
                                 legendgroup=str(lam), showlegend=False), row=1, col=2)
    for col in (1, 2):
        fig.update_xaxes(type="log", title_text="γ (attribution sparsity weight)", row=1, col=col)
    fig.add_trace(go.Scatter(x=[max(result.best.gamma, 1e-6)], y=[result.best.cv_score], mode="markers",
                             marker=dict(symbol="star", size=14, color=theme.SIGNAL), name="Selected"), row=1, col=1)
    return _style(fig, title="Sweep over (λ, γ), warm-started along γ", height=420)
