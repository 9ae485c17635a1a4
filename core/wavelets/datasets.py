"""Signal datasets: the AWD simulation, PyWavelets demo-signal tasks, and uploads."""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pywt

from core.errors import InputError, InputWarning
from core.io import read_table

__all__ = ["SignalDataset", "DatasetSpec", "DATASETS", "load_signals", "read_signals", "infer_task"]

MIN_SIGNALS = 20
MIN_LENGTH = 4


@dataclass(frozen=True, eq=False)
class SignalDataset:
    """Signals with one target each.

    Attributes
    ----------
    X : ndarray (n_signals, length), float64
    y : ndarray (n_signals,)
    task : {"regression", "classification"}
    name, description : str
    target_name : str
    truth : dict or None
        What generated ``y`` when known (simulation): wavelet, level, positions, weight.
    notes : tuple of str
        What was done to the input (resampling, filled gaps...).
    """

    X: np.ndarray
    y: np.ndarray
    task: str
    name: str
    description: str
    target_name: str = "y"
    truth: dict | None = None
    notes: tuple[str, ...] = ()

    @property
    def n_signals(self) -> int:
        return int(self.X.shape[0])

    @property
    def length(self) -> int:
        return int(self.X.shape[1])

    def to_dict(self) -> dict:
        """Summary without the arrays (JSON-safe)."""
        return dict(name=self.name, description=self.description, task=self.task, target_name=self.target_name,
                    n_signals=self.n_signals, length=self.length, truth=self.truth, notes=list(self.notes))


@dataclass(frozen=True)
class DatasetSpec:
    """A built-in dataset: what it is and its default size."""

    name: str
    title: str
    description: str
    task: str
    n: int
    length: int
    builder: object = field(repr=False, default=None)


# -- built-in tasks ------------------------------------------------------------


