"""The AWD objective, the two TRIM paths, the estimator and the pipeline."""

import numpy as np
import pytest
import pywt
import torch

from core.errors import InputError
from core.wavelets.datasets import load_signals
from core.wavelets.distiller import AdaptiveWaveletDistiller
from core.wavelets.objective import attributions_autograd, attributions_precomputed, awd_loss
from core.wavelets.pipeline import WaveletSettings, distill, train_teacher
from core.wavelets.teachers import TeacherNet


@pytest.fixture(scope="module")
def sim():
    return load_signals("simulation", n=300, random_state=0)


@pytest.fixture(scope="module", params=["mlp", "cnn", "lstm"])
def teacher(request, sim):
    return TeacherNet(request.param, epochs=2, hidden=8, random_state=0).fit(sim.X, sim.y)


def _as64(teacher):
    # Run the teacher in float64 so the comparison is not limited by float32 rounding.
    module = teacher.module_.double()
    return lambda x: module(x).squeeze(-1)


def _smooth_net(n):
    # A tanh network (non-zero Hessian) for lengths the trained teachers do not take.
    gen = torch.Generator().manual_seed(n)
    w1 = torch.randn(n, 16, dtype=torch.float64, generator=gen) / n**0.5
    w2 = torch.randn(16, dtype=torch.float64, generator=gen)
    return lambda x: torch.tanh(x @ w1) @ w2


@pytest.mark.parametrize("mode,n", [("zero", 64), ("zero", 63), ("periodization", 64), ("periodization", 63)])
def test_trim_paths_agree_in_loss_and_gradient(teacher, sim, mode, n):
    import copy

    f = _as64(copy.deepcopy(teacher)) if n == 64 else _smooth_net(n)
    x = torch.tensor(sim.X[:40, :n])
    xg = x.clone().requires_grad_(True)
    (grads,) = torch.autograd.grad(f(xg).sum(), xg)
    h0 = torch.tensor(pywt.Wavelet("sym5").rec_lo) + 0.05 * torch.randn(10, dtype=torch.float64,
                                                                           generator=torch.Generator().manual_seed(0))
    results = {}
    for trim in ("precomputed", "autograd"):
        h = h0.clone().requires_grad_(True)
        total, terms = awd_loss(h, x, levels=3, mode=mode, lam=0.1, gamma=2.0, grads=grads, teacher=f, trim=trim)
        (grad_h,) = torch.autograd.grad(total, h)
        results[trim] = (terms["attribution_l1"].item(), total.item(), grad_h)
    assert results["precomputed"][0] == pytest.approx(results["autograd"][0], rel=1e-10)
    assert results["precomputed"][1] == pytest.approx(results["autograd"][1], rel=1e-10)
    torch.testing.assert_close(results["precomputed"][2], results["autograd"][2], rtol=1e-8, atol=1e-10)


def test_attribution_identity_on_the_conv_transform(teacher, sim):
    f = _as64(__import__("copy").deepcopy(teacher))
    x = torch.tensor(sim.X[:10])
    xg = x.clone().requires_grad_(True)
    (grads,) = torch.autograd.grad(f(xg).sum(), xg)
    h = torch.tensor(pywt.Wavelet("db5").rec_lo)
    for a, b in zip(attributions_precomputed(h, grads, 4, "zero"), attributions_autograd(h, x, f, 4, "zero")):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Level value")
def test_estimator_contract_and_fitted_state(sim):
    teacher = TeacherNet("mlp", epochs=2, random_state=0).fit(sim.X, sim.y)
    seen = []
    est = AdaptiveWaveletDistiller(epochs=2, gamma=0.5, random_state=1)
    assert est.get_params()["gamma"] == 0.5 and not hasattr(est, "filter_")  # no logic in __init__
    assert est.fit(sim.X, teacher, progress=lambda f, m, **d: seen.append(d)) is est
    assert set(est.loss_history_) >= {"reconstruction", "orthogonality", "wavelet_l1", "attribution_l1", "total"}
    assert len(est.loss_history_["total"]) == 2 and seen[-1]["epoch"] == 2 and "attribution_l1" in seen[-1]["losses"]
    assert isinstance(est.wavelet_, pywt.Wavelet) and est.filter_.shape == (10,)
    coeffs = est.transform(sim.X[:5])
    expected = pywt.wavedec(sim.X[:5], est.wavelet_, "zero", level=3)
    assert [c.shape[1] for c in est.set_params(levels=3).fit(sim.X, teacher).transform(sim.X[:5])] == \
        [c.shape[1] for c in expected]
    est.set_params(levels=4).fit(sim.X, teacher)
    np.testing.assert_allclose(est.inverse_transform(coeffs), sim.X[:5], atol=0.05)
    again = AdaptiveWaveletDistiller(epochs=2, gamma=0.5, random_state=1).fit(sim.X, teacher)
    np.testing.assert_array_equal(again.filter_, est.filter_)  # seeded, no global state
    assert [a.shape for a in est.attributions(sim.X[:5])] == [c.shape for c in coeffs]


