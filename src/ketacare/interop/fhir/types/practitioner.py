"""Practitioner: the staff of the clinics whose patients the caller may read.

Id: the user's id. Their roles are listed as qualifications (local role codes); a
prescriber's NPI, when recorded, is an identifier in the US NPI system that FHIR's
identifier registry names.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ketacare.accounts.models import User
from ketacare.accounts.roles import STAFF_ROLES, Role
from ketacare.interop.fhir.codes import PRACTITIONER_ROLE
from ketacare.interop.fhir.registry import (
    Context,
    ResourceType,
    Search,
    no_patient,
    register,
    row_id,
)
from ketacare.patients.models import Patient

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"  # FHIR R4 identifier registry


def _staff(patients: QuerySet[Patient]) -> QuerySet[User]:
    clinics = patients.order_by().values("clinic_id")
    grants = [str(role) for role in STAFF_ROLES]
    return (
        User.objects.filter(clinic_id__in=clinics, role_grants__role__in=grants)
        .distinct()
        .prefetch_related("role_grants")
    )


def find(patients: QuerySet[Patient], search: Search) -> QuerySet[User]:
    del search
    return _staff(patients).order_by("pk")


def lookup(patients: QuerySet[Patient], fhir_id: str) -> User | None:
    pk = row_id(fhir_id)
    return None if pk is None else _staff(patients).filter(pk=pk).first()


def render(user: User, context: Context) -> dict[str, Any]:
    del context
    staff_roles = sorted(role for role in user.roles if role in STAFF_ROLES)
    npi = [{"system": NPI_SYSTEM, "value": user.npi}] if user.npi else []
    return {
        "resourceType": "Practitioner",
        "id": str(user.pk),
        **({"identifier": npi} if npi else {}),
        "active": user.is_active,
        "name": [{"text": user.display_name}],
        "qualification": [
            {
                "code": {
                    "coding": [{"system": PRACTITIONER_ROLE, "code": str(role)}],
                    "text": Role(role).label,
                }
            }
            for role in staff_roles
        ],
    }


register(
    ResourceType(
        name="Practitioner",
        search_params=frozenset(),
        find=find,
        render=render,
        fhir_id=lambda user: str(user.pk),
        lookup=lookup,
        patient_of=no_patient,
        description="The clinic's staff (their roles as qualifications).",
        compartment=False,
    )
)
