"""The clinic's dosing rules: caps, and the defaults of the schedule and titration.

`DoseCaps` are a clinic's limits on a plan's doses (checked by `dosing.violations`);
`DosingRules` hold the default caps per formulation and the settings of the schedule,
the dose limits and titration. Sources: CLINICAL.md C (caps at the top of the published
ranges, at most twice weekly, the esketamine label) and G1/G5; where they give no number
the setting is a ketacare default, marked so in a comment, and a clinic overrides any of
them with `dataclasses.replace(DEFAULT_RULES, ...)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from fractions import Fraction

from ketacare.clinical import outcomes, safety
from ketacare.clinical.dosing.formulations import (
    ESKETAMINE_DEVICE_MG,
    EsketamineDevice,
    Formulation,
    NasalSpray,
    Tablet,
)
from ketacare.clinical.dosing.inputs import (
    InvalidDosingInput,
    _exact,
    _is_number,
    _require_amount,
    _require_weight,
    _require_whole,
    _text,
)


@dataclass(frozen=True)
class DoseCaps:
    """A clinic's limits on a plan's doses: per session, per rolling 7 days, and spacing.

    None means no such limit. The 7-day limits count the sessions in the 7 days on the
    patient's clock before a dose (a dose exactly 7 days earlier has left the window);
    `min_interval` is also measured on the patient's clock (see `dosing.clock`).
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
    # ketacare clinic default, not a published number (clinic's choice): the end-of-induction
    # review (CLINICAL.md C, esketamine label: "assess benefit at end of induction") is due
    # this many days after the first dose at the latest: the 4 weeks of induction_weeks, and
    # Hull 2022's week-4 assessment (F, G9). The plan's induction sessions may make it sooner.
    induction_review_after_days: int = 28
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
        _require_whole("induction_review_after_days", self.induction_review_after_days, minimum=1)
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
