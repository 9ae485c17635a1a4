"""Checking a table and an audit spec before any model is fitted.

:func:`check_table` lists every problem, each tied to the setting that fixes
it, so a page can show it beside that control. :func:`require_valid` raises
the first error as :class:`~core.errors.InputError` (the CLI and pipeline use
it) and turns warnings into :class:`~core.errors.InputWarning`.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.audit.spec import CALIBRATION_METHODS, AuditSpec
from core.errors import InputError, InputWarning

MIN_ROWS = 50
MIN_PER_CLASS = 20
TRUE_WORDS = {"1", "true", "yes"}
FALSE_WORDS = {"0", "false", "no"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input.

    Attributes
    ----------
    field : str
        The control that fixes it: "data", "score", "outcome", "positive",
        "features", "protected" or "calibration".
    problem, fix : str
    severity : {"error", "warning"}
    """

    field: str
    problem: str
    fix: str
    severity: str = "error"

    def to_dict(self) -> dict:
        return dict(self.__dict__)


MAPPING_FIELDS = ("score", "outcome", "features", "protected", "protected_as_features")


def settle_mapping(mapping: dict, changes: dict | None = None) -> dict:
    """A column mapping with ``changes`` applied and made consistent; ``mapping`` is left as it was.

    The score and the outcome are never features or protected attributes,
    and Features lists the protected attributes exactly when
    ``protected_as_features`` is on (the audit uses all of them or none).

    Parameters
    ----------
    mapping : dict
        ``score``, ``outcome``, ``positive``, ``features``, ``protected``,
        ``protected_as_features`` (the app's mapping).
    changes : dict, optional
        New values for any of :data:`MAPPING_FIELDS` (e.g. what the widgets hold now).

    Returns
    -------
    dict
        A new mapping.
    """
    out = {**mapping, **{k: v for k, v in (changes or {}).items() if k in MAPPING_FIELDS}}
    target = (out.get("score"), out.get("outcome"))
    protected = [p for p in out.get("protected") or () if p not in target]
    features = [f for f in out.get("features") or () if f not in target and f not in protected]
    out["protected"] = protected
    out["features"] = features + (protected if out.get("protected_as_features", True) else [])
    return out


def model_features(frame: pd.DataFrame, spec: AuditSpec) -> list[str]:
    """The feature columns both models use, in order."""
    if spec.features:
        feats = list(spec.features)
    else:
        skip = {spec.score, spec.outcome}
        feats = [c for c in frame.columns if c not in skip and c not in spec.protected]
    if spec.protected_as_features:
        feats += [c for c in spec.protected if c not in feats]
    else:
        feats = [c for c in feats if c not in spec.protected]
    return feats


def _level_codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes (-1 for missing) and stripped text of each distinct value.

    Only the distinct values are turned into text, so a million-row column
    costs one factorize, not a million ``str`` calls.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, [str(u).strip() for u in uniques]


def outcome_as_binary(values: pd.Series, positive: str | None) -> np.ndarray:
    """0/1 float array (NaN where missing) from a binary outcome column."""
    out = np.full(len(values), np.nan)
    mask = values.notna().to_numpy()
    if positive is None and (pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values)):
        out[mask] = values[mask].astype(float).to_numpy()
        return out
    codes, levels = _level_codes(values)
    if positive is not None:
        hit = np.array([lv == str(positive).strip() for lv in levels] + [False], dtype=float)
    else:
        hit = np.array([lv.lower() in TRUE_WORDS for lv in levels] + [False], dtype=float)
    out[mask] = hit[codes[mask]]
    return out


def _outcome_problems(col: pd.Series, spec: AuditSpec) -> list[Problem]:
    name = spec.outcome
    present = col.dropna()
    if present.empty:
        return [Problem("outcome", f"The outcome column '{name}' is empty (every value is missing).",
                        "Choose the column that records what really happened.")]
    levels = sorted(set(_level_codes(present)[1]))
    if len(levels) > 2:
        shown = ", ".join(levels[:6]) + (", …" if len(levels) > 6 else "")
        return [Problem("outcome", f"The outcome '{name}' has {len(levels)} different values ({shown}); it must have two.",
                        "Choose a yes/no outcome column, or recode this one into two values first.")]
    if len(levels) < 2:
        return [Problem("outcome", f"The outcome '{name}' has only one value ('{levels[0]}'), so there is nothing to learn.",
                        "Choose an outcome that has both values, or add rows with the other value.")]
    if spec.positive is not None:
        if str(spec.positive).strip() not in levels:
            return [Problem("positive", f"'{spec.positive}' is not a value of '{name}' (it has {', '.join(levels)}).",
                            f"Choose one of {', '.join(levels)} as the positive outcome.")]
        return []
    if pd.api.types.is_bool_dtype(present):
        return []
    numeric = pd.api.types.is_numeric_dtype(present)
    if numeric and set(present.unique().astype(float)) <= {0.0, 1.0}:
        return []
    if not numeric and {lv.lower() for lv in levels} <= TRUE_WORDS | FALSE_WORDS and \
            any(lv.lower() in TRUE_WORDS for lv in levels) and any(lv.lower() in FALSE_WORDS for lv in levels):
        return []
    return [Problem("positive", f"The outcome '{name}' has the values {', '.join(levels)}; which one counts as positive?",
                    f"Choose the positive value (e.g. --positive {levels[-1]}).")]


