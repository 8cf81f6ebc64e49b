"""Request bodies the API tests share: a new patient, the pre-dose checklist, a blood pressure."""

from __future__ import annotations

from typing import Any

# The C-SSRS screen of the checklist, since the last contact: every answer no.
NO_IDEATION: dict[str, bool] = {
    "wish_to_be_dead": False,
    "suicidal_thoughts": False,
    "behaviour": False,
}
CHECKLIST: dict[str, Any] = {
    "sitter_present": True,
    "cssrs": NO_IDEATION,
    "fasted": True,
    "no_driving_until_tomorrow": True,
    "systolic_mmhg": 122,
    "diastolic_mmhg": 78,
}
BP: dict[str, int] = {"systolic_mmhg": 126, "diastolic_mmhg": 80}

# A new patient's record, as staff register it.
NEW_PATIENT: dict[str, Any] = {
    "legal_name": "New Patient",
    "date_of_birth": "1990-01-01",
    "sex_at_birth": "male",
    "weight_kg": "80.0",
    "timezone": "Europe/Paris",
    "phone": "+33 1 23 45 67 89",
    "emergency_contact_name": "Someone",
    "emergency_contact_phone": "+33 1 23 45 67 80",
    "indication": "mdd",
}
