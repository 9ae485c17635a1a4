"""Trained teachers and distilled wavelets kept for this browser session.

Each result is stored under a key made from everything that produced it (the
data digest and the settings), so a widget change never retrains what did not
change, and returning to a page shows the stored result instead of retraining.
Torch models live here, in ``st.session_state``, and in a server-wide copy so
a reloaded page finds them again; they are never hashed.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

import streamlit as st

from ui import keys
from ui.jobs import Job

KEEP = 6  # results kept per store; older ones are dropped first


def make_key(*parts: Any) -> str:
    """Return a short stable key for JSON-able ``parts`` (digests and settings)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


SERVER_KEEP = 12  # results kept per store for the whole server, so a reload or a link finds them


@st.cache_resource(show_spinner=False)
def _server() -> dict[str, dict[str, Any]]:
    """Results shared by the server's sessions (a reload is a new session), keyed like the session's stores.

    A key is a digest of the data and every setting, so a session only finds
    what its own data and settings produce.
    """
    return {}


_server_lock = threading.Lock()


def remember(store: str, key: str, value: Any) -> None:
    """Keep ``value`` under ``key`` in the session store named ``store`` (and for the server's life)."""
    for entries, keep in ((st.session_state.setdefault(store, {}), KEEP), (None, SERVER_KEEP)):
        if entries is None:
            with _server_lock:
                entries = _server().setdefault(store, {})
                entries.pop(key, None)
                entries[key] = value
                while len(entries) > keep:
                    entries.pop(next(iter(entries)))
            continue
        entries.pop(key, None)
        entries[key] = value
        while len(entries) > keep:
            entries.pop(next(iter(entries)))


def recall(store: str, key: str | None) -> Any:
    """Return the value stored under ``key`` in this session or on the server, or None."""
    if key is None:
        return None
    found = st.session_state.get(store, {}).get(key)
    if found is None:
        with _server_lock:
            found = _server().get(store, {}).get(key)
    return found


def harvest(job_key: str, store: str, current: str) -> Job | None:
    """Move a finished job's ``(key, value)`` result into ``store`` and make it current.

    Returns the job (running or finished), or None if none was started.
    """
    job: Job | None = st.session_state.get(job_key)
    mark = f"{job_key}.harvested"  # per session: a job shared by sessions (a reload) is harvested by each once
    if job is not None and not job.running and job.result is not None and st.session_state.get(mark) != id(job):
        key, value = job.result
        remember(store, key, value)
        st.session_state[current] = key
        st.session_state[mark] = id(job)
    return job


JOB_PREFIX = "wavelet:"  # process-level job names, so a reload finds a running job


def teacher_key(data_key: str, settings: dict[str, Any]) -> str:
    return make_key("teacher", data_key, settings)


def result_key(t_key: str, settings: dict[str, Any]) -> str:
    return make_key("awd", t_key, settings)


def current_teacher() -> dict | None:
    """The teacher in use: ``data_key``, ``settings`` and ``teacher`` (a TrainedTeacher), or None."""
    return recall(keys.WAVELET_TEACHERS, st.session_state.get(keys.WAVELET_TEACHER))


def current_result() -> dict | None:
    """The result on show: ``teacher_key``, ``settings`` and ``result`` (a WaveletResult), or None."""
    return recall(keys.WAVELET_RESULTS, st.session_state.get(keys.WAVELET_RESULT))
