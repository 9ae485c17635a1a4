"""The wavelet workflow's signals and settings in the page address, so a reload or a shared link reopens them.

:func:`ui.wavelets.runs.collect`, called at the top of every wavelet page,
calls :func:`restore` (a new session with ``?signals=`` rebuilds the signals,
then shows the stored teacher and wavelet or follows their running jobs) and
:func:`sync` (the address then names what the session has).
"""

from __future__ import annotations

import json

import streamlit as st

from core.errors import InputError
from ui import keys
from ui.address import write_params

OWN = ("signals", "n", "file", "target", "length", "teacher", "distill")


def _json(text: str | None) -> dict | None:
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def state_params() -> dict[str, str]:
    """Address parameters for this session's signals, teacher settings and distillation settings."""
    from ui.jobs import Job
    from ui.wavelets.data import current_source
    from ui.wavelets.store import current_result, current_teacher

    source = current_source()
    if source is None:
        return {}
    if source.builtin is not None:
        out = {"signals": source.builtin, "n": str(source.size)}
    else:
        upload = st.session_state.get(keys.WAVELET_UPLOAD_REF)
        if not upload:
            return {}
        out = {"signals": "upload", **{k: str(v) for k, v in upload.items() if v is not None}}
    compact = dict(separators=(",", ":"), sort_keys=True)
    teacher_job: Job | None = st.session_state.get(keys.WAVELET_TEACHER_JOB)
    entry = current_teacher()
    if teacher_job is not None and teacher_job.running and "settings" in teacher_job.meta:
        out["teacher"] = json.dumps(teacher_job.meta["settings"], **compact)
    elif entry is not None and entry["data_key"] == source.key:
        out["teacher"] = json.dumps(entry["settings"], **compact)
    distill_job: Job | None = st.session_state.get(keys.WAVELET_DISTILL_JOB)
    done = current_result()
    if distill_job is not None and distill_job.running and "settings" in distill_job.meta:
        out["distill"] = json.dumps(distill_job.meta["settings"], **compact)
    elif done is not None and done["teacher_key"] == st.session_state.get(keys.WAVELET_TEACHER):
        out["distill"] = json.dumps(done["settings"], **compact)
    elif st.session_state.get(keys.WAVELET_DEMO_CHAIN) and "teacher" in out:  # Home's demo: distils next
        from ui.wavelets.forms import DISTILL_DEFAULTS, saved

        out["distill"] = json.dumps({**json.loads(out["teacher"]), **saved(keys.WAVELET_SETTINGS, DISTILL_DEFAULTS)},
                                    **compact)
    return out


def sync() -> None:
    """Write the session's signals and settings into the address when they changed."""
    write_params(state_params(), OWN)


def restore() -> None:
    """Rebuild the session from the address once, when it has no signals yet (a reload or a shared link)."""
    from core.wavelets.datasets import DATASETS
    from ui.audit.source import kept_files
    from ui.jobs import find_job
    from ui.wavelets.data import builtin_source, current_source, upload_source
    from ui.wavelets.store import JOB_PREFIX, result_key, teacher_key
    from ui.wavelets.store import recall

    q = st.query_params
    name = q.get("signals")
    if current_source() is not None or not name or st.session_state.get(keys.WAVELET_RESTORED):
        return
    st.session_state[keys.WAVELET_RESTORED] = True
    lost: list[str] = []
    try:
        if name in DATASETS:
            source = builtin_source(name, int(q.get("n")) if (q.get("n") or "").isdigit() else None)
        else:
            kept = kept_files().get(q.get("file") or "")
            if kept is None:
                st.warning("**The signals file of this link is no longer on this server:** uploads are kept only "
                           "until the server restarts, and only on the computer they were uploaded to.  \n"
                           "Upload the same file again on *Signals and teacher*.", icon=":material/link_off:")
                return
            length = int(q.get("length")) if (q.get("length") or "").isdigit() else None
            source, _ = upload_source(kept[1], kept[0], q.get("target") or None, length)
    except InputError as error:
        st.warning(f"**{error.problem}**  \n{error.fix}", icon=":material/link_off:")
        return
    teacher = _json(q.get("teacher"))
    if teacher is not None:
        st.session_state[keys.WAVELET_TEACHER_SETTINGS] = teacher
        t_key = teacher_key(source.key, teacher)
        job = find_job(JOB_PREFIX + t_key)
        teacher_coming = True
        if recall(keys.WAVELET_TEACHERS, t_key) is not None:
            st.session_state[keys.WAVELET_TEACHER] = t_key
        elif job is not None and job.running:
            st.session_state[keys.WAVELET_TEACHER_JOB] = job
        else:
            teacher_coming = False
            lost.append("the trained teacher network (press **Train the teacher** on *Signals and teacher*; "
                        "its settings are filled in)")
        distill = _json(q.get("distill"))
        if distill is not None:
            st.session_state[keys.WAVELET_SETTINGS] = {k: v for k, v in distill.items() if k not in teacher}
            r_key = result_key(t_key, distill)
            job = find_job(JOB_PREFIX + r_key)
            if recall(keys.WAVELET_RESULTS, r_key) is not None:
                st.session_state[keys.WAVELET_RESULT] = r_key
            elif job is not None and job.running:
                st.session_state[keys.WAVELET_DISTILL_JOB] = job
            elif teacher_coming:  # the link names a distillation: run it once its teacher is ready
                st.session_state[keys.WAVELET_DEMO_CHAIN] = t_key
            else:
                lost.append("the distilled wavelet (press **Distill** on *Distill* once the teacher is trained; "
                            "its settings are filled in)")
    if lost:
        st.warning("**Reopened the signals of this link, but this server no longer holds "
                   + " or ".join(lost) + ".** It keeps results until it restarts.", icon=":material/link_off:")
    else:
        st.info("Reopened from the link: the same signals, settings and results.", icon=":material/link:")
