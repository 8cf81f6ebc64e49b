"""Request bodies the API tests share: the pre-dose checklist and a blood pressure."""

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
