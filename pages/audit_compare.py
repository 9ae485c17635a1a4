"""Student vs outcome: run the audit, then compare the two models term by term."""

import hashlib

import streamlit as st

from core import theme
from core.audit import plots
from core.audit.cli import MAX_BAGS, MAX_INTERACTIONS, MAX_SEED
from core.audit.spec import DEFAULT_PRESET, PRESETS, SCALE_METHODS, STUDENT_KINDS
from core.audit.words import PREVIEW_NOTE, odds_help, scale_sentence, term_sentence
from ui import keys
from ui.audit.readings import accuracy_reading, fidelity_reading, shape_alt, term_reading
from ui.audit.runs import latest, running, start_run
from ui.audit.state import (PRESET_LABELS, SCALE_LABELS, STUDENT_LABELS, current_spec, preset_help, settings,
                            spec_summary)
from ui.audit.url import sync
from ui.audit.view import calibration_while_waiting, require_data, stale_notice
from ui.charts import chart
from ui.feedback import follow_job, show_job_error
from ui.markup import md, md_list

st.title("Student vs outcome")
st.markdown(
    f"<span style='color:{theme.STUDENT}'>■</span> **Blue: the student** mimics the black-box score. "
    f"<span style='color:{theme.OUTCOME}'>■</span> **Orange: the outcome model** learns from what really happened. "
    "Where they part, the score uses a feature differently from what the outcomes justify.",
    unsafe_allow_html=True,
)
SHAPE_HEIGHT = 460  # px: with the verdict beside it, the first screen at 1280×800 holds both
source, dataset = require_data()

# --- settings and Run -----------------------------------------------------
current = settings()
found = latest()
job = running()
shown_spec = job.meta.get("spec") if job is not None else (found[1].spec if found is not None else None)
summary = spec_summary(shown_spec) if shown_spec is not None else (
    f"{PRESET_LABELS[current.get('preset') or DEFAULT_PRESET]} preset · seed {current.get('random_state', 0)}")
with st.expander(f"Settings: {'running · ' if job is not None else ''}{summary}", icon=":material/settings:",
                 expanded=found is None and job is None):
    with st.form(keys.AUDIT_SETTINGS_FORM, border=False):
        c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
        preset = c1.segmented_control("Preset", list(PRESETS), format_func=PRESET_LABELS.get, required=True,
                                      default=current.get("preset") or DEFAULT_PRESET,
                                      key=keys.AUDIT_SETTINGS_PREFIX + "preset", help=preset_help())
        interactions = c2.number_input("Pairs", min_value=0, max_value=MAX_INTERACTIONS, step=1, value=current.get("interactions"),
                                       placeholder="preset", key=keys.AUDIT_SETTINGS_PREFIX + "interactions",
                                       help="Interaction terms (pairs of features). Empty: the preset's number.")
        bags = c3.number_input("Bags", min_value=2, max_value=MAX_BAGS, step=1, value=current.get("outer_bags"),
                               placeholder="preset", key=keys.AUDIT_SETTINGS_PREFIX + "outer_bags",
                               help="Outer bags shared by both models; intervals and stability come from them. "
                                    "Empty: the preset's number.")
        seed = c4.number_input("Seed", min_value=0, max_value=MAX_SEED, step=1,
                               value=current.get("random_state", 0), key=keys.AUDIT_SETTINGS_PREFIX + "random_state",
                               help="The same seed, data and settings give the same results.")
        c5, c6 = st.columns(2)
        student = c5.selectbox("Student", STUDENT_KINDS, index=STUDENT_KINDS.index(current.get("student") or "matched"),
                               format_func=STUDENT_LABELS.get, key=keys.AUDIT_SETTINGS_PREFIX + "student",
                               help="Noise-matched (validated): learns from labels drawn from the calibrated score, as "
                                    "noisy as the real outcomes. Regressor: fits the calibrated log-odds, as published.")
        scale = c6.selectbox("Common scale", SCALE_METHODS, index=SCALE_METHODS.index(current.get("scale") or "robust"),
                             format_func=SCALE_LABELS.get, key=keys.AUDIT_SETTINGS_PREFIX + "scale",
                             help="How the student is put on the outcome model's scale before the two are compared.")
        if st.form_submit_button("Run", icon=":material/play_arrow:", type="primary"):
            st.session_state[keys.AUDIT_SETTINGS] = {"preset": preset or DEFAULT_PRESET, "interactions": interactions,
                                                     "outer_bags": bags, "random_state": int(seed),
                                                     "student": student, "scale": scale}
            if start_run(source, dataset, current_spec()) == "busy":
                st.session_state[keys.AUDIT_BUSY] = True
            st.rerun()  # the settings label above must name the run that is going now

