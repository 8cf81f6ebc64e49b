"""`make bench`: the ketamine population model against its targets.

Targets (issue 4: dosing decision support):
1. `pk.population` of 100,000 patients over 12 h at 1-minute steps, with the 5th, 50th
   and 95th percentile curves, in under 2 s (time: the slowest of five runs after a
   warm-up) and under 1 GB. Memory: the peak of numpy's allocations during one run
   (tracemalloc, which numpy reports to) and the process's peak resident set size
   (resource.getrusage ru_maxrss, which includes Python, numpy and scipy themselves),
   read before the numpy ceiling of target 4 runs (that alone holds two 721 x 100,000
   arrays, 1.2 GB).
2. The same model solved numerically, patient by patient, with scipy.integrate.solve_ivp
   for 500 sublingual patients, scaled to 100,000: the closed form must be at least 100
   times faster.
3. The closed form and the numerical solution agree to within 0.1% of each patient's
   Cmax: the 500 sublingual patients, and a few patients of every other regimen.
4. The sublingual 100 mg population takes at most 2 times one numpy exp pass over the
   same grid, `np.exp(np.multiply.outer(t_h, rates))` for the population's 721 times and
   100,000 rates, timed the same way in the same run: a ceiling set by the machine, not by
   the clock. The ratio compares the fastest of five runs on both sides (the least
   disturbed by other work on a shared machine); it is printed for every regimen, and for
   sublingual also with every row made in one thread.
Exits non-zero when a target is missed.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from ketacare.clinical import pk

Array = NDArray[np.float64]

PATIENTS = 100_000
ODE_PATIENTS = 500  # sublingual: the speed comparison and the agreement
ODE_CHECK_PATIENTS = 20  # of every other regimen: the agreement only
TIME_TARGET_S = 2.0
MEMORY_TARGET_MB = 1024.0
SPEED_RATIO_TARGET = 100.0
AGREEMENT_TARGET = 1e-3  # of Cmax
EXP_RATIO_TARGET = 2.0  # population time over one numpy exp pass, sublingual 100 mg
RUNS = 5

# The clinic's doses (sublingual first: the at-home program's route, and the ratio's
# target) and the IV reference.
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
class Runs:
    """Timed runs of one piece of work, after a warm-up run."""

    durations_s: tuple[float, ...]

    @property
    def slowest_s(self) -> float:
        return max(self.durations_s)

    @property
    def fastest_s(self) -> float:
        """The least disturbed run: what the ratios compare (both sides measured alike)."""
        return min(self.durations_s)


@dataclass(frozen=True)
class Timing:
    label: str
    runs: Runs
    traced_peak_mb: float


def _label(route: str, dose_mg: float, options: dict[str, Any]) -> str:
    extras = " ".join(f"{key}={value}" for key, value in options.items())
    return f"{route} {dose_mg:g} mg {extras}".strip()


def timed_runs(run: Callable[[], object]) -> Runs:
    """RUNS timed runs, after one warm-up run."""
    run()  # warm-up: e.g. the route's absorption fit is cached after the first call
    durations = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        durations.append(time.perf_counter() - started)
    return Runs(tuple(durations))


def time_population(route: str, dose_mg: float, options: dict[str, Any]) -> Timing:
    def run() -> pk.Population:
        return pk.population(route, dose_mg, n=PATIENTS, weight_kg=70, seed=1, **options)

    runs = timed_runs(run)
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Timing(_label(route, dose_mg, options), runs, peak / 2**20)


def time_in_one_thread(route: str, dose_mg: float, options: dict[str, Any]) -> Runs:
    """The population with every row made in the calling thread: what one core does.

    By default a large population makes its next rows in a second thread while the first
    takes the percentiles (pk._AHEAD_PATIENTS); the exp pass uses one core.
    """
    ahead = pk._AHEAD_PATIENTS
    pk._AHEAD_PATIENTS = PATIENTS + 1
    try:
        return timed_runs(
            lambda: pk.population(route, dose_mg, n=PATIENTS, weight_kg=70, seed=1, **options)
        )
    finally:
        pk._AHEAD_PATIENTS = ahead


def time_exp_ceiling() -> Runs:
    """One numpy exp pass over the population's grid: 721 times x 100,000 rates.

    The rates are the sublingual population's own elimination rates (CL/V1, negated):
    values of the size the model exponentiates.
    """
    pop = pk.population("sublingual", 100.0, n=PATIENTS, weight_kg=70, seed=1)
    t_h = np.asarray(pop.t_h)
    rates = -(pop.subjects.clearance_l_per_h / pop.subjects.central_volume_l)
    del pop
    return timed_runs(lambda: np.exp(np.multiply.outer(t_h, rates)))


# --- the numerical solution ----------------------------------------------------------------


def _compartments(subjects: pk.Subjects, index: int) -> Array:
    """The three-compartment rate matrix (per hour) on the amounts (central, shallow, deep)."""
    cl, v1, q2, v2, q3, v3 = (float(values[index]) for values in subjects.constants)
    return np.array(
        [
            [-(cl + q2 + q3) / v1, q2 / v2, q3 / v3],
            [q2 / v1, -q2 / v2, 0.0],
            [q3 / v1, 0.0, -q3 / v3],
        ]
    )


def ode_curve(subjects: pk.Subjects, index: int, t_h: Array) -> Array:
    """One patient's concentrations (ng/mL) from the compartment equations, numerically.

    The amounts are central, shallow and deep, then one depot per pathway with an
    absorption. A pathway arrives (into its depot, or the blood) at once or evenly over
    its input_h: the equations change where an input ends, so they are solved piecewise
    between those times, each piece from where the last one ended.
    """
    depots = [k for k, way in enumerate(subjects.pathways) if way.absorption_rate_per_h is not None]
    size = 3 + len(depots)
    matrix = np.zeros((size, size))
    matrix[:3, :3] = _compartments(subjects, index)
    slot = {}  # pathway -> the amount it enters (0: the blood)
    for k, way in enumerate(subjects.pathways):
        slot[k] = 0
        if way.absorption_rate_per_h is not None:
            slot[k] = 3 + depots.index(k)
            ka = float(way.absorption_rate_per_h[index])
            matrix[slot[k], slot[k]] = -ka
            matrix[0, slot[k]] = ka
    state = np.zeros(size)
    for k, way in enumerate(subjects.pathways):
        if not way.input_h:
            state[slot[k]] += float(way.amount_mg[index])
    end = float(t_h[-1])
    ends = sorted({way.input_h for way in subjects.pathways if 0 < way.input_h < end})
    central = np.empty(t_h.size)
    for start, stop in zip([0.0, *ends], [*ends, end], strict=True):
        inflow = np.zeros(size)
        for k, way in enumerate(subjects.pathways):
            if start < way.input_h:  # still arriving throughout this piece
                inflow[slot[k]] += float(way.amount_mg[index]) / way.input_h

        def rhs(_t: float, y: Array, inflow: Array = inflow) -> Array:
            return np.asarray(matrix @ y + inflow)

        last = stop == end
        inside = (t_h >= start) & ((t_h <= stop) if last else (t_h < stop))
        # The piece's end is solved for too (the next piece starts there).
        t_eval = t_h[inside] if last else np.append(t_h[inside], stop)
        solution = solve_ivp(
            rhs, (start, stop), state, method="LSODA", t_eval=t_eval, rtol=1e-8, atol=1e-10
        )
        if not solution.success:
            raise SystemExit(f"solve_ivp failed: {solution.message}")
        central[inside] = solution.y[0, : int(inside.sum())]
        state = solution.y[:, -1]
    return central / float(subjects.central_volume_l[index]) * 1000  # mg/L -> ng/mL


def ode_agreement(
    route: str, dose_mg: float, options: dict[str, Any], n: int
) -> tuple[float, float]:
    """(seconds for n patients by solve_ivp, largest difference relative to each one's Cmax)."""
    pop = pk.population(route, dose_mg, n=n, weight_kg=70, seed=2, **options)
    t_h = np.asarray(pop.t_h)
    closed = pk.concentrations_ng_ml(pop.subjects, t_h)
    started = time.perf_counter()
    numerical = np.column_stack([ode_curve(pop.subjects, i, t_h) for i in range(n)])
    ode_s = time.perf_counter() - started
    worst = float(np.max(np.max(np.abs(closed - numerical), axis=0) / closed.max(axis=0)))
    return ode_s, worst


def main() -> int:
    print(f"pk.population: {PATIENTS:,} patients, 12 h at 1-minute steps, 5/50/95th percentiles")
    timings = [time_population(route, dose, options) for route, dose, options in REGIMENS]
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    ceiling = time_exp_ceiling()
    print(
        f"numpy ceiling: np.exp(np.multiply.outer(t_h, rates)), 721 x {PATIENTS:,}: "
        f"fastest {ceiling.fastest_s:.3f} s, slowest {ceiling.slowest_s:.3f} s of {RUNS}"
    )
    for timing in timings:
        print(
            f"  {timing.label:<40} fastest {timing.runs.fastest_s:.2f} s "
            f"({timing.runs.fastest_s / ceiling.fastest_s:.2f}x the exp pass), slowest "
            f"{timing.runs.slowest_s:.2f} s of {RUNS}; numpy peak "
            f"{timing.traced_peak_mb:.0f} MB (tracemalloc)"
        )
    slowest = max(timing.runs.slowest_s for timing in timings)
    traced = max(timing.traced_peak_mb for timing in timings)
    exp_ratio = timings[0].runs.fastest_s / ceiling.fastest_s
    print(
        f"slowest {slowest:.2f} s (target < {TIME_TARGET_S:g} s); numpy peak {traced:.0f} MB, "
        f"process peak RSS {peak_rss_mb:.0f} MB (ru_maxrss) (target < {MEMORY_TARGET_MB:.0f} MB)"
    )
    print(
        f"{timings[0].label}: {exp_ratio:.2f}x one numpy exp pass over its grid, fastest runs "
        f"(target <= {EXP_RATIO_TARGET:g}x)"
    )
    alone = time_in_one_thread(*REGIMENS[0])
    print(
        f"  the same in one thread (no rows made ahead): fastest {alone.fastest_s:.2f} s, "
        f"{alone.fastest_s / ceiling.fastest_s:.2f}x (for reference)"
    )
    ode_s, worst = ode_agreement(*REGIMENS[0], n=ODE_PATIENTS)
    scaled_s = ode_s * PATIENTS / ODE_PATIENTS
    speed_ratio = scaled_s / timings[0].runs.slowest_s
    print(
        f"solve_ivp (LSODA, rtol 1e-8, piecewise at each input's end), {ODE_PATIENTS} "
        f"{timings[0].label} patients: {ode_s:.2f} s, scaled to {PATIENTS:,}: {scaled_s:.0f} s"
    )
    print(
        f"closed form vs solve_ivp: {speed_ratio:,.0f}x faster (target >= "
        f"{SPEED_RATIO_TARGET:g}x); largest difference {worst:.1e} of Cmax"
    )
    for route, dose, options in REGIMENS[1:]:
        _, other = ode_agreement(route, dose, options, n=ODE_CHECK_PATIENTS)
        print(f"  {_label(route, dose, options):<40} {ODE_CHECK_PATIENTS} patients: {other:.1e}")
        worst = max(worst, other)
    print(f"largest difference, every regimen: {worst:.1e} of Cmax (target < {AGREEMENT_TARGET:g})")
    failures = [
        message
        for missed, message in [
            (slowest >= TIME_TARGET_S, "a population took 2 s or more"),
            (max(traced, peak_rss_mb) >= MEMORY_TARGET_MB, "memory reached 1 GB"),
            (speed_ratio < SPEED_RATIO_TARGET, "the closed form is less than 100x faster"),
            (worst >= AGREEMENT_TARGET, "the closed form and the ODE disagree by 0.1%+"),
            (
                exp_ratio > EXP_RATIO_TARGET,
                f"{timings[0].label} takes more than {EXP_RATIO_TARGET:g}x one exp pass",
            ),
        ]
        if missed
    ]
    for message in failures:
        print(f"FAILED: {message}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
