"""Settings are declared once and checked once: one error template naming the field, the value and the range."""

from __future__ import annotations

import dataclasses

import pytest

from core.audit.spec import PRESETS, AuditSpec
from core.errors import InputError
from core.params import Interval, OfType, Options, check_value, constraints_of
from core.wavelets.settings import WaveletSettings


@pytest.mark.parametrize("field,value,allowed", [
    ("epsilon", 0, "a number in (0, 0.5)"),
    ("epsilon", 0.7, "a number in (0, 0.5)"),
    ("material_share", -1, "a number in (0, 1]"),
    ("outer_bags", 1, "a whole number in [2, 100]"),
    ("n_bootstrap", 999, "a whole number ≥ 1,000"),
    ("calibration", "sigmoid", "one of 'none', 'isotonic', 'platt', 'spline'"),
    ("n_jobs", 0, "None or a whole number ≥ 1 or a whole number ≤ -1"),
    ("protected_as_features", "yes", "True or False"),
    ("interactions", 2.5, "a whole number in [0, 10]"),
    ("test_size", float("nan"), "a number in [0.05, 0.5]"),
])
def test_audit_spec_refuses_a_bad_value_naming_field_value_and_range(field, value, allowed):
    with pytest.raises(InputError) as err:
        AuditSpec("score", "y", **{field: value})
    assert err.value.problem == f"{field} = {value!r} is not allowed: it must be {allowed}."
    assert err.value.fix == f"Set {field} to {allowed}." and err.value.field == field


def test_every_audit_field_declares_what_it_accepts_and_defaults_and_presets_pass():
    declared = constraints_of(AuditSpec)
    assert set(declared) == {f.name for f in dataclasses.fields(AuditSpec)}
    spec = AuditSpec("score", "y")
    for name in PRESETS:
        assert spec.with_preset(name).preset == name
    # replace() checks too, so no spec with a bad value can exist
    with pytest.raises(InputError, match="epsilon"):
        dataclasses.replace(spec, epsilon=0.0)


def test_every_wavelet_setting_declares_what_it_accepts_and_the_defaults_pass():
    assert set(constraints_of(WaveletSettings)) == {f.name for f in dataclasses.fields(WaveletSettings)}
    WaveletSettings()
    with pytest.raises(InputError, match=r"^lr = 0 is not allowed: it must be a number in \(0, 1\]"):
        WaveletSettings(lr=0)
    with pytest.raises(InputError, match="threads = 0"):
        WaveletSettings(threads=0)
    with pytest.raises(InputError, match="parametrization = 'cayley'"):
        WaveletSettings(parametrization="cayley")


def test_constraints_take_numpy_numbers_and_refuse_booleans():
    import numpy as np

    whole = (Interval(int, 1, None),)
    check_value("n", np.int64(3), whole)
    check_value("x", np.float32(0.5), (Interval(float, 0, 1),))
    check_value("s", np.str_("a"), (Options(("a", "b")),))
    for bad in (True, 1.0, "1"):
        with pytest.raises(InputError):
            check_value("n", bad, whole)
    with pytest.raises(InputError, match="a tuple"):
        check_value("t", ["a"], (OfType((tuple,), "a tuple"),))


def test_cli_turns_a_bad_setting_into_exit_2(monkeypatch, tmp_path, capsys):
    from core.cli import main

    # No flag sets epsilon; a preset carrying a bad one is refused before any work, with the one template.
    monkeypatch.setitem(PRESETS, "fast", {**PRESETS["fast"], "epsilon": 0.7})
    code = main(["audit", "--dataset", "synthetic-clean", "--preset", "fast", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "epsilon = 0.7 is not allowed: it must be a number in (0, 0.5)" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
