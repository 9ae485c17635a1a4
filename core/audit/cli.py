"""``python -m core audit``: run a Distill-and-Compare audit and write its three files."""

from __future__ import annotations

import argparse


def _names(text: str) -> tuple:
    return tuple(n.strip() for n in text.split(",") if n.strip())


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
    p.add_argument("--features", metavar="A,B,...", type=_names, default=(), help="feature columns (default: all others)")
    p.add_argument("--protected", metavar="COL,...", type=_names, default=None, help="protected columns")
    p.add_argument("--calibration", choices=("none", "isotonic", "platt", "spline"), default=None)
    p.add_argument("--interactions", metavar="N", type=int, default=None, help="number of pair terms (default 3)")
    p.add_argument("--preset", choices=("fast", "default", "precise"), default="default")
    p.add_argument("--bags", metavar="N", type=int, default=None,
                   help="outer bags shared by both models (default: the preset's, 14 for default)")
    p.add_argument("--protected-only", action="store_true",
                   help="use protected columns only to slice results, not as model features")
    p.add_argument("--seed", metavar="S", type=int, default=0, help="seed of the audit: split, bags, models, bootstrap")
    p.add_argument("--data-seed", metavar="S", type=int, default=0,
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
    from core.cli import print_progress
    from core.errors import InputError
    from core.io import digest, read_source, read_table

    truth = None
    if args.dataset:
        ds = load_dataset(args.dataset, source=args.source, random_state=args.data_seed)
        frame, sha, truth = ds.frame, ds.sha256, ds.truth
        spec = AuditSpec(score=args.score or ds.score, outcome=args.outcome or ds.outcome,
                         positive=args.positive if args.positive is not None else ds.positive,
                         features=args.features or ds.features,
                         protected=args.protected if args.protected is not None else ds.protected,
                         calibration=args.calibration or ds.calibration,
                         data_seed=args.data_seed if ds.truth is not None else None)
    else:
        for flag in ("score", "outcome"):
            if not getattr(args, flag):
                raise InputError(f"--{flag} is missing.", f"Name the {flag} column with --{flag} COL.", field=flag)
        data = read_source(args.data)
        frame, sha = read_table(data, Path(args.data).name), digest(data)
        spec = AuditSpec(score=args.score, outcome=args.outcome, positive=args.positive, features=args.features,
                         protected=args.protected or (), calibration=args.calibration or "isotonic")
    spec = replace(spec.with_preset(args.preset), random_state=args.seed)
    if args.protected_only:
        spec = replace(spec, protected_as_features=False)
    if args.bags is not None:
        if args.bags < 2:
            raise InputError("--bags must be 2 or more (intervals need at least two bags).", "Use e.g. --bags 8.",
                             field="bags")
        spec = replace(spec, outer_bags=args.bags)
    if args.interactions is not None:
        if args.interactions < 0:
            raise InputError("--interactions must be 0 or more.", "Use e.g. --interactions 3.", field="interactions")
        spec = replace(spec, interactions=args.interactions)
    result = run_audit(frame, spec, truth=truth, progress=print_progress, data_sha256=sha)
    out = write_audit(result, args.out)
    print(f"wrote {out / 'report.html'}, {out / 'shapes.csv'}, {out / 'metrics.json'}")
