"""Charts the wavelet pages draw: the engine's figure builders plus the signal preview.

Every chart goes through :func:`ui.charts.chart`, which adds the alt text and stretches
it to the column width. Live curves read the history a running job recorded.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from core import theme
from core.wavelets import plots
from core.wavelets.datasets import SignalDataset
from ui.charts import chart
from ui.jobs import Job

PREVIEW_SIGNALS = 4


def preview_figure(dataset: SignalDataset, n: int = PREVIEW_SIGNALS) -> go.Figure:
    """A few signals, and the distribution of the target."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.65, 0.35], horizontal_spacing=0.1,
                        subplot_titles=(f"The first {min(n, dataset.n_signals)} signals",
                                        f"Target '{dataset.target_name}'"))
    palette = (theme.SIGNAL, theme.LEARNED, theme.RECONSTRUCTION, theme.DISTILLED, theme.OUTCOME)
    for i in range(min(n, dataset.n_signals)):
        target = dataset.y[i]
        # Named by target, not by number: Explore numbers held-out signals only, and one numbering is enough.
        fig.add_trace(go.Scatter(y=dataset.X[i], mode="lines", name=f"target {target:.3g}",
                                 line=dict(color=palette[i % len(palette)], width=1.3)), row=1, col=1)
    if dataset.task == "classification":
        values, counts = np.unique(dataset.y, return_counts=True)
        fig.add_trace(go.Bar(x=[str(v) for v in values], y=counts, marker_color=theme.INITIAL, showlegend=False,
                             name="signals per class"), row=1, col=2)
        fig.update_xaxes(title_text="Class", type="category", row=1, col=2)
    else:
        fig.add_trace(go.Histogram(x=dataset.y, nbinsx=40, marker_color=theme.INITIAL, showlegend=False,
                                   name="signals"), row=1, col=2)
        fig.update_xaxes(title_text="Target value", row=1, col=2)
    fig.update_xaxes(title_text="Sample (time)", row=1, col=1)
    fig.update_yaxes(title_text="Signal value", row=1, col=1)
    fig.update_yaxes(title_text="Signals", row=1, col=2)
    fig.update_layout(**theme.plotly_layout(height=360, legend=dict(orientation="h", y=-0.25, x=0),
                                            margin=dict(l=60, r=20, t=40 + theme.MODEBAR_CLEARANCE, b=50)))
    return fig


def _last(job: Job, **match) -> dict | None:
    return next((h for h in reversed(job.history) if all(h.get(k) == v for k, v in match.items())), None)


def teacher_live(job: Job) -> None:
    """Live teacher loss curve, drawn from the job's latest progress details."""
    latest = _last(job)
    if latest and latest.get("history"):
        chart(plots.teacher_loss_figure(latest["history"]),
              "Teacher loss per epoch so far: training loss and validation loss.", key="wavelet_teacher_live")


def distill_live(job: Job) -> None:
    """Live per-term loss curves of the distillation (and which fit is running)."""
    latest = _last(job)
    if latest is None:
        st.caption("Computing the teacher's input gradients once, so training needs no network passes…")
        return
    stage = latest.get("stage")
    awd = _last(job, stage="awd")
    if stage == "gamma0":
        st.caption("Distilled wavelet done. Now fitting the γ = 0 comparison (the same objective without "
                   "the network), so you can see what the network adds.")
    if awd and awd.get("history"):
        chart(plots.loss_figure(awd["history"], loss_terms(awd["history"])),
              "Each term of the AWD objective per epoch so far, one panel per term on its own log scale.",
              key="wavelet_distill_live")




def loss_terms(history: dict) -> list[str]:
    """Terms worth plotting: those not zero to rounding (the lattice makes the validity penalties ~1e-16)."""
    return [k for k in plots.LOSS_ORDER if k in history and len(history[k]) and max(history[k]) > 1e-12]