if st.session_state.pop(keys.AUDIT_BUSY, False) and job is not None:
    st.warning(f"**An audit is already running ({spec_summary(job.meta['spec'])}).** Nothing new was started. "
               "Your new settings are kept: press **Run** again when it finishes, or **Cancel** it first.",
               icon=":material/hourglass_top:")
job = follow_job(keys.AUDIT_JOB, interval=1.0)  # each poll takes the GIL from the fit
if job is not None and job.running:
    st.caption("Fitting both models on every bag. You can read the Calibration page meanwhile; "
               "the fit keeps running." + (" The result below is from the previous run." if found else ""))
if job is not None and not job.running and job.error is not None:
    show_job_error(job)

found = latest()
if found is None:
    if job is None or not job.running:
        st.info("Press **Run** to fit the student and the outcome model. You can visit other pages meanwhile.",
                icon=":material/play_arrow:")
    else:
        calibration_while_waiting(source, dataset, job.meta["spec"])
    st.stop()
key, result = found
stale_notice(key, source)
sync()

# --- headline and the first feature, side by side: one screen at 1280×800 ---
ranked = result.ranking()
flagged = [t.name for t in result.flagged()]
mains = [t for t in ranked if hasattr(t, "student_bags")]
names = [t.name for t in mains]
words, picture = st.columns([2, 3], gap="medium")
with words:
    if result.spec.is_preview:
        st.warning(f"**{PREVIEW_NOTE}** The {PRESET_LABELS[result.spec.preset]} settings have not been validated; "
                   "their verdict is a first look only.", icon=":material/science:")
    if flagged:
        st.error(f"**{theme.FLAG_MARK} The score departs from the outcomes on: {md_list(flagged)}.** "
                 + " ".join(md(term_sentence(t)) for t in result.flagged()), icon=":material/flag:")
    else:
        st.info("**No feature shows a material difference.** The score uses each feature about as much as "
                "the outcomes justify, within the intervals.", icon=":material/info:")
    # The picker's labels depend on the result: a widget key per result, so no label outlives its result.
    picker = f"{keys.AUDIT_FEATURE}.{hashlib.sha256(key.encode()).hexdigest()[:10]}"
    if st.session_state.get(picker) not in names:
        st.session_state[picker] = st.session_state.get(keys.AUDIT_FEATURE) if \
            st.session_state.get(keys.AUDIT_FEATURE) in names else names[0]
    name = st.selectbox("Feature (largest gap first)", names, key=picker,
                        format_func=lambda n: f"{theme.FLAG_MARK} {n} — differs" if result.term(n).differs else n)
    st.session_state[keys.AUDIT_FEATURE] = name
    term = result.term(name)
    if not (term.differs and name in flagged):  # a flagged term's sentence is already in the verdict above
        st.info(term_reading(term), icon=":material/info:")
    st.caption("**Odds ×2** means twice the odds of the outcome, **×0.5** half.", help=odds_help(term))
    truth = result.truth
    show_truth = truth is not None and st.toggle(
        "Show truth", key=keys.AUDIT_SHOW_TRUTH,
        help="This scenario is made up, so its true shapes are known: black dashed lines.")
    show_bags = st.toggle("Show refitted students", key=keys.AUDIT_SHOW_BAGS,
                          help="Thin blue lines: the student fitted on each outer bag. When they fan out, equally "
                               "accurate students tell different stories about this feature.")
    side_by_side = st.toggle("Side by side", key=keys.AUDIT_SIDE_BY_SIDE,
                             help="The two models in two panels instead of one over the other.")
