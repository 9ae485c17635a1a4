"""The three audit outputs: report.html, shapes.csv and metrics.json.

The CLI writes them with :func:`write_audit`; the app offers the same bytes
from :func:`report_html`, :func:`shapes_csv` and :func:`metrics_json`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from core.audit import plots
from core.audit.pipeline import AuditResult
from core.audit.words import headline, scale_sentence, term_sentence
from core.io import json_safe, atomic_output_dir, neutralise_formulas
from core.report_html import Section, render_report

INTERVAL_NOTE = (
    "How the intervals are made: each of the outer bags (random 85% subsets of the training rows) {recalibrates}"
    "draws the student's labels and fits both models, so the spread across bags carries all of that. "
    "The spread is scaled by the delete-d jackknife factor sqrt(85/15) and a t quantile for a pointwise 95% "
    "interval. A term is flagged when a simultaneous 95% band for its whole curve (a max-t band across the term's "
    "bins) excludes zero with a gap of at least {effect:g} log-odds on at least {share:.0%} of rows. The gaps are "
    "measured after putting the student on the outcome model's scale (the overall factor above). How often this "
    "is right is measured on scenarios with known truth: see 'How we know the verdicts hold' in the README. "
    "The intervals take the binning and the chosen pairs as given."
)


CALIBRATION_NOTE = (
    "Calibration against outcomes softens a biased score: where part of the score does not predict outcomes, the "
    "observed rate rises more slowly than the score, so every term of the student shrinks. The audit therefore "
    "compares the two models after one overall rescaling (reported above, with its interval), so that this "
    "shrinkage is not mistaken for a gap on every term."
)


def _setting_text(value) -> str:
    """A setting as readers write it: lists joined by commas, no Python quoting or escaped newlines."""
    if isinstance(value, (list, tuple)):
        return ", ".join(_setting_text(v) for v in value)
    return " ".join(str(value).replace("\0", "").split()) if isinstance(value, str) else str(value)


def metrics_json(result: AuditResult) -> str:
    """metrics.json text (schema audit-metrics/1); non-finite numbers become null."""
    return json.dumps(json_safe(result.metrics()), indent=2, sort_keys=False) + "\n"


def shapes_frame(result: AuditResult) -> pd.DataFrame:
    """One row per term and grid point: student, outcome, difference and interval bounds."""
    rows = []
    for t in result.terms:
        for i, g in enumerate(t.grid):
            rows.append({"term": t.name, "kind": t.kind, "value": g,
                         "bin_low": t.grid_low[i] if t.grid_low else None,
                         "bin_high": t.grid_high[i] if t.grid_high else None, "rows": t.weight[i],
                         "student": t.student[i], "student_low": t.student_low[i], "student_high": t.student_high[i],
                         "outcome": t.outcome[i], "outcome_low": t.outcome_low[i], "outcome_high": t.outcome_high[i],
                         "difference": t.difference[i], "difference_low": t.difference_low[i],
                         "difference_high": t.difference_high[i]})
    for p in result.pairs:
        for yi, yv in enumerate(p.y_grid):
            for xi, xv in enumerate(p.x_grid):
                rows.append({"term": p.name, "kind": "pair", "value": f"{xv} | {yv}", "rows": p.weight[yi][xi],
                             "student": p.student[yi][xi], "outcome": p.outcome[yi][xi],
                             "difference": p.difference[yi][xi]})
    return pd.DataFrame(rows)


def shapes_csv(result: AuditResult) -> str:
    """shapes.csv text, safe to open in a spreadsheet (formulas neutralised)."""
    return neutralise_formulas(shapes_frame(result)).to_csv(index=False, float_format="%.6g")


def _term_table(result: AuditResult) -> pd.DataFrame:
    return pd.DataFrame([{"term": t.name, "differs": "yes" if t.differs else "no",
                          "root-mean-square gap (log-odds)": t.discrepancy, "95% low": t.discrepancy_low,
                          "95% high": t.discrepancy_high, "share of rows with material gap": t.differs_share,
                          "reading": term_sentence(t)} for t in result.ranking()])


def report_html(result: AuditResult) -> str:
    """The self-contained audit report (offline, plots embedded)."""
    spec, m = result.spec, result.missing
    truth = result.truth
    summary = [
        headline(result),
        *(term_sentence(t) for t in result.flagged()),
        scale_sentence(result.scale),
        f"The black-box score '{spec.score}' was compared with the real outcome '{spec.outcome}' on "
        f"{result.data.rows:,} rows ({result.data.rows_test:,} held out for checking).",
        f"The features explain the calibrated score with R² = {result.fidelity.r2:.2f} on held-out rows (its "
        f"closest additive copy); the outcome model predicts outcomes with AUC = {result.accuracy.auc:.2f}.",
        m.verdict,
    ]
    sections = [Section("Summary", paragraphs=tuple(summary))]
    cal = result.calibration
    sections.append(Section(
        "1. Calibration",
        paragraphs=((f"Method: none. The score is used as a probability as it is (only clipped away from 0 and 1); "
                     f"reliability is shown on {cal.evaluated_on}.",) if cal.method == "none" else
                    (f"Method: {cal.method}. The score is turned into a probability of the outcome, fitted on "
                     f"training rows only (and refitted inside every bag for the intervals); reliability is shown "
                     f"on {cal.evaluated_on}.",)),
        notes=(() if cal.method == "none" else (CALIBRATION_NOTE,)),
        figures=(plots.calibration_mapping_figure(cal), plots.reliability_figure(cal))
        + ((plots.reliability_by_group_figure(cal),) if spec.protected else ()),
    ))
    sections.append(Section(
        "2. Fidelity and accuracy (held-out rows)",
        tables=(pd.DataFrame([
            {"model": "Closest additive copy of the score", "measure": "R² vs calibrated score",
             "value": result.fidelity.r2},
            {"model": "Closest additive copy of the score", "measure": "RMSE (log-odds)",
             "value": result.fidelity.rmse},
            {"model": "Outcome model", "measure": "AUC", "value": result.accuracy.auc},
            {"model": "Outcome model", "measure": "log-loss", "value": result.accuracy.log_loss},
            {"model": "Outcome model", "measure": "Brier score", "value": result.accuracy.brier}]),),
    ))
    sections.append(Section(
        "3. Where the models differ",
        paragraphs=("Each term's gap is the root-mean-square difference over rows between the scaled student and "
                    "the outcome model (log-odds), corrected for the upward bias that noise gives a squared gap; its "
                    "interval contains 0 when the data cannot tell the two apart. Effects in the readings are odds "
                    "ratios: odds ×1.50 means 50% higher odds.",),
        notes=(INTERVAL_NOTE.format(share=spec.material_share, effect=spec.min_effect,
                                   recalibrates="" if cal.method == "none" else "recalibrates the score, "),),
        tables=(_term_table(result),),
        figures=(plots.discrepancy_ranking_figure((*result.terms, *result.pairs)),),
    ))
    term_figs = []
    for t in result.ranking():
        if hasattr(t, "student_bags"):
            true = truth.shape(t.name) if truth is not None else None
            term_figs += [plots.term_shape_figure(t, truth=true, show_bags=True), plots.difference_figure(t)]
        else:
            term_figs.append(plots.pair_heatmaps_figure(t))
    sections.append(Section(
        "4. Term by term",
        paragraphs=("Thin blue lines: the student refitted on each outer bag. When they fan out, equally accurate "
                    "students tell different stories about that feature and it should be read with care.",),
        figures=tuple(term_figs),
    ))
    corr = pd.DataFrame([{"method": c.method, "estimate (95% interval)": c.text()} for c in m.signed])
    sections.append(Section(
        "5. Missing-feature test",
        paragraphs=(m.verdict + (" No trend line is drawn." if m.undefined else ""),)
        + (f"Held-out rows: {m.n_rows:,}; bootstrap: {m.n_bootstrap} resamples of {m.bootstrap_rows:,} rows.",),
        tables=(corr,), figures=(plots.residual_figure(m),),
    ))
    sections.append(Section("6. Provenance", tables=(pd.DataFrame(
        [{"setting": k, "value": _setting_text(v)} for k, v in result.spec.to_dict().items()]
        + [{"setting": f"version: {k}", "value": v} for k, v in result.versions.items()]),)))
    meta = {"Data sha256": result.data.sha256, "Seed": str(spec.random_state),
            **({"Data seed": str(spec.data_seed)} if spec.data_seed is not None else {}),
            "Calibration": cal.method, "interpret": result.versions.get("interpret", "?")}
    return render_report("Distill-and-Compare audit", f"Score '{spec.score}' vs outcome '{spec.outcome}'",
                         sections, meta)


def write_audit(result: AuditResult, out_dir) -> Path:
    """Write report.html, shapes.csv and metrics.json into ``out_dir`` atomically."""
    texts = {"metrics.json": metrics_json(result), "shapes.csv": shapes_csv(result), "report.html": report_html(result)}
    with atomic_output_dir(out_dir) as tmp:
        for name, text in texts.items():
            (tmp / name).write_text(text, encoding="utf-8")
    return Path(out_dir)
