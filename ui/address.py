"""The page address (``st.query_params``) as the home of a workflow's choices, so reloads and links keep them.

Each change of the address adds a browser history entry. A page reached by a bare
link starts with an empty address and then writes its own: two entries for one
click, and Back lands on the same page. So links to a workflow's pages carry the
address that workflow last wrote (:func:`carried`), and the page's own write is
then a no-op.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from ui import keys
from ui.navigation import AUDIT, WAVELET

_KEPT = {AUDIT: keys.AUDIT_ADDRESS, WAVELET: keys.WAVELET_ADDRESS}


def write_params(workflow: str, wanted: dict[str, str], own: tuple[str, ...]) -> None:
    """Make the address carry ``wanted`` for the parameters in ``own``; others' parameters are left alone.

    Nothing is written when nothing changed. ``wanted`` is kept as ``workflow``'s
    address for the links to its pages.
    """
    if not wanted:
        return
    st.session_state[_KEPT[workflow]] = dict(wanted)
    if st.session_state.get(keys.ADDRESS_HELD):
        return
    now = {k: st.query_params.get(k) for k in own if k in st.query_params}
    if now != wanted:
        for k in own:
            if k in st.query_params and k not in wanted:
                del st.query_params[k]
        st.query_params.update(wanted)


@contextmanager
def held() -> Iterator[None]:
    """Keep addresses without writing them, e.g. while Home starts a demo whose page then opens with its address."""
    st.session_state[keys.ADDRESS_HELD] = True
    try:
        yield
    finally:
        del st.session_state[keys.ADDRESS_HELD]


def carried(workflow: str, here: bool) -> dict[str, str]:
    """The address a link to a page of ``workflow`` carries.

    ``here``: whether the page on show belongs to ``workflow``; in a new session
    (a reload, a shared link) its own address is all there is so far.
    """
    if workflow not in _KEPT:
        return {}  # Home keeps nothing in its address
    kept = st.session_state.get(_KEPT[workflow])
    if kept is None and here:
        return st.query_params.to_dict()
    return dict(kept or {})
