"""AdaptiveWaveletDistiller: learn a wavelet that sparsifies a network's attributions."""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import TransformerTags
from sklearn.utils.validation import check_is_fitted

from core.errors import InputError
from core.params import Interval, OfType, Options, check_params, constraints_of
from core.progress import no_progress
from core.wavelets.filters import (initial_filter, lattice_angles, lattice_filter, lattice_filter_numpy, make_wavelet,
                                   validity_report)
from core.wavelets.settings import MAX_SEED, PARAMETRIZATIONS, TRIM_PATHS, WaveletSettings
from core.wavelets.teachers import attribution_backend, dense_signals
from core.wavelets.threads import torch_threads
from core.wavelets.objective import TERMS, attributions_precomputed, awd_loss, dense_loss_numpy
from core.wavelets.transform import max_levels, use_dense, wavedec, waverec

__all__ = ["AdaptiveWaveletDistiller", "TRIM_PATHS", "PARAMETRIZATIONS", "teacher_function", "teacher_gradients"]



def teacher_function(teacher) -> Callable[[torch.Tensor], torch.Tensor]:
    """Scalar output per signal of a teacher: ``TeacherNet.output`` or a torch callable."""
    if hasattr(teacher, "output"):
        return teacher.output
    if callable(teacher):
        return lambda x: teacher(x).reshape(x.shape[0], -1)[:, 0]
    raise InputError("The teacher is not a network.", "Pass a fitted TeacherNet or a torch module.", field="teacher")


