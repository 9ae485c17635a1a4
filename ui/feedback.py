"""How pages show progress, problems and results of background jobs."""

from __future__ import annotations

from typing import Callable

import streamlit as st

from core.errors import InputError
from core.progress import eta_seconds, format_duration
from ui.jobs import Job, error_message
from ui.markup import md


def show_input_error(error: InputError) -> None:
    """Show a bad-input error as the problem in bold, then the fix."""
    st.error(f"**{md(error.problem, 0)}**  \n{md(error.fix, 0)}", icon=":material/error:")


def show_job_error(job: Job) -> None:
    """Show why a finished job has no result, and what to do next."""
    problem, fix = error_message(job.error)
    if job.cancelled:
        st.warning(f"**{md(problem, 0)}** {md(fix, 0)}", icon=":material/cancel:")
    else:
        st.error(f"**{md(problem, 0)}**  \n{md(fix, 0)}", icon=":material/error:")


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
    seen = f"{key}.seen"  # per session: a job shared by sessions (a reload) must rerun each of them once
    if job is None or (not job.running and st.session_state.get(seen) == id(job)):
        return job

    @st.fragment(run_every=interval)
    def panel() -> None:
        current: Job = st.session_state[key]
        if current.running:
            eta = eta_seconds(current.fraction, current.elapsed)
            own = current.message.endswith(" left")  # the step already states its time left
            left = f" · about {format_duration(eta)} left" if eta is not None and not own else ""
            st.progress(min(max(current.fraction, 0.0), 1.0),
                        text=f"{md(current.message, 0)} · {format_duration(current.elapsed)}{left}")
            if details is not None:
                details(current)
            st.button("Cancel", icon=":material/stop:", key=f"{key}.cancel", on_click=current.cancel)
        elif st.session_state.get(seen) != id(current):
            st.session_state[seen] = id(current)
            current.seen = True
            st.rerun()

    panel()
    return job
