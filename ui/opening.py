"""The first lines of a page, drawn before its heavy imports run.

A wavelet page imports torch and plotly on its first visit: several seconds on
a busy machine, during which the main area was blank. Drawing the title and a
line saying what is starting first keeps the reader oriented. This module
imports nothing but Streamlit, so it is on screen at once.
"""

from __future__ import annotations

import streamlit as st

ENGINE = "Loading the wavelet engine (torch and the chart library); the first page of a session takes a few seconds."
DEMO = ("The wavelet demo: generating the simulated signals, training the teacher network, then distilling a "
        "wavelet from it. Progress appears here in a few seconds.")


def opening(title: str, caption: str, starting: str):
    """Draw the page's title and caption, and a placeholder saying what is starting.

    Returns the placeholder; the page empties it once its imports are done.
    """
    st.title(title)
    st.caption(caption)
    slot = st.empty()
    slot.info(f"**Starting…** {starting}", icon=":material/hourglass_top:")
    return slot
