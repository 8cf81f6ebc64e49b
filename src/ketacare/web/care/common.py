"""What the care screens share: who may open them, and service errors shown on a form.

The services decide; these helpers only carry their refusals to the page. A
ValidationError names fields by the service's paths ("formulation.strength_mg",
"caps.max_mg_per_session"); each form maps those paths to its own fields, and a path
it does not know goes to the error summary at the top, in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from ketacare.accounts.models import User
from ketacare.accounts.roles import Role
from ketacare.kernel.errors import DomainError
from ketacare.patients.models import Patient
from ketacare.web.common import current_user, require_role, require_staff, visible_patient

__all__ = [
    "current_user",
    "plain",
    "show_domain_error",
    "show_service_errors",
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


def _field_for(path: str, fields: Mapping[str, str], form: forms.Form) -> str | None:
    """The form field that shows the service's `path`: exact, else its nearest parent."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        name = fields.get(".".join(parts[:end]), ".".join(parts[:end]))
        if name in form.fields:
            return name
    return None


def show_service_errors(
    form: forms.Form, error: ValidationError, fields: Mapping[str, str] | None = None
) -> None:
    """Put a service's ValidationError on `form`, each message next to its field."""
    known = fields or {}
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for path, messages in error.message_dict.items():
        name = None if path == NON_FIELD_ERRORS else _field_for(path, known, form)
        for message in messages:
            if name is None or name in form.errors:
                # A second message for a field already marked goes to the summary.
                form.add_error(None, message)
            else:
                form.add_error(name, message)


def show_domain_error(
    form: forms.Form, error: DomainError, fields: Mapping[str, str] | None = None
) -> None:
    """A refusal of the use case (not a bad field): by its field when it names one."""
    name = None if error.field is None else _field_for(error.field, fields or {}, form)
    form.add_error(name, error.message)
