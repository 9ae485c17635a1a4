"""Filters: PyWavelets filter banks, the orthogonal lattice, and validity checks.

The validity report is computed with numpy and PyWavelets only, independently
of the torch transform that learned the filter, so it is an outside check.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import numpy as np
import pywt
import torch

from core.errors import InputError

__all__ = [
    "Validity", "validity_report", "filter_bank", "make_wavelet", "initial_filter",
    "lattice_filter", "lattice_angles", "psi_distance", "orthogonal_wavelet_names", "wavefun",
]

SQRT2 = math.sqrt(2.0)


def orthogonal_wavelet_names() -> list[str]:
    """Names of PyWavelets' orthogonal discrete wavelets (db, sym, coif, haar)."""
    return [n for f in ("haar", "db", "sym", "coif") for n in pywt.wavelist(f, kind="discrete")]


def initial_filter(name: str) -> np.ndarray:
    """Return the lowpass synthesis filter ``rec_lo`` of an orthogonal PyWavelets wavelet.

    Raises
    ------
    InputError
        If ``name`` is not a discrete wavelet, or is not orthogonal.
    """
    key = str(name).strip().lower()
    if key not in pywt.wavelist(kind="discrete"):
        close = [n for n in orthogonal_wavelet_names() if n.startswith(key[:2])][:6] or ["db5", "sym5", "coif2"]
        raise InputError(
            f"'{name}' is not a wavelet PyWavelets knows.",
            f"Use an orthogonal wavelet name such as {', '.join(close)} (see pywt.wavelist(kind='discrete')).",
            field="wavelet",
        )
    w = pywt.Wavelet(key)
    if not w.orthogonal:
        raise InputError(
            f"'{name}' is biorthogonal, but AWD starts from an orthogonal wavelet.",
            "Choose an orthogonal family: dbN (N ≥ 2), symN or coifN, for example db5 "
            "(haar works only with --parametrization penalty).",
            field="wavelet",
        )
    return np.asarray(w.rec_lo, dtype=float)


def filter_bank(h) -> tuple[list[float], list[float], list[float], list[float]]:
    """``(dec_lo, dec_hi, rec_lo, rec_hi)`` for lowpass synthesis filter ``h``.

    The tuple is accepted by ``pywt.Wavelet(name, filter_bank=...)``.
    """
    rec_lo = np.asarray(h, dtype=float)
    rec_hi = np.asarray(pywt.qmf(rec_lo), dtype=float)
    return (rec_lo[::-1].tolist(), rec_hi[::-1].tolist(), rec_lo.tolist(), rec_hi.tolist())


def make_wavelet(h, name: str = "distilled", validity: "Validity | None" = None) -> pywt.Wavelet:
    """A ``pywt.Wavelet`` built from the filter bank of ``h``.

    PyWavelets' ``orthogonal`` flag is a label, not a check, so it is set only
    when ``validity`` (computed here when not given) passes every check.
    """
    w = pywt.Wavelet(name, filter_bank=filter_bank(h))
    report = validity if validity is not None else validity_report(h)
    w.orthogonal = bool(report.valid)
    return w


