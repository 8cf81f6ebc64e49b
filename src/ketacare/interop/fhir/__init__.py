"""FHIR R4 (read and search, JSON) over the record.

The registry of resource types, search parsing, paging, the CapabilityStatement and
`$everything`.

`registry` holds the plug-in interface every resource type implements; `types` imports
every type's module (so registering them); `server` answers reads, searches and
`$everything` for an actor, with the audit entries; the HTTP face (ketacare.api.fhir)
turns its answers into responses. A portal download calls
`ketacare.interop.fhir.server.patient_everything`.
"""

from ketacare.interop.fhir import documents, medication, safety  # noqa: F401 - registers them
from ketacare.interop.fhir.server import patient_everything

__all__ = ["patient_everything"]
