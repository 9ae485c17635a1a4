"""The validation harness: how often the audit's verdicts and intervals hold, at the shipped defaults.

``python -m core validate`` runs the default audit on seeded synthetic
scenarios whose truth is known (:mod:`core.audit.synthetic`) and reports:

- the flag rate of every term, with Clopper-Pearson 95% intervals (for the
  biased term it is power, for the others a false-flag rate);
- coverage of the student's, the outcome model's and the difference's
  pointwise 95% intervals against the population truth, row-weighted;
- coverage of the true alpha by its interval;
- how often each term's discrepancy interval contains 0 where the truth is 0;
- the missing-feature test's rejection rate (size where nothing is hidden,
  power where something is).

Audits run in parallel through joblib, or on a dask.distributed cluster
(``backend="dask"``; a LocalCluster when no scheduler address is given).
Each audit is a pure function of its (scenario, seed), so both backends give
the same numbers. Nothing is written until every audit has finished.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.audit.synthetic import FEATURES, Scenario, projected_truth, simulate

SCHEMA = "audit-validation/1"

SCENARIOS = {
    "clean": Scenario(score_kind="decile"),
    "biased-decile": Scenario(bias_weight=0.8, score_kind="decile"),
    "biased-probability": Scenario(bias_weight=0.8, score_kind="probability"),
    "hidden-0.25": Scenario(hidden_weight=0.25, score_kind="decile"),
    "hidden-0.5": Scenario(hidden_weight=0.5, score_kind="decile"),
    "hidden-1.0": Scenario(hidden_weight=1.0, score_kind="decile"),
    "biased-hidden": Scenario(hidden_weight=1.0, bias_weight=0.8, score_kind="decile"),
}

TARGETS = {
    "false_flag_rate_max": 0.10,
    "power_min": 0.95,
    "difference_coverage": (0.93, 0.98),
    "difference_coverage_term_min": 0.90,
    "student_coverage_min": 0.92,
    "discrepancy_contains_zero_min": 0.90,
    "missing_size_max": 0.07,
    "missing_power_min": 0.90,
}


@dataclass(frozen=True)
class ValidationGrid:
    """What to run.

    Attributes
    ----------
    scenarios : tuple of str
        Keys of :data:`SCENARIOS`.
    seeds : int
        Seeds per scenario (data seed and audit seed are the same).
    n_rows : int
    preset : str
    """

    scenarios: tuple = tuple(SCENARIOS)
    seeds: int = 20
    n_rows: int = 8000
    preset: str = "default"
    first_seed: int = 0
    student: str = "matched"
    scale: str = "robust"

    def tasks(self) -> list:
        return [(name, self.first_seed + s) for name in self.scenarios for s in range(self.seeds)]

    def to_dict(self) -> dict:
        return {"scenarios": list(self.scenarios), "seeds": self.seeds, "n_rows": self.n_rows,
                "preset": self.preset, "first_seed": self.first_seed, "student": self.student, "scale": self.scale}


def audit_spec(scenario: Scenario, seed: int, preset: str = "default", student: str = "matched",
               scale: str = "robust"):
    """The spec a user gets for this scenario's table: the preset's settings, the score's natural calibration.

    ``student`` and ``scale`` other than the defaults are for ablations (what each lever buys).
    """
    from dataclasses import replace

    from core.audit.spec import AuditSpec

    spec = AuditSpec(score="score", outcome="outcome", features=FEATURES, protected=("group",),
                     calibration=scenario.calibration, random_state=seed, n_jobs=1).with_preset(preset)
    return replace(spec, student=student, scale=scale)


def _bin_truth(term, frame, per_row: np.ndarray) -> np.ndarray:
    """Mean per-row truth in each of ``term``'s bins, centred with the term's own bin weights."""
    values = frame[term.name].to_numpy()
    if term.kind == "continuous":
        cuts = np.asarray(term.grid_high[:-1], float)
        idx = np.searchsorted(cuts, values.astype(float), side="right")
        n_bins = len(term.grid)
    else:
        lookup = {g: i for i, g in enumerate(term.grid)}
        idx = np.array([lookup.get(str(v), -1) for v in values])
        n_bins = len(term.grid)
    ok = idx >= 0
    sums = np.bincount(idx[ok], weights=per_row[ok], minlength=n_bins)
    counts = np.bincount(idx[ok], minlength=n_bins)
    truth = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    w = np.asarray(term.weight, float)
    return truth - np.sum(truth * w) / max(w.sum(), 1e-12)


def _covered(low, high, truth, w) -> float:
    low, high, w = np.asarray(low, float), np.asarray(high, float), np.asarray(w, float)
    return float(np.sum(w * ((low <= truth) & (truth <= high))) / max(w.sum(), 1e-12))


def _z2(mean, high, truth, w, t_quantile) -> float:
    """Row-weighted mean squared error in units of the interval's standard error (1 when intervals are right)."""
    se = (np.asarray(high, float) - np.asarray(mean, float)) / t_quantile
    z = (np.asarray(mean, float) - truth) / np.maximum(se, 1e-12)
    w = np.asarray(w, float)
    return float(np.sum(w * z ** 2) / max(w.sum(), 1e-12))


