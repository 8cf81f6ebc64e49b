"""Dosing decision support: formulations, caps, schedules and titration suggestions.

The prescriber writes the dose. This module says what a formulation can give, checks a
dose against the clinic's caps, lays out the sessions in the patient's time zone, and
suggests (never makes) a change from the post-session reports. Sources: CLINICAL.md B
and C; where they give no number the setting is a ketacare default, marked so in a
comment, and a clinic overrides any of them with `dataclasses.replace(DEFAULT_RULES, ...)`.

    from ketacare.clinical import checks, dosing
    troches = dosing.Tablet(dosing.TabletKind.TROCHE, strength_mg=50, scored=True)
    plan = dosing.plan_dose(dosing.Route.SUBLINGUAL, troches, weight_kg=70, dose_mg_per_kg=1.5)
    plan.dose_mg, plan.take  # 100.0, "2 troches of 50 mg"
    dosing.check_dose(plan.caps, dose_mg=100, weight_kg=70, previous=doses, at=at, zone=zone)
    dosing.at_home_schedule(dosing.CourseStart(day, time(18, 0), zone), maintenance_weeks=4)
    dosing.suggest_titration(plan, sessions, phq9_baseline=20, phq9_current=14)

Amounts are read as the decimals they were written as (50, 12.5, 0.1 mL) and computed
exactly (fractions): 100 mg/mL x 0.1 mL is 10 mg, not 10.000000000000002, and a dose
exactly at a cap is at it, not a rounding error above it.

Days are counted on the patient's clock. Prescriptions are written in days ("at most
twice weekly", "3 days apart"), so "7 days before" a dose at 09:00 is 09:00 on the same
weekday a week earlier, even when the clocks went forward in between and only 167 h
passed. Counted in elapsed hours instead, a course at the same time of day would break
its own twice-weekly limit every spring. (predose.check_pre_dose counts elapsed hours; see
the note on `check_dose`.)
"""

from __future__ import annotations

import calendar
import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import ClassVar, Literal, TypeGuard
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ketacare.clinical import checks, instruments, outcomes, postdose, safety
from ketacare.clinical.safety import AdverseEventSeverity
from ketacare.clinical.vitals import BloodPressure


class InvalidDosingInput(ValueError):
    """Dosing facts or rules that cannot be read; the message names the field and its values."""


class ScheduleBreaksCaps(InvalidDosingInput):
    """A schedule pattern that would break the plan's caps (too many sessions, too close)."""


# --- Reading numbers: nothing is coerced (bool is not int, NaN is rejected) ----------------


def _is_number(value: object) -> TypeGuard[float]:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _require_amount(name: str, value: object, unit: str, *, zero_allowed: bool = False) -> None:
    checks.require_amount(name, value, unit, zero_allowed=zero_allowed, error=InvalidDosingInput)


def _require_whole(name: str, value: object, *, minimum: int) -> None:
    checks.require_whole(name, value, minimum=minimum, error=InvalidDosingInput)


def _require_bool(name: str, value: object) -> None:
    checks.require_bool(name, value, error=InvalidDosingInput)


def _require_aware(name: str, value: object) -> None:
    checks.require_aware(name, value, error=InvalidDosingInput)


def _require_member(name: str, value: object, enum: type[StrEnum]) -> None:
    if not isinstance(value, enum):
        raise InvalidDosingInput(
            f"{name} must be one of {', '.join(enum)} (a {enum.__name__}), not {value!r}."
        )


# CLINICAL.md has no weight range; the issue asks for 30-250 kg. An input check against
# typing errors (kg vs lb), not a clinical limit.
WEIGHT_RANGE_KG = (30, 250)


def _require_weight(weight_kg: object) -> None:
    low, high = WEIGHT_RANGE_KG
    if not _is_number(weight_kg) or not low <= weight_kg <= high:
        raise InvalidDosingInput(f"weight_kg must be a number {low}-{high} kg, not {weight_kg!r}.")


def _exact(value: float) -> Fraction:
    # The decimal the number was written as: Fraction("0.1") is 1/10, Fraction(0.1) is not.
    return Fraction(repr(float(value))) if isinstance(value, float) else Fraction(value)


def _text(amount: Fraction | float) -> str:
    """An amount as the clinic writes it: 50, 12.5, 0.25 (no trailing zeros)."""
    return f"{float(amount):.10g}"


# --- Routes and formulations ------------------------------------------------------------


class Route(StrEnum):
    """How ketamine is given; the same names as ketacare.clinical.pk, for a preview."""

    IV = "iv"
    IM = "im"
    INTRANASAL = "intranasal"
    SUBLINGUAL = "sublingual"
    ORAL = "oral"  # swallowed tablets


# The program doses at home (CLINICAL.md C: at-home sublingual programs; the Spravato
# label's nasal devices): a dose plan is never IV or IM.
AT_HOME_ROUTES = (Route.SUBLINGUAL, Route.ORAL, Route.INTRANASAL)


class Drug(StrEnum):
    """Racemic ketamine, or esketamine (CLINICAL.md B); pk's names for its formulations."""

    RACEMIC = "racemic"
    ESKETAMINE = "esketamine"


class TabletKind(StrEnum):
    """The kinds of ketamine tablet a compounding pharmacy dispenses for home use."""

    SUBLINGUAL_TABLET = "sublingual_tablet"
    TROCHE = "troche"
    RAPID_DISSOLVE = "rapid_dissolve"


_TABLET_NOUNS = {
    TabletKind.SUBLINGUAL_TABLET: ("tablet", "tablets"),
    TabletKind.TROCHE: ("troche", "troches"),
    TabletKind.RAPID_DISSOLVE: ("rapid-dissolve tablet", "rapid-dissolve tablets"),
}


class Formulation(ABC):
    """What a dispensed product can give: one step, rounding to it, and the words for a dose.

    Rounding (`deliverable`): to the nearest whole number of steps; a dose exactly halfway
    between two rounds down (the smaller dose is the safer one); and never up past a cap:
    if the nearest is above `cap_mg`, the largest amount at or below the cap (which may
    be no dose at all, 0).
    """

    drug: ClassVar[Drug]
    routes: ClassVar[tuple[Route, ...]]

    @abstractmethod
    def _unit(self) -> Fraction:
        """One step in mg, exact."""

    @abstractmethod
    def _amount(self, steps: int) -> str:
        """What to take for `steps` steps (at least one), in the patient's words."""

    @property
    @abstractmethod
    def name(self) -> str:
        """The product as a prescriber names it."""

    @property
    def step_mg(self) -> float:
        """The smallest change in dose this formulation can make, in mg."""
        return float(self._unit())

    def deliverable(self, dose_mg: float, *, cap_mg: float | None = None) -> float:
        """The dose this formulation can give nearest to `dose_mg`, never above `cap_mg`."""
        _require_amount("dose_mg", dose_mg, "mg", zero_allowed=True)
        if cap_mg is not None:
            _require_amount("cap_mg", cap_mg, "mg", zero_allowed=True)
        cap = None if cap_mg is None else _exact(cap_mg)
        return float(self._deliverable(_exact(dose_mg), cap))

    def _deliverable(self, dose_mg: Fraction, cap_mg: Fraction | None) -> Fraction:
        unit = self._unit()
        # ceil(q - 1/2): the nearest whole number, halves going down (2.5 -> 2, 2.6 -> 3).
        steps = math.ceil(dose_mg / unit - Fraction(1, 2))
        if cap_mg is not None:
            steps = min(steps, math.floor(cap_mg / unit))
        return steps * unit

    def steps(self, dose_mg: float) -> int:
        """How many steps make `dose_mg`; refuses a dose the formulation cannot give."""
        _require_amount("dose_mg", dose_mg, "mg", zero_allowed=True)
        count = _exact(dose_mg) / self._unit()
        if count.denominator != 1:
            raise InvalidDosingInput(
                f"dose_mg {_text(dose_mg)} mg cannot be given with {self.name} (steps of "
                f"{_text(self._unit())} mg); the nearest it can give is "
                f"{_text(self.deliverable(dose_mg))} mg."
            )
        return count.numerator

    def take(self, dose_mg: float) -> str:
        """What the patient takes for `dose_mg`, e.g. "1 1/2 tablets of 50 mg"."""
        steps = self.steps(dose_mg)
        return self._amount(steps) if steps else "no dose"


