"""``python -m core validate``: measure how often the default audit's verdicts hold (see :mod:`core.audit.validation`)."""

from __future__ import annotations

import argparse

MAX_SEEDS = 1000
MIN_ROWS, MAX_ROWS = 500, 200_000


def add_parser(subparsers) -> None:
    """Register the ``validate`` subcommand."""
    from core.audit.validation import SCENARIOS

    p = subparsers.add_parser(
        "validate", help="run the default audit on synthetic scenarios with known truth and report how often "
                         "its flags and intervals hold",
        description="Audit seeded synthetic tables whose truth is known, at the shipped default settings, and write "
                    "validation.json and validation.md (flag rates with Clopper-Pearson intervals, interval "
                    "coverage, missing-feature test size and power) into --out.")
    p.add_argument("--seeds", metavar="N", type=int, default=20, help="seeds per scenario (default 20)")
    p.add_argument("--rows", metavar="N", type=int, default=8000, help="rows per table (default 8000)")
    p.add_argument("--scenarios", metavar="A,B,...", default=",".join(SCENARIOS),
                   help=f"scenarios to run (default all: {', '.join(SCENARIOS)})")
    p.add_argument("--preset", choices=("fast", "default", "precise"), default="default")
    p.add_argument("--first-seed", metavar="S", type=int, default=0, help="first seed (default 0)")
    p.add_argument("--student", choices=("matched", "logit"), default="matched",
                   help="ablation: the student to validate (default: the shipped noise-matched one)")
    p.add_argument("--scale", choices=("robust", "sd", "range", "none"), default="robust",
                   help="ablation: the common-scale method (default: the shipped robust alpha)")
    p.add_argument("--backend", choices=("joblib", "dask"), default="joblib",
                   help="joblib processes on this machine (default), or a dask.distributed cluster")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="with --backend dask: address of a running scheduler (default: start a LocalCluster)")
    p.add_argument("--jobs", metavar="N", type=int, default=-1, help="parallel audits (default: all cores)")
    p.add_argument("--out", metavar="DIR", required=True, help="folder for validation.json and validation.md")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    from core.audit.validation import SCENARIOS, ValidationGrid, run_validation, write_validation
    from core.progress import print_progress
    from core.errors import InputError
    from core.io import check_output_dir

    names = tuple(n.strip() for n in args.scenarios.split(",") if n.strip())
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown or not names:
        raise InputError(f"Unknown scenario(s): {', '.join(unknown) or '(none given)'}.",
                         f"Choose from: {', '.join(SCENARIOS)}.", field="scenarios")
    if not 1 <= args.seeds <= MAX_SEEDS:
        raise InputError(f"--seeds {args.seeds} is out of range.", f"Use 1 to {MAX_SEEDS}.", field="seeds")
    if not MIN_ROWS <= args.rows <= MAX_ROWS:
        raise InputError(f"--rows {args.rows} is out of range.", f"Use {MIN_ROWS:,} to {MAX_ROWS:,}.", field="rows")
    if args.first_seed < 0:
        raise InputError(f"--first-seed {args.first_seed} is negative.", "Use 0 or more.", field="seeds")
    if args.scheduler and args.backend != "dask":
        raise InputError("--scheduler only applies to --backend dask.", "Add --backend dask.", field="backend")
    out = check_output_dir(args.out)
    grid = ValidationGrid(scenarios=names, seeds=args.seeds, n_rows=args.rows, preset=args.preset,
                          first_seed=args.first_seed, student=args.student, scale=args.scale)
    report = run_validation(grid, backend=args.backend, n_jobs=args.jobs, scheduler=args.scheduler,
                            progress=print_progress)
    write_validation(report, out)
    print(report.markdown())
    print(f"wrote {out / 'validation.json'} and {out / 'validation.md'}")
