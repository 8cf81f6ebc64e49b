"""A plan's schedule: what the prescriber writes, and the sessions clinical.dosing lays out."""

from __future__ import annotations

from typing import Any

from ketacare.clinical import dosing
from ketacare.treatment.models import TreatmentPlan
from ketacare.treatment.plans.limits import Refusals
from ketacare.treatment.specs.plans import ScheduleSpec


def read_schedule(
    spec: ScheduleSpec,
    caps: dosing.DoseCaps,
    zone: str,
    rules: dosing.DosingRules,
    errors: Refusals,
) -> dict[str, Any] | None:
    """The schedule's pattern and parameters, and the sessions clinical.dosing lays out."""
    first_day, at, weeks = spec.first_day, spec.time_of_day, spec.maintenance_weeks
    start = dosing.CourseStart(first_day, at, zone)
    try:
        sessions = dosing.at_home_schedule(start, maintenance_weeks=weeks, caps=caps, rules=rules)
    except dosing.InvalidDosingInput as exc:
        errors.add("schedule", str(exc))
        return None
    return {
        "pattern": spec.pattern,
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


def schedule_parameters(plan: TreatmentPlan) -> dict[str, Any]:
    """The stored schedule without its computed sessions (what the prescriber wrote)."""
    return {k: v for k, v in plan.schedule.items() if k != "sessions"}
