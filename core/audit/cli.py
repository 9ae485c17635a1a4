"""``python -m core audit``: placeholder until the audit engine lands."""

from core.errors import InputError


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("audit", help="audit a black-box risk score (not built yet)")
    p.set_defaults(run=_run)


def _run(args) -> None:
    raise InputError("The audit command is not built yet.", "Use a later version of Distill Studio.")
