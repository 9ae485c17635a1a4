"""Reading user files and writing outputs safely.

Reading checks what a user most often gets wrong (an empty file, a file that is
not UTF-8, repeated column names, a semicolon-separated "CSV") and refuses a
table beyond :data:`MAX_CELLS` from its metadata, before parsing. Writing goes
to a temporary sibling folder that replaces the old output set in one swap, so
a failed run leaves either the complete old set or the complete new one.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Iterator

import pandas as pd

from core.errors import InputError

TABLE_SUFFIXES = (".csv", ".parquet", ".pq")

# Rows x columns a table may have. 20 million cells is the 2-million-row,
# 10-column audit the benchmarks run; reading such a table added 0.31 GB of
# peak memory from CSV and 0.35-0.38 GB from Parquet (floats or short texts,
# measured), and a 50 MB CSV of short numbers holds about as many cells. The
# count comes from Parquet metadata or a line count, before anything is parsed.
MAX_CELLS = 20_000_000
# A file is read whole before its cells are counted; 1 GiB holds any table within
# MAX_CELLS unless its text cells are very long.
MAX_FILE_BYTES = 1 << 30
_SAMPLE_FIX = ("Take a random sample of the rows (e.g. frame.sample(1_000_000).to_parquet(...)) or drop unused "
               "columns, then load the smaller file.")


def digest(data: bytes) -> str:
    """Return the hex sha256 of ``data``; caches and reports key on it."""
    return hashlib.sha256(data).hexdigest()


def read_source(source: str | os.PathLike | bytes) -> bytes:
    """Return the bytes of a file path, or ``source`` itself when it is bytes."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    path = Path(source)
    if not path.is_file():
        raise InputError(f"No file at '{path}'.", "Check the path and try again.", field="data")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"'{path.name}' is {size / 2**30:.1f} GiB; files up to {MAX_FILE_BYTES / 2**30:.0f} GiB are "
                         "read (the whole file is held in memory while it is parsed).", _SAMPLE_FIX, field="data")
    return path.read_bytes()


def read_table(data: bytes, filename: str = "data.csv") -> pd.DataFrame:
    """Parse CSV or Parquet bytes into a DataFrame, with plain-words errors.

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str
        Its name; the suffix picks the parser (``.parquet``/``.pq`` or CSV).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    InputError
        If the file is empty, not UTF-8, unparsable or repeats a column name.
    """
    name = Path(filename).name
    if not data or not data.strip():
        raise InputError(f"The file '{name}' is empty.", "Choose a file that has a header row and data rows.", field="data")
    if Path(filename).suffix.lower() in (".parquet", ".pq"):
        _check_parquet_metadata(data, name)
        try:
            frame = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # pyarrow raises many types
            raise InputError(f"'{name}' could not be read as Parquet ({_short(exc)}).",
                             "Export it again as Parquet, or save it as CSV.", field="data") from None
        _check_duplicate_columns([str(c) for c in frame.columns], name)
        return frame
    try:
        data.decode("utf-8-sig")  # only checks: pandas parses the bytes (a str copy would cost ~4x the file)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"'{name}' is not UTF-8 text (byte {exc.start} cannot be decoded).",
            "Save the file as 'CSV UTF-8' in your spreadsheet program, then upload it again.",
            field="data",
        ) from None
    head = data[: 1 << 20].decode("utf-8-sig", errors="ignore")
    header = next(csv.reader(io.StringIO(head)), [])
    sep = _delimiter(head, header)
    if sep != ",":
        header = next(csv.reader(io.StringIO(head), delimiter=sep), [])
    check_cell_budget(_count_lines(data) - 1, len(header), name)
    _check_duplicate_columns([h.strip() for h in header], name)
    try:
        frame = pd.read_csv(io.BytesIO(data), sep=sep, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"'{name}' could not be read as CSV ({exc}).",
                         "Check that every row has the same number of comma-separated cells.", field="data") from None
    if frame.empty:
        raise InputError(f"'{name}' has a header but no data rows.", "Add data rows below the header.", field="data")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def read_columns(data: bytes, filename: str = "data.csv") -> list[str]:
    """Column names of a CSV (its header) or Parquet file (its schema), without reading the rows.

    Raises
    ------
    InputError
        As :func:`read_table` for an empty, non-UTF-8, oversized or unreadable file.
    """
    name = Path(filename).name
    if not data or not data.strip():
        raise InputError(f"The file '{name}' is empty.", "Choose a file that has a header row and data rows.", field="data")
    if Path(filename).suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        _check_parquet_metadata(data, name)
        columns = [str(c) for c in pq.ParquetFile(io.BytesIO(data)).schema_arrow.names]
    else:
        first = data[: 1 << 20].split(b"\n", 1)[0]
        try:
            text = first.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"'{name}' is not UTF-8 text (byte {exc.start} cannot be decoded).",
                             "Save the file as 'CSV UTF-8' in your spreadsheet program, then upload it again.",
                             field="data") from None
        header = next(csv.reader(io.StringIO(text)), [])
        sep = _delimiter(text, header)
        if sep != ",":
            header = next(csv.reader(io.StringIO(text), delimiter=sep), [])
        check_cell_budget(_count_lines(data) - 1, len(header), name)
        columns = [h.strip() for h in header]
    _check_duplicate_columns(columns, name)
    return columns


