"""`make bench`: the cohort report's trajectory model on 10,000 synthetic patients.

The trajectory classes (ketacare.clinical.outcomes.classes: Gaussian mixtures for k = 1..4,
each from several starts, k chosen by BIC) on the PHQ-9 paths of 10,000 patients shaped
like Hull 2022 (tests/clinical/hull2022.py), timed against a ceiling measured in the same
run on the same data: one Gaussian mixture fit at k = 3 from one start. The ratio is set by
the model's work (fits x starts), not by the machine or the clock. Both sides: the fastest
of RUNS runs after a warm-up (the least disturbed by other work on a shared machine).
Printed for reference; no target.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from sklearn.mixture import GaussianMixture

from ketacare.clinical.outcomes import classes

# The synthetic cohort's generator lives with the tests that check it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.clinical import hull2022

PATIENTS = 10_000
RUNS = 3
MAX_CLASSES = 4


def fastest_s(run: Callable[[], object]) -> float:
    """The fastest of RUNS timed runs, after one warm-up run."""
    run()
    durations = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        durations.append(time.perf_counter() - started)
    return min(durations)


def main() -> int:
    paths, _ = hull2022.paths(PATIENTS, hull2022.SEED)

    def model() -> object:
        return classes.trajectory_classes("phq9", paths.tolist(), mcid=5, max_classes=MAX_CLASSES)

    def ceiling() -> object:
        return GaussianMixture(
            n_components=3,
            init_params="k-means++",
            reg_covar=classes.ROUNDING_VARIANCE,
            random_state=classes.RANDOM_STATE,
        ).fit(paths)

    found = classes.trajectory_classes("phq9", paths.tolist(), mcid=5, max_classes=MAX_CLASSES)
    if found is None:
        print("FAILED: no trajectory classes")
        return 1
    model_s, ceiling_s = fastest_s(model), fastest_s(ceiling)
    shares = ", ".join(f"{c.label} {c.proportion:.1%}" for c in found.classes)
    print(f"trajectory classes, {PATIENTS:,} patients: k = {found.k} ({shares})")
    print(
        f"trajectory model: {model_s:.2f} s; ceiling (one k = 3 fit, one start): "
        f"{ceiling_s:.3f} s; ratio {model_s / ceiling_s:.1f} "
        f"({MAX_CLASSES} values of k x {classes.N_INIT} starts each)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
