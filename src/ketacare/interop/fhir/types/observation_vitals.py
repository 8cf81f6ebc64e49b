"""Vital-sign Observations (FHIR vital-signs profiles, UCUM units; codes CLINICAL.md E).

Sources: the pre-dose checklist's blood pressure and heart rate (DosingSession), the
post-dose readings (PostDoseReading), the check-in's blood pressure when given
(PostDoseCheckIn), and the weight each treatment plan version was written for
(TreatmentPlan). No oxygen saturation is recorded, so none is emitted (codes.SPO2 waits
for it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from ketacare.interop.fhir import codes
from ketacare.interop.fhir.registry import Context, Search, date_filter, patient_filter
from ketacare.interop.fhir.types.observation_common import (
    ObservationRow,
    category,
    instant,
    loinc,
    quantity,
    subject,
)
from ketacare.patients.models import Patient
from ketacare.treatment.models import DosingSession, PostDoseCheckIn, PostDoseReading, TreatmentPlan

BP = (codes.LOINC, codes.BP_PANEL)
HR = (codes.LOINC, codes.HEART_RATE)
WEIGHT = (codes.LOINC, codes.BODY_WEIGHT)


def _vital(fhir_id: str, patient: Patient, at: dt.datetime, profile: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": fhir_id,
        "meta": {"profile": [profile]},
        "status": "final",
        "category": category("vital-signs", "Vital Signs"),
        "subject": subject(patient),
        "effectiveDateTime": instant(at),
    }


def blood_pressure(
    fhir_id: str, patient: Patient, at: dt.datetime, mmhg: tuple[int, int]
) -> ObservationRow:
    def draw(context: Context) -> dict[str, Any]:
        del context
        resource = _vital(fhir_id, patient, at, codes.BP_PROFILE)
        resource["code"] = loinc(codes.BP_PANEL, "Blood pressure panel with all children optional")
        resource["component"] = [
            {
                "code": loinc(code, display),
                "valueQuantity": quantity(value, "mmHg", "mm[Hg]"),
            }
            for code, display, value in (
                (codes.SYSTOLIC, "Systolic blood pressure", mmhg[0]),
                (codes.DIASTOLIC, "Diastolic blood pressure", mmhg[1]),
            )
        ]
        return resource

    return ObservationRow(fhir_id, at, patient, draw)


def heart_rate(fhir_id: str, patient: Patient, at: dt.datetime, bpm: int) -> ObservationRow:
    def draw(context: Context) -> dict[str, Any]:
        del context
        resource = _vital(fhir_id, patient, at, codes.HEART_RATE_PROFILE)
        resource["code"] = loinc(codes.HEART_RATE, "Heart rate")
        resource["valueQuantity"] = quantity(bpm, "beats/minute", "/min")
        return resource

    return ObservationRow(fhir_id, at, patient, draw)


def body_weight(fhir_id: str, patient: Patient, at: dt.datetime, kg: float) -> ObservationRow:
    def draw(context: Context) -> dict[str, Any]:
        del context
        resource = _vital(fhir_id, patient, at, codes.WEIGHT_PROFILE)
        resource["code"] = loinc(codes.BODY_WEIGHT, "Body weight")
        resource["valueQuantity"] = quantity(kg, "kg", "kg")
        return resource

    return ObservationRow(fhir_id, at, patient, draw)


def _sessions(found: QuerySet[DosingSession], search: Search) -> list[ObservationRow]:
    rows = []
    for session in found:
        if search.wants_code(*BP):
            mmhg = (session.systolic_mmhg, session.diastolic_mmhg)
            rows.append(
                blood_pressure(
                    f"session-{session.pk}-bp", session.patient, session.started_at, mmhg
                )
            )
        if session.heart_rate_bpm is not None and search.wants_code(*HR):
            rows.append(
                heart_rate(
                    f"session-{session.pk}-hr",
                    session.patient,
                    session.started_at,
                    session.heart_rate_bpm,
                )
            )
    return rows


def _reading(reading: PostDoseReading) -> ObservationRow:
    mmhg = (reading.systolic_mmhg, reading.diastolic_mmhg)
    return blood_pressure(f"reading-{reading.pk}-bp", reading.patient, reading.recorded_at, mmhg)


def _check_in(check_in: PostDoseCheckIn) -> ObservationRow:
    mmhg = (check_in.systolic_mmhg or 0, check_in.diastolic_mmhg or 0)
    at = check_in.checked_in_at
    return blood_pressure(f"checkin-{check_in.pk}-bp", check_in.patient, at, mmhg)


def _plan(plan: TreatmentPlan) -> ObservationRow:
    return body_weight(
        f"plan-{plan.pk}-weight", plan.patient, plan.created_at, float(plan.weight_kg)
    )


def rows(patients: QuerySet[Patient], search: Search) -> list[ObservationRow]:
    """Every vital sign of `patients` that `search` asks for."""
    mine = patient_filter(search)
    found: list[ObservationRow] = []
    if search.wants_code(*BP) or search.wants_code(*HR):
        sessions = DosingSession.objects.filter(mine, date_filter(search, "started_at"))
        found += _sessions(sessions.filter(patient__in=patients).select_related("patient"), search)
    if search.wants_code(*BP):
        readings = PostDoseReading.objects.filter(mine, date_filter(search, "recorded_at"))
        found += [
            _reading(r) for r in readings.filter(patient__in=patients).select_related("patient")
        ]
        check_ins = PostDoseCheckIn.objects.filter(mine, date_filter(search, "checked_in_at"))
        check_ins = check_ins.filter(patient__in=patients, systolic_mmhg__isnull=False)
        found += [_check_in(c) for c in check_ins.select_related("patient")]
    if search.wants_code(*WEIGHT):
        plans = TreatmentPlan.objects.filter(mine, date_filter(search, "created_at"))
        found += [_plan(p) for p in plans.filter(patient__in=patients).select_related("patient")]
    return found


def _one(model: Any, patients: QuerySet[Patient], pk: int, **more: Any) -> Any:
    return (
        model.objects.filter(patient__in=patients, pk=pk, **more).select_related("patient").first()
    )


def _session_row(patients: QuerySet[Patient], pk: int, what: str) -> ObservationRow | None:
    session = _one(DosingSession, patients, pk)
    if session is None:
        return None
    found = _sessions([session], Search())  # type: ignore[arg-type]
    return next((row for row in found if row.fhir_id.endswith(f"-{what}")), None)


_LOOKUPS: dict[tuple[str, str], Callable[[QuerySet[Patient], int], ObservationRow | None]] = {
    ("session", "bp"): lambda patients, pk: _session_row(patients, pk, "bp"),
    ("session", "hr"): lambda patients, pk: _session_row(patients, pk, "hr"),
    ("reading", "bp"): lambda patients, pk: _maybe(_reading, _one(PostDoseReading, patients, pk)),
    ("checkin", "bp"): lambda patients, pk: _maybe(
        _check_in, _one(PostDoseCheckIn, patients, pk, systolic_mmhg__isnull=False)
    ),
    ("plan", "weight"): lambda patients, pk: _maybe(_plan, _one(TreatmentPlan, patients, pk)),
}


def _maybe(make: Callable[[Any], ObservationRow], found: Any) -> ObservationRow | None:
    return None if found is None else make(found)


def lookup(patients: QuerySet[Patient], source: str, pk: int, what: str) -> ObservationRow | None:
    finder = _LOOKUPS.get((source, what))
    return None if finder is None else finder(patients, pk)
