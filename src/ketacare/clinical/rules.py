"""The settings a clinic may change, and the rules they make: `rules_for(changes)`.

Each setting has a default (from CLINICAL.md, or marked "clinic's choice" where no
published number exists), the range a clinic may choose from (never "no limit"), and
which way is looser. A clinic's protocol stores only its changes; everything else is
the default. The Django side keeps the protocol, audits every change and asks for a
reason; this module only says what the numbers mean and which are allowed.

    rules = rules_for({"min_hours_between_doses": 48})
    rules.safety.min_interval_between_doses   # timedelta(hours=48)
    rules.dosing.intranasal_racemic_caps.max_mg_per_session   # 50 (the default)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from ketacare.clinical import dosing, eligibility, outcomes, safety


class InvalidClinicSetting(ValueError):
    """A setting a clinic may not choose; the message names it and the allowed range."""


@dataclass(frozen=True)
class Setting:
    """One number a clinic may change."""

    name: str
    title: str  # what it is, for the medical director
    unit: str
    default: float
    least: float  # the range a clinic may choose from
    most: float
    looser: Literal["higher", "lower"]  # which way loosens the limit
    source: str  # where the default comes from
    clinics_choice: bool  # no published number: the default is ours
    whole: bool = True

    def allowed(self, value: object) -> float:
        """`value` as this setting holds it, or InvalidClinicSetting naming the range."""
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or (self.whole and value != int(value))
        ):
            kind = "a whole number" if self.whole else "a number"
            raise InvalidClinicSetting(f"{self.title}: give {kind} of {self.unit}, not {value!r}.")
        if not self.least <= value <= self.most:
            raise InvalidClinicSetting(
                f"{self.title}: {value:g} {self.unit} is outside what a clinic may choose, "
                f"{self.least:g}-{self.most:g} {self.unit} ({self.source})."
            )
        return int(value) if self.whole else float(value)

    def loosens(self, old: float, new: float) -> bool:
        """Whether changing from `old` to `new` makes the limit less strict."""
        return new > old if self.looser == "higher" else new < old


_SL = dosing.DEFAULT_RULES.sublingual_oral_caps
_IN = dosing.DEFAULT_RULES.intranasal_racemic_caps
_SAFE = safety.DEFAULT_RULES


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "min_hours_between_doses",
        "Least time between two at-home doses",
        "hours",
        _SAFE.min_interval_between_doses.total_seconds() / 3600,
        48,  # CLINICAL.md G1: "a clinic may set 48 h"
        # No more than the at-home schedule's shorter gap (twice weekly, 3 then 4 days):
        # a longer least interval would refuse every at-home course.
        72,
        "lower",
        "CLINICAL.md G1",
        clinics_choice=False,
    ),
    Setting(
        "checklist_valid_minutes",
        "How long a passed pre-dose checklist authorises a dose",
        "minutes",
        _minutes(_SAFE.checklist_valid_for),
        10,
        120,
        "higher",
        "CLINICAL.md G2",
        clinics_choice=True,
    ),
    Setting(
        "bp_remeasure_wait_minutes",
        "Wait before a new blood pressure after one over the pre-dose limit",
        "minutes",
        _minutes(_SAFE.bp_remeasure_wait),
        5,
        60,
        "lower",
        "CLINICAL.md G2",
        clinics_choice=True,
    ),
    Setting(
        "bp_tries_per_day",
        "Readings over the pre-dose limit a day before a clinician must clear the dose",
        "readings",
        _SAFE.bp_tries_per_day,
        1,
        5,
        "higher",
        "CLINICAL.md G2",
        clinics_choice=True,
    ),
    Setting(
        "sitter_confirmation_valid_minutes",
        "How long a sitter's confirmation of being with the patient counts",
        "minutes",
        _minutes(_SAFE.sitter_confirmation_valid_for),
        30,
        240,
        "higher",
        "CLINICAL.md D (the 2-hour stay)",
        clinics_choice=True,
    ),
    Setting(
        "post_dose_bp_minutes",
        "When the blood pressure after the dose is due",
        "minutes after the dose",
        _minutes(_SAFE.post_dose_bp_due),
        30,  # CLINICAL.md D: the rise peaks at about 40 min
        60,
        "higher",
        "CLINICAL.md D, G4",
        clinics_choice=False,
    ),
    Setting(
        "post_dose_bp_grace_minutes",
        "How late the blood pressure after the dose may come before an alert",
        "minutes",
        _minutes(_SAFE.post_dose_bp_grace),
        5,
        60,
        "higher",
        "clinic's choice",
        clinics_choice=True,
    ),
    Setting(
        "observation_minutes",
        "Least observation after the dose before the release check-in",
        "minutes",
        _minutes(_SAFE.observation_minimum),
        120,  # CLINICAL.md D: at least 2 h (Spravato REMS); never shorter
        480,
        "lower",
        "CLINICAL.md D",
        clinics_choice=False,
    ),
    Setting(
        "check_in_window_minutes",
        "Time to check in once the observation has ended",
        "minutes",
        _minutes(_SAFE.check_in_deadline - _SAFE.observation_minimum),
        15,
        120,
        "higher",
        "clinic's choice",
        clinics_choice=True,
    ),
    Setting(
        "sublingual_oral_max_mg",
        "Session cap, sublingual and oral tablets",
        "mg",
        _SL.max_mg_per_session or 0,
        25,  # CLINICAL.md C: 25-300 mg fixed
        450,  # CLINICAL.md G5: at-home programs used up to 300-450 mg tablets
        "higher",
        "CLINICAL.md C, G5",
        clinics_choice=False,
    ),
    Setting(
        "intranasal_max_mg",
        "Session cap, racemic nasal spray",
        "mg",
        _IN.max_mg_per_session or 0,
        10,
        300,  # the top of CLINICAL.md C's at-home range for any route
        "higher",
        "CLINICAL.md G5",
        clinics_choice=False,
    ),
    Setting(
        "first_session_percent_of_cap",
        "First session of a ketamine-naive patient, as a share of the session cap",
        "% of the cap",
        round(dosing.DEFAULT_RULES.first_session_share_of_cap * 100),
        25,
        100,
        "higher",
        "CLINICAL.md G5",
        clinics_choice=True,
    ),
    Setting(
        "max_increase_percent",
        "Largest dose increase in one plan revision",
        "% of the current dose",
        round(dosing.DEFAULT_RULES.max_increase_per_revision * 100),
        10,
        100,
        "higher",
        "CLINICAL.md G5",
        clinics_choice=True,
    ),
    Setting(
        "induction_review_after_days",
        "Days after the first dose by which the end-of-induction review is due",
        "days",
        dosing.DEFAULT_RULES.induction_review_after_days,
        # CLINICAL.md C: a course of 4-8 sessions, at most twice weekly (4 take 2 weeks)
        # and first sessions up to 7 days apart (8 take up to 8 weeks).
        14,
        56,
        "higher",
        "CLINICAL.md C, F (clinic's choice)",
        clinics_choice=True,
    ),
    Setting(
        "prescription_margin_sessions",
        "Spare sessions' worth of units a prescription may carry beyond the plan",
        "sessions",
        dosing.DEFAULT_RULES.prescription_margin_sessions,
        0,
        4,
        "higher",
        "clinic's choice",
        clinics_choice=True,
    ),
    Setting(
        "pdmp_check_window_days",
        "Days a state PDMP check counts for before a prescription is written or refilled",
        "days",
        30,
        1,
        90,
        "higher",
        "clinic's choice",
        clinics_choice=True,
    ),
    *(
        # Staged dispensing (issue 17): each hold on a fill, on (1) or off (0); all on
        # by default, fail closed. clinical.staging reads them.
        Setting(
            name,
            title,
            "on (1) or off (0)",
            1,
            0,
            1,
            "lower",
            "clinic's choice",
            clinics_choice=True,
        )
        for name, title in (
            ("hold_fill_until_checked_in", "Hold a fill until every dosed session is checked in"),
            ("hold_fill_until_questionnaires_done", "Hold a fill while a questionnaire is overdue"),
            ("hold_fill_while_urgent_alert", "Hold a fill while an urgent alert is open"),
            ("hold_fill_until_count_reconciled", "Hold a fill until the pill count is reconciled"),
        )
    ),
)
BY_NAME: Mapping[str, Setting] = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class ClinicRules:
    """A clinic's rules: the defaults with its protocol's changes."""

    values: Mapping[str, float]  # every setting, changed or default
    safety: safety.SafetyRules
    dosing: dosing.DosingRules
    # No setting changes these yet: every clinic reads the published rules, through here,
    # so a face never picks a module's DEFAULT_RULES itself.
    eligibility: eligibility.EligibilityRules = eligibility.DEFAULT_RULES
    outcomes: outcomes.OutcomeRules = outcomes.DEFAULT_RULES

    def changed(self) -> dict[str, float]:
        """The settings that differ from the default."""
        return {n: v for n, v in self.values.items() if v != BY_NAME[n].default}


def checked(changes: Mapping[str, object]) -> dict[str, float]:
    """A protocol's changes, each allowed; InvalidClinicSetting names the first that is not."""
    if not isinstance(changes, Mapping):
        raise InvalidClinicSetting(f"Give the settings as names and numbers, not {changes!r}.")
    unknown = sorted(str(name) for name in changes if name not in BY_NAME)
    if unknown:
        raise InvalidClinicSetting(
            f"Unknown setting {', '.join(unknown)}; the settings are {', '.join(BY_NAME)}."
        )
    return {name: BY_NAME[name].allowed(value) for name, value in changes.items()}


