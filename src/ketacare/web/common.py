"""What every web view shares: who is asking, and the record they may see.

Views are thin: parse the request, call a service or a scoped query, render. A record
of another clinic or another patient is a 404, never a 403: a page never confirms that
a record exists.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from ketacare.accounts.models import User
from ketacare.patients.access import visible_patient_or_none
from ketacare.patients.models import Patient
from ketacare.patients.protocol import clinic_rules


def current_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - login_required ran first
    return request.user


def require_staff(user: User) -> None:
    if not (user.is_superuser or user.is_clinic_staff):
        raise PermissionDenied("This page is for clinic staff.")


def visible_patient(user: User, patient_id: int) -> Patient:
    """A patient this user may see, or 404 (another clinic's, another patient's).

    The denied read is in the audit log (patients.access.denied_read).
    """
    patient = visible_patient_or_none(user, patient_id, via="web")
    if patient is None:
        raise Http404("No Patient matches the given query.")
    return patient


def own_patient(user: User) -> Patient:
    """The signed-in patient's own record, or 404 for anyone who is not a patient."""
    return get_object_or_404(Patient.objects.visible_to(user), user=user)


def hours(span: timedelta) -> str:
    """A rule's span in hours as people say it: "2", "1.5"."""
    return f"{span.total_seconds() / 3600:g}"


def sitter_hours_for(clinic_id: int | None) -> str:
    """How long the clinic's sitter stays after a dose, in hours: "2", "3".

    CLINICAL.md D, "Observation": an adult, sober sitter at least 2 h; a clinic's protocol
    may lengthen it (its observation), so the number is the clinic's rules', never the page's.
    """
    return hours(clinic_rules(clinic_id).safety.sitter_stay)
