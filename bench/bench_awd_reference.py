"""Side by side with the reference implementation (awave, Yu-Group/adaptive-wavelets), in one process.

The reference is never part of this project. Fetch it yourself and extract it
*outside* the project, then point ``AWAVE_SRC`` at the folder that holds its
``awave`` package, e.g.::

    git -C <mirror of Yu-Group/adaptive-wavelets> archive 79d2ccb awave | tar -x -C /tmp/awave
    AWAVE_SRC=/tmp/awave .venv/bin/python bench/bench_awd_reference.py

Without ``AWAVE_SRC`` the script says so and exits 0 (skipped).

Same data (the reference's own ``awave/data/simulation.py`` generator: 5,000 × 64
Gaussian signals, y from three db5 level-3 detail coefficients), the same teacher
(the reference's ``Feedforward`` 64-32-32-1 MLP, trained here once with Adam lr
0.01, 20 epochs, as the paper), and the same AWD settings: db5 start, J = 4, zero
mode, batch 100, Adam lr 1e-3, λ = 1e-4, γ = 1, Saliency, soft penalties of weight 1.
Both run with 1 torch thread. Prints seconds per epoch and the validity of both
learned filters, checked by this project's PyWavelets-based ``validity_report``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def import_reference(src: str):
    """Import awave from ``src``; its simulation module still imports the old name ``awd``, aliased here."""
    sys.path.insert(0, src)
    import importlib

    awave = importlib.import_module("awave")
    for name in ("transform1d", "models", "models.models", "utils", "utils.misc"):
        module = importlib.import_module(f"awave.{name}")
        sys.modules.setdefault(f"awd.{name}", module)
    sys.modules.setdefault("awd", awave)
    simulation = importlib.import_module("awave.data.simulation")
    return awave, simulation


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3, help="AWD epochs timed on each side")
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args()
    src = os.environ.get("AWAVE_SRC")
    if not src or not (Path(src) / "awave" / "__init__.py").is_file():
        print("skipped: set AWAVE_SRC to a folder holding the reference's 'awave' package (Yu-Group/"
              "adaptive-wavelets, commit 79d2ccb), extracted outside this project; see this script's docstring.")
        return 0
    if Path(src).resolve().is_relative_to(ROOT):
        print("refused: AWAVE_SRC lies inside the project; extract the reference outside it.")
        return 2

    import numpy as np
    import torch

    torch.set_num_threads(1)
    awave, simulation = import_reference(src)
    from awave.models.models import Feedforward
    from awave.transform1d import DWT1d

    from core.wavelets.distiller import AdaptiveWaveletDistiller
    from core.wavelets.filters import validity_report

    class P:  # the reference's simulation parameters (paper: 3 adjacent level-3 detail coefficients, weight 2)
        seed, wave_gt, J, d, n, n_train = 0, "db5", 4, 64, args.n, args.n
        scale_knockout, idx_knockout, window, noise_level = 3, 8, 1, 0.1

    (X3, y), _ = simulation.generate_data(P)  # X3 (n, 1, 64)
    X = X3[:, 0, :].numpy().astype(np.float64)

    torch.manual_seed(0)
    teacher = Feedforward(input_size=64)
    opt = torch.optim.Adam(teacher.parameters(), lr=0.01)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X3, y), batch_size=100, shuffle=True)
    for _ in range(20):
        for xb, yb in loader:
            opt.zero_grad()
            torch.nn.functional.mse_loss(teacher(xb).reshape(-1), yb.reshape(-1)).backward()
            opt.step()
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    with torch.no_grad():
        pred = teacher(X3).reshape(-1)
    r2 = 1 - float(((pred - y) ** 2).sum() / ((y - y.mean()) ** 2).sum())
    print(f"data: reference generator, {X.shape[0]} × {X.shape[1]}; teacher: reference Feedforward 64-32-32-1, "
          f"train R² {r2:.4f}; 1 torch thread; load average {os.getloadavg()[0]:.2f}")

    # The reference: its own fit, Trainer and loss (it prints every batch; silenced).
    wt = DWT1d(wave="db5", mode="zero", J=4, init_factor=1, noise_factor=0, const_factor=0, device="cpu")
    ref_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X3, y), batch_size=100, shuffle=True)
    ref_times = []
    for _ in range(args.epochs):  # one epoch per call, so the fastest epoch is known as for ours
        tic = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            wt.fit(train_loader=ref_loader, pretrained_model=teacher, lr=1e-3, num_epochs=1, seed=0,
                   attr_methods="Saliency", target=0, lamL1wave=1e-4, lamL1attr=1.0)
        ref_times.append(time.perf_counter() - tic)
    ref_epoch = float(np.mean(ref_times))
    ref_h = wt.h0.detach().reshape(-1).numpy().astype(np.float64)  # stored as rec_lo
    ref_v = validity_report(ref_h, levels=4)

    rows = [("reference awave (double backprop)", ref_epoch, ref_v),
            ("reference awave (fastest epoch)", min(ref_times), ref_v)]
    for trim in ("autograd", "precomputed"):
        est = AdaptiveWaveletDistiller(wavelet="db5", levels=4, mode="zero", lam=1e-4, gamma=1.0, epochs=args.epochs,
                                       lr=1e-3, batch_size=100, trim=trim, parametrization="penalty", random_state=0,
                                       threads=1)
        tic = time.perf_counter()
        est.fit(X, teacher)  # includes computing the input gradients once on the precomputed path
        rows.append((f"this project, TRIM {trim} (incl. gradients)", (time.perf_counter() - tic) / args.epochs,
                     est.validity_))
        rows.append((f"this project, TRIM {trim} (fastest epoch)", min(est.epoch_seconds_), est.validity_))

    print(f"{'implementation':48} {'s/epoch':>9} {'× ref':>7} {'orthogonality':>14} {'PR error':>9} {'valid':>6}")
    for name, sec, v in rows:
        ref = min(ref_times) if "fastest" in name else ref_epoch  # fastest against fastest, mean against mean
        print(f"{name:48} {sec:9.4f} {ref / sec:7.1f} {v.orthogonality:14.1e} {v.pr_error:9.1e} "
              f"{str(v.valid):>6}")
    print(f"{args.epochs} epochs each; load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