def check_cell_budget(rows: int, columns: int, name: str, *, limit: int | None = None) -> None:
    """Refuse a table of more than ``limit`` cells before it is parsed.

    Raises
    ------
    InputError
        Naming the size found, the limit and the fix (sample the file).
    """
    limit = MAX_CELLS if limit is None else limit
    if rows * columns > limit:
        raise InputError(
            f"'{name}' has about {rows:,} rows × {columns:,} columns = {rows * columns:,} cells, more than the "
            f"limit of {limit:,} cells that keeps memory bounded.", _SAMPLE_FIX, field="data")


def _count_lines(data: bytes) -> int:
    return data.count(b"\n") + (not data.endswith(b"\n"))


def _delimiter(text: str, header: list[str]) -> str:
    """``,`` unless the header is one cell that splits cleanly on ``;``, tab or ``|``.

    Spreadsheets in many locales save semicolon-separated "CSV"; reading it as one
    column would only say later that a column is missing.
    """
    if len(header) != 1:
        return ","
    first = text.split("\n", 1)[0]
    for sep in (";", "\t", "|"):
        if first.count(sep) >= 1:
            return sep
    return ","


def _check_parquet_metadata(data: bytes, name: str) -> None:
    """Check size and column types from the Parquet footer, without reading the data."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(io.BytesIO(data))
        rows, schema = meta.metadata.num_rows, meta.schema_arrow
    except Exception as exc:  # pyarrow raises many types
        raise InputError(f"'{name}' could not be read as Parquet ({_short(exc)}).",
                         "Export it again as Parquet, or save it as CSV.", field="data") from None
    check_cell_budget(rows, len(schema), name)
    nested = [f.name for f in schema if pa.types.is_nested(f.type)]
    if nested:
        shown = ", ".join(repr(n) for n in nested[:5]) + (" …" if len(nested) > 5 else "")
        raise InputError(f"'{name}' has columns that hold lists or records, not single values: {shown}.",
                         "Flatten them into one value per cell (or drop them) before saving the file.", field="data")


def _short(exc: BaseException, limit: int = 200) -> str:
    text = str(exc).replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def _check_duplicate_columns(columns: list[str], name: str) -> None:
    repeated = sorted(c for c, n in Counter(columns).items() if n > 1)
    if repeated:
        raise InputError(
            f"'{name}' repeats the column name(s) {', '.join(map(repr, repeated))}.",
            "Rename or drop the repeated columns so every column has a unique name.",
            field="data",
        )


def check_output_dir(out_dir: str | os.PathLike, names: tuple[str, ...] = ()) -> Path:
    """Check, before any work, that ``out_dir`` can receive a run's output set.

    Parameters
    ----------
    out_dir : path
        The folder to write; it may exist (its old output set is replaced) or not.
    names : tuple of str
        The files of the output set; other entries in an existing folder are kept.

    Returns
    -------
    Path

    Raises
    ------
    InputError
        For an empty path, an existing file, a system folder (/proc, /sys, /dev)
        or a parent that cannot be written.
    """
    text = os.fspath(out_dir)
    if not str(text).strip():
        raise InputError("The output folder is empty ('').", "Name a folder with --out, e.g. --out report.",
                         field="out")
    if "\0" in str(text):
        raise InputError("The output folder's name holds a NUL byte.", "Name a folder without control characters.",
                         field="out")
    out = Path(text).expanduser()
    absolute = out.resolve(strict=False)
    for system in ("/proc", "/sys", "/dev"):
        if absolute == Path(system) or Path(system) in absolute.parents:
            raise InputError(f"'{out}' is inside the system folder {system}, which cannot hold files.",
                             "Choose a folder in your home or project folder.", field="out")
    if out.exists() and not out.is_dir():
        raise InputError(f"'{out}' is an existing file, not a folder.",
                         "Choose a new folder name with --out, or remove that file.", field="out")
    if out.is_dir() and (out.resolve() == Path.cwd().resolve() or out.resolve() == Path.home().resolve()):
        raise InputError(f"'{out}' is the current or home folder; the output set replaces a whole folder's files.",
                         "Name a dedicated folder, e.g. --out report.", field="out")
    parent = absolute.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"'{out}' cannot be created: the folder '{parent}' is not writable.",
                         "Choose a folder you can write to.", field="out")
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise InputError(f"'{out}' is not writable.", "Choose a folder you can write to.", field="out")
    try:  # a real write finds a full disk or a read-only mount before minutes of fitting
        with tempfile.TemporaryFile(dir=out if out.is_dir() else parent) as probe:
            probe.write(b"0" * 65536)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        raise InputError(f"Cannot write into '{out}' ({exc.strerror or exc}).",
                         "Free some disk space or choose another folder.", field="out") from None
    return out


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


@contextlib.contextmanager
def atomic_output_dir(out_dir: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder whose files replace ``out_dir``'s output set, all at once.

    The new set is written into a hidden sibling folder. Other entries of an
    existing ``out_dir`` (files the run does not write) are moved into it, then
    the two folders are swapped in one rename (``RENAME_EXCHANGE`` on Linux; two
    renames elsewhere). A failure at any point leaves either the complete old set
    or the complete new set, never a mix. If the body raises, ``out_dir`` is
    left exactly as it was.
    """
    out = check_output_dir(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    moved: list[str] = []
    try:
        yield tmp
        _fsync_dir(tmp)
        if not out.exists():
            os.rename(tmp, out)
            return
        produced = {p.name for p in tmp.iterdir()}
        for item in sorted(out.iterdir()):  # keep what the run does not replace
            if item.name not in produced:
                os.rename(item, tmp / item.name)
                moved.append(item.name)
        if not _exchange(tmp, out):
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.rename(out, old / "set")
            try:
                os.rename(tmp, out)
            except OSError:
                os.rename(old / "set", out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        moved.clear()
    except OSError as exc:
        raise InputError(f"Could not write the output into '{out}' ({exc.strerror or exc}); the folder is unchanged.",
                         "Free some disk space or choose another folder, then run again.", field="out") from None
    finally:
        for name in list(moved):  # the swap did not happen: put kept entries back
            with contextlib.suppress(OSError):
                os.rename(tmp / name, out / name)
                moved.remove(name)
        if not moved:  # never delete a user's file that could not be put back
            shutil.rmtree(tmp, ignore_errors=True)


def _fsync_dir(folder: Path) -> None:
    for item in folder.iterdir():
        if item.is_file():
            with contextlib.suppress(OSError), open(item, "rb") as fh:
                os.fsync(fh.fileno())


_RISKY = ("=", "+", "-", "@", "\t", "\r", "\u2212", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\x0b\x0c\x85]")


def safe_cell(value):
    """One spreadsheet-safe cell: NUL removed, line breaks made spaces, formulas neutralised.

    A line break inside a value lets a CSV reader start a new row (pandas does
    not quote a bare carriage return), and the next row's first cell would then
    run as a formula; replacing every break leaves no line start inside a value.
    Non-text values are returned unchanged.
    """
    if not isinstance(value, str):
        return value
    text = _BREAKS.sub(" ", value.replace("\0", ""))
    return f"'{text}" if text.lstrip(" ").startswith(_RISKY) else text


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells and names cannot run as spreadsheet formulas.

    Every text cell and column name goes through :func:`safe_cell`: NUL bytes
    are dropped, line breaks become spaces, and a value that begins (after
    spaces) with ``= + - @``, tab or carriage return gets a leading apostrophe,
    the OWASP advice against CSV injection. Numbers are untouched.
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_cell).astype(object)
    out.columns = [safe_cell(str(c)) if isinstance(c, str) else c for c in out.columns]
    return out


def safe_csv(frame: pd.DataFrame, **kwargs) -> str:
    """CSV text of ``frame`` with formulas neutralised and every text cell quoted."""
    kwargs.setdefault("index", False)
    return neutralise_formulas(frame).to_csv(quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n", **kwargs)


def json_safe(value):
    """``value`` with non-finite floats as None and numpy scalars as Python numbers (for strict JSON)."""
    import math

    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict)) and getattr(value, "ndim", 1) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value
