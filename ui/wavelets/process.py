"""Run a wavelet engine call in its own process, reporting progress to the job that waits for it.

The engine's training loops are many small torch calls; each one gives up and
retakes Python's GIL. In the server, the Streamlit threads that redraw pages
hold the GIL between those calls, and a distillation measured 5× slower on a
thread beside a busy Python thread (10 s alone, 47 s beside it). In a process
of its own it keeps its speed. Progress messages come back through a pipe;
Cancel stops the process.
"""

from __future__ import annotations

import multiprocessing
import pickle
from typing import Any, Callable

from core.errors import InputError

__all__ = ["run_in_process", "prewarm"]

POLL_SECONDS = 0.25
# A fork server imports the engine once; each run then forks from that clean, single-threaded
# process in milliseconds instead of starting Python and importing torch again (seconds).
PRELOAD = ["core.wavelets.pipeline", "core.wavelets.sweep", "core.wavelets.report"]


def _context():
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:  # no fork server on this platform
        return multiprocessing.get_context("spawn")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def prewarm() -> None:
    """Start the fork server (and its imports) in the background, before the first run needs it."""
    import threading

    def start() -> None:
        try:
            from multiprocessing import forkserver

            _context()
            forkserver.ensure_running()
        except Exception:  # noqa: BLE001 - a cold start later is the only cost
            pass

    threading.Thread(target=start, name="wavelet-prewarm", daemon=True).start()


def _worker(conn, call: bytes) -> None:
    def progress(fraction: float, message: str, **details: Any) -> None:
        conn.send(("progress", float(fraction), message, details))

    try:
        fn, args, kwargs = pickle.loads(call)
        # Plain pickle, not the pipe's: torch would share tensors through handles that die with this process.
        conn.send(("done", pickle.dumps(fn(*args, progress=progress, **kwargs), protocol=pickle.HIGHEST_PROTOCOL)))
    except InputError as exc:  # its constructor takes keywords, so it crosses the pipe as parts
        conn.send(("input_error", exc.problem, exc.fix, getattr(exc, "field", None)))
    except MemoryError:
        conn.send(("memory_error",))
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the job as a message
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_in_process(fn: Callable[..., Any], *args: Any, progress: Callable[..., None], **kwargs: Any) -> Any:
    """Call ``fn(*args, progress=..., **kwargs)`` in a process of its own and return its result.

    ``fn`` must be importable (a module-level function) and its arguments and
    result picklable. ``progress`` is the waiting job's callback: it receives
    every message, and it is called again while the process is quiet so that
    a cancelled job (whose callback raises) stops the process at once.
    """
    ctx = _context()
    receive, send = ctx.Pipe(duplex=False)
    call = pickle.dumps((fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)  # copies, no shared handles
    proc = ctx.Process(target=_worker, args=(send, call), daemon=True,
                       name=f"wavelet-{getattr(fn, '__name__', 'job')}")
    last = (0.0, "Starting the wavelet engine…")
    progress(*last)
    proc.start()
    send.close()
    try:
        while True:
            if not receive.poll(POLL_SECONDS):
                if not proc.is_alive() and not receive.poll():
                    raise RuntimeError(f"The wavelet engine stopped without a result (exit code {proc.exitcode}).")
                progress(*last)  # raises Cancelled once the user has pressed Cancel
                continue
            try:
                message = receive.recv()
            except EOFError:
                raise RuntimeError(f"The wavelet engine stopped without a result (exit code {proc.exitcode}).")
            kind = message[0]
            if kind == "progress":
                last = (message[1], message[2])
                progress(message[1], message[2], **message[3])
            elif kind == "done":
                return pickle.loads(message[1])
            elif kind == "input_error":
                raise InputError(message[1], message[2], field=message[3])
            elif kind == "memory_error":
                raise MemoryError()
            else:
                raise RuntimeError(message[1])
    finally:
        receive.close()
        if proc.is_alive():
            proc.terminate()
        proc.join(10)
