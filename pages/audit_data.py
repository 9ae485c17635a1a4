"""Data page (not built yet)."""

from ui.placeholder import not_built_yet

not_built_yet("Data", "Here you will pick a built-in dataset or upload a table, and map its score, outcome and feature columns.")
