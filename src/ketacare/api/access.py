"""Who acts and what they may see: every router finds its objects through here."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from ketacare.accounts.models import User
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.patients.access import require, visible_patient_or_none
from ketacare.patients.models import Patient


def actor(request: HttpRequest) -> User:
    """The authenticated user (bearer token or session); the API's auth ran first."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):  # pragma: no cover - every operation is authenticated
        msg = "API operation reached without an authenticated user"
        raise TypeError(msg)
    return user


def visible_patient(request: HttpRequest, patient_id: int) -> Patient:
    # 404, never 403, for a patient the actor may not see: never confirm one exists. The
    # denied read is in the audit log (patients.access.denied_read).
    patient = visible_patient_or_none(actor(request), patient_id, via="api")
    if patient is None:
        raise Http404("No Patient matches the given query.")
    return patient


def readable_patient(request: HttpRequest, patient_id: int, use_case: str) -> Patient:
    """A patient the caller may see (404 otherwise) and read as `use_case`'s row says (403).

    The read rows are kernel.policy's, as the pages': a sitter reads where the session
    stands (`read_sitting`) and nothing else of the record.
    """
    patient = visible_patient(request, patient_id)
    require(actor(request), patient, use_case)
    return patient


def visible(request: HttpRequest, queryset: Any, **lookup: Any) -> Any:
    """One object of a `visible_to` queryset, or 404."""
    return get_object_or_404(queryset.visible_to(actor(request)), **lookup)


def audit_read(request: HttpRequest, obj: Any, **detail: Any) -> None:
    record(
        Event.about(AuditAction.READ, obj, detail={"via": "api", **detail}), actor=actor(request)
    )


def audit_list(
    request: HttpRequest, object_type: str, ids: list[int], *, patient_id: int | None = None
) -> None:
    user = actor(request)
    record(
        Event(
            AuditAction.LIST,
            object_type,
            patient_id=patient_id,
            clinic_id=user.clinic_id,
            detail={"via": "api", "ids": ids},
        ),
        actor=user,
    )
