"""Time the audit demo as a journalist meets it, in headless Chromium.

For each repeat, serves the app afresh as ``make run`` does (empty caches,
no worker processes), opens Home, waits ``--read`` seconds (0: a click the
moment Home is drawn), clicks "Start the audit demo" and stops the clock when
the verdict and the first shape chart are on screen. Prints each time, the
median, the peak memory of the server with its worker processes, and the
ratio to two references: the issue's target (20 s on an idle 2-core machine)
and the floor, the same audit computed in one process with warm workers
(``run_audit`` alone: no server, no browser).

Run: ``.venv/bin/python bench/bench_audit_demo.py [--repeats 3] [--read 0 5]``
(needs /usr/bin/chromium). Nothing else should run meanwhile.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
TARGET_S = 20.0
VERDICT = "The score departs from the outcomes on: group"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PeakMemory(threading.Thread):
    """Samples the resident memory of a process and its children every 0.2 s; keeps the peak sum."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self._done = pid, 0, threading.Event()

    def run(self) -> None:
        import psutil

        root = psutil.Process(self.pid)
        while not self._done.wait(0.2):
            try:
                procs = [root, *root.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


@contextmanager
def served():
    """A fresh server as ``make run`` starts it and a 1280×800 page on its Home, drawn; yields (page, memory).

    ``memory.peak`` is the peak resident memory of the server and its children so far.
    """
    from playwright.sync_api import sync_playwright

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "ui.serve", "--server.port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://localhost:{port}"
    memory = PeakMemory(server.pid)
    try:
        for _ in range(240):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.25)
        memory.start()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(url)
            page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
            yield page, memory
            browser.close()
    finally:
        if memory.is_alive():
            memory.stop()
        server.terminate()
        server.wait(timeout=20)


def one_demo(read_s: float) -> tuple[float, int]:
    """Seconds from the click to the verdict and its chart, and peak RSS (bytes) of server + workers."""
    with served() as (page, memory):
        page.wait_for_timeout(read_s * 1000)
        start = time.perf_counter()
        page.get_by_role("button", name="Start the audit demo").click()
        page.get_by_text(VERDICT).wait_for(timeout=300_000)
        page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for(timeout=300_000)
        return time.perf_counter() - start, memory.peak


def floor_seconds() -> float:
    """The demo's audit alone (the app's own spec for it), in this process, with its workers started."""
    from core.audit.datasets import load_dataset
    from core.audit.models import start_workers
    from core.audit.pipeline import run_audit
    from ui.audit.state import DATA_SEED, default_mapping, spec_from

    dataset = load_dataset("synthetic-biased", random_state=DATA_SEED)
    spec = spec_from(default_mapping(dataset), dataset.calibration, {}, DATA_SEED)
    start_workers()
    run_audit(dataset.frame, spec)  # warm imports and caches
    start = time.perf_counter()
    run_audit(dataset.frame, spec)
    return time.perf_counter() - start


def demo_args(doc: str, argv: list[str] | None) -> argparse.Namespace:
    """``--repeats`` and ``--read``, shared by the demo benches."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--read", type=float, nargs="+", default=[0.0, 5.0],
                        help="seconds on Home before the click (several: one series each)")
    return parser.parse_args(argv)


def series(one_demo, read_s: float, repeats: int) -> tuple[str, float]:
    """Run ``one_demo(read_s)`` ``repeats`` times; a line with each time and the peak memory, and the median."""
    runs = [one_demo(read_s) for _ in range(repeats)]
    times = [t for t, _ in runs]
    median = statistics.median(times)
    line = (f"click after {read_s:g} s on Home: " + ", ".join(f"{t:.1f}" for t in times)
            + f" s; median {median:.1f} s; peak memory {max(m for _, m in runs) / 2**20:.0f} MiB (server and workers)")
    return line, median


def main(argv: list[str] | None = None) -> int:
    args = demo_args(__doc__, argv)
    floor = floor_seconds()
    print(f"floor: the audit alone, warm workers: {floor:.1f} s")
    for read_s in args.read:
        line, median = series(one_demo, read_s, args.repeats)
        print(f"{line}; {median / TARGET_S:.2f} of the {TARGET_S:.0f} s target, {median / floor:.2f} x the floor")
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
