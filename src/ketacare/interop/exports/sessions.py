"""Record types of the dosing sessions: sessions with their blood pressures, doses, check-ins.

A session's row carries its three blood pressures: before the dose (the checklist's),
the first reading after the dose (due about 40 minutes after it, clinical.postdose), and
the one at the release check-in. They are read in the session's own query (subqueries),
never one query per row.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ketacare.accounts.models import Clinic, User
from ketacare.interop.exports.columns import Column, Kind, col, text
from ketacare.interop.exports.kinds import RecordType, Window, of_patient, zone_column
from ketacare.treatment.models import (
    DOSED_STATUSES,
    DosingSession,
    PostDoseCheckIn,
    PostDoseReading,
)


def _reading(field: str, *, at_check_in: bool, last: bool) -> Subquery:
    readings = PostDoseReading.objects.filter(session=OuterRef("pk"), at_check_in=at_check_in)
    order = ("-recorded_at", "-pk") if last else ("recorded_at", "pk")
    return Subquery(readings.order_by(*order).values(field)[:1])


def _with_readings(sessions: QuerySet[DosingSession]) -> QuerySet[DosingSession]:
    return sessions.annotate(
        after_systolic=_reading("systolic_mmhg", at_check_in=False, last=False),
        after_diastolic=_reading("diastolic_mmhg", at_check_in=False, last=False),
        after_at=_reading("recorded_at", at_check_in=False, last=False),
        release_systolic=Coalesce(
            _reading("systolic_mmhg", at_check_in=True, last=True), F("check_in__systolic_mmhg")
        ),
        release_diastolic=Coalesce(
            _reading("diastolic_mmhg", at_check_in=True, last=True), F("check_in__diastolic_mmhg")
        ),
        release_at=Coalesce(
            _reading("recorded_at", at_check_in=True, last=True), F("check_in__checked_in_at")
        ),
    )


def _sessions(actor: User, clinic: Clinic, window: Window) -> Any:
    visible = DosingSession.objects.visible_to(actor).filter(patient__clinic=clinic)
    in_range = visible.filter(**window.around("started_at")).select_related("patient")
    return _with_readings(in_range).order_by("started_at", "pk")


def _gate_causes(row: Any) -> list[str]:
    return sorted({str(f.get("cause", "")) for f in row.gate_findings or [] if f.get("cause")})


SESSIONS = RecordType(
    key="sessions",
    words="Dosing sessions, with blood pressure before, about 40 minutes after and at release",
    rows=_sessions,
    patient_id=of_patient,
    columns=(
        col("session_id", "pk", Kind.REF),
        col("patient_id", kind=Kind.PATIENT),
        col("plan_id", kind=Kind.REF),
        col("status"),
        col("started_at_utc", "started_at", Kind.TIME),
        zone_column(),
        col("sitter_present"),
        text("sitter_name"),
        col("fasted"),
        col("no_driving_until_tomorrow"),
        Column("substances_today", lambda row: sorted(row.substances_today or []), research=True),
        Column("gate_causes", _gate_causes, research=True),
        col("pre_dose_systolic_mmhg", "systolic_mmhg"),
        col("pre_dose_diastolic_mmhg", "diastolic_mmhg"),
        col("pre_dose_heart_rate_bpm", "heart_rate_bpm"),
        col("taken_at_utc", "taken_at", Kind.TIME),
        col("after_dose_systolic_mmhg", "after_systolic"),
        col("after_dose_diastolic_mmhg", "after_diastolic"),
        col("after_dose_recorded_at_utc", "after_at", Kind.TIME),
        col("release_systolic_mmhg", "release_systolic"),
        col("release_diastolic_mmhg", "release_diastolic"),
        col("release_recorded_at_utc", "release_at", Kind.TIME),
        col("released_at_utc", "released_at", Kind.TIME),
        col("release_stable"),
        text("release_note"),
        col("started_by_user_id", "started_by_id", Kind.USER),
        col("released_by_user_id", "released_by_id", Kind.USER),
    ),
)


def _doses(actor: User, clinic: Clinic, window: Window) -> Any:
    visible = DosingSession.objects.visible_to(actor).filter(patient__clinic=clinic)
    dosed = visible.filter(status__in=DOSED_STATUSES, **window.around("taken_at"))
    return dosed.select_related("patient", "plan").order_by("taken_at", "pk")


DOSES = RecordType(
    key="doses",
    words="Doses taken",
    rows=_doses,
    patient_id=of_patient,
    columns=(
        col("session_id", "pk", Kind.REF),
        col("patient_id", kind=Kind.PATIENT),
        col("taken_at_utc", "taken_at", Kind.TIME),
        zone_column(),
        col("dose_mg"),
        col("planned_dose_mg"),
        col("as_planned"),
        col("against_gate"),
        col("route", "plan.route"),
        col("drug", "plan.drug"),
        col("formulation_kind", "plan.formulation_kind"),
        col("plan_dose_mg_per_kg", "plan.dose_mg_per_kg"),
        col("plan_version", "plan.version"),
        col("ledger_event_id", kind=Kind.REF),
        col("dose_recorded_by_user_id", "dose_recorded_by_id", Kind.USER),
        col("dose_recorded_at_utc", "dose_recorded_at", Kind.TIME),
    ),
)


def _check_ins(actor: User, clinic: Clinic, window: Window) -> Any:
    visible = PostDoseCheckIn.objects.visible_to(actor).filter(patient__clinic=clinic)
    in_range = visible.filter(**window.around("checked_in_at")).select_related("patient")
    return in_range.order_by("checked_in_at", "pk")


def _finding_causes(row: Any) -> list[str]:
    return sorted({str(f.get("cause", "")) for f in row.findings or [] if f.get("cause")})


CHECK_INS = RecordType(
    key="check_ins",
    words="Post-dose check-ins",
    rows=_check_ins,
    patient_id=of_patient,
    columns=(
        col("check_in_id", "pk", Kind.REF),
        col("session_id", kind=Kind.REF),
        col("patient_id", kind=Kind.PATIENT),
        col("checked_in_at_utc", "checked_in_at", Kind.TIME),
        zone_column(),
        col("feeling"),
        col("systolic_mmhg"),
        col("diastolic_mmhg"),
        col("cadss6_total"),
        col("cadss6_band"),
        Column("side_effects", lambda row: sorted(row.side_effects or []), research=True),
        text("side_effect_other"),
        text("notes"),
        col("late"),
        Column("finding_causes", _finding_causes, research=True),
        col("recorded_by_user_id", "recorded_by_id", Kind.USER),
    ),
)
