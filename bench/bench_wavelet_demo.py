"""Time the wavelet demo as a teacher meets it, in headless Chromium.

For each repeat, serves the app afresh as ``make run`` does, opens Home,
waits ``--read`` seconds, clicks "Start the wavelet demo" (the only click:
the teacher trains and the wavelet is distilled after it) and stops the clock
when the Distill page says "Distilled". Prints each time, the median and the
peak memory of the server with its worker processes.

Run: ``.venv/bin/python bench/bench_wavelet_demo.py [--repeats 3] [--read 0 5]``
(needs /usr/bin/chromium). Nothing else should run meanwhile.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_audit_demo import served  # noqa: E402

LONG = 600_000  # ms


def one_demo(read_s: float) -> tuple[float, int]:
    """Seconds from the click to "Distilled" on screen, and peak RSS (bytes) of server + workers."""
    with served() as (page, memory):
        page.wait_for_timeout(read_s * 1000)
        start = time.perf_counter()
        page.get_by_role("button", name="Start the wavelet demo").click()
        page.get_by_text("Distilled", exact=False).first.wait_for(timeout=LONG)
        return time.perf_counter() - start, memory.peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--read", type=float, nargs="+", default=[0.0, 5.0],
                        help="seconds on Home before the click (several: one series each)")
    args = parser.parse_args(argv)
    for read_s in args.read:
        runs = [one_demo(read_s) for _ in range(args.repeats)]
        times = [t for t, _ in runs]
        print(f"click after {read_s:g} s on Home: " + ", ".join(f"{t:.1f}" for t in times)
              + f" s; median {statistics.median(times):.1f} s; peak memory "
              f"{max(m for _, m in runs) / 2**20:.0f} MiB (server and workers)")
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