def test_lattice_keeps_the_filter_orthogonal_while_learning(sim):
    teacher = TeacherNet("mlp", epochs=2, random_state=0).fit(sim.X, sim.y)
    est = AdaptiveWaveletDistiller(wavelet="sym5", epochs=2, gamma=5.0, lr=1e-2, parametrization="lattice").fit(
        sim.X, teacher)
    assert est.validity_.orthogonality < 1e-10 and est.validity_.lowpass_sum < 1e-10
    assert np.max(np.abs(est.filter_ - pywt.Wavelet("sym5").rec_lo)) > 1e-4  # it did move


def test_bad_settings_raise_input_errors(sim):
    with pytest.raises(InputError, match="no teacher"):
        AdaptiveWaveletDistiller(gamma=1.0, epochs=1).fit(sim.X)
    with pytest.raises(InputError, match="at most 6"):
        AdaptiveWaveletDistiller(levels=7, gamma=0.0).fit(sim.X)
    with pytest.raises(InputError, match="not a wavelet"):
        AdaptiveWaveletDistiller(wavelet="db99x", gamma=0.0).fit(sim.X)
    with pytest.raises(InputError, match="biorthogonal"):
        AdaptiveWaveletDistiller(wavelet="bior2.2", gamma=0.0).fit(sim.X)


def test_pipeline_two_steps_and_metrics(sim):
    settings = WaveletSettings(teacher_epochs=2, epochs=1, top_k=3)
    teacher = train_teacher(sim, settings)
    result = distill(sim, teacher, settings)
    m = result.metrics()
    assert m["schema"] == "wavelet-metrics/1"
    assert m["teacher"]["metric"] == "r2" and len(m["awd"]["filter"]) == 10
    assert set(m["awd"]["validity"]) >= {"orthogonality", "lowpass_sum", "highpass_sum", "norm", "pr_error"}
    assert set(m["downstream"]) >= {"top_k", "awd", "init_wavelet", "gamma0", "teacher", "compression_rate"}
    assert set(m["timings_s"]) == {"teacher", "distill", "per_epoch"}
    assert 0 <= m["downstream"]["compression_rate"] <= 1
    assert result.features.shape == (sim.n_signals, 5 * 3)


@pytest.mark.slow
def test_learned_wavelet_moves_toward_db5_as_gamma_grows():
    """Issue 5: from sym5 on ``simulation``, the attribution term pulls the wavelet toward the true db5.

    Lattice parametrization (exactly orthogonal, so only λ and γ shape the filter),
    Adam lr 1e-2, 3,000 steps per fit, each fit started from sym5. Measured
    ψ-distances to db5 (circular shifts and time reversal, as the reference):
    start 0.226; γ = 0 → 0.604-0.607 (the λ term alone drifts away); γ = 1 → 0.191-0.199
    (seeds 0-2), the attribution L1 falling from 2.9 to 1.95. Limits seen while checking:
    the end point is a local minimum (db5 itself has L1 1.24); warm-starting γ > 0
    from the γ = 0 fit ends at 0.447; the published penalty protocol (lr 1e-3,
    weights 1, γ path to 50) dips to 0.211 near γ = 7e-4, then drifts to 0.43 and
    loses orthogonality for γ ≥ 10.
    """
    from core.wavelets.filters import initial_filter, psi_distance

    data = load_signals("simulation", n=5000, random_state=0)
    teacher = TeacherNet("mlp", epochs=40, random_state=0).fit(data.X, data.y)
    grads = teacher.input_gradients(data.X)
    db5 = initial_filter("db5")
    start = psi_distance(initial_filter("sym5"), db5)
    distances, attribution = [], []
    for gamma in (0.0, 1.0):
        est = AdaptiveWaveletDistiller(wavelet="sym5", gamma=gamma, lam=1e-5, epochs=60, lr=1e-2,
                                       parametrization="lattice", random_state=0)
        est.fit(data.X, teacher, input_gradients=grads)
        distances.append(psi_distance(est.filter_, db5))
        attribution.append(float(np.abs(np.concatenate(est.attributions(data.X, input_gradients=grads), axis=1)).sum(1).mean()))
    # Toward db5: closer than γ = 0 and closer than where it started, because attributions got sparser.
    assert distances[-1] < distances[0] and distances[-1] < start - 0.02, (start, distances)
    assert attribution[-1] < 0.8 * attribution[0], attribution


