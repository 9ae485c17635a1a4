"""Small blocks the wavelet pages share: the teacher line, validity badges, the downstream table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.wavelets import plots, report
from core.wavelets.filters import Validity
from core.wavelets.reconstruct import reconstruct_sample

METRIC_NAMES = {"r2": "R²", "accuracy": "accuracy"}


def metric_name(metric: str) -> str:
    return METRIC_NAMES.get(metric, metric)


def teacher_summary(source, teacher) -> None:
    """One line naming the signals and the teacher in use."""
    st.markdown(f"**Signals:** {source.label} ({source.dataset.n_signals:,} × {source.dataset.length}) · "
                f"**Teacher:** {teacher.kind.upper()}, held-out {metric_name(teacher.metric)} "
                f"{teacher.test_score:.3f}")


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
    """Score, compression rate and prediction time of each model, for ``st.dataframe``."""
    d = result.downstream
    compression = {"awd": d.compression_rate, "init_wavelet": d.compression_rate_init,
                   "gamma0": getattr(d, "compression_rate_gamma0", None), "teacher": None}
    seconds = {"awd": d.predict_seconds_student, "init_wavelet": d.predict_seconds_student,
               "gamma0": d.predict_seconds_student, "teacher": d.predict_seconds_teacher}
    return pd.DataFrame([{
        "Model": r["model"],
        f"Held-out {metric_name(d.metric)}": r["score"],
        "Compression rate": compression[r["key"]] if compression[r["key"]] is not None else float("nan"),
        "Prediction time (ms)": seconds[r["key"]] * 1e3,
    } for r in d.rows()])


@st.cache_data(show_spinner=False, max_entries=64)
def sample_view(result_key: str, index: int, top_k: int, _signal, _result, _teacher):
    """One signal rebuilt from all and from its top-k attributed coefficients (cached per result and signal)."""
    s = _result.settings
    return reconstruct_sample(_signal, _result.filter, _teacher, levels=s.levels, mode=s.mode, top_k=top_k,
                              index=index)


REPORT_SIGNALS = 2  # test signals shown in the report, as the CLI does


@st.cache_data(show_spinner="Building the report…", max_entries=8)
def export_files(result_key: str, _result, _dataset, _teacher) -> dict[str, bytes]:
    """The four output files of a result, built by the same functions the CLI writes them with."""
    s = _result.settings
    recs = [reconstruct_sample(_dataset.X[i], _result.filter, _teacher.model, levels=s.levels, mode=s.mode,
                               top_k=s.top_k, index=int(i)) for i in _teacher.test_index[:REPORT_SIGNALS]]
    texts = {"filters.json": report.filters_json(_result), "features.csv": report.features_csv(_result),
             "report.html": report.report_html(_result, recs), "metrics.json": report.metrics_json(_result)}
    return {name: text.encode("utf-8") for name, text in texts.items()}
