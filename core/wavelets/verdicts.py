"""Plain warnings for a distillation whose numbers do not support a success message.

Each warning is ``{"code": str, "message": str}``; metrics.json, the report and
the app show the same list. The margins are stated here once.
"""

from __future__ import annotations

import numpy as np

__all__ = ["NO_GAIN_MARGIN", "BASELINE_MARGIN", "ANSWER_SHARE", "CODES", "answer_scale", "answer_changed",
           "collect_warnings"]

NO_GAIN_MARGIN = 0.01  # the distilled features must beat the initial wavelet's by this much (R² or accuracy)
BASELINE_MARGIN = 0.0  # the teacher must at least match a linear model on the raw signals
ANSWER_SHARE = 0.1  # |f(distilled) − f(x)| above this share of the answer scale changes the answer

CODES = ("teacher_below_baseline", "no_gain_over_initial", "reconstruction_changes_answer", "away_from_truth")


def answer_scale(task: str, y, teacher_outputs) -> float:
    """The yardstick for a change in the teacher's answer.

    Regression: the SD of the target. Classification: the SD of the teacher's
    output (logit) over the signals, since class labels have no scale.
    """
    values = np.asarray(y if task == "regression" else teacher_outputs, dtype=float)
    scale = float(np.std(values)) if values.size else 0.0
    return scale if scale > 0 else 1.0


def answer_changed(rec, scale: float) -> bool:
    """True when the teacher's answer on the distilled signal is far from its answer on the original."""
    return abs(rec.teacher_output_distilled - rec.teacher_output) > ANSWER_SHARE * scale


def collect_warnings(*, metric: str, teacher_score: float, baseline: float | None, awd_score: float,
                     init_score: float, init_name: str, reconstructions=(), scale: float = 1.0,
                     task: str = "regression", psi_distance: dict | None = None, truth: str | None = None
                     ) -> list[dict]:
    """The warnings that apply to one distillation, most basic first.

    Parameters
    ----------
    metric : {"r2", "accuracy"}
    teacher_score, baseline : float
        Held-out scores of the teacher and of the linear baseline on raw signals.
    awd_score, init_score : float
        Held-out scores of the paper's features of the learned and the initial wavelet.
    reconstructions : sequence of Reconstruction
        The signals shown to the user (report and Explore).
    scale : float
        :func:`answer_scale`.
    psi_distance : dict, optional
        ``{"to_truth", "init_to_truth"}`` when the data's true wavelet (``truth``) is known.
    """
    name = "R²" if metric == "r2" else "accuracy"
    out = []
    if baseline is not None and teacher_score < baseline - BASELINE_MARGIN:
        out.append(dict(code="teacher_below_baseline", message=(
            f"The teacher network scores held-out {name} {teacher_score:.3f}, below a linear model on the raw "
            f"signals ({baseline:.3f}): distilling it cannot show more than that linear model already does. "
            "Train a better teacher or compare with the linear model.")))
    if awd_score < init_score + NO_GAIN_MARGIN:
        out.append(dict(code="no_gain_over_initial", message=(
            f"The distilled wavelet's features score held-out {name} {awd_score:.3f}, not better than the initial "
            f"{init_name}'s {init_score:.3f} by the margin of {NO_GAIN_MARGIN:g}: distillation did not help here.")))
    what = "target's SD" if task == "regression" else "SD of the teacher's output"
    changed = [r for r in reconstructions if answer_changed(r, scale)]
    if changed:
        r = changed[0]
        out.append(dict(code="reconstruction_changes_answer", message=(
            f"On {len(changed)} of {len(reconstructions)} signals shown, the teacher answers differently on the "
            f"signal rebuilt from its {r.n_kept} most attributed coefficients (signal {r.index}: "
            f"{r.teacher_output_distilled:.3g} vs {r.teacher_output:.3g}, a gap above {ANSWER_SHARE:g} × the "
            f"{what}, {ANSWER_SHARE * scale:.3g}): those coefficients do not carry all the network uses.")))
    if psi_distance and psi_distance["to_truth"] >= psi_distance["init_to_truth"]:
        out.append(dict(code="away_from_truth", message=(
            f"The learned wavelet moved away from the true {truth or 'wavelet'}: ψ distance "
            f"{psi_distance['init_to_truth']:.2f} → {psi_distance['to_truth']:.2f}. With too few epochs the "
            "attribution term first pulls it away before it turns back; the default settings run long enough.")))
    return out
