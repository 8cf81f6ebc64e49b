"""What the session routers share: the findings' shape, and finding a visible session."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Schema
from pydantic import Field

from ketacare.api.access import visible
from ketacare.patients.models import Patient
from ketacare.treatment.models import DosingSession


class FindingOut(Schema):
    cause: str = Field(description="What was found, as a code.")
    severity: str = Field(description="How pressing.")
    message: str = Field(description="What it means, in words.")
    next_step: str = Field(description="What to do now.")
    source: str = Field(description="The rule's source (CLINICAL.md section).")


def session_of(request: HttpRequest, patient: Patient, session_id: int) -> DosingSession:
    found: DosingSession = visible(request, DosingSession.objects, pk=session_id, patient=patient)
    return found
