"""Eligibility for the at-home ketamine program: TRD, Maudsley stage, exclusions, cautions.

Intake facts in, an assessment out: the number of failed adequate antidepressant
trials, whether that makes the depression treatment-resistant (TRD), the Maudsley
stage when the clinician has scored its domains, and a decision with its findings.

- An absolute exclusion (CLINICAL.md D) makes the patient `ineligible`.
- A relative contraindication or an unmet home requirement is a caution: the patient
  `needs_review`, and a clinician must write a justification before approval. This
  module only reports; recording the justification is the intake workflow's job.
- Info findings (TRD status, the Maudsley stage, a low screen) never change the decision.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import cast

from ketacare.clinical.vitals import BP_DELAY_GATE_MMHG, BP_HARD_STOP_MMHG, BloodPressure

_D = "CLINICAL.md D"


class InvalidIntake(ValueError):
    """Intake facts that cannot be assessed; the message names the field and allowed values."""


class Decision(StrEnum):
    """The outcome of an eligibility assessment."""

    ELIGIBLE = "eligible"
    NEEDS_REVIEW = "needs_review"  # a clinician must justify each caution before approval
    INELIGIBLE = "ineligible"


class Severity(StrEnum):
    """How much a finding weighs on the decision."""

    EXCLUSION = "exclusion"  # absolute: ineligible
    CAUTION = "caution"  # relative: needs a clinician's written justification
    INFO = "info"  # recorded, never changes the decision


class DisorderStatus(StrEnum):
    """Whether a disorder is absent, in the patient's history, or active now."""

    NONE = "none"
    HISTORY = "history"
    ACTIVE = "active"


class Hypertension(StrEnum):
    """The patient's hypertension diagnosis, as the referring clinician records it."""

    NONE = "none"
    CONTROLLED = "controlled"
    UNCONTROLLED = "uncontrolled"


class MedicationClass(StrEnum):
    """Current medication classes that CLINICAL.md D lists as relative contraindications."""

    BENZODIAZEPINE = "benzodiazepine"
    OTHER_CNS_DEPRESSANT = "other_cns_depressant"
    STIMULANT = "stimulant"
    MAOI = "maoi"


class Dast10Band(StrEnum):
    """DAST-10 bands (CLINICAL.md A10), in increasing order."""

    NONE = "none"  # 0
    LOW = "low"  # 1-2
    MODERATE = "moderate"  # 3-5
    SUBSTANTIAL = "substantial"  # 6-8
    SEVERE = "severe"  # 9-10


_DAST10_ORDER = tuple(Dast10Band)


class TrialOutcome(StrEnum):
    """How an antidepressant trial ended (or that it has not ended)."""

    FAILED = "failed"
    RESPONDED = "responded"
    NOT_TOLERATED = "not_tolerated"
    ONGOING = "ongoing"


class TrialShortfall(StrEnum):
    """Why an antidepressant trial does not count towards TRD (CLINICAL.md D)."""

    RESPONDED = "responded"
    NOT_TOLERATED = "not_tolerated"
    ONGOING = "ongoing"
    DOSE_NOT_ADEQUATE = "dose_not_adequate"
    TOO_SHORT = "too_short"
    NOT_CURRENT_EPISODE = "not_current_episode"


