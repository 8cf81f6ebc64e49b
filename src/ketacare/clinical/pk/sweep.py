"""The population's sweep: every subject's curve, one time point at a time.

Running products instead of an exp per row and time (`_RowMaker`), exact running
percentiles without sorting (`ketacare.clinical.bands`), and for a large population a
second thread that makes the next rows while this one takes the percentiles of the last.
Memory stays at a few rows of patients.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ketacare.clinical import pk
from ketacare.clinical.bands import RunningPercentiles
from ketacare.clinical.pk.closed_form import _Term
from ketacare.clinical.pk.figures import PERCENTILES, Array

# From pk._AHEAD_PATIENTS patients (read from the package at every sweep) the rows are
# made in a second thread (`_ahead`), up to _AHEAD_ROWS time points ahead of their
# percentiles.
_AHEAD_ROWS = 4
# Below n / _FEW_RISING rising curves, the running peaks are updated by index, not by mask.
_FEW_RISING = 16


@dataclass
class _Phase:
    """The curve over the rows where the same pathways are still arriving.

    Each term is scale * exp(-rate * t) times a factor that depends only on whether the
    row is before or after the term's input time: before, -expm1 gives a constant minus
    the exponential; after, (exp(rate * T) - 1) times it.
    """

    constant: Array
    weights: dict[int, Array]


def _phase(terms: list[_Term], t: float, n: int) -> _Phase:
    constant = np.zeros(n)
    weights: dict[int, Array] = {}
    for term in terms:
        if not term.input_h:
            weight = term.scale
        elif t <= term.input_h:
            constant += term.scale
            weight = -term.scale
        else:
            weight = term.scale * np.expm1(term.rate * term.input_h)
        weights[term.key] = weights.get(term.key, 0) + weight
    return _Phase(constant, weights)


def _sweep(terms: list[_Term], t_h: Array, n: int) -> tuple[Array, Array, NDArray[np.intp]]:
    """Every subject, one time point at a time: (percentile bands, cmax, peak index).

    The rows are made by `_RowMaker`; for a large population a second thread makes the
    next rows while this one takes the percentiles of the last (numpy and BLAS release
    the interpreter's lock while they work), so the two halves run on two cores.
    """
    maker = _RowMaker(terms, t_h, n)
    bands = np.empty((len(PERCENTILES), t_h.size))
    cmax = np.full(n, -np.inf)
    peak_index = np.zeros(n, dtype=np.intp)
    running = RunningPercentiles(n, tuple(float(p) for p in PERCENTILES))
    higher = np.empty(n, dtype=bool)
    rows = _ahead(maker) if n >= pk._AHEAD_PATIENTS else maker.rows(np.empty((1, n)))
    for k, row in enumerate(rows):
        bands[:, k] = running.add(row)
        np.greater(row, cmax, out=higher)  # strictly: the first time of a repeated peak
        rising = np.count_nonzero(higher)
        if rising > n // _FEW_RISING:  # early on most curves rise: a masked copy
            np.copyto(cmax, row, where=higher)
            np.copyto(peak_index, k, where=higher)
        elif rising:  # later only the slow absorbers: copy just them
            who = np.flatnonzero(higher)
            cmax[who] = row[who]
            peak_index[who] = k
    return bands, cmax, peak_index


class _RowMaker:
    """Each time point's concentrations, every subject: running products, no exp per row.

    The times are evenly spaced, so each exponential is the one before it times a constant
    per subject: one multiplication per term and time instead of an exp. The products are
    restarted by exp wherever a pathway stops arriving.
    """

    def __init__(self, terms: list[_Term], t_h: Array, n: int) -> None:
        self.terms, self.t_h, self.n = terms, t_h, n
        self.keys = sorted({term.key for term in terms})
        self.rates = np.stack(
            [next(term.rate for term in terms if term.key == key) for key in self.keys]
        )
        step_h = t_h[1] - t_h[0] if t_h.size > 1 else 0.0
        self.steps = np.exp(-self.rates * step_h)
        self.switches = sorted({term.input_h for term in terms if term.input_h})

    def rows(self, ring: Array) -> Iterator[Array]:
        """Yield row k written into ring[k % len(ring)]."""
        phase_end = -1.0
        products = np.empty_like(self.rates)  # each term's weight times its exponential
        constant: Array | None = None
        for k, t in enumerate(self.t_h):
            if k == 0 or t > phase_end:
                phase = _phase(self.terms, float(t), self.n)
                constant = phase.constant if np.any(phase.constant) else None
                weights = np.stack([phase.weights[key] for key in self.keys])
                products = weights * np.exp(-self.rates * t)
                phase_end = next((s for s in self.switches if s >= t), math.inf)
            row = ring[k % len(ring)]
            # The sum of the terms. Not np.dot: BLAS would spin up threads for it.
            np.add(products[0], constant if constant is not None else products[1], out=row)
            for product in products[1 if constant is not None else 2 :]:
                row += product
            products *= self.steps
            yield row


def _ahead(maker: _RowMaker) -> Iterator[Array]:
    """The maker's rows, made in a second thread up to _AHEAD_ROWS before they are used."""
    ring = np.empty((_AHEAD_ROWS, maker.n))
    free = threading.Semaphore(_AHEAD_ROWS)
    made = threading.Semaphore(0)
    stop = threading.Event()
    failed: list[BaseException] = []

    def make() -> None:
        try:
            rows = maker.rows(ring)
            while True:
                free.acquire()
                if stop.is_set() or next(rows, None) is None:
                    break
                made.release()
        except BaseException as error:  # noqa: BLE001 - handed to the reading thread
            failed.append(error)
        finally:
            stop.set()
            made.release()

    worker = threading.Thread(target=make, name="pk-rows", daemon=True)
    worker.start()
    try:
        for k in range(maker.t_h.size):
            made.acquire()
            if failed:
                raise failed[0]
            yield ring[k % _AHEAD_ROWS]
            free.release()
    finally:
        stop.set()
        free.release()
        worker.join()
