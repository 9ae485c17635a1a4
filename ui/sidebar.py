"""The sidebar's page links, drawn by the app instead of Streamlit's own navigation.

Streamlit's links open a page with an empty address; the page then writes its
own, and that second history entry makes Back land on the same page. These
links carry their workflow's address (:func:`ui.address.carried`), so one click
is one history entry.
"""

from __future__ import annotations

import streamlit as st

from ui.address import carried
from ui.navigation import HOME, PageSpec


def page_links(pages: dict[PageSpec, st.Page], current: st.Page) -> None:
    """One link per page, under its workflow's heading; the page on show is highlighted by Streamlit."""
    here = next((spec.section for spec in pages if spec.url_path == current.url_path), HOME)
    heading = HOME
    for spec, page in pages.items():
        if spec.section != heading:
            heading = spec.section
            st.caption(heading)
        st.page_link(page, query_params=carried(spec.section, spec.section == here) or None)
