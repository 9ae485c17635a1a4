"""Calibration page (not built yet)."""

from ui.placeholder import not_built_yet

not_built_yet("Calibration", "Here you will turn the risk score into a probability and check it with reliability diagrams.")