@dataclass(frozen=True)
class Tablet(Formulation):
    """Sublingual tablets, troches or rapid-dissolve tablets of one strength."""

    kind: TabletKind
    strength_mg: float
    scored: bool  # scored tablets may be taken as halves

    drug: ClassVar[Drug] = Drug.RACEMIC
    # Held under the tongue, or swallowed (oral) where the plan says so (CLINICAL.md B).
    routes: ClassVar[tuple[Route, ...]] = (Route.SUBLINGUAL, Route.ORAL)

    def __post_init__(self) -> None:
        _require_member("kind", self.kind, TabletKind)
        _require_amount("strength_mg", self.strength_mg, "mg")
        _require_bool("scored", self.scored)

    def _unit(self) -> Fraction:
        strength = _exact(self.strength_mg)
        return strength / 2 if self.scored else strength

    def _amount(self, steps: int) -> str:
        halves = steps if self.scored else 2 * steps
        whole, half = divmod(halves, 2)
        count = " ".join(
            part for part in (str(whole) if whole else "", "1/2" if half else "") if part
        )
        singular, plural = _TABLET_NOUNS[self.kind]
        noun = plural if halves > 2 else singular  # noqa: PLR2004 - more than two halves
        return f"{count} {noun} of {_text(self.strength_mg)} mg"

    @property
    def name(self) -> str:
        scored = "scored " if self.scored else ""
        return f"{_text(self.strength_mg)} mg {scored}{_TABLET_NOUNS[self.kind][1]}"


@dataclass(frozen=True)
class NasalSpray(Formulation):
    """Racemic ketamine nasal spray: mg per spray = concentration x spray volume."""

    concentration_mg_per_ml: float
    spray_volume_ml: float

    drug: ClassVar[Drug] = Drug.RACEMIC
    routes: ClassVar[tuple[Route, ...]] = (Route.INTRANASAL,)

    def __post_init__(self) -> None:
        _require_amount("concentration_mg_per_ml", self.concentration_mg_per_ml, "mg/mL")
        _require_amount("spray_volume_ml", self.spray_volume_ml, "mL")

    def _unit(self) -> Fraction:
        return _exact(self.concentration_mg_per_ml) * _exact(self.spray_volume_ml)

    def _amount(self, steps: int) -> str:
        return f"{steps} spray{'s' if steps > 1 else ''}"

    @property
    def name(self) -> str:
        return (
            f"ketamine nasal spray {_text(self.concentration_mg_per_ml)} mg/mL, "
            f"{_text(self.spray_volume_ml)} mL per spray ({_text(self._unit())} mg per spray)"
        )


# CLINICAL.md B and C: each esketamine nasal device gives 28 mg.
ESKETAMINE_DEVICE_MG = 28


@dataclass(frozen=True)
class EsketamineDevice(Formulation):
    """An esketamine nasal spray device: 28 mg each (CLINICAL.md B, C)."""

    drug: ClassVar[Drug] = Drug.ESKETAMINE
    routes: ClassVar[tuple[Route, ...]] = (Route.INTRANASAL,)

    def _unit(self) -> Fraction:
        return Fraction(ESKETAMINE_DEVICE_MG)

    def _amount(self, steps: int) -> str:
        return f"{steps} device{'s' if steps > 1 else ''}"

    @property
    def name(self) -> str:
        return f"esketamine nasal devices ({ESKETAMINE_DEVICE_MG} mg each)"


# --- mg and mg/kg ---------------------------------------------------------------------------


class NotForHomeUse(InvalidDosingInput):
    """A product that may not be planned, prescribed or dispensed for use at home."""


def check_at_home(formulation: Formulation) -> None:
    """Refuse a product that may not be used at home (NotForHomeUse, in words).

    CLINICAL.md G4: the Spravato REMS allows esketamine only in a certified healthcare
    setting under direct observation, and it is "never dispensed directly to a patient
    for home use".
    """
    if isinstance(formulation, EsketamineDevice):
        raise NotForHomeUse(
            "Esketamine (Spravato) is given only in a REMS-certified healthcare setting "
            "under a clinician's direct observation and is never dispensed for use at home "
            "(Spravato REMS). Choose racemic ketamine tablets, troches or nasal spray for "
            "an at-home plan."
        )
    if not isinstance(formulation, Formulation):
        raise InvalidDosingInput(f"formulation must be a Formulation, not {formulation!r}.")


def per_kg(dose_mg: float, weight_kg: float) -> float:
    """A dose in mg as mg/kg of body weight."""
    _require_amount("dose_mg", dose_mg, "mg", zero_allowed=True)
    _require_weight(weight_kg)
    return float(_exact(dose_mg) / _exact(weight_kg))


def from_per_kg(dose_mg_per_kg: float, weight_kg: float) -> float:
    """A dose in mg/kg of body weight as mg."""
    _require_amount("dose_mg_per_kg", dose_mg_per_kg, "mg/kg", zero_allowed=True)
    _require_weight(weight_kg)
    return float(_exact(dose_mg_per_kg) * _exact(weight_kg))


# --- Caps -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DoseCaps:
    """A clinic's limits on a plan's doses: per session, per rolling 7 days, and spacing.

    None means no such limit. The 7-day limits count the sessions in the 7 days on the
    patient's clock before a dose (a dose exactly 7 days earlier has left the window);
    `min_interval` is also measured on the patient's clock (see the module docstring).
    """

    max_mg_per_session: float | None = None
    max_mg_per_kg_per_session: float | None = None
    max_mg_per_7_days: float | None = None
    max_mg_per_kg_per_7_days: float | None = None
    max_sessions_per_7_days: int | None = None
    min_interval: timedelta | None = None
    min_mg_per_session: float | None = None  # e.g. the esketamine label's lowest dose
    source: str = "clinic setting"  # cited in every violation

    def __post_init__(self) -> None:
        for name, unit in (
            ("max_mg_per_session", "mg"),
            ("max_mg_per_kg_per_session", "mg/kg"),
            ("max_mg_per_7_days", "mg"),
            ("max_mg_per_kg_per_7_days", "mg/kg"),
            ("min_mg_per_session", "mg"),
        ):
            if getattr(self, name) is not None:
                _require_amount(name, getattr(self, name), unit)
        if self.max_sessions_per_7_days is not None:
            _require_whole("max_sessions_per_7_days", self.max_sessions_per_7_days, minimum=1)
        if self.min_interval is not None and (
            not isinstance(self.min_interval, timedelta) or self.min_interval <= timedelta(0)
        ):
            raise InvalidDosingInput(
                f"min_interval must be a timedelta above zero, or None, not {self.min_interval!r}."
            )
        if not isinstance(self.source, str) or not self.source.strip():
            raise InvalidDosingInput(
                f"source must name where the caps come from, not {self.source!r}."
            )
        low, high = self.min_mg_per_session, self.max_mg_per_session
        if low is not None and high is not None and _exact(low) > _exact(high):
            raise InvalidDosingInput(
                f"min_mg_per_session {_text(low)} mg is above max_mg_per_session {_text(high)} mg."
            )

    def session_ceiling_mg(self, weight_kg: float) -> float | None:
        """The most one session may give a patient of `weight_kg`, in mg; None: no cap."""
        ceiling = self._session_ceiling(weight_kg)
        return None if ceiling is None else float(ceiling)

    def _session_ceiling(self, weight_kg: float) -> Fraction | None:
        _require_weight(weight_kg)
        ceilings = [
            _exact(cap) * factor
            for cap, factor in (
                (self.max_mg_per_session, Fraction(1)),
                (self.max_mg_per_kg_per_session, _exact(weight_kg)),
            )
            if cap is not None
        ]
        return min(ceilings, default=None)


