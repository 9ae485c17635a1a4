"""The audit workflow's state across pages: mapping, settings, spec and runs.

Pages never keep results in widgets. The confirmed column mapping, the
calibration method and the model settings live under keys from ``ui.keys``;
:func:`current_spec` combines them into one ``AuditSpec``. A run is identified
by :func:`run_key` (data sha256 + every setting), so a page can tell whether
the result on screen matches what the controls now say, and nothing refits
unless the user presses Run with settings that changed.
"""

from __future__ import annotations

import json
from dataclasses import replace

import streamlit as st

from core.audit.datasets import AuditDataset
from core.audit.spec import PRESETS, AuditSpec
from ui import keys
from ui.audit_source import Source

PRESET_LABELS = {
    "fast": "Fast",
    "default": "Default",
    "precise": "Precise",
}
DEFAULT_PRESET = "fast"


def default_mapping(dataset: AuditDataset) -> dict:
    """The column mapping a dataset suggests."""
    return {"score": dataset.score, "outcome": dataset.outcome, "positive": dataset.positive,
            "features": list(dataset.features), "protected": list(dataset.protected),
            "protected_as_features": True}


def select_source(source: Source, dataset: AuditDataset) -> None:
    """Make ``source`` current; reset the mapping and calibration if the data changed."""
    old: Source | None = st.session_state.get(keys.AUDIT_SOURCE)
    st.session_state[keys.AUDIT_SOURCE] = source
    if old is None or old.sha256 != source.sha256 or keys.AUDIT_MAPPING not in st.session_state:
        st.session_state[keys.AUDIT_MAPPING] = default_mapping(dataset)
        st.session_state[keys.AUDIT_CALIBRATION] = dataset.calibration


def mapping() -> dict | None:
    return st.session_state.get(keys.AUDIT_MAPPING)


def settings() -> dict:
    """Model settings from the Run form (preset, interactions, bags, seed)."""
    return st.session_state.get(keys.AUDIT_SETTINGS) or {"preset": DEFAULT_PRESET, "interactions": None,
                                                         "outer_bags": None, "random_state": 0}


def calibration_method() -> str:
    return st.session_state.get(keys.AUDIT_CALIBRATION, "isotonic")


def spec_from(mapping_: dict, calibration: str, settings_: dict) -> AuditSpec:
    """One AuditSpec from the mapping, the calibration method and the settings."""
    spec = AuditSpec(
        score=mapping_["score"] or "", outcome=mapping_["outcome"] or "", positive=mapping_.get("positive"),
        features=tuple(mapping_.get("features") or ()), protected=tuple(mapping_.get("protected") or ()),
        protected_as_features=bool(mapping_.get("protected_as_features", True)), calibration=calibration,
    ).with_preset(settings_.get("preset") or DEFAULT_PRESET)
    overrides = {k: settings_[k] for k in ("interactions", "outer_bags", "random_state") if settings_.get(k) is not None}
    return replace(spec, **overrides)


def current_spec() -> AuditSpec | None:
    """The spec the controls describe now, or None before data is mapped."""
    m = mapping()
    if m is None:
        return None
    return spec_from(m, calibration_method(), settings())


def run_key(sha256: str, spec: AuditSpec) -> str:
    """Identity of a run: the data checksum plus every setting."""
    return sha256 + ":" + json.dumps(spec.to_dict(), sort_keys=True)


def preset_help() -> str:
    parts = [f"**{PRESET_LABELS[name]}**: {p['outer_bags']} bags, {p['interactions']} pairs, "
             f"{p['max_bins']} bins, learning rate {p['learning_rate']}" for name, p in PRESETS.items()]
    return "  \n".join(parts)


def cli_command(source: Source, spec: AuditSpec) -> tuple[str, list[str]]:
    """The ``python -m core audit`` command for this run, and what it cannot express."""
    import shlex

    from ui.audit_source import UPLOAD

    preset = next((n for n, p in PRESETS.items()
                   if all(getattr(spec, k) == v for k, v in p.items() if k not in ("outer_bags", "interactions"))),
                  "default")
    if source.choice == UPLOAD:
        args = ["--data", source.filename]
    else:
        args = ["--dataset", source.choice] + (["--source", source.filename] if source.data is not None else [])
    args += ["--score", spec.score, "--outcome", spec.outcome]
    if spec.positive is not None:
        args += ["--positive", str(spec.positive)]
    args += ["--features", ",".join(spec.features), "--protected", ",".join(spec.protected),
             "--calibration", spec.calibration, "--preset", preset, "--interactions", str(spec.interactions),
             "--seed", str(spec.random_state), "--out", "audit-report"]
    caveats = []
    if spec.outer_bags != PRESETS[preset]["outer_bags"]:
        caveats.append(f"Not expressible yet: {spec.outer_bags} outer bags (the CLI uses the preset's "
                       f"{PRESETS[preset]['outer_bags']}).")
    if not spec.protected_as_features:
        caveats.append("Not expressible yet: protected columns used only to slice results, not as features.")
    if source.synthetic and spec.random_state != 0:
        caveats.append("Not exact: the CLI generates the synthetic scenario with the audit's seed; "
                       "the app always uses seed 0 for the data.")
    return "python -m core audit " + " ".join(shlex.quote(a) for a in args), caveats
