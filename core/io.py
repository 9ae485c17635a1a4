"""Reading user files and writing outputs safely.

Reading checks what a user most often gets wrong (an empty file, a file that is
not UTF-8, repeated column names) and says so in plain words. Writing goes to a
temporary folder first and is moved into place only when every file is ready,
so a failed run never leaves half a report behind.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Iterator

import pandas as pd

from core.errors import InputError

TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


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
        try:
            frame = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # pyarrow raises many types
            raise InputError(f"'{name}' could not be read as Parquet ({exc}).",
                             "Export it again as Parquet, or save it as CSV.", field="data") from None
        _check_duplicate_columns([str(c) for c in frame.columns], name)
        return frame
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"'{name}' is not UTF-8 text (byte {exc.start} cannot be decoded).",
            "Save the file as 'CSV UTF-8' in your spreadsheet program, then upload it again.",
            field="data",
        ) from None
    header = next(csv.reader(io.StringIO(text)), [])
    _check_duplicate_columns([h.strip() for h in header], name)
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"'{name}' could not be read as CSV ({exc}).",
                         "Check that every row has the same number of comma-separated cells.", field="data") from None
    if frame.empty:
        raise InputError(f"'{name}' has a header but no data rows.", "Add data rows below the header.", field="data")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _check_duplicate_columns(columns: list[str], name: str) -> None:
    repeated = sorted(c for c, n in Counter(columns).items() if n > 1)
    if repeated:
        raise InputError(
            f"'{name}' repeats the column name(s) {', '.join(map(repr, repeated))}.",
            "Rename or drop the repeated columns so every column has a unique name.",
            field="data",
        )


@contextlib.contextmanager
def atomic_output_dir(out_dir: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder whose files move into ``out_dir`` on success.

    If the body raises, the temporary folder is removed and ``out_dir`` is
    left exactly as it was.
    """
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        yield tmp
        out.mkdir(exist_ok=True)
        for item in sorted(tmp.iterdir()):
            os.replace(item, out / item.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells cannot run as spreadsheet formulas.

    Cells that begin with ``= + - @`` (or tab / carriage return) get a leading
    apostrophe, the OWASP advice against CSV injection. Numbers are untouched.
    """
    out = frame.copy()
    risky = ("=", "+", "-", "@", "\t", "\r", "\u2212")
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: f"'{v}" if isinstance(v, str) and v.startswith(risky) else v)
    out.columns = [f"'{c}" if str(c).startswith(risky) else c for c in out.columns]
    return out
