"""Distill page (not built yet)."""

from ui.placeholder import not_built_yet

not_built_yet("Distill", "Here you will learn a wavelet whose few coefficients keep what the teacher uses.")
