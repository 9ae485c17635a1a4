"""Teacher networks: small torch regressors and classifiers for 1-D signals.

The teacher is the black box that AWD distils. Inputs are standardised inside
the network (fixed buffers), so gradients are taken with respect to the raw
signal, which is what the attribution term needs.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from torch import nn

from core.errors import InputError
from core.params import Interval, Options, check_params, constraints_of
from core.progress import no_progress
from core.wavelets.settings import MAX_SEED, TASKS, TEACHER_KINDS, WaveletSettings
from core.wavelets.threads import torch_threads

__all__ = ["TeacherNet", "TEACHER_KINDS", "TASKS", "attribution_backend", "dense_signals"]



class _Standardise(nn.Module):
    def __init__(self, mean: torch.Tensor, scale: torch.Tensor):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("scale", scale)

    def forward(self, x):
        return (x - self.mean) / self.scale


class _MLP(nn.Module):
    def __init__(self, n_in: int, hidden: int, n_out: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, n_out))

    def forward(self, x):
        return self.net(x)


class _CNN(nn.Module):
    def __init__(self, n_in: int, hidden: int, n_out: int):
        super().__init__()
        channels = max(4, hidden // 4)
        self.conv = nn.Sequential(nn.Conv1d(1, channels, 7, padding=3), nn.ReLU(),
                                  nn.Conv1d(channels, channels, 5, padding=2, stride=2), nn.ReLU())
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(channels * ((n_in + 1) // 2), hidden), nn.ReLU(),
                                  nn.Linear(hidden, n_out))

    def forward(self, x):
        return self.head(self.conv(x.unsqueeze(1)))


class _LSTM(nn.Module):
    def __init__(self, n_in: int, hidden: int, n_out: int):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_out)

    def forward(self, x):
        _, (last, _) = self.lstm(x.unsqueeze(-1))
        return self.head(last[-1])


_ARCHS = {"mlp": _MLP, "cnn": _CNN, "lstm": _LSTM}


def attribution_backend(device):
    """Context for differentiating a frozen (eval-mode) teacher on ``device``.

    cuDNN's RNN backward refuses eval mode, so on CUDA cuDNN is disabled for the
    pass (the native kernels differentiate in any mode); elsewhere it does nothing.
    """
    device = torch.device(device)
    return torch.backends.cudnn.flags(enabled=False) if device.type == "cuda" else contextlib.nullcontext()


@torch.no_grad()
def _init_weights(net: nn.Module, gen: torch.Generator) -> None:
    """PyTorch's default uniform init, drawn from a local generator (no global seeding)."""
    for mod in net.modules():
        if isinstance(mod, (nn.Linear, nn.Conv1d)):
            bound = 1.0 / math.sqrt(mod.weight[0].numel())
            for p in (mod.weight, mod.bias):
                p.copy_(torch.rand(p.shape, generator=gen) * 2 * bound - bound)
        elif isinstance(mod, nn.LSTM):
            bound = 1.0 / math.sqrt(mod.hidden_size)
            for p in mod.parameters():
                p.copy_(torch.rand(p.shape, generator=gen) * 2 * bound - bound)


def dense_signals(X, dtype=np.float32) -> np.ndarray:
    """``X`` as a finite real array of ``dtype``; sparse, complex, NaN and infinite input are refused."""
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise InputError("Sparse input is not supported: the wavelet engine reads dense signals.",
                         "Convert it with X.toarray() first.", field="data")
    if np.iscomplexobj(X):
        raise InputError("Complex data not supported: signals must be real numbers.",
                         "Pass the real part, or the magnitude, of the signals.", field="data")
    X = np.asarray(X, dtype=dtype)
    if not np.isfinite(X).all():
        raise InputError("The signals contain NaN or infinite values.",
                         "Resample or fill the signals first (read_signals does this).", field="data")
    return X


