"""Differentiable, batched 1-D discrete wavelet transform in torch.

Conventions
-----------
``h`` is the lowpass *synthesis* (scaling) filter, i.e. ``pywt.Wavelet(name).rec_lo``;
the highpass synthesis filter is ``g = qmf(h)`` (``rec_hi``), and analysis
uses the reversed filters ``dec_lo = h[::-1]``, ``dec_hi = g[::-1]``. This is
the convention of ``pywt.orthogonal_filter_bank`` and of the AWD paper.

Coefficients are returned in PyWavelets' order ``[cA_J, cD_J, ..., cD_1]``
(coarsest first), each of shape ``(batch, n_j)``.

Analysis is ``conv1d`` (stride 2) of a boundary-extended signal; synthesis is
its transpose (``conv_transpose1d`` followed by the transpose of the boundary
extension). Synthesis is therefore the exact adjoint of analysis for *any*
filter, orthogonal or not, in ``zero`` mode at every length and in
``periodization`` mode when every level's input length is even. In
``periodization`` mode with an odd length, PyWavelets repeats the last sample;
synthesis then crops that sample (the left inverse), as ``pywt.waverec`` does.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["MODES", "qmf", "wavedec", "waverec", "analysis_matrix", "coeff_lengths", "is_adjoint", "max_levels", "as_filter",
           "ByteBudgetCache", "CACHE_BYTES", "DENSE_MAX_LENGTH", "use_dense"]

MODES = ("zero", "periodization")


def as_filter(h, *, dtype=torch.float64, device=None) -> torch.Tensor:
    """Return ``h`` as a 1-D float tensor (numpy arrays and lists are copied)."""
    if isinstance(h, torch.Tensor):
        return h.to(device=device) if device is not None else h
    return torch.as_tensor(np.asarray(h, dtype=float), dtype=dtype, device=device)


def qmf(h: torch.Tensor) -> torch.Tensor:
    """Quadrature mirror of ``h``: ``g[k] = (-1)**k * h[L-1-k]`` (as ``pywt.qmf``)."""
    signs = torch.ones_like(h)
    signs[1::2] = -1.0
    return torch.flip(h, dims=(0,)) * signs


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")


def _dwt_len(n: int, filt_len: int, mode: str) -> int:
    if mode == "zero":
        return (n + filt_len - 1) // 2
    return (n + 1) // 2


def coeff_lengths(n: int, filt_len: int, levels: int, mode: str = "zero") -> list[int]:
    """Lengths of ``[cA_J, cD_J, ..., cD_1]`` for a signal of length ``n``."""
    _check_mode(mode)
    lengths, cur = [], n
    for _ in range(levels):
        cur = _dwt_len(cur, filt_len, mode)
        lengths.append(cur)
    return [lengths[-1]] + lengths[::-1]


def max_levels(n: int) -> int:
    """Deepest decomposition that leaves at least one sample: ``floor(log2(n))``."""
    return int(math.floor(math.log2(n))) if n >= 2 else 0


def is_adjoint(n: int, levels: int, mode: str) -> bool:
    """True when :func:`waverec` is exactly the transpose of :func:`wavedec` at this length."""
    if mode == "zero":
        return True
    cur = n
    for _ in range(levels):
        if cur % 2:
            return False
        cur //= 2
    return True


def _periodic_index(n: int, filt_len: int, device) -> torch.Tensor:
    """Index that extends an even-length signal periodically for one analysis step."""
    left = filt_len // 2 - 1 if filt_len % 2 == 0 else filt_len // 2
    return (torch.arange(n + filt_len - 1, device=device) - left) % n


def _bank(h: torch.Tensor) -> torch.Tensor:
    # conv1d correlates, so correlating with h equals convolving with dec_lo = h[::-1].
    return torch.stack([h, qmf(h)]).unsqueeze(1)  # (2, 1, L)


def _analysis_step(x: torch.Tensor, bank: torch.Tensor, mode: str) -> tuple[torch.Tensor, torch.Tensor]:
    n, filt_len = x.shape[-1], bank.shape[-1]
    if mode == "zero":
        xp = F.pad(x, (filt_len - 2, filt_len - 1))
    else:
        if n % 2:
            x = torch.cat([x, x[..., -1:]], dim=-1)
            n += 1
        idx = _periodic_index(n, filt_len, x.device)
        xp = x[..., idx]
    out = F.conv1d(xp.unsqueeze(1), bank, stride=2)
    k = _dwt_len(n, filt_len, mode)
    return out[:, 0, :k], out[:, 1, :k]


def _synthesis_step(a: torch.Tensor, d: torch.Tensor, bank: torch.Tensor, n: int, mode: str) -> torch.Tensor:
    filt_len = bank.shape[-1]
    k = min(a.shape[-1], d.shape[-1])
    coeffs = torch.stack([a[..., :k], d[..., :k]], dim=1)
    y = F.conv_transpose1d(coeffs, bank, stride=2)[:, 0]
    if mode == "zero":
        padded = n + 2 * filt_len - 3
        y = F.pad(y, (0, max(0, padded - y.shape[-1])))
        return y[..., filt_len - 2 : filt_len - 2 + n]
    n_even = n + (n % 2)
    idx = _periodic_index(n_even, filt_len, y.device)
    y = F.pad(y, (0, max(0, idx.numel() - y.shape[-1])))[..., : idx.numel()]
    out = y.new_zeros(y.shape[:-1] + (n_even,))
    out = out.index_add(-1, idx, y)
    return out[..., :n]


def wavedec(x: torch.Tensor, h: torch.Tensor, levels: int, mode: str = "zero") -> list[torch.Tensor]:
    """Multilevel analysis, equal to ``pywt.wavedec(x, w, mode, level=levels)``.

    Parameters
    ----------
    x : Tensor of shape (batch, n) or (n,)
    h : Tensor of shape (L,)
        Lowpass synthesis filter (``rec_lo``); gradients flow to it.
    levels : int
    mode : {"zero", "periodization"}

    Returns
    -------
    list of Tensor
        ``[cA_J, cD_J, ..., cD_1]``, each ``(batch, n_j)`` (or ``(n_j,)`` for 1-D input).
    """
    _check_mode(mode)
    squeeze = x.dim() == 1
    a = x.unsqueeze(0) if squeeze else x
    h = h.to(dtype=a.dtype, device=a.device)
    bank = _bank(h)
    details = []
    for _ in range(levels):
        a, d = _analysis_step(a, bank, mode)
        details.append(d)
    coeffs = [a] + details[::-1]
    return [c.squeeze(0) for c in coeffs] if squeeze else coeffs


def waverec(coeffs: Sequence[torch.Tensor], h: torch.Tensor, mode: str = "zero", length: int | None = None) -> torch.Tensor:
    """Multilevel synthesis; the transpose of :func:`wavedec` (see module notes).

    Parameters
    ----------
    coeffs : sequence of Tensor
        ``[cA_J, cD_J, ..., cD_1]`` as returned by :func:`wavedec`.
    h : Tensor of shape (L,)
    mode : {"zero", "periodization"}
    length : int, optional
        Length of the original signal. Without it the output has PyWavelets'
        length (``2*len(cD_1) - L + 2`` in zero mode, ``2*len(cD_1)`` in
        periodization), which may be one sample longer than the input.

    Returns
    -------
    Tensor of shape (batch, length) or (length,)
    """
    _check_mode(mode)
    squeeze = coeffs[0].dim() == 1
    cs = [c.unsqueeze(0) for c in coeffs] if squeeze else list(coeffs)
    h = h.to(dtype=cs[0].dtype, device=cs[0].device)
    bank = _bank(h)
    filt_len = h.shape[0]
    a = cs[0]
    details = cs[1:]
    for j, d in enumerate(details):
        if j + 1 < len(details):
            n = details[j + 1].shape[-1]
        elif length is not None:
            n = length
        else:
            n = 2 * d.shape[-1] - filt_len + 2 if mode == "zero" else 2 * d.shape[-1]
        a = _synthesis_step(a, d, bank, n, mode)
    return a.squeeze(0) if squeeze else a


class ByteBudgetCache:
    """A least-recently-used cache of tensors that holds at most ``max_bytes`` in total.

    The dense transform operators grow as O(L·n²) per level (408 MB at
    n = 2048 unbounded), so they are evicted oldest-first past the budget; an
    entry larger than the whole budget is computed but not kept.
    """

    def __init__(self, max_bytes: int):
        from collections import OrderedDict

        self.max_bytes = int(max_bytes)
        self._items: "OrderedDict" = OrderedDict()
        self._sizes: dict = {}

    @staticmethod
    def _nbytes(value) -> int:
        if isinstance(value, torch.Tensor):
            return value.element_size() * value.numel()
        if isinstance(value, np.ndarray):
            return value.nbytes
        if isinstance(value, (tuple, list)):
            return sum(ByteBudgetCache._nbytes(v) for v in value)
        return 0

    @property
    def nbytes(self) -> int:
        return sum(self._sizes.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key) -> bool:
        return key in self._items

    def get(self, key, build):
        """The value under ``key``, built with ``build()`` and stored when missing."""
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = build()
        size = self._nbytes(value)
        if size <= self.max_bytes:
            self._items[key] = value
            self._sizes[key] = size
            while self.nbytes > self.max_bytes:
                old, _ = self._items.popitem(last=False)
                del self._sizes[old]
        return value

    def clear(self) -> None:
        self._items.clear()
        self._sizes.clear()


CACHE_BYTES = 64 * 2**20  # per cache; a 64-sample, 4-level operator needs about 0.2 MB
DENSE_MAX_LENGTH = 512  # longer signals use the convolution path (the dense operator is O(L·n²))

_BASIS_CACHE = ByteBudgetCache(CACHE_BYTES)


def _level_basis(n: int, filt_len: int, mode: str, dtype, device) -> torch.Tensor:
    """Constant tensor ``E`` (L, K, n) with one analysis step = ``einsum('j,jkm->km', f, E)`` for filter ``f``."""
    def build():
        eye = torch.eye(n, dtype=dtype, device=device)
        units = torch.eye(filt_len, dtype=dtype, device=device)
        rows = []
        for j in range(filt_len):
            bank = torch.stack([units[j], units[j]]).unsqueeze(1)
            lo, _ = _analysis_step(eye, bank, mode)  # (n, K): column m is the response to x = e_m
            rows.append(lo.T)
        return torch.stack(rows)

    return _BASIS_CACHE.get((n, filt_len, mode, dtype, str(device)), build)


_OPERATOR_CACHE = ByteBudgetCache(CACHE_BYTES)


def _operator_basis(n: int, filt_len: int, levels: int, mode: str, dtype, device):
    """Constant ``B`` (L, S) and per-level shapes with ``h @ B`` = every level's lowpass and highpass step.

    The highpass half folds in ``qmf`` (a signed reversal of ``h``), so one
    vector-matrix product yields all 2·J single-level operators of a filter.
    """
    return _OPERATOR_CACHE.get((n, filt_len, levels, mode, dtype, str(device)),
                               lambda: _build_operator_basis(n, filt_len, levels, mode, dtype, device))


def _build_operator_basis(n, filt_len, levels, mode, dtype, device):
    signs = torch.tensor([(-1.0) ** k for k in range(filt_len)], dtype=dtype, device=device)
    # g[k] = (-1)^k h[L-1-k], so tap k of g reads tap L-1-k of h with sign (-1)^k.
    flip = torch.flip(torch.diag(signs), dims=(1,)).T  # (L, L): g = h @ flip
    blocks, shapes, cur = [], [], n
    for _ in range(levels):
        basis = _level_basis(cur, filt_len, mode, dtype, device)  # (L, K, cur)
        k = basis.shape[1]
        lo = basis.reshape(filt_len, -1)
        hi = flip @ lo
        blocks.append(torch.stack([lo, hi], dim=1).reshape(filt_len, -1))  # (L, 2·K·cur)
        shapes.append((k, cur))
        cur = k
    return torch.cat(blocks, dim=1), tuple(shapes)


def use_dense(n: int, levels: int, mode: str) -> bool:
    """True when a training step should use the dense operator: exact adjoint, and short signals."""
    return n <= DENSE_MAX_LENGTH and is_adjoint(n, levels, mode)


def analysis_matrix(h: torch.Tensor, n: int, levels: int, mode: str = "zero") -> torch.Tensor:
    """Dense matrix ``W`` of :func:`wavedec`: ``torch.cat(wavedec(x), -1) == x @ W.T``.

    Rows follow the order ``[cA_J, cD_J, ..., cD_1]``. Built from a cached
    constant basis with one vector-matrix product and J − 1 small matrix
    products, so a training step on short signals costs a few matrix products.
    When :func:`is_adjoint` holds, synthesis is ``coeffs @ W``.
    """
    _check_mode(mode)
    basis, shapes = _operator_basis(n, h.shape[0], levels, mode, h.dtype, h.device)
    # split and unbind, not slicing: their backward is one concatenation, not a zero-filled copy per slice.
    chunks = torch.split(h @ basis, [2 * k * cur for k, cur in shapes])
    approx, details = None, []
    for chunk, (k, cur) in zip(chunks, shapes):
        step = chunk.reshape(2, k, cur)
        if approx is not None:
            step = step @ approx
        approx, detail = step.unbind(0)
        details.append(detail)
    return torch.cat([approx] + details[::-1], dim=0)