class MaudsleyBand(StrEnum):
    """Maudsley Staging Method bands (CLINICAL.md D, Fekadu 2018)."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class FindingCode(StrEnum):
    """What an eligibility finding is about (stable codes for storage and the API)."""

    # Absolute exclusions (CLINICAL.md D).
    AGE_UNDER_18 = "age_under_18"
    PREGNANCY = "pregnancy"
    BREASTFEEDING = "breastfeeding"
    PSYCHOTIC_DISORDER = "psychotic_disorder"
    CURRENT_MANIA = "current_mania"
    ACTIVE_KETAMINE_USE_DISORDER = "active_ketamine_use_disorder"
    ACTIVE_SUBSTANCE_USE_DISORDER = "active_substance_use_disorder"
    ANEURYSMAL_VASCULAR_DISEASE_OR_AVM = "aneurysmal_vascular_disease_or_avm"
    INTRACEREBRAL_HAEMORRHAGE_HISTORY = "intracerebral_haemorrhage_history"
    KETAMINE_HYPERSENSITIVITY = "ketamine_hypersensitivity"
    UNCONTROLLED_HYPERTENSION = "uncontrolled_hypertension"
    BLOOD_PRESSURE_AT_HARD_STOP = "blood_pressure_at_hard_stop"
    UNSTABLE_CARDIAC_DISEASE = "unstable_cardiac_disease"
    UNSTABLE_RESPIRATORY_DISEASE = "unstable_respiratory_disease"
    # Relative contraindications and home requirements (CLINICAL.md C, D; program rules).
    CONTROLLED_HYPERTENSION = "controlled_hypertension"
    BLOOD_PRESSURE_ABOVE_GATE = "blood_pressure_above_gate"
    BIPOLAR_DISORDER = "bipolar_disorder"
    HISTORY_OF_KETAMINE_USE_DISORDER = "history_of_ketamine_use_disorder"
    HISTORY_OF_SUBSTANCE_USE_DISORDER = "history_of_substance_use_disorder"
    SEVERE_HEPATIC_DISEASE = "severe_hepatic_disease"
    RAISED_INTRAOCULAR_PRESSURE = "raised_intraocular_pressure"
    RAISED_INTRACRANIAL_PRESSURE = "raised_intracranial_pressure"
    CONCURRENT_BENZODIAZEPINE = "concurrent_benzodiazepine"
    CONCURRENT_CNS_DEPRESSANT = "concurrent_cns_depressant"
    CONCURRENT_STIMULANT = "concurrent_stimulant"
    CONCURRENT_MAOI = "concurrent_maoi"
    POSITIVE_AUDIT_C = "positive_audit_c"
    DAST10_DRUG_USE = "dast10_drug_use"
    NO_RELIABLE_SITTER = "no_reliable_sitter"
    NO_SECURE_STORAGE = "no_secure_storage"
    NO_DRIVING_AGREEMENT = "no_driving_agreement"
    # Information.
    TREATMENT_RESISTANT = "treatment_resistant"
    NOT_TREATMENT_RESISTANT = "not_treatment_resistant"
    MAUDSLEY_STAGE = "maudsley_stage"


# --- input checks ------------------------------------------------------------------


def _check_yes_no(name: str, value: object) -> None:
    if type(value) is not bool:
        raise InvalidIntake(f"{name} must be True or False, not {value!r}.")


def _check_whole_number(name: str, value: object, *, minimum: int) -> None:
    if type(value) is not int or value < minimum:
        raise InvalidIntake(f"{name} must be a whole number >= {minimum}, not {value!r}.")


def _check_weeks(name: str, value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidIntake(f"{name} must be a finite number of weeks >= 0, not {value!r}.")


def _check_member(name: str, value: object, enum: type[StrEnum]) -> None:
    # A plain string equal to a member's value is not the member: nothing is coerced.
    if not isinstance(value, enum):
        allowed = ", ".join(m.value for m in enum)
        raise InvalidIntake(f"{name} must be a {enum.__name__} ({allowed}), not {value!r}.")


def _check_instance(name: str, value: object, kind: type) -> None:
    if not isinstance(value, kind):
        raise InvalidIntake(f"{name} must be a {kind.__name__}, not {value!r}.")


def _check_collection(name: str, value: object, container: type, kind: type) -> None:
    # isinstance(value, container) makes value a tuple or frozenset: iterable.
    if not isinstance(value, container) or not all(
        isinstance(v, kind) for v in cast("Iterable[object]", value)
    ):
        raise InvalidIntake(
            f"{name} must be a {container.__name__} of {kind.__name__}, not {value!r}."
        )


def _check_date(name: str, value: object) -> None:
    # A datetime is a date subclass; naive or aware, it is ambiguous about the calendar
    # day it means, so only a plain date is accepted.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidIntake(f"{name} must be a calendar date (not a datetime), not {value!r}.")


@dataclass(frozen=True)
class EligibilityRules:
    """Clinic-overridable eligibility thresholds (defaults from CLINICAL.md D)."""

    # CLINICAL.md D: age < 18 is an absolute exclusion.
    minimum_age_years: int = 18
    # CLINICAL.md D: an adequate trial is commonly >= 6 weeks at an adequate dose.
    minimum_trial_weeks: float = 6.0
    # CLINICAL.md D: TRD is failure of >= 2 adequate trials in the current episode.
    trd_minimum_failed_trials: int = 2
    # CLINICAL.md D: consider delaying if > 140/90 (default gate; configurable). At intake
    # a reading above it asks the clinician to rule out uncontrolled hypertension.
    bp_gate_systolic_mmhg: int = BP_DELAY_GATE_MMHG[0]
    bp_gate_diastolic_mmhg: int = BP_DELAY_GATE_MMHG[1]
    # CLINICAL.md D: hard stop >= 160/100 is "our clinic default, not a published number";
    # at intake a reading at or above it is treated as uncontrolled hypertension.
    bp_hard_stop_systolic_mmhg: int = BP_HARD_STOP_MMHG[0]
    bp_hard_stop_diastolic_mmhg: int = BP_HARD_STOP_MMHG[1]
    # A positive AUDIT-C (CLINICAL.md A9) asks the clinician to rule out an active alcohol
    # use disorder (an exclusion, D) before approval. Making it a caution rather than
    # information is a ketacare clinic default (a policy, not a published cut-off).
    positive_audit_c_is_caution: bool = True
    # CLINICAL.md A10 gives DAST-10 bands but no cut-off for eligibility: off by default
    # (any drug use is reported as information); a clinic may set the band from which it
    # becomes a caution, e.g. Dast10Band.MODERATE.
    dast10_caution_from: Dast10Band | None = None

    def __post_init__(self) -> None:
        for name in (
            "minimum_age_years",
            "trd_minimum_failed_trials",
            "bp_gate_systolic_mmhg",
            "bp_gate_diastolic_mmhg",
            "bp_hard_stop_systolic_mmhg",
            "bp_hard_stop_diastolic_mmhg",
        ):
            _check_whole_number(f"rules.{name}", getattr(self, name), minimum=1)
        _check_weeks("rules.minimum_trial_weeks", self.minimum_trial_weeks)
        if not (
            self.bp_gate_systolic_mmhg < self.bp_hard_stop_systolic_mmhg
            and self.bp_gate_diastolic_mmhg < self.bp_hard_stop_diastolic_mmhg
        ):
            raise InvalidIntake(
                "rules: the blood-pressure gate must be below the hard stop on both numbers, "
                f"not {self.bp_gate_systolic_mmhg}/{self.bp_gate_diastolic_mmhg} against "
                f"{self.bp_hard_stop_systolic_mmhg}/{self.bp_hard_stop_diastolic_mmhg} mmHg."
            )
        _check_yes_no("rules.positive_audit_c_is_caution", self.positive_audit_c_is_caution)
        if self.dast10_caution_from is not None:
            _check_member("rules.dast10_caution_from", self.dast10_caution_from, Dast10Band)


DEFAULT_RULES = EligibilityRules()


@dataclass(frozen=True, kw_only=True)
class AntidepressantTrial:
    """One antidepressant trial as the patient's history records it."""

    drug: str
    adequate_dose: bool
    duration_weeks: float
    outcome: TrialOutcome
    in_current_episode: bool

    def __post_init__(self) -> None:
        if not isinstance(self.drug, str) or not self.drug.strip():
            raise InvalidIntake(f"drug must be the antidepressant's name, not {self.drug!r}.")
        where = f"antidepressant trial of {self.drug}"
        _check_yes_no(f"{where}: adequate_dose", self.adequate_dose)
        _check_weeks(f"{where}: duration_weeks", self.duration_weeks)
        _check_member(f"{where}: outcome", self.outcome, TrialOutcome)
        _check_yes_no(f"{where}: in_current_episode", self.in_current_episode)


