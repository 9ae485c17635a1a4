"""Trained teachers and distilled wavelets kept for this browser session.

Each result is stored under a key made from everything that produced it (the
data digest and the settings), so a widget change never retrains what did not
change, and returning to a page shows the stored result instead of retraining.
Torch models live here, in ``st.session_state``; they are never hashed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import streamlit as st

from ui.jobs import Job

KEEP = 6  # results kept per store; older ones are dropped first


def make_key(*parts: Any) -> str:
    """Return a short stable key for JSON-able ``parts`` (digests and settings)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def remember(store: str, key: str, value: Any) -> None:
    """Keep ``value`` under ``key`` in the session store named ``store``."""
    entries: dict[str, Any] = st.session_state.setdefault(store, {})
    entries.pop(key, None)
    entries[key] = value
    while len(entries) > KEEP:
        entries.pop(next(iter(entries)))


def recall(store: str, key: str | None) -> Any:
    """Return the value stored under ``key``, or None."""
    if key is None:
        return None
    return st.session_state.get(store, {}).get(key)


def harvest(job_key: str, store: str, current: str) -> Job | None:
    """Move a finished job's ``(key, value)`` result into ``store`` and make it current.

    Returns the job (running or finished), or None if none was started.
    """
    job: Job | None = st.session_state.get(job_key)
    if job is not None and not job.running and job.result is not None:
        key, value = job.result
        remember(store, key, value)
        st.session_state[current] = key
        job.result = None  # harvested once; the store owns it now
    return job
