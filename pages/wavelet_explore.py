"""Explore: the distilled wavelet, its validity, and what the network looks at in each signal."""

import numpy as np
import streamlit as st

from ui.opening import ENGINE, opening

starting = opening("Explore", "Step 3 of 4 · What the distilled wavelet looks like, whether it is valid, and which "
                   "parts of each signal the network relies on.", ENGINE)
# Imported after the title, so the page is never blank while torch and plotly load.
from core.wavelets import plots  # noqa: E402
from core.wavelets.reconstruct import DEFAULT_SCOPE, SCOPES  # noqa: E402
from core.wavelets.verdicts import signal_reading, truth_match  # noqa: E402
from ui import keys  # noqa: E402
from ui.charts import chart  # noqa: E402
from ui.wavelets.charts import loss_terms  # noqa: E402
from ui.wavelets.runs import collect, current_sweep, require_result  # noqa: E402
from core.wavelets.report import settings_line  # noqa: E402
from ui.wavelets.views import (downstream_table, position_table, sample_view, show_warnings,  # noqa: E402
                              teacher_summary, validity_badges)

starting.empty()
SCOPE_NAMES = {"overall": "whole signal", "level": "each level"}

collect()

source, entry, done = require_result("Nothing distilled yet for these signals and this teacher.")

result, teacher = done["result"], entry["teacher"]
s = result.settings
teacher_summary(source, teacher)
st.caption(f"Distilled from {settings_line(s)}.")
show_warnings(result.warnings)
validity_badges(result.validity)

st.subheader("What the network looks at")
test_rows = np.flatnonzero(result.split == "test")
# Widgets forget their values while another page shows (and on back/forward); these three are kept here.
kept = st.session_state.setdefault(keys.WAVELET_EXPLORE, {"sample": 1, "scope": DEFAULT_SCOPE, "top_k": s.top_k})
restore = {keys.WAVELET_SAMPLE: min(max(1, int(kept["sample"])), len(test_rows)), keys.WAVELET_SCOPE: kept["scope"]}
for widget, value in restore.items():
    if widget not in st.session_state or widget == keys.WAVELET_SAMPLE and st.session_state[widget] > len(test_rows):
        st.session_state[widget] = value
left, mid, right = st.columns([1, 1.3, 1])
pick = left.number_input(f"Test signal (1–{len(test_rows):,})", 1, len(test_rows), key=keys.WAVELET_SAMPLE,
                         help="Signals the teacher and the wavelet never trained on, numbered from 1.")
scope = mid.segmented_control("Keep the most attributed coefficients of the", SCOPES, key=keys.WAVELET_SCOPE,
                              required=True, format_func=SCOPE_NAMES.get)
cap = sum(result.coeff_lengths) if scope == "overall" else max(result.coeff_lengths)
st.session_state[keys.WAVELET_TOP_K] = min(int(st.session_state.get(keys.WAVELET_TOP_K, kept["top_k"])), cap)
top_k = right.slider("How many (k)", 1, cap, key=keys.WAVELET_TOP_K,
                     help="The pink signal is rebuilt from only these coefficients.")
kept.update(sample=int(pick), scope=scope, top_k=int(top_k))
row = int(test_rows[pick - 1])
name = f"Test signal {pick}"  # one numbering: the picker's, from 1 among held-out signals
rec = sample_view(st.session_state[keys.WAVELET_RESULT], row, int(top_k), scope, source.dataset.X[row], result,
                  teacher.model)
reading = signal_reading(rec, scale=result.answer_scale, task=result.dataset["task"], target=result.y[row],
                         n_coefficients=sum(result.coeff_lengths), label=name)
st.caption("Keeping the k most attributed coefficients of the whole signal shows only what the network reads; "
           "keeping k at each level also keeps the smooth approximation, so the pink line looks like a blurred copy.")
if reading["changed"]:
    st.warning(reading["text"], icon=":material/warning:")
else:
    st.markdown(reading["text"] + " The pink line is the part of the signal the network looks at.")
chart(plots.reconstruction_figure(rec, label=name),
      f"{name}: the original (black), rebuilt from all coefficients (green, dashed), and rebuilt from the "
      f"{rec.n_kept} most attributed coefficients (pink).")
chart(plots.scalogram_figure(rec),
      "Two heatmaps, one row per wavelet level: the signal's coefficients, and below them the network's "
      "attribution to each coefficient, with dots on the coefficients kept in the pink signal and squares on "
      "those the linear model reads.")
