"""A synthetic cohort shaped like Hull 2022 (CLINICAL.md F), for the cohort report's tests.

1,247 patients, 4 at-home sessions a week apart, PHQ-9 at baseline, after session 2 and
after session 4, in three trajectory groups of 79.3% improving, 11.4% chronic and 9.3%
delayed (CLINICAL.md F). All baselines are clinically significant (PHQ-9 >= 10, G9). The
groups' paths are chosen so that, over many patients, about 64.8% respond and 31.5%
remit after session 4 (Hull: 62.8% and 32.6%); the seeded cohort itself is within the
sampling error of Hull's figures. Deterministic: numpy's generator with a fixed seed.

Also imported by benchmarks/outcomes.py (its 10,000 patients).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from ketacare.clinical.outcomes import Observation, PatientCourse

PATIENTS = 1247  # CLINICAL.md F
SEED = 2022
# CLINICAL.md F: Hull 2022's classes, in this order.
GROUPS = (("improving", 0.793), ("chronic", 0.114), ("delayed", 0.093))
# The paths, in PHQ-9 points: baseline ~ N(15, 3) on 10-27; improving falls to about 5
# (spread 3.3) at session 4, most of it by session 2; chronic stays within a point or
# two; delayed hardly moves by session 2 and halves by session 4.
BASELINE = (15.0, 3.0)
IMPROVING_SESSION_4 = (5.4, 3.3)

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
SESSIONS = 4
WEEK = timedelta(days=7)


def group_sizes(n: int) -> list[int]:
    """The group sizes for n patients (the last group takes the rounding)."""
    sizes = [round(n * share) for _, share in GROUPS[:-1]]
    return [*sizes, n - sum(sizes)]


def _group(rng: np.random.Generator, name: str, count: int) -> NDArray[np.float64]:
    baseline = rng.normal(*BASELINE, count)
    if name == "improving":
        session_4 = rng.normal(*IMPROVING_SESSION_4, count)
        session_2 = session_4 + rng.normal(2.5, 1.5, count)
    elif name == "chronic":
        session_2 = baseline - rng.normal(0.5, 1.0, count)
        session_4 = session_2 - rng.normal(0.0, 1.0, count)
    else:
        session_2 = baseline - rng.normal(1.0, 1.0, count)
        session_4 = 0.5 * baseline + rng.normal(0.0, 1.0, count)
    paths = np.clip(np.rint(np.column_stack([baseline, session_2, session_4])), 0, 27)
    paths[:, 0] = np.clip(paths[:, 0], 10, 27)
    return paths


def paths(n: int = PATIENTS, seed: int = SEED) -> tuple[NDArray[np.float64], list[str]]:
    """The PHQ-9 paths of n patients (baseline, after sessions 2 and 4) and their groups."""
    rng = np.random.default_rng(seed)
    blocks, groups = [], []
    for (name, _), count in zip(GROUPS, group_sizes(n), strict=True):
        blocks.append(_group(rng, name, count))
        groups += [name] * count
    return np.vstack(blocks), groups


def course(key: str, path: NDArray[np.float64], start: datetime) -> PatientCourse:
    """One patient: weekly doses from `start`; PHQ-9 2 days before, and after 2 and 4."""
    doses = tuple(start + i * WEEK for i in range(SESSIONS))
    baseline, session_2, session_4 = (int(x) for x in path)
    scores = (
        Observation(start - timedelta(days=2), baseline),
        Observation(doses[1] + timedelta(days=2), session_2),
        Observation(doses[3] + timedelta(days=3), session_4),
    )
    return PatientCourse(
        key=key,
        indication="depression",
        route="sublingual",
        product="ketamine-sl-tablet",
        doses=doses,
        induction_sessions=SESSIONS,
        discharged_early=False,
        scores={"phq9": scores},
        adverse_events=(),
    )


def cohort(n: int = PATIENTS, seed: int = SEED) -> tuple[PatientCourse, ...]:
    """The synthetic cohort: n patients starting on successive days of a quarter."""
    found, _ = paths(n, seed)
    return tuple(
        course(f"p{i:05d}", path, START + timedelta(days=i % 90)) for i, path in enumerate(found)
    )
