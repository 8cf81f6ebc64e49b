"""The roles a person can hold in a clinic. A user may hold several."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    PATIENT = "patient", "Patient"
    SITTER = "sitter", "Sitter"
    CLINICIAN = "clinician", "Clinician"
    PRESCRIBER = "prescriber", "Prescriber"
    PHARMACIST = "pharmacist", "Pharmacist"
    COORDINATOR = "coordinator", "Care coordinator"
    ADMIN = "admin", "Clinic administrator"


# Roles that work for the clinic and so see the clinic's patients.
STAFF_ROLES = frozenset(
    {Role.CLINICIAN, Role.PRESCRIBER, Role.PHARMACIST, Role.COORDINATOR, Role.ADMIN}
)
# Who may do which use case (edit a record, move a phase...): kernel.policy's table.
