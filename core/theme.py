"""One colour scheme and one vocabulary for the app, the reports and the docs.

Colours come from the Okabe-Ito palette, which stays distinguishable under the
common forms of colour blindness. Student and outcome model use blue and
orange, never red and green. A flagged term is wine, far from both of them in
normal vision and in each simulated colour-vision deficiency, and it is always
drawn with the ⚑ mark or the word "differs" too, never by colour alone.
"""

from __future__ import annotations

# Audit workflow.
STUDENT = "#0072B2"  # blue: the student, which mimics the black-box score
OUTCOME = "#E69F00"  # orange: the outcome model, trained on what really happened
DIFFERENCE = "#444444"  # dark grey: student minus outcome
TRUTH = "#000000"  # black dashed: the known truth of a synthetic scenario
FLAG = "#882255"  # wine (Tol): a term flagged as different; vermilion read as the outcome orange
FLAG_MARK = "⚑"  # drawn beside every flag, so colour is never the only cue
DENSITY = "#BBBBBB"  # light grey: where the data are
ALL_ROWS = "#000000"  # black, thick: every row together in per-group charts (no group is black)
# Per-group lines: Okabe-Ito and Tol hues apart from the two models' blue and orange and the flag's wine;
# each group also gets its own marker symbol, so colour is never the only cue.
GROUPS = ("#009E73", "#CC79A7", "#56B4E9", "#332288", "#999933", "#44AA99", "#AA4499", "#D55E00", "#661100",
          "#6699CC")
GROUP_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star", "pentagon", "hexagon",
                 "triangle-down", "star-square", "hourglass")

# Wavelet workflow.
LEARNED = "#0072B2"  # the distilled (learned) wavelet
INITIAL = "#999999"  # the wavelet training started from
SIGNAL = "#000000"  # the original signal
RECONSTRUCTION = "#009E73"  # rebuilt from all coefficients
DISTILLED = "#CC79A7"  # rebuilt from the top-k attributed coefficients

SEQUENTIAL = "Cividis"  # heatmaps of one sign
DIVERGING = "RdBu_r"  # heatmaps centred on zero

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

# Vocabulary: every label a user reads comes from here.
LABELS = {
    "student": "Student (mimics the score, on the outcome scale)",
    "outcome": "Outcome model (learns from real outcomes)",
    "difference": "Difference (scaled student − outcome)",
    "student_short": "Student",  # panel titles, where the long labels do not fit
    "outcome_short": "Outcome model",
    "difference_short": "Student − outcome",
    "truth": "True shape",
    "logit": "Effect on the odds (×)",
    "odds_gap": "Score vs outcomes (odds ×)",
    "learned": "Distilled wavelet",
    "initial": "Initial wavelet",
    "signal": "Original signal",
    "reconstruction": "Rebuilt from all coefficients",
    "distilled": "Rebuilt from top-k attributed coefficients",
    # Audit workflow (added with the audit engine).
    "interval": "95% interval",
    "band": "95% band for the whole curve (the flag uses it)",
    "bags": "Student refitted on other bags",
    "rows": "Rows",
    "raw_score": "Black-box score",
    "calibrated": "Calibrated probability",
    "observed_rate": "Share with the outcome",
    "perfect": "Perfect calibration",
    "discrepancy": "Typical gap between the models (odds ×, root mean square)",
    "student_residual": "Score left unexplained by the features",
    "outcome_residual": "Outcome left unexplained by the features",
    "flagged": "Differs",
    "not_flagged": "No material difference",
}


def plotly_layout(**overrides) -> dict:
    """Base plotly layout shared by every figure."""
    layout = dict(
        font=dict(family=FONT, size=13),
        template="plotly_white",
        margin=dict(l=60, r=20, t=50, b=50),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        hoverlabel=dict(namelength=-1),
    )
    layout.update(overrides)
    return layout


MODEBAR_CLEARANCE = 34  # px: plotly's toolbar sits in the figure's top-right corner, this tall

# Plotly's toolbar in the app and in the reports: only the buttons a reader uses (zoom, pan, reset, save as
# PNG), and no logo linking to plotly's site. It shows on hover; titles start below it (:func:`title`).
PLOTLY_CONFIG = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines",
                               "hoverClosestCartesian", "hoverCompareCartesian"],
    "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "distill-studio-chart"},
}


def title(text: str, **extra) -> dict:
    """A figure title pinned below the strip where plotly's toolbar appears, so the toolbar never covers it."""
    return dict(text=text, x=0.01, xanchor="left", y=1, yref="container", yanchor="top",
                pad=dict(t=MODEBAR_CLEARANCE), automargin=True, **extra)
