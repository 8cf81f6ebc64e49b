"""Trajectory classes: a Gaussian mixture over patients' score paths (CLINICAL.md G9).

Hull 2022 found three classes of PHQ-9 course over the at-home induction (baseline, after
session 2, after session 4) by growth mixture modelling: improving, chronic and delayed
(CLINICAL.md F, G9). Here a Gaussian mixture is fitted to the paths for k = 1..max classes
and the k of lowest BIC (Schwarz 1978) kept; each class is then named from its mean path
against the instrument's MCID (CLINICAL.md A11):

- chronic: the mean fall from baseline at the last point is less than the MCID;
- improving: a fall of at least the MCID, at least half of it by the middle point;
- delayed: a fall of at least the MCID, less than half of it by the middle point.

With no MCID for the instrument the classes are not named ("class"). Names that repeat
(k other than 3, or two classes alike) take a number: "improving 1", "improving 2".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sklearn.mixture import GaussianMixture

IMPROVING = "improving"
CHRONIC = "chronic"
DELAYED = "delayed"
UNNAMED = "class"

# Fixed for reproducible reports: the same paths always give the same classes.
RANDOM_STATE = 0
# Each k is fitted from this many k-means++ starts and the best kept: EM finds a local
# optimum, and a small class (Hull's delayed, 9.3%) is easily missed from one start.
N_INIT = 5
# Totals are whole numbers: rounding a continuous score to an integer adds a variance of
# 1/12 (Sheppard's correction). As the variance floor it keeps a pile of equal totals
# (the floor of a scale, 0) from being fitted as a class of zero width.
ROUNDING_VARIANCE = 1 / 12
MIN_PATHS = 2


@dataclass(frozen=True)
class ClassFit:
    """The Bayesian information criterion of the mixture with k classes (lower is better)."""

    k: int
    bic: float


@dataclass(frozen=True)
class TrajectoryClass:
    """One class: its name, size and mean path (one mean total per point of the path)."""

    label: str
    n: int
    proportion: float
    mean_path: tuple[float, ...]


@dataclass(frozen=True)
class TrajectoryClasses:
    """The chosen mixture: k classes (largest first) and the BIC of every k tried."""

    instrument: str
    n: int
    k: int
    fits: tuple[ClassFit, ...]
    classes: tuple[TrajectoryClass, ...]


def name_class(mean_path: Sequence[float], mcid: int | None) -> str:
    """The name of a class from its mean path (baseline first), as the module describes."""
    if mcid is None:
        return UNNAMED
    baseline, middle, last = mean_path[0], mean_path[len(mean_path) // 2], mean_path[-1]
    fall = baseline - last
    if fall < mcid:
        return CHRONIC
    return IMPROVING if 2 * (baseline - middle) >= fall else DELAYED


def _numbered(labels: list[str]) -> list[str]:
    counts = Counter(labels)
    seen: Counter[str] = Counter()
    numbered = []
    for label in labels:
        seen[label] += 1
        numbered.append(f"{label} {seen[label]}" if counts[label] > 1 else label)
    return numbered


def _fit(data: NDArray[np.float64], k: int) -> GaussianMixture:
    model = GaussianMixture(
        n_components=k,
        n_init=N_INIT,
        init_params="k-means++",
        reg_covar=ROUNDING_VARIANCE,
        random_state=RANDOM_STATE,
    )
    return model.fit(data)


def trajectory_classes(
    instrument: str,
    paths: Sequence[Sequence[float]],
    *,
    mcid: int | None,
    max_classes: int,
) -> TrajectoryClasses | None:
    """Classes of `paths` (one per patient, all of one length) by lowest BIC.

    None below two paths: a mixture needs at least two to estimate a spread.
    """
    if len(paths) < MIN_PATHS:
        return None
    data = np.asarray(paths, dtype=np.float64)
    # A mixture cannot have more classes than distinct paths to put in them.
    most = min(max_classes, len(np.unique(data, axis=0)))
    models = [_fit(data, k) for k in range(1, most + 1)]
    fits = tuple(ClassFit(k=k, bic=float(m.bic(data))) for k, m in enumerate(models, start=1))
    best = models[min(range(most), key=lambda i: fits[i].bic)]
    members = np.bincount(best.predict(data), minlength=best.n_components)
    order = sorted(range(best.n_components), key=lambda c: -members[c])
    means = [tuple(float(x) for x in best.means_[c]) for c in order]
    labels = _numbered([name_class(m, mcid) for m in means])
    return TrajectoryClasses(
        instrument=instrument,
        n=len(data),
        k=best.n_components,
        fits=fits,
        classes=tuple(
            TrajectoryClass(
                label=label,
                n=int(members[c]),
                proportion=float(members[c]) / len(data),
                mean_path=mean,
            )
            for label, c, mean in zip(labels, order, means, strict=True)
        ),
    )
