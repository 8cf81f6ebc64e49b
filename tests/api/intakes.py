"""An intake submitted through the API, as its patient does: consent, draft, submit."""

from __future__ import annotations

from typing import Any

from ketacare.patients.models import Patient
from tests.factories import ConsentDocumentFactory


def submitted_intake(as_user: Any, patient: Patient, data: dict[str, Any]) -> dict[str, Any]:
    """Sign the clinic's consent, save `data` as the draft and submit it; the intake out."""
    me, base = as_user(patient.user), f"patients/{patient.pk}"
    document = ConsentDocumentFactory(clinic=patient.clinic)
    signed = {"document_id": document.pk, "signature_name": patient.legal_name}
    assert me.post(f"{base}/consents", signed).status_code == 201
    intake = me.post(f"{base}/intakes").json()
    assert me.put(f"{base}/intakes/{intake['id']}/draft", data).status_code == 200
    response = me.post(f"{base}/intakes/{intake['id']}/submit")
    assert response.status_code == 200, response.json()
    return response.json()  # type: ignore[no-any-return]
