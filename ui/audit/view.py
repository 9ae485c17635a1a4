"""Small rendering helpers shared by the audit pages."""

from __future__ import annotations

import streamlit as st

from core.audit.validate import Problem
from ui.markup import md, md_list
from ui.links import link


def show_problems(problems: list[Problem], field: str) -> None:
    """Show the problems that belong to ``field`` right here, beside its control."""
    for p in problems:
        if p.field != field:
            continue
        if p.severity == "error":
            st.error(f"**{md(p.problem, 0)}**  \n{md(p.fix, 0)}", icon=":material/error:")
        else:
            st.warning(f"**{md(p.problem, 0)}**  \n{md(p.fix, 0)}", icon=":material/warning:")


def go_to(url_path: str, label: str, icon: str = ":material/arrow_forward:") -> None:
    """A link to another page of the app."""
    link(url_path, label, icon)


def need(what: str, url_path: str, label: str) -> None:
    """Say what is missing, link to where it is made, and stop the page."""
    st.info(what, icon=":material/info:")
    go_to(url_path, label)
    st.stop()


def require_data():
    """The current source and dataset, or a pointer to the Data page (and stop)."""
    from ui.audit.cache import problems
    from ui.audit.source import current, load
    from ui.audit.state import current_spec

    from ui.audit.url import notice, restore

    restore()
    notice()
    source = current()
    if source is None or mapping_missing():
        need("No data chosen yet. Pick a dataset or upload a table first.", "audit-data", "Go to Data")
    dataset = load(source)
    errors = [p for p in problems(source.sha256, dataset.frame, current_spec()) if p.severity == "error"]
    if errors:
        st.error(f"**{md(errors[0].problem, 0)}**  \n{md(errors[0].fix, 0)}", icon=":material/error:")
        go_to("audit-data", "Fix it on the Data page")
        st.stop()
    return source, dataset


def mapping_missing() -> bool:
    from ui.audit.state import mapping

    return mapping() is None


def stale_notice(key: str, source) -> None:
    """Say so when the result shown was made with other data or settings than the controls show."""
    import json

    from ui.audit.state import current_spec, run_key

    from ui import keys
    from ui.audit.runs import running

    now = run_key(source.sha256, current_spec())
    if key == now or (running() is not None and st.session_state.get(keys.AUDIT_RUN_KEY) == now):
        return  # the same, or the run for these settings is going (the running notice says so)
    shown_sha, shown_json = key.split(":", 1)
    if shown_sha != source.sha256:
        why = "another dataset"
    else:
        before, after = json.loads(shown_json), json.loads(now.split(":", 1)[1])
        changed = [k for k in after if before.get(k) != after[k]]
        why = "other settings (" + md_list(changed) + ")"
    st.warning(f"**These results come from {why}.** Press **Run** on *Student vs outcome* to update them.",
               icon=":material/history:")


def require_result():
    """(source, run key, result) of the latest audit, or a pointer to where to run it (and stop)."""
    from ui.audit.runs import latest, running
    from ui.audit.source import current
    from ui.audit.url import notice, restore, sync

    restore()
    notice()
    source = current()
    if source is None:
        need("No data chosen yet. Pick a dataset or upload a table first.", "audit-data", "Go to Data")
    sync()
    found = latest()
    if running() is not None:
        running_notice(found is not None)
        if found is None:
            st.stop()
    if found is None:
        need("No audit has run yet. Run it on the Student vs outcome page.", "audit-compare",
             "Go to Student vs outcome")
    return source, found[0], found[1]


def calibration_while_waiting(source, dataset, spec) -> None:
    """While the first audit of these data fits: the calibration it uses, which needs no model.

    Something to read during the wait; it also has the browser load its chart
    code before the verdict's charts need it (about 3 s on a busy machine).
    """
    from core.audit import plots
    from core.errors import InputError
    from ui.audit.cache import calibration_preview
    from ui.charts import chart

    try:
        cal = calibration_preview(source.sha256, dataset.frame, spec)
    except InputError:
        return  # the audit itself reports it
    st.subheader("While you wait: the score as a probability")
    step = ("the score is already a probability and is used as it is; the dots show the share of people "
            "with each score who had the outcome" if cal.method == "none" else
            "each score mapped to the share of people with that score who had the outcome")
    st.caption(f"The first step of the audit: {step}. The *Calibration* page has more.")
    chart(plots.calibration_mapping_figure(cal).update_layout(height=360),
          ("Line chart of the score used as a probability as it is (calibration none)" if cal.method == "none" else
           f"Line chart of the {cal.method} calibration this audit uses")
          + ": black-box score on the x axis, calibrated probability on the y axis, over dots for the observed "
            "share with the outcome at each score.")


def running_notice(old_result_shown: bool) -> None:
    """While an audit runs: which settings, its progress, and whether the page shows an older result meanwhile."""
    from ui import keys
    from ui.audit.runs import running
    from ui.audit.state import spec_summary
    from ui.feedback import follow_job

    job = running()
    spec = job.meta.get("spec") if job is not None else None
    what = f" ({spec_summary(spec)})" if spec is not None else ""
    st.info(f"**The audit is running{what}.** "
            + ("The results below are from the previous run until it finishes." if old_result_shown
               else "This page fills in when it finishes."), icon=":material/hourglass_top:")
    follow_job(keys.AUDIT_JOB, interval=1.0)


