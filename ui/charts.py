"""Showing figures on a page: one way for every chart in the app."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from core.theme import PLOTLY_CONFIG  # the same toolbar in the app and the reports


def chart(fig: go.Figure, alt: str, key: str | None = None) -> None:
    """Show an engine figure full width, with alt text for screen readers.

    ``theme=None`` keeps the figure's own styling (core/theme.py), so the app
    looks exactly like the downloaded report.
    """
    st.plotly_chart(fig, width="stretch", theme=None, alt=alt, key=key, config=PLOTLY_CONFIG)
