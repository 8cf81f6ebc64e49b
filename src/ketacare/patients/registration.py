"""What a record must be before it is stored: an adult, and not someone already registered.

Checked by `register_patient` and `update_patient` (the age) before anything is saved,
so every face refuses alike:

- Treatment here is for adults (CLINICAL.md D: under 18 is an absolute exclusion, as the
  clinic's eligibility rules say): a younger person cannot be registered for treatment.
- The same person twice (the same name and date of birth, or the same phone or email)
  is flagged before saving, naming the record it may be, so that staff check; they
  register anyway by confirming it is a different person (`not_a_duplicate`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from ketacare.clinical import plausible
from ketacare.kernel import clock
from ketacare.kernel.errors import DomainError
from ketacare.patients.models import Patient
from ketacare.patients.protocol import clinic_rules

if TYPE_CHECKING:
    import datetime as dt


class PossibleDuplicate(DomainError):
    """The record looks like one the clinic holds already (409 until confirmed)."""

    code = "possible_duplicate"


def require_adult(clinic_id: int, born: dt.date) -> None:
    """Refuse a date of birth under the clinic's minimum age for treatment."""
    minimum = clinic_rules(clinic_id).eligibility.minimum_age_years
    age = plausible.age_on(born, clock.localdate())
    if age < minimum:
        raise ValidationError(
            {
                "date_of_birth": (
                    f"This date of birth makes the person {age}: treatment here is for "
                    f"adults ({minimum} and over), so they cannot be registered for it."
                )
            }
        )


def require_no_duplicate(clinic_id: int, fields: dict[str, Any], *, exclude: int | None) -> None:
    """Refuse (PossibleDuplicate) a record like one of the clinic's, naming it."""
    same = Q(date_of_birth=fields["date_of_birth"])
    contact = Q(phone=fields["phone"])
    if fields.get("email"):
        contact |= Q(email__iexact=fields["email"])
    candidates = Patient.objects.filter(Q(clinic_id=clinic_id) & (same | contact))
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude)
    for other in candidates.order_by("pk"):
        why = _alike(other, fields)
        if why:
            raise PossibleDuplicate(
                f"This may be {other.legal_name}, born {other.date_of_birth:%d %B %Y}, record "
                f"{other.record_number}: {why}. Check that it is a different person, then "
                "confirm it to register them.",
                field="not_a_duplicate",
            )


def _alike(other: Patient, fields: dict[str, Any]) -> str:
    if other.date_of_birth == fields["date_of_birth"] and plausible.same_name(
        other.legal_name, fields["legal_name"]
    ):
        return "the same name and date of birth"
    if other.phone == fields["phone"]:
        return "the same phone number"
    email = fields.get("email") or ""
    if email and other.email.casefold() == email.casefold():
        return "the same email address"
    return ""
