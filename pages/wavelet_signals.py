"""Signals and teacher: choose signals, look at them, train the network to distil."""

import streamlit as st

from ui import keys
from ui.opening import ENGINE, opening

starting = opening("Signals and teacher", "Step 1 of 4 · Choose signals, then train the neural network (the *teacher*) "
                   "whose view of them Distill will turn into a wavelet.",
                   ENGINE)
# Imported after the title, so the page is never blank while torch and plotly load.
from core.errors import InputError  # noqa: E402
from core.io import digest  # noqa: E402
from core.wavelets import plots  # noqa: E402
from core.wavelets.datasets import DATASETS, MAX_LENGTH, MIN_SIGNALS  # noqa: E402
from ui.feedback import follow_job, show_input_error, show_job_error  # noqa: E402
from ui.markup import md  # noqa: E402
from ui.charts import chart  # noqa: E402
from ui.wavelets.charts import preview_figure, teacher_live  # noqa: E402
from ui.wavelets.data import MAX_UPLOAD_MB, builtin_source, current_source, table_columns, upload_source  # noqa: E402
from ui.wavelets.forms import teacher_form  # noqa: E402
from ui.wavelets.runs import collect, current_teacher, request_teacher  # noqa: E402
from ui.links import link  # noqa: E402
from ui.wavelets.views import teacher_verdict  # noqa: E402


starting.empty()
BUILTIN, UPLOAD = "Built-in task", "Upload a file"
METRIC_NAMES = {"r2": "R²", "accuracy": "accuracy"}

teacher_job, _ = collect()

previous = current_source()
if previous is not None and keys.WAVELET_KIND not in st.session_state:
    # Back from another page: widgets forgot their values, the chosen signals did not.
    st.session_state[keys.WAVELET_KIND] = UPLOAD if previous.builtin is None else BUILTIN
    if previous.builtin is not None:
        st.session_state[keys.WAVELET_BUILTIN] = previous.builtin
        st.session_state[keys.WAVELET_SIZE + previous.builtin] = previous.size

st.subheader("1 · Signals")
st.session_state.setdefault(keys.WAVELET_KIND, BUILTIN)
kind = st.segmented_control("Where the signals come from", (BUILTIN, UPLOAD), key=keys.WAVELET_KIND, required=True)
source = None
if kind == UPLOAD:
    upload = st.file_uploader(
        "Signals file", type=["csv", "npz", "parquet"], key=keys.WAVELET_UPLOAD, max_upload_size=MAX_UPLOAD_MB,
        help=f"CSV or Parquet: one row per signal, one column per sample, plus a target column. "
             f".npz: arrays X (signals × samples) and y (one target per signal). Signals of different length "
             f"(NaN-padded) are resampled. At most {MAX_UPLOAD_MB} MB.")
    if upload is not None:
        data = upload.getvalue()
        try:
            columns = table_columns(digest(data), data, upload.name)
            left, right = st.columns(2)
            named = [c for c in columns if c.lower() in ("target", "y", "label")]
            guess = (named or columns[-1:] or [None])[0]
            target = left.selectbox("Target column", columns, index=columns.index(guess),
                                    help="What the network learns to predict.") if columns else None
            length = right.number_input("Resample every signal to (samples, 0 = longest)", 0, MAX_LENGTH, 0, step=8,
                                        help="Signals of different lengths are stretched linearly to this length.")
            source, notes = upload_source(data, upload.name, target, int(length) or None)
            for note in notes:
                st.warning(note, icon=":material/warning:")
        except InputError as error:
            show_input_error(error)
    elif previous is not None and previous.builtin is None:
        source = previous
        st.caption(f"Using **{md(previous.label)}**, uploaded earlier. Upload another file to replace it.")
    else:
        st.info("Upload a file, or switch to a built-in task.", icon=":material/upload_file:")
else:
    left, right = st.columns([2, 1])
    name = left.selectbox("Task", list(DATASETS), format_func=lambda n: DATASETS[n].title, key=keys.WAVELET_BUILTIN)
    st.session_state.setdefault(keys.WAVELET_SIZE + name, DATASETS[name].n)
    n = right.number_input("Signals to generate", MIN_SIGNALS, 50_000, step=500, key=keys.WAVELET_SIZE + name,
                           help="Fewer signals train faster; more give steadier results.")
    try:
        source = builtin_source(name, int(n))
    except InputError as error:
        show_input_error(error)

if source is None:
    st.stop()

data = source.dataset
st.markdown(md(data.description, 0))  # an upload's description holds its file name
cols = st.columns(4)
cols[0].metric("Signals", f"{data.n_signals:,}")
cols[1].metric("Samples per signal", data.length)
cols[2].metric("Task", data.task)
cols[3].metric("Target", md(data.target_name))  # metric values render markdown
for note in data.notes:
    st.caption(note)
chart(preview_figure(data), f"Line chart of the first signals of {source.label}, and the distribution of the target.")
if data.truth and "positions" in data.truth:
    t = data.truth
    st.info(f"**The known answer.** The target is built from {t['wavelet']} coefficients "
            f"{', '.join(map(str, t['positions']))} of {t['level_name']}. A good distilled wavelet should make "
            f"those few coefficients carry what the network uses: the point is to recover the wavelet.",
            icon=":material/lightbulb:")

st.subheader("2 · Teacher network")
st.markdown("The teacher is the black box: a neural network trained to predict the target from the raw signal. "
            "Training holds out a share of the signals to score it honestly.")
settings = teacher_form()
if settings is not None:
    outcome = request_teacher(source.key, data, settings)
    if outcome == "reused":
        st.toast("This teacher was already trained with these signals and settings; showing it.")
    elif outcome == "busy":
        st.warning("A teacher is still training. Cancel it first, or wait for it to finish.",
                   icon=":material/hourglass:")

teacher_job = follow_job(keys.WAVELET_TEACHER_JOB, details=teacher_live, interval=1.0)
if teacher_job is not None and not teacher_job.running and teacher_job.error is not None:
    show_job_error(teacher_job)

entry = current_teacher()
if entry is not None and entry["data_key"] == source.key and not (teacher_job and teacher_job.running):
    teacher = entry["teacher"]
    metric = METRIC_NAMES.get(teacher.metric, teacher.metric)
    teacher_verdict(teacher, linear_target=data.linear_target)
    left, right = st.columns([2, 1])
    with left:
        chart(plots.teacher_loss_figure(teacher.history),
              f"Teacher training and validation loss per epoch; held-out {metric} {teacher.test_score:.3f}.")
    with right:
        st.metric(f"Held-out {metric}", f"{teacher.test_score:.3f}",
                  help="A linear model on the raw signals (ridge, penalty chosen by cross-validation) scores "
                       + (f"{teacher.baseline:.3f}" if teacher.baseline is not None else "—")
                       + " on the same held-out signals.")
        link("wavelet-distill", "Next: distill a wavelet", ":material/arrow_forward:")
elif entry is not None and entry["data_key"] != source.key:
    st.info("The trained teacher belongs to other signals. Train one for these signals.", icon=":material/info:")