def rules_for(changes: Mapping[str, object] | None = None) -> ClinicRules:
    """The rules of a clinic whose protocol makes `changes` to the defaults."""
    values = {s.name: s.default for s in SETTINGS} | checked(changes or {})
    observation = timedelta(minutes=values["observation_minutes"])
    safety_rules = dataclasses.replace(
        safety.DEFAULT_RULES,
        min_interval_between_doses=timedelta(hours=values["min_hours_between_doses"]),
        checklist_valid_for=timedelta(minutes=values["checklist_valid_minutes"]),
        bp_remeasure_wait=timedelta(minutes=values["bp_remeasure_wait_minutes"]),
        bp_tries_per_day=int(values["bp_tries_per_day"]),
        sitter_confirmation_valid_for=timedelta(
            minutes=values["sitter_confirmation_valid_minutes"]
        ),
        post_dose_bp_due=timedelta(minutes=values["post_dose_bp_minutes"]),
        post_dose_bp_grace=timedelta(minutes=values["post_dose_bp_grace_minutes"]),
        observation_minimum=observation,
        sitter_stay=max(safety.DEFAULT_RULES.sitter_stay, observation),
        check_in_deadline=observation + timedelta(minutes=values["check_in_window_minutes"]),
    )
    spacing = safety_rules.min_interval_between_doses
    defaults = dosing.DEFAULT_RULES
    dosing_rules = dataclasses.replace(
        defaults,
        sublingual_oral_caps=_session_cap(
            defaults.sublingual_oral_caps, values["sublingual_oral_max_mg"], spacing
        ),
        intranasal_racemic_caps=_session_cap(
            defaults.intranasal_racemic_caps, values["intranasal_max_mg"], spacing
        ),
        first_session_share_of_cap=values["first_session_percent_of_cap"] / 100,
        max_increase_per_revision=values["max_increase_percent"] / 100,
        prescription_margin_sessions=int(values["prescription_margin_sessions"]),
        induction_review_after_days=int(values["induction_review_after_days"]),
        safety_rules=safety_rules,
    )
    return ClinicRules(values=values, safety=safety_rules, dosing=dosing_rules)


def _session_cap(caps: dosing.DoseCaps, max_mg: float, spacing: timedelta) -> dosing.DoseCaps:
    """A route's caps with the clinic's session cap; the 7-day cap follows it."""
    sessions = caps.max_sessions_per_7_days or 1
    return dataclasses.replace(
        caps,
        max_mg_per_session=max_mg,
        max_mg_per_7_days=max_mg * sessions,
        min_interval=spacing,
    )


DEFAULT = rules_for()
