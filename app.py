"""Distill Studio: the Streamlit entry point and router.

Run with ``make run``. Pages live in ``pages/`` and are listed in
``ui/navigation.py``; this file frames and routes them, draws the sidebar and
starts a demo asked for on Home.
"""

import streamlit as st

from ui.demos import start_pending
from ui.favicon import ICON, LOGO, TAB_ICON
from ui.glossary import glossary
from ui.navigation import PAGES
from ui.links import page_links

st.set_page_config(page_title="Distill Studio", page_icon=TAB_ICON, layout="wide")  # a local file, not fetched
start_pending()  # Home's demo, even when the reader clicked elsewhere before Home's run was over

pages = {spec: st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path, default=spec.default)
         for spec in PAGES}
current = st.navigation(list(pages.values()), position="hidden")  # the sidebar draws its own links (ui.links)

st.logo(LOGO, icon_image=ICON, size="large")  # shipped in assets/, never fetched from another host

with st.sidebar:
    page_links(pages, current)
    glossary()
    st.caption("Everything runs on this computer. No data or usage statistics leave it.")

current.run()
