"""What the checklist, the dose and the window after it share: findings, readers, access."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ketacare.clinical import safety
from ketacare.clinical.vitals import BloodPressure
from ketacare.patients.models import Patient
from ketacare.treatment.access import SESSION_STAFF, require
from ketacare.treatment.models import DOSED_STATUSES, DosingSession
from ketacare.treatment.parsing import Errors

if TYPE_CHECKING:
    from ketacare.accounts.models import User


_T = TypeVar("_T")


def finding_json(finding: safety.Finding) -> dict[str, str]:
    return {
        "cause": finding.cause.value,
        "severity": finding.severity.value,
        "message": finding.message,
        "next_step": finding.next_step,
        "source": finding.source,
    }


def finding_from_json(stored: Mapping[str, Any]) -> safety.Finding:
    """A finding as `finding_json` stored it, read back."""
    return safety.Finding(
        severity=safety.Severity(stored["severity"]),
        cause=safety.Cause(stored["cause"]),
        message=str(stored.get("message", "")),
        source=str(stored.get("source", "")),
        next_step=str(stored.get("next_step", "")),
    )


def require_session_actor(actor: User, patient: Patient, what: str) -> None:
    require(actor, patient, SESSION_STAFF, what, own=True, sitter=True)


def blood_pressure(systolic: object, diastolic: object, errors: Errors) -> BloodPressure | None:
    if type(systolic) is not int or type(diastolic) is not int:
        errors.add("blood_pressure", "Give both numbers of the blood pressure, as whole numbers.")
        return None
    try:
        return BloodPressure(systolic, diastolic)
    except ValueError as exc:
        errors.add("blood_pressure", str(exc))
        return None


def read(value: _T | None) -> _T:
    """A value its reader returned without error (after `Errors.raise_if_any`).

    A reader returns None only after noting an error, and raise_if_any refused those,
    so None here is a bug in this module, not bad input.
    """
    if value is None:
        raise AssertionError("a reader returned None without noting an error")
    return value


def doses_taken(patient: Patient) -> int:
    return DosingSession.objects.filter(patient_id=patient.pk, status__in=DOSED_STATUSES).count()
