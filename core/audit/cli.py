"""``python -m core audit``: run a Distill-and-Compare audit and write its three files."""

from __future__ import annotations

import argparse

# Bounds shared with the app's settings (pages/audit_compare.py imports them), declared with AuditSpec.
from core.audit.spec import MAX_BAGS, MAX_INTERACTIONS, MAX_SEED

OUTPUT_FILES = ("report.html", "shapes.csv", "metrics.json")


def split_names(text: str) -> tuple:
    """Column names from ``A,B,...``; ``\\,`` is a comma inside a name, ``\\\\`` a backslash.

    The flags may also be repeated (``--features A --features B``); every
    occurrence is split the same way and the lists are joined.
    """
    names, current, chars = [], [], iter(text)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "\\")
            current.append("\0" if nxt == "0" else nxt)
        elif ch == ",":
            names.append("".join(current))
            current = []
        else:
            current.append(ch)
    names.append("".join(current))
    return tuple(n.strip() for n in names if n.strip())


def join_names(names) -> str:
    """The inverse of :func:`split_names`: one argument that round-trips any list of names."""
    return ",".join(str(n).replace("\\", "\\\\").replace(",", "\\,").replace("\0", "\\0") for n in names)


def _int_in(low: int, high: int, what: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, not {text!r}; fix: write e.g. "
                                             f"{what} {low}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be between {low} and {high:,} (got {value:,}); "
                                             f"fix: choose a value in that range")
        return value
    return parse


def add_parser(subparsers) -> None:
    """Register the ``audit`` subcommand."""
    p = subparsers.add_parser(
        "audit", help="audit a black-box risk score against real outcomes (Distill-and-Compare)",
        description="Calibrate a black-box score, distil it into a transparent student, compare it term by term "
                    "with a model of the real outcomes, and test for missing features. Writes report.html, "
                    "shapes.csv and metrics.json into --out.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", metavar="FILE", help="CSV or Parquet table to audit")
    src.add_argument("--dataset", metavar="NAME", help="built-in dataset: compas, synthetic-hidden-feature, "
                                                      "synthetic-clean, synthetic-biased")
    p.add_argument("--source", metavar="PATH_OR_URL", help="with --dataset compas: local copy or URL of the file")
    p.add_argument("--score", metavar="COL", help="black-box score column (required with --data)")
    p.add_argument("--outcome", metavar="COL", help="binary outcome column (required with --data)")
    p.add_argument("--positive", metavar="LABEL", help="outcome value that counts as positive")
    p.add_argument("--features", metavar="A,B,...", type=split_names, action="extend", default=None,
                   help="feature columns (default: all others); repeat the flag or separate by commas, "
                        "writing a comma inside a name as \\,")
    p.add_argument("--protected", metavar="COL,...", type=split_names, action="extend", default=None,
                   help="protected columns (same syntax as --features)")
    p.add_argument("--calibration", choices=("none", "isotonic", "platt", "spline"), default=None)
    p.add_argument("--student", choices=("matched", "logit"), default="matched",
                   help="matched (default): a classifier on labels drawn from the calibrated score, as noisy as the "
                        "outcomes; logit: a regressor on the calibrated log-odds, as published")
    p.add_argument("--scale", choices=("robust", "sd", "range", "none"), default="robust",
                   help="how the student is put on the outcome model's scale before comparing (default robust)")
    p.add_argument("--interactions", metavar="N", type=_int_in(0, MAX_INTERACTIONS, "--interactions"), default=None,
                   help=f"number of pair terms (default 3, at most {MAX_INTERACTIONS})")
    p.add_argument("--preset", choices=("fast", "default", "precise"), default="default")
    p.add_argument("--bags", metavar="N", type=_int_in(2, MAX_BAGS, "--bags"), default=None,
                   help=f"outer bags shared by both models (default: the preset's, 14 for default; 2 to {MAX_BAGS})")
    p.add_argument("--protected-only", action="store_true",
                   help="use protected columns only to slice results, not as model features")
    p.add_argument("--seed", metavar="S", type=_int_in(0, MAX_SEED, "--seed"), default=0,
                   help="seed of the audit: split, bags, models, bootstrap")
    p.add_argument("--data-seed", metavar="S", type=_int_in(0, MAX_SEED, "--data-seed"), default=0,
                   help="with a synthetic --dataset: seed that generates the data (default 0, as in the app)")
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the three output files")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    from dataclasses import replace
    from pathlib import Path

    from core.audit.datasets import load_dataset
    from core.audit.pipeline import run_audit
    from core.audit.report import write_audit
    from core.audit.spec import AuditSpec
    from core.progress import print_progress
    from core.errors import InputError
    from core.io import check_output_dir, digest, read_source, read_table

    check_output_dir(args.out, OUTPUT_FILES)  # before any work: a bad --out must not cost a whole fit
    truth = None
    if args.dataset:
        ds = load_dataset(args.dataset, source=args.source, random_state=args.data_seed)
        frame, sha, truth = ds.frame, ds.sha256, ds.truth
        if args.source and str(args.source).startswith(("http://", "https://")):
            import warnings

            from core.errors import InputWarning
            warnings.warn(f"the file from {args.source} is NOT checked against ProPublica's published checksum; "
                          f"its sha256 is {sha} and is recorded in the report.", InputWarning, stacklevel=2)
        spec = AuditSpec(score=args.score or ds.score, outcome=args.outcome or ds.outcome,
                         positive=args.positive if args.positive is not None else ds.positive,
                         features=tuple(args.features or ()) or ds.features,
                         protected=tuple(args.protected) if args.protected is not None else ds.protected,
                         calibration=args.calibration or ds.calibration,
                         data_seed=args.data_seed if ds.truth is not None else None)
    else:
        for flag in ("score", "outcome"):
            if not getattr(args, flag):
                raise InputError(f"--{flag} is missing.", f"Name the {flag} column with --{flag} COL.", field=flag)
        data = read_source(args.data)
        frame, sha = read_table(data, Path(args.data).name), digest(data)
        spec = AuditSpec(score=args.score, outcome=args.outcome, positive=args.positive,
                         features=tuple(args.features or ()), protected=tuple(args.protected or ()),
                         calibration=args.calibration or "isotonic")
    spec = replace(spec.with_preset(args.preset), random_state=args.seed, student=args.student, scale=args.scale)
    if args.protected_only:
        spec = replace(spec, protected_as_features=False)
    if args.bags is not None:
        spec = replace(spec, outer_bags=args.bags)
    if args.interactions is not None:
        spec = replace(spec, interactions=args.interactions)
    from joblib import parallel_config

    from core.progress import with_eta

    # No memmapping of large arrays for the workers: loky's resource tracker otherwise prints
    # KeyError tracebacks about /dev/shm folders during successful runs (joblib issue #1243).
    with parallel_config(max_nbytes=None):
        result = run_audit(frame, spec, truth=truth, progress=with_eta(print_progress), data_sha256=sha)
    out = write_audit(result, args.out)
    print(f"wrote {out / 'report.html'}, {out / 'shapes.csv'}, {out / 'metrics.json'}")
