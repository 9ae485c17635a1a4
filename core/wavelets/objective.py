"""The AWD objective: reconstruction, validity penalties, and two L1 terms.

``loss = rec + w·(lowpass_sum + highpass_sum + norm + cmf + orthogonality)
        + lam·wavelet_l1 + gamma·attribution_l1``

with the definitions of the AWD reference implementation (½ factors, L1 terms
averaged over the J+1 levels and summed within each, reconstruction summed per
signal, every term divided by the batch size).

The attribution term uses Saliency-TRIM: the gradient of the teacher output
with respect to the wavelet coefficients through the inverse transform, the
teacher being evaluated at the original input. Because synthesis is the exact
adjoint of analysis, ``TRIM(x) = W_h(∇f(x))``: the DWT of the teacher's input
gradient. :func:`attributions_precomputed` uses that identity;
:func:`attributions_autograd` differentiates through the teacher as the
reference does. Both give the same values and the same gradient in ``h``.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple, Sequence

import numpy as np
import torch

from core.wavelets.transform import (CACHE_BYTES, ByteBudgetCache, _operator_basis, analysis_matrix, is_adjoint,
                                     use_dense, wavedec, waverec)

__all__ = [
    "TERMS", "PENALTY_TERMS", "validity_penalties", "reconstruction_loss", "l1_per_level",
    "attributions_precomputed", "attributions_autograd", "awd_loss",
]

PENALTY_TERMS = ("lowpass_sum", "highpass_sum", "norm", "cmf", "orthogonality")
TERMS = ("reconstruction",) + PENALTY_TERMS + ("wavelet_l1", "attribution_l1", "total")


_PENALTY_CACHE: dict = {}


def _penalty_operators(n: int, dtype, device):
    """Constant operators with ``residuals(h) = cat([A h, (Q h) h]) - offsets`` for a filter of length ``n``.

    ``A`` (2, n) holds the two linear residuals (Σh and Σg, whose signs alternate);
    ``Q`` (m, n, n) the quadratic ones as forms ``hᵀ Q_i h``: the norm (identity),
    the power complementarity at each of the n/2 DFT pairs (sum of the
    cos/sin outer products of both frequencies), and the autocorrelation at each
    even lag (a shift matrix). Two matrix products then give every residual.
    """
    key = (n, dtype, str(device))
    if key not in _PENALTY_CACHE:
        k = torch.arange(n, dtype=torch.float64)
        angle = 2 * math.pi * torch.outer(k, k) / n
        cos, sin = torch.cos(angle), torch.sin(angle)  # row f: the DFT's real and imaginary parts at f
        power = torch.einsum("fi,fj->fij", cos, cos) + torch.einsum("fi,fj->fij", sin, sin)  # |H_f|² = hᵀ P_f h
        half = n // 2
        cmf = power[:half] + power[half : 2 * half]
        lags = [lag for lag in range(-(n - 1), n) if lag % 2 == 0]
        shifts = torch.zeros(len(lags), n, n, dtype=torch.float64)
        for i, lag in enumerate(lags):
            for m in range(max(0, -lag), min(n, n - lag)):
                shifts[i, m, m + lag] = 1.0
        delta = torch.tensor([1.0 if lag == 0 else 0.0 for lag in lags], dtype=torch.float64)
        signs = torch.tensor([(-1.0) ** (n - 1 - m) for m in range(n)], dtype=torch.float64)  # Σg = signs·h
        linear = torch.stack([torch.ones(n, dtype=torch.float64), signs])
        quadratic = torch.cat([torch.eye(n, dtype=torch.float64)[None], cmf, shifts])
        offsets = torch.cat([torch.tensor([math.sqrt(2.0), 0.0, 1.0], dtype=torch.float64),
                             torch.full((half,), 2.0, dtype=torch.float64), delta])
        _PENALTY_CACHE[key] = tuple(t.to(dtype=dtype, device=device) for t in (linear, quadratic, offsets))
    return _PENALTY_CACHE[key]


def _residuals(h: torch.Tensor) -> torch.Tensor:
    """Every validity residual of ``h`` in one vector, in :data:`PENALTY_TERMS` order (see ``_segments``)."""
    linear, quadratic, offsets = _penalty_operators(h.shape[0], h.dtype, h.device)
    return torch.cat([linear @ h, (quadratic @ h) @ h]) - offsets


def _segments(n: int) -> list[tuple[str, int, int]]:
    """Where each penalty's residuals sit in :func:`_residuals` for a filter of length ``n``."""
    half, lags = n // 2, sum(1 for lag in range(-(n - 1), n) if lag % 2 == 0)
    return [("lowpass_sum", 0, 1), ("highpass_sum", 1, 2), ("norm", 2, 3), ("cmf", 3, 3 + half),
            ("orthogonality", 3 + half, 3 + half + lags)]


