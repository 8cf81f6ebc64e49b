"""Every FHIR resource type served: importing this package registers them all.

A new type's module registers itself at import (registry.register) and gets its line here.
"""

from ketacare.interop.fhir.types import (
    condition,
    observation,
    patient,
    practitioner,
    questionnaire,
    questionnaire_response,
)

__all__ = [
    "condition",
    "observation",
    "patient",
    "practitioner",
    "questionnaire",
    "questionnaire_response",
]
