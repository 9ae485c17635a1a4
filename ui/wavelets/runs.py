"""Start, follow and collect the two long runs: training a teacher and distilling.

Each run goes on a background :class:`ui.jobs.Job`, whose thread waits for the engine
working in a process of its own (``ui.wavelets.process``); its result is stored under
a key made of the data digest and every setting (``ui.wavelets.store``), so the
same request twice reuses the stored result instead of training again.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.wavelets import pipeline, sweep
from ui import keys
from ui.jobs import Job, find_job, shared_job
from ui.wavelets.process import prewarm, run_in_process
from ui.wavelets.store import (JOB_PREFIX, current_result, current_teacher, harvest, make_key, recall, result_key,
                               teacher_key)

prewarm()  # the engine's process starts importing while the user picks signals

TEACHER_JOB_NAME = "teacher"
DISTILL_JOB_NAME = "distill"
SWEEP_JOB_NAME = "sweep"


DEMO_SIGNALS = 2000  # demo click to distilled wavelet in ~15 s on an idle 2-core machine, ~1 min under load


def start_demo(name: str) -> None:
    """Home's one-click wavelet demo: choose the task, train the teacher, and distil as soon as it is trained."""
    from ui.wavelets.data import builtin_source
    from ui.wavelets.forms import TEACHER_DEFAULTS, saved

    source = builtin_source(name, DEMO_SIGNALS)
    for control in (keys.WAVELET_KIND, keys.WAVELET_BUILTIN):
        st.session_state.pop(control, None)  # Signals' controls start again from the demo's signals
    settings = saved(keys.WAVELET_TEACHER_SETTINGS, TEACHER_DEFAULTS)
    st.session_state[keys.WAVELET_TEACHER_SETTINGS] = settings
    request_teacher(source.key, source.dataset, settings)
    st.session_state[keys.WAVELET_DEMO_CHAIN] = teacher_key(source.key, settings)
    collect()  # a teacher already trained: the distillation starts now


def _chain_demo(teacher_job: Job | None) -> None:
    """Start the demo's distillation once its teacher is trained (or forget it if training failed)."""
    from ui.wavelets.data import current_source
    from ui.wavelets.forms import DISTILL_DEFAULTS, saved

    t_key = st.session_state.get(keys.WAVELET_DEMO_CHAIN)
    if t_key is None:
        return
    entry = recall(keys.WAVELET_TEACHERS, t_key)
    source = current_source()
    if entry is not None and source is not None and source.key == entry["data_key"]:
        del st.session_state[keys.WAVELET_DEMO_CHAIN]
        st.session_state[keys.WAVELET_TEACHER] = t_key
        request_distill(t_key, source.dataset, entry["teacher"],
                        {**entry["settings"], **saved(keys.WAVELET_SETTINGS, DISTILL_DEFAULTS)})
    elif teacher_job is None or (not teacher_job.running and teacher_job.error is not None):
        del st.session_state[keys.WAVELET_DEMO_CHAIN]


def collect() -> tuple[Job | None, Job | None]:
    """Store the results of finished runs; call at the top of every wavelet page.

    Also reopens a reload or shared link's signals and results, and keeps the address up to date.
    """
    from ui.wavelets import url as wavelet_url

    wavelet_url.restore()
    teacher_job = harvest(keys.WAVELET_TEACHER_JOB, keys.WAVELET_TEACHERS, keys.WAVELET_TEACHER)
    _chain_demo(teacher_job)
    distill_job = harvest(keys.WAVELET_DISTILL_JOB, keys.WAVELET_RESULTS, keys.WAVELET_RESULT)
    harvest(keys.WAVELET_SWEEP_JOB, keys.WAVELET_SWEEPS, keys.WAVELET_SWEEP)
    wavelet_url.sync()
    return teacher_job, distill_job


def _running(job_key: str) -> bool:
    job: Job | None = st.session_state.get(job_key)
    return job is not None and job.running


def require_result(empty_message: str) -> tuple[Any, dict, dict]:
    """Return (source, teacher entry, result) on show, or stop the page with a link to Distill.

    A result counts only while it belongs to the signals and teacher now chosen.
    """
    from ui.links import link
    from ui.wavelets.data import current_source

    source, entry, done = current_source(), current_teacher(), current_result()
    if done is None or entry is None or source is None or done["teacher_key"] != st.session_state.get(keys.WAVELET_TEACHER):
        for job_key, what in ((keys.WAVELET_DISTILL_JOB, "A wavelet is being distilled"),
                              (keys.WAVELET_TEACHER_JOB, "The teacher network is training")):
            if _running(job_key):  # say so, with its progress, instead of "nothing distilled yet"
                from ui.feedback import follow_job

                st.info(f"**{what}.** This page fills in when the distillation finishes.",
                        icon=":material/hourglass_top:")
                follow_job(job_key, interval=1.0)
                st.stop()
        st.info(empty_message, icon=":material/info:")
        link("wavelet-distill", "Go to Distill", ":material/arrow_back:")
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


def _request(store: str, chosen: str, job_key: str, key: str, name: str, fn, *args, settings=None) -> str:
    """Show the stored result under ``key``, follow the same run if it is going, or start ``fn``
    unless another job of this kind runs in this session.

    Jobs are registered for the server's life under ``key`` (a reload reattaches to them).
    Returns "reused", "attached", "busy" or "started".
    """
    if recall(store, key) is not None:
        st.session_state[chosen] = key
        return "reused"
    same = find_job(JOB_PREFIX + key)
    if same is not None and same.running:
        st.session_state[job_key] = same
        return "attached"
    if _running(job_key):
        return "busy"
    job = shared_job(JOB_PREFIX + key, name, fn, key, *args)
    job.meta["settings"] = settings
    st.session_state[job_key] = job
    from ui.wavelets import url as wavelet_url

    wavelet_url.sync()  # the address names the run at once, so a reload during it reattaches
    return "started"


def request_teacher(data_key: str, dataset, settings: dict[str, Any]) -> str:
    """Train a teacher unless one with these data and settings exists or is training.

    Returns a short message saying what happened.
    """
    key = teacher_key(data_key, settings)
    return _request(keys.WAVELET_TEACHERS, keys.WAVELET_TEACHER, keys.WAVELET_TEACHER_JOB, key,
                    TEACHER_JOB_NAME, _train, data_key, dataset, settings, settings=settings)


def request_distill(t_key: str, dataset, teacher, settings: dict[str, Any]) -> str:
    """Distil unless a result for this teacher and these settings exists or is running.

    ``settings`` holds the teacher's settings too (one ``WaveletSettings``).
    """
    key = result_key(t_key, settings)
    return _request(keys.WAVELET_RESULTS, keys.WAVELET_RESULT, keys.WAVELET_DISTILL_JOB, key,
                    DISTILL_JOB_NAME, _distill, t_key, dataset, teacher, settings, settings=settings)


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
