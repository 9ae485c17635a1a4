"""Distill Studio: the Streamlit entry point and router.

Run with ``make run``. Pages live in ``pages/`` and are listed in
``ui/navigation.py``; this file only frames and routes them.
"""

import streamlit as st

from ui.favicon import favicon
from ui.navigation import PAGES

st.set_page_config(page_title="Distill Studio", page_icon=favicon(), layout="wide")  # drawn locally, not fetched

sections: dict[str, list] = {}
for spec in PAGES:
    page = st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path, default=spec.default)
    sections.setdefault("" if spec.section == "Home" else spec.section, []).append(page)

with st.sidebar:
    st.caption("Everything runs on this computer. No data or usage statistics leave it.")

st.navigation(sections).run()
