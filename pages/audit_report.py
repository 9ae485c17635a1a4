"""Report: download the self-contained audit report and its data files."""

import pandas as pd
import streamlit as st

from core.audit.words import odds_help, term_sentence
from ui.audit.cache import report_files
from ui.audit.state import cli_command
from ui.audit.view import require_result, stale_notice
from ui.markup import md, md_list

st.title("Report")
st.markdown("One self-contained HTML file with every chart and table of this audit. It opens offline in any "
            "browser, so it can be emailed or archived. It is the very file `python -m core audit` writes.")
source, key, result = require_result()
stale_notice(key, source)

files = report_files(key, result)
flagged = [t.name for t in result.ranking() if t.differs]
summary = st.container(border=True)
summary.markdown(
    f"**{md(source.label)}** · {result.data.rows:,} rows · score **{md(result.spec.score)}** vs outcome "
    f"**{md(result.spec.outcome)}**  \n"
    + (f"⚑ Differs: **{md_list(flagged)}**" if flagged else "✓ No term differs")
    + f" · {'Likely' if result.missing.likely_missing else 'No clear sign of'} missing features"
)
for t in result.flagged():  # the same sentences as the report's summary: direction, odds × and interval
    summary.markdown(md(term_sentence(t)), help=odds_help(t))

html, metrics, shapes = st.columns(3)
html.download_button("Download report (HTML)", files["report.html"], file_name="report.html", mime="text/html",
                     icon=":material/description:", type="primary", on_click="ignore", width="stretch",
                     help=f"{len(files['report.html']) / 1e6:.1f} MB: plotly is embedded so it works offline.")
metrics.download_button("Download metrics.json", files["metrics.json"], file_name="metrics.json",
                        mime="application/json", icon=":material/data_object:", on_click="ignore", width="stretch",
                        help="Every number of the audit, machine-readable (schema audit-metrics/1).")
shapes.download_button("Download shapes.csv", files["shapes.csv"], file_name="shapes.csv", mime="text/csv",
                       icon=":material/table:", on_click="ignore", width="stretch",
                       help="One row per feature and value: both models, their difference and intervals. "
                            "Cells that could run as spreadsheet formulas are neutralised.")

st.subheader("Reproduce it")
st.code(cli_command(source, result.spec), language="bash", wrap_lines=True)
st.caption("Run from the project folder, with the data file beside you: it writes the same report, metrics and "
           "shapes as the downloads above (timings and versions may differ).")
provenance = pd.DataFrame(
    [("Data sha256", result.data.sha256), ("Seed", str(result.spec.random_state)),
     ("Calibration", result.calibration.method)]
    + [(f"Setting: {k}", str(v)) for k, v in result.spec.to_dict().items()]
    + [(f"Version: {k}", str(v)) for k, v in result.versions.items()],
    columns=["What", "Value"])
with st.expander("Everything the report records to make the audit reproducible"):
    st.dataframe(provenance, hide_index=True)
