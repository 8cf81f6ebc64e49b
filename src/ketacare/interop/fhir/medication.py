"""Ketamine over FHIR R4: MedicationRequest, MedicationDispense, MedicationAdministration.

- MedicationRequest: a prescription (treatment.models.Prescription), with its plan's dose
  and route, its fills (`dispenseRequest`) and the prescription it corrects.
- MedicationDispense: one dispense by a pharmacist, with its lot and expiry in a
  contained Medication (R4 has no lot on the dispense itself).
- MedicationAdministration: a dose taken at home (a dosed DosingSession).

Coding. Ketamine is not in the medicine dictionary (clinical.medicines, which gives RxNorm
codes only where known with confidence) and CLINICAL.md E gives it no code, so the
medication and the route are text only: never a code we cannot source. Doses are in mg
with their UCUM code. CLINICAL.md E: ketamine is a US DEA Schedule III substance; R4 has
no element for a controlled-substance schedule, so the prescription says so in a note.
Instants are UTC, ISO 8601 with their offset.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ketacare.accounts.roles import STAFF_ROLES
from ketacare.interop.fhir import registry
from ketacare.interop.fhir.codes import UCUM
from ketacare.interop.fhir.registry import Context, ResourceType, Search
from ketacare.treatment.models import (
    DOSED_STATUSES,
    UNIT_NOUNS,
    Dispense,
    DosingSession,
    Drug,
    Prescription,
    PrescriptionState,
    Product,
    Route,
    TreatmentPlan,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from ketacare.accounts.models import User
    from ketacare.patients.models import Patient

# CLINICAL.md E: "Ketamine is a US DEA Schedule III substance."
SCHEDULE_III_NOTE = "Ketamine is a US DEA Schedule III controlled substance."


# --- shared by the clinical types (medication, safety, documents) ---------------------------


def instant(at: dt.datetime) -> str:
    """An aware datetime as a FHIR instant: UTC, to the second, with its offset."""
    return at.astimezone(dt.UTC).isoformat(timespec="seconds")


def patient_reference(patient: Patient) -> dict[str, str]:
    return {"reference": f"Patient/{patient.pk}", "display": patient.legal_name}


def person_reference(user: User, patient: Patient) -> dict[str, str]:
    """Staff of the patient's clinic as their Practitioner; anyone else by name only.

    The Practitioner type serves the staff of the readable patients' clinics, so the
    reference resolves for whoever may read this resource.
    """
    if user.clinic_id == patient.clinic_id and user.roles & STAFF_ROLES:
        return {"reference": f"Practitioner/{user.pk}", "display": user.display_name}
    return {"display": user.display_name}


def number(value: Decimal | int) -> int | float:
    """A JSON number for a FHIR decimal: 100.0000 -> 100, 12.5000 -> 12.5."""
    exact = Decimal(value)
    return int(exact) if exact == exact.to_integral_value() else float(exact)


def mg(value: Decimal | int) -> dict[str, Any]:
    return {"value": number(value), "unit": "mg", "system": UCUM, "code": "mg"}


def medication_text(product: Product) -> str:
    """The product in words: "Ketamine (racemic), 50 mg scored troches"."""
    name = product.formulation.name
    if "ketamine" in name.casefold():
        return name[0].upper() + name[1:]
    return f"{Drug(product.drug).label}, {name}"


def medication_concept(product: Product) -> dict[str, Any]:
    return {"text": medication_text(product)}


def route_concept(plan: TreatmentPlan) -> dict[str, Any]:
    return {"text": Route(plan.route).label}


def units(product: Product, quantity: Decimal | int) -> dict[str, Any]:
    """A count of the product's units ("8 troches"): no UCUM code for a troche or a spray."""
    singular, plural = UNIT_NOUNS[product.formulation_kind]
    return {"value": number(quantity), "unit": singular if quantity == 1 else plural}


# --- MedicationRequest -----------------------------------------------------------------------


def request_status(rx: Prescription) -> str:
    """Active; on hold until co-signed; voided: cancelled, or entered-in-error if corrected."""
    state = rx.state
    if state == PrescriptionState.AWAITING_COSIGN:
        return "on-hold"
    if state == PrescriptionState.VOIDED:
        return "entered-in-error" if hasattr(rx, "corrected_by") else "cancelled"
    return "active"


def _request_status_reason(rx: Prescription) -> dict[str, Any] | None:
    if rx.state == PrescriptionState.AWAITING_COSIGN:
        return {"text": "Awaiting a second prescriber's co-sign: " + rx.quantity_reason}
    if rx.state == PrescriptionState.VOIDED:
        return {"text": rx.void_reason}
    return None