@dataclass(frozen=True, kw_only=True)
class HomeSituation:
    """What the at-home program needs at the patient's home (CLINICAL.md C, D)."""

    # CLINICAL.md C, D: an adult, sober sitter present for every session, >= 2 h after dosing.
    sitter_available: bool
    # ketacare program rule: tablets and sprays kept locked away between sessions. Not a
    # CLINICAL.md number; it serves the "vigilance for diversion" principle of C.
    secure_storage: bool
    # CLINICAL.md D: no driving until the next day after sleep.
    agrees_not_to_drive: bool

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            _check_yes_no(f"home.{field.name}", getattr(self, field.name))


# CLINICAL.md D (Fekadu 2018): domain ranges; total 3-15.
_MAUDSLEY_RANGES = {"duration": (1, 3), "severity": (1, 5), "treatment_failures": (1, 7)}
# CLINICAL.md D: 3-6 mild, 7-10 moderate, 11-15 severe (upper bound of each band).
_MAUDSLEY_BANDS = ((6, MaudsleyBand.MILD), (10, MaudsleyBand.MODERATE), (15, MaudsleyBand.SEVERE))


@dataclass(frozen=True, kw_only=True)
class MaudsleyDomains:
    """The three Maudsley domain scores as the clinician rated them (Fekadu 2018).

    CLINICAL.md D gives only each domain's range, not how to score it from raw facts
    (episode duration, severity, treatments), so the clinician scores the domains.
    """

    duration: int  # CLINICAL.md D: 1-3
    severity: int  # CLINICAL.md D: 1-5
    treatment_failures: int  # CLINICAL.md D: up to 7 (at least 1, as the total starts at 3)

    def __post_init__(self) -> None:
        for name, (low, high) in _MAUDSLEY_RANGES.items():
            value = getattr(self, name)
            if type(value) is not int or not low <= value <= high:
                raise InvalidIntake(
                    f"maudsley.{name} must be a whole number {low}-{high}, not {value!r}."
                )


