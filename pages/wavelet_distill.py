"""Distill: learn a wavelet that keeps what the teacher network uses."""

import streamlit as st

from ui import keys
from ui.opening import DEMO, ENGINE, opening

starting = opening("Distill", "Step 2 of 4 · Learn a wavelet whose few largest coefficients carry what the teacher "
                   "network uses.", DEMO if st.session_state.get(keys.WAVELET_DEMO_CHAIN) else ENGINE)
# Imported after the title, so the page is never blank while torch and plotly load.
from core.wavelets import plots  # noqa: E402
from core.wavelets.transform import max_levels  # noqa: E402
from ui.feedback import follow_job, show_job_error  # noqa: E402
from ui.charts import chart  # noqa: E402
from ui.wavelets.charts import distill_live, loss_terms  # noqa: E402
from ui.wavelets.data import current_source  # noqa: E402
from ui.wavelets.forms import DISTILL_DEFAULTS, distill_form, saved  # noqa: E402
from ui.wavelets.runs import (collect, current_result, current_sweep, current_teacher,  # noqa: E402
                             request_distill, request_sweep)
from core.wavelets.report import settings_line  # noqa: E402
from ui.links import link  # noqa: E402
from ui.wavelets.views import show_warnings, teacher_summary, validity_badges  # noqa: E402

starting.empty()
collect()

source = current_source()
entry = current_teacher()
ready = source is not None and entry is not None and entry["data_key"] == source.key
teacher_job = st.session_state.get(keys.WAVELET_TEACHER_JOB)
if not ready and teacher_job is not None and teacher_job.running:
    st.info("The teacher network is still training; this page is ready as soon as it finishes.",
            icon=":material/hourglass:")
    follow_job(keys.WAVELET_TEACHER_JOB, interval=1.0)
elif not ready:
    if teacher_job is not None and teacher_job.error is not None:
        show_job_error(teacher_job)  # e.g. the demo's teacher was cancelled here: say so, not only "choose signals"
    st.info("First choose signals and train a teacher network.", icon=":material/info:")
    link("wavelet-signals", "Go to Signals and teacher", ":material/arrow_back:")
else:
    teacher_summary(source, entry["teacher"])

with st.expander("What the settings mean", icon=":material/help:"):
    st.markdown(
        "AWD adjusts the wavelet's lowpass filter *h* (the highpass filter *g* follows from it) to minimise\n\n"
        "**reconstruction error + validity penalties + λ · |coefficients| + γ · |attributions|**\n\n"
        "- *Attributions* measure how much the teacher's output changes with each wavelet coefficient "
        "(TRIM saliency). A large **γ** asks for a wavelet in which the network depends on only a few coefficients.\n"
        "- **λ** asks for few large coefficients of the signal itself, whatever the network does.\n"
        "- The *validity penalties* pull *h* toward a real orthogonal wavelet; they are soft, so the result is "
        "close to valid, not exactly (Explore shows the residuals). The *lattice* parametrization makes it "
        "orthogonal by construction.\n"
        "- Distill also fits the same objective with γ = 0, to show what the network adds.")



def readable_result(job):
    """The stored result for this teacher, or None while a distillation runs (it would not be the one shown)."""
    done = current_result() if ready else None
    if done is None or done["teacher_key"] != st.session_state.get(keys.WAVELET_TEACHER) or (job and job.running):
        return None
    return done


levels_cap = max_levels(source.dataset.length) if source is not None else 4
shown = readable_result(st.session_state.get(keys.WAVELET_DISTILL_JOB))
if shown is not None:
    # A result to read: it comes first on the screen, the form folds into one line above it.
    with st.expander(f"Settings: {settings_line(shown['result'].settings)}. Open to change them and distil again.",
                     icon=":material/tune:"):
        settings = distill_form(levels_cap)
else:
    settings = distill_form(levels_cap, disabled=not ready)
