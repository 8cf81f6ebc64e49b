"""What the treatment routers share: the free-text reasons and finding a prescription."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Schema
from pydantic import Field, StringConstraints

from ketacare.api.access import visible, visible_patient
from ketacare.api.schemas import NO_NUL
from ketacare.treatment.models import Prescription

Reason = Annotated[str, StringConstraints(pattern=NO_NUL, min_length=1, max_length=2000)]


class VoidIn(Schema):
    reason: Reason = Field(description="Why it is voided.")


def prescription_of(request: HttpRequest, patient_id: int, prescription_id: int) -> Prescription:
    """The prescription, if the actor may see its patient and it (404 otherwise)."""
    patient = visible_patient(request, patient_id)
    found: Prescription = visible(
        request, Prescription.objects, pk=prescription_id, patient=patient
    )
    return found