@dataclass(frozen=True)
class MaudsleyStage:
    """A Maudsley Staging Method total (3-15) and its band."""

    domains: MaudsleyDomains
    total: int
    band: MaudsleyBand


def stage_maudsley(domains: MaudsleyDomains) -> MaudsleyStage:
    """The Maudsley total and band from the clinician's domain scores (CLINICAL.md D)."""
    if not isinstance(domains, MaudsleyDomains):
        raise InvalidIntake(f"maudsley must be MaudsleyDomains, not {domains!r}.")
    total = domains.duration + domains.severity + domains.treatment_failures
    band = next(band for high, band in _MAUDSLEY_BANDS if total <= high)
    return MaudsleyStage(domains=domains, total=total, band=band)


@dataclass(frozen=True, kw_only=True)
class IntakeFacts:
    """What intake established about a patient, for the eligibility review.

    Every contraindication must be answered (no defaults: an unasked question is not a
    "no"). Screens, the blood pressure and the Maudsley domains are None when not done.
    """

    date_of_birth: date
    assessed_on: date
    home: HomeSituation
    pregnant: bool
    breastfeeding: bool
    psychotic_disorder: bool
    current_mania: bool
    bipolar_disorder: bool
    ketamine_use_disorder: DisorderStatus
    other_substance_use_disorder: DisorderStatus
    aneurysmal_vascular_disease_or_avm: bool
    intracerebral_haemorrhage_history: bool
    ketamine_hypersensitivity: bool
    hypertension: Hypertension
    unstable_cardiac_disease: bool
    unstable_respiratory_disease: bool
    severe_hepatic_disease: bool
    raised_intraocular_pressure: bool
    raised_intracranial_pressure: bool
    current_medications: frozenset[MedicationClass]
    antidepressant_trials: tuple[AntidepressantTrial, ...]
    audit_c_positive: bool | None = None
    dast10_band: Dast10Band | None = None
    blood_pressure: BloodPressure | None = None
    maudsley: MaudsleyDomains | None = None

    def __post_init__(self) -> None:
        age_in_years(self.date_of_birth, self.assessed_on)  # validates both dates
        # Annotations are strings here (postponed evaluation): every yes/no fact is a bool.
        for field in dataclasses.fields(self):
            if field.type == "bool":
                _check_yes_no(field.name, getattr(self, field.name))
        _check_instance("home", self.home, HomeSituation)
        _check_member("ketamine_use_disorder", self.ketamine_use_disorder, DisorderStatus)
        _check_member(
            "other_substance_use_disorder", self.other_substance_use_disorder, DisorderStatus
        )
        _check_member("hypertension", self.hypertension, Hypertension)
        _check_collection(
            "current_medications", self.current_medications, frozenset, MedicationClass
        )
        _check_collection(
            "antidepressant_trials", self.antidepressant_trials, tuple, AntidepressantTrial
        )
        if self.audit_c_positive is not None:
            _check_yes_no("audit_c_positive", self.audit_c_positive)
        if self.dast10_band is not None:
            _check_member("dast10_band", self.dast10_band, Dast10Band)
        if self.blood_pressure is not None:
            _check_instance("blood_pressure", self.blood_pressure, BloodPressure)
        if self.maudsley is not None:
            _check_instance("maudsley", self.maudsley, MaudsleyDomains)


