"""State PDMP checks (prescriber only), and the prescriber's identity on a prescription.

Before a first prescription, a new one, and each refill, a prescriber records that
the state prescription-monitoring program was checked for the patient (the query is
the state's; ketacare records it): a check within the clinic's window (its protocol's
`pdmp_check_window_days`, 30 days by default: clinic's choice, docs/clinical-defaults.md)
must exist, or the prescription is refused with the next step.

A prescription carries the prescriber's DEA registration number and NPI and the
patient's home address (21 CFR 1306.05(a)): `prescriber_identity` copies them when it
is written, or refuses naming what is missing and where to add it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock, usecase
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import require
from ketacare.patients.models import Patient
from ketacare.patients.protocol import clinic_rules
from ketacare.treatment.errors import PdmpCheckMissing, PrescriberIdentityMissing
from ketacare.treatment.models import PdmpCheck
from ketacare.treatment.specs.pdmp import PdmpCheckSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User


def window_days(patient: Patient) -> int:
    """How many days a PDMP check counts for at the patient's clinic."""
    return int(clinic_rules(patient.clinic_id).values["pdmp_check_window_days"])


def recent_check(patient: Patient) -> PdmpCheck | None:
    """The latest PDMP check of the patient within the clinic's window, if any."""
    since = clock.now() - timedelta(days=window_days(patient))
    checks = PdmpCheck.objects.filter(patient_id=patient.pk, checked_at__gte=since)
    return checks.order_by("-checked_at", "-pk").first()


def require_recent_check(patient: Patient, what: str) -> None:
    """Refuse `what` (PdmpCheckMissing) without a PDMP check within the clinic's window."""
    if recent_check(patient) is None:
        days = window_days(patient)
        raise PdmpCheckMissing(
            f"No state PDMP check of this patient in the last {days} days: record the state "
            f"PDMP check first, then {what}."
        )


def prescriber_identity(actor: User, patient: Patient) -> dict[str, str]:
    """The prescriber's DEA number and NPI and the patient's address, as a prescription keeps them.

    Refused (PrescriberIdentityMissing) naming each one missing and where to add it.
    """
    steps = []
    missing = actor.prescriber_identity_missing
    if missing:
        # Staff accounts are edited in the admin, by the clinic's administrators.
        steps.append(
            f"Add your {' and '.join(missing)} on your account page "
            "(your clinic administrator edits it in the admin)"
        )
    address = patient.address_lines
    if not address:
        steps.append("Add the patient's home address on their record")
    if steps:
        raise PrescriberIdentityMissing(
            "A prescription carries the prescriber's DEA registration number and NPI and the "
            f"patient's home address. {'; '.join(steps)}, then write it again."
        )
    return {
        "prescriber_dea_number": actor.dea_number,
        "prescriber_npi": actor.npi,
        "patient_address": "\n".join(address),
    }


@use_case("record_pdmp_check")
def record_pdmp_check(actor: User, patient: Patient, spec: PdmpCheckSpec) -> PdmpCheck:
    """A prescriber records that the state PDMP was checked for the patient, and its result."""
    require(actor, patient, "record_pdmp_check")
    check = PdmpCheck.objects.create(
        patient=patient,
        checked_at=clock.now(),
        checked_by=actor,
        result=spec.result,
        note=spec.note.strip(),
    )
    usecase.note(Event.about(AuditAction.CREATE, check, detail={"result": str(spec.result)}))
    return check
