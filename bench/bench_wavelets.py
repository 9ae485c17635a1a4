"""Wavelet engine timings: TRIM paths per epoch, and the whole default CLI run.

Run: ``.venv/bin/python bench/bench_wavelets.py [--threads 2] [--quick]``.
Prints wall and CPU seconds (CPU time is less sensitive to other load on the machine).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def epoch_times(teacher, X, trim: str, epochs: int) -> tuple[float, float]:
    from core.wavelets.distiller import AdaptiveWaveletDistiller

    grads = teacher.input_gradients(X) if trim == "precomputed" else None
    cpu = time.process_time()
    est = AdaptiveWaveletDistiller(epochs=epochs, batch_size=100, gamma=1.0, trim=trim, random_state=0)
    est.fit(X, teacher, input_gradients=grads)
    cpu = (time.process_time() - cpu) / epochs
    return min(est.epoch_seconds_), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2, help="epochs timed per path")
    parser.add_argument("--kinds", default="mlp,cnn,lstm")
    parser.add_argument("--skip-cli", action="store_true")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from core.wavelets.datasets import load_signals
    from core.wavelets.teachers import TeacherNet

    data = load_signals("simulation", n=5000, random_state=0)
    print(f"simulation: {data.n_signals} signals × {data.length}, batch 100, {args.threads} threads, db5 J=4 zero")
    print(f"{'teacher':8} {'precomputed s/epoch':>20} {'autograd s/epoch':>18} {'ratio (wall)':>13} {'ratio (cpu)':>12}")
    for kind in args.kinds.split(","):
        teacher = TeacherNet(kind, epochs=1, random_state=0).fit(data.X, data.y)
        pre_wall, pre_cpu = epoch_times(teacher, data.X, "precomputed", args.epochs)
        auto_wall, auto_cpu = epoch_times(teacher, data.X, "autograd", args.epochs)
        print(f"{kind:8} {pre_wall:20.3f} {auto_wall:18.3f} {auto_wall / pre_wall:12.1f}x {auto_cpu / pre_cpu:11.1f}x",
              flush=True)
    if args.skip_cli:
        return
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-c", f"import torch; torch.set_num_threads({args.threads}); "
               "from core.cli import main; raise SystemExit(main())",
               "wavelets", "--dataset", "simulation", "--out", out]
        tic = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - tic
        if proc.returncode:
            print(proc.stderr[-2000:])
            raise SystemExit(proc.returncode)
        import json

        timings = json.loads((Path(out) / "metrics.json").read_text())["timings_s"]
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"default CLI (simulation, mlp, 30 AWD epochs + γ=0 ablation): {wall:.1f} s wall; "
          f"teacher {timings['teacher']:.1f} s, distil {timings['distill']:.1f} s "
          f"(per AWD epoch {timings['per_epoch']:.3f} s); peak RSS {peak_mb:.0f} MB")
    print(f"target: teacher + AWD < 60 s -> {'met' if timings['teacher'] + timings['distill'] < 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
