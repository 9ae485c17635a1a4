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
    d = _defaults()
    p.add_argument("--teacher", default=d.teacher, choices=("mlp", "cnn", "lstm"))
    p.add_argument("--teacher-epochs", type=int, default=d.teacher_epochs, metavar="N")
    p.add_argument("--teacher-hidden", type=int, default=d.teacher_hidden, metavar="N", dest="teacher_hidden",
                   help=f"width of the teacher's hidden layers (default {d.teacher_hidden})")
    p.add_argument("--wavelet", default=d.wavelet,
                   help=f"orthogonal wavelet to start from (default {d.wavelet}, as the app)")
    p.add_argument("--levels", type=int, default=d.levels)
    p.add_argument("--mode", default=d.mode, choices=("zero", "periodization"))
    p.add_argument("--lam", type=float, default=d.lam, metavar="F", help="weight of coefficient sparsity λ")
    p.add_argument("--gamma", type=float, default=d.gamma, metavar="F", help="weight of attribution sparsity γ")
    p.add_argument("--epochs", type=int, default=d.epochs, metavar="N", help="AWD epochs")
    p.add_argument("--lr", type=float, default=d.lr, help=f"Adam learning rate of AWD (default {d.lr:g})")
    p.add_argument("--trim", default=d.trim, choices=("precomputed", "autograd"))
    p.add_argument("--parametrization", default=d.parametrization, choices=("penalty", "lattice"),
                   help="lattice (default): exactly orthogonal filters; penalty: soft validity penalties as published")
    p.add_argument("--top-k", type=int, default=d.top_k, metavar="K", dest="top_k",
                   help="coefficients per level of the distilled features (the paper's m; default 6)")
    p.add_argument("--seed", type=int, default=d.seed, metavar="S",
                   help="seed of the train/test split, the teacher and the distillation")
    p.add_argument("--data-seed", type=int, default=0, metavar="S", dest="data_seed",
                   help="seed that generates a built-in dataset (default 0, as the app)")
    p.add_argument("--threads", type=int, default=d.threads, metavar="N",
                   help="torch intra-op threads for the engine (default 1: the tensors are small, and more threads "
                        "only fight other processes on a busy machine)")
    p.add_argument("--device", default=None, help="torch device (default: cuda if available, else cpu)")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(run=_run)


def _defaults():
    """The shared defaults (``WaveletSettings``), without importing torch."""
    from core.wavelets.settings import WaveletSettings

    return WaveletSettings()


def _run(args: argparse.Namespace) -> None:
    import sys
    import time

    from core.progress import print_progress
    from core.io import read_source
    from core.progress import scaled, with_eta
    from core.wavelets.datasets import check_settings, load_signals, read_signals
    from core.wavelets.pipeline import WaveletSettings, distill, train_teacher
    from core.wavelets.report import report_reconstructions, write_outputs

    tic = time.perf_counter()
    _check_before_work(args)  # every setting and --out, before any data is read or network trained
    if args.dataset:
        data = load_signals(args.dataset, n=args.n, random_state=args.data_seed)
    else:
        data = read_signals(read_source(args.data), args.data, target=args.target, length=args.length)
    settings = WaveletSettings(
        teacher=args.teacher, teacher_epochs=args.teacher_epochs, teacher_hidden=args.teacher_hidden, wavelet=args.wavelet, levels=args.levels,
        mode=args.mode, lam=args.lam, gamma=args.gamma, epochs=args.epochs, lr=args.lr, trim=args.trim,
        parametrization=args.parametrization, top_k=args.top_k, seed=args.seed, device=args.device,
        threads=args.threads)
    check_settings(settings, length=data.length)
    overall = with_eta(print_progress)  # one clock for both steps, so the time left covers the whole run
    teacher = train_teacher(data, settings, progress=_quiet(scaled(overall, 0.0, 0.3)))
    print(f"teacher {settings.teacher}: held-out {teacher.metric} {teacher.test_score:.3f}", file=sys.stderr)
    result = distill(data, teacher, settings, progress=_quiet(scaled(overall, 0.3, 0.95)))
    paths = write_outputs(result, args.out, reconstructions=report_reconstructions(data, result, teacher))
    d = result.downstream
    print(f"AWD {d.metric}: {d.awd:.3f} (initial {d.init_wavelet:.3f}, γ=0 {d.gamma0:.3f}, teacher {d.teacher:.3f}); "
          f"orthogonality residual {result.validity.orthogonality:.1e}; {time.perf_counter() - tic:.1f} s",
          file=sys.stderr)
    if result.psi_distance:
        pd_ = result.psi_distance
        moved = "toward" if pd_["to_truth"] < pd_["init_to_truth"] else "away from"
        print(f"ψ distance to the true {data.truth['wavelet']}: {pd_['init_to_truth']:.3f} → {pd_['to_truth']:.3f} "
              f"(moved {moved} it)", file=sys.stderr)
    for w in result.warnings:
        print(f"warning [{w['code']}]: {w['message']}", file=sys.stderr)
    for path in paths:
        print(path)


def _check_before_work(args: argparse.Namespace) -> None:
    """Refuse a bad setting or output folder at once, not after the teacher has trained."""
    from dataclasses import fields

    from core.errors import InputError
    from core.io import check_output_dir
    from core.wavelets.datasets import DATASETS, MAX_LENGTH, MAX_SEED, MIN_LENGTH, check_settings
    from core.wavelets.report import OUTPUT_FILES

    check_output_dir(args.out, OUTPUT_FILES)
    defaults = _defaults()
    names = {f.name for f in fields(defaults)}
    given = {k: v for k, v in vars(args).items() if k in names}
    check_settings(type(defaults)(**{**defaults.to_dict(), **given}),
                   length=DATASETS[args.dataset].length if args.dataset in DATASETS else None)
    if args.length is not None and not MIN_LENGTH <= args.length <= MAX_LENGTH:
        raise InputError(f"--length {args.length:,} is outside {MIN_LENGTH}–{MAX_LENGTH:,} samples.",
                         f"Use --length {MAX_LENGTH} or less (memory grows with the square of the length).",
                         field="length")
    if not 0 <= args.data_seed <= MAX_SEED:
        raise InputError(f"--data-seed {args.data_seed} is out of range.", f"Use a seed from 0 to {MAX_SEED}.",
                         field="data_seed")


def _quiet(progress):
    """Print every 5th epoch only, so the terminal stays readable."""
    def report(fraction, message, **details):
        epoch = details.get("epoch")
        if epoch is None or epoch == 1 or epoch % 5 == 0 or epoch == details.get("epochs"):
            progress(fraction, message)
    return report
