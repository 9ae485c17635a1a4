"""Signals and teacher page (not built yet)."""

from ui.placeholder import not_built_yet

not_built_yet("Signals and teacher", "Here you will choose signals and train a neural network (the teacher).")
