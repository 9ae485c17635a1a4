"""Background jobs that survive reruns.

Streamlit reruns the whole script on every widget change, and a rerun kills
work done in the script body. A :class:`Job` runs its function on a thread
instead; the thread never calls ``st.*``. It only records progress on the Job,
which a polling ``st.fragment`` renders. A Job lives in ``st.session_state`` so
a stray click, or a visit to another page, leaves it running.

Jobs started with :func:`shared_job` are also registered for the life of the
server process under a key made of the data digest and every setting, so a
reloaded page (a new session) finds the running job and follows it instead of
starting a second one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

from core.errors import InputError
from core.progress import Cancelled

log = logging.getLogger(__name__)
KEEP_FINISHED = 16  # finished jobs kept in the registry (running ones are always kept)


@dataclass
class Job:
    """A function running on a daemon thread, with progress and cancel.

    The function is called as ``fn(*args, progress=callback, **kwargs)``. The
    callback records ``fraction``, ``message`` and any ``details`` (e.g. a loss
    per term, appended to ``history``), and raises :class:`Cancelled` once
    :meth:`cancel` has been called.
    """

    name: str
    fraction: float = 0.0
    message: str = "Starting…"
    history: list[dict[str, Any]] = field(default_factory=list)
    result: Any = None
    error: Exception | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    seen: bool = False  # set once the page has rerun to show the result
    meta: dict[str, Any] = field(default_factory=dict)  # what the pages say about the run (e.g. its preset)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.finished is None

    @property
    def cancelled(self) -> bool:
        return isinstance(self.error, Cancelled)

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def cancel(self) -> None:
        """Ask the job to stop at its next progress report."""
        self._cancel.set()

    def report(self, fraction: float, message: str, **details: Any) -> None:
        if self._cancel.is_set():
            raise Cancelled(self.name)
        self.fraction, self.message = float(fraction), message
        if details:
            self.history.append({"fraction": float(fraction), **details})

    def wait(self, timeout: float | None = None) -> "Job":
        """Block until the job ends (used by tests and AppTest runs)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self


def start_job(name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Job:
    """Start ``fn`` on a daemon thread and return its :class:`Job`."""
    job = Job(name=name)

    def target() -> None:
        try:
            job.result = fn(*args, progress=job.report, **kwargs)
            job.fraction, job.message = 1.0, "Done"
        except Exception as exc:  # the page shows a clear message, never a traceback
            job.error = exc
            if not isinstance(exc, (Cancelled, InputError)):  # a bug: keep the traceback for whoever runs the server
                log.error("Job %r failed", name, exc_info=exc)
        finally:
            job.finished = time.monotonic()

    job._thread = threading.Thread(target=target, name=f"job-{name}", daemon=True)
    job._thread.start()
    return job


_registry: OrderedDict[str, Job] = OrderedDict()
_registry_lock = threading.Lock()


def find_job(key: str) -> Job | None:
    """The job registered under ``key`` in this server process (running or finished), or None."""
    with _registry_lock:
        return _registry.get(key)


def running_jobs(prefix: str = "") -> list[tuple[str, Job]]:
    """(key, job) of every registered job still running whose key starts with ``prefix``."""
    with _registry_lock:
        return [(k, j) for k, j in _registry.items() if j.running and k.startswith(prefix)]


def shared_job(key: str, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Job:
    """The running job registered under ``key``, or a new one started with :func:`start_job` and registered.

    A finished job is never returned: the caller keeps finished results itself.
    """
    with _registry_lock:
        job = _registry.get(key)
        if job is not None and job.running:
            return job
        job = start_job(name, fn, *args, **kwargs)
        _registry[key] = job
        _registry.move_to_end(key)
        finished = [k for k, j in _registry.items() if not j.running]
        for k in finished[:max(0, len(finished) - KEEP_FINISHED)]:
            del _registry[k]
        return job


def error_message(error: Exception) -> tuple[str, str]:
    """Return (problem, what to do next) for any job error."""
    if isinstance(error, InputError):
        return error.problem, error.fix
    if isinstance(error, Cancelled):
        return "The run was cancelled.", "Change the settings if you like and run again."
    if isinstance(error, MemoryError):
        return ("The run ran out of memory.", "Use fewer rows (a random sample) or the fast preset.")
    return (f"The run failed unexpectedly: {type(error).__name__}: {str(error)[:300]}",
            "The input checks missed something: please report it with the settings you used.")