SCALE_GRID = (0.7, 0.8, 0.85, 0.875, 0.9, 1.0)  # what-if values of INTERVAL_SCALE, reported as sensitivity


def _coverage_by_scale(mean, high, truth, w) -> dict:
    from core.audit.shapes import INTERVAL_SCALE

    mean, high = np.asarray(mean, float), np.asarray(high, float)
    half = (high - mean) / INTERVAL_SCALE
    return {str(k): _covered(mean - k * half, mean + k * half, truth, w) for k in SCALE_GRID}


def run_one(name: str, seed: int, n_rows: int, preset: str = "default", student: str = "matched",
            scale: str = "robust") -> dict:
    """Audit one seeded table of scenario ``name`` and score it against the truth (a small dict)."""
    from core.audit.pipeline import run_audit
    from core.audit.models import VALIDATION_SHARE
    from core.audit.shapes import IntervalRule

    scenario = SCENARIOS[name]
    frame = simulate(scenario, n_rows, seed)
    spec = audit_spec(scenario, seed, preset, student, scale)
    t0 = time.perf_counter()
    result = run_audit(frame, spec)
    seconds = time.perf_counter() - t0
    truth = projected_truth(scenario)
    rows = {"student": truth.on_rows(frame, "student"), "outcome": truth.on_rows(frame, "outcome")}
    rule = IntervalRule.for_bags(spec.outer_bags, 1 - VALIDATION_SHARE)
    terms = {}
    for term in result.terms:
        s_true = _bin_truth(term, frame, rows["student"][term.name])
        o_true = _bin_truth(term, frame, rows["outcome"][term.name])
        d_true = truth.alpha * s_true - o_true
        raw = np.asarray(term.student_bags, float)
        s_mean, s_low, s_high = rule.pointwise(raw, term.weight)
        tq = rule.t_quantile
        terms[term.name] = {
            "flagged": term.differs,
            "true_gap_rms": float(np.sqrt(np.sum(np.asarray(term.weight) * d_true ** 2) / sum(term.weight))),
            "difference_coverage": _covered(term.difference_low, term.difference_high, d_true, term.weight),
            "band_coverage": _covered(term.band_low, term.band_high, d_true, term.weight),
            "student_coverage": _covered(s_low, s_high, s_true, term.weight),
            "outcome_coverage": _covered(term.outcome_low, term.outcome_high, o_true, term.weight),
            "discrepancy_contains_zero": term.discrepancy_low <= 0.0,
            "difference_coverage_by_scale": _coverage_by_scale(term.difference, term.difference_high, d_true,
                                                               term.weight),
            "difference_z2": _z2(term.difference, term.difference_high, d_true, term.weight, tq),
            "student_z2": _z2(s_mean, s_high, s_true, term.weight, tq),
            "outcome_z2": _z2(term.outcome, term.outcome_high, o_true, term.weight, tq),
        }
    for pair in result.pairs:
        terms[pair.name] = {"flagged": pair.differs, "discrepancy_contains_zero": pair.discrepancy_low <= 0.0}
    pearson = result.missing.get("pearson")
    return {
        "scenario": name, "seed": seed, "seconds": seconds, "terms": terms,
        "alpha": result.scale.alpha, "alpha_true": truth.alpha,
        "alpha_covered": result.scale.alpha_low <= truth.alpha <= result.scale.alpha_high,
        "missing_rejects": pearson.ci_low > 0 or pearson.ci_high < 0,
        "missing_positive": pearson.ci_low > 0,
        "missing_verdict": result.missing.likely_missing,
        "fidelity_r2": result.fidelity.r2, "auc": result.accuracy.auc,
    }


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple:
    """Exact binomial interval for ``k`` successes in ``n`` trials."""
    from scipy import stats

    if n == 0:
        return (float("nan"), float("nan"))
    a = (1 - level) / 2
    low = 0.0 if k == 0 else float(stats.beta.ppf(a, k, n - k + 1))
    high = 1.0 if k == n else float(stats.beta.ppf(1 - a, k + 1, n - k))
    return low, high


