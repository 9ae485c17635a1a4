"""Streamlit side of the audit workflow (mirrors ``core.audit``): state, runs, caches, views."""
