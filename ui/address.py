"""The page address (``st.query_params``) as the home of a workflow's choices, so reloads and links keep them.

Each change of the address adds a browser history entry, so links to a page
carry the address it will write (:mod:`ui.links`); its own write is then a no-op.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui import keys

_run = threading.local()  # what to redraw when this run changes the address (a run stays on one thread)


def on_write(redraw: Callable[[], None]) -> None:
    """Call ``redraw`` when this script run settles the address (the sidebar's links, drawn before it did)."""
    ctx = get_script_run_ctx()
    _run.hook = (ctx.cursors if ctx is not None else None, redraw)


def _settled() -> None:
    ctx = get_script_run_ctx()
    cursors, redraw = getattr(_run, "hook", (None, None))
    if ctx is not None and cursors is ctx.cursors:  # registered in this run, not an earlier one
        redraw()


def write_params(wanted: dict[str, str], own: tuple[str, ...]) -> None:
    """Make the address carry ``wanted`` for the parameters in ``own``; others' parameters are left alone.

    Nothing is written when nothing changed, or while addresses are :func:`held`.
    """
    if not wanted or st.session_state.get(keys.ADDRESS_HELD):
        return
    now = {k: st.query_params.get(k) for k in own if k in st.query_params}
    if now != wanted:
        for k in own:
            if k in st.query_params and k not in wanted:
                del st.query_params[k]
        st.query_params.update(wanted)
    _settled()  # even unchanged: the state behind the links may have moved since they were drawn


@contextmanager
def held() -> Iterator[None]:
    """Write no address, e.g. while Home starts a demo whose page then opens with its own."""
    st.session_state[keys.ADDRESS_HELD] = True
    try:
        yield
    finally:
        del st.session_state[keys.ADDRESS_HELD]
