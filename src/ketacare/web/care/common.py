"""What the care screens share: who may open them, and amounts in plain words.

A service's refusal goes on the form with `ketacare.web.refusals.show_refusal`; each
form maps the service's paths ("formulation.strength_mg") to its fields.
"""

from __future__ import annotations

from decimal import Decimal

from ketacare.accounts.models import User
from ketacare.accounts.roles import Role
from ketacare.patients.models import Patient
from ketacare.web.common import current_user, require_role, require_staff, visible_patient

__all__ = [
    "current_user",
    "plain",
    "staff_patient",
]


def plain(amount: Decimal) -> Decimal:
    """100.0000 as 100 and 12.5000 as 12.5 (normalize alone would write 1E+2)."""
    whole = amount.to_integral_value()
    return whole if amount == whole else amount.normalize()


def staff_patient(user: User, patient_id: int, *roles: Role, what: str) -> Patient:
    """A patient of the user's clinic (404 otherwise) for staff holding one of `roles` (403)."""
    require_staff(user)
    require_role(user, *roles, what=what)
    return visible_patient(user, patient_id)
