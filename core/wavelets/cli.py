"""``python -m core wavelets``: distil a neural network into a wavelet from the terminal."""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> None:
    """Register the ``wavelets`` subcommand."""
    p = subparsers.add_parser(
        "wavelets", help="distil a neural network into a wavelet (AWD)",
        description="Train a teacher network on signals, then learn a wavelet whose few coefficients keep what "
                    "the network uses (Adaptive Wavelet Distillation). Writes filters.json, features.csv, "
                    "report.html and metrics.json to --out.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--dataset", metavar="NAME", help="built-in dataset: simulation, doppler_shift, blocks_vs_bumps, chirp_rate")
    src.add_argument("--data", metavar="FILE", help="CSV (one row per signal plus a target column) or .npz with X and y")
    p.add_argument("--target", metavar="COL", help="target column of --data (default: 'target' or 'y')")
    p.add_argument("--length", type=int, metavar="N", help="resample uploaded signals to N samples (default: longest)")
    p.add_argument("--n", type=int, metavar="N", help="number of signals for a built-in dataset")
    p.add_argument("--teacher", default="mlp", choices=("mlp", "cnn", "lstm"))
    p.add_argument("--teacher-epochs", type=int, default=40, metavar="N")
    p.add_argument("--teacher-hidden", type=int, default=32, metavar="N", dest="teacher_hidden",
                   help="width of the teacher's hidden layers (default 32)")
    p.add_argument("--wavelet", default="db5", help="orthogonal wavelet to start from (default db5)")
    p.add_argument("--levels", type=int, default=4)
    p.add_argument("--mode", default="zero", choices=("zero", "periodization"))
    p.add_argument("--lam", type=float, default=1e-4, metavar="F", help="weight of coefficient sparsity λ")
    p.add_argument("--gamma", type=float, default=1.0, metavar="F", help="weight of attribution sparsity γ")
    p.add_argument("--epochs", type=int, default=30, metavar="N", help="AWD epochs")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--trim", default="precomputed", choices=("precomputed", "autograd"))
    p.add_argument("--parametrization", default="lattice", choices=("penalty", "lattice"),
                   help="lattice (default): exactly orthogonal filters; penalty: soft validity penalties as published")
    p.add_argument("--top-k", type=int, default=6, metavar="K", dest="top_k")
    p.add_argument("--seed", type=int, default=0, metavar="S",
                   help="seed of the train/test split, the teacher and the distillation")
    p.add_argument("--data-seed", type=int, default=0, metavar="S", dest="data_seed",
                   help="seed that generates a built-in dataset (default 0, as the app)")
    p.add_argument("--device", default=None, help="torch device (default: cuda if available, else cpu)")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> None:
    import sys
    import time

    from core.cli import print_progress
    from core.io import read_source
    from core.progress import scaled
    from core.wavelets.datasets import load_signals, read_signals
    from core.wavelets.pipeline import WaveletSettings, distill, train_teacher
    from core.wavelets.report import report_reconstructions, write_outputs

    tic = time.perf_counter()
    if args.dataset:
        data = load_signals(args.dataset, n=args.n, random_state=args.data_seed)
    else:
        data = read_signals(read_source(args.data), args.data, target=args.target, length=args.length)
    settings = WaveletSettings(
        teacher=args.teacher, teacher_epochs=args.teacher_epochs, teacher_hidden=args.teacher_hidden, wavelet=args.wavelet, levels=args.levels,
        mode=args.mode, lam=args.lam, gamma=args.gamma, epochs=args.epochs, lr=args.lr, trim=args.trim,
        parametrization=args.parametrization, top_k=args.top_k, seed=args.seed, device=args.device)
    teacher = train_teacher(data, settings, progress=_quiet(scaled(print_progress, 0.0, 0.3)))
    print(f"teacher {settings.teacher}: held-out {teacher.metric} {teacher.test_score:.3f}", file=sys.stderr)
    result = distill(data, teacher, settings, progress=_quiet(scaled(print_progress, 0.3, 0.95)))
    paths = write_outputs(result, args.out, reconstructions=report_reconstructions(data, result, teacher))
    d = result.downstream
    print(f"AWD {d.metric}: {d.awd:.3f} (initial {d.init_wavelet:.3f}, γ=0 {d.gamma0:.3f}, teacher {d.teacher:.3f}); "
          f"orthogonality residual {result.validity.orthogonality:.1e}; {time.perf_counter() - tic:.1f} s",
          file=sys.stderr)
    for path in paths:
        print(path)


def _quiet(progress):
    """Print every 5th epoch only, so the terminal stays readable."""
    def report(fraction, message, **details):
        epoch = details.get("epoch")
        if epoch is None or epoch == 1 or epoch % 5 == 0 or epoch == details.get("epochs"):
            progress(fraction, message)
    return report
