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
from core.params import check_fields
from core.wavelets.settings import MAX_SEED

__all__ = ["SignalDataset", "DatasetSpec", "DATASETS", "load_signals", "read_signals", "infer_task", "check_settings",
           "MAX_LENGTH", "MAX_SAMPLES", "MAX_SIGNALS"]

MIN_SIGNALS = 20
MIN_LENGTH = 4
# Longest signal the engine takes. Up to 512 samples training uses a dense
# length x length operator (0.32 GB of peak memory at 1,024 samples, 0.94 GB at
# 2,048, about 4.2 GB at 4,096, measured), longer signals the convolution path,
# whose memory grows with signals x samples: 25 x 100,000 samples ran in 0.92 GB
# peak and 300 x 65,536 (19.7 million values) in 2.6 GB. 65,536 samples (2^16)
# covers the recordings this tool is for; longer ones are resampled with --length.
MAX_LENGTH = 65_536
# Signals x samples read from a file or trained on, before and after resampling:
# at about 130 bytes per value during a run (measured above), 10 million values
# keep one run near 1.3 GB.
MAX_SAMPLES = 10_000_000
MAX_SIGNALS = 200_000
# float32 training squares the signals: |x| up to 1e15 keeps sums of squares far below float32's 3.4e38.
MAX_ABS = 1e15


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

    @property
    def linear_target(self) -> bool:
        """The target is known to be linear in the signal (the simulation), so a linear model is its ceiling."""
        return bool((self.truth or {}).get("linear"))

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
                 positions=[7, 8, 9], weight=2.0, noise_sd=0.1, linear=True)
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
        "positions 7–9) + N(0, 0.1²). The true wavelet is db5: from sym5, AWD at the default settings "
        "moves part of the way toward it (ψ distance 1.28 → about 1.13, 24 of 24 seeds measured).",
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
    if n > MAX_SIGNALS:
        raise InputError(f"{n:,} signals are more than the {MAX_SIGNALS:,} this tool trains on in bounded memory.",
                         f"Ask for at most {MAX_SIGNALS:,}.", field="n")
    if n * spec.length > MAX_SAMPLES:
        most = MAX_SAMPLES // spec.length
        raise InputError(f"{n:,} signals of {spec.length} samples are more than the {MAX_SAMPLES:,} values this "
                         "tool trains on in bounded memory.", f"Ask for at most {most:,} signals.", field="n")
    if not 0 <= int(random_state) <= MAX_SEED:
        raise InputError(f"The data seed {random_state} is out of range.", f"Use a seed from 0 to {MAX_SEED}.",
                         field="data_seed")
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
    _check_values(rows)
    if length is not None and not MIN_LENGTH <= int(length) <= MAX_LENGTH:
        raise InputError(f"A resampling length of {length:,} samples is outside {MIN_LENGTH}–{MAX_LENGTH:,}.",
                         f"Choose a length from {MIN_LENGTH} to {MAX_LENGTH:,} (memory grows with its square).",
                         field="length")
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
    if len(rows) * target_len > MAX_SAMPLES:
        raise InputError(f"{len(rows):,} signals × {target_len:,} samples = {len(rows) * target_len:,} values, more "
                         f"than the {MAX_SAMPLES:,} this tool trains on in bounded memory.",
                         "Use fewer signals or a shorter resampling length.", field="length")
    if target_len > MAX_LENGTH:
        raise InputError(f"The signals are {target_len:,} samples long; this tool trains on at most {MAX_LENGTH:,} "
                         "(memory grows with the square of the length).",
                         f"Resample them to at most {MAX_LENGTH:,} samples (--length {MAX_LENGTH} or the length "
                         "selector), or cut them into shorter windows.", field="length")
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


def _check_values(rows: list[np.ndarray]) -> None:
    """Infinities and overflowing magnitudes are refused here, not mistaken for gaps."""
    for i, r in enumerate(rows):
        if np.isinf(r).any():
            raise InputError(f"Signal {i + 1} holds an infinite value ({r[np.isinf(r)][0]:g} at sample "
                             f"{int(np.argmax(np.isinf(r))) + 1}); an infinity is not a gap and cannot be filled in.",
                             "Replace infinities with measurements, or leave those cells empty to mark gaps.",
                             field="data")
        big = np.abs(np.where(np.isfinite(r), r, 0.0)).max(initial=0.0)
        if big > MAX_ABS:
            raise InputError(f"Signal {i + 1} holds a value of magnitude {big:.3g}, beyond ±{MAX_ABS:g}, which "
                             "overflows the network's single-precision arithmetic.",
                             "Rescale the signals (e.g. divide by a constant or standardise them); only their "
                             "shape matters.", field="data")


