"""Exports of a wavelet result: the HTML report, filters.json, features.csv, metrics.json."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from core.io import atomic_output_dir, neutralise_formulas
from core.report_html import Section, render_report
from core.wavelets import plots
from core.wavelets.filters import filter_bank
from core.wavelets.reconstruct import result_reconstruction

__all__ = ["report_html", "filters_json", "features_csv", "metrics_json", "write_outputs", "output_texts",
           "report_reconstructions", "downstream_table", "OUTPUT_FILES", "REPORT_SIGNALS"]

OUTPUT_FILES = ("filters.json", "features.csv", "report.html", "metrics.json")
REPORT_SIGNALS = 2  # held-out signals the report rebuilds


def recipe_level(length: int, filt_len: int, levels: int) -> tuple[int, str]:
    """The ``level`` a PyWavelets recipe should use, and why.

    PyWavelets warns ("Level value of J is too high") beyond
    ``pywt.dwt_max_level(length, filt_len)``, the deepest level whose
    coefficients are not all boundary-affected. The distillation may use more
    (the paper's J = 4 on 64 samples): the recipe then uses pywt's maximum and
    the note says how to reproduce the distilled coefficients exactly.
    """
    import pywt

    deepest = max(1, pywt.dwt_max_level(int(length), int(filt_len)))
    if levels <= deepest:
        return levels, f"level {levels}, as distilled"
    return deepest, (f"level {deepest}: PyWavelets' deepest level for {length} samples and {filt_len} taps "
                     f"(pywt.dwt_max_level); the wavelet was distilled with {levels} levels, which pywt.wavedec "
                     f"also computes with level={levels} after warning 'Level value of {levels} is too high'")


def filters_json(result) -> str:
    """The learned filter bank; ``pywt.Wavelet("awd", filter_bank=(d["dec_lo"], d["dec_hi"], d["rec_lo"], d["rec_hi"]))``."""
    dec_lo, dec_hi, rec_lo, rec_hi = filter_bank(result.filter)
    s = result.settings
    level, why = recipe_level(result.dataset.get("length") or 2 ** (s.levels + 4), len(rec_lo), s.levels)
    doc = {"name": f"awd-{s.wavelet}", "dec_lo": dec_lo, "dec_hi": dec_hi, "rec_lo": rec_lo, "rec_hi": rec_hi,
           "init": s.wavelet, "levels": s.levels, "mode": s.mode, "recipe_level": level, "recipe_note": why,
           "orthogonal": bool(result.validity.valid),
           "usage": "pywt.Wavelet('awd', filter_bank=(dec_lo, dec_hi, rec_lo, rec_hi)); "
                    f"pywt.wavedec(x, w, mode='{s.mode}', level={level})"}
    return json.dumps(doc, indent=2)


def features_csv(result) -> str:
    """One row per signal: split, target, teacher prediction, and the top-k coefficients per level."""
    frame = pd.DataFrame(result.features, columns=list(result.feature_names))
    frame.insert(0, "teacher_prediction", result.teacher_prediction)
    frame.insert(0, result.dataset.get("target_name", "y") or "y", result.y)
    frame.insert(0, "split", result.split.astype(str))
    frame.insert(0, "signal", np.arange(len(frame)))
    return neutralise_formulas(frame).to_csv(index=False, float_format="%.8g")


def metrics_json(result) -> str:
    return json.dumps(result.metrics(), indent=2, default=float)


def downstream_table(downstream, length: int | None = None) -> pd.DataFrame:
    """The comparison table of the report and the Explore page, as display strings.

    ``length`` (samples per signal) names what the teacher reads; "—" marks a value
    that does not apply (the teacher has no wavelet, so no compression rate).
    """
    metric = "R²" if downstream.metric == "r2" else "accuracy"
    whole = f"all {length} samples" if length else "the whole signal"
    return pd.DataFrame([{
        "Model": r["model"],
        f"Held-out {metric}": f"{r['score']:.3f}",
        "Reads": f"{r['n_inputs']} coefficients" if r["n_inputs"] else whole,
        "Compression rate": "—" if r["compression_rate"] is None else f"{r['compression_rate']:.3f}",
        "Prediction time (ms)": f"{r['predict_seconds'] * 1e3:.2f}",
    } for r in downstream.rows()])


def position_table(downstream) -> pd.DataFrame:
    """The position-aware comparison (``downstream.positions_*``) as display strings."""
    metric = "R²" if downstream.metric == "r2" else "accuracy"
    return pd.DataFrame([{"Model": r["model"], f"Held-out {metric}": f"{r['score']:.3f}",
                          "Reads": f"{downstream.n_features} coefficients at fixed positions"}
                         for r in downstream.position_rows()])


def report_reconstructions(dataset, result, teacher, n: int = REPORT_SIGNALS) -> list:
    """The example reconstructions of the report: the first ``n`` held-out signals.

    Parameters
    ----------
    dataset : SignalDataset
    result : WaveletResult
    teacher : TrainedTeacher
    """
    return [result_reconstruction(result, dataset.X[i], teacher.model, index=int(i)) for i in teacher.test_index[:n]]


def settings_line(s) -> str:
    """A distillation's settings in one line: the report, Explore's caption and Distill's folded form."""
    return (f"{s.wavelet}, {s.levels} levels, {s.mode} boundary mode, λ = {s.lam:g}, γ = {s.gamma:g}, "
            f"{s.epochs} epochs, {s.parametrization} parametrization")


def report_html(result, reconstructions=()) -> str:
    """Self-contained HTML report of one distillation (the app offers the same bytes)."""
    s, d, v = result.settings, result.downstream, result.validity
    metric = "R²" if d.metric == "r2" else "accuracy"
    teacher = result.teacher
    validity_table = pd.DataFrame([{"check": r["label"], "distilled": r["value"],
                                    "initial": next(i["value"] for i in result.init_validity.checks()
                                                    if i["name"] == r["name"]),
                                    "passed": "yes" if r["passed"] else "no", "meaning": r["meaning"]}
                                   for r in v.checks()])
    down_table = downstream_table(d, result.dataset.get("length"))
    warning_section = ([Section("Warnings", paragraphs=tuple(f"{w['code']}: {w['message']}" for w in result.warnings))]
                       if result.warnings else [])
    sections = warning_section + [
        Section("Summary", paragraphs=tuple(p for p in (
            f"Data: {result.dataset['description']} ({result.dataset['n_signals']} signals of "
            f"{result.dataset['length']} samples, {result.dataset['task']}).",
            f"Teacher: {teacher['kind'].upper()} network, held-out {metric} {teacher['test_score']:.3f}; "
            f"a linear model on the raw signals (ridge, penalty chosen by cross-validation) scores "
            f"{result.baselines.get('linear', float('nan')):.3f} on the same split.",
            f"The paper's distilled model: a linear model on the {d.top_k} largest (signed) coefficients of each "
            f"level of the distilled wavelet reaches {metric} {d.awd:.3f}, against {d.init_wavelet:.3f} with the "
            f"initial {s.wavelet} wavelet, {d.gamma0:.3f} without the attribution term (γ = 0) and "
            f"{d.teacher:.3f} for the teacher.",
            (f"A second, position-aware comparison: the same model on the coefficients at the {d.top_k} most "
             f"attributed positions per level (largest mean |attribution| on the training signals"
             + (": " + "; ".join(f"{name} {list(p)}" for name, p in zip(result.level_names, d.positions))
                if d.positions else "") + f") reaches {d.positions_awd:.3f}, against "
             f"{d.positions_init_wavelet:.3f} (initial) and {d.positions_gamma0:.3f} (γ = 0).")
            if d.positions_awd is not None else "",
            (f"Known answer: the ψ distance to the true {result.dataset['truth']['wavelet']} went from "
             f"{result.psi_distance['init_to_truth']:.3f} (initial) to {result.psi_distance['to_truth']:.3f} "
             f"(distilled): the wavelet moved "
             + ("toward" if result.psi_distance["to_truth"] < result.psi_distance["init_to_truth"] else "away from")
             + " the truth.") if result.psi_distance else "",
            f"Compression rate (share of coefficients that are both non-negligible and attributed): "
            f"{d.compression_rate:.3f} distilled vs {d.compression_rate_init:.3f} initial"
            + (f" and {d.compression_rate_gamma0:.3f} with γ = 0. " if d.compression_rate_gamma0 is not None else ". ")
            + f"Prediction on {d.n_test} test signals: {d.predict_seconds_student * 1e3:.2f} ms for the wavelet model, "
            f"{d.predict_seconds_teacher * 1e3:.2f} ms for the teacher.",
        ) if p), tables=(down_table,) + ((position_table(d),) if d.position_rows() else ()),
            figures=(plots.downstream_figure(d),)),
        Section("The distilled wavelet", paragraphs=(
            f"Started from {settings_line(s)}, TRIM path '{s.trim}'.",
        ), figures=(plots.filters_figure(result.filter, result.init_filter, initial_name=s.wavelet),
                    plots.wavefun_figure(result.filter, result.init_filter, initial_name=s.wavelet))),
        Section("Validity, checked independently with PyWavelets", paragraphs=(
            "Each number is a residual: 0 means the property holds exactly. "
            + ("All checks pass." if v.valid else "Some checks fail: treat the wavelet with care."),
        ), tables=(validity_table,), figures=(plots.validity_figure(v, result.init_validity),)),
        Section("Training", figures=(plots.teacher_loss_figure(teacher["history"]),
                                     plots.loss_figure(result.loss_history))),
    ]
    recon_figs = []
    for number, rec in enumerate(reconstructions, start=1):  # the first held-out signals, numbered as in the app
        recon_figs += [plots.reconstruction_figure(rec, label=f"Test signal {number}"), plots.scalogram_figure(rec)]
    if recon_figs:
        rec = reconstructions[0]
        chosen = (f"only the {rec.top_k} coefficients with the largest attributions (pink)" if rec.scope == "overall"
                  else f"only the {rec.top_k} coefficients with the largest attributions at each level (pink)")
        sections.append(Section("What the network looks at", paragraphs=(
            f"Each held-out signal is rebuilt from all its coefficients (green, dashed) and from {chosen}: the pink "
            "signal is the part of the signal the network relies on. In the attribution heatmap, dots mark the "
            "coefficients kept and squares the positions the linear model reads.",), figures=tuple(recon_figs)))
    meta = {"Dataset": result.dataset["name"], "Seed": str(s.seed), "Teacher": teacher["kind"],
            "Timings": f"teacher {result.timings.get('teacher', 0):.1f} s, distil {result.timings.get('distill', 0):.1f} s"}
    return render_report("Adaptive wavelet distillation", "A neural network distilled into a wavelet and a "
                         "linear model on a few of its coefficients.", sections, meta)


def output_texts(result, reconstructions=()) -> dict[str, str]:
    """The four output files as text, by name (the CLI writes them, the app offers them)."""
    return {"filters.json": filters_json(result), "features.csv": features_csv(result),
            "report.html": report_html(result, reconstructions), "metrics.json": metrics_json(result)}


def write_outputs(result, out_dir, reconstructions=()) -> list[str]:
    """Write the four output files atomically; returns their paths."""
    contents = output_texts(result, reconstructions)
    with atomic_output_dir(out_dir) as tmp:
        for name, text in contents.items():
            (tmp / name).write_text(text, encoding="utf-8")
    return [os.path.join(str(out_dir), n) for n in OUTPUT_FILES]
