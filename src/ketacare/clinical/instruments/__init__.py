"""Questionnaire definitions and scoring.

    from ketacare.clinical import instruments
    instruments.get("phq9")                      # the definition
    s = instruments.score("phq9", [1, 2, 0, 3, 1, 0, 2, 1, 0])
    s.total, s.band, s.subscales, s.flags
    instruments.score("auditc", [2, 1, 0], sex="female")

Each instrument lives in its own module with an `INSTRUMENT` definition and a
`score(answers, **context)` function; this package registers them by code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from ketacare.clinical.instruments import (
    auditc,
    bladder,
    cadss6,
    cssrs_screen,
    dast10,
    gad7,
    madrs,
    pcl5,
    phq2,
    phq9,
    qids_sr16,
)
from ketacare.clinical.instruments.base import (
    FLAGS,
    NOT_ASKED,
    POSITIVE_SCREEN,
    PROBABLE_PTSD,
    PROVISIONAL_PTSD_DX,
    SUICIDALITY,
    Band,
    Choice,
    Instrument,
    InvalidAnswers,
    Item,
    Score,
)

_MODULES = (
    phq9, phq2, gad7, pcl5, qids_sr16, madrs, cadss6, cssrs_screen, auditc, dast10, bladder
)  # fmt: skip
REGISTRY: Mapping[str, Any] = MappingProxyType({m.INSTRUMENT.code: m for m in _MODULES})
CODES: tuple[str, ...] = tuple(REGISTRY)

__all__ = [
    "CODES",
    "FLAGS",
    "NOT_ASKED",
    "POSITIVE_SCREEN",
    "PROBABLE_PTSD",
    "PROVISIONAL_PTSD_DX",
    "SUICIDALITY",
    "Band",
    "Choice",
    "Instrument",
    "InvalidAnswers",
    "Item",
    "Score",
    "get",
    "score",
]


def _module(code: str) -> Any:
    try:
        return REGISTRY[code]
    except KeyError:
        raise KeyError(
            f"Unknown instrument {code!r}; known instruments are {', '.join(CODES)}."
        ) from None


def get(code: str) -> Instrument:
    """The definition of instrument `code`; KeyError naming the known codes if there is none."""
    instrument: Instrument = _module(code).INSTRUMENT
    return instrument


def score(code: str, answers: Sequence[int] | Mapping[int, int], **context: Any) -> Score:
    """Score `answers` (in item order, or {item number: value}) of instrument `code`."""
    result: Score = _module(code).score(answers, **context)
    return result