class TeacherNet(BaseEstimator):
    """A small neural network for 1-D signals, in scikit-learn style.

    Parameters
    ----------
    kind : {"mlp", "cnn", "lstm"}
        MLP: two hidden ReLU layers (the AWD simulation's 64-32-32-1);
        CNN: two ReLU convolutions then a dense head; LSTM: one layer, last state.
    task : {"regression", "classification"}
    hidden : int
        Width of hidden layers (LSTM hidden size).
    epochs : int
        Maximum number of passes over the training data.
    lr : float
        Adam learning rate.
    batch_size : int
    patience : int
        Stop after this many epochs without a better validation loss; the best
        weights are kept.
    validation_fraction : float
        Share of the training data held out for early stopping.
    random_state : int or None
        Seeds weight init, the split and the batch order (a local generator).
    device : str or None
        Torch device; ``None`` picks CUDA when available, else CPU.
    threads : int or None
        Torch intra-op threads while fitting and computing gradients (1: small
        tensors gain nothing from more); ``None`` keeps the caller's setting,
        which is restored afterwards in any case.

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained network, frozen and in eval mode; maps raw signals
        ``(batch, n)`` to outputs.
    history_ : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``val_loss``.
    best_epoch_, n_epochs_ : int
    classes_ : ndarray (classification only)
    n_features_in_ : int
    fit_seconds_ : float
    """

    # What each parameter accepts (core.params); the ones shared with WaveletSettings are declared there.
    _parameter_constraints = {
        "kind": (Options(TEACHER_KINDS),),
        "task": (Options(TASKS),),
        "hidden": constraints_of(WaveletSettings)["teacher_hidden"],
        "epochs": constraints_of(WaveletSettings)["teacher_epochs"],
        "lr": constraints_of(WaveletSettings)["lr"],
        "batch_size": constraints_of(WaveletSettings)["batch_size"],
        "patience": (Interval(int, 1, None),),
        "validation_fraction": (Interval(float, 0, 0.5, "neither"),),
        "random_state": (Options((None,)), Interval(int, 0, MAX_SEED)),
        "device": constraints_of(WaveletSettings)["device"],
        "threads": constraints_of(WaveletSettings)["threads"],
    }

    def __init__(self, kind="mlp", task="regression", *, hidden=32, epochs=40, lr=1e-2, batch_size=100,
                 patience=6, validation_fraction=0.15, random_state=0, device=None, threads=1):
        self.kind = kind
        self.task = task
        self.hidden = hidden
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.device = device
        self.threads = threads

    # -- helpers -------------------------------------------------------------
    def _device(self) -> torch.device:
        return torch.device(self.device or ("cuda" if torch.cuda.is_available() else "cpu"))

    def _loss(self):
        if self.task == "regression":
            return nn.MSELoss()
        return nn.BCEWithLogitsLoss() if len(self.classes_) == 2 else nn.CrossEntropyLoss()

    def _targets(self, y: np.ndarray) -> torch.Tensor:
        if self.task == "regression":
            return torch.as_tensor((y - self.y_mean_) / self.y_scale_, dtype=torch.float32)
        codes = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:
            return torch.as_tensor(codes, dtype=torch.float32)
        return torch.as_tensor(codes, dtype=torch.long)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.module_(x)
        return out.squeeze(-1) if out.shape[-1] == 1 else out

    # -- API -----------------------------------------------------------------
    def fit(self, X, y, progress=None) -> "TeacherNet":
        """Train with Adam on mini-batches, early-stopping on a validation split.

        ``progress(fraction, message, epoch=, epochs=, train_loss=, val_loss=, history=)``
        is called after every epoch.
        """
        check_params(self)
        with torch_threads(self.threads):
            return self._fit(X, y, progress or no_progress)

    def _fit(self, X, y, progress) -> "TeacherNet":
        X = dense_signals(X)
        y = np.asarray(y)
        if X.ndim != 2 or len(X) != len(y) or len(X) < 10:
            raise InputError(f"The teacher needs a 2-D signal array with one target each (got X {X.shape}, y {y.shape}; "
                             f"n_samples = {len(X)}).",
                             "Give at least 10 signals of equal length and one target per signal.", field="data")
        if X.shape[1] == 0:
            raise InputError(f"The signals have 0 feature(s) (shape={X.shape}) while a minimum of 1 is required.",
                             "Give signals with at least one sample each.", field="data")
        rng = np.random.default_rng(self.random_state)
        gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
        device = self._device()
        self.n_features_in_ = X.shape[1]
        if self.task == "regression":
            y = y.astype(float)
            self.y_mean_, self.y_scale_ = float(y.mean()), float(y.std() or 1.0)
            n_out = 1
        else:
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                raise InputError("The target has only one class.", "A classifier needs at least two classes.",
                                 field="target")
            n_out = 1 if len(self.classes_) == 2 else len(self.classes_)
        order = rng.permutation(len(X))
        n_val = max(1, int(round(self.validation_fraction * len(X))))
        val_idx, train_idx = order[:n_val], order[n_val:]
        mean = torch.as_tensor(X[train_idx].mean(axis=0))
        scale = torch.as_tensor(X[train_idx].std(axis=0) + 1e-6)
        net = _ARCHS[self.kind](X.shape[1], self.hidden, n_out)
        _init_weights(net, gen)
        self.module_ = nn.Sequential(_Standardise(mean, scale), net).to(device)
        Xt = torch.as_tensor(X, device=device)
        yt = self._targets(y).to(device)
        loss_fn = self._loss()
        opt = torch.optim.Adam(self.module_.parameters(), lr=self.lr)
        best_state, best_val, stale = None, math.inf, 0
        self.history_ = []
        start = time.perf_counter()
        for epoch in range(1, self.epochs + 1):
            self.module_.train()
            perm = torch.as_tensor(train_idx)[torch.randperm(len(train_idx), generator=gen)]
            total = 0.0
            for i in range(0, len(perm), self.batch_size):
                b = perm[i : i + self.batch_size].to(device)
                opt.zero_grad()
                loss = loss_fn(self._forward(Xt[b]), yt[b])
                loss.backward()
                opt.step()
                total += loss.item() * len(b)
            train_loss = total / len(perm)
            self.module_.eval()
            with torch.no_grad():
                vi = torch.as_tensor(val_idx, device=device)
                val_loss = float(loss_fn(self._forward(Xt[vi]), yt[vi]))
            self.history_.append(dict(epoch=epoch, train_loss=train_loss, val_loss=val_loss))
            if val_loss < best_val - 1e-7:
                best_val, stale, best_state = val_loss, 0, copy.deepcopy(self.module_.state_dict())
                self.best_epoch_ = epoch
            else:
                stale += 1
            progress(epoch / self.epochs, f"teacher epoch {epoch}: train {train_loss:.4g}, validation {val_loss:.4g}",
                     epoch=epoch, epochs=self.epochs, train_loss=train_loss, val_loss=val_loss,
                     history=list(self.history_))
            if stale >= self.patience:
                break
        self.module_.load_state_dict(best_state)
        self.module_.eval()
        for p in self.module_.parameters():
            p.requires_grad_(False)
        self.n_epochs_ = len(self.history_)
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _check_fitted(self):
        check_is_fitted(self, "module_")

    def output(self, x: torch.Tensor) -> torch.Tensor:
        """Differentiable scalar output per signal, the quantity AWD attributes.

        Regression: the prediction in target units. Binary: the logit of the
        second class. Multiclass: the logit of the predicted class.
        """
        self._check_fitted()
        out = self._forward(x)
        if self.task == "regression":
            return out * self.y_scale_ + self.y_mean_
        if out.dim() == 1:
            return out
        top = out.detach().argmax(dim=1, keepdim=True)
        return out.gather(1, top).squeeze(1)

    def _batched(self, X, fn, batch_size=1024) -> np.ndarray:
        self._check_fitted()
        X = dense_signals(X)
        if X.ndim != 2:
            raise InputError(f"Expected a 2-D array of signals, got shape {X.shape}.",
                             "Reshape your data: one row per signal (X.reshape(1, -1) for a single one).", field="data")
        if X.shape[1] != self.n_features_in_:
            raise InputError(f"X has {X.shape[1]} features, but TeacherNet is expecting {self.n_features_in_} "
                             "features as input.", "Give signals of the length the teacher was trained on.",
                             field="data")
        device = next(self.module_.buffers()).device
        parts = []
        with torch_threads(getattr(self, "threads", 1)):
            for i in range(0, len(X), batch_size):
                parts.append(fn(torch.as_tensor(X[i : i + batch_size], device=device)).detach().cpu().numpy())
        return np.concatenate(parts) if parts else np.empty((0,))

    def decision_function(self, X) -> np.ndarray:
        """The scalar output of :meth:`output` for each signal."""
        with torch.no_grad():
            return self._batched(X, self.output).astype(float)

    def predict(self, X) -> np.ndarray:
        """Predicted target (regression) or class label (classification)."""
        with torch.no_grad():
            out = self._batched(X, self._forward)
        if self.task == "regression":
            return out * self.y_scale_ + self.y_mean_
        codes = (out > 0).astype(int) if out.ndim == 1 else out.argmax(axis=1)
        return self.classes_[codes]

    def score(self, X, y) -> float:
        """R² for regression, accuracy for classification."""
        pred = self.predict(X)
        y = np.asarray(y)
        if self.task == "regression":
            y = y.astype(float)
            return float(1 - np.sum((y - pred) ** 2) / max(np.sum((y - y.mean()) ** 2), 1e-300))
        return float(np.mean(pred == y))

    @property
    def metric(self) -> str:
        return "r2" if self.task == "regression" else "accuracy"

    def input_gradients(self, X, batch_size: int = 1024) -> np.ndarray:
        """Gradient of :meth:`output` with respect to each raw input signal, shape ``(n, length)``.

        On CUDA, cuDNN is switched off for this pass: its RNN backward needs
        training mode, and the frozen teacher stays in eval mode.
        """
        def grad(x):
            x = x.clone().requires_grad_(True)
            with torch.enable_grad(), attribution_backend(x.device):
                (g,) = torch.autograd.grad(self.output(x).sum(), x)
            return g

        return self._batched(X, grad, batch_size).astype(np.float32)
