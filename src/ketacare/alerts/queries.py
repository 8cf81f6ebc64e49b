"""Reads of the alerts app that both faces and the other apps' jobs share.

`inbox` is the alert inbox of the web workspace and of the API: one filter and one order
(most pressing first, then oldest first). A job that derives alerts from time passing
asks first which of its facts already have an alert (`raised_keys`), in one query for
the whole batch rather than one per fact.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, IntegerField, QuerySet, Value, When

from ketacare.alerts.models import SEVERITY_RANK, Alert, AlertStatus

# Alerts someone still has to deal with.
UNRESOLVED = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


def raised_keys(keys: Iterable[str]) -> set[str]:
    """The dedupe keys among `keys` that have an alert, in any status (resolved too)."""
    return set(Alert.objects.filter(dedupe_key__in=list(keys)).values_list("dedupe_key", flat=True))


def inbox(
    alerts: QuerySet[Alert],
    *,
    statuses: Iterable[str] | None = None,
    severity: str | None = None,
    cause: str | None = None,
    patient_id: int | None = None,
) -> QuerySet[Alert]:
    """`alerts` (already scoped to the viewer) filtered, most pressing first, then oldest.

    None (or empty) leaves a filter out; `statuses=None` keeps every status.
    """
    if statuses:
        alerts = alerts.filter(status__in=list(statuses))
    if severity:
        alerts = alerts.filter(severity=severity)
    if cause:
        alerts = alerts.filter(cause=cause)
    if patient_id is not None:
        alerts = alerts.filter(patient_id=patient_id)
    rank = Case(
        *(When(severity=s, then=Value(r)) for s, r in SEVERITY_RANK.items()),
        output_field=IntegerField(),
    )
    return alerts.annotate(rank=rank).order_by("-rank", "raised_at", "pk")
