"""The audit's data source: what the user picked, kept across pages.

``st.session_state[keys.AUDIT_SOURCE]`` holds a small :class:`Source` record
(never a DataFrame); :func:`load` turns it into an ``AuditDataset`` through
caches keyed on the data's sha256, so every page and every rerun sees the same
table without reading or generating it again.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from core.audit.datasets import COMPAS_FILE, AuditDataset, cache_dir, load_dataset
from core.io import digest, read_table
from ui import keys
from ui.memory import UPLOADS

UPLOAD = "upload"
SYNTHETIC = ("synthetic-biased", "synthetic-hidden-feature", "synthetic-clean")
CHOICES = (*SYNTHETIC, "compas", UPLOAD)
CHOICE_LABELS = {
    "synthetic-biased": "Biased score (synthetic)",
    "synthetic-hidden-feature": "Hidden feature (synthetic)",
    "synthetic-clean": "Clean score (synthetic)",
    "compas": "COMPAS (ProPublica)",
    UPLOAD: "Your own file",
}
# Words that suggest a column is a score, an outcome or a protected attribute (guesses for uploads only).
SCORE_WORDS = ("score", "risk", "prob", "decile", "pred")
OUTCOME_WORDS = ("outcome", "recid", "label", "target", "default", "y")
PROTECTED_WORDS = ("race", "sex", "gender", "ethnic", "group", "religion", "nationality")


@dataclass(frozen=True)
class Source:
    """Where the audit's table comes from.

    Attributes
    ----------
    choice : str
        One of :data:`CHOICES`.
    label : str
        What the user reads (dataset or file name).
    sha256 : str
        Checksum of the data bytes (or of the generated table).
    filename : str
        The uploaded file's name ("" for built-ins).
    data : bytes or None
        Uploaded bytes, or a local COMPAS file's bytes; None for generated data
        and for COMPAS from the download cache.
    """

    choice: str
    label: str
    sha256: str
    filename: str = ""
    data: bytes | None = None

    @property
    def synthetic(self) -> bool:
        return self.choice in SYNTHETIC


@st.cache_data(show_spinner="Preparing the data…", max_entries=8)
def _builtin(name: str, sha256_hint: str, _data: bytes | None) -> AuditDataset:
    """A built-in dataset; COMPAS from ``_data`` when given, else from the download cache."""
    if name != "compas" or _data is None:
        return load_dataset(name)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / COMPAS_FILE
        path.write_bytes(_data)
        return load_dataset(name, source=path)


def _uploaded(sha256: str, filename: str, _data: bytes) -> pd.DataFrame:
    # bounded in bytes across sessions (ui.memory); a shallow copy so no page can alter the cached table
    def build() -> pd.DataFrame:
        with st.spinner("Reading the file…"):
            return read_table(_data, filename)

    return UPLOADS.get_or_build(("audit-table", sha256, filename), build).copy(deep=False)


KEPT_FILES_BYTES = 2 << 30  # uploaded bytes kept for reloads; the oldest go first beyond this


class KeptFiles:
    """Uploaded files kept for the server's life, keyed by sha256, so a reload or a link can reopen them.

    Bounded in bytes: beyond :data:`KEPT_FILES_BYTES` the least recently used
    file is dropped, and a page that needs it says so.
    """

    def __init__(self, limit: int = KEPT_FILES_BYTES):
        import threading
        from collections import OrderedDict

        self._limit, self._items, self._lock = limit, OrderedDict(), threading.Lock()

    def put(self, sha256: str, filename: str, data: bytes) -> None:
        with self._lock:
            self._items[sha256] = (filename, data)
            self._items.move_to_end(sha256)
            while sum(len(d) for _, d in self._items.values()) > self._limit and len(self._items) > 1:
                self._items.popitem(last=False)

    def get(self, sha256: str) -> tuple[str, bytes] | None:
        with self._lock:
            found = self._items.get(sha256)
            if found is not None:
                self._items.move_to_end(sha256)
            return found


@st.cache_resource(show_spinner=False)
def kept_files() -> KeptFiles:
    """The server's store of uploaded files (shared by sessions; a session only finds bytes whose digest it knows)."""
    return KeptFiles()


def compas_cached() -> bool:
    """Whether ProPublica's file is already in the per-user download cache."""
    return (cache_dir() / COMPAS_FILE).is_file()


def builtin_source(name: str, data: bytes | None = None, filename: str = "") -> Source:
    """Record a built-in dataset as the current source and return it (raises InputError)."""
    dataset = _builtin(name, digest(data) if data is not None else name, data)
    if data is not None:
        kept_files().put(digest(data), filename, data)
    label = CHOICE_LABELS.get(name, name) + (f" · {filename}" if filename else "")
    return Source(choice=name, label=label, sha256=dataset.sha256, filename=filename, data=data)


def upload_source(filename: str, data: bytes) -> Source:
    """Record an uploaded table as the current source and return it (raises InputError)."""
    sha = digest(data)
    _uploaded(sha, filename, data)  # parse now so a bad file fails here, beside the uploader
    kept_files().put(sha, filename, data)
    return Source(choice=UPLOAD, label=filename, sha256=sha, filename=filename, data=data)


def current() -> Source | None:
    """The source the user picked in this session, if any."""
    return st.session_state.get(keys.AUDIT_SOURCE)


def load(source: Source) -> AuditDataset:
    """The dataset behind ``source``: built-in defaults, or guesses for an upload."""
    if source.choice != UPLOAD:
        return _builtin(source.choice, digest(source.data) if source.data is not None else source.choice, source.data)
    frame = _uploaded(source.sha256, source.filename, source.data)
    return guess_dataset(frame, source)


def guess_dataset(frame: pd.DataFrame, source: Source) -> AuditDataset:
    """Initial column mapping for an uploaded table, from column names and values."""
    columns = [str(c) for c in frame.columns]
    numeric = [c for c in columns if pd.api.types.is_numeric_dtype(frame[c])]
    binary = [c for c in columns if frame[c].dropna().nunique() == 2]
    score = _first_named(numeric, SCORE_WORDS, exclude=binary) or next(iter(numeric), columns[0])
    outcome = _first_named(binary, OUTCOME_WORDS, exclude=[score]) or next((c for c in binary if c != score), "")
    protected = tuple(c for c in columns if c not in (score, outcome) and any(w in c.lower() for w in PROTECTED_WORDS))
    features = tuple(c for c in columns if c not in (score, outcome))
    return AuditDataset(name=source.label, frame=frame, score=score, outcome=outcome, positive=None,
                        features=features, protected=protected, truth=None,
                        description=f"Your file {source.filename}.", calibration="isotonic", sha256=source.sha256)


def _first_named(columns: list[str], words: tuple[str, ...], exclude: list[str]) -> str | None:
    for word in words:
        for col in columns:
            name = col.lower()
            if col not in exclude and (name == word or (len(word) > 1 and word in name)):
                return col
    return None