@dataclass(frozen=True)
class Finding:
    """One reason bearing on eligibility, with its weight and its source."""

    code: FindingCode
    severity: Severity
    message: str
    source: str


@dataclass(frozen=True)
class TrialReview:
    """Whether one antidepressant trial counts towards TRD, and why not if it does not."""

    trial: AntidepressantTrial
    shortfalls: tuple[TrialShortfall, ...]  # empty: a failed adequate trial
    explanation: str

    @property
    def counts(self) -> bool:
        return not self.shortfalls


@dataclass(frozen=True)
class TrdAssessment:
    """Treatment-resistant depression by the count of failed adequate trials (CLINICAL.md D)."""

    reviews: tuple[TrialReview, ...]
    failed_adequate_trials: int
    trd: bool


@dataclass(frozen=True)
class EligibilityAssessment:
    """The eligibility decision with its findings, TRD status and Maudsley stage."""

    decision: Decision
    findings: tuple[Finding, ...]  # exclusions first, then cautions, then information
    trial_reviews: tuple[TrialReview, ...]
    failed_adequate_trials: int
    trd: bool
    maudsley: MaudsleyStage | None

    def with_severity(self, severity: Severity) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is severity)


def age_in_years(date_of_birth: date, assessed_on: date) -> int:
    """Completed years of age on a date; a birthday counts from its first day.

    Someone born on 29 February turns a year older on 1 March in non-leap years.
    """
    _check_date("date_of_birth", date_of_birth)
    _check_date("assessed_on", assessed_on)
    if assessed_on < date_of_birth:
        raise InvalidIntake(
            f"assessed_on {assessed_on.isoformat()} is before "
            f"date_of_birth {date_of_birth.isoformat()}."
        )
    birthday_not_yet = (assessed_on.month, assessed_on.day) < (
        date_of_birth.month,
        date_of_birth.day,
    )
    return assessed_on.year - date_of_birth.year - int(birthday_not_yet)


# --- TRD -----------------------------------------------------------------------------

# CLINICAL.md D: only a failed trial counts; a response, an intolerance stopped early or a
# trial still running is not a failure of an adequate trial.
_OUTCOME_SHORTFALL = {
    TrialOutcome.RESPONDED: (TrialShortfall.RESPONDED, "the patient responded"),
    TrialOutcome.NOT_TOLERATED: (TrialShortfall.NOT_TOLERATED, "it was not tolerated"),
    TrialOutcome.ONGOING: (TrialShortfall.ONGOING, "it is still ongoing"),
}


def review_trial(
    trial: AntidepressantTrial, rules: EligibilityRules = DEFAULT_RULES
) -> TrialReview:
    """Whether a trial is a failed trial of adequate dose and duration in this episode."""
    _check_instance("antidepressant trial", trial, AntidepressantTrial)
    weeks = f"{trial.duration_weeks:g}"
    minimum = f"{rules.minimum_trial_weeks:g}"
    reasons: list[tuple[TrialShortfall, str]] = []
    if trial.outcome in _OUTCOME_SHORTFALL:
        reasons.append(_OUTCOME_SHORTFALL[trial.outcome])
    if not trial.adequate_dose:
        reasons.append((TrialShortfall.DOSE_NOT_ADEQUATE, "the dose was not adequate"))
    # CLINICAL.md D: adequate duration, commonly >= 6 weeks.
    if trial.duration_weeks < rules.minimum_trial_weeks:
        reasons.append((TrialShortfall.TOO_SHORT, f"{weeks} weeks is shorter than {minimum} weeks"))
    if not trial.in_current_episode:
        reasons.append((TrialShortfall.NOT_CURRENT_EPISODE, "not in the current episode"))
    if reasons:
        explanation = f"{trial.drug}: does not count ({'; '.join(r for _, r in reasons)})."
    else:
        explanation = (
            f"{trial.drug}: counts: failed after {weeks} weeks at an adequate dose "
            "in the current episode."
        )
    return TrialReview(
        trial=trial, shortfalls=tuple(s for s, _ in reasons), explanation=explanation
    )


def assess_trd(
    trials: Sequence[AntidepressantTrial], rules: EligibilityRules = DEFAULT_RULES
) -> TrdAssessment:
    """Count failed adequate trials in the current episode; TRD at >= 2 (CLINICAL.md D)."""
    reviews = tuple(review_trial(trial, rules) for trial in trials)
    failed = sum(review.counts for review in reviews)
    return TrdAssessment(
        reviews=reviews,
        failed_adequate_trials=failed,
        trd=failed >= rules.trd_minimum_failed_trials,
    )


