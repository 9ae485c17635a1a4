"""Plain warnings for a distillation whose numbers do not support a success message.

Each warning is ``{"code": str, "message": str}``; metrics.json, the report and
the app show the same list. The margins are stated here once.
"""

from __future__ import annotations

import numpy as np

__all__ = ["NO_GAIN_MARGIN", "BASELINE_MARGIN", "ANSWER_SHARE", "CODES", "answer_scale", "answer_changed",
           "collect_warnings", "signal_reading", "truth_match"]

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
    """True when the teacher's answer on the distilled signal is far from its answer on the original.

    False when the answers are not available (a teacher without ``decision_function``).
    """
    if rec.teacher_output is None or rec.teacher_output_distilled is None:
        return False
    return abs(rec.teacher_output_distilled - rec.teacher_output) > ANSWER_SHARE * scale


def signal_reading(rec, *, scale: float, task: str, target: float, n_coefficients: int, label: str) -> dict:
    """What one reconstruction says, in words: the Explore page shows it and the report can.

    Parameters
    ----------
    rec : Reconstruction
    scale : float
        :func:`answer_scale`.
    task : {"regression", "classification"}
    target : float
        The signal's target value.
    n_coefficients : int
        Coefficients of the whole signal (for "k of n").
    label : str
        How the signal is named, e.g. "Signal 12".

    Returns
    -------
    dict
        ``changed`` (bool), ``far_from_target`` (bool) and ``text`` (markdown).
    """
    yardstick = "the target's SD" if task == "regression" else "the SD of the network's output"
    gap = f"{ANSWER_SHARE:g} × {yardstick} ({ANSWER_SHARE * scale:.3g})"
    changed = answer_changed(rec, scale)
    if not rec.outputs_available:
        verdict = "the network's answers are not available for this teacher, so the change cannot be judged"
    elif changed:
        verdict = (f"a different answer (gap above {gap}), so the network also uses coefficients left out; "
                   "try a larger k")
    else:
        verdict = f"an answer within {gap} of its answer on the original"
    text = (f"**{label}** (target {target:.3g}). The network answers **{rec.output_text('original')}** on the "
            f"original (black) and **{rec.output_text('distilled')}** on the pink signal, rebuilt from only "
            f"{rec.n_kept} of {n_coefficients} wavelet coefficients: {verdict}.")
    far = (task == "regression" and rec.teacher_output is not None
           and abs(rec.teacher_output - target) > ANSWER_SHARE * scale)
    if far:
        text += " The network's own answer is far from the target on this signal, so neither is a good guide."
    return {"changed": changed, "far_from_target": bool(far), "text": text}


def truth_match(truth: dict, levels: int, feature_positions) -> dict | None:
    """How many of the known answer's coefficient positions the most attributed positions find.

    Parameters
    ----------
    truth : dict
        The dataset's known answer: ``positions``, ``levels`` and ``coefficient_index``
        (the level, in ``[cA_J, cD_J, ..., cD_1]`` order, that holds them).
    levels : int
        Levels of the distillation.
    feature_positions : sequence of sequence of int
        Most attributed positions per level, best first.

    Returns
    -------
    dict or None
        ``found`` (sorted positions), ``hits`` and ``of``; None when the run's
        levels differ from the truth's or the level is not there.
    """
    level = truth.get("coefficient_index")
    if "positions" not in truth or truth.get("levels") != levels or level is None \
            or level >= len(feature_positions):
        return None
    found = sorted(int(p) for p in feature_positions[level][:len(truth["positions"])])
    return {"found": found, "hits": len(set(found) & set(truth["positions"])), "of": len(truth["positions"])}


LINEAR_TARGET_NOTE = ("This is expected on this task: its target is a weighted sum of wavelet coefficients, "
                      "a linear function of the signal, so a linear model is the best any model can do. The task "
                      "shows how distillation works and whether it finds the true wavelet, not a network that "
                      "beats a linear model.")


def baseline_note(linear_target: bool) -> str:
    """What a teacher below the linear model means: expected on a linear task, a problem otherwise."""
    return LINEAR_TARGET_NOTE if linear_target else "Train a better teacher or compare with the linear model."


def collect_warnings(*, metric: str, teacher_score: float, baseline: float | None, awd_score: float,
                     init_score: float, init_name: str, reconstructions=(), scale: float = 1.0,
                     task: str = "regression", psi_distance: dict | None = None, truth: str | None = None,
                     linear_target: bool = False) -> list[dict]:
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
    linear_target : bool
        The target is known to be linear in the signal (the AWD simulation), so a
        teacher below the linear model is expected and the warning says so.
    """
    name = "R²" if metric == "r2" else "accuracy"
    out = []
    if baseline is not None and teacher_score < baseline - BASELINE_MARGIN:
        out.append(dict(code="teacher_below_baseline", message=(
            f"The teacher network scores held-out {name} {teacher_score:.3f}, below a linear model on the raw "
            f"signals ({baseline:.3f}): distilling it cannot show more than that linear model already does. "
            + baseline_note(linear_target))))
    if awd_score < init_score + NO_GAIN_MARGIN:
        out.append(dict(code="no_gain_over_initial", message=(
            f"The distilled wavelet's features score held-out {name} {awd_score:.3f}, not better than the initial "
            f"{init_name}'s {init_score:.3f} by the margin of {NO_GAIN_MARGIN:g}: distillation did not help here.")))
    what = "target's SD" if task == "regression" else "SD of the teacher's output"
    # Numbered as the report and Explore number them: test signal 1 is the first held-out signal shown.
    changed = [(number, r) for number, r in enumerate(reconstructions, start=1) if answer_changed(r, scale)]
    if changed:
        number, r = changed[0]
        out.append(dict(code="reconstruction_changes_answer", message=(
            f"On {len(changed)} of {len(reconstructions)} signals shown, the teacher answers differently on the "
            f"signal rebuilt from its {r.n_kept} most attributed coefficients (test signal {number}: "
            f"{r.teacher_output_distilled:.3g} vs {r.teacher_output:.3g}, a gap above {ANSWER_SHARE:g} × the "
            f"{what}, {ANSWER_SHARE * scale:.3g}): those coefficients do not carry all the network uses.")))
    if psi_distance and psi_distance["to_truth"] >= psi_distance["init_to_truth"]:
        out.append(dict(code="away_from_truth", message=(
            f"The learned wavelet moved away from the true {truth or 'wavelet'}: ψ distance "
            f"{psi_distance['init_to_truth']:.2f} → {psi_distance['to_truth']:.2f}. With too few epochs the "
            "attribution term first pulls it away before it turns back; the default settings run long enough.")))
    return out
