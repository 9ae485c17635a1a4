"""Data: pick a built-in dataset or upload a table, preview it and map its columns."""

import streamlit as st

from core.audit.datasets import DATASETS, fetch_compas
from core.audit.validate import MAPPING_FIELDS, Problem, model_features, settle_mapping
from core.errors import InputError
from ui import keys
from ui.audit.cache import problems as cached_problems
from ui.audit.runs import running, start_run
from ui.audit.source import CHOICE_LABELS, CHOICES, SYNTHETIC, UPLOAD, builtin_source, compas_cached, current, load, upload_source
from ui.audit.state import current_spec, mapping, run_key, select_source, spec_summary
from ui.audit.url import notice, restore, sync
from ui.audit.view import go_to, show_problems
from ui.feedback import follow_job, show_input_error, show_job_error
from ui.jobs import start_job
from ui.markup import md, md_list
from ui.links import switch_to

MAX_MB = st.get_option("server.maxUploadSize")
PREVIEW_ROWS = 200

st.title("Data")
st.caption("Pick the table to audit: a black-box **score**, the real **outcome**, and the **features** "
           "the audit can see. Nothing leaves this computer.")

restore()  # a reload or a shared link: the dataset and settings from the address
notice()
if st.session_state.get(keys.AUDIT_CHOICE) is None and current() is not None:
    st.session_state[keys.AUDIT_CHOICE] = current().choice  # chosen elsewhere (Home's demo, a link)

# --- 1. choose ------------------------------------------------------------
st.subheader("1 · Choose the data")
choice = st.segmented_control(
    "Dataset", CHOICES, format_func=CHOICE_LABELS.get, key=keys.AUDIT_CHOICE, persist_state="session",
    help="The synthetic scenarios are made up, so the right answer is known: good for learning and teaching.",
)


def _use(make, *args) -> None:
    """Load a source; show a bad file's problem here, beside the control that chose it."""
    try:
        source = make(*args)
    except InputError as error:
        show_input_error(error)
        return
    select_source(source, load(source))


def _fetch(*, progress):
    progress(0.1, "Downloading ProPublica's COMPAS file…")
    return fetch_compas()


source = current()
if choice in SYNTHETIC:
    st.markdown(f"{DATASETS[choice]} The truth is known, so you can check the audit against it.")
    if source is None or source.choice != choice:
        _use(builtin_source, choice)
elif choice == "compas":
    st.markdown(DATASETS["compas"])
    fetch, local = st.columns(2, gap="large")
    with fetch:
        if compas_cached():
            st.success("ProPublica's file is downloaded and its checksum verified.", icon=":material/check_circle:")
            if source is None or source.choice != "compas":
                _use(builtin_source, "compas")
            elif source.data is not None:
                st.button("Use the downloaded file instead", key=keys.AUDIT_COMPAS_USE,
                          on_click=_use, args=(builtin_source, "compas"))
        else:
            st.button("Download from ProPublica (2.5 MB)", icon=":material/download:", key=keys.AUDIT_COMPAS_FETCH,
                      help="Fetched once into this computer's cache and checked against its known sha256.",
                      on_click=lambda: st.session_state.__setitem__(keys.AUDIT_COMPAS_JOB, start_job("compas", _fetch)))
        fetch_job = follow_job(keys.AUDIT_COMPAS_JOB)
        if fetch_job is not None and not fetch_job.running and fetch_job.error is not None:
            show_job_error(fetch_job)
            st.caption("Offline? Use a local copy of the file instead (right).")
    with local:
        own = st.file_uploader("…or use a local copy (works offline)", type=["csv"], key=keys.AUDIT_COMPAS_UPLOAD,
                               help="ProPublica's compas-scores-two-years.csv, e.g. from a USB stick.")
        if own is not None and (source is None or source.choice != "compas" or source.filename != own.name):
            _use(builtin_source, "compas", own.getvalue(), own.name)