def medication_request(rx: Prescription) -> dict[str, Any]:
    """A prescription as a MedicationRequest (R4)."""
    plan = rx.plan
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": str(rx.pk),
        "status": request_status(rx),
        "intent": "order",
        "medicationCodeableConcept": medication_concept(rx),
        "subject": patient_reference(rx.patient),
        "authoredOn": instant(rx.written_at),
        "requester": person_reference(rx.written_by, rx.patient),
        "dosageInstruction": [
            {
                "text": rx.directions,
                "route": route_concept(plan),
                "doseAndRate": [{"doseQuantity": mg(plan.dose_mg)}],
            }
        ],
        "dispenseRequest": {
            # CLINICAL.md G8: not filled more than 6 months after the date of issue.
            "validityPeriod": {
                "start": rx.written_on.isoformat(),
                "end": rx.last_fill_on.isoformat(),
            },
            "numberOfRepeatsAllowed": rx.refills,
            "quantity": units(rx, rx.quantity),
        },
        "note": [{"text": SCHEDULE_III_NOTE}],
    }
    reason = _request_status_reason(rx)
    if reason is not None:
        resource["statusReason"] = reason
    if rx.corrects_id is not None:
        resource["priorPrescription"] = {"reference": f"MedicationRequest/{rx.corrects_id}"}
    return resource


# --- MedicationDispense ----------------------------------------------------------------------


def _fill_words(dispense: Dispense) -> str:
    fill = "First fill" if dispense.fill_number == 1 else f"Refill {dispense.fill_number - 1}"
    return f"{fill}, part {dispense.part}"


def _dispense_notes(dispense: Dispense) -> list[dict[str, str]]:
    notes = []
    if dispense.early:
        notes.append(
            {"text": "Dispensed before the earliest refill date: " + dispense.early_reason}
        )
    if dispense.corrects_id is not None:
        notes.append({"text": f"Replaces the voided dispense {dispense.corrects_id}."})
    return notes


def medication_dispense(dispense: Dispense) -> dict[str, Any]:
    """A dispense as a MedicationDispense (R4); a voided one is entered-in-error."""
    rx = dispense.prescription
    resource: dict[str, Any] = {
        "resourceType": "MedicationDispense",
        "id": str(dispense.pk),
        "contained": [
            {
                "resourceType": "Medication",
                "id": "product",
                "code": medication_concept(rx),
                "batch": {
                    "lotNumber": dispense.lot_number,
                    # A calendar day (the label's), not an instant: no time, no zone.
                    "expirationDate": dispense.expires_on.isoformat(),
                },
            }
        ],
        "status": "entered-in-error" if dispense.is_voided else "completed",
        "medicationReference": {"reference": "#product", "display": medication_text(rx)},
        "subject": patient_reference(dispense.patient),
        "performer": [{"actor": person_reference(dispense.dispensed_by, dispense.patient)}],
        "authorizingPrescription": [{"reference": f"MedicationRequest/{rx.pk}"}],
        "type": {"text": _fill_words(dispense)},
        "quantity": units(rx, dispense.quantity),
        "whenHandedOver": instant(dispense.dispensed_at),
        "dosageInstruction": [{"text": rx.directions, "route": route_concept(rx.plan)}],
    }
    if dispense.is_voided:
        resource["statusReasonCodeableConcept"] = {"text": dispense.void_reason}
    notes = _dispense_notes(dispense)
    if notes:
        resource["note"] = notes
    return resource


# --- MedicationAdministration ----------------------------------------------------------------


def _administration_notes(session: DosingSession) -> list[dict[str, str]]:
    notes = []
    if not session.as_planned and session.planned_dose_mg is not None:
        planned = number(session.planned_dose_mg)
        notes.append({"text": f"Not the plan's dose: the plan's dose was {planned} mg."})
    if session.against_gate:
        notes.append({"text": "Taken although the pre-dose checklist no longer allowed it."})
    return notes


def medication_administration(session: DosingSession) -> dict[str, Any]:
    """A dose taken at home as a MedicationAdministration (R4), given by the patient."""
    plan = session.plan
    taken_at = session.taken_at
    dose_mg = session.dose_mg
    if taken_at is None or dose_mg is None:
        msg = f"session {session.pk} has no dose taken"
        raise ValueError(msg)
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": str(session.pk),
        "status": "completed",
        "medicationCodeableConcept": medication_concept(plan),
        "subject": patient_reference(session.patient),
        "effectiveDateTime": instant(taken_at),
        "performer": [{"actor": patient_reference(session.patient)}],
        "dosage": {"route": route_concept(plan), "dose": mg(dose_mg)},
    }
    if session.as_planned:
        resource["dosage"]["text"] = plan.take
    notes = _administration_notes(session)
    if notes:
        resource["note"] = notes
    return resource


