"""Safety over FHIR R4: AdverseEvent (reported events) and Consent (signed consent texts).

AdverseEvent. The R4 value sets, with their HL7 code systems:
- seriousness (adverse-event-seriousness): "Serious" or "Non-serious"; a life-threatening
  event is "SeriousIsLifeThreatening" and a fatal one "SeriousResultsInDeath" (ICH E2A,
  as the model's constraint has it: both are serious).
- severity (adverse-event-severity, a required binding: mild | moderate | severe): our
  "life-threatening" grade is beyond "severe", so it is coded severe with its own words
  as the text (its seriousness says life-threatening).
- outcome (adverse-event-outcome): the model's choices are that value set.
The event itself is the reporter's words (no code: CLINICAL.md E gives none). A dose
the event followed is its suspect entity (our MedicationAdministration).

Consent: the patient's signature on one version of the clinic's treatment consent, the
text signed attached (text/plain); scope treatment (consentscope).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.db.models.functions import Coalesce

from ketacare.interop.fhir import registry
from ketacare.interop.fhir.medication import instant, patient_reference, person_reference
from ketacare.interop.fhir.registry import Context, ResourceType, Search
from ketacare.patients.models import Consent
from ketacare.treatment.models import (
    DOSED_STATUSES,
    AdverseEvent,
    AdverseEventOutcome,
    Severity,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from ketacare.accounts.models import User
    from ketacare.patients.models import Patient

SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"

# Our grade -> (R4 severity code, its display).
SEVERITY_CODES: dict[str, tuple[str, str]] = {
    Severity.MILD: ("mild", "Mild"),
    Severity.MODERATE: ("moderate", "Moderate"),
    Severity.SEVERE: ("severe", "Severe"),
    Severity.LIFE_THREATENING: ("severe", "Severe"),
}
OUTCOME_CODES: dict[str, tuple[str, str]] = {
    AdverseEventOutcome.RESOLVED: ("resolved", "Resolved"),
    AdverseEventOutcome.RECOVERING: ("recovering", "Recovering"),
    AdverseEventOutcome.ONGOING: ("ongoing", "Ongoing"),
    AdverseEventOutcome.RESOLVED_WITH_SEQUELAE: ("resolvedWithSequelae", "Resolved with Sequelae"),
    AdverseEventOutcome.FATAL: ("fatal", "Fatal"),
    AdverseEventOutcome.UNKNOWN: ("unknown", "Unknown"),
}


def _coded(system: str, code: str, display: str, text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"system": system, "code": code, "display": display}]}
    if text is not None:
        concept["text"] = text
    return concept


def seriousness(event: AdverseEvent) -> dict[str, Any]:
    """The event's seriousness, most specific first: death, life-threatening, serious."""
    if event.outcome == AdverseEventOutcome.FATAL:
        return _coded(SERIOUSNESS, "SeriousResultsInDeath", "Results in death")
    if event.severity == Severity.LIFE_THREATENING:
        return _coded(SERIOUSNESS, "SeriousIsLifeThreatening", "Is Life-threatening")
    if event.serious:
        return _coded(SERIOUSNESS, "Serious", "Serious")
    return _coded(SERIOUSNESS, "Non-serious", "Non-serious")


def severity(event: AdverseEvent) -> dict[str, Any]:
    code, display = SEVERITY_CODES[event.severity]
    return _coded(SEVERITY, code, display, Severity(event.severity).label)


def outcome(event: AdverseEvent) -> dict[str, Any]:
    code, display = OUTCOME_CODES[event.outcome]
    return _coded(OUTCOME, code, display)


def _reporter(event: AdverseEvent, user: User) -> dict[str, str]:
    """The patient about themself, by reference; anyone else by name."""
    if event.patient.user_id is not None and event.patient.user_id == user.pk:
        return patient_reference(event.patient)
    return person_reference(user, event.patient)


def adverse_event(event: AdverseEvent) -> dict[str, Any]:
    """An adverse event as an AdverseEvent (R4): actual, with its reporter's words."""
    resource: dict[str, Any] = {
        "resourceType": "AdverseEvent",
        "id": str(event.pk),
        "actuality": "actual",
        "event": {"text": event.description},
        "subject": patient_reference(event.patient),
        "recordedDate": instant(event.reported_at),
        "recorder": _reporter(event, event.reported_by),
        "seriousness": seriousness(event),
        "severity": severity(event),
        "outcome": outcome(event),
    }
    if event.onset_at is not None:
        resource["date"] = instant(event.onset_at)
    session = event.session
    if session is not None and session.status in DOSED_STATUSES:
        dose = {"reference": f"MedicationAdministration/{session.pk}"}
        resource["suspectEntity"] = [{"instance": dose}]
    return resource


