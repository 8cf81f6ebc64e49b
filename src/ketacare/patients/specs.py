"""The commands of the patient use cases, validated once for every face.

The weight range is the clinical core's (`clinical.dosing.WEIGHT_RANGE_KG`: the weights
the dosing library and the pharmacokinetics accept; CLINICAL.md gives no range, so it
is an input check against typing errors such as pounds for kilograms). The other
checks are the record's own validators (time zone, phone, date of birth), applied here
so a form, the API and a command are refused alike and in the same words.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from pydantic import AfterValidator, WithJsonSchema

from ketacare.accounts.validators import validate_phone, validate_timezone
from ketacare.clinical.dosing import WEIGHT_RANGE_KG
from ketacare.kernel import specs
from ketacare.kernel.specs import Spec
from ketacare.patients.models import (
    WEIGHT_MAX_KG,
    WEIGHT_MIN_KG,
    Indication,
    Jurisdiction,
    PatientReturns,
    SexAtBirth,
)
from ketacare.patients.phases import Phase
from ketacare.patients.validators import validate_date_of_birth


def _as_record_checks(validator: Callable[[Any], None]) -> AfterValidator:
    """A Django validator of the record, refusing with its own words."""

    def check(value: Any) -> Any:
        if value in ("", None):
            return value
        try:
            validator(value)
        except ValidationError as exc:
            raise specs.refuse("invalid", "{reason}", reason=" ".join(exc.messages)) from None
        return value

    return AfterValidator(check)


def _in_weight_range(value: Decimal) -> Decimal:
    if not WEIGHT_MIN_KG <= value <= WEIGHT_MAX_KG:
        raise specs.refuse(
            "weight",
            "Give the weight in kilograms, from {low} to {high}.",
            low=WEIGHT_MIN_KG,
            high=WEIGHT_MAX_KG,
        )
    return value


Weight = Annotated[  # type: ignore[valid-type]
    specs.amount("kg", places=1, most=float(WEIGHT_MAX_KG)),
    AfterValidator(_in_weight_range),
    WithJsonSchema(
        {"type": "number", "minimum": WEIGHT_RANGE_KG[0], "maximum": WEIGHT_RANGE_KG[1]}
    ),
]
Phone = Annotated[  # type: ignore[valid-type]
    specs.text(32, required="Give a phone number."), _as_record_checks(validate_phone)
]
Name = specs.text(200, required="Give the full name.")


class PatientSpec(Spec):
    """A patient's record as staff register or edit it (the clinic and phase are not here)."""

    legal_name: Name  # type: ignore[valid-type]
    date_of_birth: Annotated[specs.Day, _as_record_checks(validate_date_of_birth)]
    sex_at_birth: specs.choice(SexAtBirth)  # type: ignore[valid-type]
    weight_kg: Weight  # type: ignore[valid-type]
    timezone: Annotated[  # type: ignore[valid-type]
        specs.text(64, required="Give the time zone the patient lives in."),
        _as_record_checks(validate_timezone),
    ]
    phone: Phone  # type: ignore[valid-type]
    email: Annotated[specs.text(254), _as_record_checks(validate_email)] = ""  # type: ignore[valid-type]
    emergency_contact_name: Name  # type: ignore[valid-type]
    emergency_contact_phone: Phone  # type: ignore[valid-type]
    indication: specs.choice(Indication)  # type: ignore[valid-type]
    # The home address (printed on prescriptions; none is written without it).
    address_line1: specs.text(200) = ""  # type: ignore[valid-type]
    address_line2: specs.text(200) = ""  # type: ignore[valid-type]
    address_city: specs.text(100) = ""  # type: ignore[valid-type]
    address_region: specs.text(100) = ""  # type: ignore[valid-type]
    address_postal_code: specs.text(20) = ""  # type: ignore[valid-type]

    def fields(self) -> dict[str, Any]:
        """The record's fields by name (the choices are str enums, stored as their value)."""
        return self.model_dump()


class RegistrationSpec(PatientSpec):
    """A new record: the patient's fields, and whether staff confirmed a flagged duplicate."""

    # Staff checked that a record flagged as possibly the same person is someone else.
    not_a_duplicate: specs.YesNo = False

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude={"not_a_duplicate"})


class SitterSpec(Spec):
    """A sitter staff register for a patient."""

    name: Name  # type: ignore[valid-type]
    phone: Phone  # type: ignore[valid-type]
    email: Annotated[specs.text(254), _as_record_checks(validate_email)] = ""  # type: ignore[valid-type]
    relationship: specs.text(100) = ""  # type: ignore[valid-type]
    adult_confirmed: specs.YesNo = False


class ConsentDocumentSpec(Spec):
    """A new version of the clinic's treatment consent."""

    title: specs.text(200, required="Give the consent document a title.")  # type: ignore[valid-type]
    body: specs.text(100_000, required="The consent text is empty.")  # type: ignore[valid-type]


class SignatureSpec(Spec):
    """A signature on one version of the consent: the full name, typed."""

    signature_name: specs.text(200, required="Type the full name to sign.")  # type: ignore[valid-type]


class PhaseMoveSpec(Spec):
    """A move to another phase; the reason is needed to decline, return, pause or discharge."""

    target: specs.choice(Phase)  # type: ignore[valid-type]
    reason: specs.text(5000) = ""  # type: ignore[valid-type]


class ProtocolSpec(Spec):
    """A new version of the clinic's protocol: settings to change (None: back to the default)."""

    changes: dict[str, int | float | None]
    reason: specs.text(5000, required="Say why the protocol changes.")  # type: ignore[valid-type]
    # Whether a plan revision waits for a prescriber's signed review note (None: as now).
    review_note_before_revision: specs.YesNo | None = None
    # Whose controlled-substance law the records follow, and whether the clinic takes back
    # patients' units (21 CFR 1317: only an authorised collector may); None: as now.
    jurisdiction: specs.choice(Jurisdiction) | None = None  # type: ignore[valid-type]
    patient_returns: specs.choice(PatientReturns) | None = None  # type: ignore[valid-type]
