"""Small blocks the wavelet pages share: the teacher line, validity badges, the downstream table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.wavelets import plots, report
from core.wavelets.filters import Validity
from core.wavelets.reconstruct import result_reconstruction
from core.wavelets.verdicts import baseline_note
from ui.markup import md

METRIC_NAMES = {"r2": "R²", "accuracy": "accuracy"}


def metric_name(metric: str) -> str:
    return METRIC_NAMES.get(metric, metric)


def teacher_summary(source, teacher) -> None:
    """One line naming the signals and the teacher in use."""
    st.markdown(f"**Signals:** {md(source.label)} ({source.dataset.n_signals:,} × {source.dataset.length}) · "
                f"**Teacher:** {teacher.kind.upper()}, held-out {metric_name(teacher.metric)} "
                f"{teacher.test_score:.3f}")


def teacher_verdict(teacher, linear_target: bool = False) -> None:
    """"Teacher ready" in green, or as a warning when a linear model on the raw signals does better."""
    metric = metric_name(teacher.metric)
    text = (f"{teacher.kind.upper()} with held-out {metric} **{teacher.test_score:.3f}** on "
            f"{len(teacher.test_index):,} signals it never saw ({len(teacher.history)} epochs, {teacher.seconds:.1f} s)")
    if getattr(teacher, "below_baseline", False):
        st.warning(f"**Teacher ready, but weaker than a linear model:** {text}; a linear model on the raw signals "
                   f"scores {teacher.baseline:.3f}. Distilling this network cannot show more than that linear "
                   f"model does. {baseline_note(linear_target)}", icon=":material/warning:")
    else:
        base = f"; a linear model on the raw signals scores {teacher.baseline:.3f}" if teacher.baseline is not None else ""
        st.success(f"**Teacher ready:** {text}{base}.", icon=":material/check_circle:")


def show_warnings(warnings) -> None:
    """One warning box per warning of a result (``WaveletResult.warnings``)."""
    for w in warnings:
        st.warning(w["message"], icon=":material/warning:")


def validity_badges(validity: Validity) -> None:
    """A badge per validity check: green when the residual is below the tolerance, with the residual shown."""
    rows = plots.validity_rows(validity)
    verdict = ("a valid orthogonal wavelet" if validity.valid
               else "**not** an exactly valid wavelet: some residuals exceed the tolerance")
    st.markdown(f"**Validity** (checked independently with PyWavelets; tolerance {validity.tolerance:g}): {verdict}.")
    line = " ".join(
        f":{'green' if r['passed'] else 'red'}-badge[{':material/check:' if r['passed'] else ':material/close:'} "
        f"{r['label']} {r['text']}]" for r in rows)
    st.markdown(line, help="Each number is a residual (0 = the property holds exactly), except vanishing moments, "
                           "which counts how many polynomial degrees the wavelet ignores. " +
                           " · ".join(f"{r['label']}: {r['meaning']}" for r in rows))


def downstream_table(result) -> pd.DataFrame:
    """Score, coefficients read, compression rate and prediction time of each model (the report's table)."""
    return report.downstream_table(result.downstream, result.dataset.get("length"))


def position_table(result) -> pd.DataFrame:
    """The position-aware comparison (``downstream.positions_*``), as display strings."""
    return report.position_table(result.downstream)


@st.cache_data(show_spinner=False, max_entries=64)
def sample_view(result_key: str, index: int, top_k: int, scope: str, _signal, _result, _teacher):
    """One signal rebuilt from all and from its most attributed coefficients (cached per result and signal)."""
    return result_reconstruction(_result, _signal, _teacher, index=index, top_k=top_k, scope=scope)


@st.cache_data(show_spinner="Building the report…", max_entries=8)
def export_files(result_key: str, _result, _dataset, _teacher) -> dict[str, bytes]:
    """The four output files of a result, built by the same functions the CLI writes them with."""
    texts = report.output_texts(_result, report.report_reconstructions(_dataset, _result, _teacher))
    return {name: text.encode("utf-8") for name, text in texts.items()}
