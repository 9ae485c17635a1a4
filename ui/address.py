"""The page address (``st.query_params``) as the home of a workflow's choices, so reloads and links keep them."""

from __future__ import annotations

import streamlit as st


def write_params(wanted: dict[str, str], own: tuple[str, ...]) -> None:
    """Make the address carry ``wanted`` for the parameters in ``own``; others' parameters are left alone.

    Nothing is written when nothing changed, since each write adds a browser history entry.
    """
    if not wanted:
        return
    now = {k: st.query_params.get(k) for k in own if k in st.query_params}
    if now != wanted:
        for k in own:
            if k in st.query_params and k not in wanted:
                del st.query_params[k]
        st.query_params.update(wanted)
