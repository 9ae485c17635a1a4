"""Student vs outcome: run the audit, then compare the two models term by term."""

import streamlit as st

from core import theme
from core.audit import plots
from core.audit.spec import PRESETS
from ui import keys
from core.audit.words import PREVIEW_NOTE, scale_sentence, term_sentence
from ui.audit_readings import accuracy_reading, fidelity_reading, shape_alt, term_reading
from ui.audit_runs import latest, start_run
from ui.audit_view import require_data, stale_notice
from ui.charts import chart
from core.audit.spec import DEFAULT_PRESET, SCALE_METHODS, STUDENT_KINDS
from ui.audit_state import PRESET_LABELS, SCALE_LABELS, STUDENT_LABELS, current_spec, preset_help, settings
from ui.feedback import follow_job, show_job_error
from core.audit.cli import MAX_BAGS, MAX_INTERACTIONS, MAX_SEED
from ui.markup import md, md_list

st.title("Student vs outcome")
st.markdown(
    f"<span style='color:{theme.STUDENT}'>■</span> **Blue: the student**, which mimics the black-box score. "
    f"<span style='color:{theme.OUTCOME}'>■</span> **Orange: the outcome model**, which learns from what really "
    "happened. Where they part, the score uses a feature differently from what the outcomes justify.",
    unsafe_allow_html=True,
)
source, dataset = require_data()

# --- settings and Run -----------------------------------------------------
current = settings()
found = latest()
summary = (f"{PRESET_LABELS[current.get('preset') or DEFAULT_PRESET]} preset · seed {current.get('random_state', 0)}"
           + (f" · {current['interactions']} pairs" if current.get("interactions") is not None else "")
           + (f" · {current['outer_bags']} bags" if current.get("outer_bags") is not None else ""))
with st.expander(f"Settings: {summary}", icon=":material/settings:", expanded=found is None):
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
            start_run(source, dataset, current_spec())

job = follow_job(keys.AUDIT_JOB)
if job is not None and job.running:
    st.caption("Fitting both models on every bag. You can read the Calibration page meanwhile; "
               "the fit keeps running.")
if job is not None and not job.running and job.error is not None:
    show_job_error(job)

found = latest()
if found is None:
    if job is None or not job.running:
        st.info("Press **Run** to fit the student and the outcome model. You can visit other pages meanwhile.",
                icon=":material/play_arrow:")
    st.stop()
key, result = found
stale_notice(key, source)

# --- headline -------------------------------------------------------------
ranked = result.ranking()
flagged = [t.name for t in result.flagged()]
if result.spec.is_preview:
    st.warning(f"**{PREVIEW_NOTE}** The {PRESET_LABELS[result.spec.preset]} settings have not been validated; "
               "their verdict is a first look only.", icon=":material/science:")
if flagged:
    st.error(f"**The score departs from the outcomes on: {md_list(flagged)}.** "
             + " ".join(md(term_sentence(t)) for t in result.flagged()), icon=":material/flag:")
else:
    st.info("**No feature shows a material difference.** The score uses each feature about as much as "
            "the outcomes justify, within the intervals.", icon=":material/info:")
st.caption(md(scale_sentence(result.scale)) + f" (alpha = {result.scale.alpha:.2f}, the factor that maps the "
           "student onto the outcome model's log-odds; odds × = e^log-odds.)")

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

# --- ranking --------------------------------------------------------------
chart(plots.discrepancy_ranking_figure(ranked),
      "Horizontal bar chart ranking features by the root-mean-square gap between the scaled student and the "
      f"outcome model, with 95% intervals; flagged features marked ⚑: {', '.join(flagged) or 'none'}.")

# --- one term in detail ---------------------------------------------------
st.subheader("Feature by feature")
mains = [t for t in ranked if hasattr(t, "student_bags")]
names = [t.name for t in mains]
if st.session_state.get(keys.AUDIT_FEATURE) not in names:
    st.session_state.pop(keys.AUDIT_FEATURE, None)
pick, toggles = st.columns([2, 3], vertical_alignment="bottom")
name = pick.selectbox("Feature (largest gap first)", names, key=keys.AUDIT_FEATURE,
                      format_func=lambda n: f"⚑ {n} — differs" if result.term(n).differs else n)
with toggles:
    truth = result.truth
    show_truth = False
    if truth is not None:
        show_truth = st.toggle("Show truth", key=keys.AUDIT_SHOW_TRUTH,
                               help="This scenario is made up, so its true shapes are known: black dashed lines.")
    show_bags = st.toggle("Show refitted students", key=keys.AUDIT_SHOW_BAGS,
                          help="Thin blue lines: the student fitted on each outer bag. When they fan out, equally "
                               "accurate students tell different stories about this feature.")
term = result.term(name)
(st.error if term.differs else st.info)(term_reading(term), icon=":material/flag:" if term.differs else ":material/info:")
true_shape = truth.shape(name) if show_truth and truth is not None else None
overlaid, side = st.tabs(["Overlaid", "Side by side"])
with overlaid:
    chart(plots.term_shape_figure(term, truth=true_shape, show_bags=show_bags),
          shape_alt(term, true_shape is not None, show_bags))
with side:
    chart(plots.term_side_by_side_figure(term, truth=true_shape),
          shape_alt(term, true_shape is not None, False, side_by_side=True))
chart(plots.difference_figure(term),
      f"Chart of the gap between the scaled student and the outcome model for {name}, with the 95% band for the "
      "whole curve that the flag uses; "
      f"a material gap on {term.differs_share:.0%} of rows.")
if term.stability_ratio > 0.5:
    st.warning(f"**Students disagree about {md(name)}.** Refitted students vary by {term.stability:.2f} log-odds, "
               f"{term.stability_ratio:.0%} of the feature's own effect: read this shape with care.",
               icon=":material/ssid_chart:")

# --- pairs ----------------------------------------------------------------
if result.pairs:
    st.subheader("Pairs of features")
    st.caption("Interactions after moving their main effects into the single-feature terms above.")
    for pair in sorted(result.pairs, key=lambda p: -p.discrepancy_sq):
        chart(plots.pair_heatmaps_figure(pair),
              f"Three heatmaps for the pair {pair.name}: student, outcome model and their difference"
              f"{' (differs)' if pair.differs else ''}.")