class TitrationAction(StrEnum):
    """What a titration suggestion proposes to the prescriber."""

    STEP_UP = "step_up"
    HOLD = "hold"
    STEP_DOWN = "step_down"


_TOP_OF_RANGE = (
    "CLINICAL.md C: mg caps at the top of the published oral/sublingual range, not a "
    "recommended dose; at most twice weekly"
)
_ESKETAMINE_LABEL = "CLINICAL.md C: esketamine label, 56 or 84 mg per session, at most twice weekly"
_AT_HOME = "CLINICAL.md C: at-home programs dose at most twice weekly"
# CLINICAL.md G1: at least 72 h between at-home doses (the same as safety's default).
_AT_HOME_SPACING = safety.DEFAULT_RULES.min_interval_between_doses
_INTRANASAL = (
    "CLINICAL.md G5: racemic intranasal studies used 50 mg (Lapidus 2014); C: at most twice weekly"
)


@dataclass(frozen=True)
class DosingRules:
    """Clinic-overridable dosing defaults (CLINICAL.md C, and ketacare defaults marked so)."""

    sublingual_oral_caps: DoseCaps = DoseCaps(
        max_mg_per_session=300,  # CLINICAL.md C: 25-300 mg fixed; the top, not a dose to give
        max_mg_per_kg_per_session=7,  # CLINICAL.md C: 0.25-7 mg/kg; the top, not a dose to give
        # ketacare default: the per-session cap x the sessions allowed in 7 days.
        max_mg_per_7_days=600,
        max_mg_per_kg_per_7_days=14,
        max_sessions_per_7_days=2,  # CLINICAL.md C: at most twice weekly
        min_interval=_AT_HOME_SPACING,  # CLINICAL.md G1
        source=_TOP_OF_RANGE,
    )
    # CLINICAL.md G5: racemic intranasal depression studies used 50 mg (Lapidus 2014): the
    # session cap; the 7-day cap is the session cap x the sessions allowed (ketacare default).
    intranasal_racemic_caps: DoseCaps = DoseCaps(
        max_mg_per_session=50,
        max_mg_per_7_days=100,
        max_sessions_per_7_days=2,  # CLINICAL.md C: at most twice weekly
        min_interval=_AT_HOME_SPACING,  # CLINICAL.md G1
        source=_INTRANASAL,
    )
    esketamine_caps: DoseCaps = DoseCaps(
        max_mg_per_session=84,  # CLINICAL.md C: 56 or 84 mg per session (label)
        min_mg_per_session=56,  # CLINICAL.md C: the label's lowest session dose
        max_mg_per_7_days=168,  # ketacare default: 84 mg x 2 sessions
        max_sessions_per_7_days=2,  # CLINICAL.md C: weeks 1-4 twice weekly, then less
        source=_ESKETAMINE_LABEL,
    )
    # CLINICAL.md C (esketamine label): day 1 56 mg, then 56 or 84 mg.
    esketamine_first_dose_mg: int = 56
    esketamine_label_doses_mg: tuple[int, ...] = (56, 84)
    # Days of the week (0 = the course's first weekday) of twice-weekly sessions. ketacare
    # default: 3 then 4 days apart, inside CLINICAL.md C's "first sessions 3-7 days apart".
    twice_weekly_days: tuple[int, int] = (0, 3)
    # CLINICAL.md C: "first sessions 3-7 days apart" (checked against twice_weekly_days).
    first_sessions_days_apart: tuple[int, int] = (3, 7)
    # Twice weekly for 4 weeks: the example; 8 sessions, the top of CLINICAL.md C's
    # "course of about 4-8 sessions" (ketacare default).
    induction_weeks: int = 4
    # ketacare clinic default, not a published number: the sessions at the current dose,
    # tolerated and without a response, before a step up is suggested (two sessions are
    # about a week at twice weekly; one session is too little to judge a dose by).
    sessions_before_step_up: int = 2
    # ketacare clinic defaults, not published: a moderate adverse event, or vomiting (which
    # may have lost part of the dose, so the dose cannot be judged), hold the dose; a
    # blood-pressure rise (CLINICAL.md D: >= 40/25 mmHg, an urgent finding) steps it down.
    on_moderate_adverse_event: TitrationAction = TitrationAction.HOLD
    on_vomiting: TitrationAction = TitrationAction.HOLD
    on_blood_pressure_rise: TitrationAction = TitrationAction.STEP_DOWN
    # CLINICAL.md G5 (clinic's choice): a ketamine-naive patient's first session is at
    # most this share of the route's session cap; one plan revision raises the dose by at
    # most this share of the current dose, and never above the cap.
    first_session_share_of_cap: float = 0.5
    max_increase_per_revision: float = 0.5
    # A prescription covers the plan's sessions x the units a session, plus this many
    # sessions' worth of units (clinic's choice; 0: none spare, fail closed).
    prescription_margin_sessions: int = 0
    # Where the CADSS-6 threshold and blood-pressure rise limits come from (safety), and
    # the response definition (outcomes, CLINICAL.md A11).
    safety_rules: safety.SafetyRules = safety.DEFAULT_RULES
    outcome_rules: outcomes.OutcomeRules = outcomes.DEFAULT_RULES

    def __post_init__(self) -> None:
        for name in ("sublingual_oral_caps", "intranasal_racemic_caps", "esketamine_caps"):
            if not isinstance(getattr(self, name), DoseCaps):
                raise InvalidDosingInput(f"{name} must be a DoseCaps, not {getattr(self, name)!r}.")
        self._check_esketamine()
        self._check_twice_weekly()
        _require_whole("induction_weeks", self.induction_weeks, minimum=1)
        for name in ("first_session_share_of_cap", "max_increase_per_revision"):
            share = getattr(self, name)
            if not _is_number(share) or not 0 < share <= 1:
                raise InvalidDosingInput(
                    f"{name} must be a share above 0 and at most 1, not {share!r}."
                )
        _require_whole("prescription_margin_sessions", self.prescription_margin_sessions, minimum=0)
        _require_whole("sessions_before_step_up", self.sessions_before_step_up, minimum=1)
        for name in ("on_moderate_adverse_event", "on_vomiting", "on_blood_pressure_rise"):
            action = getattr(self, name)
            if action is not TitrationAction.HOLD and action is not TitrationAction.STEP_DOWN:
                raise InvalidDosingInput(
                    f"{name} must be TitrationAction.HOLD or TitrationAction.STEP_DOWN, "
                    f"not {action!r}."
                )
        if not isinstance(self.safety_rules, safety.SafetyRules):
            raise InvalidDosingInput(
                f"safety_rules must be a SafetyRules, not {self.safety_rules!r}."
            )
        if not isinstance(self.outcome_rules, outcomes.OutcomeRules):
            raise InvalidDosingInput(
                f"outcome_rules must be an OutcomeRules, not {self.outcome_rules!r}."
            )

    def _check_esketamine(self) -> None:
        doses = self.esketamine_label_doses_mg
        if (
            not isinstance(doses, tuple)
            or not doses
            or not all(type(d) is int and d > 0 and d % ESKETAMINE_DEVICE_MG == 0 for d in doses)
        ):
            raise InvalidDosingInput(
                f"esketamine_label_doses_mg must be a tuple of whole numbers of "
                f"{ESKETAMINE_DEVICE_MG} mg devices, not {doses!r}."
            )
        first = self.esketamine_first_dose_mg
        if type(first) is not int or first not in doses:
            raise InvalidDosingInput(
                f"esketamine_first_dose_mg must be one of {doses}, "
                f"not {self.esketamine_first_dose_mg!r}."
            )

    def _check_twice_weekly(self) -> None:
        allowed = self.first_sessions_days_apart
        if (
            not isinstance(allowed, tuple)
            or len(allowed) != 2  # noqa: PLR2004 - a (fewest, most) pair
            or not all(type(d) is int and d >= 1 for d in allowed)
            or allowed[0] > allowed[1]
        ):
            raise InvalidDosingInput(
                f"first_sessions_days_apart must be (fewest, most) whole days, not {allowed!r}."
            )
        days = self.twice_weekly_days
        if (
            not isinstance(days, tuple)
            or len(days) != 2  # noqa: PLR2004 - twice weekly
            or not all(type(d) is int and 0 <= d <= 6 for d in days)  # noqa: PLR2004 - a week's days
            or days[0] >= days[1]
        ):
            raise InvalidDosingInput(
                f"twice_weekly_days must be two days of the week 0-6 in order, not {days!r}."
            )
        gaps = (days[1] - days[0], 7 - (days[1] - days[0]))
        if not all(allowed[0] <= gap <= allowed[1] for gap in gaps):
            raise InvalidDosingInput(
                f"twice_weekly_days {days} put sessions {gaps[0]} and {gaps[1]} days apart; "
                f"first sessions must be {allowed[0]}-{allowed[1]} days apart (CLINICAL.md C)."
            )