st.caption("Each row is one level; a coarse level has few coefficients, so each cell covers many samples. "
           "Red and blue are opposite signs; white is zero.")
read = "; ".join(f"{name}: {', '.join(map(str, p))}" for name, p in zip(result.level_names, result.feature_positions))
st.markdown(f"**Pink dots** mark the coefficients kept in the pink signal (this signal only). **Black squares** "
            f"mark the {s.top_k} positions per level read by the position-aware comparison below, chosen by the "
            f"largest average attribution on the training signals — {read}.")
truth = result.dataset.get("truth") or {}
if "positions" in truth:
    answer = (f"**Known answer:** the target is built from {truth['wavelet']} coefficients "
              f"{', '.join(map(str, truth['positions']))} of {truth['level_name']}.")
    match = truth_match(truth, s.levels, result.feature_positions)
    if match is not None:
        answer += (f" The {len(match['found'])} most attributed positions there are "
                   f"{', '.join(map(str, match['found']))}: {match['hits']} of {match['of']} match.")
    if result.psi_distance:
        dist = result.psi_distance
        moved = "toward" if dist["to_truth"] < dist["init_to_truth"] else "away from"
        answer += (f" The learned wavelet moved **{moved}** the true wavelet: ψ distance "
                   f"{dist['init_to_truth']:.2f} → {dist['to_truth']:.2f} (L2 between ψ over shifts and time "
                   "reversal, as in the AWD paper's simulation).")
    st.info(answer + " In the attribution heatmap, the network's attention should concentrate on that row.",
            icon=":material/lightbulb:")

st.subheader("The distilled wavelet")
chart(plots.filters_figure(result.filter, result.init_filter, initial_name=s.wavelet),
      f"Filter taps: lowpass h and highpass g of the distilled wavelet (blue) and the initial {s.wavelet} (grey).")
chart(plots.wavefun_figure(result.filter, result.init_filter, initial_name=s.wavelet),
      "The wavelet function psi and scaling function phi of the distilled and the initial wavelet.")
with st.expander("Validity residuals compared with the initial wavelet", icon=":material/rule:"):
    chart(plots.validity_figure(result.validity, result.init_validity),
          "Bar chart of each validity residual on a log scale, distilled vs initial, with the pass threshold.")

st.subheader("Is the wavelet a good student?")
d = result.downstream
st.markdown(f"As in the AWD paper, a linear model reads the **{d.top_k} largest coefficients of each level** "
            f"of every signal (wherever they sit) and is scored on {d.n_test:,} held-out signals, beside the same "
            f"model on the initial {s.wavelet} wavelet, on a wavelet trained without the network (γ = 0), and the "
            f"network itself. A linear model on the raw signals scores "
            f"{result.baselines.get('linear', float('nan')):.3f}. The *compression rate* is the share of "
            f"coefficients that are both non-negligible and attributed: lower means the network's view is packed "
            f"into fewer coefficients.")
st.dataframe(downstream_table(result), hide_index=True, width="stretch",
             column_config={"Compression rate": st.column_config.TextColumn(help=(
                 "Share of coefficients with |coefficient| and |attribution| above 1e-3; the network itself has "
                 "no wavelet, hence —."))})
pace = (f"{d.speedup:.1f}× faster than" if d.speedup >= 1 else f"{1 / d.speedup:.1f}× slower than")
st.caption(f"Predicting all {d.n_test:,} held-out signals, the wavelet model (transform + linear model) is {pace} "
           f"the network on this machine.")
chart(plots.downstream_figure(d), "Bar chart of the held-out score of each model.")
if d.position_rows():
    st.markdown(f"**A second comparison, by position:** the same model reads the coefficients at the {d.top_k} "
                "most attributed positions of each level (the black squares), the same positions for every "
                "signal. It rewards a wavelet that keeps *where* the network looks, which a fixed-position target "
                "such as the simulation's favours.")
    st.dataframe(position_table(result), hide_index=True, width="content")

st.subheader("Training")
chart(plots.loss_figure(result.loss_history, loss_terms(result.loss_history)),
      "Each term of the AWD objective per epoch, one panel per term on its own log scale.")

sweep = current_sweep()
if sweep is not None:
    st.subheader("Sweep over γ")
    chart(plots.sweep_figure(sweep), "Cross-validated score and distance to the reference wavelet along γ.")
    best = sweep.best
    st.caption(f"Selected by {sweep.folds}-fold cross-validation: λ = {best.lam:g}, γ = {best.gamma:g} "
               f"({sweep.metric} {best.cv_score:.3f}).")