def _simulation(n: int, rng: np.random.Generator):
    X = rng.normal(size=(n, 64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # J = 4 > pywt's boundary-free depth, as in the paper
        coeffs = pywt.wavedec(X, "db5", mode="zero", level=4)  # [cA4, cD4, cD3, cD2, cD1]
    y = 2.0 * coeffs[2][:, 7:10].sum(axis=1) + rng.normal(0.0, 0.1, size=n)
    truth = dict(wavelet="db5", levels=4, mode="zero", coefficient_index=2, level_name="detail level 3",
                 positions=[7, 8, 9], weight=2.0, noise_sd=0.1)
    return X, y, truth


def _shifted(base: np.ndarray, n: int, rng, noise: float):
    shifts = rng.integers(0, base.size, size=n)
    amps = rng.uniform(0.7, 1.3, size=n)
    X = np.stack([a * np.roll(base, s) for a, s in zip(amps, shifts)])
    return X + rng.normal(0.0, noise, size=X.shape), shifts, amps


def _doppler_shift(n: int, rng):
    base = pywt.data.demo_signal("Doppler", 128)
    base = base / np.abs(base).max()
    X, shifts, _ = _shifted(base, n, rng, 0.1)
    return X, shifts / base.size, dict(generator="Doppler(128) rolled by a random shift; y = shift / 128")


def _blocks_vs_bumps(n: int, rng):
    blocks = pywt.data.demo_signal("Blocks", 128)
    bumps = pywt.data.demo_signal("Bumps", 128)
    labels = rng.integers(0, 2, size=n)
    Xb, _, _ = _shifted(blocks / np.abs(blocks).max(), n, rng, 0.2)
    Xu, _, _ = _shifted(bumps / np.abs(bumps).max(), n, rng, 0.2)
    X = np.where(labels[:, None] == 1, Xu, Xb)
    return X, labels, dict(generator="class 0: Blocks(128), class 1: Bumps(128); random shift, gain and noise")


def _chirp_rate(n: int, rng):
    t = np.linspace(0, 1, 128)
    rate = rng.uniform(5.0, 30.0, size=n)
    phase = rng.uniform(0, 2 * np.pi, size=n)
    X = np.sin(2 * np.pi * rate[:, None] * t[None, :] ** 2 + phase[:, None])
    X = X + rng.normal(0.0, 0.2, size=X.shape)
    return X, rate, dict(generator="sin(2π·r·t² + φ), r ~ U(5, 30) like pywt's LinChirp; y = r")


DATASETS: dict[str, DatasetSpec] = {
    "simulation": DatasetSpec(
        "simulation", "AWD simulation (known answer)",
        "64 Gaussian samples per signal; y = 2 × (sum of three adjacent db5 detail coefficients at level 3, "
        "positions 7–9) + N(0, 0.1²). The true wavelet is db5, so AWD should move toward it.",
        "regression", 5000, 64, _simulation),
    "doppler_shift": DatasetSpec(
        "doppler_shift", "Doppler: where is it?",
        "PyWavelets' Doppler signal (128 samples), circularly shifted, rescaled and noisy; predict the shift.",
        "regression", 2000, 128, _doppler_shift),
    "blocks_vs_bumps": DatasetSpec(
        "blocks_vs_bumps", "Blocks or Bumps?",
        "PyWavelets' Blocks (piecewise constant) or Bumps (spiky) signal, shifted and noisy; classify which.",
        "classification", 2000, 128, _blocks_vs_bumps),
    "chirp_rate": DatasetSpec(
        "chirp_rate", "Chirp rate",
        "Linear chirps (as pywt's LinChirp) with random rate and phase plus noise; predict the rate.",
        "regression", 2000, 128, _chirp_rate),
}


def load_signals(name: str, *, n: int | None = None, random_state: int = 0) -> SignalDataset:
    """Generate a built-in dataset.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS`.
    n : int, optional
        Number of signals (the spec's default when omitted).
    random_state : int
    """
    spec = DATASETS.get(name)
    if spec is None:
        raise InputError(f"There is no built-in dataset called '{name}'.",
                         f"Choose one of {', '.join(DATASETS)}, or upload a file with --data.", field="dataset")
    n = spec.n if n is None else int(n)
    if n < MIN_SIGNALS:
        raise InputError(f"{n} signals are too few.", f"Ask for at least {MIN_SIGNALS}.", field="n")
    rng = np.random.default_rng(random_state)
    X, y, truth = spec.builder(n, rng)
    return SignalDataset(X=np.asarray(X, dtype=float), y=np.asarray(y), task=spec.task, name=name,
                         description=spec.description, target_name="y", truth=truth)


# -- uploads ---------------------------------------------------------------------


def infer_task(y: np.ndarray) -> str:
    """Classification for a few integer labels (at most 10), else regression."""
    values = np.unique(y)
    if len(values) <= 10 and np.all(np.equal(np.mod(values, 1), 0)):
        return "classification"
    return "regression"


def _resample(row: np.ndarray, length: int) -> np.ndarray:
    if row.size == length:
        return row
    if row.size == 1:
        return np.full(length, row[0])
    return np.interp(np.linspace(0, row.size - 1, length), np.arange(row.size), row)


def _clean_rows(rows: list[np.ndarray], length: int | None, notes: list[str]) -> np.ndarray:
    """Trim trailing NaN, fill inner gaps, and resample every row to one length."""
    cleaned, filled = [], 0
    empty = [i for i, r in enumerate(rows) if not np.any(np.isfinite(r))]
    if empty:
        shown = ", ".join(str(i + 1) for i in empty[:5]) + (" …" if len(empty) > 5 else "")
        raise InputError(f"{len(empty)} signal(s) have no numeric values at all (rows {shown}).",
                         "Remove those rows, or fill them with measurements.", field="data")
    for r in rows:
        finite = np.isfinite(r)
        last = np.nonzero(finite)[0][-1]
        first = np.nonzero(finite)[0][0]
        r = r[first : last + 1]
        finite = finite[first : last + 1]
        if not finite.all():
            filled += 1
            idx = np.arange(r.size)
            r = np.interp(idx, idx[finite], r[finite])
        cleaned.append(r)
    lengths = {r.size for r in cleaned}
    target_len = int(length) if length else max(lengths)
    if target_len < MIN_LENGTH:
        raise InputError(f"The signals are only {target_len} samples long.",
                         f"Use signals of at least {MIN_LENGTH} samples, or a larger resampling length.", field="length")
    if len(lengths) > 1 or target_len not in lengths:
        notes.append(f"Signals of {min(lengths)}–{max(lengths)} samples were resampled linearly to {target_len}.")
    if filled:
        notes.append(f"{filled} signal(s) had gaps (NaN inside); they were filled by linear interpolation.")
        warnings.warn(f"{filled} signal(s) had missing values inside; they were filled by linear interpolation.",
                      InputWarning, stacklevel=3)
    return np.stack([_resample(r, target_len) for r in cleaned])


def _check_ragged_csv(data: bytes, name: str) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return  # read_table explains encoding problems
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    for i, row in enumerate(reader, start=2):
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
            raise InputError(
                f"'{name}' has ragged rows: line {i} has {len(row)} cells but the header names {len(header)} columns.",
                "Give the header one column name per sample of the longest signal (e.g. t0, t1, …); shorter "
                "signals may leave the remaining cells empty and are resampled.", field="data")


def _numeric_target(values, target: str) -> np.ndarray:
    series = pd.Series(values)
    numeric = pd.to_numeric(series, errors="coerce")
    bad = series[numeric.isna() & series.notna()]
    if len(bad):
        raise InputError(f"The target column '{target}' is not numeric (e.g. {str(bad.iloc[0])!r}).",
                         "Use numbers: a measurement for regression, or class codes 0, 1, … for classification.",
                         field="target")
    if numeric.isna().any():
        raise InputError(f"The target column '{target}' has {int(numeric.isna().sum())} empty cell(s).",
                         "Fill in the target for every signal, or remove those rows.", field="target")
    return numeric.to_numpy(dtype=float)


def read_signals(data: bytes, filename: str, target: str | None = None, length: int | None = None,
                 task: str | None = None) -> SignalDataset:
    """Read uploaded signals: a CSV (one row per signal plus a target column) or an ``.npz`` with ``X`` and ``y``.

    Parameters
    ----------
    data : bytes
    filename : str
        ``.npz`` selects NumPy; anything else is read as a table (CSV/Parquet).
    target : str, optional
        Target column of a table (default: a column named ``target`` or ``y``).
    length : int, optional
        Resample every signal to this many samples (default: the longest).
    task : {"regression", "classification"}, optional
        Inferred from the target when omitted.
    """
    name = Path(filename).name
    notes: list[str] = []
    if name.lower().endswith(".npz"):
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                if "X" not in npz or "y" not in npz:
                    raise InputError(f"'{name}' must hold arrays named 'X' and 'y' (it has {', '.join(npz.files)}).",
                                     "Save it with np.savez(file, X=signals, y=targets).", field="data")
                X_raw, y_raw = npz["X"], npz["y"]
        except InputError:
            raise
        except ValueError as exc:
            raise InputError(f"'{name}' could not be read ({exc}); ragged (object) arrays are not accepted.",
                             "Store signals as a 2-D float array padded with NaN, e.g. np.savez(f, X=X, y=y).",
                             field="data") from None
        except Exception as exc:
            raise InputError(f"'{name}' is not a valid .npz file ({exc}).",
                             "Save it with np.savez(file, X=signals, y=targets).", field="data") from None
        if X_raw.ndim != 2 or not np.issubdtype(X_raw.dtype, np.number):
            raise InputError(f"X in '{name}' must be a 2-D numeric array (got shape {X_raw.shape}, {X_raw.dtype}).",
                             "Use one row per signal; pad shorter signals with NaN.", field="data")
        if y_raw.ndim != 1 or len(y_raw) != len(X_raw):
            raise InputError(f"y in '{name}' must have one value per signal ({len(X_raw)}); got shape {y_raw.shape}.",
                             "Give y as a 1-D array with one target per row of X.", field="target")
        y = _numeric_target(y_raw, "y")
        rows = [np.asarray(r, dtype=float) for r in X_raw]
        target_name = "y"
    else:
        _check_ragged_csv(data, name)
        frame = read_table(data, name)
        if target is None:
            target = next((c for c in frame.columns if c.lower() in ("target", "y", "label")), None)
            if target is None:
                raise InputError(f"'{name}' has no column called 'target' or 'y'.",
                                 "Name the target column with --target COLUMN (or the target selector).", field="target")
        if target not in frame.columns:
            raise InputError(f"'{name}' has no column '{target}'.",
                             f"Pick one of: {', '.join(map(str, frame.columns[:10]))}.", field="target")
        y = _numeric_target(frame[target], target)
        signal = frame.drop(columns=[target])
        signal = signal.apply(pd.to_numeric, errors="coerce") if len(signal.columns) else signal
        rows = [r for r in signal.to_numpy(dtype=float)]
        target_name = target
    if len(rows) < MIN_SIGNALS:
        raise InputError(f"'{name}' has {len(rows)} signals; at least {MIN_SIGNALS} are needed to train and test.",
                         "Add more signals (rows).", field="data")
    X = _clean_rows(rows, length, notes)
    if np.unique(y).size < 2:
        raise InputError(f"The target '{target_name}' has a single value.", "Choose a target that varies.",
                         field="target")
    task = task or infer_task(y)
    return SignalDataset(X=X, y=y, task=task, name=name, description=f"Uploaded file {name}",
                         target_name=str(target_name), truth=None, notes=tuple(notes))