# --- findings ------------------------------------------------------------------------

_EXCLUSION, _CAUTION = Severity.EXCLUSION, Severity.CAUTION

# CLINICAL.md D: intake facts that are absolute exclusions or relative contraindications,
# as (fact, the value that triggers it, code, severity, what to call it).
_FACT_FINDINGS: tuple[tuple[str, object, FindingCode, Severity, str], ...] = (
    ("pregnant", True, FindingCode.PREGNANCY, _EXCLUSION, "Pregnancy"),
    ("breastfeeding", True, FindingCode.BREASTFEEDING, _EXCLUSION, "Breastfeeding"),
    ("psychotic_disorder", True, FindingCode.PSYCHOTIC_DISORDER, _EXCLUSION, "Psychotic disorder"),
    ("current_mania", True, FindingCode.CURRENT_MANIA, _EXCLUSION, "Current mania"),
    (
        "aneurysmal_vascular_disease_or_avm",
        True,
        FindingCode.ANEURYSMAL_VASCULAR_DISEASE_OR_AVM,
        _EXCLUSION,
        "Aneurysmal vascular disease or arteriovenous malformation",
    ),
    (
        "intracerebral_haemorrhage_history",
        True,
        FindingCode.INTRACEREBRAL_HAEMORRHAGE_HISTORY,
        _EXCLUSION,
        "History of intracerebral haemorrhage",
    ),
    (
        "ketamine_hypersensitivity",
        True,
        FindingCode.KETAMINE_HYPERSENSITIVITY,
        _EXCLUSION,
        "Hypersensitivity to ketamine",
    ),
    (
        "ketamine_use_disorder",
        DisorderStatus.ACTIVE,
        FindingCode.ACTIVE_KETAMINE_USE_DISORDER,
        _EXCLUSION,
        "Active ketamine use disorder",
    ),
    (
        "other_substance_use_disorder",
        DisorderStatus.ACTIVE,
        FindingCode.ACTIVE_SUBSTANCE_USE_DISORDER,
        _EXCLUSION,
        "Active substance use disorder",
    ),
    (
        "hypertension",
        Hypertension.UNCONTROLLED,
        FindingCode.UNCONTROLLED_HYPERTENSION,
        _EXCLUSION,
        "Uncontrolled hypertension",
    ),
    (
        "unstable_cardiac_disease",
        True,
        FindingCode.UNSTABLE_CARDIAC_DISEASE,
        _EXCLUSION,
        "Unstable cardiac disease",
    ),
    (
        "unstable_respiratory_disease",
        True,
        FindingCode.UNSTABLE_RESPIRATORY_DISEASE,
        _EXCLUSION,
        "Unstable respiratory disease",
    ),
    (
        "hypertension",
        Hypertension.CONTROLLED,
        FindingCode.CONTROLLED_HYPERTENSION,
        _CAUTION,
        "Controlled hypertension",
    ),
    (
        "ketamine_use_disorder",
        DisorderStatus.HISTORY,
        FindingCode.HISTORY_OF_KETAMINE_USE_DISORDER,
        _CAUTION,
        "History of ketamine use disorder",
    ),
    (
        "other_substance_use_disorder",
        DisorderStatus.HISTORY,
        FindingCode.HISTORY_OF_SUBSTANCE_USE_DISORDER,
        _CAUTION,
        "History of substance use disorder",
    ),
    (
        "severe_hepatic_disease",
        True,
        FindingCode.SEVERE_HEPATIC_DISEASE,
        _CAUTION,
        "Severe hepatic disease",
    ),
    (
        "raised_intraocular_pressure",
        True,
        FindingCode.RAISED_INTRAOCULAR_PRESSURE,
        _CAUTION,
        "Raised intraocular pressure",
    ),
    (
        "raised_intracranial_pressure",
        True,
        FindingCode.RAISED_INTRACRANIAL_PRESSURE,
        _CAUTION,
        "Raised intracranial pressure",
    ),
)

