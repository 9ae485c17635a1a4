"""Starting audit runs in the background and keeping their results.

A run fits two EBMs and refits students, which takes seconds to minutes, so it
runs in a :class:`ui.jobs.Job` (a stray click cannot kill it). Finished
results go to a small store keyed on :func:`ui.audit.state.run_key`, shared by
the sessions of this server, so switching back to settings already run (or
revisiting a page) never refits. The job itself is registered for the server's
life under the same key (:func:`ui.jobs.shared_job`), so a reload or a shared
link reattaches to a run in progress instead of starting a second one.
"""

from __future__ import annotations

import importlib
import threading
from collections import OrderedDict

import streamlit as st

from core.audit.datasets import AuditDataset
from core.audit.spec import AuditSpec
from ui import keys
from ui.audit.source import Source
from ui.audit.state import run_key
from ui.jobs import Job, find_job, shared_job

_prewarmed = threading.Event()


def prewarm() -> None:
    """Get the audit engine ready in the background, once per server (Home calls this).

    Imports the engine and the chart code, then starts the fit's worker
    processes, each importing the EBM code (:func:`core.audit.models.start_workers`).
    Without this, the one-click demo spends about 6 s on both after the click.
    """
    if _prewarmed.is_set():
        return
    _prewarmed.set()

    def start() -> None:
        try:
            importlib.import_module("core.audit.pipeline")
            importlib.import_module("core.audit.plots")
            from core.audit.models import start_workers

            start_workers()
        except Exception:  # noqa: BLE001 - doing it later is the only cost
            pass

    threading.Thread(target=start, name="audit-prewarm", daemon=True).start()


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


JOB_PREFIX = "audit:"


def start_run(source: Source, dataset: AuditDataset, spec: AuditSpec) -> str:
    """Show or start the run for ``spec``; return what happened.

    Returns
    -------
    str
        ``"reused"`` (a stored result is shown), ``"attached"`` (the same run is
        already going, in this session or another), ``"started"``, or ``"busy"``:
        another run is going in this session, so nothing starts (the page says
        so; the user can wait or cancel it).
    """
    key = run_key(source.sha256, spec)
    done = run_store().get(key)
    if done is not None:
        st.session_state[keys.AUDIT_RUN_KEY] = key
        st.session_state[keys.AUDIT_RESULT] = (key, done)
        return "reused"
    mine = running()
    if mine is not None and st.session_state.get(keys.AUDIT_RUN_KEY) != key:
        return "busy"
    attached = find_job(JOB_PREFIX + key)
    job = shared_job(JOB_PREFIX + key, "audit", _fit, key, run_store(), dataset, spec)
    job.meta.setdefault("spec", spec)
    st.session_state[keys.AUDIT_RUN_KEY] = key
    st.session_state[keys.AUDIT_JOB] = job
    return "attached" if attached is job else "started"


def reattach(key: str) -> bool:
    """Show the stored result or follow the running job for run ``key`` (after a reload); whether one exists."""
    done = run_store().get(key)
    if done is not None:
        st.session_state[keys.AUDIT_RUN_KEY] = key
        st.session_state[keys.AUDIT_RESULT] = (key, done)
        return True
    job = find_job(JOB_PREFIX + key)
    if job is not None and job.running:
        st.session_state[keys.AUDIT_RUN_KEY] = key
        st.session_state[keys.AUDIT_JOB] = job
        return True
    return False


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


def start_demo(name: str) -> str:
    """Home's one-click demo: the built-in scenario ``name`` at its own mapping and the validated defaults, run now.

    Returns what :func:`start_run` returns.
    """
    from ui.audit.source import builtin_source, load
    from ui.audit.state import current_spec, default_mapping, select_source

    source = builtin_source(name)
    dataset = load(source)
    select_source(source, dataset)
    st.session_state[keys.AUDIT_MAPPING] = default_mapping(dataset)
    st.session_state[keys.AUDIT_CALIBRATION] = dataset.calibration
    st.session_state.pop(keys.AUDIT_SETTINGS, None)  # the validated default preset
    for k in [k for k in st.session_state if str(k).startswith(keys.AUDIT_MAP_PREFIX)]:
        del st.session_state[k]  # the Data page's controls start again from the scenario's mapping
    st.session_state[keys.AUDIT_CHOICE] = name
    outcome = start_run(source, dataset, current_spec())
    if outcome == "busy":
        st.session_state[keys.AUDIT_BUSY] = True
    return outcome
