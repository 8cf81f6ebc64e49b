"""Record types about the person: patients, and questionnaire responses with their items.

Questionnaire responses are written one row per response, with one column per item
(`item_1` ... `item_N`, N the longest instrument): an instrument with fewer items leaves
the rest empty. Answers are the stored values (whole numbers of the instrument's scale).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ketacare.accounts.models import Clinic, User
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.clinical import instruments
from ketacare.interop.exports.columns import Column, Kind, col, text
from ketacare.interop.exports.kinds import RecordType, Window, of_patient, zone_column
from ketacare.patients.models import Patient

ITEMS = max(len(instruments.get(code).items) for code in instruments.CODES)


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# HIPAA's safe-harbour de-identification (45 CFR 164.514(b)(2)(i)(C)) folds every age over
# 89 into one "90 or older": a rare age identifies a person.
OLDEST_AGE_SHOWN = 89


def age_at_registration(patient: Patient) -> int | str:
    age = _age(patient.date_of_birth, patient.created_at.date())
    return age if age <= OLDEST_AGE_SHOWN else f"{OLDEST_AGE_SHOWN + 1}+"


def _patients(actor: User, clinic: Clinic, window: Window) -> Any:
    """Every patient of the clinic registered by the end of the range."""
    visible = Patient.objects.visible_to(actor).filter(clinic=clinic)
    return visible.filter(created_at__lt=window.end).order_by("pk")


PATIENTS = RecordType(
    key="patients",
    words="Patients",
    rows=_patients,
    patient_id=lambda row: int(row.pk),
    columns=(
        col("patient_id", "pk", Kind.PATIENT),
        text("record_number"),
        text("legal_name"),
        col("date_of_birth", kind=Kind.DATE, r=False),
        Column("age_at_registration_years", age_at_registration, research=True),
        col("sex_at_birth"),
        col("weight_kg"),
        col("indication"),
        col("phase"),
        col("phase_since_utc", "phase_since", Kind.TIME),
        col("first_dose_at_utc", "first_dose_at", Kind.TIME),
        col("registered_at_utc", "created_at", Kind.TIME),
        col("timezone", r=False),
        text("phone"),
        text("email"),
        text("emergency_contact_name"),
        text("emergency_contact_phone"),
    ),
)


def _responses(actor: User, clinic: Clinic, window: Window) -> Any:
    visible = QuestionnaireResponse.objects.visible_to(actor).filter(patient__clinic=clinic)
    in_range = visible.filter(**window.around("recorded_at"))
    return in_range.select_related("patient").order_by("recorded_at", "pk")


def _item(number: int) -> Column:
    return Column(f"item_{number}", lambda row: row.answers.get(str(number)), research=True)


def _pairs(mapping: dict[str, Any]) -> str:
    return ";".join(f"{k}={v}" for k, v in sorted(mapping.items()))


QUESTIONNAIRES = RecordType(
    key="questionnaire_responses",
    words="Questionnaire responses, with every item's answer",
    rows=_responses,
    patient_id=of_patient,
    columns=(
        col("response_id", "pk", Kind.REF),
        col("patient_id", kind=Kind.PATIENT),
        col("instrument"),
        col("recorded_at_utc", "recorded_at", Kind.TIME),
        zone_column(),
        col("total"),
        col("band"),
        Column("subscales", lambda row: _pairs(row.subscales or {}), research=True),
        Column("flags", lambda row: sorted(row.flags or []), research=True),
        col("submitted_by_user_id", "submitted_by_id", Kind.USER),
        *(_item(n) for n in range(1, ITEMS + 1)),
    ),
)
