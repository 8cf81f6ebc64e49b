"""A checked intake as the facts `clinical.eligibility` assesses.

The answers are the patient's; the Maudsley domains, when rated, are the clinic's staff's
(`intake.services.rate_intake`), never the patient's. A current medicine counts as the
classes the patient ticked and those its name is recognised as (`clinical.medicines`):
"lorazepam 1 mg at night" with no box ticked is a benzodiazepine.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ketacare.clinical import instruments, medicines
from ketacare.clinical.eligibility import (
    AntidepressantTrial,
    CssrsRisk,
    Dast10Band,
    HomeSituation,
    IntakeFacts,
    MaudsleyDomains,
    MedicationClass,
)
from ketacare.clinical.vitals import BloodPressure
from ketacare.intake.answers import IntakeData, baseline_questionnaires


def _trials(intake: IntakeData) -> tuple[AntidepressantTrial, ...]:
    return tuple(
        AntidepressantTrial(
            drug=t.drug,
            adequate_dose=t.adequate_dose,
            duration_weeks=t.duration_weeks,
            outcome=t.outcome,
            in_current_episode=t.in_current_episode,
        )
        for t in intake.trials
    )


def medication_classes(intake: IntakeData) -> frozenset[MedicationClass]:
    """The classes ticked, with those recognised from each medicine's name.

    A tick always counts; a recognised name adds its class without one.
    """
    taken = intake.current_medications
    ticked = frozenset(c for m in taken for c in m.classes)
    return ticked | medicines.classes_of(m.name for m in taken)


def medicines_json(intake: IntakeData) -> dict[str, Any]:
    """Each current medicine as recognised, for the stored assessment and its reviewer.

    `medicines`: name, whether it was recognised, the generics and groups it names and
    the classes they count as; `unrecognised_medicines`: the names to check by hand.
    """
    shown, unrecognised = [], []
    for taken in intake.current_medications:
        found = medicines.recognise(taken.name)
        if found is None:
            unrecognised.append(taken.name)
        shown.append(
            {
                "name": taken.name,
                "recognised": found is not None,
                "generics": [] if found is None else list(found.generics),
                "groups": [] if found is None else [m.label for m in found.medicines],
                "classes": [] if found is None else sorted(c.value for c in found.classes),
            }
        )
    return {"medicines": shown, "unrecognised_medicines": unrecognised}


def to_facts(
    intake: IntakeData,
    *,
    assessed_on: dt.date,
    sex_at_birth: str,
    maudsley: MaudsleyDomains | None = None,
) -> IntakeFacts:
    """The facts of a checked submission, with the staff's Maudsley rating if there is one."""
    scores = {
        code: instruments.score(code, answers, **context)
        for code, answers, context in baseline_questionnaires(intake, sex_at_birth=sex_at_birth)
    }
    medical, psychiatric = intake.medical_history, intake.psychiatric_history
    return IntakeFacts(
        date_of_birth=intake.demographics.date_of_birth,
        assessed_on=assessed_on,
        home=HomeSituation(
            sitter_available=intake.home.sitter_available,
            secure_storage=intake.home.secure_storage,
            agrees_not_to_drive=intake.home.agrees_not_to_drive,
        ),
        pregnant=medical.pregnant,
        breastfeeding=medical.breastfeeding,
        psychotic_disorder=psychiatric.psychotic_disorder,
        current_mania=psychiatric.current_mania,
        bipolar_disorder=psychiatric.bipolar_disorder,
        ketamine_use_disorder=psychiatric.ketamine_use_disorder,
        other_substance_use_disorder=psychiatric.other_substance_use_disorder,
        aneurysmal_vascular_disease_or_avm=medical.aneurysmal_vascular_disease_or_avm,
        intracerebral_haemorrhage_history=medical.intracerebral_haemorrhage_history,
        ketamine_hypersensitivity=medical.ketamine_hypersensitivity,
        hypertension=medical.hypertension,
        unstable_cardiac_disease=medical.unstable_cardiac_disease,
        unstable_respiratory_disease=medical.unstable_respiratory_disease,
        severe_hepatic_disease=medical.severe_hepatic_disease,
        raised_intraocular_pressure=medical.raised_intraocular_pressure,
        raised_intracranial_pressure=medical.raised_intracranial_pressure,
        current_medications=medication_classes(intake),
        antidepressant_trials=_trials(intake),
        audit_c_positive=instruments.POSITIVE_SCREEN in scores["auditc"].flags,
        dast10_band=Dast10Band(scores["dast10"].band),
        cssrs_risk=CssrsRisk(scores["cssrs_screen"].band),
        blood_pressure=BloodPressure(
            intake.home_vitals.systolic_mmhg, intake.home_vitals.diastolic_mmhg
        ),
        maudsley=maudsley,
    )
