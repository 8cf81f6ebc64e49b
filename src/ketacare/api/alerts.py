"""The alert inbox: the clinic's alerts, acknowledge and resolve, and a patient's history.

An alert is about a patient (patient_id) or about a screening lead of the public
self-screen who has no record yet (lead_id, patient_id null), or about the clinic's own
stock (a count that differs from the book, a loss: patient_id and lead_id null, its
`detail` names the lot and the discrepancy or movement). Alerts are for the care
team: patients and sitters get a 403 on the lists and a 404 on any one alert (they never
learn that one exists).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from ketacare.alerts import queries, services
from ketacare.alerts.models import (
    Alert,
    AlertCause,
    AlertSeverity,
    AlertStatus,
)
from ketacare.alerts.specs import AcknowledgeSpec, ResolveSpec
from ketacare.api.access import actor, audit_list, readable_patient, visible
from ketacare.api.schemas import ERRORS, MAX_ID, WRITE_ERRORS, id_in_path
from ketacare.kernel import policy
from ketacare.kernel.errors import NotAllowed

router = Router(tags=["alerts"])
patient_router = Router(tags=["alerts"])


class AlertOut(Schema):
    id: int = Field(description="The alert's id.")
    clinic_id: int = Field(description="The clinic.")
    patient_id: int | None = Field(
        description="Whose: the patient; null for an alert about a screening lead (lead_id) "
        "or about the clinic's stock."
    )
    patient_name: str | None = Field(
        description="The patient's legal name; null for an alert about a screening lead or "
        "about the clinic's stock."
    )
    subject_name: str = Field(
        description="Whom it is about, in words: the patient, the screening lead, or "
        '"The clinic\'s stock".'
    )
    lead_id: int | None = Field(
        description="The screening lead of the public self-screen it is about (someone with "
        "no patient record yet, cause suicidal_lead); null for an alert about a patient or "
        "about the clinic's stock."
    )
    cause: AlertCause = Field(description="What it is about, as a code.")
    severity: AlertSeverity = Field(description="info, warning, urgent or emergency.")
    status: AlertStatus = Field(description="open, acknowledged or resolved.")
    title: str = Field(description="In a few words.")
    message: str = Field(description="What was found, for the care team.")
    source: str = Field(description="The rule's source.")
    detail: dict[str, Any] = Field(description="Ids of the objects behind it.")
    raised_at: dt.datetime = Field(description="When it was raised.")
    acknowledged_by_id: int | None = Field(description="Who acknowledged it.")
    acknowledged_at: dt.datetime | None = Field(description="When.")
    acknowledged_note: str = Field(description="Their note.")
    resolved_by_id: int | None = Field(description="Who resolved it (empty: automatically).")
    resolved_at: dt.datetime | None = Field(description="When.")
    resolved_note: str = Field(description="How it was resolved.")
    escalation_level: int = Field(description="The highest on-call level notified so far.")
    next_escalation_at: dt.datetime | None = Field(
        description="When it escalates to the next level unless acknowledged."
    )


class AlertPage(Schema):
    count: int = Field(description="How many alerts match (all pages).")
    items: list[AlertOut] = Field(description="This page of them.")


class Paging(Schema):
    limit: int = Field(default=50, ge=1, le=200, description="Page size.")
    offset: int = Field(default=0, ge=0, le=MAX_ID, description="How many to skip.")


class AlertFilter(Paging):
    status: AlertStatus | None = Field(default=None, description="Only alerts in this status.")
    severity: AlertSeverity | None = Field(default=None, description="Only this severity.")
    patient_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Only this patient's."
    )
    cause: AlertCause | None = Field(default=None, description="Only this cause.")


def _staff_alerts(request: HttpRequest) -> QuerySet[Alert]:
    user = actor(request)
    if not (user.is_superuser or user.is_clinic_staff):
        raise NotAllowed("Alerts are for the care team.")
    return Alert.objects.visible_to(user).select_related("patient", "lead")


def _page(request: HttpRequest, alerts: QuerySet[Alert], paging: Paging, **audit: Any) -> AlertPage:
    page = list(alerts[paging.offset : paging.offset + paging.limit])
    audit_list(request, "alerts.Alert", [a.pk for a in page], **audit)
    return AlertPage(count=alerts.count(), items=[AlertOut.model_validate(a) for a in page])


@router.get("", response={200: AlertPage, **ERRORS}, summary="The alert inbox")
def list_alerts(request: HttpRequest, filters: Query[AlertFilter]) -> AlertPage:
    """The clinic's alerts, most pressing first (emergency ... info), then oldest first."""
    alerts = queries.inbox(
        _staff_alerts(request),
        statuses=None if filters.status is None else [filters.status],
        severity=filters.severity,
        cause=filters.cause,
        patient_id=filters.patient_id,
    )
    return _page(request, alerts, filters)


def _alert(request: HttpRequest, alert_id: int, use_case: str) -> Alert:
    """The alert for `use_case`: its roles first (403), then one the caller sees (404).

    Every use case checks the roles before anything is read.
    """
    policy.require_role(actor(request), policy.rule(use_case))
    found: Alert = visible(request, Alert.objects.select_related("patient", "lead"), pk=alert_id)
    return found


@router.post(
    "/{alert_id}/acknowledge",
    response={200: AlertOut, **WRITE_ERRORS},
    summary="Acknowledge an alert",
)
def acknowledge_alert(
    request: HttpRequest, payload: AcknowledgeSpec, alert_id: int = id_in_path("alert")
) -> AlertOut:
    """Say you have seen it and are acting: escalation stops. Only an open alert (else 409)."""
    alert = services.acknowledge_alert(
        actor(request), _alert(request, alert_id, "acknowledge_alert"), payload
    )
    return AlertOut.model_validate(alert)


@router.post(
    "/{alert_id}/resolve", response={200: AlertOut, **WRITE_ERRORS}, summary="Resolve an alert"
)
def resolve_alert(
    request: HttpRequest, payload: ResolveSpec, alert_id: int = id_in_path("alert")
) -> AlertOut:
    """Close it with a note saying how (422 without one; 409 if already resolved)."""
    alert = services.resolve_alert(
        actor(request), _alert(request, alert_id, "resolve_alert"), payload
    )
    return AlertOut.model_validate(alert)


@patient_router.get(
    "/{patient_id}/alerts", response={200: AlertPage, **ERRORS}, summary="A patient's alerts"
)
def patient_alerts(
    request: HttpRequest, paging: Query[Paging], patient_id: int = id_in_path("patient")
) -> AlertPage:
    """Every alert of the patient, newest first (the care team only)."""
    patient = readable_patient(request, patient_id, "read_patient_alerts")
    alerts = _staff_alerts(request).filter(patient=patient).order_by("-raised_at", "-pk")
    return _page(request, alerts, paging, patient_id=patient.pk)
