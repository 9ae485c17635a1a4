"""Streamlit-side helpers shared by the pages: state keys, cached wrappers, jobs."""