DEFAULT_RULES = DosingRules()


def default_caps(formulation: Formulation, rules: DosingRules = DEFAULT_RULES) -> DoseCaps:
    """The clinic's default caps for a formulation (CLINICAL.md C)."""
    if isinstance(formulation, EsketamineDevice):
        return rules.esketamine_caps
    if isinstance(formulation, NasalSpray):
        return rules.intranasal_racemic_caps
    if isinstance(formulation, Tablet):
        return rules.sublingual_oral_caps
    raise InvalidDosingInput(
        f"formulation must be a Tablet, NasalSpray or EsketamineDevice, not {formulation!r}."
    )


# --- The patient's clock --------------------------------------------------------------------


def _zone(zone: object) -> ZoneInfo:
    if not isinstance(zone, str):
        raise InvalidDosingInput(f"zone must be an IANA time zone name, not {zone!r}.")
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidDosingInput(
            f"zone must be an IANA time zone name such as 'Europe/London', not {zone!r}."
        ) from None


def _on_the_wall(day: date, time_of_day: time, zone: ZoneInfo) -> datetime:
    """`time_of_day` on `day` on the patient's clock, as an aware datetime in `zone`.

    RFC 5545 (iCalendar) 3.3.5, as PEP 495's fold=0 does: a time the clocks skip (02:30
    on the spring-forward night) is read with the offset before the change, so it lands
    as far after the change as it was meant to be after 02:00 (03:30); a time that
    happens twice (01:30 on the fall-back night) is its first occurrence.
    """
    wall = datetime.combine(day, time_of_day.replace(fold=0), tzinfo=zone)
    return wall.astimezone(UTC).astimezone(zone)


def _moved(at: datetime, shift: timedelta, zone: ZoneInfo) -> datetime:
    """`at` moved by `shift` on the patient's wall clock, as a UTC instant.

    A result in a repeated hour is its first occurrence, so a 7-day window that starts
    there is the longer one (it counts more doses, not fewer).
    """
    local = at.astimezone(zone)
    wall = local.replace(tzinfo=None) + shift
    return _on_the_wall(wall.date(), wall.time(), zone).astimezone(UTC)


