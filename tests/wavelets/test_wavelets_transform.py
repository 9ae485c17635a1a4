"""The torch DWT against PyWavelets, adjointness, perfect reconstruction, the lattice."""

import numpy as np
import pytest
import pywt
import torch

from core.wavelets.filters import filter_bank, lattice_angles, lattice_filter, make_wavelet, validity_report
from core.wavelets.transform import analysis_matrix, qmf, wavedec, waverec

WAVELETS = ["db2", "db5", "sym4", "sym5", "coif1", "coif2"]
MODES = ["zero", "periodization"]
LENGTHS = [64, 63, 41]


def _h(name):
    return torch.tensor(pywt.Wavelet(name).rec_lo, dtype=torch.float64)


@pytest.mark.filterwarnings("ignore:Level value")
@pytest.mark.parametrize("name", WAVELETS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n", LENGTHS)
def test_matches_pywt_wavedec_and_waverec(name, mode, n):
    x = np.random.default_rng(n).normal(size=(3, n))
    ref = pywt.wavedec(x, name, mode=mode, level=3)
    got = wavedec(torch.tensor(x), _h(name), 3, mode)
    assert [r.shape for r in ref] == [tuple(g.shape) for g in got]  # order [cA3, cD3, cD2, cD1]
    for r, g in zip(ref, got):
        np.testing.assert_allclose(g.numpy(), r, atol=1e-6)
    rec_ref = pywt.waverec(ref, name, mode=mode)
    rec = waverec(got, _h(name), mode)  # no length: pywt's output length
    np.testing.assert_allclose(rec.numpy(), rec_ref, atol=1e-6)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n", LENGTHS)
def test_perfect_reconstruction_at_odd_and_even_lengths(mode, n):
    x = torch.randn(4, n, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    for name in ("db5", "sym5", "coif2"):
        rec = waverec(wavedec(x, _h(name), 4, mode), _h(name), mode, length=n)
        assert rec.shape == x.shape
        assert torch.max(torch.abs(rec - x)) < 1e-10


@pytest.mark.parametrize("n", [64, 63, 40])
def test_synthesis_is_exact_adjoint_for_any_filter(n):
    gen = torch.Generator().manual_seed(n)
    h = torch.randn(10, dtype=torch.float64, generator=gen)  # not orthogonal on purpose
    x = torch.randn(2, n, dtype=torch.float64, generator=gen)
    coeffs = wavedec(x, h, 4, "zero")
    y = [torch.randn(c.shape, dtype=torch.float64, generator=gen) for c in coeffs]
    lhs = sum((c * d).sum() for c, d in zip(coeffs, y))  # <W x, y>
    rhs = (x * waverec(y, h, "zero", length=n)).sum()  # <x, W^T y>
    assert abs(float(lhs - rhs)) < 1e-10 * float(abs(lhs) + 1)


def test_periodization_adjoint_at_dyadic_length():
    gen = torch.Generator().manual_seed(3)
    h = torch.randn(8, dtype=torch.float64, generator=gen)
    x = torch.randn(2, 64, dtype=torch.float64, generator=gen)
    coeffs = wavedec(x, h, 3, "periodization")
    y = [torch.randn(c.shape, dtype=torch.float64, generator=gen) for c in coeffs]
    lhs = sum((c * d).sum() for c, d in zip(coeffs, y))
    rhs = (x * waverec(y, h, "periodization", length=64)).sum()
    assert abs(float(lhs - rhs)) < 1e-10


@pytest.mark.parametrize("mode", MODES)
def test_dense_operator_equals_convolutions(mode):
    h = torch.randn(10, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x = torch.randn(3, 63, dtype=torch.float64)
    W = analysis_matrix(h, 63, 4, mode)
    torch.testing.assert_close(torch.cat(wavedec(x, h, 4, mode), -1), x @ W.T)


def test_learned_filter_bank_runs_in_pywt_like_torch():
    h = torch.tensor(pywt.Wavelet("db5").rec_lo) + 0.01 * torch.randn(10, dtype=torch.float64)
    w = pywt.Wavelet("custom", filter_bank=filter_bank(h.numpy()))
    x = np.random.default_rng(0).normal(size=(2, 50))
    for r, g in zip(pywt.wavedec(x, w, mode="zero", level=2), wavedec(torch.tensor(x), h, 2, "zero")):
        np.testing.assert_allclose(g.numpy(), r, atol=1e-10)


def test_qmf_matches_pywt_and_device_is_runtime_choice():
    h = _h("db5")
    np.testing.assert_allclose(qmf(h).numpy(), pywt.Wavelet("db5").rec_hi, atol=1e-15)
    coeffs = wavedec(torch.randn(2, 32, dtype=torch.float32), h, 2)  # filter follows the signal's dtype/device
    assert coeffs[0].dtype == torch.float32 and coeffs[0].device.type == "cpu"


def test_lattice_is_orthogonal_to_1e10_for_any_angles():
    gen = torch.Generator().manual_seed(0)
    for k in (2, 4, 6):
        h = lattice_filter(torch.randn(k, dtype=torch.float64, generator=gen) * 3).numpy()
        v = validity_report(h)
        assert v.orthogonality < 1e-10 and v.lowpass_sum < 1e-10 and v.highpass_sum < 1e-10 and v.norm < 1e-10
        assert v.pr_error < 1e-10


def test_lattice_represents_db5():
    angles, err = lattice_angles(pywt.Wavelet("db5").rec_lo)
    assert err < 1e-8
    assert validity_report(lattice_filter(torch.tensor(angles)).numpy()).vanishing_moments >= 4


def test_validity_report_flags_a_broken_filter():
    good = validity_report(pywt.Wavelet("db5").rec_lo)
    assert good.valid and good.vanishing_moments == 5
    bad = validity_report(np.asarray(pywt.Wavelet("db5").rec_lo) * 1.1)
    assert not bad.valid and bad.norm > 0.05 and bad.pr_error > 0.05
    assert make_wavelet(pywt.Wavelet("db5").rec_lo).orthogonal
    # The flag is set only when validity passes: PyWavelets treats it as a fact.
    assert not make_wavelet(np.asarray(pywt.Wavelet("db5").rec_lo) * 1.1).orthogonal
    assert not make_wavelet(pywt.Wavelet("db5").rec_lo, validity=bad).orthogonal
