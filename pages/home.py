"""Home: what Distill Studio does, in plain words, and where to start."""

import streamlit as st

from ui import demos
from ui.audit.runs import prewarm as prewarm_audit
from ui.audit.source import CHOICE_LABELS
from ui.links import switch_to
from ui.wavelets.process import prewarm

prewarm()  # the wavelet demo's worker process starts preparing while the reader looks at Home
prewarm_audit()  # and so do the audit's

AUDIT_DEMO_DATASET = "synthetic-biased"
WAVELET_DEMO_DATASET = "simulation"

st.title("Distill Studio")
st.markdown(
    "See what a black box really does by distilling it into something you can read. "
    "Everything runs on this computer: no data, and no usage statistics, leave it."
)

audit, wavelet = st.columns(2, gap="large")

with audit:
    st.header("Audit a risk score")
    st.markdown("Does a black-box risk score, such as COMPAS, use a feature more than what really happened justifies?")
    if st.button("Start the audit demo", icon=":material/play_arrow:", type="primary", key="home_audit_demo",
                 help=f"Loads the '{AUDIT_DEMO_DATASET}' scenario (a made-up score that leans on a protected "
                      "attribute, with the true answer known) and runs the audit at the validated default settings.",
                 on_click=demos.request, args=(demos.AUDIT_DEMO, AUDIT_DEMO_DATASET)):
        demos.start_pending()  # a no-op where the router already started it
        switch_to("audit-compare")
    st.caption(f"One click runs the audit on the **{CHOICE_LABELS[AUDIT_DEMO_DATASET]}** scenario, where the right "
               "answer is known in advance, and shows the verdict. COMPAS is one more click on the Data page.")
    st.markdown(
        "The score is made by a model nobody outside can inspect; we only have past scores and what really "
        "happened. Distill Studio:\n"
        "1. **calibrates** the score, turning it into a probability;\n"
        "2. trains a transparent **student** to mimic the score;\n"
        "3. trains the same kind of model on the **real outcomes**;\n"
        "4. **compares** the two, feature by feature, with honest uncertainty.\n\n"
        "Where the two disagree, the score uses a feature differently from what the outcomes justify. "
        "If both models fail on the same people, the score probably saw information the audit data lacks."
    )

with wavelet:
    st.header("Distill a wavelet")
    st.markdown("A neural network reads signals, but which parts of a signal does it use?")
    if st.button("Start the wavelet demo", icon=":material/play_arrow:", type="primary", key="home_wavelet_demo",
                 help=f"Loads the '{WAVELET_DEMO_DATASET}' task from the AWD paper, where the signal parts "
                      "that matter are known, trains the network and distils a wavelet from it.",
                 on_click=demos.request, args=(demos.WAVELET_DEMO, WAVELET_DEMO_DATASET)):
        demos.start_pending()
        switch_to("wavelet-distill")
    st.caption(f"One click trains the network and distils a wavelet on the **{WAVELET_DEMO_DATASET}** task from "
               "the AWD paper, where the answer is known, and shows the result.")
    st.markdown(
        "Distill Studio learns a **wavelet**, a small set of filters that break a signal into pieces, "
        "chosen so that a few pieces keep everything the network relies on. "
        "You then see the filters, the wavelet itself, and each signal **rebuilt from only those few pieces**: "
        "a picture of what the network looks at."
    )

st.divider()
st.subheader("Who is this for?")
journalist, student, analyst = st.columns(3, gap="large")
with journalist:
    st.markdown(
        "**Journalists checking an audit.** Open the audit report someone shared, or rerun it here. "
        "Blue is always the student (what the score does), orange the outcome model (what the data justify). "
        "Features marked *differs* are where the score departs from the outcomes, with the uncertainty shown."
    )
with student:
    st.markdown(
        "**Students in a classroom.** The demo scenarios are made up, so the right answer is known. "
        "Turn on *show truth* and watch whether the method finds it: a biased score, or a hidden feature."
    )
with analyst:
    st.markdown(
        "**Analysts with their own data.** Upload a CSV or Parquet table with a score, an outcome and features. "
        "Every result downloads as a self-contained report, and `python -m core audit …` reproduces it "
        "from the command line."
    )

st.caption("Methods: Distill-and-Compare (Tan, Caruana, Hooker & Lou, 2018) and Adaptive Wavelet Distillation "
           "(Ha, Singh, Lanusse, Upadhyayula & Yu, 2021).")
