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
from core.audit.spec import DEFAULT_PRESET, PRESETS, AuditSpec
from ui import keys
from ui.audit.source import Source

STUDENT_LABELS = {"matched": "Noise-matched classifier (validated)", "logit": "Regressor on log-odds (as published)"}
SCALE_LABELS = {"robust": "Robust alpha (validated)", "sd": "Ratio of prediction SDs",
                "range": "Ratio of prediction ranges", "none": "None (unscaled)"}
PRESET_LABELS = {
    "fast": "Fast (preview)",
    "default": "Default (validated)",
    "precise": "Precise",
}
DATA_SEED = 0  # the app generates synthetic scenarios with this seed (the CLI's --data-seed default)


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
    """Model settings from the Run form (preset, interactions, bags, seed, student, scale)."""
    return st.session_state.get(keys.AUDIT_SETTINGS) or {"preset": DEFAULT_PRESET, "interactions": None,
                                                         "outer_bags": None, "random_state": 0}


def calibration_method() -> str:
    return st.session_state.get(keys.AUDIT_CALIBRATION, "isotonic")


def spec_from(mapping_: dict, calibration: str, settings_: dict, data_seed: int | None = None) -> AuditSpec:
    """One AuditSpec from the mapping, the calibration method and the settings.

    ``data_seed`` is the seed a synthetic scenario was generated with (the app
    always uses :data:`DATA_SEED`), recorded so the report matches the CLI's.
    """
    spec = AuditSpec(
        score=mapping_["score"] or "", outcome=mapping_["outcome"] or "", positive=mapping_.get("positive"),
        features=tuple(mapping_.get("features") or ()), protected=tuple(mapping_.get("protected") or ()),
        protected_as_features=bool(mapping_.get("protected_as_features", True)), calibration=calibration,
        data_seed=data_seed,
    ).with_preset(settings_.get("preset") or DEFAULT_PRESET)
    overrides = {k: settings_[k] for k in ("interactions", "outer_bags", "random_state", "student", "scale")
                 if settings_.get(k) is not None}
    return replace(spec, **overrides)


def current_spec() -> AuditSpec | None:
    """The spec the controls describe now, or None before data is mapped."""
    m = mapping()
    if m is None:
        return None
    source: Source | None = st.session_state.get(keys.AUDIT_SOURCE)
    data_seed = DATA_SEED if source is not None and source.synthetic else None
    return spec_from(m, calibration_method(), settings(), data_seed)


def run_key(sha256: str, spec: AuditSpec) -> str:
    """Identity of a run: the data checksum plus every setting."""
    return sha256 + ":" + json.dumps(spec.to_dict(), sort_keys=True)


def spec_summary(spec: AuditSpec) -> str:
    """The settings label of a run: preset, seed, pairs and bags."""
    return (f"{PRESET_LABELS.get(spec.preset, spec.preset)} preset · seed {spec.random_state} · "
            f"{spec.interactions} pairs · {spec.outer_bags} bags")


def preset_help() -> str:
    parts = [f"**{PRESET_LABELS[name]}**: {p['outer_bags']} bags, {p['interactions']} pairs, "
             f"{p['max_bins']} bins, learning rate {p['learning_rate']}" for name, p in PRESETS.items()]
    return "  \n".join(parts)


def cli_command(source: Source, spec: AuditSpec) -> str:
    """The ``python -m core audit`` command that writes the very same report as this run."""
    import shlex

    from core.audit.cli import join_names
    from ui.audit.source import UPLOAD

    preset = spec.preset
    if source.choice == UPLOAD:
        name = source.filename
        args = [f"--data=./{name}"] if name.startswith("-") else ["--data", name]
    else:
        args = ["--dataset", source.choice] + (["--source", source.filename] if source.data is not None else [])
    # "--flag=value" keeps a name that starts with "-" a value; join_names escapes commas inside names
    args += [f"--score={spec.score}", f"--outcome={spec.outcome}"]
    if spec.positive is not None:
        args += [f"--positive={spec.positive}"]
    args += [f"--features={join_names(spec.features)}", f"--protected={join_names(spec.protected)}"]
    if not spec.protected_as_features:
        args.append("--protected-only")
    args += ["--calibration", spec.calibration, "--preset", preset, "--interactions", str(spec.interactions),
             "--bags", str(spec.outer_bags), "--seed", str(spec.random_state)]
    if spec.student != "matched" or spec.scale != "robust":
        args += ["--student", spec.student, "--scale", spec.scale]
    if spec.data_seed is not None:
        args += ["--data-seed", str(spec.data_seed)]
    return "python -m core audit " + " ".join(shlex.quote(a) for a in args + ["--out", "audit-report"])
