"""The glossary names every term issue #12 lists, in plain words, with numbers read from the core."""

from __future__ import annotations

import math

from core.audit.spec import DEFAULT_PRESET, PRESETS
from ui.glossary import TERMS, glossary_markdown

REQUIRED = ("Student", "Outcome model", "Calibration", "Bag", "Pair", "Preset", "Interval", "TRIM", "λ", "γ",
            "Vanishing moments", "Power complementarity", "Perfect reconstruction")


def test_every_required_term_is_explained():
    names = [term for term, _, _ in TERMS]
    for required in REQUIRED:
        assert any(name.startswith(required) for name in names), required
    assert all(len(text) > 80 for _, _, text in TERMS)  # an explanation, not a label
    text = glossary_markdown()
    assert all(f"**{term}**" in text for term, _, _ in TERMS)


def test_numbers_in_the_glossary_match_the_core():
    preset = next(text for term, _, text in TERMS if term == "Preset")
    for name, settings in PRESETS.items():
        assert f"*{name}* ({settings['outer_bags']} bags" in preset
    assert f"*{DEFAULT_PRESET}* is the one" in preset
    odds = next(text for term, _, text in TERMS if term.startswith("Log-odds"))
    assert "+0.69 log-odds multiplies the odds by 2" in odds and math.isclose(math.exp(0.69), 2, rel_tol=0.01)
    assert "75% chance is odds of 3 to 1" in odds and math.isclose(0.75 / 0.25, 3)
