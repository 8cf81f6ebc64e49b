"""A plan's schedule: what the prescriber writes, and the sessions clinical.dosing lays out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ketacare.clinical import dosing
from ketacare.treatment.models import TreatmentPlan
from ketacare.treatment.parsing import Errors, as_date, as_time, as_whole


def read_schedule(
    data: object, caps: dosing.DoseCaps, zone: str, rules: dosing.DosingRules, errors: Errors
) -> dict[str, Any] | None:
    """The schedule's pattern and parameters, and the sessions clinical.dosing lays out."""
    if not isinstance(data, Mapping):
        errors.add("schedule", "Give the schedule: its pattern, first day and time of day.")
        return None
    pattern = data.get("pattern")
    if not _at_home(pattern, errors):
        return None
    first_day = as_date(data.get("first_day"), "schedule.first_day", errors)
    at = as_time(data.get("time_of_day"), "schedule.time_of_day", errors)
    weeks = as_whole(
        data.get("maintenance_weeks", 0),
        "schedule.maintenance_weeks",
        errors,
        minimum=0,
        what="the weeks of maintenance",
    )
    if first_day is None or at is None or weeks is None:
        return None
    start = dosing.CourseStart(first_day, at, zone)
    try:
        sessions = dosing.at_home_schedule(start, maintenance_weeks=weeks, caps=caps, rules=rules)
    except dosing.InvalidDosingInput as exc:
        errors.add("schedule", str(exc))
        return None
    return {
        "pattern": pattern,
        "first_day": first_day.isoformat(),
        "time_of_day": at.strftime("%H:%M"),
        "maintenance_weeks": weeks,
        "sessions": [
            {
                "number": s.number,
                "at": s.at.isoformat(),
                "phase": s.phase,
                "dose_mg": s.dose_mg,
                "note": s.note,
            }
            for s in sessions
        ],
    }


def _at_home(pattern: object, errors: Errors) -> bool:
    """The pattern is at_home, the only one for home (noted as the pattern's error if not)."""
    if pattern == "esketamine_label":
        errors.add(
            "schedule.pattern",
            "The esketamine label schedule is for esketamine, which is never used at home "
            "(Spravato REMS, CLINICAL.md G4): choose at_home.",
        )
        return False
    if pattern != "at_home":
        errors.add("schedule.pattern", "Choose at_home.")
        return False
    return True


def schedule_parameters(plan: TreatmentPlan) -> dict[str, Any]:
    """The stored schedule without its computed sessions (what the prescriber wrote)."""
    return {k: v for k, v in plan.schedule.items() if k != "sessions"}
