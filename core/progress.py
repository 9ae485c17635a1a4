"""Progress reporting and cancellation shared by long computations.

A long computation takes ``progress``, a callable ``progress(fraction, message,
**details)``. The caller decides what to do with it: the command line prints,
the app stores it for a polling fragment. To cancel, the callback raises
:class:`Cancelled`; computations let it propagate and write nothing.
"""

from __future__ import annotations

from typing import Any, Protocol


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
