"""Torch intra-op threads for the wavelet engine.

The engine's tensors are small (batches of 100 × 64 signals, 10-tap filters):
splitting such products over threads gains nothing and, on a busy machine,
makes every step wait for the slowest thread. So the engine runs with one
intra-op thread unless told otherwise, and gives the caller's setting back.
"""

from __future__ import annotations

from contextlib import contextmanager

from core.errors import InputError

__all__ = ["DEFAULT_THREADS", "torch_threads", "check_threads"]

DEFAULT_THREADS = 1


def check_threads(threads) -> int | None:
    """Return ``threads`` as an int ≥ 1 (or None: leave torch as it is); raise InputError otherwise."""
    if threads is None:
        return None
    try:
        value = int(threads)
    except (TypeError, ValueError):
        value = 0
    if value < 1 or value != threads:
        raise InputError(f"The number of torch threads must be a whole number ≥ 1 (got {threads!r}).",
                         "Use --threads 1 (the default) or the number of free cores.", field="threads")
    return value


@contextmanager
def torch_threads(threads: int | None = DEFAULT_THREADS):
    """Run the block with ``threads`` torch intra-op threads (and BLAS threads), then restore the caller's numbers.

    ``None`` leaves the setting alone.
    """
    import torch

    from threadpoolctl import threadpool_limits

    threads = check_threads(threads)
    before = torch.get_num_threads()
    if threads is not None and threads != before:
        torch.set_num_threads(threads)
    try:
        # numpy's BLAS too: the CPU training step runs its products in numpy (objective.dense_loss_numpy).
        with threadpool_limits(limits=threads, user_api="blas"):
            yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)