def test_psi_distance_is_min_over_circular_shifts_and_time_reversal():
    from core.wavelets.filters import initial_filter, make_wavelet, psi_distance

    def psi(name):
        p = np.asarray(make_wavelet(initial_filter(name)).wavefun(level=5)[1])  # flagged orthogonal: (phi, psi, x)
        return p / np.linalg.norm(p)

    for other in ("sym5", "coif2"):  # same and different filter lengths
        a, b = psi(other), psi("db5")
        n = max(a.size, b.size)
        a, b = np.pad(a, (0, n - a.size)), np.pad(b, (0, n - b.size))
        brute = min(np.linalg.norm(np.roll(c, k) - b) for c in (a, a[::-1]) for k in range(n))
        got = psi_distance(initial_filter(other), initial_filter("db5"))
        assert got == pytest.approx(brute, abs=1e-9) and got == pytest.approx(
            psi_distance(initial_filter("db5"), initial_filter(other)), abs=1e-9)
    assert psi_distance(initial_filter("db5"), initial_filter("db5")) < 1e-7
    assert psi_distance(initial_filter("sym5"), initial_filter("db5")) == pytest.approx(0.2264, abs=1e-3)


def test_validity_penalties_vanish_on_orthogonal_wavelets_and_have_correct_gradients():
    from core.wavelets.objective import validity_penalties

    for name in ("db5", "sym5", "coif2"):
        values = validity_penalties(torch.tensor(pywt.Wavelet(name).rec_lo))
        assert max(float(v) for v in values.values()) < 1e-12
    h = torch.randn(10, dtype=torch.float64, generator=torch.Generator().manual_seed(0)).requires_grad_(True)
    assert min(float(v) for v in validity_penalties(h.detach()).values()) > 0
    assert torch.autograd.gradcheck(lambda t: torch.stack(list(validity_penalties(t).values())), (h,))


# -- the CPU training step (numpy, gradient by hand) against autograd ------------------------------


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("mode,n,levels", [("zero", 64, 4), ("zero", 50, 3), ("periodization", 64, 4)])
def test_hand_written_step_matches_autograd(seed, mode, n, levels):
    from core.wavelets.objective import PENALTY_TERMS, TERMS, _dense_terms_autograd, dense_loss_numpy

    rng = np.random.default_rng(seed)
    h = pywt.Wavelet("sym4").rec_lo + 0.1 * rng.normal(size=8)  # not orthogonal: every penalty is live
    data = rng.normal(size=(17, 2, n))
    weights = (1.0, rng.uniform(0, 2), rng.uniform(0, 1), rng.uniform(0, 3))
    for channels in (1, 2):
        values, grad = dense_loss_numpy(h, data[:, :channels], weights, levels, mode)
        th = torch.tensor(h, requires_grad=True)
        terms = _dense_terms_autograd(th, torch.tensor(data[:, :channels]), levels, mode)
        w = torch.tensor([weights[0]] + [weights[1]] * len(PENALTY_TERMS) + [weights[2], weights[3] * (channels == 2)],
                         dtype=torch.float64)
        (expected,) = torch.autograd.grad(terms @ w, th)
        np.testing.assert_allclose(values[: len(TERMS) - 1], terms.detach().numpy(), rtol=1e-10, atol=1e-12)
        assert values[-1] == pytest.approx(float((terms @ w).detach()), rel=1e-10)
        np.testing.assert_allclose(grad, expected.numpy(), rtol=1e-9, atol=1e-11)


def test_numpy_lattice_matches_torch_and_its_jacobian():
    from core.wavelets.filters import lattice_filter, lattice_filter_numpy

    for seed in range(3):
        angles = np.random.default_rng(seed).normal(size=4)
        h, jac = lattice_filter_numpy(angles)
        t = torch.tensor(angles)
        np.testing.assert_allclose(h, lattice_filter(t).numpy(), atol=1e-14)
        np.testing.assert_allclose(jac, torch.autograd.functional.jacobian(lattice_filter, t).numpy(), atol=1e-13)


@pytest.mark.parametrize("parametrization", ["penalty", "lattice"])
def test_fast_cpu_path_learns_the_same_filter_as_the_torch_path(sim, monkeypatch, parametrization):
    import core.wavelets.distiller as distiller

    G = np.random.default_rng(0).normal(size=sim.X.shape).astype(np.float32)
    kwargs = dict(wavelet="db4", epochs=3, batch_size=50, lr=1e-2, parametrization=parametrization, random_state=0)
    fast = AdaptiveWaveletDistiller(**kwargs).fit(sim.X, lambda x: x.sum(-1), input_gradients=G)
    monkeypatch.setattr(distiller, "use_dense", lambda *args: False)  # the conv transform and autograd
    slow = AdaptiveWaveletDistiller(**kwargs).fit(sim.X, lambda x: x.sum(-1), input_gradients=G)
    assert np.abs(fast.filter_ - fast.init_filter_).max() > 1e-3  # it learned something
    np.testing.assert_allclose(fast.filter_, slow.filter_, atol=2e-5)
    for term in ("total", "reconstruction", "attribution_l1"):
        np.testing.assert_allclose(fast.loss_history_[term], slow.loss_history_[term], rtol=1e-4, atol=1e-7)
