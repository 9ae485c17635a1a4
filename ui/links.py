"""Links between the app's pages: the sidebar's (drawn by the app, not Streamlit) and those inside pages.

Streamlit's links open a page with an empty address; the page then writes its
own, and that second history entry made Back land on the same page. Every link
here carries its workflow's address as it stands, and the sidebar's are drawn
again once the page has settled its address, so one click is one history entry.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from ui import keys
from ui.address import on_write
from ui.navigation import AUDIT, HOME, WAVELET, PageSpec, page_for


def page_links(pages: dict[PageSpec, st.Page], current: st.Page) -> None:
    """One link per page, under its workflow's heading; Streamlit highlights the page on show."""
    here = next((spec.section for spec, page in pages.items() if page is current), HOME)
    draw = partial(_draw, st.empty(), pages, here)
    on_write(draw)  # drawn again once the page has settled its address
    draw()


def link(url_path: str, label: str, icon: str) -> None:
    """A link inside a page to the page at ``url_path``."""
    spec = page_for(url_path)
    st.page_link(spec.path, label=label, icon=icon, query_params=address(spec.section) or None)


def switch_to(url_path: str) -> None:
    """Open the page at ``url_path`` now (ends this run)."""
    spec = page_for(url_path)
    st.switch_page(spec.path, query_params=address(spec.section) or None)


def address(workflow: str, here: bool = False) -> dict[str, str]:
    """The address a link to a page of ``workflow`` carries.

    ``here``: whether the page on show belongs to ``workflow``; a session with
    nothing chosen yet (a link whose file is gone) keeps the address it came with.
    """
    if workflow == AUDIT and st.session_state.get(keys.AUDIT_SOURCE) is not None:
        from ui.audit.url import state_params
    elif workflow == WAVELET and st.session_state.get(keys.WAVELET_SOURCE) is not None:
        from ui.wavelets.url import state_params  # its modules are loaded: this session has been there
    else:
        return st.query_params.to_dict() if here else {}
    return state_params()


def _draw(slot, pages: dict[PageSpec, st.Page], here: str) -> None:
    with slot.container():
        heading = HOME
        for spec, page in pages.items():
            if spec.section != heading:
                heading = spec.section
                st.caption(heading)
            st.page_link(page, query_params=address(spec.section, spec.section == here) or None)