# --- the plug-ins ----------------------------------------------------------------------------


def _prescriptions(patients: QuerySet[Patient]) -> QuerySet[Prescription]:
    related = ("patient", "plan", "written_by", "corrected_by")
    rows = Prescription.objects.filter(patient__in=patients).select_related(*related)
    return rows.prefetch_related("written_by__role_grants")


def _find_requests(patients: QuerySet[Patient], search: Search) -> QuerySet[Prescription]:
    rows = _prescriptions(patients).filter(
        registry.patient_filter(search), registry.date_filter(search, "written_at")
    )
    return rows.order_by("written_at", "pk")


def _lookup_request(patients: QuerySet[Patient], fhir_id: str) -> Prescription | None:
    pk = registry.row_id(fhir_id)
    return None if pk is None else _prescriptions(patients).filter(pk=pk).first()


def _dispenses(patients: QuerySet[Patient]) -> QuerySet[Dispense]:
    related = ("patient", "prescription__plan", "dispensed_by")
    rows = Dispense.objects.filter(patient__in=patients).select_related(*related)
    return rows.prefetch_related("dispensed_by__role_grants")


def _find_dispenses(patients: QuerySet[Patient], search: Search) -> QuerySet[Dispense]:
    rows = _dispenses(patients).filter(
        registry.patient_filter(search), registry.date_filter(search, "dispensed_at")
    )
    return rows.order_by("dispensed_at", "pk")


def _lookup_dispense(patients: QuerySet[Patient], fhir_id: str) -> Dispense | None:
    pk = registry.row_id(fhir_id)
    return None if pk is None else _dispenses(patients).filter(pk=pk).first()


def _doses(patients: QuerySet[Patient]) -> QuerySet[DosingSession]:
    """Sessions whose dose was taken: the others administered nothing."""
    sessions = DosingSession.objects.filter(patient__in=patients, status__in=DOSED_STATUSES)
    return sessions.select_related("patient", "plan")


def _find_doses(patients: QuerySet[Patient], search: Search) -> QuerySet[DosingSession]:
    rows = _doses(patients).filter(
        registry.patient_filter(search), registry.date_filter(search, "taken_at")
    )
    return rows.order_by("taken_at", "pk")


def _lookup_dose(patients: QuerySet[Patient], fhir_id: str) -> DosingSession | None:
    pk = registry.row_id(fhir_id)
    return None if pk is None else _doses(patients).filter(pk=pk).first()


def _render_request(rx: Prescription, _context: Context) -> dict[str, Any]:
    return medication_request(rx)


def _render_dispense(dispense: Dispense, _context: Context) -> dict[str, Any]:
    return medication_dispense(dispense)


def _render_dose(session: DosingSession, _context: Context) -> dict[str, Any]:
    return medication_administration(session)


def _pk(row: Prescription | Dispense | DosingSession) -> str:
    return str(row.pk)


def _patient(row: Prescription | Dispense | DosingSession) -> Patient:
    return row.patient


_PATIENT_AND_DATE = frozenset({"patient", "date"})

registry.register(
    ResourceType(
        name="MedicationRequest",
        reads=("read_prescriptions",),
        search_params=_PATIENT_AND_DATE,  # date: authoredOn
        find=_find_requests,
        render=_render_request,
        fhir_id=_pk,
        lookup=_lookup_request,
        patient_of=_patient,
        description="Ketamine prescriptions, with the plan's dose and route",
    )
)
registry.register(
    ResourceType(
        name="MedicationDispense",
        reads=("read_ledger",),
        search_params=_PATIENT_AND_DATE,  # date: whenHandedOver
        find=_find_dispenses,
        render=_render_dispense,
        fhir_id=_pk,
        lookup=_lookup_dispense,
        patient_of=_patient,
        description="Dispenses of ketamine prescriptions, with lot and expiry",
    )
)
registry.register(
    ResourceType(
        name="MedicationAdministration",
        reads=("read_sessions",),
        search_params=_PATIENT_AND_DATE,  # date: effective[x]
        find=_find_doses,
        render=_render_dose,
        fhir_id=_pk,
        lookup=_lookup_dose,
        patient_of=_patient,
        description="Doses of ketamine taken at home",
    )
)
