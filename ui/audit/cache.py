"""Cached calls into ``core.audit`` for the pages.

Every function takes the data's sha256 and the settings as hashed arguments
and the table or result as an unhashed ``_`` argument: a rerun with the same
data and settings returns at once, and a large table is never hashed row by
row (Streamlit samples DataFrames of 50,000+ rows, which could return a stale
entry after an edit).
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from core.audit.calibration import CalibrationResult
from core.audit.pipeline import calibration_for
from core.audit.spec import AuditSpec
from core.audit.validate import Problem, check_table


# The settings a calibration depends on; others (bags, pairs…) do not recalibrate.
CALIBRATION_FIELDS = ("score", "outcome", "positive", "protected", "calibration", "epsilon", "test_size", "random_state")


def _spec_json(spec: AuditSpec) -> str:
    return json.dumps(spec.to_dict(), sort_keys=True)


@st.cache_data(show_spinner=False, max_entries=32)
def _problems(sha256: str, spec_json: str, _frame: pd.DataFrame, _spec: AuditSpec) -> list[Problem]:
    return check_table(_frame, _spec)


def problems(sha256: str, frame: pd.DataFrame, spec: AuditSpec) -> list[Problem]:
    """Everything wrong with ``frame`` for ``spec``, each tied to the control that fixes it."""
    return _problems(sha256, _spec_json(spec), frame, spec)


@st.cache_data(show_spinner="Calibrating…", max_entries=32)
def _calibration(sha256: str, spec_json: str, _frame: pd.DataFrame, _spec: AuditSpec) -> CalibrationResult:
    return calibration_for(_frame, _spec)


def calibration_preview(sha256: str, frame: pd.DataFrame, spec: AuditSpec) -> CalibrationResult:
    """The calibration ``run_audit`` would fit for ``spec``, without fitting any model (cached).

    Raises ``InputError`` like :func:`core.audit.pipeline.calibration_for`.
    """
    used = {k: v for k, v in spec.to_dict().items() if k in CALIBRATION_FIELDS}
    return _calibration(sha256, json.dumps(used, sort_keys=True), frame, spec)


@st.cache_data(show_spinner="Writing the report…", max_entries=8)
def _report_files(run_key: str, _result) -> dict[str, bytes]:
    from core.audit.report import metrics_json, report_html, shapes_csv

    return {"report.html": report_html(_result).encode("utf-8"),
            "metrics.json": metrics_json(_result).encode("utf-8"),
            "shapes.csv": shapes_csv(_result).encode("utf-8")}


def report_files(run_key: str, result) -> dict[str, bytes]:
    """The three files ``python -m core audit`` writes, as the same bytes, built once per run."""
    return _report_files(run_key, result)