def check_table(frame: pd.DataFrame, spec: AuditSpec) -> list[Problem]:
    """Return every problem with ``frame`` for ``spec`` (errors first, then warnings)."""
    problems: list[Problem] = []
    cols = [str(c) for c in frame.columns]
    repeated = sorted(c for c, n in Counter(cols).items() if n > 1)
    if repeated:
        return [Problem("data", f"The table repeats the column name(s) {', '.join(map(repr, repeated))}.",
                        "Rename or drop the repeated columns so every column has a unique name.")]
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        return [Problem("data", "The table is empty.", "Choose a file with a header row and data rows.")]
    available = ", ".join(cols[:12]) + (", …" if len(cols) > 12 else "")
    for field, name in (("score", spec.score), ("outcome", spec.outcome)):
        if not name:
            problems.append(Problem(field, f"No {field} column is chosen.", f"Choose the {field} column."))
        elif name not in cols:
            problems.append(Problem(field, f"There is no column '{name}' in the table.",
                                    f"Choose one of the table's columns: {available}."))
    if not problems and spec.score == spec.outcome:
        problems.append(Problem("outcome", f"The score and the outcome are the same column '{spec.outcome}'.",
                                "Choose the column that records what really happened."))
    feats = model_features(frame, spec) if not problems else []
    for field, names in (("features", spec.features), ("protected", spec.protected)):
        for name in names:
            if name not in cols:
                problems.append(Problem(field, f"There is no column '{name}' in the table.",
                                        f"Remove '{name}' or choose from: {available}."))
    if spec.calibration not in CALIBRATION_METHODS:
        problems.append(Problem("calibration", f"Unknown calibration method '{spec.calibration}'.",
                                f"Use one of {', '.join(CALIBRATION_METHODS)}."))
    if problems:
        return problems

    for name in feats:
        if name in (spec.score, spec.outcome):
            what = "score" if name == spec.score else "outcome"
            problems.append(Problem("features", f"The {what} column '{name}' is also listed as a feature.",
                                    f"Remove '{name}' from the features."))
    if not feats:
        problems.append(Problem("features", "No feature columns are left to explain the score.",
                                "Choose at least one feature column."))

    used = [spec.score, spec.outcome, *feats, *(c for c in spec.protected if c not in feats)]
    problems += _cell_problems(frame, used, spec)
    if any(p.severity == "error" for p in problems):
        return problems

    raw_score = frame[spec.score]
    score = pd.to_numeric(raw_score, errors="coerce")
    bad = raw_score.notna() & score.isna()
    if bad.any():
        example = str(raw_score[bad].iloc[0])
        problems.append(Problem("score", f"The score '{spec.score}' is not numeric (e.g. the value '{example}').",
                                "Choose a numeric score column, or convert text like 'High' to numbers first."))
    elif score.nunique() < 2:
        problems.append(Problem("score", f"The score '{spec.score}' is constant"
                                + ("" if score.notna().any() else " (all missing)") + "; it ranks nobody.",
                                "Choose the column that holds the black box's risk score."))
    elif spec.calibration == "none" and (score.min() < 0 or score.max() > 1):
        problems.append(Problem("calibration", f"Calibration 'none' needs probabilities, but '{spec.score}' runs "
                                f"from {score.min():g} to {score.max():g}.", "Choose isotonic, platt or spline calibration."))
    problems += _outcome_problems(frame[spec.outcome], spec)
    if any(p.severity == "error" for p in problems):
        return problems

    y = outcome_as_binary(frame[spec.outcome], spec.positive)
    usable = ~np.isnan(y) & score.notna().to_numpy()
    n, n_pos = int(usable.sum()), int(np.nansum(y[usable]))
    if n < MIN_ROWS:
        problems.append(Problem("data", f"Only {n} rows have both a score and an outcome; at least {MIN_ROWS} are needed.",
                                "Use a larger table."))
    elif min(n_pos, n - n_pos) < MIN_PER_CLASS:
        which = "positive" if n_pos < n - n_pos else "negative"
        problems.append(Problem("outcome", f"Only {min(n_pos, n - n_pos)} {which} outcomes; at least {MIN_PER_CLASS} "
                                "of each are needed to fit the outcome model.", "Use more rows or a more common outcome."))
    dropped = len(frame) - n
    if dropped and n >= MIN_ROWS:
        problems.append(Problem("data", f"{dropped} rows lack a score or an outcome and will be left out.",
                                "Nothing to do unless that is unexpected.", "warning"))
    for name in feats:
        col = frame[name]
        if col.isna().all():
            problems.append(Problem("features", f"The feature '{name}' is empty (every value is missing).",
                                    f"Remove '{name}' from the features."))
            continue
        if _same_as_outcome(col, frame[spec.outcome], y, usable, spec.positive):
            problems.append(Problem("features", f"The feature '{name}' is identical to the outcome '{spec.outcome}': "
                                    "it leaks the answer and the comparison will be meaningless.",
                                    f"Remove '{name}' from the features.", "warning"))
    return sorted(problems, key=lambda p: p.severity != "error")


