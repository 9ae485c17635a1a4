"""Starting audit runs in the background and keeping their results.

A run fits two EBMs and refits students, which takes seconds to minutes, so it
runs in a :class:`ui.jobs.Job` (a stray click cannot kill it). Finished
results go to a small store keyed on :func:`ui.audit_state.run_key`, shared by
the sessions of this server, so switching back to settings already run (or
revisiting a page) never refits.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import streamlit as st

from core.audit.datasets import AuditDataset
from core.audit.spec import AuditSpec
from ui import keys
from ui.audit_source import Source
from ui.audit_state import run_key
from ui.jobs import Job, start_job

MAX_STORED_RUNS = 6


class RunStore:
    """A thread-safe, size-bounded map from run key to audit result."""

    def __init__(self, size: int = MAX_STORED_RUNS):
        self._size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            return None

    def put(self, key: str, result) -> None:
        with self._lock:
            self._items[key] = result
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def run_store() -> RunStore:
    """The server's store of finished runs (results are frozen records, safe to share)."""
    return RunStore()


def _fit(key: str, store: RunStore, dataset: AuditDataset, spec: AuditSpec, *, progress):
    from core.audit.pipeline import run_audit

    result = run_audit(dataset.frame, spec, truth=dataset.truth, progress=progress, data_sha256=dataset.sha256)
    store.put(key, result)
    return result


def start_run(source: Source, dataset: AuditDataset, spec: AuditSpec) -> str:
    """Run the audit for ``spec`` unless that exact run is running or done; return its key."""
    key = run_key(source.sha256, spec)
    job: Job | None = st.session_state.get(keys.AUDIT_JOB)
    if job is not None and job.running:
        if st.session_state.get(keys.AUDIT_RUN_KEY) == key:
            return key
        job.cancel()  # superseded by new settings
    store = run_store()
    done = store.get(key)
    st.session_state[keys.AUDIT_RUN_KEY] = key
    if done is not None:
        st.session_state[keys.AUDIT_RESULT] = (key, done)
        st.session_state.pop(keys.AUDIT_JOB, None)
        return key
    st.session_state[keys.AUDIT_JOB] = start_job("audit", _fit, key, store, dataset, spec)
    return key


def collect() -> None:
    """Move a finished job's result into the session (call at the top of each audit page)."""
    job: Job | None = st.session_state.get(keys.AUDIT_JOB)
    if job is None or job.running or job.error is not None or job.result is None:
        return
    key = st.session_state.get(keys.AUDIT_RUN_KEY)
    current = st.session_state.get(keys.AUDIT_RESULT)
    if current is None or current[0] != key:
        st.session_state[keys.AUDIT_RESULT] = (key, job.result)


def latest() -> tuple[str, object] | None:
    """(run key, result) of the newest finished run in this session, or None."""
    collect()
    return st.session_state.get(keys.AUDIT_RESULT)


def running() -> Job | None:
    """The audit job if it is still running."""
    job: Job | None = st.session_state.get(keys.AUDIT_JOB)
    return job if job is not None and job.running else None
