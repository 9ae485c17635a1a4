"""How pages show progress, problems and results of background jobs."""

from __future__ import annotations

from typing import Callable

import streamlit as st

from core.errors import InputError
from ui.jobs import Job, error_message


def show_input_error(error: InputError) -> None:
    """Show a bad-input error as the problem in bold, then the fix."""
    st.error(f"**{error.problem}**  \n{error.fix}", icon=":material/error:")


def show_job_error(job: Job) -> None:
    """Show why a finished job has no result, and what to do next."""
    problem, fix = error_message(job.error)
    if job.cancelled:
        st.warning(f"**{problem}** {fix}", icon=":material/cancel:")
    else:
        st.error(f"**{problem}**  \n{fix}", icon=":material/error:")


def follow_job(key: str, *, details: Callable[[Job], None] | None = None, interval: float = 0.5) -> Job | None:
    """Render the job stored at ``st.session_state[key]`` while it runs.

    A fragment polls the job every ``interval`` seconds and shows a progress
    bar, optional ``details`` (e.g. a live loss curve) and a Cancel button.
    Only the fragment reruns, so other widgets stay usable and never stop the
    job. When the job ends, the page reruns once to render its result.

    Returns
    -------
    Job or None
        The job, running or finished, or None if none was started.
    """
    job = st.session_state.get(key)
    if job is None or (not job.running and job.seen):
        return job

    @st.fragment(run_every=interval)
    def panel() -> None:
        current: Job = st.session_state[key]
        if current.running:
            st.progress(min(max(current.fraction, 0.0), 1.0), text=f"{current.message} · {current.elapsed:.0f} s")
            if details is not None:
                details(current)
            st.button("Cancel", icon=":material/stop:", key=f"{key}.cancel", on_click=current.cancel)
        elif not current.seen:
            current.seen = True
            st.rerun()

    panel()
    return job