def consent(signed: Consent) -> dict[str, Any]:
    """A signature on a consent text as a Consent (R4): active, scope treatment."""
    document = signed.document
    label = document.get_kind_display()
    return {
        "resourceType": "Consent",
        "id": str(signed.pk),
        "status": "active",
        "scope": _coded(CONSENT_SCOPE, "treatment", "Treatment"),
        "category": [{"text": label}],
        "patient": patient_reference(signed.patient),
        "dateTime": instant(signed.signed_at),
        "performer": [_signer(signed)],
        "organization": [{"display": signed.patient.clinic.name}],
        "sourceAttachment": {
            "contentType": "text/plain; charset=utf-8",
            "language": "en",
            "data": base64.b64encode(document.body.encode("utf-8")).decode("ascii"),
            "title": f"{document.title} (version {document.version})",
            "creation": instant(document.published_at),
        },
        "policyRule": {"text": f"{label}, version {document.version}"},
        "provision": {"type": "permit", "period": {"start": instant(signed.signed_at)}},
    }


def _signer(signed: Consent) -> dict[str, str]:
    """Who signed: the patient (by reference), or the named person who signed for them."""
    patient = signed.patient
    if patient.user_id is not None and patient.user_id == signed.signed_by_id:
        return patient_reference(patient)
    return {"display": signed.signature_name}


# --- the plug-ins ----------------------------------------------------------------------------


def _events(patients: QuerySet[Patient]) -> QuerySet[AdverseEvent]:
    # `date=` searches when it happened: its onset, or when it was reported if unknown.
    happened_at = Coalesce(F("onset_at"), F("reported_at"))
    return (
        AdverseEvent.objects.filter(patient__in=patients)
        .annotate(happened_at=happened_at)
        .select_related("patient", "session", "reported_by")
        .prefetch_related("reported_by__role_grants")
    )


def _find_events(patients: QuerySet[Patient], search: Search) -> QuerySet[AdverseEvent]:
    rows = _events(patients).filter(
        registry.patient_filter(search), registry.date_filter(search, "happened_at")
    )
    return rows.order_by("happened_at", "pk")


def _lookup_event(patients: QuerySet[Patient], fhir_id: str) -> AdverseEvent | None:
    pk = registry.row_id(fhir_id)
    return None if pk is None else _events(patients).filter(pk=pk).first()


def _consents(patients: QuerySet[Patient]) -> QuerySet[Consent]:
    rows = Consent.objects.filter(patient__in=patients)
    return rows.select_related("patient__clinic", "document")


def _find_consents(patients: QuerySet[Patient], search: Search) -> QuerySet[Consent]:
    rows = _consents(patients).filter(
        registry.patient_filter(search), registry.date_filter(search, "signed_at")
    )
    return rows.order_by("signed_at", "pk")


def _lookup_consent(patients: QuerySet[Patient], fhir_id: str) -> Consent | None:
    pk = registry.row_id(fhir_id)
    return None if pk is None else _consents(patients).filter(pk=pk).first()


def _render_event(event: AdverseEvent, _context: Context) -> dict[str, Any]:
    return adverse_event(event)


def _render_consent(signed: Consent, _context: Context) -> dict[str, Any]:
    return consent(signed)


def _pk(row: AdverseEvent | Consent) -> str:
    return str(row.pk)


def _patient(row: AdverseEvent | Consent) -> Patient:
    return row.patient


registry.register(
    ResourceType(
        name="AdverseEvent",
        reads=("read_adverse_events",),
        search_params=frozenset({"patient", "date"}),  # date: onset, else when reported
        find=_find_events,
        render=_render_event,
        fhir_id=_pk,
        lookup=_lookup_event,
        patient_of=_patient,
        description="Adverse events reported by patients, sitters and staff",
    )
)
registry.register(
    ResourceType(
        name="Consent",
        reads=("read_record",),
        search_params=frozenset({"patient", "date"}),  # date: when signed
        find=_find_consents,
        render=_render_consent,
        fhir_id=_pk,
        lookup=_lookup_consent,
        patient_of=_patient,
        description="Patients' signatures on the clinic's treatment consent",
    )
)