def _rate(flags) -> dict:
    k, n = int(sum(flags)), len(flags)
    low, high = clopper_pearson(k, n)
    return {"count": k, "runs": n, "rate": k / n if n else float("nan"), "ci_low": low, "ci_high": high}


@dataclass
class ValidationReport:
    """Aggregated results (mutable while it is built; ``to_dict`` is the validation.json document)."""

    grid: ValidationGrid
    runs: list = field(default_factory=list)
    seconds: float = 0.0
    backend: str = "joblib"

    def scenario_summary(self, name: str) -> dict:
        runs = [r for r in self.runs if r["scenario"] == name]
        scenario = SCENARIOS[name]
        biased = "group" if scenario.bias_weight else None
        term_names = list(dict.fromkeys(t for r in runs for t in r["terms"]))
        terms = {}
        for t in term_names:
            rec = [r["terms"][t] for r in runs if t in r["terms"]]
            entry = {"flag": _rate([x["flagged"] for x in rec]), "is_main": t in FEATURES,
                     "truly_differs": t == biased,
                     "discrepancy_contains_zero": _rate([x["discrepancy_contains_zero"] for x in rec])}
            for key in ("difference_coverage", "band_coverage", "student_coverage", "outcome_coverage",
                        "difference_z2", "student_z2", "outcome_z2"):
                if rec and key in rec[0]:
                    entry[key] = float(np.mean([x[key] for x in rec]))
            if rec and "difference_coverage_by_scale" in rec[0]:
                entry["difference_coverage_by_scale"] = {
                    k: float(np.mean([x["difference_coverage_by_scale"][k] for x in rec]))
                    for k in rec[0]["difference_coverage_by_scale"]}
            terms[t] = entry
        legit = [t for t in term_names if t != biased and t in FEATURES]
        any_false = [any(r["terms"][t]["flagged"] for t in legit if t in r["terms"]) for r in runs]
        any_false_all = [any(v["flagged"] for k, v in r["terms"].items() if k != biased) for r in runs]
        mains = [t for t in term_names if t in FEATURES]
        weights = {t: 1.0 for t in mains}
        diff_cov = float(np.mean([terms[t]["difference_coverage"] * weights[t] for t in mains])) if mains else None
        return {
            "scenario": {"hidden_weight": scenario.hidden_weight, "bias_weight": scenario.bias_weight,
                         "score_kind": scenario.score_kind, "calibration": scenario.calibration},
            "runs": len(runs),
            "terms": terms,
            "any_legitimate_main_flagged": _rate(any_false),
            "any_term_wrongly_flagged": _rate(any_false_all),
            "power": _rate([r["terms"][biased]["flagged"] for r in runs]) if biased else None,
            "difference_coverage": diff_cov,
            "student_coverage": float(np.mean([terms[t]["student_coverage"] for t in mains])) if mains else None,
            "difference_coverage_by_scale": {
                k: {"overall": float(np.mean([terms[t]["difference_coverage_by_scale"][k] for t in mains])),
                    "worst_term": float(min(terms[t]["difference_coverage_by_scale"][k] for t in mains))}
                for k in (terms[mains[0]]["difference_coverage_by_scale"] if mains else {})},
            "alpha": {"mean": float(np.mean([r["alpha"] for r in runs])), "true": runs[0]["alpha_true"] if runs
                      else None, "coverage": _rate([r["alpha_covered"] for r in runs])},
            "missing_test": {"rejects": _rate([r["missing_rejects"] for r in runs]),
                             "positive": _rate([r["missing_positive"] for r in runs]),
                             "verdict": _rate([r["missing_verdict"] for r in runs]),
                             "role": "power" if scenario.hidden_weight else "size"},
            "seconds_per_audit": float(np.mean([r["seconds"] for r in runs])),
        }

    def checks(self) -> list:
        """Each target with the measured value and whether it is met."""
        out = []
        summaries = {n: self.scenario_summary(n) for n in self.grid.scenarios}

        def add(what, value, ok):
            out.append({"target": what, "value": value, "met": bool(ok)})

        for name, s in summaries.items():
            sc = SCENARIOS[name]
            if sc.hidden_weight in (0.0, 0.5, 1.0):
                r = s["any_legitimate_main_flagged"]
                add(f"{name}: a legitimate main term flagged in ≤ 10% of runs", r["rate"],
                    r["rate"] <= TARGETS["false_flag_rate_max"])
            if s["power"] is not None and sc.hidden_weight == 0:
                add(f"{name}: group flagged in ≥ 95% of runs", s["power"]["rate"],
                    s["power"]["rate"] >= TARGETS["power_min"])
            cov = s["difference_coverage"]
            lo, hi = TARGETS["difference_coverage"]
            add(f"{name}: difference coverage in [{lo}, {hi}]", cov, lo <= cov <= hi)
            worst = min(v["difference_coverage"] for v in s["terms"].values() if "difference_coverage" in v)
            add(f"{name}: no term's difference coverage below 0.90", worst,
                worst >= TARGETS["difference_coverage_term_min"])
            add(f"{name}: student coverage ≥ 0.92", s["student_coverage"],
                s["student_coverage"] >= TARGETS["student_coverage_min"])
            if name == "clean":
                worst = min(v["discrepancy_contains_zero"]["rate"] for v in s["terms"].values())
                add("clean: every term's discrepancy interval contains 0 in ≥ 90% of runs", worst,
                    worst >= TARGETS["discrepancy_contains_zero_min"])
            m = s["missing_test"]
            if sc.hidden_weight == 0:
                add(f"{name}: missing-feature verdict wrongly says 'likely missing' in ≤ 7% of runs",
                    m["verdict"]["rate"], m["verdict"]["rate"] <= TARGETS["missing_size_max"])
            elif sc.hidden_weight == 0.25 and not sc.bias_weight:
                add("hidden-0.25: missing-feature verdict says 'likely missing' in ≥ 90% of runs",
                    m["verdict"]["rate"], m["verdict"]["rate"] >= TARGETS["missing_power_min"])
        return out

    def to_dict(self) -> dict:
        from core.audit.pipeline import versions

        return {"schema": SCHEMA, "grid": self.grid.to_dict(), "backend": self.backend,
                "seconds": round(self.seconds, 1),
                "scenarios": {n: self.scenario_summary(n) for n in self.grid.scenarios},
                "checks": self.checks(), "versions": versions(), "runs": self.runs}

    def markdown(self) -> str:
        """The README table: one row per scenario, then the targets."""
        g = self.grid
        lines = [f"Default preset, {g.n_rows:,} rows, {g.seeds} seeds per scenario "
                 f"({len(self.runs)} audits, {self.seconds / 60:.1f} min). Rates with Clopper–Pearson 95% intervals.",
                 "",
                 "| scenario | legitimate main term flagged | `group` flagged | difference coverage (worst term) "
                 "| student coverage | alpha (true) | 'likely missing' verdict (Pearson two-sided rejects) |",
                 "|---|---|---|---|---|---|---|"]
        for name in g.scenarios:
            s = self.scenario_summary(name)
            f = s["any_legitimate_main_flagged"]
            p = s["power"]
            worst = min(v["difference_coverage"] for v in s["terms"].values() if "difference_coverage" in v)
            m = s["missing_test"]
            lines.append(
                f"| {name} | {_pct(f)} | {_pct(p) if p else '—'} | {s['difference_coverage']:.3f} ({worst:.3f}) "
                f"| {s['student_coverage']:.3f} | {s['alpha']['mean']:.2f} ({s['alpha']['true']:.2f}) "
                f"| {_pct(m['verdict'])} ({m['role']}; {m['rejects']['rate']:.0%}) |")
        lines += ["", "| target | measured | met |", "|---|---|---|"]
        for c in self.checks():
            v = c["value"]
            lines.append(f"| {c['target']} | {v:.3f} | {'yes' if c['met'] else '**no**'} |")
        return "\n".join(lines) + "\n"


