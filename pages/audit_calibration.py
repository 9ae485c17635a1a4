"""Calibration: turn the score into a probability, and see how well it matches outcomes, per group."""

import streamlit as st

from core.audit import plots
from core.audit.spec import CALIBRATION_METHODS
from core.errors import InputError
from ui import keys
from ui.audit.cache import calibration_preview, problems
from ui.audit.readings import calibration_gap_reading
from ui.audit.runs import latest
from ui.audit.state import current_spec, run_key
from core.audit.calibration import MIN_GROUP_POSITIVES, MIN_GROUP_ROWS, group_too_small
from ui.audit.runs import running
from ui.audit.url import sync
from ui.audit.view import require_data, running_notice, show_problems
from ui.charts import chart
from ui.markup import md

METHOD_LABELS = {"none": "None", "isotonic": "Isotonic", "platt": "Platt", "spline": "Spline"}
METHOD_HELP = {
    "none": "The score already is a probability (0 to 1); it is used as it is.",
    "isotonic": "A step function that only goes up: flexible, no shape assumed. Good for deciles.",
    "platt": "A straight line on the log-odds scale: smooth, but assumes a simple shape.",
    "spline": "A smooth curve that only goes up, as in the original paper: between the two.",
}

st.title("Calibration")
source, dataset = require_data()
sync()
if st.session_state.get(keys.AUDIT_CALIBRATION) == "none":
    st.markdown("Method **None**: the score is read as a probability as it is (only clipped away from 0 and 1), "
                "so nothing is fitted. Below: whether that probability matches what happened, overall and per "
                "group. The student then mimics it on the log-odds scale.")
else:
    st.markdown("A risk score is not yet a probability: a decile of 7 means nothing on its own. Calibration maps "
                "each score to the **share of people with that score who had the outcome**, fitted on training "
                "rows only. The student then mimics this calibrated score on the log-odds scale.")
if running() is not None:
    running_notice(True)

# One key: the control's own value is the method the audit uses, kept across pages by persist_state.
st.session_state.setdefault(keys.AUDIT_CALIBRATION, "isotonic")
method = st.segmented_control("Method", CALIBRATION_METHODS, format_func=METHOD_LABELS.get, required=True,
                              key=keys.AUDIT_CALIBRATION, persist_state="session",
                              help="  \n".join(f"**{METHOD_LABELS[m]}**: {h}" for m, h in METHOD_HELP.items()))
st.caption(METHOD_HELP[method])
spec = current_spec()
trouble = problems(source.sha256, dataset.frame, spec)
show_problems(trouble, "calibration")
if any(p.severity == "error" for p in trouble):
    st.stop()

# The audit's own calibration when its run matches these settings; otherwise a preview (no models fitted).
found = latest()
if found is not None and found[0] == run_key(source.sha256, spec):
    cal = found[1].calibration
else:
    try:
        cal = calibration_preview(source.sha256, dataset.frame, spec)
    except InputError as err:
        st.error(f"**{md(err.problem, 0)}**  \n{md(err.fix, 0)}", icon=":material/error:")
        st.stop()
    if found is not None:
        st.info("Preview for the method chosen here. Press **Run** on *Student vs outcome* to audit with it.",
                icon=":material/visibility:")

if not cal.monotone:
    st.warning("The fitted mapping is not monotone: a higher score does not always mean a higher probability.",
               icon=":material/warning:")

chart(plots.calibration_mapping_figure(cal),
      f"Line chart of the {cal.method} calibration: black-box score on the x axis, calibrated "
      "probability on the y axis, over dots for the observed share with the outcome at each score.")

st.subheader("Does the score match what happened?")
st.markdown(calibration_gap_reading(cal, "All"))
chart(plots.reliability_figure(cal, "All"),
      "Two reliability diagrams, before and after calibration: mean score per bin against the observed "
      "share with the outcome; dot size shows rows per bin; the diagonal is perfect calibration.")

groups = sorted({t.group for t in cal.reliability if t.group != "All"})
if groups:
    st.subheader("Per protected group")
    st.caption("After calibration every group should lie on the diagonal. A group above it is under-predicted "
               "by the score; a group below it is over-predicted. "
               f"Groups with fewer than {MIN_GROUP_ROWS} held-out rows or {MIN_GROUP_POSITIVES} with the outcome get "
               "no verdict: their observed rate is too noisy (dotted lines in the chart).")
    small = [g for g in groups if group_too_small(cal.table("after", g))]
    for group in groups:
        if group not in small:
            st.markdown(calibration_gap_reading(cal, group))
    if small:
        rows = sum(sum(cal.table("after", g).count) for g in small)
        st.markdown(f"**No verdict** for {len(small)} small group{'s' * (len(small) > 1)} "
                    f"({md(', '.join(small))}; {rows:,} held-out rows in all): too few rows or outcomes to say "
                    "whether the score over- or under-predicts for them.")
    stage = st.segmented_control("Show", ["after", "before"], required=True, default="after", key=keys.AUDIT_CAL_STAGE,
                                 format_func={"after": "After calibration", "before": "Raw score"}.get)
    chart(plots.reliability_by_group_figure(cal, stage=stage),
          f"Reliability lines, one per protected group ({', '.join(groups)}), "
          f"{'after calibration' if stage == 'after' else 'for the raw score'}.")
st.caption(f"Reliability is measured on {cal.evaluated_on}"
           + ("; the score is used as it is (method None)." if cal.method == "none"
              else "; the calibration itself is fitted on training rows."))
