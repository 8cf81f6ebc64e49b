"""What the FHIR face answers, for an actor: reads, searches and `$everything`, audited.

Who reads what is the policy row `read_fhir`: staff of the patient's clinic, the
patient themself, the installation's superuser. Anyone else (a sitter, another
clinic's staff, another patient) finds nothing: a read is a 404, a search an empty
Bundle. Every patient whose data an answer carries is audited as a read (READ about
the patient, detail via "fhir" and the resources); a 404 records a denied read of the
id asked for (patients.access.denied_read for a Patient; the type and id otherwise),
never a read of the record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import Q, QuerySet

from ketacare.accounts.models import User
from ketacare.accounts.roles import Role
from ketacare.audit.log import Event, record_many
from ketacare.audit.models import AuditAction
from ketacare.interop.fhir import bundle, registry, search, types
from ketacare.interop.fhir.outcome import FhirError, bad_parameter, not_found
from ketacare.interop.fhir.registry import Context, ResourceType, Search
from ketacare.kernel import policy
from ketacare.patients.access import denied_read
from ketacare.patients.models import Patient

USE_CASE = "read_fhir"
VIA = "fhir"
__all__ = ["patient_everything", "read", "readable_patients", "search_type", "types"]


def readable_patients(actor: User) -> QuerySet[Patient]:
    """The patients `actor` may read over FHIR (the row `read_fhir`, within their scope)."""
    rule = policy.rule(USE_CASE)
    allowed = Q(pk__in=[])
    if rule.superuser and actor.is_superuser:
        allowed = Q()
    if actor.clinic_id is not None and {str(r) for r in actor.roles} & rule.staff:
        allowed |= Q(clinic_id=actor.clinic_id)
    if rule.own and actor.has_role(Role.PATIENT):
        allowed |= Q(user_id=actor.pk)
    return Patient.objects.visible_to(actor).filter(allowed).select_related("clinic")


def patients_for(actor: User, kind: ResourceType) -> QuerySet[Patient]:
    """The patients whose `kind` resources `actor` may read: none if a REST read refuses."""
    if not all(policy.may(actor, use_case) for use_case in kind.reads):
        return Patient.objects.none()
    return readable_patients(actor)


def resource_type(name: str) -> ResourceType:
    found = registry.get(name)
    if found is None:
        known = ", ".join(t.name for t in registry.registered())
        raise FhirError(
            404, "not-supported", f"This server has no {name[:40]!r}; it serves {known}."
        )
    return found


def read(actor: User, type_name: str, fhir_id: str, *, base_url: str) -> dict[str, Any]:
    """One resource by id (FhirError 404 when the actor may not read it)."""
    kind = resource_type(type_name)
    row = kind.lookup(patients_for(actor, kind), fhir_id)
    if row is None:
        _denied(actor, kind, fhir_id)
        raise not_found(kind.name, fhir_id)
    resource = kind.render(row, Context(base_url))
    patient = kind.patient_of(row)
    if patient is not None:
        _audit(actor, {patient.pk: patient}, {patient.pk: [f"{kind.name}/{resource['id']}"]})
    return resource


def search_type(
    actor: User, type_name: str, params: Mapping[str, Sequence[str]], *, base_url: str
) -> dict[str, Any]:
    """A searchset Bundle of one page of `type_name` (FhirError 400 for a bad parameter)."""
    kind = resource_type(type_name)
    parsed, paging = search.parse(kind, params)
    rows = kind.find(patients_for(actor, kind), parsed)
    page = bundle.page_of(rows, paging)
    included = bundle.included_patients(kind, page.rows) if paging.include_patient else []
    links = bundle.page_links(f"{base_url}/{kind.name}", params, paging, page.total)
    result = bundle.searchset(kind, page, Context(base_url), links, included)
    _audit_bundle(actor, result, kind, page.rows)
    return result


def everything(
    actor: User, patient_id: str, params: Mapping[str, Sequence[str]], *, base_url: str
) -> dict[str, Any]:
    """`Patient/<id>/$everything`: no parameters beyond _format (the Bundle is whole)."""
    for name in params:
        if name != "_format":
            msg = f"$everything takes no parameter {name!r}: it returns the whole record."
            raise bad_parameter(msg)
    patient = registry.get("Patient")
    found = None if patient is None else patient.lookup(patients_for(actor, patient), patient_id)
    if found is None:
        denied_read(actor, patient_id, VIA)
        raise not_found("Patient", patient_id)
    return patient_everything(actor, found, base_url=base_url)


def patient_everything(
    actor: User, patient: Patient, *, base_url: str, via: str = VIA
) -> dict[str, Any]:
    """Every resource of `patient` from every registered type, one whole searchset Bundle.

    The patient first, then each type with a patient (by name), each in its own order.
    Refuses (FhirError 404, a denied read recorded) a patient the actor may not read.
    """
    mine = readable_patients(actor).filter(pk=patient.pk)
    if not mine.exists():
        denied_read(actor, patient.pk, via)
        raise not_found("Patient", str(patient.pk))
    context = Context(base_url)
    entries: list[dict[str, Any]] = []
    for kind in _compartment_types():
        if not all(policy.may(actor, use_case) for use_case in kind.reads):
            continue  # a type the actor's roles may not read (kernel.policy)
        rows = kind.find(mine, Search())
        entries += [bundle.entry(kind, row, context, "match") for row in rows]
    ids = [f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in entries]
    _audit(actor, {patient.pk: patient}, {patient.pk: ids}, what="$everything", via=via)
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}


def _compartment_types() -> list[ResourceType]:
    kinds = [t for t in registry.registered() if t.compartment]
    return sorted(kinds, key=lambda t: (t.name != "Patient", t.name))


def _audit_bundle(
    actor: User, result: dict[str, Any], kind: ResourceType, rows: Iterable[Any]
) -> None:
    patients: dict[int, Patient] = {}
    read_ids: dict[int, list[str]] = {}
    for row in rows:
        patient = kind.patient_of(row)
        if patient is not None:
            patients.setdefault(patient.pk, patient)
            read_ids.setdefault(patient.pk, []).append(f"{kind.name}/{kind.fhir_id(row)}")
    for item in result.get("entry", []):
        if item["search"]["mode"] == "include":
            pk = int(item["resource"]["id"])
            read_ids.setdefault(pk, []).append(f"Patient/{pk}")
    for pk in read_ids:
        patients.setdefault(pk, Patient.objects.get(pk=pk))
    _audit(actor, patients, read_ids)


def _audit(
    actor: User,
    patients: Mapping[int, Patient],
    read_ids: Mapping[int, list[str]],
    *,
    what: str = "",
    via: str = VIA,
) -> None:
    events = []
    for pk, patient in patients.items():
        detail: dict[str, Any] = {"via": via, "resources": read_ids.get(pk, [])[:200]}
        if what:
            detail["what"] = what
        events.append(Event.about(AuditAction.READ, patient, detail=detail))
    record_many(events, actor=actor)


def _denied(actor: User, kind: ResourceType, fhir_id: str) -> None:
    if kind.name == "Patient":
        denied_read(actor, fhir_id, VIA)
        return
    asked = fhir_id[:64]
    detail = {"denied": True, "asked_for": f"{kind.name}/{asked}", "via": VIA}
    record_many([Event(AuditAction.READ, f"fhir.{kind.name}", asked, detail=detail)], actor=actor)
