"""Benchmark of the audit engine: COMPAS with default settings and a 1,000,000-row synthetic table.

Reports wall time, peak memory (ru_maxrss of this process and of the worker
processes) and the ratio to the floor: one fit of each of the audit's two
EBMs (the outcome classifier and the noise-matched student, a classifier
too) with the same settings, all outer bags in one call on all cores, on the
same training rows the audit fits, with the same pairs. The audit does more
than that (a calibration and a label draw per bag, the pair ranking, a
mimic for the missing-feature test, the bootstrap); the ratio says what
that costs. Each case runs in a fresh process; the worker pools are started
before either timing so neither pays the process start-up. Check ``uptime``
first: other work on the 2 cores inflates every number.

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


def _floor_settings(spec: AuditSpec) -> dict:
    return {**ebm_settings(spec), "outer_bags": spec.outer_bags, "n_jobs": -1}


def _warm_workers(spec: AuditSpec) -> None:
    """Start the worker processes once, so that neither timing below pays for it."""
    import numpy as np
    import pandas as pd
    from interpret.glassbox import ExplainableBoostingClassifier
    from joblib import Parallel, delayed

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200)})
    ExplainableBoostingClassifier(**{**_floor_settings(spec), "max_rounds": 5}).fit(X, rng.integers(0, 2, 200))
    Parallel(n_jobs=-1)(delayed(abs)(i) for i in range(4))


def floor_seconds(frame, spec: AuditSpec, pairs: list) -> float:
    """Fit the outcome model and the matched student once each, all bags in one call, on the audit's training rows."""
    import numpy as np
    from interpret.glassbox import ExplainableBoostingClassifier

    from core.audit.pipeline import split_rows
    from core.audit.validate import model_features

    y_all = frame[spec.outcome].to_numpy().astype(int)
    train = split_rows(y_all, spec.test_size, spec.random_state)
    X = prepare_features(frame, model_features(frame, spec))[train].reset_index(drop=True)
    y, score = y_all[train], frame[spec.score].to_numpy(float)[train]
    cal, _ = calibrate(score, y, method=spec.calibration)
    y_star = (np.random.default_rng(0).random(len(y)) < cal.predict_proba(score)).astype(int)
    t = time.perf_counter()
    ExplainableBoostingClassifier(interactions=pairs, random_state=0, **_floor_settings(spec)).fit(X, y)
    ExplainableBoostingClassifier(interactions=pairs, random_state=1, **_floor_settings(spec)).fit(X, y_star)
    return time.perf_counter() - t


def bench(name, ds, spec):
    _warm_workers(spec)
    result, wall, tree_peak = _measure(lambda: run_audit(ds.frame, spec, data_sha256=ds.sha256))
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    names = list(result.data.features)
    pairs = [tuple(names.index(f) for f in p.features) for p in result.pairs]
    floor = floor_seconds(ds.frame, spec, pairs)
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
        ds = make_synthetic("hidden-feature", n_rows=1_000_000, random_state=0)  # probability score
        spec = AuditSpec(ds.score, ds.outcome, features=ds.features, protected=ds.protected, calibration="none")
        bench("synthetic 1,000,000 rows (default settings)", ds, spec)


if __name__ == "__main__":
    main()
