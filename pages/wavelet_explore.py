"""Explore page (not built yet)."""

from ui.placeholder import not_built_yet

not_built_yet("Explore", "Here you will see the learned filters, wavelets and the signals rebuilt from distilled coefficients.")