elif choice == UPLOAD:
    uploaded = st.file_uploader(
        f"A CSV or Parquet table, up to {MAX_MB} MB", type=["csv", "parquet", "pq"], key=keys.AUDIT_UPLOAD,
        help="One row per person: a score column, an outcome column (two values) and feature columns.",
    )
    if uploaded is not None and (source is None or source.filename != uploaded.name
                                 or source.choice != UPLOAD or source.data != uploaded.getvalue()):
        _use(upload_source, uploaded.name, uploaded.getvalue())
    elif uploaded is None and (source is None or source.choice != UPLOAD):
        st.caption(f"Size limit: {MAX_MB} MB per file. Text columns are fine; missing values are allowed.")


source = current()
if choice is None or source is None or (choice != source.choice):
    if choice is None:
        st.info("Choose a dataset above. New here? **Biased score** is a good start.", icon=":material/touch_app:")
    st.stop()

dataset = load(source)
frame = dataset.frame

# --- 2. preview -----------------------------------------------------------
st.subheader("2 · Preview")
st.markdown(f"**{md(source.label)}**: {len(frame):,} rows × {frame.shape[1]} columns · sha256 `{source.sha256[:12]}…`",
            help=f"The full checksum is recorded in the report, so the audit can be reproduced: {source.sha256}")
st.dataframe(frame.head(PREVIEW_ROWS), height=210, hide_index=True)
if len(frame) > PREVIEW_ROWS:
    st.caption(f"The first {PREVIEW_ROWS} of {len(frame):,} rows. Scroll the table to see more.")

# --- 3. map the columns ---------------------------------------------------
st.subheader("3 · Map the columns")
m = mapping()
columns = [str(c) for c in frame.columns]


def wkey(field: str) -> str:
    """Widget key per field and dataset, so new data starts from its own defaults."""
    return f"{keys.AUDIT_MAP_PREFIX}{field}.{source.sha256[:16]}"


def _keep_protected_consistent(changed: str) -> None:
    """Keep "Features" and the protected toggle saying the same thing, so the mapping shown is the one that runs.

    Protected attributes are features all together or not at all (one switch
    in the audit's settings): removing one from Features turns the switch
    off, adding one turns it on, and the page says what else moved.
    """
    feats = list(st.session_state.get(wkey("features"), m["features"]))
    prot = list(st.session_state.get(wkey("protected"), m["protected"]))
    on = st.session_state.get(wkey("protected_as_features"), m.get("protected_as_features", True))
    if changed == "features" and prot:
        if on and any(p not in feats for p in prot):
            on = False
            note = "Protected attributes are now **not** used as features (the switch below is off)"
        elif not on and any(p in feats for p in prot):
            on = True
            note = "Protected attributes are now used as features (the switch below is on)"
        else:
            note = None
        if note and len(prot) > 1:
            note += f": all of {md_list(prot)} move together, the audit cannot use only some of them"
        if note:
            st.session_state[keys.AUDIT_MAPPING_NOTE] = note + "."
    feats = [f for f in feats if f not in prot] + (prot if on else [])
    st.session_state[wkey("features")] = feats
    st.session_state[wkey("protected_as_features")] = on


# Widgets already hold this rerun's values: check those, so problems match the controls shown.
m = settle_mapping(m, {f: st.session_state[wkey(f)] for f in MAPPING_FIELDS if wkey(f) in st.session_state})
if wkey("features") in st.session_state and st.session_state[wkey("features")] != m["features"]:
    st.session_state[wkey("features")] = m["features"]
# The positive label's choices depend on the outcome column, so its widget is per outcome too.
positive_key = wkey(f"positive.{m['outcome']}")
m["positive"] = st.session_state.get(positive_key, m.get("positive"))
st.session_state[keys.AUDIT_MAPPING] = m  # the settled mapping is the one current_spec() reads
problems: list[Problem] = cached_problems(source.sha256, frame, current_spec())


def _index(value, options) -> int | None:
    return options.index(value) if value in options else None


