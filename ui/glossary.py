"""The glossary: every technical word the app uses, in plain words, reachable from every page.

``app.py`` puts :func:`glossary` in the sidebar, so it opens over any page
without leaving it. The facts follow the two papers the app implements (Tan et
al., distill-and-compare; Ha et al., adaptive wavelet distillation) and the
app's own settings, which are read from the core so the numbers cannot drift.
"""

from __future__ import annotations

import streamlit as st

from core.audit.spec import DEFAULT_PRESET, PRESETS
from core.theme import FLAG_MARK


def _preset(name: str) -> str:
    p = PRESETS[name]
    pairs = f"{p['interactions']} pairs" if p["interactions"] else "no pairs"
    return f"*{name}* ({p['outer_bags']} bags, {pairs})"


# (term, workflow, plain explanation). Workflow: "audit", "wavelet" or "both".
TERMS: tuple[tuple[str, str, str], ...] = (
    ("Student", "audit",
     "A see-through model trained to copy the black-box score from the same columns. Its curves show what the "
     "score actually relies on, feature by feature. (Here it is an additive model: one simple curve per feature, "
     "plus a few pairs, added up.)"),
    ("Outcome model", "audit",
     "The same kind of see-through model, trained on what really happened (the outcome column, such as "
     "re-arrest). Its curves show what the outcomes justify. Where the student's curve and the outcome model's "
     "curve part, the score uses a feature differently from what the outcomes support."),
    ("Calibration", "audit",
     "Turning the raw score into a probability of the outcome, learned from the training rows: for example "
     "\"score 7\" becomes \"62% had the outcome\". Methods: *isotonic* (a staircase that only goes up), *platt* "
     "(a smooth S-curve), *spline* (a smooth curve that only goes up); *none* when the score already is a "
     "probability. It puts the score on the outcome model's scale, so the two can be compared."),
    ("Log-odds and odds ×", "audit",
     "Odds are p / (1 − p): a 75% chance is odds of 3 to 1. The models add up their effects in log-odds (the "
     "logarithm of the odds). An effect of +0.69 log-odds multiplies the odds by 2 (odds × 2); −0.69 halves "
     "them; 0 changes nothing."),
    ("Bag", "audit",
     "A random 85% share of the training rows. Both models are refitted on each bag, and how much their curves "
     "move from bag to bag measures how sure the audit can be. More bags give steadier intervals and take longer."),
    ("Pair", "audit",
     "An interaction: what two features do together beyond what each does alone (say, age and prior arrests), "
     "drawn as a heatmap. Both models fit the same pairs, chosen before fitting from the features that interact "
     "most."),
    ("Preset", "audit",
     "A named set of settings: " + ", ".join(_preset(n) for n in PRESETS) + f". *{DEFAULT_PRESET}* is the one "
     "whose verdicts were checked on made-up data with a known answer; the others are faster or tighter but "
     "their error rates were not measured."),
    ("Interval", "both",
     "The range in which the true value plausibly lies, given the data. A 95% interval is built so that, in "
     "repeated studies, about 95 in 100 such ranges would contain the truth. A wide interval means the data "
     "cannot tell; a value is only called different when its interval leaves no room for \"no difference\"."),
    (f"{FLAG_MARK} Differs (flagged)", "audit",
     "A term where the score departs from the outcomes by a material amount on a real share of the rows, and "
     "a 95% band for the whole curve excludes \"no difference\". Flags are drawn with the "
     f"{FLAG_MARK} mark and the word \"differs\", never by colour alone."),
    ("Teacher", "wavelet",
     "The black box of the wavelet workflow: a neural network trained to predict a target from the raw signal. "
     "Distilling it means finding a simple, readable model that keeps what the network uses."),
    ("Wavelet", "wavelet",
     "A short wave-shaped pattern. A wavelet transform describes a signal as a sum of shifted and stretched "
     "copies of it, level by level from coarse to fine; each copy's weight is a *coefficient*. The whole "
     "wavelet follows from a handful of numbers, its lowpass filter *h*."),
    ("TRIM", "wavelet",
     "Transformation Importance (Singh et al., 2020): how much the network's answer changes when each wavelet "
     "coefficient changes, rather than each raw sample. These *attributions* show which coefficients the "
     "network relies on. Here they are the network's gradient, expressed in the wavelet's coefficients."),
    ("λ (lambda)", "wavelet",
     "The weight on *coefficient sparsity*: how hard distillation pushes for a wavelet that describes each "
     "signal with a few large coefficients, whatever the network does."),
    ("γ (gamma)", "wavelet",
     "The weight on *attribution sparsity*: how hard distillation pushes for a wavelet in which the network "
     "relies on only a few coefficients. γ = 0 ignores the network entirely; the app fits that too, to show "
     "what the network adds."),
    ("Vanishing moments", "wavelet",
     "A wavelet with p vanishing moments does not respond to smooth trends up to degree p − 1: a constant, a "
     "straight line, a parabola (for p = 3)… give detail coefficients of zero. More vanishing moments let smooth "
     "stretches of a signal take fewer coefficients. The app counts them for the learned wavelet; db5 has 5."),
    ("Power complementarity", "wavelet",
     "The lowpass and highpass filters split the signal's energy between them with nothing lost and nothing "
     "counted twice, at every frequency: |H(ω)|² + |H(ω + π)|² = 2. Orthogonal wavelets must satisfy it; "
     "distillation penalises any departure (the CMF penalty)."),
    ("Perfect reconstruction", "wavelet",
     "Transforming a signal and transforming back gives the original exactly, up to rounding. The app checks "
     "it with PyWavelets and shows the largest error; a valid learned wavelet loses nothing."),
)

WORKFLOW_NAMES = {"audit": "Audit a risk score", "wavelet": "Distill a wavelet", "both": "Both workflows"}


def glossary_markdown() -> str:
    """The glossary as markdown: one bold term and its explanation per paragraph."""
    return "\n\n".join(f"**{term}** · *{WORKFLOW_NAMES[where]}*  \n{text}" for term, where, text in TERMS)


def glossary() -> None:
    """A "Glossary" button in the sidebar that opens every term over the current page."""
    with st.popover("Glossary", icon=":material/menu_book:", width="stretch"):  # no tooltip: it covered the terms
        st.markdown(glossary_markdown())
