"""Home's one-click demos, started so that a quick click elsewhere cannot lose them.

Streamlit cuts a run short when the reader clicks on, so the button's callback
only notes the request (a callback draws nothing and always completes). The
router starts the demo at the top of the next run, whichever page that run
draws, and forgets the request once the demo has started, or has failed.
"""

from __future__ import annotations

import streamlit as st

from ui import keys
from ui.address import held

AUDIT_DEMO, WAVELET_DEMO = "audit", "wavelet"


def request(kind: str, name: str) -> None:
    """Button callback: ask for the ``kind`` demo on built-in dataset ``name``."""
    st.session_state[keys.DEMO_PENDING] = (kind, name)


def start_pending() -> None:
    """Start the demo asked for, if any (the router calls this before every page).

    Raises
    ------
    ValueError
        If the request names no known demo.
    """
    pending = st.session_state.get(keys.DEMO_PENDING)
    if pending is None:
        return
    kind, name = pending
    if kind == AUDIT_DEMO:
        from ui.audit.runs import start_demo
    elif kind == WAVELET_DEMO:
        from ui.wavelets.runs import start_demo
    else:
        del st.session_state[keys.DEMO_PENDING]
        raise ValueError(f"no demo called {kind!r}")
    try:
        with held():  # Home's address stays Home's; the demo's page opens with the demo's address
            start_demo(name)
    except Exception:
        del st.session_state[keys.DEMO_PENDING]  # an error is shown once, not on every page after
        raise
    del st.session_state[keys.DEMO_PENDING]  # a run cut short before this line starts it again next time