# CLINICAL.md D: concurrent medications that are relative contraindications.
_MEDICATION_FINDINGS = (
    (
        MedicationClass.BENZODIAZEPINE,
        FindingCode.CONCURRENT_BENZODIAZEPINE,
        "Concurrent benzodiazepine",
    ),
    (
        MedicationClass.OTHER_CNS_DEPRESSANT,
        FindingCode.CONCURRENT_CNS_DEPRESSANT,
        "Concurrent CNS depressant",
    ),
    (
        MedicationClass.STIMULANT,
        FindingCode.CONCURRENT_STIMULANT,
        "Concurrent stimulant (raises blood pressure)",
    ),
    (MedicationClass.MAOI, FindingCode.CONCURRENT_MAOI, "Concurrent MAOI (raises blood pressure)"),
)

_CONSEQUENCE = {
    Severity.EXCLUSION: "an absolute exclusion for ketamine.",
    Severity.CAUTION: "a relative contraindication; a clinician must justify treatment.",
}

# The home requirements of the at-home program; each unmet one is a caution.
_HOME_CAUTIONS = (
    (
        "sitter_available",
        FindingCode.NO_RELIABLE_SITTER,
        "No reliable sitter: an adult, sober sitter must stay 2 h after every dose.",
        "CLINICAL.md C, D",
    ),
    (
        "secure_storage",
        FindingCode.NO_SECURE_STORAGE,
        "No secure storage at home: ketamine must be locked away between sessions.",
        "ketacare program rule (at-home program; CLINICAL.md C: vigilance for diversion)",
    ),
    (
        "agrees_not_to_drive",
        FindingCode.NO_DRIVING_AGREEMENT,
        "Has not agreed to not drive after a dose until the next day, after sleep.",
        _D,
    ),
)


def _exclusion(code: FindingCode, message: str, source: str = _D) -> Finding:
    return Finding(code, Severity.EXCLUSION, message, source)


def _caution(code: FindingCode, message: str, source: str = _D) -> Finding:
    return Finding(code, Severity.CAUTION, message, source)


def _info(code: FindingCode, message: str, source: str = _D) -> Finding:
    return Finding(code, Severity.INFO, message, source)


def _age_findings(facts: IntakeFacts, rules: EligibilityRules) -> list[Finding]:
    age = age_in_years(facts.date_of_birth, facts.assessed_on)
    if age >= rules.minimum_age_years:
        return []
    return [
        _exclusion(
            FindingCode.AGE_UNDER_18,
            f"Aged {age} on {facts.assessed_on.isoformat()}: the program treats adults "
            f"({rules.minimum_age_years} or older) only.",
        )
    ]


def _history_findings(facts: IntakeFacts) -> list[Finding]:
    findings = [
        Finding(code, severity, f"{label}: {_CONSEQUENCE[severity]}", _D)
        for name, trigger, code, severity, label in _FACT_FINDINGS
        if getattr(facts, name) is trigger  # True and enum members are singletons
    ]
    # CLINICAL.md D: bipolar disorder is a caution only without current mania (an exclusion).
    if facts.bipolar_disorder and not facts.current_mania:
        label = "Bipolar disorder without current mania"
        findings.append(
            _caution(FindingCode.BIPOLAR_DISORDER, f"{label}: {_CONSEQUENCE[_CAUTION]}")
        )
    findings += [
        _caution(code, f"{label}: {_CONSEQUENCE[_CAUTION]}")
        for medication, code, label in _MEDICATION_FINDINGS
        if medication in facts.current_medications
    ]
    return findings


def _blood_pressure_findings(facts: IntakeFacts, rules: EligibilityRules) -> list[Finding]:
    bp = facts.blood_pressure
    if bp is None:
        return []
    # CLINICAL.md D: hard stop >= 160/100 (our clinic default): either number reaching it.
    if (
        bp.systolic_mmhg >= rules.bp_hard_stop_systolic_mmhg
        or bp.diastolic_mmhg >= rules.bp_hard_stop_diastolic_mmhg
    ):
        hard_stop = f"{rules.bp_hard_stop_systolic_mmhg}/{rules.bp_hard_stop_diastolic_mmhg}"
        return [
            _exclusion(
                FindingCode.BLOOD_PRESSURE_AT_HARD_STOP,
                f"Blood pressure {bp} at intake is at or above the {hard_stop} mmHg hard "
                "stop: uncontrolled hypertension, an absolute exclusion until controlled.",
                f"{_D} (hard stop: ketacare clinic default, not a published number)",
            )
        ]
    # CLINICAL.md D: gate > 140/90 (default; configurable): either number above it.
    if (
        bp.systolic_mmhg > rules.bp_gate_systolic_mmhg
        or bp.diastolic_mmhg > rules.bp_gate_diastolic_mmhg
    ):
        gate = f"{rules.bp_gate_systolic_mmhg}/{rules.bp_gate_diastolic_mmhg}"
        return [
            _caution(
                FindingCode.BLOOD_PRESSURE_ABOVE_GATE,
                f"Blood pressure {bp} at intake is above the {gate} mmHg gate: rule out "
                "uncontrolled hypertension before approval.",
            )
        ]
    return []


