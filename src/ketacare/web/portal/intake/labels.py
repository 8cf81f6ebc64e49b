"""The intake's words: the questions and the answers as the patient reads them."""

from __future__ import annotations

from collections.abc import Mapping

YES_NO = (("yes", "Yes"), ("no", "No"))
ISO_DATE = "%Y-%m-%d"  # the value of an <input type="date">, whatever the language
NOT_ANSWERED = "Not answered yet: please answer this question."

# The questions as the patient reads them (the schema's descriptions are the API's).
# "{sitter_hours}" is the patient's clinic's sitter stay: read them through `question`.
LABELS: Mapping[str, str] = {
    "demographics.date_of_birth": "Your date of birth",
    "demographics.weight_kg": "Your weight in kilograms",
    "medical_history.pregnant": "Are you pregnant?",
    "medical_history.breastfeeding": "Are you breastfeeding?",
    "medical_history.hypertension": "Have you been told you have high blood pressure?",
    "medical_history.aneurysmal_vascular_disease_or_avm": (
        "Have you ever had an aneurysm (a bulging blood vessel) or an arteriovenous malformation?"
    ),
    "medical_history.intracerebral_haemorrhage_history": (
        "Have you ever had bleeding in the brain?"
    ),
    "medical_history.ketamine_hypersensitivity": (
        "Have you ever had an allergic reaction to ketamine?"
    ),
    "medical_history.unstable_cardiac_disease": (
        "Do you have heart disease that is not stable (for example a recent heart attack, "
        "or chest pain at rest)?"
    ),
    "medical_history.unstable_respiratory_disease": (
        "Do you have lung or breathing disease that is not stable?"
    ),
    "medical_history.severe_hepatic_disease": "Do you have severe liver disease?",
    "medical_history.raised_intraocular_pressure": (
        "Have you been told the pressure in your eyes is raised (for example glaucoma)?"
    ),
    "medical_history.raised_intracranial_pressure": (
        "Have you been told the pressure inside your skull is raised?"
    ),
    "psychiatric_history.psychotic_disorder": (
        "Have you ever been diagnosed with a psychotic illness, such as schizophrenia?"
    ),
    "psychiatric_history.current_mania": "Are you having a manic or hypomanic episode now?",
    "psychiatric_history.bipolar_disorder": "Have you ever been diagnosed with bipolar disorder?",
    "psychiatric_history.ketamine_use_disorder": "Have you had a problem with ketamine use?",
    "psychiatric_history.other_substance_use_disorder": (
        "Have you had a problem with alcohol or other drugs?"
    ),
    "trials.drug": "Name of the antidepressant",
    "trials.dose": "The highest daily dose you took (for example 150 mg)",
    "trials.adequate_dose": "Was that the full dose your prescriber intended?",
    "trials.duration_weeks": "How many weeks did you take it at that dose?",
    "trials.outcome": "How did it go?",
    "trials.in_current_episode": "Did you take it during this episode of depression?",
    "current_medications.name": "Name of the medicine",
    "current_medications.dose": "Dose and how often (optional)",
    "current_medications.classes": "Is it one of these? Tick any that apply.",
    "home_vitals.systolic_mmhg": "Blood pressure: the top number (systolic), in mmHg",
    "home_vitals.diastolic_mmhg": "Blood pressure: the bottom number (diastolic), in mmHg",
    "home_vitals.heart_rate_bpm": "Heart rate (pulse), beats per minute",
    "home.sitter_available": (
        "Will an adult stay with you, sober, for at least {sitter_hours} hours after every dose?"
    ),
    "home.secure_storage": "Can you keep the medicine locked away between sessions?",
    "home.agrees_not_to_drive": (
        "Do you agree not to drive after a dose until the next day, after sleep?"
    ),
}


CHOICE_LABELS: Mapping[str, Mapping[str, str]] = {
    "Hypertension": {
        "none": "No",
        "controlled": "Yes, and treatment keeps it under control",
        "uncontrolled": "Yes, and it is not under control",
    },
    "DisorderStatus": {"none": "No", "history": "In the past, not now", "active": "Yes, now"},
    "TrialOutcome": {
        "failed": "It did not help enough",
        "responded": "It helped",
        "not_tolerated": "I stopped because of side effects",
        "ongoing": "I am still taking it",
    },
    "MedicationClass": {
        "benzodiazepine": "A benzodiazepine (for example diazepam or lorazepam)",
        "other_cns_depressant": "Another sedating medicine (for example strong painkillers)",
        "stimulant": "A stimulant (for example for ADHD)",
        "maoi": "An MAOI antidepressant (for example phenelzine)",
    },
}


def question(key: str, *, sitter_hours: str) -> str | None:
    """The question `key` names ("home.sitter_available"), with the clinic's numbers in it.

    `sitter_hours`: how long the patient's clinic has the sitter stay (web.common).
    """
    label = LABELS.get(key)
    return None if label is None else label.format(sitter_hours=sitter_hours)