def teacher_gradients(teacher, X: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Input gradients ``∇f(x)`` of the teacher for every row of ``X``, float32."""
    if hasattr(teacher, "input_gradients"):
        return teacher.input_gradients(X, batch_size)
    fn = teacher_function(teacher)
    parts = []
    for i in range(0, len(X), batch_size):
        x = torch.as_tensor(np.asarray(X[i : i + batch_size], dtype=np.float32)).requires_grad_(True)
        with torch.enable_grad(), attribution_backend(x.device):
            (g,) = torch.autograd.grad(fn(x).sum(), x)
        parts.append(g.detach().cpu().numpy())
    return np.concatenate(parts).astype(np.float32)


class _Adam:
    """Adam for the one parameter tensor AWD learns, as ``torch.optim.Adam`` computes it (no weight decay).

    The same update, in the same order of operations, without the optimizer
    framework's per-step overhead, which dominates with a 10-tap filter.
    """

    def __init__(self, param: torch.Tensor, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.param, self.lr, self.betas, self.eps = param, lr, betas, eps
        self.exp_avg = torch.zeros_like(param)
        self.exp_avg_sq = torch.zeros_like(param)
        self.steps = 0

    @torch.no_grad()
    def step(self) -> None:
        grad = self.param.grad
        if grad is None:
            return
        beta1, beta2 = self.betas
        self.steps += 1
        self.exp_avg.lerp_(grad, 1 - beta1)
        self.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias1 = 1 - beta1**self.steps
        bias2_sqrt = (1 - beta2**self.steps) ** 0.5
        denom = (self.exp_avg_sq.sqrt() / bias2_sqrt).add_(self.eps)
        self.param.addcdiv_(self.exp_avg, denom, value=-self.lr / bias1)


class _NumpyAdam:
    """:class:`_Adam` on a numpy array, updated in place (the CPU fast path's optimizer)."""

    def __init__(self, param: np.ndarray, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.param, self.lr, self.betas, self.eps = param, lr, betas, eps
        self.exp_avg = np.zeros_like(param)
        self.exp_avg_sq = np.zeros_like(param)
        self.steps = 0

    def step(self, grad: np.ndarray) -> None:
        beta1, beta2 = self.betas
        self.steps += 1
        self.exp_avg += (1 - beta1) * (grad - self.exp_avg)
        self.exp_avg_sq *= beta2
        self.exp_avg_sq += (1 - beta2) * grad * grad
        bias1 = 1 - beta1**self.steps
        bias2_sqrt = (1 - beta2**self.steps) ** 0.5
        self.param -= (self.lr / bias1) * self.exp_avg / (np.sqrt(self.exp_avg_sq) / bias2_sqrt + self.eps)


class AdaptiveWaveletDistiller(BaseEstimator):
    """Adaptive Wavelet Distillation (Ha et al., NeurIPS 2021), scikit-learn style.

    Parameters
    ----------
    wavelet : str
        Orthogonal PyWavelets wavelet to start from (``db5``, ``sym5``, ``coif2``...).
    levels : int
        Decomposition depth J.
    mode : {"zero", "periodization"}
    lam : float
        Weight of the L1 norm of the wavelet coefficients (λ).
    gamma : float
        Weight of the L1 norm of the TRIM attributions (γ); needs a teacher when > 0.
    epochs : int
    lr : float
        Adam learning rate.
    batch_size : int
    trim : {"precomputed", "autograd"}
        How the attribution term is computed: from the DWT of input gradients
        computed once (fast, default), or by differentiating through the
        teacher at every step (the reference's way). Both give the same loss and gradient.
    parametrization : {"penalty", "lattice"}
        ``penalty``: learn the filter taps with soft validity penalties (as
        published). ``lattice``: learn rotation angles of a paraunitary lattice,
        so the filter is orthogonal with Σh = √2 by construction.
    penalty_weight : float
        Weight of each validity penalty (1 in the paper).
    init_noise : float
        Std of Gaussian noise added to the initial filter taps before fitting.
        With the lattice, the angles are then fitted to the noisy taps, so the
        start is the nearest lattice filter and stays orthogonal.
    warm_start : bool
        Start from the previous ``filter_`` when refitting (used by sweeps).
    random_state : int or None
        Seeds batch order and init noise through a local generator.
    device : str or None
        Torch device; ``None`` picks CUDA when available.
    threads : int or None
        Torch intra-op threads while fitting (default 1; see ``core.wavelets.threads``).
        ``None`` keeps the caller's setting; the caller's setting is restored afterwards.

    Notes
    -----
    On the CPU, with short signals (the dense operator: ``transform.use_dense``) and precomputed TRIM,
    a training step runs in numpy with its gradient written out by hand
    (``objective.dense_loss_numpy``); it is checked against autograd in the tests. Elsewhere (GPU,
    long signals, TRIM through the teacher) torch's autograd computes the same loss.

    Attributes
    ----------
    filter_ : ndarray (L,)
        Learned lowpass synthesis filter ``h`` (``rec_lo``).
    init_filter_ : ndarray (L,)
    wavelet_ : pywt.Wavelet
        Built from the learned filter bank; usable with ``pywt.wavedec``.
    validity_ : Validity
    loss_history_ : dict of str to list of float
        Per epoch, the mean of each unweighted term of :data:`TERMS`.
    epoch_seconds_ : list of float
    teacher_ : object or None
    n_features_in_ : int
    """

    # What each parameter accepts (core.params); the ones shared with WaveletSettings are declared there.
    _parameter_constraints = {
        **{k: v for k, v in constraints_of(WaveletSettings).items()
           if k in ("wavelet", "levels", "mode", "lam", "gamma", "epochs", "lr", "batch_size", "trim",
                    "parametrization", "device", "threads")},
        "penalty_weight": (Interval(float, 0, None),),
        "init_noise": (Interval(float, 0, None),),
        "warm_start": (OfType((bool,), "True or False"),),
        "random_state": (Options((None,)), Interval(int, 0, MAX_SEED)),
    }

    def __sklearn_tags__(self):
        # A transformer (transform/inverse_transform) without TransformerMixin: its fit_transform
        # would pass y where fit takes the teacher.
        tags = super().__sklearn_tags__()
        tags.transformer_tags = TransformerTags(preserves_dtype=[])
        return tags

    def __init__(self, wavelet="db5", levels=4, mode="zero", lam=1e-4, gamma=1.0, epochs=30, lr=1e-3,
                 batch_size=100, trim="precomputed", parametrization="penalty", penalty_weight=1.0,
                 init_noise=0.0, warm_start=False, random_state=0, device=None, threads=1):
        self.wavelet = wavelet
        self.levels = levels
        self.mode = mode
        self.lam = lam
        self.gamma = gamma
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.trim = trim
        self.parametrization = parametrization
        self.penalty_weight = penalty_weight
        self.init_noise = init_noise
        self.warm_start = warm_start
        self.random_state = random_state
        self.device = device
        self.threads = threads

    # -- validation ----------------------------------------------------------
    def _validate(self, X, teacher) -> np.ndarray:
        X = dense_signals(X, np.float64)
        if X.ndim != 2 or X.shape[0] < 1:
            raise InputError(f"Signals must be a 2-D array (signals × samples); got shape {X.shape}.",
                             "Give one row per signal, all of the same length.", field="data")
        check_params(self)
        deepest = max_levels(X.shape[1])
        if not 1 <= self.levels <= deepest:
            raise InputError(
                f"{self.levels} levels do not fit signals of length {X.shape[1]}; at most {deepest} fit.",
                f"Set levels between 1 and {deepest}, or use longer signals.", field="levels")
        if self.gamma > 0 and teacher is None:
            raise InputError("γ > 0 asks for attributions, but no teacher network was given.",
                             "Train or pass a teacher, or set gamma to 0.", field="gamma")
        return X

    def _device(self) -> torch.device:
        return torch.device(self.device or ("cuda" if torch.cuda.is_available() else "cpu"))

    # -- fitting -------------------------------------------------------------
    def fit(self, X, teacher=None, *, input_gradients=None, progress=None) -> "AdaptiveWaveletDistiller":
        """Learn the filter.

        Parameters
        ----------
        X : array (n_signals, length)
        teacher : TeacherNet or callable, optional
            Frozen network whose attributions are sparsified; required when gamma > 0.
        input_gradients : array (n_signals, length), optional
            Precomputed ``∇f(X)`` to reuse across fits (precomputed path only).
        progress : callable, optional
            ``progress(fraction, message, epoch=, epochs=, losses=, history=, seconds=)``
            after every epoch; ``losses`` maps each term to its epoch mean.

        Returns
        -------
        self
        """
        X = self._validate(X, teacher)
        with torch_threads(self.threads):
            return self._fit(X, teacher, input_gradients, progress or no_progress)

    def _fit(self, X, teacher, input_gradients, progress) -> "AdaptiveWaveletDistiller":
        init = initial_filter(self.wavelet)
        if self.parametrization == "lattice" and len(init) < 4:
            raise InputError("The lattice needs a filter of length 4 or more.", "Start from db2 or longer.",
                             field="parametrization")
        device = self._device()
        rng = np.random.default_rng(self.random_state)
        gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
        start_filter = self.filter_ if (self.warm_start and hasattr(self, "filter_")
                                        and len(self.filter_) == len(init)) else init
        if self.init_noise > 0 and not (self.warm_start and hasattr(self, "filter_")):
            start_filter = start_filter + self.init_noise * rng.normal(size=start_filter.shape)

        if self.parametrization == "lattice":
            angles, _ = lattice_angles(start_filter)
            param = torch.tensor(angles, dtype=torch.float64, device=device, requires_grad=True)

            def current():
                return lattice_filter(param).to(torch.float32)
        else:
            param = torch.tensor(start_filter, dtype=torch.float32, device=device, requires_grad=True)

            def current():
                return param

        use_attr = self.gamma > 0 and teacher is not None
        fn = teacher_function(teacher) if teacher is not None else None
        Xt = torch.as_tensor(X, dtype=torch.float32, device=device)
        Gt = None
        if use_attr and self.trim == "precomputed":
            G = input_gradients if input_gradients is not None else teacher_gradients(teacher, X)
            Gt = torch.as_tensor(np.asarray(G, dtype=np.float32), device=device)
        module = getattr(teacher, "module_", teacher if isinstance(teacher, torch.nn.Module) else None)
        if module is not None:
            module.eval()

        history = {k: [] for k in TERMS}
        self.epoch_seconds_ = []
        n, bs = len(Xt), int(self.batch_size)
        # Signals and gradients side by side, so a batch is one slice and one matrix product.
        data = torch.stack([Xt, Gt], dim=1) if Gt is not None else Xt
        weight = 0.0 if self.parametrization == "lattice" else self.penalty_weight
        gamma = self.gamma if use_attr else 0.0
        fast = (device.type == "cpu" and use_dense(X.shape[1], self.levels, self.mode)
                and (self.trim == "precomputed" or not use_attr))
        if fast:
            # Short signals on the CPU: each step is a few numpy products (see objective.dense_loss_numpy).
            data = (data if data.dim() == 3 else data.unsqueeze(1)).numpy()
            lattice = self.parametrization == "lattice"
            values = param.detach().numpy().copy()
            opt = _NumpyAdam(values, lr=self.lr)
            weights = (1.0, weight, self.lam, gamma)

            def step(batch):
                h, jac = lattice_filter_numpy(values) if lattice else (values, None)
                terms, grad = dense_loss_numpy(np.asarray(h, np.float32), batch, weights, self.levels, self.mode)
                opt.step(grad @ jac if lattice else grad)
                return terms
        else:
            opt = _Adam(param, lr=self.lr)

            def step(batch):
                param.grad = None
                with attribution_backend(device):  # cuDNN off on CUDA: an eval-mode LSTM is differentiated
                    total, terms = awd_loss(
                        current(), None if Gt is not None else batch, levels=self.levels, mode=self.mode,
                        lam=self.lam, gamma=gamma, teacher=fn if use_attr and self.trim == "autograd" else None,
                        trim=self.trim, penalty_weight=weight, pair=batch if Gt is not None else None)
                total.backward()
                opt.step()
                with torch.no_grad():
                    return torch.stack([terms[k] for k in TERMS])

        for epoch in range(1, int(self.epochs) + 1):
            tic = time.perf_counter()
            perm = torch.randperm(n, generator=gen)
            shuffled = data[perm.numpy()] if fast else data[perm.to(device)]  # one gather; batches are views
            steps = [(step(batch), len(batch)) for batch in (shuffled[i : i + bs] for i in range(0, n, bs))]
            # One device sync per epoch, not per term or step.
            sizes = np.array([m for _, m in steps], dtype=np.float64)
            per_step = np.stack([t for t, _ in steps]) if fast else torch.stack([t for t, _ in steps]).cpu().numpy()
            means = dict(zip(TERMS, (sizes @ per_step.astype(np.float64) / n).tolist()))
            self.epoch_seconds_.append(time.perf_counter() - tic)
            for k in TERMS:
                history[k].append(means[k])
            progress(epoch / int(self.epochs),
                     f"AWD epoch {epoch}/{self.epochs}: loss {means['total']:.4g}",
                     epoch=epoch, epochs=int(self.epochs), losses=means,
                     history={k: list(v) for k, v in history.items()}, seconds=self.epoch_seconds_[-1])
        if fast:
            with torch.no_grad():
                param.copy_(torch.from_numpy(values))

        with torch.no_grad():
            if self.parametrization == "lattice":
                h = lattice_filter(param.detach()).cpu().numpy().astype(np.float64)
            else:
                h = param.detach().cpu().numpy().astype(np.float64)
        self.init_filter_ = np.asarray(init, dtype=float)
        self.filter_ = h
        self.validity_ = validity_report(h, levels=min(self.levels, 5), mode=self.mode)
        self.wavelet_ = make_wavelet(h, name=f"awd-{self.wavelet}", validity=self.validity_)
        self.loss_history_ = history
        self.teacher_ = teacher
        self.n_features_in_ = X.shape[1]
        return self

    # -- using the fitted filter ---------------------------------------------
    def _h(self) -> torch.Tensor:
        return torch.as_tensor(self.filter_, dtype=torch.float64)

    def transform(self, X) -> list[np.ndarray]:
        """Wavelet coefficients ``[cA_J, cD_J, ..., cD_1]`` of each signal, each ``(n_signals, n_j)``."""
        check_is_fitted(self, "filter_")
        x = torch.as_tensor(np.asarray(X, dtype=np.float64))
        with torch.no_grad():
            return [c.numpy() for c in wavedec(x, self._h(), self.levels, self.mode)]

    def inverse_transform(self, coeffs, length: int | None = None) -> np.ndarray:
        """Signals rebuilt from coefficients (the transpose of :meth:`transform`)."""
        check_is_fitted(self, "filter_")
        cs = [torch.as_tensor(np.asarray(c, dtype=np.float64)) for c in coeffs]
        with torch.no_grad():
            return waverec(cs, self._h(), self.mode, length=length or self.n_features_in_).numpy()

    def attributions(self, X, teacher=None, *, input_gradients=None) -> list[np.ndarray]:
        """Saliency-TRIM attributions of the teacher on the learned wavelet's coefficients.

        Same structure as :meth:`transform`.
        """
        check_is_fitted(self, "filter_")
        teacher = teacher if teacher is not None else self.teacher_
        if teacher is None and input_gradients is None:
            raise InputError("Attributions need the teacher network.", "Pass the teacher used for fitting.",
                             field="teacher")
        G = input_gradients if input_gradients is not None else teacher_gradients(teacher, np.asarray(X))
        g = torch.as_tensor(np.asarray(G, dtype=np.float64))
        with torch.no_grad():
            return [a.detach().numpy() for a in attributions_precomputed(self._h(), g, self.levels, self.mode)]
