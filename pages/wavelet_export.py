"""Export: the learned filter bank, the distilled features and the report, as the CLI writes them."""

import shlex

import streamlit as st

from ui.opening import ENGINE, opening

starting = opening("Export", "Step 4 of 4 · Take the distilled wavelet with you. These are the files "
                   "`python -m core wavelets` writes, built by the same code.", ENGINE)
# Imported after the title, so the page is never blank while torch and plotly load.
from core.wavelets.datasets import DATASETS  # noqa: E402
from ui import keys  # noqa: E402
from ui.wavelets.runs import collect, require_result  # noqa: E402
from ui.wavelets.views import export_files  # noqa: E402

starting.empty()
collect()

source, entry, done = require_result("Nothing to export yet: distil a wavelet first.")

result = done["result"]
files = export_files(st.session_state[keys.WAVELET_RESULT], result, source.dataset, entry["teacher"])
stem = f"awd-{result.dataset['name'].rsplit('.', 1)[0]}-{result.settings.wavelet}"

DESCRIPTIONS = {
    "report.html": ("Report", "text/html", ":material/description:",
                    "Everything on one self-contained page: filters, validity, training, reconstructions and the "
                    "comparison with the teacher. Opens offline in any browser."),
    "filters.json": ("Filter bank", "application/json", ":material/data_object:",
                     "The four filters. Load with `w = pywt.Wavelet('awd', filter_bank=(d['dec_lo'], d['dec_hi'], "
                     "d['rec_lo'], d['rec_hi']))`, then `pywt.wavedec(x, w, mode=d['mode'], level=d['recipe_level'])`: "
                     "a level PyWavelets accepts for these signals without warning (`recipe_note` says when it is "
                     "below the distilled depth `levels`, and how to get that too)."),
    "features.csv": ("Distilled features", "text/csv", ":material/table:",
                     f"One row per signal: split, target, teacher prediction and the paper's distilled features: "
                     f"the {result.settings.top_k} largest coefficients of each level of the learned wavelet "
                     "(`cD3_top1` is the largest of detail level 3), the linear model's inputs, ready for any model."),
    "metrics.json": ("Metrics", "application/json", ":material/monitoring:",
                     "Scores of both feature sets, the linear baseline, warnings, validity residuals, the ψ distance "
                     "to a known true wavelet, final losses and timings (schema wavelet-metrics/1)."),
}
for name, (label, mime, icon, text) in DESCRIPTIONS.items():
    with st.container(border=True):
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.markdown(f"**{label}** · `{name}` · {len(files[name]) / 1024:,.0f} KB  \n{text}")
        right.download_button(f"Download {name}", files[name], file_name=f"{stem}-{name}", mime=mime, icon=icon,
                              on_click="ignore", key=f"wavelet_download_{name}", width="stretch",
                              type="primary" if name == "report.html" else "secondary")

s = result.settings
if result.dataset["name"] in DATASETS:  # the app generates built-in signals with seed 0
    data_args = ["--dataset", result.dataset["name"], "--n", str(result.dataset["n_signals"]), "--data-seed", "0"]
else:
    # "--flag=value": a file or column name that starts with "-" stays a value
    data_args = [f"--data={result.dataset['name']}", f"--target={result.dataset['target_name']}",
                 "--length", str(result.dataset["length"])]
command = ["python", "-m", "core", "wavelets", *data_args, "--teacher", s.teacher,
           "--teacher-epochs", str(s.teacher_epochs), "--teacher-hidden", str(s.teacher_hidden), "--wavelet", s.wavelet, "--levels", str(s.levels),
           "--mode", s.mode, "--lam", f"{s.lam:g}", "--gamma", f"{s.gamma:g}", "--epochs", str(s.epochs),
           "--trim", s.trim, "--parametrization", s.parametrization, "--top-k", str(s.top_k),
           "--lr", f"{s.lr:g}", "--seed", str(s.seed), "--threads", str(s.threads or 1), "--out", "awd-out"]
st.markdown("**The same run from the command line:**")
st.code(shlex.join(command), language="bash", wrap_lines=True)
st.caption("It writes the same four files into `awd-out/`, with the same signals, split, teacher and wavelet "
           "(timings differ)." + ("" if result.dataset["name"] in DATASETS else
                                  " Run it where the uploaded file is."))