_SEGMENT_CACHE: dict = {}


def _segment_matrix(n: int, dtype, device) -> torch.Tensor:
    """``S`` (5, len(residuals)) with ``S @ r²`` = the five penalties (½ · sum of squares per segment)."""
    key = (n, dtype, str(device))
    if key not in _SEGMENT_CACHE:
        parts = _segments(n)
        S = torch.zeros(len(parts), parts[-1][2], dtype=torch.float64)
        for i, (_, a, b) in enumerate(parts):
            S[i, a:b] = 0.5
        _SEGMENT_CACHE[key] = S.to(dtype=dtype, device=device)
    return _SEGMENT_CACHE[key]


def validity_penalties(h: torch.Tensor) -> dict[str, torch.Tensor]:
    """The five soft validity penalties of AWD for lowpass filter ``h``.

    ``lowpass_sum = ½(Σh − √2)²``, ``highpass_sum = ½(Σg)²``, ``norm = ½(Σh² − 1)²``,
    ``cmf = ½ Σ_k (|H_k|² + |H_{k+L/2}|² − 2)²`` on the L-point DFT, and
    ``orthogonality = ½ Σ_k ((h⋆h)[2k] − δ_k)²`` over all even lags.
    """
    r = _residuals(h)
    return {name: 0.5 * (r[a:b] * r[a:b]).sum() for name, a, b in _segments(h.shape[0])}


def reconstruction_loss(x: torch.Tensor, x_rec: torch.Tensor) -> torch.Tensor:
    """Squared error summed over samples, averaged over the batch."""
    diff = x_rec - x
    return (diff * diff).sum() / x.shape[0]


def l1_per_level(coeffs: Sequence[torch.Tensor], n_levels: int | None = None) -> torch.Tensor:
    """``(1/(J+1)) Σ_levels Σ|c| / batch``, as in the reference.

    ``n_levels`` is J+1 when ``coeffs`` holds the levels concatenated in one tensor.
    """
    batch = coeffs[0].shape[0]
    return sum(c.abs().sum() for c in coeffs) / ((n_levels or len(coeffs)) * batch)


def attributions_precomputed(h: torch.Tensor, grads: torch.Tensor, levels: int, mode: str) -> list[torch.Tensor]:
    """Saliency-TRIM from precomputed input gradients: ``W_h(∇f(x))``.

    When synthesis is not the exact adjoint (periodization with an odd level
    length), the transpose of synthesis is applied instead, through a cheap
    vector-Jacobian product of the transform alone.
    """
    if is_adjoint(grads.shape[-1], levels, mode):
        return wavedec(grads, h, levels, mode)
    with torch.enable_grad():
        probe = [c.detach().requires_grad_(True) for c in wavedec(grads, h.detach(), levels, mode)]
        rec = waverec(probe, h, mode, length=grads.shape[-1])
        return list(torch.autograd.grad(rec, probe, grad_outputs=grads, create_graph=True))


