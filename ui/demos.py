"""Home's one-click demos, started so that a quick click elsewhere cannot lose them.

The button's callback only notes the request. The router starts it at the top of
the next run, whichever page that run draws, and forgets the request only once the
demo has started; a run interrupted half-way (the reader clicked on) retries it.
"""

from __future__ import annotations

import streamlit as st

from ui import keys
from ui.address import held

AUDIT, WAVELET = "audit", "wavelet"


def request(kind: str, name: str) -> None:
    """Button callback: ask for the ``kind`` demo on built-in dataset ``name``."""
    st.session_state[keys.DEMO_PENDING] = (kind, name)


def start_pending() -> None:
    """Start the demo asked for, if any (the router calls this before every page)."""
    pending = st.session_state.get(keys.DEMO_PENDING)
    if pending is None:
        return
    kind, name = pending
    if kind == AUDIT:
        from ui.audit.runs import start_demo
    else:
        from ui.wavelets.runs import start_demo
    with held():  # Home's address stays Home's; the demo's page opens with the demo's address
        start_demo(name)
    del st.session_state[keys.DEMO_PENDING]  # only now: an interrupted start is tried again on the next run
