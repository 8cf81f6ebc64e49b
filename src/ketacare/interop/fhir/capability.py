"""The CapabilityStatement: every registered type, its interactions and search parameters."""

from __future__ import annotations

from typing import Any

from ketacare.interop.fhir import registry
from ketacare.interop.fhir.registry import ResourceType
from ketacare.interop.fhir.search import DEFAULT_COUNT, MAX_COUNT
from ketacare.kernel import clock

EVERYTHING = "http://hl7.org/fhir/OperationDefinition/Patient-everything"
_PARAMS = {
    "patient": ("reference", "The patient: patient=12 or patient=Patient/12 (commas: any of)."),
    "code": ("token", "[system|]code; without a system, any system (commas: any of)."),
    "date": (
        "date",
        (
            "[prefix]date, prefixes eq ne lt gt le ge sa eb ap, at year, month, day or instant "
            "precision (no zone: UTC); repeat it for a range (date=ge2026-01&date=lt2026-07)."
        ),
    ),
}
PAGING = (
    f"Searches are paged: _count rows per page (default {DEFAULT_COUNT}, at most "
    f"{MAX_COUNT}: a larger _count gives {MAX_COUNT}), _offset rows skipped; Bundle.total "
    "counts every match and the links self, next and previous lead through the pages. "
    "_include=<Type>:patient adds each patient of the page (search mode include). "
    "Patient/<id>/$everything returns the patient's whole record in one Bundle (not paged). "
    "A parameter this server does not know is refused (400), never ignored."
)
SECURITY = (
    "Authorization: Bearer <token> from POST /api/v1/auth/token (the REST API's tokens, "
    "with its second factor), or a signed-in browser session. Staff read their clinic's "
    "patients, a patient their own record; anything else is a 404."
)


def capability_statement(base_url: str) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": clock.now().date().isoformat(),
        "publisher": "ketacare",
        "kind": "instance",
        "software": {"name": "ketacare"},
        "implementation": {
            "description": "ketacare FHIR R4 server (read and search)",
            "url": base_url,
        },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": PAGING,
                "security": {"description": SECURITY},
                "resource": [_resource(t) for t in registry.registered()],
            }
        ],
    }


def _resource(resource_type: ResourceType) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "type": resource_type.name,
        "documentation": resource_type.description or resource_type.name,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
    }
    if resource_type.profiles:
        resource["supportedProfile"] = list(resource_type.profiles)
    params = [
        {"name": name, "type": _PARAMS[name][0], "documentation": _PARAMS[name][1]}
        for name in sorted(resource_type.search_params)
    ]
    if params:
        resource["searchParam"] = params
    if resource_type.compartment:
        resource["searchInclude"] = [f"{resource_type.name}:patient"]
    if resource_type.name == "Patient":
        resource["operation"] = [{"name": "everything", "definition": EVERYTHING}]
    return resource
