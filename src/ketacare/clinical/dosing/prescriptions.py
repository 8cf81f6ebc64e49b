"""Prescriptions: how much a prescription may carry, and until when it may be filled.

CLINICAL.md G8 (21 CFR 1306.22(a)): a Schedule III prescription is not refilled more
than 5 times, nor filled more than 6 months after issue; CLINICAL.md C: a prescription
covers the plan's course, no more (vigilance for diversion).
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, datetime

from ketacare.clinical.dosing.inputs import (
    InvalidDosingInput,
    _exact,
    _require_amount,
    _require_whole,
)

# CLINICAL.md G8 (21 CFR 1306.22(a)): a Schedule III prescription (ketamine, E) is not
# refilled more than 5 times, nor filled or refilled more than 6 months after the date of
# issue.
SCHEDULE_III_MAX_REFILLS = 5
SCHEDULE_III_FILL_MONTHS = 6


def last_fill_day(issued_on: date) -> date:
    """The last day a prescription issued on `issued_on` may be filled or refilled.

    CLINICAL.md G8: not more than 6 months after the date of issue, counted in calendar
    months on the patient's calendar: issued 3 March, last fill on 3 September. A day the
    later month lacks falls back to that month's last day (issued 31 August: last fill on
    28 February, or 29 in a leap year), never into the month after, which would be more
    than 6 months.
    """
    if not isinstance(issued_on, date) or isinstance(issued_on, datetime):
        raise InvalidDosingInput(f"issued_on must be a date, not {issued_on!r}.")
    months = issued_on.month - 1 + SCHEDULE_III_FILL_MONTHS
    year, month = issued_on.year + months // 12, months % 12 + 1
    return date(year, month, min(issued_on.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class PrescriptionNeed:
    """What the plan still needs, and so the most units a new prescription may carry.

    `units_allowed` is the whole number of units (fill quantity x fills) a new prescription
    may hold in all: the units for the sessions not yet taken plus the clinic's margin,
    less the units the patient holds or can still fill, rounded up to a whole unit (a
    scored tablet is dispensed whole and taken in halves), never below zero.
    """

    sessions_left: int
    margin_sessions: int
    units_per_session: float
    units_for_sessions: float  # (sessions_left + margin_sessions) x units_per_session
    units_held: float  # on hand plus still to fill on other prescriptions
    units_allowed: int

    def allows(self, units_prescribed: int) -> bool:
        """Whether a prescription of `units_prescribed` units in all fits the plan."""
        _require_whole("units_prescribed", units_prescribed, minimum=0)
        return units_prescribed <= self.units_allowed


def prescription_need(  # noqa: PLR0913 - the plan, the patient's doses and stock, the clinic
    *,
    sessions_planned: int,
    doses_taken: int,
    units_per_session: float,
    margin_sessions: int,
    units_on_hand: float,
    units_to_fill: float,
) -> PrescriptionNeed:
    """The units a new prescription may carry, against the plan (issue 11, item 14).

    A prescription covers the plan's course, no more (CLINICAL.md C: a defined course and
    end point, the minimum effective dose, vigilance for diversion): the sessions of the
    plan's schedule not yet taken (`sessions_planned` - `doses_taken`, never below 0) x
    the ledger units of one session, plus `margin_sessions` sessions' worth (the clinic's
    choice, `DosingRules.prescription_margin_sessions`, default 0), less what the patient
    already has: the units on hand (the ledger balance) and the units still to fill on
    their other prescriptions (`units_to_fill`).
    """
    _require_whole("sessions_planned", sessions_planned, minimum=0)
    _require_whole("doses_taken", doses_taken, minimum=0)
    _require_whole("margin_sessions", margin_sessions, minimum=0)
    _require_amount("units_per_session", units_per_session, "units")
    _require_amount("units_on_hand", units_on_hand, "units", zero_allowed=True)
    _require_amount("units_to_fill", units_to_fill, "units", zero_allowed=True)
    sessions_left = max(0, sessions_planned - doses_taken)
    for_sessions = (sessions_left + margin_sessions) * _exact(units_per_session)
    held = _exact(units_on_hand) + _exact(units_to_fill)
    return PrescriptionNeed(
        sessions_left=sessions_left,
        margin_sessions=margin_sessions,
        units_per_session=float(units_per_session),
        units_for_sessions=float(for_sessions),
        units_held=float(held),
        units_allowed=max(0, math.ceil(for_sessions - held)),
    )
