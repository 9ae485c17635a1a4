"""``python -m core wavelets``: placeholder until the wavelets engine lands."""

from core.errors import InputError


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("wavelets", help="distil a neural network into a wavelet (not built yet)")
    p.set_defaults(run=_run)


def _run(args) -> None:
    raise InputError("The wavelets command is not built yet.", "Use a later version of Distill Studio.")
