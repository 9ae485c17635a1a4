"""Benchmark of the audit engine: COMPAS with default settings and a 1,000,000-row synthetic table.

Reports wall time, peak memory (tracemalloc for Python allocations, ru_maxrss
for the process) and the ratio to the floor: fitting the student and the
outcome EBM once each on all rows with the same settings.

    .venv/bin/python bench/bench_audit.py [--skip-large]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.audit.calibration import calibrate  # noqa: E402
from core.audit.datasets import load_dataset, make_synthetic  # noqa: E402
from core.audit.models import ebm_settings, prepare_features  # noqa: E402
from core.audit.pipeline import run_audit  # noqa: E402
from core.audit.spec import AuditSpec  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "compas"


def _measure(fn):
    tracemalloc.start()
    t = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return out, wall, peak


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
    result, wall, peak = _measure(lambda: run_audit(ds.frame, spec, data_sha256=ds.sha256))
    floor = floor_seconds(ds.frame, spec)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{name}: rows={len(ds.frame):,} wall={wall:.1f}s floor={floor:.1f}s ratio={wall / floor:.2f} "
          f"python_peak={peak:.0f}MiB process_maxrss={rss:.0f}MiB steps={result.timings}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    if (SHARED / "compas-scores-two-years.csv").is_file():
        ds = load_dataset("compas", source=SHARED)
        spec = AuditSpec(ds.score, ds.outcome, features=ds.features, protected=ds.protected)
        bench("COMPAS (default settings)", ds, spec)
    else:
        print("COMPAS: ../shared/data/compas not present; skipped")
    if not args.skip_large:
        ds = make_synthetic("hidden-feature", n_rows=1_000_000, random_state=0)
        spec = AuditSpec(ds.score, ds.outcome, features=ds.features, protected=ds.protected, calibration="none")
        bench("synthetic 1,000,000 rows (default settings)", ds, spec)


if __name__ == "__main__":
    main()
