"""The code systems and codes the resources carry, each with its CLINICAL.md section.

Questionnaire totals with a LOINC code are coded with it (CLINICAL.md A; the codes are
the instruments' own, `ketacare.clinical.instruments`); the others with the local system
below, whose codes are the instrument codes ("pcl5", "madrs"...).
"""

from __future__ import annotations

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
PRACTITIONER_ROLE = "urn:ketacare:role"

# Local code systems: the totals of instruments LOINC has no total code for, and the
# answers of items without LOINC answer codes (code = the value scored).
INSTRUMENT_TOTAL_SYSTEM = "https://ketacare.org/fhir/CodeSystem/instrument-total"
ANSWER_SYSTEM = "https://ketacare.org/fhir/CodeSystem/answer-value"
# Questionnaire canonical URLs: this base + "/" + the instrument code ("/phq9").
QUESTIONNAIRE_BASE = "https://ketacare.org/fhir/Questionnaire"

VITAL_SIGNS_PROFILE = "http://hl7.org/fhir/StructureDefinition/vitalsigns"
BP_PROFILE = "http://hl7.org/fhir/StructureDefinition/bp"
HEART_RATE_PROFILE = "http://hl7.org/fhir/StructureDefinition/heartrate"
WEIGHT_PROFILE = "http://hl7.org/fhir/StructureDefinition/bodyweight"
SPO2_PROFILE = "http://hl7.org/fhir/StructureDefinition/oxygensat"

# CLINICAL.md E: vital-signs panel, BP panel and components, heart rate, weight, SpO2.
VITAL_SIGNS_PANEL = "85353-1"
BP_PANEL = "85354-9"
SYSTOLIC = "8480-6"
DIASTOLIC = "8462-4"
HEART_RATE = "8867-4"
BODY_WEIGHT = "29463-7"
SPO2 = "2708-6"
SPO2_PULSE_OXIMETRY = "59408-5"

# CLINICAL.md A1: the PHQ-9 answer codes, in the order of the values 0-3 (items 1-9;
# PHQ-2's items are PHQ-9's first two, CLINICAL.md A2).
PHQ_ANSWERS = ("LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9")
PHQ_INSTRUMENTS = frozenset({"phq9", "phq2"})

# CLINICAL.md E: SNOMED CT for the indications.
MAJOR_DEPRESSIVE_DISORDER = "370143000"
PTSD = "47505003"
