"""Eligibility rules for the at-home program (CLINICAL.md D; home rules C, D)."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical.eligibility import (
    DEFAULT_RULES,
    AntidepressantTrial,
    CssrsRisk,
    Dast10Band,
    Decision,
    DisorderStatus,
    EligibilityAssessment,
    EligibilityRules,
    FindingCode,
    HomeSituation,
    Hypertension,
    IntakeFacts,
    InvalidIntake,
    MaudsleyBand,
    MaudsleyDomains,
    MedicationClass,
    Severity,
    TrialOutcome,
    TrialShortfall,
    age_in_years,
    assess_eligibility,
    assess_trd,
    review_trial,
    stage_maudsley,
)
from ketacare.clinical.vitals import BloodPressure

T = TypeVar("T")

ASSESSED_ON = date(2025, 6, 2)
ADULT = date(1985, 3, 14)
D = "CLINICAL.md D"


def a_trial(**changes: Any) -> AntidepressantTrial:
    """A failed trial of adequate dose and duration in the current episode."""
    values: dict[str, Any] = {
        "drug": "sertraline",
        "adequate_dose": True,
        "duration_weeks": 8,
        "outcome": TrialOutcome.FAILED,
        "in_current_episode": True,
    }
    return AntidepressantTrial(**(values | changes))


def a_home(**changes: bool) -> HomeSituation:
    values = {"sitter_available": True, "secure_storage": True, "agrees_not_to_drive": True}
    return HomeSituation(**(values | changes))


def intake(**changes: Any) -> IntakeFacts:
    """An adult with nothing against ketamine, a suitable home and no trials on record."""
    values: dict[str, Any] = {
        "date_of_birth": ADULT,
        "assessed_on": ASSESSED_ON,
        "home": a_home(),
        "pregnant": False,
        "breastfeeding": False,
        "psychotic_disorder": False,
        "current_mania": False,
        "bipolar_disorder": False,
        "ketamine_use_disorder": DisorderStatus.NONE,
        "other_substance_use_disorder": DisorderStatus.NONE,
        "aneurysmal_vascular_disease_or_avm": False,
        "intracerebral_haemorrhage_history": False,
        "ketamine_hypersensitivity": False,
        "hypertension": Hypertension.NONE,
        "unstable_cardiac_disease": False,
        "unstable_respiratory_disease": False,
        "severe_hepatic_disease": False,
        "raised_intraocular_pressure": False,
        "raised_intracranial_pressure": False,
        "current_medications": frozenset(),
        "antidepressant_trials": (),
    }
    return IntakeFacts(**(values | changes))


def decisive(assessment: EligibilityAssessment) -> set[tuple[FindingCode, Severity]]:
    """The findings that weigh on the decision (information left out)."""
    return {(f.code, f.severity) for f in assessment.findings if f.severity is not Severity.INFO}


def codes(assessment: EligibilityAssessment) -> list[FindingCode]:
    return [f.code for f in assessment.findings]


# --- the decision ----------------------------------------------------------------------


def test_an_adult_with_nothing_against_ketamine_and_a_suitable_home_is_eligible():
    assessment = assess_eligibility(intake())

    assert assessment.decision is Decision.ELIGIBLE
    assert decisive(assessment) == set()
    assert codes(assessment) == [FindingCode.NOT_TREATMENT_RESISTANT]


EXCLUSIONS = [
    pytest.param({"date_of_birth": date(2008, 6, 3)}, FindingCode.AGE_UNDER_18, id="age"),
    pytest.param({"pregnant": True}, FindingCode.PREGNANCY, id="pregnancy"),
    pytest.param({"breastfeeding": True}, FindingCode.BREASTFEEDING, id="breastfeeding"),
    pytest.param({"psychotic_disorder": True}, FindingCode.PSYCHOTIC_DISORDER, id="psychosis"),
    pytest.param({"current_mania": True}, FindingCode.CURRENT_MANIA, id="mania"),
    pytest.param(
        {"current_mania": True, "bipolar_disorder": True},
        FindingCode.CURRENT_MANIA,
        id="bipolar-in-current-mania",
    ),
    pytest.param(
        {"ketamine_use_disorder": DisorderStatus.ACTIVE},
        FindingCode.ACTIVE_KETAMINE_USE_DISORDER,
        id="active-ketamine-use-disorder",
    ),
    pytest.param(
        {"other_substance_use_disorder": DisorderStatus.ACTIVE},
        FindingCode.ACTIVE_SUBSTANCE_USE_DISORDER,
        id="active-substance-use-disorder",
    ),
    pytest.param(
        {"aneurysmal_vascular_disease_or_avm": True},
        FindingCode.ANEURYSMAL_VASCULAR_DISEASE_OR_AVM,
        id="aneurysm-or-avm",
    ),
    pytest.param(
        {"intracerebral_haemorrhage_history": True},
        FindingCode.INTRACEREBRAL_HAEMORRHAGE_HISTORY,
        id="intracerebral-haemorrhage",
    ),
    pytest.param(
        {"ketamine_hypersensitivity": True},
        FindingCode.KETAMINE_HYPERSENSITIVITY,
        id="hypersensitivity",
    ),
    pytest.param(
        {"hypertension": Hypertension.UNCONTROLLED},
        FindingCode.UNCONTROLLED_HYPERTENSION,
        id="uncontrolled-hypertension",
    ),
    pytest.param(
        {"blood_pressure": BloodPressure(162, 94)},
        FindingCode.BLOOD_PRESSURE_AT_HARD_STOP,
        id="blood-pressure-at-hard-stop",
    ),
    pytest.param(
        {"unstable_cardiac_disease": True}, FindingCode.UNSTABLE_CARDIAC_DISEASE, id="cardiac"
    ),
    pytest.param(
        {"unstable_respiratory_disease": True},
        FindingCode.UNSTABLE_RESPIRATORY_DISEASE,
        id="respiratory",
    ),
]


@pytest.mark.parametrize(("changes", "code"), EXCLUSIONS)
def test_each_absolute_exclusion_alone_makes_the_patient_ineligible(changes, code):
    assessment = assess_eligibility(intake(**changes))

    assert assessment.decision is Decision.INELIGIBLE
    assert decisive(assessment) == {(code, Severity.EXCLUSION)}
    (finding,) = assessment.with_severity(Severity.EXCLUSION)
    assert finding.source.startswith(D)
    assert finding.message


CAUTIONS = [
    pytest.param(
        {"hypertension": Hypertension.CONTROLLED},
        FindingCode.CONTROLLED_HYPERTENSION,
        D,
        id="controlled-hypertension",
    ),
    pytest.param(
        {"blood_pressure": BloodPressure(146, 88)},
        FindingCode.BLOOD_PRESSURE_ABOVE_GATE,
        D,
        id="blood-pressure-above-gate",
    ),
    pytest.param(
        {"bipolar_disorder": True}, FindingCode.BIPOLAR_DISORDER, D, id="bipolar-without-mania"
    ),
    pytest.param(
        {"ketamine_use_disorder": DisorderStatus.HISTORY},
        FindingCode.HISTORY_OF_KETAMINE_USE_DISORDER,
        D,
        id="history-of-ketamine-use-disorder",
    ),
    pytest.param(
        {"other_substance_use_disorder": DisorderStatus.HISTORY},
        FindingCode.HISTORY_OF_SUBSTANCE_USE_DISORDER,
        D,
        id="history-of-substance-use-disorder",
    ),
    pytest.param(
        {"severe_hepatic_disease": True}, FindingCode.SEVERE_HEPATIC_DISEASE, D, id="hepatic"
    ),
    pytest.param(
        {"raised_intraocular_pressure": True},
        FindingCode.RAISED_INTRAOCULAR_PRESSURE,
        D,
        id="intraocular-pressure",
    ),
    pytest.param(
        {"raised_intracranial_pressure": True},
        FindingCode.RAISED_INTRACRANIAL_PRESSURE,
        D,
        id="intracranial-pressure",
    ),
    pytest.param(
        {"current_medications": frozenset({MedicationClass.BENZODIAZEPINE})},
        FindingCode.CONCURRENT_BENZODIAZEPINE,
        D,
        id="benzodiazepine",
    ),
    pytest.param(
        {"current_medications": frozenset({MedicationClass.OTHER_CNS_DEPRESSANT})},
        FindingCode.CONCURRENT_CNS_DEPRESSANT,
        D,
        id="cns-depressant",
    ),
    pytest.param(
        {"current_medications": frozenset({MedicationClass.STIMULANT})},
        FindingCode.CONCURRENT_STIMULANT,
        D,
        id="stimulant",
    ),
    pytest.param(
        {"current_medications": frozenset({MedicationClass.MAOI})},
        FindingCode.CONCURRENT_MAOI,
        D,
        id="maoi",
    ),
    pytest.param(
        {"audit_c_positive": True},
        FindingCode.POSITIVE_AUDIT_C,
        "CLINICAL.md A9, D",
        id="positive-audit-c",
    ),
    pytest.param(
        {"home": a_home(sitter_available=False)},
        FindingCode.NO_RELIABLE_SITTER,
        "CLINICAL.md C, D",
        id="no-sitter",
    ),
    pytest.param(
        {"home": a_home(secure_storage=False)},
        FindingCode.NO_SECURE_STORAGE,
        "ketacare program rule",
        id="no-secure-storage",
    ),
    pytest.param(
        {"home": a_home(agrees_not_to_drive=False)},
        FindingCode.NO_DRIVING_AGREEMENT,
        D,
        id="no-driving-agreement",
    ),
]


@pytest.mark.parametrize(("changes", "code", "source"), CAUTIONS)
def test_each_caution_alone_needs_a_clinicians_review(changes, code, source):
    assessment = assess_eligibility(intake(**changes))

    assert assessment.decision is Decision.NEEDS_REVIEW
    assert decisive(assessment) == {(code, Severity.CAUTION)}
    (finding,) = assessment.with_severity(Severity.CAUTION)
    assert finding.source.startswith(source)


def test_an_exclusion_wins_over_any_number_of_cautions_and_every_finding_is_listed():
    facts = intake(
        pregnant=True,
        hypertension=Hypertension.CONTROLLED,
        current_medications=frozenset({MedicationClass.MAOI, MedicationClass.BENZODIAZEPINE}),
        home=a_home(sitter_available=False),
    )

    assessment = assess_eligibility(facts)

    assert assessment.decision is Decision.INELIGIBLE
    assert decisive(assessment) == {
        (FindingCode.PREGNANCY, Severity.EXCLUSION),
        (FindingCode.CONTROLLED_HYPERTENSION, Severity.CAUTION),
        (FindingCode.CONCURRENT_MAOI, Severity.CAUTION),
        (FindingCode.CONCURRENT_BENZODIAZEPINE, Severity.CAUTION),
        (FindingCode.NO_RELIABLE_SITTER, Severity.CAUTION),
    }


def test_findings_list_exclusions_first_then_cautions_then_information():
    facts = intake(
        severe_hepatic_disease=True,
        ketamine_hypersensitivity=True,
        maudsley=MaudsleyDomains(duration=2, severity=3, treatment_failures=2),
    )

    severities = [f.severity for f in assess_eligibility(facts).findings]

    assert severities == [Severity.EXCLUSION, Severity.CAUTION, Severity.INFO, Severity.INFO]


def test_several_exclusions_are_all_reported():
    facts = intake(pregnant=True, psychotic_disorder=True, date_of_birth=date(2010, 1, 1))

    assessment = assess_eligibility(facts)

    assert {f.code for f in assessment.with_severity(Severity.EXCLUSION)} == {
        FindingCode.PREGNANCY,
        FindingCode.PSYCHOTIC_DISORDER,
        FindingCode.AGE_UNDER_18,
    }


def test_messages_say_what_the_finding_means_in_plain_words():
    assessment = assess_eligibility(intake(raised_intracranial_pressure=True, pregnant=True))

    messages = [f.message for f in assessment.findings]

    assert "Pregnancy: an absolute exclusion for ketamine." in messages
    assert (
        "Raised intracranial pressure: a relative contraindication; a clinician must justify "
        "treatment." in messages
    )


# --- age -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date_of_birth", "assessed_on", "age"),
    [
        pytest.param(date(2007, 6, 2), date(2025, 6, 1), 17, id="17-years-364-days"),
        pytest.param(date(2007, 6, 2), date(2025, 6, 2), 18, id="18th-birthday"),
        pytest.param(date(2007, 2, 28), date(2025, 2, 27), 17, id="day-before-birthday"),
        pytest.param(date(2004, 2, 29), date(2022, 2, 28), 17, id="leap-day-before-march"),
        pytest.param(date(2004, 2, 29), date(2022, 3, 1), 18, id="leap-day-on-march-1st"),
        pytest.param(date(2025, 6, 2), date(2025, 6, 2), 0, id="born-today"),
    ],
)
def test_age_is_counted_in_completed_years(date_of_birth, assessed_on, age):
    assert age_in_years(date_of_birth, assessed_on) == age


def test_a_patient_one_day_short_of_18_is_excluded():
    facts = intake(date_of_birth=date(2007, 6, 3), assessed_on=date(2025, 6, 2))

    assessment = assess_eligibility(facts)

    assert assessment.decision is Decision.INELIGIBLE
    assert codes(assessment)[0] is FindingCode.AGE_UNDER_18
    assert "Aged 17 on 2025-06-02" in assessment.findings[0].message


def test_a_patient_is_eligible_by_age_on_the_18th_birthday():
    facts = intake(date_of_birth=date(2007, 6, 2), assessed_on=date(2025, 6, 2))

    assert assess_eligibility(facts).decision is Decision.ELIGIBLE


def test_a_clinic_may_raise_the_minimum_age():
    rules = dataclasses.replace(DEFAULT_RULES, minimum_age_years=21)
    facts = intake(date_of_birth=date(2005, 1, 1))

    assert assess_eligibility(facts).decision is Decision.ELIGIBLE
    assert assess_eligibility(facts, rules).decision is Decision.INELIGIBLE


# --- blood pressure at intake ------------------------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "expected"),
    [
        pytest.param(140, 90, None, id="140/90-at-the-gate"),
        pytest.param(141, 90, FindingCode.BLOOD_PRESSURE_ABOVE_GATE, id="141/90"),
        pytest.param(140, 91, FindingCode.BLOOD_PRESSURE_ABOVE_GATE, id="140/91"),
        pytest.param(159, 99, FindingCode.BLOOD_PRESSURE_ABOVE_GATE, id="159/99"),
        pytest.param(160, 80, FindingCode.BLOOD_PRESSURE_AT_HARD_STOP, id="160/80"),
        pytest.param(130, 100, FindingCode.BLOOD_PRESSURE_AT_HARD_STOP, id="130/100"),
        pytest.param(118, 76, None, id="normal"),
    ],
)
def test_intake_blood_pressure_is_judged_against_the_gate_and_the_hard_stop(
    systolic, diastolic, expected
):
    assessment = assess_eligibility(intake(blood_pressure=BloodPressure(systolic, diastolic)))

    found = {code for code, _ in decisive(assessment)}
    assert found == ({expected} if expected else set())


def test_a_reading_at_the_hard_stop_is_not_also_reported_as_above_the_gate():
    assessment = assess_eligibility(intake(blood_pressure=BloodPressure(170, 105)))

    assert decisive(assessment) == {(FindingCode.BLOOD_PRESSURE_AT_HARD_STOP, Severity.EXCLUSION)}
    assert "170/105 mmHg" in assessment.findings[0].message
    assert "ketacare clinic default" in assessment.findings[0].source


def test_a_clinic_may_move_the_gate_and_the_hard_stop():
    rules = dataclasses.replace(
        DEFAULT_RULES,
        bp_gate_systolic_mmhg=130,
        bp_gate_diastolic_mmhg=80,
        bp_hard_stop_systolic_mmhg=150,
        bp_hard_stop_diastolic_mmhg=95,
    )

    def found(systolic: int, diastolic: int) -> set[FindingCode]:
        facts = intake(blood_pressure=BloodPressure(systolic, diastolic))
        return {code for code, _ in decisive(assess_eligibility(facts, rules))}

    assert found(130, 80) == set()
    assert found(131, 80) == {FindingCode.BLOOD_PRESSURE_ABOVE_GATE}
    assert found(150, 80) == {FindingCode.BLOOD_PRESSURE_AT_HARD_STOP}


def test_no_reading_at_intake_gives_no_blood_pressure_finding():
    assert assess_eligibility(intake(blood_pressure=None)).decision is Decision.ELIGIBLE


# --- substance-use screens -------------------------------------------------------------------


@pytest.mark.parametrize("audit_c_positive", [False, None])
def test_a_negative_or_missing_audit_c_gives_no_finding(audit_c_positive):
    assessment = assess_eligibility(intake(audit_c_positive=audit_c_positive))

    assert FindingCode.POSITIVE_AUDIT_C not in codes(assessment)


def test_a_clinic_may_record_a_positive_audit_c_as_information_only():
    rules = dataclasses.replace(DEFAULT_RULES, positive_audit_c_is_caution=False)

    assessment = assess_eligibility(intake(audit_c_positive=True), rules)

    assert assessment.decision is Decision.ELIGIBLE
    assert FindingCode.POSITIVE_AUDIT_C in {f.code for f in assessment.with_severity(Severity.INFO)}


@pytest.mark.parametrize("band", [Dast10Band.NONE, None])
def test_no_drug_use_on_the_dast10_or_no_screen_gives_no_finding(band):
    assert FindingCode.DAST10_DRUG_USE not in codes(assess_eligibility(intake(dast10_band=band)))


@pytest.mark.parametrize(
    ("band", "severity", "decision"),
    [
        (Dast10Band.LOW, Severity.INFO, Decision.ELIGIBLE),
        (Dast10Band.MODERATE, Severity.CAUTION, Decision.NEEDS_REVIEW),
        (Dast10Band.SUBSTANTIAL, Severity.CAUTION, Decision.NEEDS_REVIEW),
        (Dast10Band.SEVERE, Severity.CAUTION, Decision.NEEDS_REVIEW),
    ],
)
def test_a_dast10_of_3_or_more_is_a_caution_by_default(band, severity, decision):
    assessment = assess_eligibility(intake(dast10_band=band))

    assert assessment.decision is decision
    assert FindingCode.DAST10_DRUG_USE in {f.code for f in assessment.with_severity(severity)}


@pytest.mark.parametrize(
    ("caution_from", "band", "decision"),
    [
        (Dast10Band.SUBSTANTIAL, Dast10Band.MODERATE, Decision.ELIGIBLE),
        (Dast10Band.SUBSTANTIAL, Dast10Band.SUBSTANTIAL, Decision.NEEDS_REVIEW),
        (None, Dast10Band.SEVERE, Decision.ELIGIBLE),
    ],
)
def test_a_clinic_may_move_the_dast10_caution_or_make_it_information(caution_from, band, decision):
    rules = dataclasses.replace(DEFAULT_RULES, dast10_caution_from=caution_from)

    assert assess_eligibility(intake(dast10_band=band), rules).decision is decision


@pytest.mark.parametrize(
    ("risk", "severity", "decision"),
    [
        (CssrsRisk.HIGH, Severity.EXCLUSION, Decision.INELIGIBLE),
        (CssrsRisk.MODERATE, Severity.CAUTION, Decision.NEEDS_REVIEW),
    ],
)
def test_a_cssrs_risk_at_intake_excludes_or_needs_a_justification(risk, severity, decision):
    assessment = assess_eligibility(intake(cssrs_risk=risk))

    assert assessment.decision is decision
    found = {f.code for f in assessment.with_severity(severity)}
    assert found & {FindingCode.CSSRS_HIGH_RISK, FindingCode.CSSRS_MODERATE_RISK}


@pytest.mark.parametrize("risk", [CssrsRisk.NONE, CssrsRisk.LOW, None])
def test_no_or_low_cssrs_risk_at_intake_gives_no_finding(risk):
    assessment = assess_eligibility(intake(cssrs_risk=risk))

    assert assessment.decision is Decision.ELIGIBLE


def test_a_cssrs_risk_must_be_one_of_the_triage_levels():
    with pytest.raises(InvalidIntake, match="cssrs_risk"):
        intake(cssrs_risk="very high")


# --- TRD ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "shortfalls"),
    [
        pytest.param({}, (), id="failed-adequate-trial-counts"),
        pytest.param({"duration_weeks": 6}, (), id="exactly-6-weeks-counts"),
        pytest.param({"duration_weeks": 5}, (TrialShortfall.TOO_SHORT,), id="5-weeks"),
        pytest.param({"duration_weeks": 5.9}, (TrialShortfall.TOO_SHORT,), id="5.9-weeks"),
        pytest.param(
            {"adequate_dose": False}, (TrialShortfall.DOSE_NOT_ADEQUATE,), id="inadequate-dose"
        ),
        pytest.param(
            {"in_current_episode": False},
            (TrialShortfall.NOT_CURRENT_EPISODE,),
            id="earlier-episode",
        ),
        pytest.param(
            {"outcome": TrialOutcome.NOT_TOLERATED},
            (TrialShortfall.NOT_TOLERATED,),
            id="not-tolerated",
        ),
        pytest.param({"outcome": TrialOutcome.ONGOING}, (TrialShortfall.ONGOING,), id="ongoing"),
        pytest.param(
            {"outcome": TrialOutcome.RESPONDED}, (TrialShortfall.RESPONDED,), id="responded"
        ),
        pytest.param(
            {
                "outcome": TrialOutcome.NOT_TOLERATED,
                "adequate_dose": False,
                "duration_weeks": 2,
                "in_current_episode": False,
            },
            (
                TrialShortfall.NOT_TOLERATED,
                TrialShortfall.DOSE_NOT_ADEQUATE,
                TrialShortfall.TOO_SHORT,
                TrialShortfall.NOT_CURRENT_EPISODE,
            ),
            id="every-reason-listed",
        ),
    ],
)
def test_only_a_failed_trial_of_adequate_dose_and_duration_in_this_episode_counts(
    changes, shortfalls
):
    review = review_trial(a_trial(**changes))

    assert review.shortfalls == shortfalls
    assert review.counts is (not shortfalls)


def test_a_trial_shorter_than_six_weeks_does_not_count_and_the_review_says_why():
    review = review_trial(a_trial(drug="escitalopram", duration_weeks=5))

    assert not review.counts
    assert review.explanation == ("escitalopram: does not count (5 weeks is shorter than 6 weeks).")


def test_a_counted_trial_is_explained():
    review = review_trial(a_trial(drug="venlafaxine", duration_weeks=7.5))

    assert review.explanation == (
        "venlafaxine: counts: failed after 7.5 weeks at an adequate dose in the current episode."
    )


@pytest.mark.parametrize(
    ("trials", "failed", "trd"),
    [
        pytest.param((), 0, False, id="no-trials"),
        pytest.param((a_trial(),), 1, False, id="one-failed"),
        pytest.param((a_trial(), a_trial(drug="bupropion")), 2, True, id="two-failed"),
        pytest.param(
            (a_trial(), a_trial(drug="bupropion", duration_weeks=5)), 1, False, id="one-too-short"
        ),
        pytest.param(
            (a_trial(), a_trial(drug="mirtazapine", in_current_episode=False)),
            1,
            False,
            id="one-from-an-earlier-episode",
        ),
        pytest.param(
            (a_trial(), a_trial(drug="bupropion"), a_trial(drug="duloxetine")),
            3,
            True,
            id="three-failed",
        ),
    ],
)
def test_trd_is_two_or_more_failed_adequate_trials_in_the_current_episode(trials, failed, trd):
    assessment = assess_eligibility(intake(antidepressant_trials=trials))

    assert assessment.failed_adequate_trials == failed
    assert assessment.trd is trd
    assert len(assessment.trial_reviews) == len(trials)
    expected = FindingCode.TREATMENT_RESISTANT if trd else FindingCode.NOT_TREATMENT_RESISTANT
    assert expected in {f.code for f in assessment.with_severity(Severity.INFO)}


def test_trd_never_changes_the_decision():
    assessment = assess_eligibility(intake(antidepressant_trials=(a_trial(), a_trial())))

    assert assessment.trd
    assert assessment.decision is Decision.ELIGIBLE


def test_the_assessment_lists_which_trials_counted_and_why_the_others_did_not():
    trials = (
        a_trial(drug="sertraline"),
        a_trial(drug="citalopram", adequate_dose=False),
        a_trial(drug="bupropion", outcome=TrialOutcome.RESPONDED),
    )

    reviews = assess_eligibility(intake(antidepressant_trials=trials)).trial_reviews

    assert [(r.trial.drug, r.counts) for r in reviews] == [
        ("sertraline", True),
        ("citalopram", False),
        ("bupropion", False),
    ]
    assert "the dose was not adequate" in reviews[1].explanation
    assert "the patient responded" in reviews[2].explanation


def test_a_clinic_may_require_longer_trials_and_more_failures():
    rules = dataclasses.replace(DEFAULT_RULES, minimum_trial_weeks=8, trd_minimum_failed_trials=3)
    trials = (a_trial(duration_weeks=8), a_trial(duration_weeks=8), a_trial(duration_weeks=7))

    trd = assess_trd(trials, rules)

    assert trd.failed_adequate_trials == 2
    assert not trd.trd
    assert trd.reviews[2].explanation.endswith("(7 weeks is shorter than 8 weeks).")


# --- Maudsley staging --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "severity", "treatment_failures", "total", "band"),
    [
        (1, 1, 1, 3, MaudsleyBand.MILD),
        (2, 2, 2, 6, MaudsleyBand.MILD),
        (2, 3, 2, 7, MaudsleyBand.MODERATE),
        (2, 4, 4, 10, MaudsleyBand.MODERATE),
        (2, 4, 5, 11, MaudsleyBand.SEVERE),
        (3, 5, 7, 15, MaudsleyBand.SEVERE),
    ],
)
def test_maudsley_total_is_the_sum_of_the_domains_and_its_band_follows_fekadu(
    duration, severity, treatment_failures, total, band
):
    domains = MaudsleyDomains(
        duration=duration, severity=severity, treatment_failures=treatment_failures
    )

    stage = stage_maudsley(domains)

    assert (stage.total, stage.band) == (total, band)
    assert stage.domains is domains


def test_the_maudsley_stage_is_reported_as_information():
    domains = MaudsleyDomains(duration=3, severity=4, treatment_failures=4)

    assessment = assess_eligibility(intake(maudsley=domains))

    assert assessment.decision is Decision.ELIGIBLE
    assert assessment.maudsley is not None
    assert assessment.maudsley.band is MaudsleyBand.SEVERE
    (finding,) = [f for f in assessment.findings if f.code is FindingCode.MAUDSLEY_STAGE]
    assert finding.message == "Maudsley stage 11 of 15 (severe)."


def test_without_maudsley_domains_there_is_no_stage():
    assert assess_eligibility(intake()).maudsley is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration", 0),
        ("duration", 4),
        ("severity", 0),
        ("severity", 6),
        ("treatment_failures", 0),
        ("treatment_failures", 8),
        ("severity", True),
        ("severity", 3.0),
        ("duration", "2"),
    ],
)
def test_a_maudsley_domain_outside_its_range_is_rejected(field, value):
    values: dict[str, Any] = {"duration": 2, "severity": 3, "treatment_failures": 2}

    with pytest.raises(InvalidIntake, match=f"maudsley.{field} must be a whole number"):
        MaudsleyDomains(**(values | {field: value}))


def test_stage_maudsley_needs_domains():
    with pytest.raises(InvalidIntake, match="maudsley must be MaudsleyDomains"):
        stage_maudsley((2, 3, 2))  # type: ignore[arg-type]


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration_weeks": -1}, "duration_weeks must be a finite number of weeks >= 0"),
        ({"duration_weeks": math.nan}, "duration_weeks must be a finite number"),
        ({"duration_weeks": math.inf}, "duration_weeks must be a finite number"),
        ({"duration_weeks": True}, "duration_weeks must be a finite number"),
        ({"duration_weeks": "6"}, "duration_weeks must be a finite number"),
        ({"adequate_dose": 1}, "adequate_dose must be True or False"),
        ({"in_current_episode": None}, "in_current_episode must be True or False"),
        ({"outcome": "failed"}, "outcome must be a TrialOutcome"),
        ({"drug": ""}, "drug must be the antidepressant's name"),
        ({"drug": "  "}, "drug must be the antidepressant's name"),
        ({"drug": None}, "drug must be the antidepressant's name"),
    ],
)
def test_a_malformed_trial_is_rejected_naming_the_field(changes, message):
    with pytest.raises(InvalidIntake, match=message):
        a_trial(**changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date_of_birth": datetime(1985, 3, 14)}, "date_of_birth must be a calendar date"),  # noqa: DTZ001 - a naive datetime is the bad input under test
        (
            {"assessed_on": datetime(2025, 6, 2, tzinfo=UTC)},
            "assessed_on must be a calendar date",
        ),
        ({"date_of_birth": "1985-03-14"}, "date_of_birth must be a calendar date"),
        ({"assessed_on": None}, "assessed_on must be a calendar date"),
        ({"assessed_on": date(1985, 3, 13)}, "assessed_on 1985-03-13 is before date_of_birth"),
        ({"pregnant": 0}, "pregnant must be True or False"),
        ({"current_mania": None}, "current_mania must be True or False"),
        ({"ketamine_use_disorder": "active"}, "ketamine_use_disorder must be a DisorderStatus"),
        ({"other_substance_use_disorder": None}, "other_substance_use_disorder must be a"),
        ({"hypertension": False}, r"hypertension must be a Hypertension \(none, controlled"),
        ({"home": None}, "home must be a HomeSituation"),
        (
            {"current_medications": {MedicationClass.MAOI}},
            "current_medications must be a frozenset",
        ),
        ({"current_medications": frozenset({"maoi"})}, "current_medications must be a frozenset"),
        ({"antidepressant_trials": [a_trial()]}, "antidepressant_trials must be a tuple"),
        ({"antidepressant_trials": ("sertraline",)}, "antidepressant_trials must be a tuple"),
        ({"audit_c_positive": 4}, "audit_c_positive must be True or False"),
        ({"dast10_band": "low"}, "dast10_band must be a Dast10Band"),
        ({"blood_pressure": (150, 95)}, "blood_pressure must be a BloodPressure"),
        ({"maudsley": 9}, "maudsley must be a MaudsleyDomains"),
    ],
)
def test_malformed_intake_facts_are_rejected_naming_the_field(changes, message):
    with pytest.raises(InvalidIntake, match=message):
        intake(**changes)


def test_a_home_answer_must_be_yes_or_no():
    with pytest.raises(InvalidIntake, match=r"home\.secure_storage must be True or False"):
        a_home(secure_storage="yes")  # type: ignore[arg-type]


def test_bad_input_is_a_value_error():
    assert issubclass(InvalidIntake, ValueError)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"minimum_age_years": 0}, "rules.minimum_age_years must be a whole number >= 1"),
        ({"minimum_age_years": 18.0}, "rules.minimum_age_years must be a whole number"),
        ({"trd_minimum_failed_trials": True}, "rules.trd_minimum_failed_trials must be"),
        ({"minimum_trial_weeks": -6}, "rules.minimum_trial_weeks must be a finite number"),
        ({"bp_gate_systolic_mmhg": 160}, "gate must be below the hard stop"),
        ({"bp_gate_diastolic_mmhg": 100}, "gate must be below the hard stop"),
        ({"positive_audit_c_is_caution": 1}, "rules.positive_audit_c_is_caution must be True"),
        ({"dast10_caution_from": "moderate"}, "rules.dast10_caution_from must be a Dast10Band"),
    ],
)
def test_malformed_rules_are_rejected_naming_the_field(changes, message):
    with pytest.raises(InvalidIntake, match=message):
        dataclasses.replace(DEFAULT_RULES, **changes)


def test_the_assessment_needs_intake_facts():
    with pytest.raises(InvalidIntake, match="facts must be a IntakeFacts"):
        assess_eligibility({"pregnant": False})  # type: ignore[arg-type]


def test_a_trial_review_needs_a_trial():
    with pytest.raises(InvalidIntake, match="antidepressant trial must be a AntidepressantTrial"):
        review_trial("sertraline 8 weeks")  # type: ignore[arg-type]


def test_default_rules_follow_clinical_md():
    assert isinstance(DEFAULT_RULES, EligibilityRules)
    assert DEFAULT_RULES.minimum_age_years == 18
    assert DEFAULT_RULES.minimum_trial_weeks == 6
    assert DEFAULT_RULES.trd_minimum_failed_trials == 2
    assert (DEFAULT_RULES.bp_gate_systolic_mmhg, DEFAULT_RULES.bp_gate_diastolic_mmhg) == (140, 90)
    assert (
        DEFAULT_RULES.bp_hard_stop_systolic_mmhg,
        DEFAULT_RULES.bp_hard_stop_diastolic_mmhg,
    ) == (160, 100)
    assert DEFAULT_RULES.dast10_caution_from is Dast10Band.MODERATE


# --- properties ----------------------------------------------------------------------------

_YES_NO_FACTS = [f.name for f in dataclasses.fields(IntakeFacts) if f.type == "bool"]

trials = st.builds(
    AntidepressantTrial,
    drug=st.sampled_from(["sertraline", "bupropion", "venlafaxine"]),
    adequate_dose=st.booleans(),
    duration_weeks=st.integers(0, 20),
    outcome=st.sampled_from(TrialOutcome),
    in_current_episode=st.booleans(),
)


@st.composite
def blood_pressures(draw: st.DrawFn) -> BloodPressure:
    systolic = draw(st.integers(90, 200))
    return BloodPressure(systolic, draw(st.integers(50, min(130, systolic - 1))))


def mostly(usual: T, *others: T) -> st.SearchStrategy[T]:
    """The usual value most of the time, so that every decision is drawn often enough."""
    return st.sampled_from([usual] * 12 + list(others))


# Yes/no facts drawn mostly "no" (home answers mostly "yes").
usually_no = st.sampled_from([False] * 12 + [True])
usually_yes = usually_no.map(lambda answer: not answer)


@st.composite
def intake_facts(draw: st.DrawFn) -> IntakeFacts:
    return intake(
        date_of_birth=draw(st.dates(date(1930, 1, 1), date(2010, 12, 31))),
        home=a_home(
            sitter_available=draw(usually_yes),
            secure_storage=draw(usually_yes),
            agrees_not_to_drive=draw(usually_yes),
        ),
        **{name: draw(usually_no) for name in _YES_NO_FACTS},
        ketamine_use_disorder=draw(mostly(*DisorderStatus)),
        other_substance_use_disorder=draw(mostly(*DisorderStatus)),
        hypertension=draw(mostly(*Hypertension)),
        current_medications=draw(st.frozensets(st.sampled_from(MedicationClass), max_size=2)),
        antidepressant_trials=tuple(draw(st.lists(trials, max_size=4))),
        audit_c_positive=draw(st.sampled_from([None] * 12 + [True, False])),
        dast10_band=draw(mostly(None, *Dast10Band)),
        blood_pressure=draw(st.none() | blood_pressures()),
    )


@given(intake_facts())
def test_property_ineligible_exactly_when_some_finding_is_an_exclusion(facts):
    assessment = assess_eligibility(facts)

    has_exclusion = bool(assessment.with_severity(Severity.EXCLUSION))
    has_caution = bool(assessment.with_severity(Severity.CAUTION))
    assert (assessment.decision is Decision.INELIGIBLE) is has_exclusion
    assert (assessment.decision is Decision.NEEDS_REVIEW) is (has_caution and not has_exclusion)


# Ways to add a caution without taking anything else away.
ADD_A_CAUTION = [
    lambda f: dataclasses.replace(f, bipolar_disorder=True),
    lambda f: dataclasses.replace(f, severe_hepatic_disease=True),
    lambda f: dataclasses.replace(f, raised_intraocular_pressure=True),
    lambda f: dataclasses.replace(f, raised_intracranial_pressure=True),
    lambda f: dataclasses.replace(f, audit_c_positive=True),
    lambda f: dataclasses.replace(f, home=a_home(sitter_available=False)),
    lambda f: dataclasses.replace(
        f, current_medications=f.current_medications | {MedicationClass.STIMULANT}
    ),
]

_RANK = {Decision.ELIGIBLE: 0, Decision.NEEDS_REVIEW: 1, Decision.INELIGIBLE: 2}


@given(intake_facts(), st.sampled_from(ADD_A_CAUTION))
def test_property_adding_a_caution_never_makes_a_patient_more_eligible(facts, add_caution):
    before = assess_eligibility(facts).decision
    after = assess_eligibility(add_caution(facts)).decision

    assert _RANK[after] >= _RANK[before]
    assert after is not Decision.ELIGIBLE
    if before is Decision.INELIGIBLE:
        assert after is Decision.INELIGIBLE


@given(st.lists(trials, max_size=6), st.integers(0, 3))
def test_property_trd_is_monotone_in_the_number_of_failed_adequate_trials(history, extra):
    before = assess_trd(history)
    after = assess_trd([*history, *[a_trial()] * extra])

    assert after.failed_adequate_trials == before.failed_adequate_trials + extra
    assert before.trd is (before.failed_adequate_trials >= 2)
    assert after.trd >= before.trd


@given(st.lists(trials, max_size=6), trials)
def test_property_adding_any_trial_never_undoes_trd(history, trial):
    assert assess_trd([*history, trial]).trd >= assess_trd(history).trd


@given(st.integers(1, 3), st.integers(1, 5), st.integers(1, 7))
def test_property_every_valid_maudsley_total_is_3_to_15_with_one_band(d, s, t):
    stage = stage_maudsley(MaudsleyDomains(duration=d, severity=s, treatment_failures=t))

    assert 3 <= stage.total <= 15
    expected = (
        MaudsleyBand.MILD
        if stage.total <= 6
        else MaudsleyBand.MODERATE
        if stage.total <= 10
        else MaudsleyBand.SEVERE
    )
    assert stage.band is expected
