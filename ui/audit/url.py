"""The audit's dataset choice and settings in the page address, so a reload or a shared link reopens them.

Every audit page calls :func:`restore` first (a new session with a ``?data=``
address rebuilds the source, mapping, calibration and settings from it, then
shows the stored result or reattaches to the running job) and :func:`sync`
once its state is known (the address then names what the page shows).
Parameters that equal the dataset's defaults are left out, so a plain demo
link stays short: ``/audit-compare?data=synthetic-biased&run=1``.
"""

from __future__ import annotations

import json

import streamlit as st

from core.audit.spec import CALIBRATION_METHODS, DEFAULT_PRESET, PRESETS, SCALE_METHODS, STUDENT_KINDS, AuditSpec
from core.errors import InputError
from core.io import digest
from core.params import accepts
from ui import keys
from ui.address import write_params

MAPPING_FIELDS = ("score", "outcome", "positive", "features", "protected", "protected_as_features")
SETTING_PARAMS = {"preset": "preset", "seed": "random_state", "pairs": "interactions", "bags": "outer_bags",
                  "student": "student", "scale": "scale"}
OWN = ("data", "file", "cal", "map", "run", *SETTING_PARAMS)


def _int(text: str | None, field: str) -> int | None:
    """The number in ``text`` when AuditSpec accepts it for ``field`` (a link can say anything), else None."""
    try:
        value = int(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and accepts(AuditSpec, field, value) else None


def state_params() -> dict[str, str]:
    """The address parameters that describe this session's audit (empty before data is chosen)."""
    from ui.audit.source import current, load
    from ui.audit.state import calibration_method, current_spec, default_mapping, mapping, run_key, settings

    source = current()
    m = mapping()
    if source is None or m is None:
        return {}
    dataset = load(source)
    out = {"data": source.choice}
    if source.data is not None:
        out["file"] = digest(source.data)
    if calibration_method() != dataset.calibration:
        out["cal"] = calibration_method()
    base = default_mapping(dataset)
    changed = {f: m.get(f) for f in MAPPING_FIELDS if m.get(f) != base.get(f)}
    if changed:
        out["map"] = json.dumps(changed, separators=(",", ":"))
    s = settings()
    defaults = {"preset": DEFAULT_PRESET, "random_state": 0, "student": "matched", "scale": "robust"}
    for param, name in SETTING_PARAMS.items():
        value = s.get(name)
        if value is not None and value != defaults.get(name):
            out[param] = str(value)
    if st.session_state.get(keys.AUDIT_RUN_KEY) == run_key(source.sha256, current_spec()):
        out["run"] = "1"
    return out


def sync() -> None:
    """Write this session's dataset and settings into the address (only when they changed)."""
    write_params(state_params(), OWN)


def restore() -> None:
    """Rebuild the audit from the address in a session that has none yet (a reload or a shared link).

    Sets ``keys.AUDIT_LOST`` with what could not come back and how to get it
    back; :func:`notice` shows it.
    """
    from ui.audit.source import CHOICES, SYNTHETIC, UPLOAD, builtin_source, compas_cached, current, kept_files, \
        load, upload_source
    from ui.audit.runs import reattach, start_run
    from ui.audit.state import current_spec, run_key, select_source

    choice = st.query_params.get("data")
    if current() is not None or choice not in CHOICES or st.session_state.get(keys.AUDIT_RESTORED):
        return  # tried once per session: afterwards the reader's own choices win
    st.session_state[keys.AUDIT_RESTORED] = True  # once per session, even when it fails
    file_sha = st.query_params.get("file")
    kept = kept_files().get(file_sha) if file_sha else None
    try:
        if choice in SYNTHETIC:
            source = builtin_source(choice)
        elif choice == "compas" and file_sha:
            if kept is None:
                return _lost("The local COMPAS file of this link is no longer on this server (it keeps uploads "
                             "until it restarts).", "Choose COMPAS on the Data page and use your copy again; "
                             "the settings below were kept.", choice)
            source = builtin_source("compas", kept[1], kept[0])
        elif choice == "compas":
            if not compas_cached():
                return _lost("ProPublica's COMPAS file is not downloaded on this computer.",
                             "Download it on the Data page (one click), then reload this link.", choice)
            source = builtin_source("compas")
        elif kept is not None:
            source = upload_source(kept[0], kept[1])
        else:
            return _lost("The uploaded file of this link is no longer on this server: uploads are kept only "
                         "until the server restarts, and only on the computer they were uploaded to.",
                         "Upload the same file again on the Data page. The model settings of this link are kept; "
                         "check the column mapping, which starts again from its suggestions.", UPLOAD)
    except InputError as error:
        return _lost(error.problem, error.fix, choice)
    select_source(source, load(source))
    _apply_settings()
    st.session_state[keys.AUDIT_CHOICE] = choice
    if st.query_params.get("run") == "1":
        key = run_key(source.sha256, current_spec())
        if reattach(key):
            st.session_state[keys.AUDIT_RESTORED] = (
                "Reopened from the link: the same data and settings; the audit they started is still running "
                "and shows here when it finishes." if st.session_state.get(keys.AUDIT_RESULT) is None
                or st.session_state[keys.AUDIT_RESULT][0] != key
                else "Reopened from the link: the same data, settings and result.")
        else:  # not stored on this server any more: same data and settings give the same result
            start_run(source, load(source), current_spec())
            st.session_state[keys.AUDIT_RESTORED] = ("Reopened from the link. Its result was no longer stored on "
                                                     "this server, so the audit runs again with the same data and "
                                                     "settings (the same result, in a few seconds).")


def _apply_settings(with_mapping: bool = True) -> None:
    """Mapping, calibration and model settings from the address, over the dataset's defaults."""
    q = st.query_params
    if with_mapping:
        _apply_mapping()
    if q.get("cal") in CALIBRATION_METHODS:
        st.session_state[keys.AUDIT_CALIBRATION] = q.get("cal")
    settings = {"preset": q.get("preset") if q.get("preset") in PRESETS else DEFAULT_PRESET,
                "interactions": _int(q.get("pairs"), "interactions"), "outer_bags": _int(q.get("bags"), "outer_bags"),
                "random_state": _int(q.get("seed"), "random_state") or 0,
                "student": q.get("student") if q.get("student") in STUDENT_KINDS else None,
                "scale": q.get("scale") if q.get("scale") in SCALE_METHODS else None}
    st.session_state[keys.AUDIT_SETTINGS] = settings


def _apply_mapping() -> None:
    q = st.query_params
    m = dict(st.session_state[keys.AUDIT_MAPPING])
    try:
        changed = json.loads(q.get("map") or "{}")
    except ValueError:
        changed = {}
    if isinstance(changed, dict):
        m.update({f: changed[f] for f in MAPPING_FIELDS  # only what an AuditSpec accepts
                  if f in changed and accepts(AuditSpec, f, tuple(changed[f]) if isinstance(changed[f], list)
                                              else changed[f])})
    st.session_state[keys.AUDIT_MAPPING] = m


def _lost(problem: str, fix: str, choice: str) -> None:
    _apply_settings(with_mapping=False)  # the model settings survive; the column mapping needs the data
    st.session_state[keys.AUDIT_LOST] = f"**{problem}**  \n{fix}"
    st.session_state[keys.AUDIT_CHOICE] = choice


def notice() -> None:
    """Say once what a reload or link restored, and (until data is chosen again) what it could not."""
    from ui.audit.source import current

    restored = st.session_state.get(keys.AUDIT_RESTORED)
    if isinstance(restored, str):
        st.info(restored, icon=":material/link:")
        st.session_state[keys.AUDIT_RESTORED] = True
    lost = st.session_state.get(keys.AUDIT_LOST)
    if lost and current() is None:
        st.warning(lost, icon=":material/link_off:")
    elif lost:
        st.session_state.pop(keys.AUDIT_LOST, None)
