"""Time the wavelet demo as a teacher meets it, in headless Chromium.

For each repeat, serves the app afresh as ``make run`` does, opens Home,
waits ``--read`` seconds, clicks "Start the wavelet demo" (the only click:
the teacher trains and the wavelet is distilled after it) and stops the clock
when the Distill page shows the result ("Distilled in … s"). Prints each time, the median and the
peak memory of the server with its worker processes.

Run: ``.venv/bin/python bench/bench_wavelet_demo.py [--repeats 3] [--read 0 5]``
(needs /usr/bin/chromium). Nothing else should run meanwhile.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_audit_demo import demo_args, series, served  # noqa: E402

LONG = 600_000  # ms


def one_demo(read_s: float) -> tuple[float, int]:
    """Seconds from the click to the result on screen, and peak RSS (bytes) of server + workers."""
    with served() as (page, memory):
        page.wait_for_timeout(read_s * 1000)
        start = time.perf_counter()
        page.get_by_role("button", name="Start the wavelet demo").click()
        # Not "Distilled" alone: the live panel says "Distilled wavelet done" before the γ = 0 comparison.
        page.get_by_text("Distilled in", exact=False).first.wait_for(timeout=LONG)
        return time.perf_counter() - start, memory.peak


def main(argv: list[str] | None = None) -> int:
    args = demo_args(__doc__, argv)
    for read_s in args.read:
        print(series(one_demo, read_s, args.repeats)[0])
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
