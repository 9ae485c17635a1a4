"""Benchmark of the audit engine: COMPAS with default settings and a 1,000,000-row synthetic table.

Reports wall time, peak memory (ru_maxrss of this process and of the EBM
worker processes) and the ratio to the floor: fitting the student and the
outcome EBM once each on all rows with the same settings (the same
``ebm_settings``, so the same ``max_rounds`` cap). Each case runs in a fresh
process; the worker pool is started before either timing so neither pays
the process start-up. Check ``uptime`` first: other work on the 2 cores
inflates every number.

    .venv/bin/python bench/bench_audit.py [--skip-large] [--only compas|large]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.audit.calibration import calibrate  # noqa: E402
from core.audit.datasets import load_dataset, make_synthetic  # noqa: E402
from core.audit.models import ebm_settings, prepare_features  # noqa: E402
from core.audit.pipeline import run_audit  # noqa: E402
from core.audit.spec import AuditSpec  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "compas"


def _tree_rss_mib() -> float:
    """Resident memory of this process plus all its descendants (Linux /proc), MiB."""
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree, frontier = {os.getpid()}, [os.getpid()]
    while frontier:
        kids = [p for p, pp in parent.items() if pp in frontier and p not in tree]
        tree.update(kids)
        frontier = kids
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
    return total / 1024


def _measure(fn):
    """Run ``fn``; return its result, wall seconds and the peak RSS of the process tree (sampled, MiB)."""
    import threading

    peak, stop = [0.0], threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss_mib())
            stop.wait(0.25)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    t = time.perf_counter()
    try:
        out = fn()
    finally:
        wall = time.perf_counter() - t
        stop.set()
        watcher.join()
    return out, wall, peak[0]


def _warm_workers(spec: AuditSpec) -> None:
    """Start the EBM worker processes once, so that neither timing below pays for it."""
    import numpy as np
    import pandas as pd
    from interpret.glassbox import ExplainableBoostingRegressor

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200)})
    ExplainableBoostingRegressor(**{**ebm_settings(spec), "max_rounds": 5}).fit(X, rng.normal(size=200))


def floor_seconds(frame, spec: AuditSpec) -> float:
    """Fit outcome model and student once each on all rows, same settings and pairs."""
    from interpret.glassbox import ExplainableBoostingClassifier, ExplainableBoostingRegressor

    X = prepare_features(frame, list(spec.features))
    y = frame[spec.outcome].to_numpy().astype(int)
    cal, _ = calibrate(frame[spec.score].to_numpy(float), y, method=spec.calibration)
    target = cal.predict_logit(frame[spec.score].to_numpy(float))
    t = time.perf_counter()
    outcome = ExplainableBoostingClassifier(interactions=spec.interactions, **ebm_settings(spec)).fit(X, y)
    pairs = [tuple(f) for f in outcome.term_features_ if len(f) == 2]
    ExplainableBoostingRegressor(interactions=pairs, **ebm_settings(spec)).fit(X, target)
    return time.perf_counter() - t


def bench(name, ds, spec):
    _warm_workers(spec)
    result, wall, tree_peak = _measure(lambda: run_audit(ds.frame, spec, data_sha256=ds.sha256))
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    floor = floor_seconds(ds.frame, spec)
    print(f"{name}: rows={len(ds.frame):,} wall={wall:.1f}s floor={floor:.1f}s ratio={wall / floor:.2f} "
          f"peak_rss_process={own:.0f}MiB peak_rss_with_workers={tree_peak:.0f}MiB "
          f"fidelity_r2={result.fidelity.r2:.4f} "
          f"auc={result.accuracy.auc:.4f} steps={result.timings} load={os.getloadavg()[0]:.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--only", choices=("compas", "large"))
    args = parser.parse_args()
    if args.only is None:  # each case in a fresh process: clean peak memory, cold caches for both
        for case in ("compas",) + (() if args.skip_large else ("large",)):
            subprocess.run([sys.executable, __file__, "--only", case], check=False)
        return
    if args.only == "compas":
        if (SHARED / "compas-scores-two-years.csv").is_file():
            ds = load_dataset("compas", source=SHARED)
            spec = AuditSpec(ds.score, ds.outcome, features=ds.features, protected=ds.protected)
            bench("COMPAS (default settings)", ds, spec)
        else:
            print("COMPAS: ../shared/data/compas not present; skipped")
    else:
        ds = make_synthetic("hidden-feature", n_rows=1_000_000, random_state=0)
        spec = AuditSpec(ds.score, ds.outcome, features=ds.features, protected=ds.protected, calibration="none")
        bench("synthetic 1,000,000 rows (default settings)", ds, spec)


if __name__ == "__main__":
    main()
