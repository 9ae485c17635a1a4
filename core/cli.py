"""The headless command line: ``python -m core <command> ...``.

Each workflow registers its subcommand through an ``add_parser(subparsers)``
function in its own ``cli`` module; the parser's ``run`` default does the work.
Heavy imports happen inside ``run`` so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from core import __version__
from core.errors import InputError, InputWarning
from core.progress import Cancelled

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every subcommand registered."""
    from core.audit import cli as audit_cli
    from core.audit import validation_cli
    from core.wavelets import cli as wavelets_cli

    parser = argparse.ArgumentParser(
        prog="python -m core",
        description="Distill Studio from the command line: audit a black-box risk score "
        "(Distill-and-Compare) or distil a neural network into a wavelet (AWD). "
        "Everything runs on this machine; nothing is uploaded.",
    )
    parser.add_argument("--version", action="version", version=f"Distill Studio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    audit_cli.add_parser(sub)
    validation_cli.add_parser(sub)
    wavelets_cli.add_parser(sub)
    return parser



def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_OK
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", InputWarning)
            warnings.showwarning = _show_warning
            args.run(args)
    except InputError as exc:
        print(f"error: {exc.problem}\n  fix: {exc.fix}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Cancelled:
        print("cancelled; nothing was written", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    return EXIT_OK


def _show_warning(message, category, filename, lineno, file=None, line=None):
    prefix = "warning" if issubclass(category, InputWarning) else category.__name__
    print(f"{prefix}: {message}", file=sys.stderr)
