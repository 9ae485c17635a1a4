"""Start, follow and collect the two long runs: training a teacher and distilling.

Each run goes on a background :class:`ui.jobs.Job`, whose thread waits for the engine
working in a process of its own (``ui.wavelet_process``); its result is stored under
a key made of the data digest and every setting (``ui.wavelet_store``), so the
same request twice reuses the stored result instead of training again.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.wavelets import pipeline, sweep
from ui import keys
from ui.jobs import Job, start_job
from ui.wavelet_process import prewarm, run_in_process
from ui.wavelet_store import harvest, make_key, recall

prewarm()  # the engine's process starts importing while the user picks signals

TEACHER_JOB_NAME = "teacher"
DISTILL_JOB_NAME = "distill"
SWEEP_JOB_NAME = "sweep"


def collect() -> tuple[Job | None, Job | None]:
    """Store the results of finished runs; call at the top of every wavelet page."""
    teacher_job = harvest(keys.WAVELET_TEACHER_JOB, keys.WAVELET_TEACHERS, keys.WAVELET_TEACHER)
    distill_job = harvest(keys.WAVELET_DISTILL_JOB, keys.WAVELET_RESULTS, keys.WAVELET_RESULT)
    harvest(keys.WAVELET_SWEEP_JOB, keys.WAVELET_SWEEPS, keys.WAVELET_SWEEP)
    return teacher_job, distill_job


def _running(job_key: str) -> bool:
    job: Job | None = st.session_state.get(job_key)
    return job is not None and job.running


def teacher_key(data_key: str, settings: dict[str, Any]) -> str:
    return make_key("teacher", data_key, settings)


def result_key(t_key: str, settings: dict[str, Any]) -> str:
    return make_key("awd", t_key, settings)


def current_teacher() -> dict | None:
    """The teacher in use: ``data_key``, ``settings`` and ``teacher`` (a TrainedTeacher), or None."""
    return recall(keys.WAVELET_TEACHERS, st.session_state.get(keys.WAVELET_TEACHER))


def current_result() -> dict | None:
    """The result on show: ``teacher_key``, ``settings`` and ``result`` (a WaveletResult), or None."""
    return recall(keys.WAVELET_RESULTS, st.session_state.get(keys.WAVELET_RESULT))


def require_result(empty_message: str) -> tuple[Any, dict, dict]:
    """Return (source, teacher entry, result) on show, or stop the page with a link to Distill.

    A result counts only while it belongs to the signals and teacher now chosen.
    """
    from ui.navigation import page_for
    from ui.wavelet_data import current_source

    source, entry, done = current_source(), current_teacher(), current_result()
    if done is None or entry is None or source is None or done["teacher_key"] != st.session_state.get(keys.WAVELET_TEACHER):
        st.info(empty_message, icon=":material/info:")
        st.page_link(page_for("wavelet-distill").path, label="Go to Distill", icon=":material/arrow_back:")
        st.stop()
    return source, entry, done


def current_sweep():
    """The γ sweep (a SweepResult) run with the teacher in use, or None."""
    entry = recall(keys.WAVELET_SWEEPS, st.session_state.get(keys.WAVELET_SWEEP))
    if entry is None or entry["teacher_key"] != st.session_state.get(keys.WAVELET_TEACHER):
        return None
    return entry["sweep"]


def _train(key: str, data_key: str, dataset, settings: dict[str, Any], progress) -> tuple[str, dict]:
    teacher = run_in_process(pipeline.train_teacher, dataset, pipeline.WaveletSettings(**settings),
                             progress=progress)
    return key, dict(data_key=data_key, settings=settings, teacher=teacher)


def _distill(key: str, t_key: str, dataset, teacher, settings: dict[str, Any], progress) -> tuple[str, dict]:
    result = run_in_process(pipeline.distill, dataset, teacher, pipeline.WaveletSettings(**settings),
                            progress=progress)
    return key, dict(teacher_key=t_key, settings=settings, result=result)


def _request(store: str, chosen: str, job_key: str, key: str, name: str, fn, *args) -> str:
    """Show the stored result under ``key``, or start ``fn`` unless a job of this kind runs.

    Returns "reused", "busy" or "started".
    """
    if recall(store, key) is not None:
        st.session_state[chosen] = key
        return "reused"
    if _running(job_key):
        return "busy"
    st.session_state[job_key] = start_job(name, fn, key, *args)
    return "started"


def request_teacher(data_key: str, dataset, settings: dict[str, Any]) -> str:
    """Train a teacher unless one with these data and settings exists or is training.

    Returns a short message saying what happened.
    """
    key = teacher_key(data_key, settings)
    return _request(keys.WAVELET_TEACHERS, keys.WAVELET_TEACHER, keys.WAVELET_TEACHER_JOB, key,
                    TEACHER_JOB_NAME, _train, data_key, dataset, settings)


def request_distill(t_key: str, dataset, teacher, settings: dict[str, Any]) -> str:
    """Distil unless a result for this teacher and these settings exists or is running.

    ``settings`` holds the teacher's settings too (one ``WaveletSettings``).
    """
    key = result_key(t_key, settings)
    return _request(keys.WAVELET_RESULTS, keys.WAVELET_RESULT, keys.WAVELET_DISTILL_JOB, key,
                    DISTILL_JOB_NAME, _distill, t_key, dataset, teacher, settings)


def _sweep(key: str, t_key: str, dataset, teacher, settings: dict[str, Any], gammas: list[float],
           progress) -> tuple[str, dict]:
    s = pipeline.WaveletSettings(**settings)
    truth = dataset.truth or {}
    found = run_in_process(sweep.sweep, dataset.X[teacher.train_index], dataset.y[teacher.train_index],
                           teacher.model, task=dataset.task, lams=[s.lam], gammas=gammas, wavelet=s.wavelet,
                           levels=s.levels, mode=s.mode, epochs=s.epochs, lr=s.lr, batch_size=s.batch_size,
                           parametrization=s.parametrization, top_k=s.top_k, reference=truth.get("wavelet"),
                           random_state=s.seed, threads=s.threads, progress=progress)
    return key, dict(teacher_key=t_key, settings=settings, sweep=found)


def request_sweep(t_key: str, dataset, teacher, settings: dict[str, Any], gammas: list[float]) -> str:
    """Run a γ sweep (warm-started, CV-selected) unless the same one exists or one is running."""
    key = make_key("sweep", t_key, settings, sorted(gammas))
    return _request(keys.WAVELET_SWEEPS, keys.WAVELET_SWEEP, keys.WAVELET_SWEEP_JOB, key,
                    SWEEP_JOB_NAME, _sweep, t_key, dataset, teacher, settings, sorted(gammas))