def wavefun(h, level: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(phi, psi, x)`` of the synthesis filters of ``h``, valid wavelet or not.

    PyWavelets returns three arrays for a wavelet flagged orthogonal and five
    (decomposition then reconstruction functions) otherwise; the reconstruction
    pair is the one of ``rec_lo = h``, which equals the orthogonal pair when valid.
    """
    w = pywt.Wavelet("wavefun", filter_bank=filter_bank(h))
    out = w.wavefun(level=level)
    phi, psi, x = (out[2], out[3], out[4]) if len(out) == 5 else out
    return np.asarray(phi, dtype=float), np.asarray(psi, dtype=float), np.asarray(x, dtype=float)


@dataclass(frozen=True)
class Validity:
    """How far a filter is from a valid orthogonal wavelet; every number is a residual.

    Attributes
    ----------
    orthogonality : float
        ``max_k |sum_m h[m] h[m+2k] - delta_k|`` (even-shift orthonormality).
    lowpass_sum : float
        ``|sum(h) - sqrt(2)|``.
    highpass_sum : float
        ``|sum(g)|`` with ``g = qmf(h)``.
    norm : float
        ``|‖h‖₂ - 1|``.
    cmf : float
        ``max_w | |H(w)|² + |H(w+pi)|² - 2 |`` on a grid of 2048 frequencies.
    pr_error : float
        Max abs error of ``pywt.waverec(pywt.wavedec(x))`` on random signals,
        relative to max |x|.
    vanishing_moments : int
        Number of leading moments ``sum_n n^k g[n]`` that vanish (relative tolerance 1e-4).
    tolerance : float
        Threshold under which a residual counts as passed.
    """

    orthogonality: float
    lowpass_sum: float
    highpass_sum: float
    norm: float
    cmf: float
    pr_error: float
    vanishing_moments: int
    tolerance: float = 1e-3

    def checks(self) -> list[dict]:
        """One row per check: ``name``, ``label``, ``value``, ``passed``, ``meaning`` (for badges)."""
        rows = [
            ("orthogonality", "Orthogonal", "shifted copies of the filter are orthonormal"),
            ("lowpass_sum", "Lowpass sum √2", "the scaling filter keeps the signal's average"),
            ("highpass_sum", "Highpass sum 0", "the wavelet filter ignores constant signals"),
            ("norm", "Unit norm", "the filter has energy one"),
            ("cmf", "Power complementary", "lowpass and highpass together keep every frequency's energy"),
            ("pr_error", "Perfect reconstruction", "the signal is rebuilt exactly from its coefficients"),
        ]
        out = [dict(name=k, label=lab, value=float(getattr(self, k)), passed=bool(getattr(self, k) <= self.tolerance),
                    meaning=m) for k, lab, m in rows]
        out.append(dict(name="vanishing_moments", label="Vanishing moments", value=float(self.vanishing_moments),
                        passed=self.vanishing_moments >= 1,
                        meaning="polynomials of degree below this number give zero detail coefficients"))
        return out

    @property
    def valid(self) -> bool:
        """True when every residual is below ``tolerance``."""
        return all(c["passed"] for c in self.checks())

    def to_dict(self) -> dict:
        return {k: (int(v) if k == "vanishing_moments" else float(v)) for k, v in asdict(self).items()}


def validity_report(h, *, levels: int = 3, mode: str = "zero", tolerance: float = 1e-3, seed: int = 0) -> Validity:
    """Check a lowpass filter with numpy and PyWavelets alone.

    Parameters
    ----------
    h : array-like of shape (L,)
        Lowpass synthesis filter (``rec_lo``); the checks are the same for ``dec_lo``.
    levels, mode
        Used for the perfect-reconstruction check.
    tolerance : float
        Pass threshold stored in the record.
    seed : int
        Seed of the random test signals.

    Returns
    -------
    Validity
    """
    h = np.asarray(h, dtype=float)
    g = np.asarray(pywt.qmf(h), dtype=float)
    n = h.size
    auto = np.correlate(h, h, mode="full")  # index n-1 is lag 0
    lags = np.arange(-(n - 1), n)
    even = lags % 2 == 0
    delta = (lags == 0).astype(float)
    orthogonality = float(np.max(np.abs(auto[even] - delta[even])))
    w = np.linspace(0, np.pi, 2048, endpoint=False)
    k = np.arange(n)
    H = np.exp(-1j * np.outer(w, k)) @ h
    Hpi = np.exp(-1j * np.outer(w + np.pi, k)) @ h
    cmf = float(np.max(np.abs(np.abs(H) ** 2 + np.abs(Hpi) ** 2 - 2.0)))
    wavelet = pywt.Wavelet("check", filter_bank=filter_bank(h))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(4, 256))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pywt warns when levels exceed its boundary-free depth
        rec = pywt.waverec(pywt.wavedec(x, wavelet, mode=mode, level=levels), wavelet, mode=mode)[:, : x.shape[1]]
    pr_error = float(np.max(np.abs(rec - x)) / np.max(np.abs(x)))
    idx = np.arange(n, dtype=float) - (n - 1) / 2.0  # centred, so moments are well scaled
    moments = 0
    for p in range(n // 2 + 1):
        terms = idx**p * g
        if abs(terms.sum()) <= 1e-4 * max(np.abs(terms).sum(), 1e-300):
            moments += 1
        else:
            break
    return Validity(
        orthogonality=orthogonality,
        lowpass_sum=float(abs(h.sum() - SQRT2)),
        highpass_sum=float(abs(g.sum())),
        norm=float(abs(np.linalg.norm(h) - 1.0)),
        cmf=cmf,
        pr_error=pr_error,
        vanishing_moments=moments,
        tolerance=tolerance,
    )


# --- Orthogonal lattice ---------------------------------------------------
# The polyphase matrix P(z) = R(t_K) D(z) R(t_{K-1}) ... D(z) R(t_1), with
# rotations R and delays D(z) = diag(1, z^-1), is paraunitary for any angles,
# so its lowpass row is an orthonormal filter of length 2K. At z = 1 the product
# is R(sum t), so sum(h) = cos(sum t) + sin(sum t) = sqrt(2) exactly when
# sum t = pi/4; the last angle is set to make that hold.


def _lattice_polyphase(c: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """Polyphase matrix of shape (2, 2, K) for rotations with cosines ``c`` and sines ``s`` (length K)."""
    k = c.shape[0]
    poly = torch.zeros(2, 2, k, dtype=c.dtype, device=c.device)
    poly = poly.index_put((torch.tensor([0, 0, 1, 1]), torch.tensor([0, 1, 0, 1]), torch.tensor([0, 0, 0, 0])),
                          torch.stack([c[0], -s[0], s[0], c[0]]))
    for j in range(1, k):
        delayed = torch.stack([poly[0], torch.roll(poly[1], 1, dims=-1)])  # D(z) P
        rot = torch.stack([torch.stack([c[j], -s[j]]), torch.stack([s[j], c[j]])])
        poly = torch.einsum("ab,bcn->acn", rot, delayed)
    return poly


def _first_row(poly: torch.Tensor) -> torch.Tensor:
    # The first row, read out with its polyphase components interleaved.
    even, odd = poly[0, 0], -poly[0, 1]
    return torch.stack([even, odd], dim=-1).reshape(-1)


_LATTICE_BASIS: dict = {}


def _lattice_basis(k: int, dtype, device) -> torch.Tensor:
    """Constant ``A`` (2K, 2**K) with ``filter = A @ kron([c_1, s_1], ..., [c_K, s_K])``.

    Every polyphase entry is a product of one entry of each rotation, so each
    tap is linear in every pair (c_j, s_j): its coefficients are read off by
    setting each pair to (1, 0) or (0, 1).
    """
    key = (k, dtype, str(device))
    if key not in _LATTICE_BASIS:
        cols = []
        for pattern in range(2**k):
            bits = torch.tensor([(pattern >> (k - 1 - j)) & 1 for j in range(k)], dtype=torch.float64)
            cols.append(_first_row(_lattice_polyphase(1.0 - bits, bits)))
        _LATTICE_BASIS[key] = torch.stack(cols, dim=1).to(dtype=dtype, device=device)
    return _LATTICE_BASIS[key]


def lattice_filter(free_angles: torch.Tensor) -> torch.Tensor:
    """Orthonormal lowpass filter of length ``2 * (len(free_angles) + 1)`` with sum sqrt(2).

    Parameters
    ----------
    free_angles : Tensor of shape (K-1,)
        The last rotation angle is ``pi/4 - sum(free_angles)``.

    Returns
    -------
    Tensor of shape (2K,)
        ``h[2n] = P00[n]``, ``h[2n+1] = -P01[n]``: orthonormal under even shifts for any angles.
        Computed as one product with a constant matrix (:func:`_lattice_basis`): a
        training step rebuilds the filter, and a few large operations cost less than
        a loop of small ones.
    """
    last = math.pi / 4 - free_angles.sum()
    angles = torch.cat([free_angles, last.reshape(1)])
    pairs = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)  # (K, 2)
    monomials = pairs[0]
    for j in range(1, pairs.shape[0]):
        monomials = (monomials[:, None] * pairs[j][None, :]).reshape(-1)
    return _lattice_basis(pairs.shape[0], angles.dtype, angles.device) @ monomials


def lattice_filter_numpy(free_angles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`lattice_filter` in numpy (float64), with its Jacobian in the free angles.

    Returns
    -------
    h : ndarray (2K,)
    jacobian : ndarray (2K, K-1)
        ``∂h/∂free_angles``; the last angle, ``pi/4 - sum(free_angles)``, moves against each of them.
    """
    angles = np.append(free_angles, math.pi / 4 - np.sum(free_angles))
    k = len(angles)
    pairs = np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (K, 2)
    rows = np.repeat(pairs[None], k + 1, axis=0)  # row 0: the filter; row 1 + j: its derivative in angle j
    rows[np.arange(1, k + 1), np.arange(k)] = np.stack([-pairs[:, 1], pairs[:, 0]], axis=1)
    monomials = rows[:, 0]
    for j in range(1, k):
        monomials = (monomials[:, :, None] * rows[:, j, None, :]).reshape(k + 1, -1)
    basis = _lattice_basis(k, torch.float64, torch.device("cpu")).numpy()
    values = basis @ monomials.T  # column 0: h; column 1 + j: dh/dangle_j
    return values[:, 0], values[:, 1:-1] - values[:, -1:]


def _lattice_filter_loop(free_angles: torch.Tensor) -> torch.Tensor:
    """The polyphase loop :func:`lattice_filter` replaces (kept to check it in the tests)."""
    last = math.pi / 4 - free_angles.sum()
    angles = torch.cat([free_angles, last.reshape(1)])
    return _first_row(_lattice_polyphase(torch.cos(angles), torch.sin(angles)))


_ANGLE_CACHE: dict = {}
_ANGLE_CACHE_SIZE = 256


def lattice_angles(h, *, steps: int = 400, seed: int = 0) -> tuple[np.ndarray, float]:
    """Free lattice angles whose filter is closest to ``h`` (L-BFGS, float64).

    Results are cached per filter, so refitting from the same wavelet (the
    γ = 0 ablation, sweeps) skips the search.

    Returns
    -------
    angles : ndarray of shape (L/2 - 1,)
    error : float
        Max abs difference between ``lattice_filter(angles)`` and ``h``.
    """
    key = (np.asarray(h, dtype=float).tobytes(), steps, seed)
    if key in _ANGLE_CACHE:
        _ANGLE_CACHE[key] = _ANGLE_CACHE.pop(key)  # most recently used last
    else:
        _ANGLE_CACHE[key] = _search_angles(np.asarray(h, dtype=float), steps, seed)
        while len(_ANGLE_CACHE) > _ANGLE_CACHE_SIZE:  # warm-started sweeps bring a new filter per fit
            _ANGLE_CACHE.pop(next(iter(_ANGLE_CACHE)))
    angles, err = _ANGLE_CACHE[key]
    return angles.copy(), err


def _search_angles(h: np.ndarray, steps: int, seed: int) -> tuple[np.ndarray, float]:
    target = torch.as_tensor(h)
    if target.numel() % 2:
        raise InputError("The lattice needs a filter of even length.", "Start from an orthogonal wavelet such as db5.",
                         field="parametrization")
    k = target.numel() // 2
    gen = torch.Generator().manual_seed(seed)
    best, best_err = None, math.inf
    for attempt in range(6):
        init = torch.rand(k - 1, generator=gen, dtype=torch.float64) * 2 * math.pi - math.pi
        theta = init.clone().requires_grad_(True)
        opt = torch.optim.LBFGS([theta], lr=1, max_iter=steps, tolerance_grad=1e-14, tolerance_change=1e-16,
                                line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = ((lattice_filter(theta) - target) ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        with torch.no_grad():
            err = float((lattice_filter(theta) - target).abs().max())
        if err < best_err:
            best, best_err = theta.detach().clone(), err
        if best_err < 1e-10:
            break
    return best.numpy(), best_err


def psi_distance(h1, h2, *, level: int = 5, normalize: bool = True) -> float:
    """Smallest L2 distance between two wavelet functions psi over circular shifts and time reversal.

    The shift and flip set of the AWD simulation's metric: psi of each filter is
    sampled with ``wavefun(level)``, the shorter one zero-padded to the other's
    length, and every circular shift of psi1 and of psi1 reversed in time is
    compared with psi2.

    Parameters
    ----------
    normalize : bool
        True: both psi are first scaled to unit L2 norm, so the distance measures
        shape only and lies in [0, 2]. False: the reference's metric on the raw
        samples (sym5 to db5 is 1.28; for orthonormal filters it is the
        normalised value times about √(2**level)).
    """
    def psi(h):
        p = wavefun(h, level)[1]
        return p / (np.linalg.norm(p) or 1.0) if normalize else p

    a, b = psi(h1), psi(h2)
    n = max(a.size, b.size)
    a, b = np.pad(a, (0, n - a.size)), np.pad(b, (0, n - b.size))
    # ‖roll(c, k) - b‖² = ‖c‖² + ‖b‖² - 2 <roll(c, k), b>; all circular shifts at once by FFT.
    fb = np.conj(np.fft.rfft(b))
    best = max(float(np.max(np.fft.irfft(np.fft.rfft(c) * fb, n))) for c in (a, a[::-1]))
    return float(math.sqrt(max(0.0, float(a @ a) + float(b @ b) - 2.0 * best)))
