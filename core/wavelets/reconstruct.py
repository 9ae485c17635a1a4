"""What the network looks at: one signal rebuilt from its most attributed coefficients."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.errors import InputError
from core.wavelets.distiller import teacher_gradients
from core.wavelets.downstream import level_names
from core.wavelets.objective import attributions_precomputed
from core.wavelets.transform import wavedec, waverec

__all__ = ["Reconstruction", "reconstruct_sample", "result_reconstruction", "SCOPES", "DEFAULT_SCOPE"]

# "overall" keeps the k most attributed coefficients of the whole signal, so the
# distilled signal holds only what the network reads; "level" keeps k at every
# level, which always includes the approximation and looks like a smoothed copy.
SCOPES = ("overall", "level")
DEFAULT_SCOPE = "overall"


@dataclass(frozen=True, eq=False)
class Reconstruction:
    """One signal, its reconstructions, and its coefficients and attributions per level.

    Attributes
    ----------
    index : int
        Row of the signal in the dataset.
    signal, reconstruction, distilled : ndarray (length,)
        The original; the signal rebuilt from all coefficients; the signal rebuilt
        from only the ``top_k`` most attributed coefficients (overall or per level, see ``scope``).
    coefficients, attributions : tuple of ndarray
        ``[cA_J, cD_J, ..., cD_1]`` of the signal, and TRIM attributions of the
        teacher on them (same shapes).
    kept : tuple of ndarray of bool
        Which coefficients the distilled signal keeps.
    level_names : tuple of str
    top_k : int
    teacher_output, teacher_output_distilled : float or None
        Teacher output on the signal and on the distilled signal; None when
        the teacher has no ``decision_function`` (shown as "not available").
    scope : {"overall", "level"}
        Whether ``top_k`` counts over all coefficients or at each level.
    feature_positions : tuple of tuple of int
        Positions per level the downstream linear model reads (empty when not known).
    """

    index: int
    signal: np.ndarray
    reconstruction: np.ndarray
    distilled: np.ndarray
    coefficients: tuple
    attributions: tuple
    kept: tuple
    level_names: tuple
    top_k: int
    teacher_output: float | None
    teacher_output_distilled: float | None
    scope: str = "level"
    feature_positions: tuple = ()

    @property
    def n_kept(self) -> int:
        return int(sum(int(k.sum()) for k in self.kept))

    @property
    def outputs_available(self) -> bool:
        return self.teacher_output is not None and self.teacher_output_distilled is not None

    def output_text(self, which: str = "original") -> str:
        """The teacher's answer on the original (or ``"distilled"``) signal, or "not available"."""
        value = self.teacher_output if which == "original" else self.teacher_output_distilled
        return "not available" if value is None else f"{value:.3g}"

    def to_dict(self) -> dict:
        return dict(index=self.index, signal=self.signal.tolist(), reconstruction=self.reconstruction.tolist(),
                    distilled=self.distilled.tolist(), coefficients=[c.tolist() for c in self.coefficients],
                    attributions=[a.tolist() for a in self.attributions], kept=[k.tolist() for k in self.kept],
                    level_names=list(self.level_names), top_k=self.top_k, teacher_output=self.teacher_output,
                    teacher_output_distilled=self.teacher_output_distilled, scope=self.scope,
                    feature_positions=[list(p) for p in self.feature_positions])


def _keep_mask(attrs: list, top_k: int, scope: str) -> list:
    """Boolean masks of the ``top_k`` largest |attribution| per level, or over all levels together."""
    if scope == "level":
        kept = []
        for a in attrs:
            order = torch.argsort(a.abs(), dim=1, descending=True)[:, :top_k]
            kept.append(torch.zeros_like(a, dtype=torch.bool).scatter(1, order, True))
        return kept
    flat = torch.cat([a.abs() for a in attrs], dim=1)
    order = torch.argsort(flat, dim=1, descending=True)[:, :top_k]
    mask = torch.zeros_like(flat, dtype=torch.bool).scatter(1, order, True)
    return list(torch.split(mask, [a.shape[1] for a in attrs], dim=1))


def reconstruct_sample(signal, h, teacher, *, levels: int, mode: str = "zero", top_k: int = 6,
                       index: int = 0, scope: str = "level", feature_positions=()) -> Reconstruction:
    """Rebuild one signal from all its coefficients and from its top-k attributed ones.

    Parameters
    ----------
    signal : array (length,)
    h : array (L,)
        Lowpass synthesis filter (e.g. ``result.filter``).
    teacher : TeacherNet or callable
    levels, mode : transform settings
    top_k : int
        Coefficients kept, by largest |attribution|.
    index : int
        Stored in the record for display.
    scope : {"level", "overall"}
        Keep ``top_k`` at every level, or the ``top_k`` most attributed of all coefficients.
    feature_positions : tuple of tuple of int, optional
        Positions the downstream model reads, stored for display.
    """
    if scope not in SCOPES:
        raise InputError(f"Unknown top-k scope '{scope}'.", f"Use one of {', '.join(SCOPES)}.", field="scope")
    x = np.asarray(signal, dtype=float).reshape(1, -1)
    ht = torch.as_tensor(np.asarray(h, dtype=float))
    g = torch.as_tensor(teacher_gradients(teacher, x).astype(float))
    with torch.no_grad():
        coeffs = wavedec(torch.as_tensor(x), ht, levels, mode)
        attrs = attributions_precomputed(ht, g, levels, mode)
        kept = _keep_mask(attrs, top_k, scope)
        full = waverec(coeffs, ht, mode, length=x.shape[1])
        distilled = waverec([c * k for c, k in zip(coeffs, kept)], ht, mode, length=x.shape[1])
    # A plain torch callable has no decision_function: its answers are unknown, not 0.
    out = teacher.decision_function(np.vstack([x, distilled.numpy()])) if hasattr(teacher, "decision_function") \
        else (None, None)
    return Reconstruction(
        index=int(index), signal=x[0], reconstruction=full.numpy()[0], distilled=distilled.numpy()[0],
        coefficients=tuple(c.numpy()[0] for c in coeffs), attributions=tuple(a.detach().numpy()[0] for a in attrs),
        kept=tuple(k.numpy()[0] for k in kept), level_names=tuple(level_names(levels)), top_k=int(top_k),
        teacher_output=None if out[0] is None else float(out[0]),
        teacher_output_distilled=None if out[1] is None else float(out[1]), scope=scope,
        feature_positions=tuple(tuple(int(i) for i in p) for p in feature_positions))


def result_reconstruction(result, signal, teacher, *, index: int, top_k: int | None = None,
                          scope: str = DEFAULT_SCOPE) -> Reconstruction:
    """One signal rebuilt with a distillation's wavelet: the report and the Explore page both call this.

    Parameters
    ----------
    result : WaveletResult
    signal : array (length,)
    teacher : TeacherNet
        ``TrainedTeacher.model``.
    index : int
        Row of the signal in the dataset.
    top_k : int, optional
        Coefficients kept (``result.settings.top_k`` when omitted).
    scope : {"overall", "level"}
    """
    s = result.settings
    return reconstruct_sample(signal, result.filter, teacher, levels=s.levels, mode=s.mode,
                              top_k=s.top_k if top_k is None else int(top_k), index=index, scope=scope,
                              feature_positions=result.feature_positions)