left, right = st.columns(2, gap="large")
with left:
    m["score"] = st.selectbox("Score: what the black box published", columns, index=_index(m["score"], columns),
                              key=wkey("score"), placeholder="Choose the score column",
                              help="Numeric: a probability, a decile or any risk score where higher means riskier.")
    show_problems(problems, "score")
    m["outcome"] = st.selectbox("Outcome: what really happened", columns, index=_index(m["outcome"], columns),
                                key=wkey("outcome"), placeholder="Choose the outcome column",
                                help="Two values, e.g. 0/1, yes/no or reoffended/did not.")
    show_problems(problems, "outcome")
    levels = sorted(frame[m["outcome"]].dropna().astype(str).str.strip().unique())[:20] if m["outcome"] else []
    options = [None, *levels]
    m["positive"] = st.selectbox(
        "Which outcome value counts as positive?", options, index=_index(m.get("positive"), options) or 0,
        format_func=lambda v: "Automatic (1, true or yes)" if v is None else v, key=positive_key,
        help="The value the score predicts, e.g. 1 for 'reoffended within two years'.")
    show_problems(problems, "positive")
with right:
    others = [c for c in columns if c not in (m["score"], m["outcome"])]
    m["features"] = st.multiselect("Features both models may use", others,
                                   default=None if wkey("features") in st.session_state else [f for f in m["features"] if f in others],
                                   key=wkey("features"),
                                   on_change=_keep_protected_consistent, args=("features",),
                                   help="The columns the audit can see. The black box may have seen more.")
    note = st.session_state.pop(keys.AUDIT_MAPPING_NOTE, None)
    if note:
        st.info(note, icon=":material/sync_alt:")
    show_problems(problems, "features")
    m["protected"] = st.multiselect("Protected attributes", others, key=wkey("protected"),
                                    default=None if wkey("protected") in st.session_state
                                    else [p for p in m["protected"] if p in others], on_change=_keep_protected_consistent, args=("protected",),
                                    help="Results are also shown per group of these columns, e.g. race or sex.")
    m["protected_as_features"] = st.toggle("Also use protected attributes as features",
                                           value=False if wkey("protected_as_features") in st.session_state
                                           else m.get("protected_as_features", True),
                                           key=wkey("protected_as_features"),
                                           on_change=_keep_protected_consistent, args=("toggle",),
                                           help="On: they are in Features, and the audit can see whether the score "
                                                "leans on them. Off: they only slice the results.")
    show_problems(problems, "protected")
st.session_state[keys.AUDIT_MAPPING] = m
show_problems(problems, "data")
if any(p.field == "calibration" for p in problems):
    show_problems(problems, "calibration")
    go_to("audit-calibration", "Change the calibration method")

# --- 4. next --------------------------------------------------------------
st.subheader("4 · Run")
spec = current_spec()
errors = [p for p in problems if p.severity == "error"]
if errors:
    st.error(f"**Fix {len(errors)} problem{'s' * (len(errors) > 1)} above before running.**", icon=":material/block:")
    st.stop()
used = model_features(frame, spec)  # exactly the columns the models will be fitted on
st.success(f"Ready: {len(frame):,} rows, score **{md(spec.score)}**, outcome **{md(spec.outcome)}**, "
           f"{len(used)} features ({md_list(used)}). Calibration: **{spec.calibration}**"
           + (" (the score is already a probability)." if spec.calibration == "none" else "."), icon=":material/check_circle:")
sync()
busy = running()
if busy is not None and st.session_state.get(keys.AUDIT_RUN_KEY) != run_key(source.sha256, spec):
    st.warning(f"**An audit is already running ({spec_summary(busy.meta['spec'])}).** You can run these "
               "settings when it finishes, or cancel it on *Student vs outcome*.", icon=":material/hourglass_top:")
run, check = st.columns(2)
with run:
    shown = st.session_state.get(keys.AUDIT_RESULT)
    ran = shown is not None and shown[0] == run_key(source.sha256, spec)  # e.g. Home's demo already ran it
    if st.button("See the result" if ran else "Run the audit", icon=":material/play_arrow:", type="primary",
                 key=keys.AUDIT_DATA_RUN,
                 disabled=busy is not None and st.session_state.get(keys.AUDIT_RUN_KEY) != run_key(source.sha256, spec),
                 help="Fits the student and the outcome model with the current settings (the validated default preset unless changed)."):
        start_run(source, dataset, spec)
        switch_to("audit-compare")
with check:
    go_to("audit-calibration", "First check the calibration", ":material/tune:")