_NESTED_TYPES = (list, tuple, dict, set, np.ndarray)


def _cell_problems(frame: pd.DataFrame, columns: list[str], spec: AuditSpec) -> list[Problem]:
    """Cells no model can use: lists or records, infinities, and dates given as the score."""
    problems = []
    for name in dict.fromkeys(columns):
        col = frame[name]
        field = ("score" if name == spec.score else "outcome" if name == spec.outcome
                 else "protected" if name in spec.protected and name not in spec.features else "features")
        if col.dtype == object:
            nested = col.map(lambda v: isinstance(v, _NESTED_TYPES)).to_numpy(bool)
            if nested.any():
                problems.append(Problem(field, f"The column '{name}' holds lists or records, not single values "
                                        f"({int(nested.sum()):,} cells).",
                                        "Flatten it into one value per cell, or leave it out."))
                continue
        if name == spec.score and (pd.api.types.is_datetime64_any_dtype(col) or pd.api.types.is_timedelta64_dtype(col)
                                   or _holds_dates(col)):
            problems.append(Problem("score", f"The score '{name}' holds dates or times, not risk scores.",
                                    "Choose the column that holds the black box's numeric score."))
            continue
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            values = col.to_numpy(dtype=float, na_value=np.nan)
            inf = np.isinf(values)
            if inf.any():
                what = "score" if field == "score" else "column"
                problems.append(Problem(field, f"The {what} '{name}' has {int(inf.sum()):,} infinite value(s) "
                                        f"(e.g. {values[inf][0]:g}), which no model can use.",
                                        "Replace them with finite numbers, or leave those cells empty "
                                        "(rows without a score are left out; empty features are allowed)."))
    return problems


def _holds_dates(col: pd.Series) -> bool:
    import datetime as dt

    if col.dtype != object:
        return False
    head = col.dropna().head(50)
    return len(head) > 0 and all(isinstance(v, (dt.date, dt.datetime, dt.time, pd.Timestamp)) for v in head)


def _same_as_outcome(col: pd.Series, outcome: pd.Series, y: np.ndarray, usable: np.ndarray,
                     positive: str | None) -> bool:
    """Whether a feature repeats the outcome on every usable row (as 0/1 or as the same labels)."""
    if col.nunique(dropna=True) > 2:  # cheap exit: a copy of a binary outcome has at most two values
        return False
    if col.isna().to_numpy()[usable].any():
        return False
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        return bool(np.array_equal(col.to_numpy(float)[usable], y[usable]))
    codes, levels = _level_codes(col)
    as_number = pd.to_numeric(pd.Series(levels, dtype=object), errors="coerce").to_numpy(float)
    if not np.isnan(as_number).any() and np.array_equal(as_number[codes][usable], y[usable]):
        return True
    # same labels as the outcome itself (e.g. "yes"/"no" in both), or the positive label marking the 1s
    o_codes, o_levels = _level_codes(outcome)
    labels = np.array(levels, dtype=object)[codes][usable]
    if np.array_equal(labels, np.array(o_levels + [None], dtype=object)[o_codes][usable]):
        return True
    return positive is not None and np.array_equal(labels == str(positive).strip(), y[usable] == 1)


def require_valid(frame: pd.DataFrame, spec: AuditSpec) -> list[Problem]:
    """Raise the first error as InputError; warn (InputWarning) for the rest. Returns the warnings."""
    problems = check_table(frame, spec)
    for p in problems:
        if p.severity == "error":
            raise InputError(p.problem, p.fix, field=p.field)
    for p in problems:
        warnings.warn(f"{p.problem} {p.fix}", InputWarning, stacklevel=2)
    return problems
