"""Choosing the signals: a built-in task or an uploaded file, cached by digest.

The chosen dataset is kept in ``st.session_state[keys.WAVELET_SOURCE]`` as a
:class:`Source`, so the other wavelet pages use it without the uploader (whose
widget state is lost when the user changes page).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import streamlit as st

from core.io import digest, read_columns
from core.wavelets.datasets import DATASETS, SignalDataset, load_signals, read_signals
from ui import keys
from ui.memory import UPLOADS
from ui.wavelets.store import make_key

MAX_UPLOAD_MB = 50


@dataclass(frozen=True, eq=False)
class Source:
    """The signals in use: a key naming them exactly, a label, the data, and the task name and size
    when built in (``builtin`` is None for an upload)."""

    key: str
    label: str
    dataset: SignalDataset
    builtin: str | None = None
    size: int | None = None


@st.cache_data(show_spinner="Generating the signals…", max_entries=8)
def builtin_dataset(name: str, n: int | None = None, seed: int = 0) -> SignalDataset:
    """A built-in task with ``n`` signals (its default size when None), cached per name, size and seed."""
    return load_signals(name, n=n, random_state=seed)


def uploaded_dataset(data_digest: str, _data: bytes, filename: str, target: str | None,
                     length: int | None) -> tuple[SignalDataset, tuple[str, ...]]:
    """Parse an upload once per (digest, options); returns the dataset and any warnings.

    Cached in :data:`ui.memory.UPLOADS`, bounded in bytes across sessions.
    """
    def build() -> tuple[SignalDataset, tuple[str, ...]]:
        with st.spinner("Reading the file…"), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            dataset = read_signals(_data, filename, target=target, length=length)
        return dataset, tuple(str(w.message) for w in caught)

    return UPLOADS.get_or_build(("signals", data_digest, filename, target, length), build)


def builtin_source(name: str, n: int | None = None, seed: int = 0) -> Source:
    """Select a built-in task with ``n`` signals as the signals in use.

    Raises
    ------
    InputError
        If ``n`` is too small.
    """
    n = DATASETS[name].n if n is None else int(n)
    source = Source(make_key("builtin", name, n, seed), DATASETS[name].title, builtin_dataset(name, n, seed),
                    builtin=name, size=n)
    st.session_state[keys.WAVELET_SOURCE] = source
    return source


def upload_source(data: bytes, filename: str, target: str | None, length: int | None) -> tuple[Source, tuple[str, ...]]:
    """Select an uploaded file as the signals in use.

    Raises
    ------
    InputError
        If the file cannot be read as signals (the message says how to fix it).
    """
    d = digest(data)
    dataset, notes = uploaded_dataset(d, data, filename, target, length)
    source = Source(make_key("upload", d, target, length), filename, dataset)
    st.session_state[keys.WAVELET_SOURCE] = source
    from ui.audit.source import kept_files  # uploads kept for the server's life, so a reload can reopen them

    kept_files().put(d, filename, data)
    st.session_state[keys.WAVELET_UPLOAD_REF] = {"file": d, "target": target, "length": length}
    return source, notes


def current_source() -> Source | None:
    """The signals chosen on the Signals page, or None."""
    return st.session_state.get(keys.WAVELET_SOURCE)


@st.cache_data(show_spinner=False, max_entries=4)
def table_columns(data_digest: str, _data: bytes, filename: str) -> list[str]:
    """Column names of an uploaded table, for the target selector ([] for .npz).

    Raises
    ------
    InputError
        If the file is empty, not UTF-8 or otherwise unreadable.
    """
    if filename.lower().endswith(".npz"):
        return []
    return [str(c) for c in read_columns(_data, filename)]