def _pct(rate: dict) -> str:
    return f"{rate['count']}/{rate['runs']} = {rate['rate']:.0%} [{rate['ci_low']:.0%}, {rate['ci_high']:.0%}]"


def run_validation(grid: ValidationGrid, *, backend: str = "joblib", n_jobs: int = -1, scheduler: str | None = None,
                   progress=None) -> ValidationReport:
    """Run every (scenario, seed) audit of ``grid`` and aggregate them.

    Parameters
    ----------
    grid : ValidationGrid
    backend : {"joblib", "dask"}
    n_jobs : int
        joblib worker processes (-1: all cores); with dask, LocalCluster workers when positive.
    scheduler : str, optional
        Address of a running dask.distributed scheduler; a LocalCluster is started without one.
    progress : callable, optional
        ``progress(fraction, message, eta_s=...)`` after each audit; raising stops the run.
    """
    tasks = grid.tasks()
    report = progress or (lambda *a, **k: None)
    for name in grid.scenarios:
        projected_truth(SCENARIOS[name])  # warm the cache once, before workers need it
    start = time.perf_counter()
    runs = []

    def note(run):
        runs.append(run)
        done = len(runs)
        elapsed = time.perf_counter() - start
        eta = elapsed / done * (len(tasks) - done)
        report(done / len(tasks), f"{done}/{len(tasks)} audits ({run['scenario']}, seed {run['seed']}); "
               f"about {eta / 60:.1f} min left", eta_s=eta)

    if backend == "joblib":
        from joblib import Parallel, delayed

        jobs = (delayed(run_one)(name, seed, grid.n_rows, grid.preset, grid.student, grid.scale)
                for name, seed in tasks)
        for run in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs):
            note(run)
    elif backend == "dask":
        from dask.distributed import Client, LocalCluster, as_completed

        cluster = None
        if scheduler is None:
            workers = n_jobs if n_jobs and n_jobs > 0 else (os.cpu_count() or 1)
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
        client = Client(scheduler or cluster)
        try:
            futures = [client.submit(run_one, name, seed, grid.n_rows, grid.preset, grid.student, grid.scale,
                                     pure=True) for name, seed in tasks]
            for fut in as_completed(futures):
                note(fut.result())
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    else:
        raise ValueError(f"unknown backend {backend!r}")
    runs.sort(key=lambda r: (grid.scenarios.index(r["scenario"]), r["seed"]))
    return ValidationReport(grid=grid, runs=runs, seconds=time.perf_counter() - start, backend=backend)


def write_validation(report: ValidationReport, out_dir) -> Path:
    """Write validation.json and validation.md into ``out_dir``, replacing the old pair as a set."""
    from core.io import atomic_output_dir, json_safe

    with atomic_output_dir(out_dir) as tmp:
        (tmp / "validation.json").write_text(json.dumps(json_safe(report.to_dict()), indent=2) + "\n",
                                             encoding="utf-8")
        (tmp / "validation.md").write_text(report.markdown(), encoding="utf-8")
    return Path(out_dir)
