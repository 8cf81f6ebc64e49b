"""Refusals as OperationOutcome: the status, the FHIR issue code and the reason in words."""

from __future__ import annotations

from typing import Any


class FhirError(Exception):
    """A request the server refuses: answered with an OperationOutcome and `status`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code  # http://hl7.org/fhir/issue-type: invalid, not-found, forbidden...
        self.message = message


def bad_parameter(message: str) -> FhirError:
    return FhirError(400, "invalid", message)


def not_found(type_name: str, fhir_id: str) -> FhirError:
    shown = fhir_id[:64]
    return FhirError(
        404,
        "not-found",
        f"There is no {type_name} with id {shown!r} that you may read. "
        f"Search {type_name} to see the ones you may.",
    )


def operation_outcome(code: str, message: str, severity: str = "error") -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": message}],
    }