true_shape = truth.shape(name) if show_truth and truth is not None else None
with picture:
    if side_by_side:
        fig = plots.term_side_by_side_figure(term, truth=true_shape)
        alt = shape_alt(term, true_shape is not None, False, side_by_side=True)
    else:
        fig = plots.term_shape_figure(term, truth=true_shape, show_bags=show_bags)
        alt = shape_alt(term, true_shape is not None, show_bags)
    # A short title: the full one does not fit beside the verdict.
    fig.layout.title.text = f"{name}: score vs outcomes" + (f" — {theme.FLAG_MARK} differs" if term.differs else "")
    chart(fig.update_layout(height=SHAPE_HEIGHT), alt)
chart(plots.difference_figure(term),
      f"Chart of the gap between the scaled student and the outcome model for {name}, with the 95% band for the "
      "whole curve that the flag uses; "
      f"a material gap on {term.differs_share:.0%} of rows.")
if term.stability_ratio > 0.5:
    st.warning(f"**Students disagree about {md(name)}.** Refitted students vary by {term.stability:.2f} log-odds, "
               f"{term.stability_ratio:.0%} of the feature's own effect: read this shape with care.",
               icon=":material/ssid_chart:")

# --- all features ranked ----------------------------------------------------
st.subheader("All features, largest gap first")
st.caption(md(scale_sentence(result.scale)) + f" (alpha = {result.scale.alpha:.2f}, the factor that maps the "
           "student onto the outcome model's log-odds; odds × = e^log-odds.)")
chart(plots.discrepancy_ranking_figure(ranked),
      "Horizontal bar chart ranking features by the root-mean-square gap between the scaled student and the "
      f"outcome model, with 95% intervals; flagged features marked ⚑: {', '.join(flagged) or 'none'}.")

# --- cards ----------------------------------------------------------------
fid, acc = st.columns(2, gap="medium")
with fid.container(border=True):
    st.markdown(f"<span style='color:{theme.STUDENT}'>■</span> **Fidelity: how much of the score the features explain** (held-out rows)",
                unsafe_allow_html=True)
    a, b = st.columns(2)
    a.metric("R²", f"{result.fidelity.r2:.3f}", help="Share of the calibrated score's variation that its closest additive copy (an EBM regressor on the "
               "calibrated log-odds) reproduces.")
    b.metric("RMSE (log-odds)", f"{result.fidelity.rmse:.3f}", help="Typical gap between student and calibrated score.")
    st.caption(fidelity_reading(result.fidelity.r2, result.fidelity.rmse))
with acc.container(border=True):
    st.markdown(f"<span style='color:{theme.OUTCOME}'>■</span> **Outcome accuracy** (held-out rows)",
                unsafe_allow_html=True)
    a, b, c = st.columns(3)
    a.metric("AUC", f"{result.accuracy.auc:.3f}", help="0.5 is guessing, 1 is perfect ranking.")
    b.metric("Log-loss", f"{result.accuracy.log_loss:.3f}", help="Lower is better.")
    c.metric("Brier", f"{result.accuracy.brier:.3f}", help="Mean squared error of the predicted probability; lower is better.")
    st.caption(accuracy_reading(result.accuracy.auc, result.accuracy.log_loss, result.accuracy.brier,
                                result.accuracy.base_rate))

# --- pairs ----------------------------------------------------------------
if result.pairs:
    st.subheader("Pairs of features")
    st.caption("Interactions after moving their main effects into the single-feature terms above.")
    for pair in sorted(result.pairs, key=lambda p: -p.discrepancy_sq):
        chart(plots.pair_heatmaps_figure(pair),
              f"Three heatmaps for the pair {pair.name}: student, outcome model and their difference"
              f"{' (differs)' if pair.differs else ''}.")
