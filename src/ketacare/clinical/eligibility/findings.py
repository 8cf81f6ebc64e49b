"""The findings of an eligibility review: what each intake fact weighs, and why.

An absolute exclusion (CLINICAL.md D) is an `exclusion`; a relative contraindication or
an unmet home requirement (C, D; program rules) a `caution`, which a clinician must
justify before approval; TRD status, the Maudsley stage and a low screen are `info`.
Each finding cites its source.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ketacare.clinical.eligibility.facts import (
    _DAST10_ORDER,
    CssrsRisk,
    Dast10Band,
    DisorderStatus,
    Hypertension,
    IntakeFacts,
    MedicationClass,
    age_in_years,
)
from ketacare.clinical.eligibility.rules import EligibilityRules
from ketacare.clinical.eligibility.trd import MaudsleyStage, TrdAssessment

_D = "CLINICAL.md D"


class Severity(StrEnum):
    """How much a finding weighs on the decision."""

    EXCLUSION = "exclusion"  # absolute: ineligible
    CAUTION = "caution"  # relative: needs a clinician's written justification
    INFO = "info"  # recorded, never changes the decision


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
    CSSRS_HIGH_RISK = "cssrs_high_risk"
    CONCURRENT_BENZODIAZEPINE = "concurrent_benzodiazepine"
    CONCURRENT_CNS_DEPRESSANT = "concurrent_cns_depressant"
    CONCURRENT_STIMULANT = "concurrent_stimulant"
    CONCURRENT_MAOI = "concurrent_maoi"
    POSITIVE_AUDIT_C = "positive_audit_c"
    DAST10_DRUG_USE = "dast10_drug_use"
    CSSRS_MODERATE_RISK = "cssrs_moderate_risk"
    NO_RELIABLE_SITTER = "no_reliable_sitter"
    NO_SECURE_STORAGE = "no_secure_storage"
    NO_DRIVING_AGREEMENT = "no_driving_agreement"
    # Information.
    TREATMENT_RESISTANT = "treatment_resistant"
    NOT_TREATMENT_RESISTANT = "not_treatment_resistant"
    MAUDSLEY_STAGE = "maudsley_stage"


@dataclass(frozen=True)
class Finding:
    """One reason bearing on eligibility, with its weight and its source."""

    code: FindingCode
    severity: Severity
    message: str
    source: str


# --- What each fact weighs -----------------------------------------------------------

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
    return findings + _suicide_risk_findings(facts.cssrs_risk)


def _suicide_risk_findings(risk: CssrsRisk | None) -> list[Finding]:
    """The intake's C-SSRS screen: at home no clinician is present after a dose (G3).

    High risk (intent, a plan, or behaviour within 3 months, A8) is no patient for
    at-home treatment; moderate is a caution a clinician must justify. Clinic's choice,
    consistent with G3 (any ideation holds at-home dosing until a clinician clears it).
    """
    if risk is CssrsRisk.HIGH:
        message = (
            "C-SSRS high risk at intake (suicidal intent, a plan, or behaviour in the past "
            "3 months): not for at-home treatment without a clinician present."
        )
        return [_exclusion(FindingCode.CSSRS_HIGH_RISK, message, "CLINICAL.md A8, G3")]
    if risk is CssrsRisk.MODERATE:
        message = (
            "C-SSRS moderate risk at intake (thoughts with a method, or behaviour more than "
            "3 months ago): a clinician must justify at-home treatment in writing."
        )
        return [_caution(FindingCode.CSSRS_MODERATE_RISK, message, "CLINICAL.md A8, G3")]
    return []


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
