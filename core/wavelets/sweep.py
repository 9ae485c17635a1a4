"""A (λ, γ) sweep with warm starts along γ and cross-validated selection."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.progress import no_progress
from core.wavelets.distiller import AdaptiveWaveletDistiller, teacher_gradients
from core.wavelets.downstream import coefficients, cv_score, top_k_features
from core.wavelets.filters import psi_distance
from core.wavelets.threads import torch_threads

__all__ = ["SweepPoint", "SweepResult", "sweep"]


@dataclass(frozen=True, eq=False)
class SweepPoint:
    """One fitted (λ, γ): its CV score, validity and distance to reference wavelets."""

    lam: float
    gamma: float
    cv_score: float
    orthogonality: float
    final_loss: float
    distance_to_init: float
    distance_to_reference: float | None
    filter: np.ndarray

    def to_dict(self) -> dict:
        return dict(lam=self.lam, gamma=self.gamma, cv_score=self.cv_score, orthogonality=self.orthogonality,
                    final_loss=self.final_loss, distance_to_init=self.distance_to_init,
                    distance_to_reference=self.distance_to_reference, filter=self.filter.tolist())


@dataclass(frozen=True, eq=False)
class SweepResult:
    """All points of a sweep and the selected one.

    Attributes
    ----------
    points : tuple of SweepPoint
        In fitting order: for each λ, γ increasing (each warm-started from the previous).
    best : SweepPoint
        Highest cross-validated downstream score.
    metric : str
    folds : int
    reference : str or None
        Wavelet whose ψ distance is reported (e.g. the simulation's true db5).
    """

    points: tuple
    best: SweepPoint
    metric: str
    folds: int
    reference: str | None

    def to_dict(self) -> dict:
        return dict(points=[p.to_dict() for p in self.points], best=self.best.to_dict(), metric=self.metric,
                    folds=self.folds, reference=self.reference)


def sweep(X, y, teacher, *, task: str, lams, gammas, wavelet="db5", levels=4, mode="zero", epochs=20, lr=1e-3,
          batch_size=100, parametrization="penalty", top_k=6, folds=3, reference: str | None = None,
          random_state=0, threads=1, progress=None) -> SweepResult:
    """Fit AWD over a (λ, γ) grid and pick the setting with the best CV score of the downstream model.

    For each λ the γ values are visited in increasing order, each fit starting
    from the previous filter (continuation along γ, as in the reference runs).
    Teacher input gradients are computed once. The downstream model reads the
    paper's features (top-k signed coefficients per level). Torch runs with
    ``threads`` intra-op threads (None: as set by the caller, restored after).
    """
    with torch_threads(threads):
        return _sweep(X, y, teacher, task=task, lams=lams, gammas=gammas, wavelet=wavelet, levels=levels, mode=mode,
                      epochs=epochs, lr=lr, batch_size=batch_size, parametrization=parametrization, top_k=top_k,
                      folds=folds, reference=reference, random_state=random_state, progress=progress or no_progress)


def _sweep(X, y, teacher, *, task, lams, gammas, wavelet, levels, mode, epochs, lr, batch_size, parametrization,
           top_k, folds, reference, random_state, progress) -> SweepResult:
    from core.wavelets.filters import initial_filter

    X = np.asarray(X, dtype=float)
    grads = teacher_gradients(teacher, X)
    lams, gammas = sorted(float(v) for v in lams), sorted(float(v) for v in gammas)
    init = initial_filter(wavelet)
    ref = initial_filter(reference) if reference else None
    points, total, done = [], len(lams) * len(gammas), 0
    for lam in lams:
        est = AdaptiveWaveletDistiller(wavelet=wavelet, levels=levels, mode=mode, lam=lam, gamma=gammas[0],
                                       epochs=epochs, lr=lr, batch_size=batch_size, parametrization=parametrization,
                                       warm_start=True, random_state=random_state, threads=None)
        for gamma in gammas:
            est.set_params(gamma=gamma)
            est.fit(X, teacher, input_gradients=grads)
            feats = top_k_features(coefficients(X, est.filter_, levels, mode), top_k)
            point = SweepPoint(
                lam=lam, gamma=gamma, cv_score=cv_score(feats, y, task, folds, random_state),
                orthogonality=est.validity_.orthogonality, final_loss=float(est.loss_history_["total"][-1]),
                distance_to_init=psi_distance(est.filter_, init),
                distance_to_reference=psi_distance(est.filter_, ref) if ref is not None else None,
                filter=est.filter_.copy())
            points.append(point)
            done += 1
            progress(done / total, f"λ={lam:g}, γ={gamma:g}: CV score {point.cv_score:.3f}", point=point.to_dict())
    best = max(points, key=lambda p: p.cv_score)
    return SweepResult(points=tuple(points), best=best, metric="r2" if task == "regression" else "accuracy",
                       folds=folds, reference=reference)
