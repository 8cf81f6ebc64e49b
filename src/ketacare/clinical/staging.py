"""Staged dispensing: the holds on a prescription's next fill, from plain facts.

A fill of a Schedule III medicine for home use is released in stages tied to how
treatment is going (issue 17, item 6): it is held while a dosed session has no
post-dose check-in, a questionnaire is overdue, an urgent or emergency alert is open,
or the last pill count is not reconciled (an open diversion finding, or a count
discrepancy not resolved). Which holds apply is the clinic's choice (its protocol's
`hold_fill_*` settings, all on by default: fail closed; docs/clinical-defaults.md);
a prescriber may release one held fill with a note. The caller counts the facts;
this module says which hold and in what words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Hold(StrEnum):
    """Why a fill is held."""

    CHECK_IN = "check_in"
    QUESTIONNAIRE = "questionnaire"
    URGENT_ALERT = "urgent_alert"
    PILL_COUNT = "pill_count"


# The protocol setting that turns each hold on (1) or off (0).
SETTING: Mapping[Hold, str] = {
    Hold.CHECK_IN: "hold_fill_until_checked_in",
    Hold.QUESTIONNAIRE: "hold_fill_until_questionnaires_done",
    Hold.URGENT_ALERT: "hold_fill_while_urgent_alert",
    Hold.PILL_COUNT: "hold_fill_until_count_reconciled",
}


class InvalidFillFacts(ValueError):
    """A count below zero: the caller's facts are wrong, never a reason to release."""


@dataclass(frozen=True)
class FillFacts:
    """What is known about the patient when their next fill is asked for."""

    sessions_without_check_in: int  # dosed sessions with no post-dose check-in
    overdue_questionnaires: int
    open_urgent_alerts: int  # urgent or emergency, not resolved
    unreconciled_counts: int  # open diversion findings and unresolved count discrepancies

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value < 0:
                raise InvalidFillFacts(f"{name} is a count: {value} is below zero.")


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _count(hold: Hold, facts: FillFacts) -> int:
    return {
        Hold.CHECK_IN: facts.sessions_without_check_in,
        Hold.QUESTIONNAIRE: facts.overdue_questionnaires,
        Hold.URGENT_ALERT: facts.open_urgent_alerts,
        Hold.PILL_COUNT: facts.unreconciled_counts,
    }[hold]


def _words(hold: Hold, count: int) -> str:
    return {
        Hold.CHECK_IN: _plural(count, "session has", "sessions have") + " no check-in yet",
        Hold.QUESTIONNAIRE: _plural(count, "questionnaire is", "questionnaires are") + " overdue",
        Hold.URGENT_ALERT: _plural(count, "urgent alert is", "urgent alerts are") + " open",
        Hold.PILL_COUNT: _plural(count, "pill count is", "pill counts are") + " not reconciled",
    }[hold]


@dataclass(frozen=True)
class FillHolds:
    """The holds on a fill, each with its reason in words (none: the fill may go)."""

    reasons: Mapping[Hold, str]

    @property
    def held(self) -> bool:
        return bool(self.reasons)

    def message(self) -> str:
        """The refusal, in the pharmacist's words, with the next step."""
        return (
            f"Held: {'; '.join(self.reasons.values())}. "
            "A prescriber can release the fill with a note."
        )


def applying(values: Mapping[str, float]) -> frozenset[Hold]:
    """The holds a clinic's protocol turns on (a setting missing counts as on: fail closed)."""
    return frozenset(hold for hold, name in SETTING.items() if values.get(name, 1))


def fill_holds(facts: FillFacts, holds: frozenset[Hold] = frozenset(Hold)) -> FillHolds:
    """The holds among `holds` that `facts` meet, in a fixed order."""
    reasons = {
        hold: _words(hold, _count(hold, facts))
        for hold in Hold
        if hold in holds and _count(hold, facts)
    }
    return FillHolds(reasons)
