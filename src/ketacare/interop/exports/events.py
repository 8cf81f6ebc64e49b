"""Record types of what happened: adverse events, the ledger's events, alerts.

Alerts are the clinic's alerts about its patients (an alert about a screening lead, who
has no record yet, is not exported).
"""

from __future__ import annotations

from typing import Any

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import Alert
from ketacare.interop.exports.columns import Kind, col, text
from ketacare.interop.exports.kinds import RecordType, Window, of_patient, zone_column
from ketacare.treatment.models import AdverseEvent, LedgerEvent


def _adverse_events(actor: User, clinic: Clinic, window: Window) -> Any:
    visible = AdverseEvent.objects.visible_to(actor).filter(patient__clinic=clinic)
    in_range = visible.filter(**window.around("reported_at")).select_related("patient")
    return in_range.order_by("reported_at", "pk")


ADVERSE_EVENTS = RecordType(
    key="adverse_events",
    words="Adverse events",
    rows=_adverse_events,
    patient_id=of_patient,
    columns=(
        col("adverse_event_id", "pk", Kind.REF),
        col("patient_id", kind=Kind.PATIENT),
        col("session_id", kind=Kind.REF),
        col("reported_at_utc", "reported_at", Kind.TIME),
        col("onset_at_utc", "onset_at", Kind.TIME),
        zone_column(),
        col("severity"),
        col("serious"),
        col("outcome"),
        text("description"),
        col("reported_by_user_id", "reported_by_id", Kind.USER),
    ),
)


def _ledger_events(actor: User, clinic: Clinic, window: Window) -> Any:
    visible = LedgerEvent.objects.visible_to(actor).filter(patient__clinic=clinic)
    return visible.filter(**window.around("at")).select_related("patient").order_by("at", "pk")


LEDGER_EVENTS = RecordType(
    key="ledger_events",
    words="Controlled-substance ledger events",
    rows=_ledger_events,
    patient_id=of_patient,
    columns=(
        col("ledger_event_id", "pk", Kind.REF),
        col("patient_id", kind=Kind.PATIENT),
        col("at_utc", "at", Kind.TIME),
        zone_column(),
        col("kind"),
        col("quantity"),
        col("balance_after"),
        col("counted"),
        col("actor_user_id", "actor_id", Kind.USER),
        col("witness_user_id", "witness_id", Kind.USER),
        text("note"),
    ),
)


def _alerts(actor: User, clinic: Clinic, window: Window) -> Any:
    visible = Alert.objects.visible_to(actor).filter(clinic=clinic, patient__isnull=False)
    in_range = visible.filter(**window.around("raised_at")).select_related("patient")
    return in_range.order_by("raised_at", "pk")


ALERTS = RecordType(
    key="alerts",
    words="Alerts about patients",
    rows=_alerts,
    patient_id=of_patient,
    columns=(
        col("alert_id", "pk", Kind.REF),
        col("patient_id", kind=Kind.PATIENT),
        col("cause"),
        col("severity"),
        col("status"),
        col("raised_at_utc", "raised_at", Kind.TIME),
        zone_column(),
        col("escalation_level"),
        col("acknowledged_at_utc", "acknowledged_at", Kind.TIME),
        col("acknowledged_by_user_id", "acknowledged_by_id", Kind.USER),
        col("resolved_at_utc", "resolved_at", Kind.TIME),
        col("resolved_by_user_id", "resolved_by_id", Kind.USER),
        text("title"),
        text("message"),
        text("acknowledged_note"),
        text("resolved_note"),
    ),
)