def _check_npz_header(data: bytes, name: str) -> None:
    """Check the declared shapes and dtypes of ``X`` and ``y`` before anything is decompressed."""
    import zipfile

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError(f"'{name}' is not a .npz archive (a .npz is a zip file of .npy arrays).",
                         "Save it with np.savez(file, X=signals, y=targets), or upload the signals as CSV.",
                         field="data")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = {Path(i.filename).stem: i for i in zf.infolist() if i.filename.endswith(".npy")}
            if "X" not in members or "y" not in members:
                raise InputError(f"'{name}' must hold arrays named 'X' and 'y' (it has "
                                 f"{', '.join(sorted(members)) or 'none'}).",
                                 "Save it with np.savez(file, X=signals, y=targets).", field="data")
            headers = {}
            for key in ("X", "y"):
                with zf.open(members[key]) as fh:
                    version = np.lib.format.read_magic(fh)
                    read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                            else np.lib.format.read_array_header_2_0)
                    shape, _, dtype = read(fh, max_header_size=10_000)
                headers[key] = (shape, dtype, members[key].file_size)
    except InputError:
        raise
    except Exception as exc:  # a damaged zip or .npy header
        raise InputError(f"'{name}' is not a valid .npz file ({str(exc)[:200]}).",
                         "Save it with np.savez(file, X=signals, y=targets).", field="data") from None
    for key, (shape, dtype, size) in headers.items():
        if dtype.hasobject:
            raise InputError(f"{key} in '{name}' holds Python objects (a ragged or object array, stored as pickled "
                             "data), which is not loaded for safety.",
                             "Store signals as a 2-D float array padded with NaN, e.g. np.savez(f, X=X, y=y).",
                             field="data")
        if dtype.kind == "c":
            raise InputError(f"{key} in '{name}' is complex ({dtype}); the wavelet tools take real signals.",
                             "Pass the real part, the magnitude, or both as separate signals.", field="data")
        if dtype.kind not in "biuf":
            raise InputError(f"{key} in '{name}' is not numeric (dtype {dtype}).",
                             "Store numbers (float or int) in X and y.", field="data")
        cells = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if cells > MAX_SAMPLES:
            raise InputError(f"{key} in '{name}' declares shape {shape} = {cells:,} values, more than the "
                             f"{MAX_SAMPLES:,} this tool reads in bounded memory.",
                             "Use fewer or shorter signals (e.g. a random subset, or resampled signals).",
                             field="data")


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


def _check_table_size(data: bytes, name: str) -> None:
    """Refuse, before parsing, a table with too few rows or too many cells (it costs seconds to parse)."""
    if name.lower().endswith((".parquet", ".pq")):
        return  # read_table checks the Parquet footer first
    body = data.rstrip(b"\r\n\t ")
    lines = body.count(b"\n") + 1 if body else 0
    first = data.split(b"\n", 1)[0]
    columns = first.count(b",") + 1
    if lines - 1 < MIN_SIGNALS:
        raise InputError(f"'{name}' has {max(lines - 1, 0)} signal row(s); at least {MIN_SIGNALS} are needed "
                         "to train and test.", "Give one row per signal (plus a header row) and add more signals.",
                         field="data")
    if (lines - 1) * columns > MAX_SAMPLES:
        raise InputError(f"'{name}' has about {lines - 1:,} rows × {columns:,} columns, more than the "
                         f"{MAX_SAMPLES:,} values this tool reads in bounded memory.",
                         "Use fewer signals or resample them to fewer samples before uploading.", field="data")


def _check_text_cells(raw: pd.DataFrame, numeric: pd.DataFrame, name: str) -> None:
    """A signal cell holding text is an error naming the cells, not a gap to interpolate.

    Blank cells (empty or white space only) are gaps, not text.
    """
    blank = raw.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)
    bad = raw.notna().to_numpy() & numeric.isna().to_numpy() & ~blank
    if not bad.any():
        return
    rows, cols = np.nonzero(bad)
    cells = "; ".join(f"row {r + 1}, column '{raw.columns[c]}': {str(raw.iat[r, c])[:40]!r}"
                      for r, c in zip(rows[:3], cols[:3]))
    more = f" and {len(rows) - 3:,} more" if len(rows) > 3 else ""
    raise InputError(f"'{name}' has {len(rows):,} signal cell(s) holding text ({cells}{more}); "
                     "signals must be numbers.",
                     "Remove text columns (or name the target with --target), and leave gaps as empty cells.",
                     field="data")


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
    out = numeric.to_numpy(dtype=float)
    if np.isinf(out).any():
        raise InputError(f"The target column '{target}' holds {int(np.isinf(out).sum())} infinite value(s).",
                         "Replace them with finite numbers, or remove those rows.", field="target")
    if np.abs(out).max(initial=0.0) > MAX_ABS:
        raise InputError(f"The target '{target}' reaches {np.abs(out).max():.3g}, beyond ±{MAX_ABS:g}, where its "
                         "variance overflows.", "Rescale the target (e.g. divide by a constant or take logs).",
                         field="target")
    return out


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
        _check_npz_header(data, name)
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
        if len(X_raw) > MAX_SIGNALS:
            raise InputError(f"'{name}' holds {len(X_raw):,} signals, more than {MAX_SIGNALS:,}.",
                             "Use a random subset of the signals.", field="data")
        y = _numeric_target(y_raw, "y")
        rows = [np.asarray(r, dtype=float) for r in X_raw]
        target_name = "y"
    else:
        _check_table_size(data, name)
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
        if len(signal.columns):
            numeric = signal.apply(pd.to_numeric, errors="coerce")
            _check_text_cells(signal, numeric, name)
            signal = numeric
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


