"""A plain notice for pages whose feature is not built yet."""

import streamlit as st


def not_built_yet(title: str, what: str) -> None:
    """Say plainly that this page's feature is not built yet; show no numbers."""
    st.title(title)
    st.info(f"**Not built yet.** {what} This page will work in a later version; nothing here is computed yet.",
            icon=":material/construction:")
