"""Progress reporting and cancellation shared by long computations.

A long computation takes ``progress``, a callable ``progress(fraction, message,
**details)``. The caller decides what to do with it: the command line prints,
the app stores it for a polling fragment. To cancel, the callback raises
:class:`Cancelled`; computations let it propagate and write nothing.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, Protocol


class Cancelled(Exception):
    """Raised by a progress callback to stop the computation that called it."""


class ProgressCallback(Protocol):
    def __call__(self, fraction: float, message: str, **details: Any) -> None: ...


def no_progress(fraction: float, message: str, **details: Any) -> None:
    """Progress callback that ignores every report."""


def scaled(progress: ProgressCallback | None, start: float, stop: float) -> ProgressCallback:
    """Map a sub-task's progress in [0, 1] onto ``[start, stop]`` of the parent's."""
    progress = progress or no_progress

    def report(fraction: float, message: str, **details: Any) -> None:
        progress(start + (stop - start) * min(max(fraction, 0.0), 1.0), message, **details)

    return report


def eta_seconds(fraction: float, elapsed: float, *, min_fraction: float = 0.02,
                min_elapsed: float = 2.0) -> float | None:
    """Seconds left if the rest goes at the pace so far.

    None before ``min_fraction`` or ``min_elapsed`` seconds (a pace measured
    over less is noise: a quick first step would promise "0 s left"), or when done.
    """
    if not min_fraction <= fraction < 1.0 or elapsed <= 0 or elapsed < min_elapsed:
        return None
    return elapsed * (1.0 - fraction) / fraction


def format_duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s`` or ``1 h 02 min``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def with_eta(progress: ProgressCallback | None, *, clock: Callable[[], float] = time.monotonic) -> ProgressCallback:
    """Wrap ``progress`` so every report also carries ``elapsed`` and ``eta`` (seconds, or None).

    The estimate extrapolates the pace so far; it is rough while stages of
    different speed alternate, and settles as the per-bag reports come in.
    """
    progress = progress or no_progress
    start = clock()

    def report(fraction: float, message: str, **details: Any) -> None:
        elapsed = clock() - start
        details.setdefault("elapsed", elapsed)
        details.setdefault("eta", eta_seconds(fraction, elapsed))
        progress(fraction, message, **details)

    return report


def print_progress(fraction: float, message: str, **details) -> None:
    """Progress callback for the terminal: one line per step on stderr, with time left when known."""
    eta = details.get("eta")
    own = "eta_s" in details or message.endswith(" left")  # the step already states its time left
    tail = f" · about {format_duration(eta)} left" if eta is not None and 0 < fraction < 1 and not own else ""
    print(f"[{fraction:4.0%}] {message}{tail}", file=sys.stderr, flush=True)
