"""The demo clinic's people as the journeys use them: who plans, reviews, dispenses."""

from __future__ import annotations

from dataclasses import dataclass

from ketacare.accounts.models import User
from ketacare.accounts.roles import Role
from ketacare.patients.models import ConsentDocument


@dataclass(frozen=True)
class Cast:
    """The demo clinic's staff, and the consent text its patients sign."""

    prescriber: User  # dr.rivera: plans, prescriptions, phase moves, witness
    clinician: User  # dr.chen: eligibility reviews, adverse events
    pharmacist: User
    coordinator: User
    consent: ConsentDocument

    @classmethod
    def of(cls, clinic_id: int) -> Cast:
        staff = list(
            User.objects.filter(clinic_id=clinic_id, is_staff=True)
            .prefetch_related("role_grants")
            .order_by("pk")
        )

        def first(role: Role, *, unless: Role | None = None) -> User:
            return next(u for u in staff if role in u.roles and unless not in u.roles)

        return cls(
            prescriber=first(Role.PRESCRIBER),
            clinician=first(Role.CLINICIAN, unless=Role.PRESCRIBER),
            pharmacist=first(Role.PHARMACIST),
            coordinator=first(Role.COORDINATOR),
            consent=ConsentDocument.objects.filter(clinic_id=clinic_id).latest("version"),
        )
