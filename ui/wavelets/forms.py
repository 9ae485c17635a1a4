"""The teacher and distillation settings forms.

Widgets on a page that is not shown lose their state, so each form reads its
starting values from a settings dict in ``st.session_state`` and writes it back
on submit. A form batches its inputs: nothing runs until the user presses Run.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.wavelets.distiller import PARAMETRIZATIONS, TRIM_PATHS
from core.wavelets.filters import orthogonal_wavelet_names
from core.wavelets.settings import WaveletSettings
from core.wavelets.teachers import TEACHER_KINDS
from ui import keys

_CORE = WaveletSettings()  # the one set of defaults, shared with the CLI
TEACHER_DEFAULTS: dict[str, Any] = dict(teacher=_CORE.teacher, teacher_epochs=_CORE.teacher_epochs,
                                        teacher_hidden=_CORE.teacher_hidden, seed=_CORE.seed)

# What the distillation form shows; λ, γ, lr and epochs are the core's (see WaveletSettings for why).
DISTILL_DEFAULTS: dict[str, Any] = dict(wavelet=_CORE.wavelet, levels=_CORE.levels, mode=_CORE.mode, lam=_CORE.lam,
                                        gamma=_CORE.gamma, epochs=_CORE.epochs, trim=_CORE.trim,
                                        parametrization=_CORE.parametrization, top_k=_CORE.top_k)

TEACHER_NAMES = {"mlp": "MLP (dense layers)", "cnn": "CNN (1-D convolutions)", "lstm": "LSTM (recurrent)"}
TRIM_NAMES = {"precomputed": "precomputed (fast, exact)", "autograd": "autograd (through the network, slow)"}
PARAM_NAMES = {"penalty": "penalty (as published)", "lattice": "lattice (always a valid wavelet)"}


def saved(key: str, defaults: dict[str, Any]) -> dict[str, Any]:
    """The settings last submitted under ``key``, completed with ``defaults``."""
    return {**defaults, **st.session_state.get(key, {})}


def teacher_form() -> dict[str, Any] | None:
    """Render the teacher form; return the settings when submitted, else None."""
    s = saved(keys.WAVELET_TEACHER_SETTINGS, TEACHER_DEFAULTS)
    with st.form("wavelet_teacher_form", border=True):
        left, right = st.columns(2)
        kind = left.selectbox("Network", TEACHER_KINDS, index=TEACHER_KINDS.index(s["teacher"]),
                              format_func=TEACHER_NAMES.get,
                              help="The black box to distil. The MLP trains fastest; the LSTM is slowest.")
        hidden = left.number_input("Hidden units", 1, 1024, int(s["teacher_hidden"]),
                                   help="Width of the network's hidden layers: wider fits more, trains slower.")
        epochs = right.number_input("Epochs (at most)", 1, 500, int(s["teacher_epochs"]),
                                    help="Training stops earlier when the validation loss stops improving.")
        seed = right.number_input("Seed", 0, 2**31 - 1, int(s["seed"]),
                                  help="Same seed, same train/test split, same network and same distillation.")
        submitted = st.form_submit_button("Train the teacher", icon=":material/model_training:", type="primary")
    if not submitted:
        return None
    new = dict(s, teacher=kind, teacher_epochs=int(epochs), teacher_hidden=int(hidden), seed=int(seed))
    st.session_state[keys.WAVELET_TEACHER_SETTINGS] = new
    return new


def distill_form(max_levels: int, *, disabled: bool = False) -> dict[str, Any] | None:
    """Render the distillation form; return the settings when submitted, else None.

    Parameters
    ----------
    max_levels : int
        The deepest decomposition the signals allow; the levels input stops there.
    disabled : bool
        Grey out the Run button (no teacher yet).
    """
    s = saved(keys.WAVELET_SETTINGS, DISTILL_DEFAULTS)
    names = orthogonal_wavelet_names()
    with st.form("wavelet_distill_form", border=True):
        a, b, c = st.columns(3)
        wavelet = a.selectbox("Initial wavelet", names, index=names.index(s["wavelet"]) if s["wavelet"] in names else 0,
                              help="Training starts from this orthogonal wavelet. The simulation's truth is db5.")
        levels = b.number_input("Levels J", 1, max(1, max_levels), min(int(s["levels"]), max(1, max_levels)),
                                help=f"Decomposition depth; these signals allow at most {max_levels}.")
        mode = c.selectbox("Boundary mode", ("zero", "periodization"), index=("zero", "periodization").index(s["mode"]),
                           help="How the signal is extended past its ends. The paper used zero.")
        lam = a.number_input("λ (coefficient sparsity)", 0.0, 10.0, float(s["lam"]), format="%.1e", step=1e-4,
                             help="Weight of the L1 norm of the wavelet coefficients.")
        gamma = b.number_input("γ (attribution sparsity)", 0.0, 1000.0, float(s["gamma"]), format="%.2e", step=0.1,
                               help="Weight of the L1 norm of the network's attributions. γ = 0 ignores the network.")
        epochs = c.number_input("Epochs", 1, 500, int(s["epochs"]))
        trim = a.selectbox("TRIM path", TRIM_PATHS, index=TRIM_PATHS.index(s["trim"]), format_func=TRIM_NAMES.get,
                           help="Both give the same loss and gradient; precomputed needs no network passes "
                                "while training.")
        param = b.selectbox("Parametrization", PARAMETRIZATIONS, index=PARAMETRIZATIONS.index(s["parametrization"]),
                            format_func=PARAM_NAMES.get,
                            help="Lattice keeps the filter exactly orthogonal; penalty only encourages it.")
        top_k = c.number_input("Top-k coefficients per level", 1, 64, int(s["top_k"]),
                               help="How many attributed coefficients per level the student and the distilled "
                                    "reconstruction keep.")
        submitted = st.form_submit_button("Distill", icon=":material/filter_alt:", type="primary",
                                          disabled=disabled)
    if not submitted:
        return None
    new = dict(s, wavelet=wavelet, levels=int(levels), mode=mode, lam=float(lam), gamma=float(gamma),
               epochs=int(epochs), trim=trim, parametrization=param, top_k=int(top_k))
    st.session_state[keys.WAVELET_SETTINGS] = new
    return new
