"""Distill Studio compute layer.

Everything the app and the command line compute lives here. This package never
imports streamlit; pages call into it and render the records it returns.
"""

__version__ = "0.1.0"