# -- settings ------------------------------------------------------------------

# Filter taps the lattice can start from in seconds: finding its angles took 3.3 s
# for 20 taps (db10) and 14-19 s for 36-40 taps, where the fit also got worse
# (4e-4 for coif6); coif17 (102 taps) gave no result in 300 s.
MAX_LATTICE_TAPS = 20
MAX_FILTER_TAPS = 40


def check_settings(settings, *, length: int | None = None) -> None:
    """Check every setting of a wavelet run before any work starts.

    Parameters
    ----------
    settings : WaveletSettings
    length : int, optional
        Samples per signal, to check the levels and the filter length against.

    Raises
    ------
    InputError
        The first bad setting, naming it, its allowed range and the fix.
    """
    import math

    s = settings
    check_fields(s)  # the declared ranges (already checked when a WaveletSettings is made)
    _check_wavelet(s.wavelet, s.parametrization, length)
    if length is not None:
        deepest = int(math.floor(math.log2(max(length, 1))))
        if s.levels > max(deepest, 1):
            raise InputError(f"{s.levels} levels do not fit signals of {length} samples; at most {deepest} fit.",
                             f"Use --levels {max(deepest, 1)} or fewer.", field="levels")
    check_device(s.device)


def _check_wavelet(name: str, parametrization: str, length: int | None) -> None:
    key = str(name).strip().lower()
    if key not in pywt.wavelist(kind="discrete"):
        raise InputError(f"'{name}' is not a wavelet PyWavelets knows.",
                         "Use an orthogonal wavelet such as db5, sym5 or coif2.", field="wavelet")
    w = pywt.Wavelet(key)
    if not w.orthogonal:
        raise InputError(f"'{name}' is biorthogonal, but AWD starts from an orthogonal wavelet.",
                         "Choose dbN, symN or coifN (for example db5).", field="wavelet")
    taps = w.dec_len
    if parametrization == "lattice" and taps < 4:
        raise InputError(f"'{name}' has only {taps} taps; the default lattice parametrization needs 4 or more.",
                         "Start from db2 or longer (e.g. db5), or use --parametrization penalty for haar.",
                         field="wavelet")
    limit = MAX_LATTICE_TAPS if parametrization == "lattice" else MAX_FILTER_TAPS
    if taps > limit:
        raise InputError(f"'{name}' has {taps} taps; with the {parametrization} parametrization at most {limit} "
                         "are supported (longer filters take minutes just to set up).",
                         "Choose a shorter wavelet such as db5, sym8 or coif3.", field="wavelet")
    if length is not None and taps > length:
        raise InputError(f"'{name}' has {taps} taps, longer than the {length}-sample signals.",
                         "Choose a shorter wavelet (e.g. db2) or longer signals.", field="wavelet")


def check_device(device: str | None) -> None:
    """Refuse a torch device name that is malformed or not available on this machine."""
    if device is None:
        return
    import torch

    try:
        dev = torch.device(str(device))
    except (RuntimeError, TypeError, ValueError):
        raise InputError(f"'{device}' is not a torch device name.", "Use cpu, cuda or cuda:0 (or leave it out).",
                         field="device") from None
    if dev.type == "cpu":
        return
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise InputError("The device 'cuda' was asked for, but this torch build or machine has no usable GPU.",
                             "Leave out --device (or use --device cpu).", field="device")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise InputError(f"There is no GPU {dev.index}; this machine has {torch.cuda.device_count()}.",
                             "Use --device cuda:0, or leave out --device.", field="device")
        return
    if dev.type == "mps" and getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return
    raise InputError(f"The device '{device}' is not supported or not available here.",
                     "Use cpu or cuda (or leave out --device).", field="device")
