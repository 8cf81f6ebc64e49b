"""The clinic-overridable safety thresholds (defaults from CLINICAL.md C and D).

Every number comes from CLINICAL.md; where CLINICAL.md has none, the rule is a clinic
setting, off (None) or marked "clinic's choice". A clinic overrides any of them with
`dataclasses.replace(DEFAULT_RULES, field=value)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ketacare.clinical.safety.clock import duration
from ketacare.clinical.safety.findings import Severity
from ketacare.clinical.safety.inputs import (
    InvalidSafetyInput,
    _require_bool,
    _require_mg,
    _require_whole,
    require_span,
)
from ketacare.clinical.vitals import (
    BP_DELAY_GATE_MMHG,
    BP_HARD_STOP_MMHG,
    BloodPressure,
)


@dataclass(frozen=True)
class BloodPressureLimit:
    """A systolic/diastolic pair a reading is compared with (a limit, not a reading)."""

    systolic_mmhg: int
    diastolic_mmhg: int

    def __post_init__(self) -> None:
        _require_whole("systolic_mmhg", self.systolic_mmhg, minimum=1)
        _require_whole("diastolic_mmhg", self.diastolic_mmhg, minimum=1)

    def __str__(self) -> str:
        return f"{self.systolic_mmhg}/{self.diastolic_mmhg} mmHg"

    def reached_by(self, reading: BloodPressure) -> bool:
        """Systolic or diastolic at or above the limit (a hard stop is reached at 160/100)."""
        return (
            reading.systolic_mmhg >= self.systolic_mmhg
            or reading.diastolic_mmhg >= self.diastolic_mmhg
        )

    def exceeded_by(self, reading: BloodPressure) -> bool:
        """Systolic or diastolic above the limit (the gate is passed at 140/90 itself)."""
        return (
            reading.systolic_mmhg > self.systolic_mmhg
            or reading.diastolic_mmhg > self.diastolic_mmhg
        )


@dataclass(frozen=True)
class SafetyRules:
    """Clinic-overridable safety thresholds (defaults from CLINICAL.md C and D)."""

    # CLINICAL.md D: "consider delaying if > 140/90 (default gate; configurable)". Blocks
    # when systolic > 140 OR diastolic > 90. None: no delay gate (the hard stop remains).
    bp_delay_gate: BloodPressureLimit | None = BloodPressureLimit(*BP_DELAY_GATE_MMHG)
    # CLINICAL.md D: ">= 160/100 is our clinic default, not a published number". Blocks
    # when systolic >= 160 OR diastolic >= 100, before the dose; urgent after it.
    bp_hard_stop: BloodPressureLimit | None = BloodPressureLimit(*BP_HARD_STOP_MMHG)
    # CLINICAL.md has no heart-rate limits: no check unless the clinic sets them. When
    # set, the gate fails below the minimum, above the maximum, or with no reading.
    heart_rate_min_bpm: int | None = None
    heart_rate_max_bpm: int | None = None
    # Fasting is a yes/no item of the at-home checklist (CLINICAL.md D lists nausea 28%
    # and vomiting 9%); CLINICAL.md gives no fasting time, so none is asked here.
    fasting_required: bool = True
    # CLINICAL.md D: the sitter stays at least 2 h after the dose (told to the patient).
    sitter_stay: timedelta = timedelta(hours=2)
    # CLINICAL.md C: at-home programs dose at most twice weekly; used only where the
    # plan gives no maximum of its own.
    default_max_sessions_per_7_days: int = 2
    # CLINICAL.md D: a rise of >= 40 mmHg systolic and/or >= 25 mmHg diastolic.
    bp_rise_systolic_mmhg: int = 40
    bp_rise_diastolic_mmhg: int = 25
    # CLINICAL.md D: observation at least 2 h after the dose (Spravato REMS). The release
    # check-in is accepted only once it has passed, so the check-in falls due after it:
    # the deadline is the observation plus a window to check in (30 min: clinic's choice).
    # The grace period delays the missed-check-in alert; no number in CLINICAL.md: 0.
    observation_minimum: timedelta = timedelta(hours=2)
    check_in_deadline: timedelta = timedelta(hours=2, minutes=30)
    check_in_grace: timedelta = timedelta(0)
    # Ketacare mapping of the suicidality flag: C-SSRS triage "high" (CLINICAL.md A8) is
    # an emergency; every other flag (PHQ-9 item 9 > 0, A1: "same-day clinical
    # follow-up"; QIDS-SR16 item 12, A5; MADRS item 10, A6; C-SSRS moderate) is urgent.
    # The cssrs_screen module raises the flag on moderate and high triage only.
    emergency_cssrs_bands: frozenset[str] = frozenset({"high"})
    # C-SSRS triage "low" (A8: wish to be dead and/or suicidal thoughts, no method,
    # intent, plan or behaviour) raises no flag in the instrument, but at home no
    # clinician is present, so any ideation is at least urgent and holds dosing
    # (CLINICAL.md G3, clinic's choice consistent with A1). Never below urgent.
    low_cssrs_severity: Severity = Severity.URGENT
    # CLINICAL.md G1: at most twice weekly, first sessions 3-7 days apart: at least 72 h
    # between at-home doses (a clinic may set 48 h), and never two doses on one calendar
    # day on the patient's clock.
    min_interval_between_doses: timedelta = timedelta(hours=72)
    # CLINICAL.md G2: the pre-dose blood pressure is taken "prior to dosing"; a passed
    # checklist authorises a dose for 60 min (clinic's choice).
    checklist_valid_for: timedelta = timedelta(minutes=60)
    # CLINICAL.md G2: after a delay-gate failure, a new reading is accepted no sooner than
    # 15 min later, at most 3 readings over the delay gate a day (clinic's choice).
    bp_remeasure_wait: timedelta = timedelta(minutes=15)
    bp_tries_per_day: int = 3
    # The sitter confirms being with the patient (their own sign-in or a code to their
    # phone) no more than 2 h before the gate runs (clinic's choice: CLINICAL.md D's
    # 2-hour stay, so a confirmation covers one session).
    sitter_confirmation_valid_for: timedelta = timedelta(hours=2)
    # CLINICAL.md D and G4: blood pressure again at about 40 min after the dose; missed
    # when none came 20 min after that (clinic's choice).
    post_dose_bp_due: timedelta = timedelta(minutes=40)
    post_dose_bp_grace: timedelta = timedelta(minutes=20)
    # A high reading after the dose asks for a re-measure 15 min later (as G2 before the
    # dose); still high, or none by then plus the grace above, pages (clinic's choice).
    post_dose_remeasure_after: timedelta = timedelta(minutes=15)
    # CLINICAL.md G6 (ACC/AHA 2017): a hypertensive crisis is systolic > 180 and/or
    # diastolic > 120 mmHg.
    hypertensive_crisis: BloodPressureLimit = BloodPressureLimit(180, 120)
    # CADSS-6 total at or above which dissociation is high (CLINICAL.md A7 has no
    # cut-off). None: the lower bound of the cadss6 instrument's "severe" band, read
    # from the instrument so the two never disagree.
    high_dissociation_total: int | None = None
    # The plan is the authority on the dose: any difference is a finding unless the
    # clinic allows a tolerance (no number in CLINICAL.md, so 0).
    dose_tolerance_mg: float = 0.0

    def __post_init__(self) -> None:
        for name in ("bp_delay_gate", "bp_hard_stop"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, BloodPressureLimit):
                raise InvalidSafetyInput(
                    f"{name} must be a BloodPressureLimit or None, not {value!r}."
                )
        for name in ("heart_rate_min_bpm", "heart_rate_max_bpm", "high_dissociation_total"):
            if getattr(self, name) is not None:
                _require_whole(name, getattr(self, name), minimum=0)
        for name in (
            "default_max_sessions_per_7_days",
            "bp_rise_systolic_mmhg",
            "bp_rise_diastolic_mmhg",
        ):
            _require_whole(name, getattr(self, name), minimum=1)
        for name in (
            "sitter_stay",
            "check_in_deadline",
            "check_in_grace",
            "observation_minimum",
            "min_interval_between_doses",
            "checklist_valid_for",
            "bp_remeasure_wait",
            "sitter_confirmation_valid_for",
            "post_dose_bp_due",
            "post_dose_bp_grace",
            "post_dose_remeasure_after",
        ):
            require_span(name, getattr(self, name))
        _require_whole("bp_tries_per_day", self.bp_tries_per_day, minimum=1)
        self._check_after_dose()

    def _check_after_dose(self) -> None:
        if self.check_in_deadline <= self.observation_minimum:
            raise InvalidSafetyInput(
                f"check_in_deadline {duration(self.check_in_deadline)} must come after the "
                f"observation_minimum {duration(self.observation_minimum)}: the release "
                "check-in is accepted only once the observation has ended."
            )
        if not isinstance(self.hypertensive_crisis, BloodPressureLimit):
            raise InvalidSafetyInput(
                "hypertensive_crisis must be a BloodPressureLimit, "
                f"not {self.hypertensive_crisis!r}."
            )
        if self.low_cssrs_severity not in (Severity.URGENT, Severity.EMERGENCY):
            raise InvalidSafetyInput(
                f"low_cssrs_severity must be urgent or emergency (CLINICAL.md G3), "
                f"not {self.low_cssrs_severity!r}."
            )
        _require_bool("fasting_required", self.fasting_required)
        _require_mg("dose_tolerance_mg", self.dose_tolerance_mg, zero_allowed=True)
        if not isinstance(self.emergency_cssrs_bands, frozenset):
            raise InvalidSafetyInput(
                f"emergency_cssrs_bands must be a frozenset of band labels, "
                f"not {self.emergency_cssrs_bands!r}."
            )


DEFAULT_RULES = SafetyRules()
