"""Missing features: do the student and the outcome model fail on the same people?"""

import pandas as pd
import streamlit as st

from core.audit import plots
from ui.audit.view import require_result, stale_notice
from ui.charts import chart

st.title("Missing features")
st.markdown("The student's errors are the part of the score the audit's features cannot explain; the outcome "
            "model's errors are the part of the outcome they cannot explain. **If both go wrong on the same "
            "people, the score probably used information this data lacks**, and that information also predicts "
            "the outcome.")
source, key, result = require_result()
stale_notice(key, source)
test = result.missing

message = f"**{test.headline}:** {test.detail}"
if test.undefined:
    st.warning(message, icon=":material/warning:")
else:
    # A null result of a heuristic is no all-clear: neutral, never green.
    (st.error if test.likely_missing else st.info)(
        message, icon=":material/search:" if test.likely_missing else ":material/info:")

table = pd.DataFrame({
    "Correlation": [c.method.capitalize() for c in test.signed],
    "Estimate (95% interval)": [c.text() for c in test.signed],
}).set_index("Correlation")
st.subheader("Residual correlations")
st.table(table)
st.caption(f"{test.n_rows:,} held-out rows; intervals from {test.n_bootstrap:,} bootstrap resamples"
           + (f" of {test.bootstrap_rows:,} rows" if test.bootstrap_rows != test.n_rows else "")
           + ". Both residuals are on the probability scale. Absolute residuals are not shown: their correlation "
             "is positive even when nothing is missing, so it would prove nothing.")

chart(plots.residual_figure(test),
      "Scatter of held-out rows: the score left unexplained by the features (x) against the outcome left "
      "unexplained (y), with a trend line; a rising trend means both models miss on the same people. "
      f"Pearson r = {test.get('pearson').text()}.")

with st.container(border=True):
    st.markdown("**Read with care**")
    st.markdown(
        "- This is a heuristic, not a proof.\n"
        "- A correlation can also come from both models missing the same pattern, such as an interaction "
        "left out or a shape they cannot fit.\n"
        "- No correlation does not prove that nothing is missing: a hidden input may change the score "
        "without changing outcomes.\n"
        "- Residuals come from held-out rows, so the models did not see these people while learning."
    )