def _screen_findings(facts: IntakeFacts, rules: EligibilityRules) -> list[Finding]:
    findings: list[Finding] = []
    if facts.audit_c_positive:
        message = (
            "Positive AUDIT-C screen for hazardous drinking: rule out an active alcohol use "
            "disorder (an exclusion) before approval; a screen is not a diagnosis."
        )
        make = _caution if rules.positive_audit_c_is_caution else _info
        findings.append(make(FindingCode.POSITIVE_AUDIT_C, message, "CLINICAL.md A9, D"))
    band = facts.dast10_band
    if band is not None and band is not Dast10Band.NONE:
        message = (
            f"DAST-10 band {band.value}: drug use in the past 12 months; assess for a "
            "substance use disorder (an exclusion when active); a screen is not a diagnosis."
        )
        threshold = rules.dast10_caution_from
        is_caution = threshold is not None and _DAST10_ORDER.index(band) >= _DAST10_ORDER.index(
            threshold
        )
        make = _caution if is_caution else _info
        findings.append(make(FindingCode.DAST10_DRUG_USE, message, "CLINICAL.md A10, D"))
    return findings


def _home_findings(facts: IntakeFacts) -> list[Finding]:
    return [
        _caution(code, message, source)
        for name, code, message, source in _HOME_CAUTIONS
        if not getattr(facts.home, name)
    ]


def _trd_finding(trd: TrdAssessment, rules: EligibilityRules) -> Finding:
    counted = (
        f"{trd.failed_adequate_trials} failed adequate antidepressant trial(s) in the current "
        f"episode (at least {rules.trd_minimum_failed_trials} needed)"
    )
    if trd.trd:
        return _info(FindingCode.TREATMENT_RESISTANT, f"Treatment-resistant depression: {counted}.")
    return _info(FindingCode.NOT_TREATMENT_RESISTANT, f"Not treatment-resistant: {counted}.")


def _maudsley_finding(stage: MaudsleyStage) -> Finding:
    return _info(
        FindingCode.MAUDSLEY_STAGE,
        f"Maudsley stage {stage.total} of 15 ({stage.band.value}).",
        f"{_D} (Fekadu 2018)",
    )


_SEVERITY_ORDER = {Severity.EXCLUSION: 0, Severity.CAUTION: 1, Severity.INFO: 2}


def assess_eligibility(
    facts: IntakeFacts, rules: EligibilityRules = DEFAULT_RULES
) -> EligibilityAssessment:
    """Eligibility for the at-home program: any exclusion rules out, any caution needs review."""
    _check_instance("facts", facts, IntakeFacts)
    trd = assess_trd(facts.antidepressant_trials, rules)
    maudsley = None if facts.maudsley is None else stage_maudsley(facts.maudsley)
    findings = [
        *_age_findings(facts, rules),
        *_history_findings(facts),
        *_blood_pressure_findings(facts, rules),
        *_screen_findings(facts, rules),
        *_home_findings(facts),
        _trd_finding(trd, rules),
    ]
    if maudsley is not None:
        findings.append(_maudsley_finding(maudsley))
    findings.sort(key=lambda finding: _SEVERITY_ORDER[finding.severity])  # stable sort
    severities = {finding.severity for finding in findings}
    if Severity.EXCLUSION in severities:
        decision = Decision.INELIGIBLE
    elif Severity.CAUTION in severities:
        decision = Decision.NEEDS_REVIEW
    else:
        decision = Decision.ELIGIBLE
    return EligibilityAssessment(
        decision=decision,
        findings=tuple(findings),
        trial_reviews=trd.reviews,
        failed_adequate_trials=trd.failed_adequate_trials,
        trd=trd.trd,
        maudsley=maudsley,
    )
