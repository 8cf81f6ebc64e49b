"""`make bench`: the ketamine population model against its targets.

Targets (issue 4: dosing decision support):
1. `pk.population` of 100,000 patients over 12 h at 1-minute steps, with the 5th, 50th
   and 95th percentile curves, in under 2 s and under 1 GB. Time: the slowest of three
   runs after a warm-up. Memory: the peak of numpy's allocations during one run
   (tracemalloc, which numpy reports to) and the process's peak resident set size
   (resource.getrusage ru_maxrss, which includes Python, numpy and scipy themselves).
2. The same model solved numerically, patient by patient, with scipy.integrate.solve_ivp
   for 500 patients, scaled to 100,000: the closed form must be at least 100 times
   faster, and the two must agree to within 0.1% of each patient's Cmax.
Exits non-zero when a target is missed.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from ketacare.clinical import pk

PATIENTS = 100_000
ODE_PATIENTS = 500
TIME_TARGET_S = 2.0
MEMORY_TARGET_MB = 1024.0
SPEED_RATIO_TARGET = 100.0
AGREEMENT_TARGET = 1e-3  # of Cmax
RUNS = 3

# The clinic's doses (sublingual first: the at-home program's route) and the IV reference.
REGIMENS: list[tuple[str, float, dict[str, Any]]] = [
    ("sublingual", 100.0, {}),
    ("oral", 150.0, {}),
    ("intranasal", 50.0, {}),
    ("intranasal", 56.0, {"formulation": "esketamine"}),
    ("im", 50.0, {}),
    ("iv", 35.0, {}),
    ("iv", 35.0, {"infusion_min": 40.0}),
]


@dataclass(frozen=True)
class Timing:
    label: str
    slowest_s: float
    traced_peak_mb: float


def _label(route: str, dose_mg: float, options: dict[str, Any]) -> str:
    extras = " ".join(f"{key}={value}" for key, value in options.items())
    return f"{route} {dose_mg:g} mg {extras}".strip()


def time_population(route: str, dose_mg: float, options: dict[str, Any]) -> Timing:
    def run() -> pk.Population:
        return pk.population(route, dose_mg, n=PATIENTS, weight_kg=70, seed=1, **options)

    run()  # warm-up: the route's absorption fit is cached after the first call
    durations = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        durations.append(time.perf_counter() - started)
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Timing(_label(route, dose_mg, options), max(durations), peak / 2**20)


def ode_curve(subjects: pk.Subjects, index: int, t_h: np.ndarray) -> np.ndarray:
    """One patient's concentrations (ng/mL) from the compartment equations, numerically."""
    cl = float(subjects.clearance_l_per_h[index])
    v1 = float(subjects.central_volume_l[index])
    q = float(subjects.intercompartmental_clearance_l_per_h[index])
    v2 = float(subjects.peripheral_volume_l[index])
    gut = []
    for way in subjects.pathways:
        if way.absorption_rate_per_h is None or way.infusion_h:
            raise SystemExit("the benchmark's ODE takes absorbed doses only")
        gut.append((float(way.amount_mg[index]), float(way.absorption_rate_per_h[index])))
    rates = [ka for _, ka in gut]

    def rhs(_t: float, y: np.ndarray) -> list[float]:
        central, peripheral = y[0], y[1]
        absorbed = sum(ka * y[2 + k] for k, ka in enumerate(rates))
        return [
            absorbed - (cl + q) / v1 * central + q / v2 * peripheral,
            q / v1 * central - q / v2 * peripheral,
            *(-ka * y[2 + k] for k, ka in enumerate(rates)),
        ]

    y0 = [0.0, 0.0, *(mg for mg, _ in gut)]
    solution = solve_ivp(
        rhs, (0.0, float(t_h[-1])), y0, method="LSODA", t_eval=t_h, rtol=1e-8, atol=1e-10
    )
    return np.asarray(solution.y[0] / v1 * 1000)


def compare_with_ode(closed_form_s: float) -> tuple[float, float]:
    """(speed ratio, largest difference relative to Cmax) on ODE_PATIENTS sublingual patients."""
    pop = pk.population("sublingual", 100.0, n=ODE_PATIENTS, weight_kg=70, seed=2)
    closed = pk.concentrations_ng_ml(pop.subjects, pop.t_h)
    started = time.perf_counter()
    numerical = np.column_stack([ode_curve(pop.subjects, i, pop.t_h) for i in range(ODE_PATIENTS)])
    ode_s = time.perf_counter() - started
    scaled_s = ode_s * PATIENTS / ODE_PATIENTS
    worst = float(np.max(np.max(np.abs(closed - numerical), axis=0) / closed.max(axis=0)))
    print(
        f"solve_ivp (LSODA, rtol 1e-8), {ODE_PATIENTS} sublingual patients: {ode_s:.2f} s, "
        f"scaled to {PATIENTS:,}: {scaled_s:.0f} s"
    )
    return scaled_s / closed_form_s, worst


def main() -> int:
    print(f"pk.population: {PATIENTS:,} patients, 12 h at 1-minute steps, 5/50/95th percentiles")
    timings = [time_population(route, dose, options) for route, dose, options in REGIMENS]
    for timing in timings:
        print(
            f"  {timing.label:<40} {timing.slowest_s:.2f} s (slowest of {RUNS}), "
            f"numpy peak {timing.traced_peak_mb:.0f} MB (tracemalloc)"
        )
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    slowest = max(timing.slowest_s for timing in timings)
    traced = max(timing.traced_peak_mb for timing in timings)
    print(
        f"slowest {slowest:.2f} s (target < {TIME_TARGET_S:g} s); numpy peak {traced:.0f} MB, "
        f"process peak RSS {peak_rss_mb:.0f} MB (ru_maxrss) (target < {MEMORY_TARGET_MB:.0f} MB)"
    )
    sublingual_s = timings[0].slowest_s
    ratio, worst = compare_with_ode(sublingual_s)
    print(
        f"closed form vs solve_ivp: {ratio:,.0f}x faster (target >= {SPEED_RATIO_TARGET:g}x); "
        f"largest difference {worst:.1e} of Cmax (target < {AGREEMENT_TARGET:g})"
    )
    failures = [
        message
        for missed, message in [
            (slowest >= TIME_TARGET_S, "a population took 2 s or more"),
            (max(traced, peak_rss_mb) >= MEMORY_TARGET_MB, "memory reached 1 GB"),
            (ratio < SPEED_RATIO_TARGET, "the closed form is less than 100x faster"),
            (worst >= AGREEMENT_TARGET, "the closed form and the ODE disagree by 0.1%+"),
        ]
        if missed
    ]
    for message in failures:
        print(f"FAILED: {message}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
