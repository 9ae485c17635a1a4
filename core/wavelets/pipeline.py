"""The wavelet workflow in two steps: train a teacher, then distil it.

The app runs the steps separately (a teacher is trained once and distilled
many times); the command line runs both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from core.errors import InputError
from core.params import check_fields
from core.progress import no_progress, scaled
from core.wavelets.datasets import SignalDataset
from core.wavelets.settings import WaveletSettings
from core.wavelets.distiller import AdaptiveWaveletDistiller, teacher_gradients
from core.wavelets.downstream import (DownstreamResult, coefficients, evaluate_downstream, feature_names, level_names,
                                      linear_baseline, top_k_features)
from core.wavelets.filters import Validity, filter_bank, initial_filter, psi_distance, validity_report
from core.wavelets.threads import torch_threads
from core.wavelets.teachers import TeacherNet
from core.wavelets.transform import coeff_lengths, max_levels

__all__ = ["WaveletSettings", "TrainedTeacher", "WaveletResult", "train_teacher", "distill", "make_distiller", "SCHEMA"]

SCHEMA = "wavelet-metrics/1"


@dataclass(frozen=True, eq=False)
class TrainedTeacher:
    """A fitted teacher with its train/test split.

    Attributes
    ----------
    model : TeacherNet
        Frozen, eval mode.
    kind, task, metric : str
    test_score : float
        R² or accuracy on the held-out signals.
    train_index, test_index : ndarray of int
    history : tuple of dict
        Per epoch ``epoch``, ``train_loss``, ``val_loss``.
    seconds : float
    baseline : float or None
        Held-out score of the linear baseline on the raw signals (ridge with CV
        penalty, or logistic regression), same split and metric.
    """

    model: TeacherNet
    kind: str
    task: str
    metric: str
    test_score: float
    train_index: np.ndarray
    test_index: np.ndarray
    history: tuple
    seconds: float
    baseline: float | None = None

    def to_dict(self) -> dict:
        return dict(kind=self.kind, task=self.task, metric=self.metric, test_score=self.test_score,
                    n_train=int(len(self.train_index)), n_test=int(len(self.test_index)),
                    history=list(self.history), seconds=self.seconds, best_epoch=int(self.model.best_epoch_),
                    baseline=self.baseline)

    @property
    def below_baseline(self) -> bool:
        """True when the teacher scores below the linear model on raw signals (see ``verdicts``)."""
        from core.wavelets.verdicts import BASELINE_MARGIN

        return self.baseline is not None and self.test_score < self.baseline - BASELINE_MARGIN


def _split(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    n_test = max(1, int(round(test_fraction * n)))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def check_settings(dataset: SignalDataset, settings: WaveletSettings) -> None:
    """Raise InputError for settings that cannot work with this dataset."""
    check_fields(settings)  # the declared ranges, for settings changed after they were made
    initial_filter(settings.wavelet)
    deepest = max_levels(dataset.length)
    if not 1 <= settings.levels <= deepest:
        raise InputError(
            f"Signals of {dataset.length} samples are too short for {settings.levels} levels; at most {deepest} fit.",
            f"Use --levels {deepest} or fewer, or resample the signals to a longer length.", field="levels")


def train_teacher(dataset: SignalDataset, settings: WaveletSettings, progress=None) -> TrainedTeacher:
    """Split the data, train the teacher network, and score it on the held-out signals."""
    progress = progress or no_progress
    check_settings(dataset, settings)
    train_idx, test_idx = _split(dataset.n_signals, settings.test_fraction, settings.seed)
    tic = time.perf_counter()
    model = TeacherNet(settings.teacher, dataset.task, hidden=settings.teacher_hidden, epochs=settings.teacher_epochs,
                       batch_size=settings.batch_size, random_state=settings.seed, device=settings.device,
                       threads=settings.threads)
    model.fit(dataset.X[train_idx], dataset.y[train_idx], progress=progress)
    seconds = time.perf_counter() - tic
    baseline = linear_baseline(dataset.X[train_idx], dataset.y[train_idx], dataset.X[test_idx], dataset.y[test_idx],
                               dataset.task)
    return TrainedTeacher(model=model, kind=settings.teacher, task=dataset.task, metric=model.metric,
                          test_score=model.score(dataset.X[test_idx], dataset.y[test_idx]),
                          train_index=train_idx, test_index=test_idx, history=tuple(model.history_), seconds=seconds,
                          baseline=baseline)


@dataclass(frozen=True, eq=False)
class WaveletResult:
    """Everything one distillation produced; the report, exports and pages read it.

    Attributes
    ----------
    dataset : dict
        ``SignalDataset.to_dict()``.
    settings : WaveletSettings
    teacher : dict
        ``TrainedTeacher.to_dict()``.
    filter, init_filter, gamma0_filter : ndarray (L,)
        Learned, initial and γ = 0 lowpass synthesis filters (``rec_lo``).
    validity, init_validity : Validity
    loss_history : dict of str to tuple of float
        Per-epoch mean of each term (see ``objective.TERMS``).
    downstream : DownstreamResult
    features : ndarray (n_signals, (levels+1)·top_k)
        The paper's distilled features of every signal: the top-k largest signed
        coefficients per level of the learned wavelet (``downstream.top_k_features``).
    feature_names : tuple of str
        ``cD3_top1`` is the largest coefficient of detail level 3.
    split : ndarray of str
        ``"train"`` or ``"test"`` per signal.
    y : ndarray
    teacher_prediction : ndarray
    coeff_lengths : tuple of int
    timings : dict
        ``teacher``, ``distill`` and ``per_epoch`` seconds.
    feature_positions : tuple of tuple of int
        Per level (``[cA_J, cD_J, ..., cD_1]``), the positions read by the position-aware
        comparison (``downstream.positions_*``), most attributed first.
    baselines : dict
        ``{"linear": score}``: ridge (CV penalty) or logistic regression on the raw signals.
    warnings : tuple of dict
        ``{"code", "message"}`` per warning (``core.wavelets.verdicts``).
    psi_distance : dict or None
        ``{"to_truth", "init_to_truth"}``: the reference's ψ distance (``psi_distance(...,
        normalize=False)``) of the learned and the initial wavelet to the dataset's true
        wavelet, when it has one.
    answer_scale : float
        Yardstick of a change in the teacher's answer (``verdicts.answer_scale``).
    """

    dataset: dict
    settings: WaveletSettings
    teacher: dict
    filter: np.ndarray
    init_filter: np.ndarray
    gamma0_filter: np.ndarray
    validity: Validity
    init_validity: Validity
    loss_history: dict
    downstream: DownstreamResult
    features: np.ndarray
    feature_names: tuple
    split: np.ndarray
    y: np.ndarray
    teacher_prediction: np.ndarray
    coeff_lengths: tuple
    timings: dict = field(default_factory=dict)
    feature_positions: tuple = ()
    baselines: dict = field(default_factory=dict)
    warnings: tuple = ()
    psi_distance: dict | None = None
    answer_scale: float = 1.0

    @property
    def filter_bank(self) -> tuple:
        """``(dec_lo, dec_hi, rec_lo, rec_hi)`` for ``pywt.Wavelet(filter_bank=...)``."""
        return filter_bank(self.filter)

    @property
    def level_names(self) -> list[str]:
        return level_names(self.settings.levels)

    @property
    def final_losses(self) -> dict:
        return {k: float(v[-1]) for k, v in self.loss_history.items() if len(v)}

    def metrics(self) -> dict:
        """The ``metrics.json`` document (schema ``wavelet-metrics/1``)."""
        s = self.settings
        return {
            "schema": SCHEMA,
            "dataset": self.dataset,
            "teacher": {"kind": self.teacher["kind"], "test_score": float(self.teacher["test_score"]),
                        "metric": self.teacher["metric"], "epochs": len(self.teacher["history"])},
            "awd": {
                "filter": [float(v) for v in self.filter], "init": s.wavelet, "lam": float(s.lam),
                "gamma": float(s.gamma), "trim": s.trim, "parametrization": s.parametrization,
                "levels": s.levels, "mode": s.mode, "epochs": s.epochs,
                "validity": self.validity.to_dict(), "init_validity": self.init_validity.to_dict(),
                "final_losses": self.final_losses, "psi_distance": self.psi_distance,
            },
            "downstream": {"top_k": self.downstream.top_k, "metric": self.downstream.metric,
                           "features": "paper: top_k largest signed coefficients per level -> linear/logistic model",
                           "awd": self.downstream.awd, "init_wavelet": self.downstream.init_wavelet,
                           "gamma0": self.downstream.gamma0, "teacher": self.downstream.teacher,
                           "positions_features": "coefficients at the top_k most attributed positions per level "
                                                 "(training signals) -> the same model",
                           "positions_awd": self.downstream.positions_awd,
                           "positions_init_wavelet": self.downstream.positions_init_wavelet,
                           "positions_gamma0": self.downstream.positions_gamma0,
                           "compression_rate": self.downstream.compression_rate,
                           "compression_rate_init": self.downstream.compression_rate_init,
                           "compression_rate_gamma0": self.downstream.compression_rate_gamma0,
                           "positions": {name: list(p) for name, p in
                                         zip((n.split("_")[0] for n in feature_names(s.levels, 1)),
                                             self.downstream.positions)},
                           "predict_seconds_student": self.downstream.predict_seconds_student,
                           "predict_seconds_teacher": self.downstream.predict_seconds_teacher},
            "baselines": {k: float(v) for k, v in self.baselines.items()},
            "warnings": [dict(w) for w in self.warnings],
            "timings_s": {k: float(v) for k, v in self.timings.items()},
            "settings": s.to_dict(),
        }

    def to_dict(self) -> dict:
        out = self.metrics()
        out["loss_history"] = {k: list(map(float, v)) for k, v in self.loss_history.items()}
        out["gamma0_filter"] = self.gamma0_filter.tolist()
        out["init_filter"] = self.init_filter.tolist()
        return out


def make_distiller(settings: WaveletSettings, *, gamma: float | None = None, threads="settings"
                   ) -> AdaptiveWaveletDistiller:
    """The estimator ``distill`` fits, built from ``settings`` (``gamma`` overrides γ, e.g. 0 for the ablation)."""
    return AdaptiveWaveletDistiller(
        wavelet=settings.wavelet, levels=settings.levels, mode=settings.mode, lam=settings.lam,
        gamma=settings.gamma if gamma is None else gamma, epochs=settings.epochs, lr=settings.lr,
        batch_size=settings.batch_size, trim=settings.trim, parametrization=settings.parametrization,
        random_state=settings.seed, device=settings.device,
        threads=settings.threads if threads == "settings" else threads)


def distill(dataset: SignalDataset, teacher: TrainedTeacher, settings: WaveletSettings, progress=None) -> WaveletResult:
    """Fit AWD on the teacher's training signals and compare it on the held-out ones.

    Fits twice: with the requested (λ, γ) and with γ = 0 (the ablation); the
    teacher's input gradients are computed once and shared. Torch runs with
    ``settings.threads`` intra-op threads; the caller's setting is restored.
    ``progress`` details come from :meth:`AdaptiveWaveletDistiller.fit` (``stage="awd"``
    then ``stage="gamma0"``).
    """
    check_settings(dataset, settings)
    with torch_threads(settings.threads):
        return _distill(dataset, teacher, settings, progress or no_progress)


def _distill(dataset: SignalDataset, teacher: TrainedTeacher, settings: WaveletSettings, progress) -> WaveletResult:
    from core.wavelets.reconstruct import DEFAULT_SCOPE, reconstruct_sample
    from core.wavelets.report import REPORT_SIGNALS
    from core.wavelets.verdicts import answer_scale, collect_warnings

    tic = time.perf_counter()
    Xtr, Xte = dataset.X[teacher.train_index], dataset.X[teacher.test_index]
    ytr, yte = dataset.y[teacher.train_index], dataset.y[teacher.test_index]
    progress(0.0, "computing the teacher's input gradients")
    grads_tr = teacher_gradients(teacher.model, Xtr)
    grads_te = teacher_gradients(teacher.model, Xte)

    def est(gamma):
        return make_distiller(settings, gamma=gamma, threads=None)  # already inside torch_threads

    def staged(stage, start, stop):
        inner = scaled(progress, start, stop)
        return lambda f, m, **d: inner(f, m, stage=stage, **d)

    awd = est(settings.gamma).fit(Xtr, teacher.model, input_gradients=grads_tr, progress=staged("awd", 0.02, 0.7))
    per_epoch = float(np.mean(awd.epoch_seconds_))
    g0 = est(0.0).fit(Xtr, teacher.model, progress=staged("gamma0", 0.7, 0.92))
    progress(0.93, "scoring the distilled model")
    init = initial_filter(settings.wavelet)
    down = evaluate_downstream(Xtr, ytr, Xte, yte, task=dataset.task, teacher=teacher.model,
                               filters={"awd": awd.filter_, "init_wavelet": init, "gamma0": g0.filter_},
                               levels=settings.levels, mode=settings.mode, top_k=settings.top_k, grads_test=grads_te,
                               grads_train=grads_tr)
    feats = top_k_features(coefficients(dataset.X, awd.filter_, settings.levels, settings.mode), settings.top_k)
    split = np.full(dataset.n_signals, "train", dtype=object)
    split[teacher.test_index] = "test"
    baseline = teacher.baseline
    if baseline is None:
        baseline = linear_baseline(Xtr, ytr, Xte, yte, dataset.task)
    truth = (dataset.truth or {}).get("wavelet")
    distances = None
    if truth:
        true_h = initial_filter(truth)
        distances = {"to_truth": psi_distance(awd.filter_, true_h, normalize=False),
                     "init_to_truth": psi_distance(init, true_h, normalize=False)}
    # The signals the report and Explore show first: their teacher answers decide one warning.
    shown = [reconstruct_sample(dataset.X[i], awd.filter_, teacher.model, levels=settings.levels, mode=settings.mode,
                                top_k=settings.top_k, index=int(i), scope=DEFAULT_SCOPE)
             for i in teacher.test_index[:REPORT_SIGNALS]]
    scale = answer_scale(dataset.task, dataset.y, teacher.model.decision_function(Xte))
    warnings = collect_warnings(metric=down.metric, teacher_score=teacher.test_score, baseline=baseline,
                                awd_score=down.awd, init_score=down.init_wavelet, init_name=settings.wavelet,
                                reconstructions=shown, scale=scale, task=dataset.task, psi_distance=distances,
                                truth=truth, linear_target=dataset.linear_target)
    seconds = time.perf_counter() - tic
    progress(1.0, "distillation done")
    return WaveletResult(
        dataset=dataset.to_dict(), settings=settings, teacher=teacher.to_dict(), filter=awd.filter_,
        init_filter=init, gamma0_filter=g0.filter_, validity=awd.validity_,
        init_validity=validity_report(init, levels=min(settings.levels, 5), mode=settings.mode),
        loss_history={k: tuple(v) for k, v in awd.loss_history_.items()}, downstream=down, features=feats,
        feature_names=tuple(feature_names(settings.levels, settings.top_k)), split=split, y=dataset.y,
        teacher_prediction=teacher.model.predict(dataset.X),
        coeff_lengths=tuple(coeff_lengths(dataset.length, len(init), settings.levels, settings.mode)),
        timings={"teacher": teacher.seconds, "distill": seconds, "per_epoch": per_epoch},
        feature_positions=down.positions, baselines={"linear": float(baseline)},
        warnings=tuple(warnings), psi_distance=distances, answer_scale=scale)
