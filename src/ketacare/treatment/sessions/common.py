"""What the checklist, the dose and the window after it share: findings, access, counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ketacare.clinical import safety
from ketacare.patients.access import require
from ketacare.patients.models import Patient
from ketacare.treatment.models import DOSED_STATUSES, DosingSession

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


def require_session_actor(actor: User, patient: Patient, use_case: str) -> None:
    """The session's people: the patient, one of their sitters, or the clinic's session staff.

    `use_case` is the row of kernel.policy that names them (the session's use cases share
    the same roles).
    """
    require(actor, patient, use_case)


def read(value: _T | None) -> _T:
    """A value known to be set (a dosed session's time, say); None here is a bug."""
    if value is None:
        raise AssertionError("a value that is always set here was None")
    return value


def doses_taken(patient: Patient) -> int:
    return DosingSession.objects.filter(patient_id=patient.pk, status__in=DOSED_STATUSES).count()
