"""Streamlit side of the wavelet workflow (mirrors ``core.wavelets``): forms, runs, the worker process, views."""
