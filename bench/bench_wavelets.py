"""Wavelet engine timings: AWD per epoch, where threads pay off, and the default CLI run idle and busy.

Run: ``.venv/bin/python bench/bench_wavelets.py [--skip-cli] [--busy 4]``.

1. AWD per epoch at 1 torch thread on the issue's setting (simulation 5,000 × 64,
   batch 100, γ = 1, penalty parametrization, db5 start), with the learned
   filter's orthogonality residual beside it, for both TRIM paths (target ≤ 30 ms).
2. Threads: per-epoch time at 1 and 2 threads for short and long signals, to show
   where more threads pay off.
3. Long signals (2,048 samples, the convolution path): time per epoch and peak memory.
4. The default ``python -m core wavelets --dataset simulation`` run (teacher + AWD +
   ablation) on an idle machine and while ``--busy`` CPU-bound processes, started and
   stopped by this script, share the cores (targets: ≤ 20 s idle, ≤ 90 s with 4 busy).

Every timing is printed with the load average, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f}) on {os.cpu_count()} CPUs"


def awd_epochs(X, teacher, grads, *, trim="precomputed", epochs=5, threads=1, parametrization="penalty",
               wavelet="db5"):
    """Fastest and median AWD epoch (s) and the orthogonality residual of the learned filter."""
    import numpy as np

    from core.wavelets.distiller import AdaptiveWaveletDistiller

    est = AdaptiveWaveletDistiller(wavelet=wavelet, epochs=epochs, batch_size=100, gamma=1.0, lam=1e-4, lr=1e-3,
                                   trim=trim, parametrization=parametrization, random_state=0, threads=threads)
    est.fit(X, teacher, input_gradients=grads if trim == "precomputed" else None)
    return min(est.epoch_seconds_), float(np.median(est.epoch_seconds_)), est.validity_.orthogonality


def cli_run(threads_env: dict | None = None) -> tuple[float, float, dict]:
    """Wall seconds, peak RSS (MB) and timings of the default simulation CLI run."""
    with tempfile.TemporaryDirectory() as out:
        tic = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "core", "wavelets", "--dataset", "simulation", "--out", out],
                              cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(threads_env or {})})
        wall = time.perf_counter() - tic
        if proc.returncode:
            print(proc.stderr[-2000:])
            raise SystemExit(proc.returncode)
        metrics = json.loads((Path(out) / "metrics.json").read_text())
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, metrics


LONG = """
import resource, numpy as np, torch
from core.wavelets.distiller import AdaptiveWaveletDistiller
rng = np.random.default_rng(0)
X, G = rng.normal(size=(500, 2048)), rng.normal(size=(500, 2048)).astype("float32")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
est = AdaptiveWaveletDistiller(epochs=2, gamma=1.0, parametrization="lattice", threads=1)
est.fit(X, lambda x: x.sum(-1), input_gradients=G)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{min(est.epoch_seconds_):.2f} s per epoch; peak RSS {peak:.0f} MB ({before:.0f} MB before the fit)")
"""

BUSY = "import time\nend = time.time() + {s}\nwhile time.time() < end:\n    pass\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=6, help="AWD epochs timed per setting")
    parser.add_argument("--busy", type=int, default=4, help="CPU-bound processes during the busy CLI run")
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-threads", action="store_true")
    args = parser.parse_args()

    from core.wavelets.datasets import load_signals
    from core.wavelets.teachers import TeacherNet

    data = load_signals("simulation", n=5000, random_state=0)
    teacher = TeacherNet("mlp", epochs=40, random_state=0).fit(data.X, data.y)
    grads = teacher.input_gradients(data.X)
    print(f"1. AWD per epoch, 1 thread: {data.n_signals} × {data.length} simulation, batch 100, γ = 1, λ = 1e-4, "
          f"lr 1e-3, db5 start, J = 4 zero mode ({load()})")
    for param in ("penalty", "lattice"):
        for trim in ("precomputed", "autograd"):
            best, median, ortho = awd_epochs(data.X, teacher, grads, trim=trim, epochs=args.epochs,
                                             parametrization=param)
            print(f"   {param:8} {trim:12} fastest {best * 1e3:7.1f} ms, median {median * 1e3:7.1f} ms per epoch; "
                  f"orthogonality residual {ortho:.1e}  ({load()})", flush=True)

    if not args.skip_threads:
        import numpy as np

        print("2. Where threads pay off: AWD per epoch (precomputed TRIM, penalty), 1 vs 2 threads")
        for length, n in ((64, 5000), (512, 1000), (2048, 250)):
            rng = np.random.default_rng(0)
            X = rng.normal(size=(n, length))
            G = rng.normal(size=(n, length)).astype("float32")
            row = []
            for threads in (1, 2):
                # The gradients are given, so the teacher is never called: any callable stands in.
                best, _, _ = awd_epochs(X, lambda x: x.sum(-1), G, epochs=3, threads=threads)
                row.append(best)
            print(f"   length {length:5} ({n} signals): 1 thread {row[0] * 1e3:7.1f} ms, 2 threads "
                  f"{row[1] * 1e3:7.1f} ms ({row[0] / row[1]:.2f}× from the 2nd thread; {load()})", flush=True)

    print("3. Long signals: 500 signals × 2,048 samples, lattice, 2 epochs, in a fresh process")
    proc = subprocess.run([sys.executable, "-c", LONG], cwd=ROOT, capture_output=True, text=True)
    print("   " + (proc.stdout.strip() or proc.stderr[-500:]) + f" ({load()})", flush=True)

    if args.skip_cli:
        return
    print("4. Default CLI run: python -m core wavelets --dataset simulation (teacher + AWD + ablation)")
    wall, peak, metrics = cli_run()
    t = metrics["timings_s"]
    print(f"   idle-ish: {wall:.1f} s wall (teacher {t['teacher']:.1f} s, distil {t['distill']:.1f} s, "
          f"{t['per_epoch'] * 1e3:.0f} ms per AWD epoch); peak RSS {peak:.0f} MB; target ≤ 20 s idle ({load()})",
          flush=True)
    busy = [subprocess.Popen([sys.executable, "-c", BUSY.format(s=600)]) for _ in range(args.busy)]
    try:
        time.sleep(2)
        wall, peak, metrics = cli_run()
        t = metrics["timings_s"]
        print(f"   with {args.busy} busy processes: {wall:.1f} s wall (teacher {t['teacher']:.1f} s, distil "
              f"{t['distill']:.1f} s); target ≤ 90 s ({load()})", flush=True)
    finally:
        for proc in busy:
            proc.terminate()
        for proc in busy:
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