def _when(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _span(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{days} day{'s' if days != 1 else ''}" if days else "",
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes else "",
    ]
    return " ".join(part for part in parts if part) or "under a minute"


# --- Checking a dose against the caps ----------------------------------------------------


class CapBreach(StrEnum):
    """Which limit a dose breaks."""

    SESSION_MG = "session_mg"
    SESSION_MG_PER_KG = "session_mg_per_kg"
    BELOW_SESSION_MINIMUM = "below_session_minimum"
    SEVEN_DAY_MG = "seven_day_mg"
    SEVEN_DAY_MG_PER_KG = "seven_day_mg_per_kg"
    TOO_MANY_SESSIONS = "too_many_sessions"
    TOO_SOON = "too_soon"


@dataclass(frozen=True)
class Violation:
    """One cap a dose breaks, in words naming the values and the limit, and its source."""

    breach: CapBreach
    message: str
    source: str


@dataclass(frozen=True)
class PastDose:
    """A dose already taken: when (aware) and how much."""

    at: datetime
    dose_mg: float

    def __post_init__(self) -> None:
        _require_aware("at", self.at)
        _require_amount("dose_mg", self.dose_mg, "mg")


# CLINICAL.md C: "at most twice weekly", counted over any 7 days on the patient's clock.
ROLLING_DAYS = timedelta(days=7)


def _window_start(at: datetime, zone: ZoneInfo) -> datetime:
    """The start of the 7 days before `at` on the patient's clock, in UTC (exclusive).

    A dose exactly 7 days earlier, at the same wall-clock time, has left the window.
    """
    return _moved(at, -ROLLING_DAYS, zone)


def _timing_violations(
    caps: DoseCaps, at: datetime, sessions_in_window: int, last: datetime | None, zone: ZoneInfo
) -> list[Violation]:
    found = []
    maximum = caps.max_sessions_per_7_days
    if maximum is not None and sessions_in_window >= maximum:
        found.append(
            Violation(
                CapBreach.TOO_MANY_SESSIONS,
                f"A dose at {_when(at, zone)} would be session {sessions_in_window + 1} in 7 "
                f"days; the plan allows at most {maximum} in any 7 days.",
                caps.source,
            )
        )
    if caps.min_interval is not None and last is not None:
        allowed_from = _moved(last, caps.min_interval, zone)
        if at.astimezone(UTC) < allowed_from:
            found.append(
                Violation(
                    CapBreach.TOO_SOON,
                    f"A dose at {_when(at, zone)} is too soon after the dose at "
                    f"{_when(last, zone)}: the plan asks for at least "
                    f"{_span(caps.min_interval)} between doses, so not before "
                    f"{_when(allowed_from, zone)}.",
                    caps.source,
                )
            )
    return found


def _amount_violations(
    caps: DoseCaps, dose_mg: float, weight_kg: float | None, earlier_in_window_mg: Fraction
) -> list[Violation]:
    """The mg and mg/kg caps a dose breaks, given the mg taken earlier in its 7 days."""
    dose = _exact(dose_mg)
    week = dose + earlier_in_window_mg
    limits = [
        (CapBreach.SESSION_MG, "The dose", dose, caps.max_mg_per_session, "mg"),
        (CapBreach.SEVEN_DAY_MG, "The 7-day total with it", week, caps.max_mg_per_7_days, "mg"),
    ]
    if weight_kg is not None:  # a schedule has no weight; mg/kg is checked at the dose
        kg, at_weight = _exact(weight_kg), f" at {_text(weight_kg)} kg"
        limits += [
            (
                CapBreach.SESSION_MG_PER_KG,
                "The dose" + at_weight,
                dose / kg,
                caps.max_mg_per_kg_per_session,
                "mg/kg",
            ),
            (
                CapBreach.SEVEN_DAY_MG_PER_KG,
                "The 7-day total with it" + at_weight,
                week / kg,
                caps.max_mg_per_kg_per_7_days,
                "mg/kg",
            ),
        ]
    found = [
        Violation(
            breach,
            f"{what}, {_text(amount)} {unit}, is above the cap of {_text(cap)} {unit} "
            f"{'per session' if what.startswith('The dose') else 'per 7 days'}.",
            caps.source,
        )
        for breach, what, amount, cap, unit in limits
        if cap is not None and amount > _exact(cap)
    ]
    lowest = caps.min_mg_per_session
    if lowest is not None and dose < _exact(lowest):
        found.append(
            Violation(
                CapBreach.BELOW_SESSION_MINIMUM,
                f"The dose, {_text(dose)} mg, is below the lowest session dose of "
                f"{_text(lowest)} mg.",
                caps.source,
            )
        )
    order = list(CapBreach)
    return sorted(found, key=lambda v: order.index(v.breach))


def _past_doses(previous: Iterable[PastDose], at: datetime) -> tuple[PastDose, ...]:
    doses = tuple(previous)
    for dose in doses:
        if not isinstance(dose, PastDose):
            raise InvalidDosingInput(f"previous must hold PastDose entries, not {dose!r}.")
        if dose.at.astimezone(UTC) > at.astimezone(UTC):
            raise InvalidDosingInput(
                f"previous lists a dose at {dose.at.isoformat()}, after at {at.isoformat()}."
            )
    return doses


def check_dose(  # noqa: PLR0913 - the dose, the patient and the clock are all needed
    caps: DoseCaps,
    *,
    dose_mg: float,
    weight_kg: float,
    previous: Iterable[PastDose],
    at: datetime,
    zone: str,
) -> tuple[Violation, ...]:
    """Every cap a dose at `at` breaks, with its reason; empty when it breaks none.

    `previous` are the doses already taken (older ones than 7 days may be included);
    `zone` is the patient's IANA time zone, on whose clock the 7 days and the minimum
    interval are counted. Note: predose.check_pre_dose counts its 7 days and interval in
    elapsed hours, so in the week after the clocks go forward it allows a dose at the
    same time of day one hour later than this check does.
    """
    if not isinstance(caps, DoseCaps):
        raise InvalidDosingInput(f"caps must be a DoseCaps, not {caps!r}.")
    _require_amount("dose_mg", dose_mg, "mg")
    _require_weight(weight_kg)
    _require_aware("at", at)
    patient_zone = _zone(zone)
    doses = _past_doses(previous, at)
    start = _window_start(at, patient_zone)
    in_window = [p for p in doses if p.at.astimezone(UTC) > start]
    last = max((p.at for p in doses), key=lambda when: when.astimezone(UTC), default=None)
    earlier_mg = sum((_exact(p.dose_mg) for p in in_window), Fraction(0))
    return tuple(
        _amount_violations(caps, dose_mg, weight_kg, earlier_mg)
        + _timing_violations(caps, at, len(in_window), last, patient_zone)
    )


# --- How far a plan's dose may go: the first session and one revision ----------------------

# CLINICAL.md G5: a ketamine-naive patient's first session at most half the route's
# session cap, and one plan revision at most +50% and never above the cap. No published
# number: the clinic's choice (DosingRules.first_session_share_of_cap and
# max_increase_per_revision).
_GRADUAL = "CLINICAL.md G5, clinic's choice"


class DoseAboveLimit(InvalidDosingInput):
    """A plan's dose above the first-session limit or the largest increase of one revision."""


@dataclass(frozen=True)
class DoseLimit:
    """The most a plan's dose may be at this step, why, and the prescriber's next step."""

    most_mg: float
    why: str  # e.g. "A first session is at most 150 mg (half the 300 mg session cap) ..."
    next_step: str  # e.g. "Start lower and titrate."
    source: str = _GRADUAL

    def __post_init__(self) -> None:
        _require_amount("most_mg", self.most_mg, "mg", zero_allowed=True)
        for name in ("why", "next_step", "source"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise InvalidDosingInput(f"{name} must be text, not {getattr(self, name)!r}.")

    def refusal(self, dose: str) -> str:
        """The refusal of `dose` (as written, e.g. "200 mg"), in the prescriber's words."""
        return f"{self.why}; {dose} is more. {self.next_step}"


def _share_of(share: float) -> str:
    return "half" if share == 0.5 else f"{_text(_exact(share) * 100)}% of"  # noqa: PLR2004 - a half


def _session_cap_words(caps: DoseCaps, weight_kg: float, ceiling: Fraction) -> str:
    """The session cap in words: the 300 mg session cap (or: ..., 7 mg/kg at 40 kg)."""
    per_kg_cap = caps.max_mg_per_kg_per_session
    if per_kg_cap is not None and ceiling == _exact(per_kg_cap) * _exact(weight_kg):
        at = f", {_text(per_kg_cap)} mg/kg at {_text(weight_kg)} kg"
        return f"the {_text(ceiling)} mg session cap{at}"
    return f"the {_text(ceiling)} mg session cap"


def _require_caps(caps: object) -> None:
    if not isinstance(caps, DoseCaps):
        raise InvalidDosingInput(f"caps must be a DoseCaps, not {caps!r}.")


def _require_rules(rules: object) -> None:
    if not isinstance(rules, DosingRules):
        raise InvalidDosingInput(f"rules must be a DosingRules, not {rules!r}.")


def first_session_limit(
    caps: DoseCaps, weight_kg: float, rules: DosingRules = DEFAULT_RULES
) -> DoseLimit | None:
    """The most a ketamine-naive patient's first session may be; None without a session cap.

    CLINICAL.md G5 (clinic's choice): `rules.first_session_share_of_cap` of the session
    ceiling (the lower of the mg and mg/kg caps at `weight_kg`).
    """
    _require_caps(caps)
    _require_rules(rules)
    ceiling = caps._session_ceiling(weight_kg)
    if ceiling is None:
        return None
    share = rules.first_session_share_of_cap
    most = _exact(share) * ceiling
    return DoseLimit(
        most_mg=float(most),
        why=(
            f"A first session is at most {_text(most)} mg ({_share_of(share)} "
            f"{_session_cap_words(caps, weight_kg, ceiling)}) for a patient who has not had "
            "ketamine here"
        ),
        next_step="Start lower and titrate.",
    )


def revision_limit(
    current_dose_mg: float, caps: DoseCaps, weight_kg: float, rules: DosingRules = DEFAULT_RULES
) -> DoseLimit:
    """The most one plan revision may raise the dose to, from `current_dose_mg`.

    CLINICAL.md G5 (clinic's choice): at most `rules.max_increase_per_revision` of the
    current dose more, and never above the session ceiling at `weight_kg`.
    """
    _require_amount("current_dose_mg", current_dose_mg, "mg")
    _require_caps(caps)
    _require_rules(rules)
    current = _exact(current_dose_mg)
    share = _exact(rules.max_increase_per_revision)
    raised = current * (1 + share)
    ceiling = caps._session_ceiling(weight_kg)
    percent = f"{_text(share * 100)}%"
    if ceiling is not None and ceiling < raised:
        why = (
            f"One revision raises the dose by at most {percent} and never above "
            f"{_session_cap_words(caps, weight_kg, ceiling)}: from {_text(current)} mg, at "
            f"most {_text(ceiling)} mg"
        )
        return DoseLimit(float(ceiling), why, "Keep the dose within the cap.")
    why = (
        f"One revision raises the dose by at most {percent}: from {_text(current)} mg, "
        f"at most {_text(raised)} mg"
    )
    return DoseLimit(float(raised), why, "Raise it in steps, one revision at a time.")


def _require_limits(limits: object) -> tuple[DoseLimit, ...]:
    if not isinstance(limits, list | tuple) or not all(isinstance(x, DoseLimit) for x in limits):
        raise InvalidDosingInput(f"limits must be a list of DoseLimit, not {limits!r}.")
    return tuple(limits)


# --- A dose plan ---------------------------------------------------------------------------


def _require_route(route: object, formulation: object) -> None:
    _require_member("route", route, Route)
    if route not in AT_HOME_ROUTES:
        raise InvalidDosingInput(
            f"route {route} is not for the at-home program: a dose plan may be "
            f"{', '.join(AT_HOME_ROUTES)}."
        )
    if not isinstance(formulation, Formulation):
        raise InvalidDosingInput(
            f"formulation must be a Tablet, NasalSpray or EsketamineDevice, not {formulation!r}."
        )
    if route not in formulation.routes:
        raise InvalidDosingInput(
            f"{formulation.name} cannot be given {route}; "
            f"route must be {' or '.join(formulation.routes)}."
        )


@dataclass(frozen=True)
class DosePlan:
    """A prescriber's dose for an at-home course: route, product, weight, dose and caps."""

    route: Route
    formulation: Formulation
    weight_kg: float
    dose_mg: float
    caps: DoseCaps
    notes: tuple[str, ...] = ()  # how the dose was reached (rounding), for the prescriber

    def __post_init__(self) -> None:
        _require_route(self.route, self.formulation)
        _require_weight(self.weight_kg)
        _require_amount("dose_mg", self.dose_mg, "mg")
        self.formulation.steps(self.dose_mg)  # refuses a dose the product cannot give
        if not isinstance(self.caps, DoseCaps):
            raise InvalidDosingInput(f"caps must be a DoseCaps, not {self.caps!r}.")
        broken = _amount_violations(self.caps, self.dose_mg, self.weight_kg, Fraction(0))
        if broken:
            raise InvalidDosingInput(" ".join(v.message for v in broken) + f" ({self.caps.source})")
        if not isinstance(self.notes, tuple) or not all(isinstance(n, str) for n in self.notes):
            raise InvalidDosingInput(f"notes must be a tuple of text, not {self.notes!r}.")

    @property
    def dose_mg_per_kg(self) -> float:
        """The dose in mg/kg of the plan's weight."""
        return per_kg(self.dose_mg, self.weight_kg)

    @property
    def take(self) -> str:
        """What the patient takes each session, e.g. "1 1/2 tablets of 50 mg"."""
        return self.formulation.take(self.dose_mg)


def plan_dose(  # noqa: PLR0913 - a prescriber writes the dose in mg or in mg/kg
    route: Route,
    formulation: Formulation,
    *,
    weight_kg: float,
    dose_mg: float | None = None,
    dose_mg_per_kg: float | None = None,
    caps: DoseCaps | None = None,
    limits: Sequence[DoseLimit] = (),
) -> DosePlan:
    """A dose plan from a dose written in mg or mg/kg, rounded to what the product can give.

    `caps` default to the clinic's defaults for the formulation (`default_caps`).
    `limits` are the limits of this step of the course (`first_session_limit`,
    `revision_limit`). A written dose above the session cap is refused (InvalidDosingInput),
    and one above a limit too (DoseAboveLimit, in the limit's words), not lowered: the
    prescriber decides. Rounding follows `Formulation.deliverable` (nearest, halves down,
    never up past the cap or a limit), and the plan's notes say when the dose was rounded.
    """
    _require_route(route, formulation)
    _require_weight(weight_kg)
    if dose_mg is not None and dose_mg_per_kg is None:
        _require_amount("dose_mg", dose_mg, "mg")
        requested, written = _exact(dose_mg), f"{_text(dose_mg)} mg"
    elif dose_mg_per_kg is not None and dose_mg is None:
        _require_amount("dose_mg_per_kg", dose_mg_per_kg, "mg/kg")
        requested = _exact(dose_mg_per_kg) * _exact(weight_kg)
        written = f"{_text(dose_mg_per_kg)} mg/kg ({_text(requested)} mg at {_text(weight_kg)} kg)"
    else:
        raise InvalidDosingInput(
            "Give the dose as dose_mg or as dose_mg_per_kg: one of them, not both or neither."
        )
    caps = default_caps(formulation) if caps is None else caps
    if not isinstance(caps, DoseCaps):
        raise InvalidDosingInput(f"caps must be a DoseCaps, not {caps!r}.")
    ceiling = caps._session_ceiling(weight_kg)
    if ceiling is not None and requested > ceiling:
        raise InvalidDosingInput(
            f"The dose written, {written}, is above the session cap of {_text(ceiling)} mg "
            f"at {_text(weight_kg)} kg ({caps.source})."
        )
    for limit in _require_limits(limits):
        if requested > _exact(limit.most_mg):
            raise DoseAboveLimit(limit.refusal(written) + f" ({limit.source})")
    highest = min(
        [_exact(limit.most_mg) for limit in limits] + ([] if ceiling is None else [ceiling]),
        default=None,
    )
    rounded = formulation._deliverable(requested, highest)
    if rounded == 0:
        raise InvalidDosingInput(
            f"The dose written, {written}, is too small for {formulation.name}: the smallest "
            f"dose it can give is {_text(formulation.step_mg)} mg."
        )
    notes: tuple[str, ...] = ()
    if rounded != requested:
        above = (
            "the cap"
            if highest is None or highest == ceiling
            else f"this step's limit of {_text(highest)} mg"
        )
        note = (
            f"{written} rounded to {_text(rounded)} mg ({formulation.take(float(rounded))}), "
            f"the nearest dose {formulation.name} can give without going above {above}."
        )
        notes = (note,)
    return DosePlan(route, formulation, weight_kg, float(rounded), caps, notes)


# --- Schedules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseStart:
    """The first day of a course, the time of day of its sessions, and the patient's zone."""

    first_day: date
    time_of_day: time  # on the patient's clock (no tzinfo)
    zone: str  # IANA name, e.g. "America/New_York"

    def __post_init__(self) -> None:
        # A datetime is also a date; a day is asked for, so a datetime is refused.
        if not isinstance(self.first_day, date) or isinstance(self.first_day, datetime):
            raise InvalidDosingInput(f"first_day must be a date, not {self.first_day!r}.")
        if not isinstance(self.time_of_day, time) or self.time_of_day.tzinfo is not None:
            raise InvalidDosingInput(
                "time_of_day must be a time on the patient's clock, without a time zone, "
                f"not {self.time_of_day!r}."
            )
        _zone(self.zone)


@dataclass(frozen=True)
class Phase:
    """A stretch of a course: `weeks` weeks, sessions on `days` of every `every_weeks` weeks.

    `days` are days of the week counted from the course's first weekday (0-6): (0, 3)
    is twice weekly, 3 then 4 days apart; (0,) with every_weeks=2 is every other week.
    """

    name: str
    weeks: int
    days: tuple[int, ...] = (0,)
    every_weeks: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidDosingInput(f"name must name the phase, not {self.name!r}.")
        _require_whole("weeks", self.weeks, minimum=1)
        _require_whole("every_weeks", self.every_weeks, minimum=1)
        if (
            not isinstance(self.days, tuple)
            or not self.days
            or not all(type(d) is int and 0 <= d <= 6 for d in self.days)  # noqa: PLR2004 - a week's days
            or any(a >= b for a, b in zip(self.days, self.days[1:], strict=False))
        ):
            raise InvalidDosingInput(
                f"days must be days of the week 0-6 in increasing order, not {self.days!r}."
            )


@dataclass(frozen=True)
class ScheduledDose:
    """One session of a schedule: its number, when (in the patient's zone), phase, dose."""

    number: int  # 1-based
    at: datetime  # aware, in the patient's zone
    phase: str
    dose_mg: float | None = None  # None: the plan's dose at the time, as titrated
    note: str = ""


def _session_days(phases: Sequence[Phase]) -> list[tuple[int, str]]:
    days, week = [], 0
    for phase in phases:
        for block in range(0, phase.weeks, phase.every_weeks):
            days += [(7 * (week + block) + day, phase.name) for day in phase.days]
        week += phase.weeks
    return days


def _lay_out(
    start: CourseStart, phases: Sequence[Phase], doses_mg: Sequence[float | None] | None = None
) -> list[ScheduledDose]:
    zone = _zone(start.zone)
    return [
        ScheduledDose(
            number=number,
            at=_on_the_wall(start.first_day + timedelta(days=offset), start.time_of_day, zone),
            phase=name,
            dose_mg=None if doses_mg is None else doses_mg[number - 1],
        )
        for number, (offset, name) in enumerate(_session_days(phases), start=1)
    ]


def _refuse_if_over_caps(doses: Sequence[ScheduledDose], caps: DoseCaps, zone: ZoneInfo) -> None:
    for number, dose in enumerate(doses):
        earlier = doses[:number]
        start = _window_start(dose.at, zone)
        in_window = [d for d in earlier if d.at.astimezone(UTC) > start]
        last = earlier[-1].at if earlier else None
        broken = _timing_violations(caps, dose.at, len(in_window), last, zone)
        if dose.dose_mg is not None:
            # A schedule with doses gives every session one; no weight, so no mg/kg check.
            earlier_mg = sum((_exact(d.dose_mg or 0) for d in in_window), Fraction(0))
            broken += _amount_violations(caps, dose.dose_mg, None, earlier_mg)
        if broken:
            raise ScheduleBreaksCaps(
                f"Session {dose.number} ({_when(dose.at, zone)}) breaks the caps: "
                + " ".join(v.message for v in broken)
                + f" ({caps.source})"
            )


def schedule(
    start: CourseStart, phases: Sequence[Phase], *, caps: DoseCaps
) -> tuple[ScheduledDose, ...]:
    """The sessions of a course, at the same time of day on the patient's clock.

    Across a daylight-saving change the sessions stay at their wall-clock time (so the
    UTC time moves by the change). A time that does not exist that day is read as RFC
    5545 says (02:30 on the spring-forward night becomes 03:30); a time that happens twice
    is its first occurrence. Refuses (ScheduleBreaksCaps) a pattern that breaks `caps`.
    """
    if not isinstance(start, CourseStart):
        raise InvalidDosingInput(f"start must be a CourseStart, not {start!r}.")
    if (
        not isinstance(phases, list | tuple)
        or not phases
        or not all(isinstance(p, Phase) for p in phases)
    ):
        raise InvalidDosingInput(f"phases must be one or more Phase, not {phases!r}.")
    if not isinstance(caps, DoseCaps):
        raise InvalidDosingInput(f"caps must be a DoseCaps, not {caps!r}.")
    doses = _lay_out(start, phases)
    _refuse_if_over_caps(doses, caps, _zone(start.zone))
    return tuple(doses)


def at_home_schedule(
    start: CourseStart,
    *,
    maintenance_weeks: int,
    caps: DoseCaps | None = None,
    rules: DosingRules = DEFAULT_RULES,
) -> tuple[ScheduledDose, ...]:
    """An at-home course: twice weekly for `rules.induction_weeks` weeks, then weekly.

    CLINICAL.md C: a course of about 4-8 sessions, at most twice weekly, first sessions
    3-7 days apart. `maintenance_weeks` weekly sessions follow the induction (0: none);
    CLINICAL.md gives no length for them, so the prescriber chooses. `caps` default to
    the sublingual/oral caps.
    """
    _require_whole("maintenance_weeks", maintenance_weeks, minimum=0)
    first_weekday = rules.twice_weekly_days[:1]  # weekly sessions on the first of the two
    phases = [Phase("induction", rules.induction_weeks, rules.twice_weekly_days)]
    if maintenance_weeks:
        phases.append(Phase("maintenance", maintenance_weeks, first_weekday))
    return schedule(start, phases, caps=rules.sublingual_oral_caps if caps is None else caps)


def esketamine_label_schedule(
    start: CourseStart,
    *,
    dose_mg: int,
    maintenance_every_weeks: Literal[1, 2],
    maintenance_weeks: int,
    rules: DosingRules = DEFAULT_RULES,
) -> tuple[ScheduledDose, ...]:
    """The esketamine label schedule (CLINICAL.md C), with the dose of each session.

    Weeks 1-4 twice weekly (day 1: 56 mg, then `dose_mg`, 56 or 84 mg); weeks 5-8
    weekly; from week 9 every 1 or 2 weeks for `maintenance_weeks` weeks (the label sets
    no end; the prescriber does). The last induction session carries the label's
    reminder to assess benefit. Checked against `rules.esketamine_caps`.
    """
    if type(dose_mg) is not int or dose_mg not in rules.esketamine_label_doses_mg:
        raise InvalidDosingInput(
            f"dose_mg must be one of {rules.esketamine_label_doses_mg} mg (label), not {dose_mg!r}."
        )
    if type(maintenance_every_weeks) is not int or maintenance_every_weeks not in (1, 2):
        raise InvalidDosingInput(
            f"maintenance_every_weeks must be 1 or 2 (label), not {maintenance_every_weeks!r}."
        )
    _require_whole("maintenance_weeks", maintenance_weeks, minimum=0)
    first_weekday = rules.twice_weekly_days[:1]  # weekly sessions on the first of the two
    phases = [
        Phase("induction", 4, rules.twice_weekly_days),  # CLINICAL.md C: weeks 1-4
        Phase("maintenance", 4, first_weekday),  # CLINICAL.md C: weeks 5-8 weekly
    ]
    if maintenance_weeks:
        phases.append(
            Phase("maintenance", maintenance_weeks, first_weekday, maintenance_every_weeks)
        )
    count = len(_session_days(phases))
    doses = _lay_out(start, phases, [rules.esketamine_first_dose_mg] + [dose_mg] * (count - 1))
    last_induction = max(d.number for d in doses if d.phase == "induction") - 1
    doses[0] = _noted(
        doses[0], f"day 1: {rules.esketamine_first_dose_mg} mg (label, CLINICAL.md C)"
    )
    doses[last_induction] = _noted(
        doses[last_induction], "end of induction: assess benefit (label, CLINICAL.md C)"
    )
    _refuse_if_over_caps(doses, rules.esketamine_caps, _zone(start.zone))
    return tuple(doses)


def _noted(dose: ScheduledDose, note: str) -> ScheduledDose:
    return ScheduledDose(dose.number, dose.at, dose.phase, dose.dose_mg, note)


# --- Titration ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionReport:
    """What was reported after one session: the dose, CADSS-6, side effects, blood pressure."""

    at: datetime
    dose_mg: float
    cadss6_total: int | None = None  # None: not asked
    adverse_event: AdverseEventSeverity | None = None  # the worst grade reported; None: none
    serious_adverse_event: bool = False
    vomited: bool = False
    bp_before: BloodPressure | None = None  # before the dose and ~40 min after (CLINICAL.md D)
    bp_after: BloodPressure | None = None

    def __post_init__(self) -> None:
        _require_aware("at", self.at)
        _require_amount("dose_mg", self.dose_mg, "mg")
        maximum = instruments.get("cadss6").max_total  # CLINICAL.md A7: 0-24
        if self.cadss6_total is not None and (
            type(self.cadss6_total) is not int or not 0 <= self.cadss6_total <= maximum
        ):
            raise InvalidDosingInput(
                f"cadss6_total must be a whole number 0-{maximum} or None, "
                f"not {self.cadss6_total!r}."
            )
        if self.adverse_event is not None:
            _require_member("adverse_event", self.adverse_event, AdverseEventSeverity)
        _require_bool("serious_adverse_event", self.serious_adverse_event)
        _require_bool("vomited", self.vomited)
        readings = (self.bp_before, self.bp_after)
        if any(r is not None and not isinstance(r, BloodPressure) for r in readings):
            raise InvalidDosingInput(
                f"bp_before and bp_after must be BloodPressure, not {readings!r}."
            )
        if (self.bp_before is None) != (self.bp_after is None):
            raise InvalidDosingInput(
                "bp_before and bp_after go together: give both readings or neither."
            )


@dataclass(frozen=True)
class Suggestion:
    """A titration suggestion for the prescriber, with its reasons; it never changes the plan."""

    action: TitrationAction
    current_dose_mg: float
    suggested_dose_mg: float
    take: str  # what the patient would take at the suggested dose
    reasons: tuple[str, ...]
    for_prescriber: Literal[True] = True
    source: str = (
        "CLINICAL.md C: dose titrated from post-session reports; the minimum effective dose"
    )


def _session_problems(
    session: SessionReport, rules: DosingRules
) -> list[tuple[TitrationAction, str]]:
    on = f"after the session of {session.at.date().isoformat()} ({_text(session.dose_mg)} mg)"
    problems = []
    threshold = safety.high_dissociation_threshold(rules.safety_rules)
    if session.cadss6_total is not None and session.cadss6_total >= threshold:
        problems.append(
            (
                TitrationAction.STEP_DOWN,
                (
                    f"CADSS-6 {session.cadss6_total} {on} is at or above the "
                    f"high-dissociation threshold {threshold} (CLINICAL.md A7)."
                ),
            )
        )
    grade = session.adverse_event
    if grade in (AdverseEventSeverity.SEVERE, AdverseEventSeverity.LIFE_THREATENING) or (
        session.serious_adverse_event
    ):
        event = "A serious adverse event" if session.serious_adverse_event else "An adverse event"
        problems.append(
            (
                TitrationAction.STEP_DOWN,
                f"{event} ({grade.replace('_', '-') if grade else 'grade not given'}) {on}.",
            )
        )
    elif grade is AdverseEventSeverity.MODERATE:
        problems.append((rules.on_moderate_adverse_event, f"A moderate adverse event {on}."))
    if session.bp_before is not None and session.bp_after is not None:
        finding = postdose.check_post_dose_reading(
            session.bp_before, session.bp_after, earlier_high=False, rules=rules.safety_rules
        )
        # A rise of 40/25 mmHg, the hard stop or a crisis (CLINICAL.md D, G6); a reading
        # only above the pre-dose gate asks for a re-measure, not a lower dose.
        if finding is not None and finding.severity in _URGENT:
            problems.append((rules.on_blood_pressure_rise, f"{finding.message.rstrip('.')} {on}."))
    if session.vomited:
        problems.append((rules.on_vomiting, f"Vomiting {on}: part of the dose may have been lost."))
    return problems


_URGENT = frozenset({safety.Severity.URGENT, safety.Severity.EMERGENCY})


def _response(
    baseline: int | None, current: int | None, rules: DosingRules
) -> tuple[bool | None, str]:
    if baseline is None or current is None:
        missing = "a baseline PHQ-9" if baseline is None else "a PHQ-9 since the first dose"
        return None, f"No response can be judged without {missing}."
    change = outcomes.change("phq9", baseline=baseline, current=current, rules=rules.outcome_rules)
    if change.response is None:
        return None, "The outcome rules define no PHQ-9 response, so none can be judged."
    percent = "" if change.percent is None else f" ({change.percent:+g}%)"
    words = f"PHQ-9 {baseline} at baseline, {current} now{percent}"
    needed = f"{rules.outcome_rules.response_reduction_percent:g}%"
    if change.response:
        return True, (
            f"{words}: a response (a fall of at least {needed}, CLINICAL.md A11); stay at the "
            "minimum effective dose (CLINICAL.md C)."
        )
    return (
        False,
        f"{words}: no response yet (a response is a fall of at least {needed}, CLINICAL.md A11).",
    )


def _suggest(
    plan: DosePlan, action: TitrationAction, dose_mg: Fraction, reasons: list[str]
) -> Suggestion:
    return Suggestion(
        action=action,
        current_dose_mg=plan.dose_mg,
        suggested_dose_mg=float(dose_mg),
        take=plan.formulation.take(float(dose_mg)),
        reasons=(
            *reasons,
            "A suggestion for the prescriber: the plan changes only if they change it.",
        ),
    )


def _step_down(plan: DosePlan, reasons: list[str]) -> Suggestion:
    target = max(_exact(plan.dose_mg) - plan.formulation._unit(), Fraction(0))
    lowest = plan.caps.min_mg_per_session
    if lowest is not None and target < _exact(lowest):
        reasons.append(
            f"One step down from {_text(plan.dose_mg)} mg is below the lowest session dose of "
            f"{_text(lowest)} mg ({plan.caps.source}): no dose until the prescriber reviews."
        )
        target = Fraction(0)
    elif target == 0:
        reasons.append(
            f"One step down from {_text(plan.dose_mg)} mg is no dose: the prescriber decides "
            "whether to pause or stop."
        )
    else:
        reasons.append(f"One step down: {_text(plan.dose_mg)} mg to {_text(target)} mg.")
    return _suggest(plan, TitrationAction.STEP_DOWN, target, reasons)


def suggest_titration(
    plan: DosePlan,
    recent_sessions: Iterable[SessionReport],
    *,
    phq9_baseline: int | None,
    phq9_current: int | None,
    rules: DosingRules = DEFAULT_RULES,
) -> Suggestion:
    """Step up, hold or step down one formulation step, with the reasons, for the prescriber.

    Reads the last `rules.sessions_before_step_up` sessions (sessions at a dose above the
    current one are skipped: the dose has already come down from them). Any CADSS-6 at or
    above the high-dissociation threshold, or a severe, life-threatening or serious
    adverse event, steps down; a blood-pressure rise (postdose.check_post_dose_reading),
    vomiting or a moderate adverse event hold or step down as the rules say. Otherwise a
    PHQ-9 response holds (the minimum effective dose, CLINICAL.md C), and so does a
    response that cannot be judged yet. Only tolerated sessions at the current dose,
    enough of them, and no response yet step up, and never above the session cap ("at
    the cap" holds instead) nor by more than one plan revision may raise the dose
    (`revision_limit`, CLINICAL.md G5: a step that large holds instead). Never below zero.
    """
    if not isinstance(plan, DosePlan):
        raise InvalidDosingInput(f"plan must be a DosePlan, not {plan!r}.")
    sessions = sorted(recent_sessions, key=_utc_of)
    needed = rules.sessions_before_step_up
    current = _exact(plan.dose_mg)
    reviewed = [s for s in sessions[-needed:] if _exact(s.dose_mg) <= current]
    problems = [p for s in reviewed for p in _session_problems(s, rules)]
    if any(action is TitrationAction.STEP_DOWN for action, _ in problems):
        return _step_down(plan, [reason for _, reason in problems])
    if problems:
        return _suggest(plan, TitrationAction.HOLD, current, [reason for _, reason in problems])
    responded, response_reason = _response(phq9_baseline, phq9_current, rules)
    if responded is not False:
        return _suggest(plan, TitrationAction.HOLD, current, [response_reason])
    at_dose = [s for s in reviewed if _exact(s.dose_mg) == current]
    if len(at_dose) < needed:
        return _suggest(
            plan,
            TitrationAction.HOLD,
            current,
            [
                response_reason,
                (
                    f"{len(at_dose)} of the last sessions at {_text(current)} mg; {needed} "
                    "tolerated sessions at the dose come before a step up (ketacare default)."
                ),
            ],
        )
    tolerated = f"The last {needed} sessions at {_text(current)} mg were tolerated."
    return _step_up(plan, [tolerated, response_reason], rules)


def _step_up(plan: DosePlan, reasons: list[str], rules: DosingRules) -> Suggestion:
    """One step up, unless it would pass the session cap or one revision's largest increase."""
    current = _exact(plan.dose_mg)
    target = current + plan.formulation._unit()
    ceiling = plan.caps._session_ceiling(plan.weight_kg)
    limit = revision_limit(plan.dose_mg, plan.caps, plan.weight_kg, rules)
    if ceiling is not None and target > ceiling:
        reasons.append(
            f"At the cap: one step up, {_text(target)} mg, would be above the session "
            f"cap of {_text(ceiling)} mg at {_text(plan.weight_kg)} kg ({plan.caps.source})."
        )
    elif target > _exact(limit.most_mg):
        reasons.append(
            f"One step up, {_text(target)} mg, is more than one revision allows. "
            f"{limit.why} ({limit.source}); a product with smaller steps would allow a step up."
        )
    else:
        reasons.append(f"One step up: {_text(current)} mg to {_text(target)} mg.")
        return _suggest(plan, TitrationAction.STEP_UP, target, reasons)
    return _suggest(plan, TitrationAction.HOLD, current, reasons)


def _utc_of(session: object) -> datetime:
    if not isinstance(session, SessionReport):
        raise InvalidDosingInput(
            f"recent_sessions must hold SessionReport entries, not {session!r}."
        )
    return session.at.astimezone(UTC)


# --- Prescriptions: how much, and until when ---------------------------------------------------

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