if settings is not None and ready:
    t_key = st.session_state[keys.WAVELET_TEACHER]
    outcome = request_distill(t_key, source.dataset, entry["teacher"], {**entry["settings"], **settings})
    if outcome == "reused":
        st.toast("Already distilled with these settings; showing the stored result.")
    elif outcome == "busy":
        st.warning("A distillation is still running. Cancel it first, or wait for it to finish.",
                   icon=":material/hourglass:")

job = follow_job(keys.WAVELET_DISTILL_JOB, details=distill_live, interval=1.0)
if job is not None and not job.running and job.error is not None:
    show_job_error(job)

done = readable_result(job)
if done is not None:
    result = done["result"]
    d = result.downstream
    metric = "R²" if d.metric == "r2" else "accuracy"
    summary = (f"**Distilled** in {result.timings.get('distill', 0):.0f} s. A linear model on the "
               f"{d.top_k} largest coefficients of each level (the paper's features) reaches held-out {metric} "
               f"**{d.awd:.3f}** (initial {result.settings.wavelet} {d.init_wavelet:.3f}, without the network "
               f"(γ = 0) {d.gamma0:.3f}, teacher {d.teacher:.3f}, linear model on the raw signals "
               f"{result.baselines.get('linear', float('nan')):.3f}).")
    if result.warnings:
        st.markdown(summary)  # the numbers, without a success box: the warnings say what they mean
        show_warnings(result.warnings)
    else:
        st.success(summary, icon=":material/check_circle:")
    if result.psi_distance:
        moved = result.psi_distance["to_truth"] < result.psi_distance["init_to_truth"]
        st.markdown(f"Moved **{'toward' if moved else 'away from'}** the true wavelet "
                    f"({result.dataset['truth']['wavelet']}): ψ distance {result.psi_distance['init_to_truth']:.2f} "
                    f"→ {result.psi_distance['to_truth']:.2f}.")
    link("wavelet-explore", "Next: explore what the network looks at", ":material/arrow_forward:")
    validity_badges(result.validity)
    chart(plots.filters_figure(result.filter, result.init_filter, initial_name=result.settings.wavelet),
          f"Filter taps of the distilled wavelet beside the initial {result.settings.wavelet}.")
    chart(plots.loss_figure(result.loss_history, loss_terms(result.loss_history)),
          "Each term of the AWD objective per epoch, one panel per term on its own log scale.")

if ready:
    with st.expander("Optional: sweep γ and pick it by cross-validation", icon=":material/tune:"):
        st.markdown("Fits AWD for several γ with the settings above, each run starting from the previous "
                    "filter, and scores each with 3-fold cross-validation of the linear model on the training "
                    "signals. Explore then shows the path.")
        with st.form("wavelet_sweep_form", border=False):
            text = st.text_input("γ values (comma-separated)", "0, 0.1, 1, 10")
            go = st.form_submit_button("Run the sweep", icon=":material/play_arrow:")
        if go:
            try:
                gammas = sorted({float(v) for v in text.replace(";", ",").split(",") if v.strip()})
            except ValueError:
                gammas = []
            if not gammas or min(gammas) < 0:
                st.error("**The γ values could not be read.**  \nWrite numbers ≥ 0 separated by commas, "
                         "e.g. 0, 0.1, 1, 10.", icon=":material/error:")
            else:
                outcome = request_sweep(st.session_state[keys.WAVELET_TEACHER], source.dataset, entry["teacher"],
                                        {**entry["settings"], **saved(keys.WAVELET_SETTINGS, DISTILL_DEFAULTS)},
                                        gammas)
                if outcome == "reused":
                    st.toast("This sweep already ran; Explore shows it.")
                elif outcome == "busy":
                    st.warning("A sweep is still running.", icon=":material/hourglass:")
        sweep_job = follow_job(keys.WAVELET_SWEEP_JOB, interval=1.0)
        if sweep_job is not None and not sweep_job.running and sweep_job.error is not None:
            show_job_error(sweep_job)
        elif current_sweep() is not None:
            best = current_sweep().best
            st.info(f"Sweep done: γ = {best.gamma:g} scores best ({best.cv_score:.3f}, cross-validated on the "
                    "training signals). See Explore.", icon=":material/info:")
