"""A plan's rules as the clinical core reads them: its caps, its limits, its deadline.

Stored as JSON on the plan version (caps, pre_dose_limits, check_in_deadline_min) and
read back as clinical.dosing.DoseCaps and clinical.safety.SafetyRules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ketacare.clinical import dosing, safety
from ketacare.patients.models import Patient
from ketacare.patients.protocol import clinic_rules
from ketacare.treatment.models import TABLET_KINDS, FormulationKind, TreatmentPlan

# The products a plan may use at home: racemic tablets and nasal spray, never esketamine
# devices (clinical.dosing.check_at_home, CLINICAL.md G4: Spravato REMS).
AT_HOME_KINDS = (*TABLET_KINDS, FormulationKind.NASAL_SPRAY)
CAP_MG_FIELDS = (
    "max_mg_per_session",
    "max_mg_per_kg_per_session",
    "max_mg_per_7_days",
    "max_mg_per_kg_per_7_days",
)
CAP_FIELDS = (*CAP_MG_FIELDS, "max_sessions_per_7_days", "min_interval_min", "min_mg_per_session")
LIMIT_FIELDS = (
    "bp_delay_gate",
    "bp_hard_stop",
    "heart_rate_min_bpm",
    "heart_rate_max_bpm",
    "fasting_required",
)


def caps_to_json(caps: dosing.DoseCaps) -> dict[str, Any]:
    interval = caps.min_interval
    return {
        **{name: getattr(caps, name) for name in CAP_MG_FIELDS},
        "max_sessions_per_7_days": caps.max_sessions_per_7_days,
        "min_interval_min": None if interval is None else int(interval.total_seconds() // 60),
        "min_mg_per_session": caps.min_mg_per_session,
        "source": caps.source,
    }


def caps_from_json(data: Mapping[str, Any]) -> dosing.DoseCaps:
    minutes = data.get("min_interval_min")
    return dosing.DoseCaps(
        **{name: data.get(name) for name in CAP_MG_FIELDS},
        max_sessions_per_7_days=data.get("max_sessions_per_7_days"),
        min_interval=None if minutes is None else timedelta(minutes=minutes),
        min_mg_per_session=data.get("min_mg_per_session"),
        source=data.get("source") or "treatment plan",
    )


def plan_caps(plan: TreatmentPlan) -> dosing.DoseCaps:
    return caps_from_json(plan.caps)


def _limit(pair: list[int] | None) -> safety.BloodPressureLimit | None:
    return None if pair is None else safety.BloodPressureLimit(*pair)


def limits_to_json(rules: safety.SafetyRules) -> dict[str, Any]:
    def pair(limit: safety.BloodPressureLimit | None) -> list[int] | None:
        return None if limit is None else [limit.systolic_mmhg, limit.diastolic_mmhg]

    return {
        "bp_delay_gate": pair(rules.bp_delay_gate),
        "bp_hard_stop": pair(rules.bp_hard_stop),
        "heart_rate_min_bpm": rules.heart_rate_min_bpm,
        "heart_rate_max_bpm": rules.heart_rate_max_bpm,
        "fasting_required": rules.fasting_required,
    }


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def check_in_bounds_min(rules: safety.SafetyRules) -> tuple[int, int]:
    """A plan's check-in deadline: later than the first, at most the second (minutes).

    The release check-in is accepted only after the minimum observation (CLINICAL.md D:
    2 h), so the deadline comes after it; the clinic's deadline (observation + its
    check-in window, the clinic's choice) is the latest a plan may ask for.
    """
    return _minutes(rules.observation_minimum), _minutes(rules.check_in_deadline)


def check_in_bounds_for(patient: Patient) -> tuple[int, int]:
    """The check-in deadlines a plan of this patient may have (`check_in_bounds_min`)."""
    return check_in_bounds_min(clinic_rules(patient.clinic_id).safety)


def safety_rules_in_force(patient: Patient, plan: TreatmentPlan | None) -> safety.SafetyRules:
    """The safety rules for `patient` now: the active plan's, else the clinic's protocol's."""
    return clinic_rules(patient.clinic_id).safety if plan is None else plan_safety_rules(plan)


def plan_safety_rules(plan: TreatmentPlan) -> safety.SafetyRules:
    """The clinic's safety rules with the plan's pre-dose limits and check-in deadline.

    The clinic's current rules (clinic_rules), so its protocol applies to every plan. A
    deadline that no longer fits them (the clinic lengthened its observation or
    shortened its window since the plan was written, or a plan from before the
    observation rule) gives way to the clinic's deadline.
    """
    clinic = clinic_rules(plan.patient.clinic_id).safety
    after, most = check_in_bounds_min(clinic)
    deadline = plan.check_in_deadline_min
    limits = plan.pre_dose_limits
    return dataclasses.replace(
        clinic,
        bp_delay_gate=_limit(limits["bp_delay_gate"]),
        bp_hard_stop=_limit(limits["bp_hard_stop"]),
        heart_rate_min_bpm=limits["heart_rate_min_bpm"],
        heart_rate_max_bpm=limits["heart_rate_max_bpm"],
        fasting_required=limits["fasting_required"],
        check_in_deadline=(
            timedelta(minutes=deadline) if after < deadline <= most else clinic.check_in_deadline
        ),
    )


def active_plan(patient: Patient) -> TreatmentPlan | None:
    """The patient's current plan version, or None before the first plan."""
    return TreatmentPlan.objects.filter(patient_id=patient.pk, is_current=True).first()