def attributions_autograd(h: torch.Tensor, x: torch.Tensor, teacher: Callable[[torch.Tensor], torch.Tensor],
                          levels: int, mode: str) -> list[torch.Tensor]:
    """Saliency-TRIM through the teacher: ``∂f(W_hᵀ s + r)/∂s`` at ``s = W_h x``.

    The residual ``r = x − W_hᵀ stopgrad(s)`` keeps the teacher at ``x`` for every
    ``h`` (stop-gradient on ``s`` only). The reference stops the gradient of the
    whole residual, which adds a teacher-Hessian term to the gradient in ``h``;
    it vanishes for piecewise-linear (ReLU) teachers and is dropped here so the
    two paths agree for every teacher.
    """
    n = x.shape[-1]
    with torch.enable_grad():
        s = [c.detach().requires_grad_(True) for c in wavedec(x, h.detach(), levels, mode)]
        rec = waverec(s, h, mode, length=n)
        frozen = waverec([c.detach() for c in s], h, mode, length=n)
        x_in = x + rec - frozen  # equals x; depends on s through W_hᵀ; no first-order dependence on h
        out = teacher(x_in).sum()
        return list(torch.autograd.grad(out, s, create_graph=True))


def awd_loss(h: torch.Tensor, x: torch.Tensor | None, *, levels: int, mode: str, lam: float, gamma: float,
             grads: torch.Tensor | None = None, teacher: Callable | None = None, trim: str = "precomputed",
             penalty_weight: float = 1.0, pair: torch.Tensor | None = None
             ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Total AWD loss and its terms for one batch.

    Parameters
    ----------
    h : Tensor (L,)
        Lowpass synthesis filter, differentiable.
    x : Tensor (batch, n)
    levels, mode
        Transform settings.
    lam, gamma : float
        Weights of the coefficient L1 and attribution L1 terms.
    grads : Tensor (batch, n), optional
        Teacher input gradients at ``x`` (``trim="precomputed"``).
    teacher : callable, optional
        Maps ``(batch, n)`` to ``(batch,)`` (``trim="autograd"``).
    trim : {"precomputed", "autograd"}
    penalty_weight : float
        Weight of each validity penalty (1 in the reference). At 0 (the lattice)
        the penalties are still reported but kept out of the graph.
    pair : Tensor (batch, 2, n), optional
        Signals and gradients stacked (``pair[:, 0]`` is ``x``, ``pair[:, 1]`` is
        ``grads``): the training loop's layout, which saves a copy per step.

    Returns
    -------
    total : Tensor
    terms : dict of str to Tensor
        Unweighted terms (keys of :data:`TERMS`, ``total`` included).
    """
    if pair is not None:
        x, grads = pair.unbind(1)
    n = x.shape[-1]
    use_attr = gamma > 0 and (grads is not None or teacher is not None)
    if (not use_attr or trim == "precomputed") and use_dense(n, levels, mode):
        return _dense_precomputed_loss(h, x, grads if use_attr else None, pair if use_attr else None,
                                       levels=levels, mode=mode, lam=lam, gamma=gamma, penalty_weight=penalty_weight)
    attrs = None
    if use_dense(n, levels, mode):
        # Short signals: a dense operator, a few small matrix products per step instead of 2·J convolutions.
        # Long ones (O(L·n²) memory) take the convolution path below.
        W = analysis_matrix(h, n, levels, mode)
        if use_attr and trim == "precomputed":
            # One product for signals and gradients.
            both = (pair if pair is not None else torch.stack([x, grads], dim=1)) @ W.T
            signal_part, grad_part = both.unbind(1)
            coeffs, attrs = [signal_part], [grad_part]
        else:
            coeffs = [x @ W.T]
            if use_attr:
                s = coeffs[0].detach().requires_grad_(True)
                with torch.enable_grad():
                    x_in = x + s @ W - s.detach() @ W  # = x; see attributions_autograd
                    attrs = list(torch.autograd.grad(teacher(x_in).sum(), s, create_graph=True))
        x_rec = coeffs[0] @ W
        n_levels = levels + 1
    else:
        coeffs = wavedec(x, h, levels, mode)
        if use_attr:
            attrs = (attributions_precomputed(h, grads, levels, mode) if trim == "precomputed"
                     else attributions_autograd(h, x, teacher, levels, mode))
        x_rec = waverec(coeffs, h, mode, length=n)
        n_levels = len(coeffs)
    terms = {"reconstruction": reconstruction_loss(x, x_rec)}
    if penalty_weight:
        terms.update(validity_penalties(h))
    else:
        with torch.no_grad():
            terms.update(validity_penalties(h.detach()))
    terms["wavelet_l1"] = l1_per_level(coeffs, n_levels)
    terms["attribution_l1"] = l1_per_level(attrs, n_levels) if attrs is not None else x.new_zeros(())
    total = terms["reconstruction"] + lam * terms["wavelet_l1"]
    if attrs is not None:
        total = total + gamma * terms["attribution_l1"]
    if penalty_weight:
        total = total + penalty_weight * sum(terms[k] for k in PENALTY_TERMS)
    terms["total"] = total
    return total, terms


def _dense_precomputed_loss(h, x, grads, pair, *, levels, mode, lam, gamma, penalty_weight):
    """:func:`awd_loss` for short signals with precomputed gradients: the dense operator, through autograd.

    The same value and gradient in fewer, larger operations: the per-step cost
    of a 10-tap filter is mostly the number of operations, not their size. The
    CPU training loop goes further and calls :func:`dense_loss_numpy` itself.
    """
    data = pair if grads is not None and pair is not None else (
        torch.stack([x, grads], dim=1) if grads is not None else x.unsqueeze(1))
    values = _dense_terms_autograd(h, data, levels, mode)
    weights = [1.0] + [penalty_weight] * len(PENALTY_TERMS) + [lam, gamma if grads is not None else 0.0]
    total = values @ values.new_tensor(weights)
    return total, dict(zip(TERMS, torch.cat([values.detach(), total.detach().reshape(1)]).unbind(0)))


def _dense_terms_autograd(h, data, levels, mode):
    """``[reconstruction, five penalties, wavelet L1, attribution L1]`` through autograd (any device)."""
    batch, channels, n = data.shape
    W = analysis_matrix(h, n, levels, mode)
    coeffs = data @ W.T  # signals and gradients at once
    diff = coeffs[:, 0] @ W - data[:, 0]
    rec = ((diff * diff).sum() / batch).reshape(1)
    l1 = coeffs.abs().sum(dim=(0, 2)) / ((levels + 1) * batch)
    penalties = torch.stack(list(validity_penalties(h).values()))
    parts = [rec, penalties.to(rec.dtype), l1] + ([rec.new_zeros(1)] if channels == 1 else [])
    return torch.cat(parts)


class _DensePlan(NamedTuple):
    shapes: tuple  # (k, cur) per level
    columns: np.ndarray  # the basis columns that are not all zero
    taps: np.ndarray  # (L, len(columns)): those columns
    bounds: np.ndarray  # row blocks of W: [cA_J, cD_J, ..., cD_1]
    linear: np.ndarray  # penalty operators, see _penalty_operators
    quadratic: np.ndarray
    offsets: np.ndarray
    segments: np.ndarray


_PLAN_CACHE = ByteBudgetCache(CACHE_BYTES)


def _dense_plan(n: int, filt_len: int, levels: int, mode: str, dtype) -> _DensePlan:
    """Constants of :func:`dense_loss_numpy` for one setting, as numpy arrays (cached).

    Each entry of a level operator is one tap of ``h`` (or a sum of two where a short periodic level
    wraps), so only about a quarter of the basis columns are non-zero; products use only those.
    """
    def build():
        torch_dtype, cpu = (torch.float64 if dtype == np.float64 else torch.float32), torch.device("cpu")
        basis, shapes = _operator_basis(n, filt_len, levels, mode, torch_dtype, cpu)
        basis = basis.numpy()
        columns = np.flatnonzero(np.any(basis != 0, axis=0))
        bounds = np.cumsum([0, shapes[-1][0]] + [k for k, _ in shapes[::-1]])
        penalty = [t.numpy() for t in _penalty_operators(filt_len, torch_dtype, cpu)]
        return _DensePlan(shapes, columns, np.ascontiguousarray(basis[:, columns]), bounds, *penalty,
                          _segment_matrix(filt_len, torch_dtype, cpu).numpy())

    return _PLAN_CACHE.get((n, filt_len, levels, mode, np.dtype(dtype).char), build)


def dense_loss_numpy(h: np.ndarray, data: np.ndarray, weights, levels: int, mode: str
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The AWD loss on a batch, its terms, and its gradient in ``h``, by the dense operator.

    Parameters
    ----------
    h : ndarray (L,)
    data : ndarray (batch, channels, n)
        Channel 0 holds the signals; a second channel, the teacher's input gradients.
    weights : (float, float, float, float)
        Weights of the reconstruction, of each validity penalty, of the wavelet L1 and of the
        attribution L1.
    levels, mode
        Transform settings (the operator must be the exact adjoint: see ``use_dense``).

    Returns
    -------
    values : ndarray (9,)
        The terms in :data:`TERMS` order, ``total`` last (the attribution L1 is 0 with one channel).
    grad : ndarray (L,)
        Gradient of ``total`` in ``h``.

    Notes
    -----
    With ``W`` the stacked analysis operator (rows ``[cA_J, cD_J, ..., cD_1]``), ``C = X Wᵀ`` the
    coefficients and ``E = C W − X`` the reconstruction error:
    ``∂rec/∂W = (2/B)(Cᵀ E + W Eᵀ X)`` and ``∂L1_c/∂W = sign(C_c)ᵀ X_c / ((J+1) B)``.
    ``W`` is a chain of per-level operators ``[A_j; D_j]``, each linear in ``h``; the gradient goes
    back through the chain and ends in one product with the constant basis.
    """
    batch, channels, n = data.shape
    w_rec, w_pen, w_l1 = weights[0], weights[1], np.asarray(weights[2 : 2 + channels], dtype=h.dtype)
    plan = _dense_plan(n, h.shape[0], levels, mode, h.dtype)
    flat_steps = np.zeros(sum(2 * k * cur for k, cur in plan.shapes), dtype=h.dtype)
    flat_steps[plan.columns] = h @ plan.taps
    steps, inputs, approx, details, start = [], [], None, [], 0
    for k, cur in plan.shapes:
        step = flat_steps[start : start + 2 * k * cur].reshape(2 * k, cur)
        start += 2 * k * cur
        steps.append(step)
        inputs.append(approx)
        prod = step if approx is None else step @ approx
        approx = prod[:k]
        details.append(prod[k:])
    W = np.concatenate([approx] + details[::-1])
    flat = data.reshape(batch * channels, n)
    coeffs = flat @ W.T  # rows alternate between channels
    first = coeffs[::channels]
    x = data[:, 0]
    err = first @ W - x
    scale = 1.0 / ((levels + 1) * batch)
    signs = np.sign(coeffs)
    l1 = (signs * coeffs).reshape(batch, channels, -1).sum(axis=(0, 2)) * scale
    rec = np.vdot(err, err) / batch
    # dL/dW: both L1 terms in one product, then the reconstruction's two uses of W.
    signs.reshape(batch, channels, -1)[...] *= (w_l1 * scale)[:, None]
    grad_W = signs.T @ flat
    grad_W += (2.0 * w_rec / batch) * (first.T @ err + W @ (err.T @ x))
    # Back through the chain of level operators.
    b = plan.bounds
    upstream, flats = grad_W[: b[1]], [None] * levels
    for j in range(levels - 1, -1, -1):
        k, cur = plan.shapes[j]
        g = np.concatenate([upstream, grad_W[b[levels - j] : b[levels - j + 1]]])  # d/d[A_j; D_j] P_{j-1}
        if inputs[j] is None:
            flats[j] = g.reshape(-1)
        else:
            flats[j] = (g @ inputs[j].T).reshape(-1)
            upstream = steps[j].T @ g
    grad = plan.taps @ np.concatenate(flats)[plan.columns]
    # Penalties: residuals r = [A h, hᵀ Q_i h] − offsets, with dr/dh = [A; (Q_i + Q_iᵀ) h].
    qh = plan.quadratic @ h
    r = np.concatenate([plan.linear @ h, qh @ h]) - plan.offsets
    penalties = plan.segments @ (r * r)
    if w_pen:
        grad += w_pen * (r @ np.concatenate([plan.linear, qh + h @ plan.quadratic]))  # d(½ Σ r²) = Σ r dr
    l1_full = np.zeros(2, dtype=h.dtype)
    l1_full[:channels] = l1
    total = w_rec * rec + w_pen * penalties.sum() + l1_full @ np.asarray(weights[2:], dtype=h.dtype)
    values = np.concatenate([[rec], penalties, l1_full, [total]])
    return values.astype(h.dtype), grad.astype(h.dtype)
