"""What every inspection record shares: who may read it, the registrant, words for stock.

`registrant(actor)` checks the policy row and reads the actor's clinic and its current
protocol (two queries): the header of every record. Times are in the clinic's zone,
named on the record, never UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ketacare.accounts.models import Clinic
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock, policy
from ketacare.kernel.errors import NotFound
from ketacare.patients.models import Jurisdiction, PatientReturns
from ketacare.patients.protocol import current_protocol
from ketacare.pharmacy.models import FormulationKind, Product
from ketacare.reports.inspection.jurisdiction import RETURNS_WORDS, Law, law_of
from ketacare.treatment.dispensing.fills import units_in_words

if TYPE_CHECKING:
    from ketacare.accounts.models import User

USE_CASE = "read_inspection_records"
OBJECT_TYPE = "reports.InspectionRecord"
NOT_RECORDED = "Not recorded"
NO_CLINIC = "An account of no clinic has no clinic's records: sign in as the clinic's staff."


@dataclass(frozen=True)
class Registrant:
    """The clinic as a registrant: the header of every record."""

    clinic_id: int
    name: str
    registration_number: str
    address_lines: tuple[str, ...]
    zone: str
    returns: str
    law: Law

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def at(self, moment: datetime | None) -> str:
        """A moment on the clinic's clock: "2025-03-03 18:00"."""
        if moment is None:
            return NOT_RECORDED
        return f"{moment.astimezone(self.tz):%Y-%m-%d %H:%M}"

    def day_bounds(self, first: date, last: date) -> tuple[datetime, datetime]:
        """From the start of `first` to the end of `last`, on the clinic's calendar."""
        start = datetime.combine(first, time.min, tzinfo=self.tz)
        end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=self.tz)
        return start, end


def registrant(actor: User) -> Registrant:
    """The actor's clinic as a registrant; NotAllowed without the row, NotFound without one."""
    policy.require_role(actor, policy.rule(USE_CASE))
    if actor.clinic_id is None:
        raise NotFound(NO_CLINIC)
    return clinic_registrant(actor.clinic_id)


def clinic_registrant(clinic_id: int) -> Registrant:
    """The clinic as a registrant, with its jurisdiction's law (two queries)."""
    clinic = Clinic.objects.filter(pk=clinic_id).first()
    if clinic is None:
        raise NotFound(NO_CLINIC)
    protocol = current_protocol(clinic.pk)
    jurisdiction = protocol.jurisdiction if protocol is not None else Jurisdiction.US
    returns = protocol.patient_returns if protocol is not None else PatientReturns.NOT_ACCEPTED
    lines = tuple(line.strip() for line in clinic.registered_address.splitlines() if line.strip())
    return Registrant(
        clinic_id=clinic.pk,
        name=clinic.name,
        registration_number=clinic.dea_registration_number or NOT_RECORDED,
        address_lines=lines or (NOT_RECORDED,),
        zone=clinic.timezone,
        returns=RETURNS_WORDS[returns],
        law=law_of(jurisdiction),
    )


def printed_at(reg: Registrant) -> str:
    return reg.at(clock.now())


def strength_and_form(product: Product) -> str:
    """The finished form as a record names it: "50 mg troche, scored"."""
    kind = FormulationKind(product.formulation_kind)
    if kind == FormulationKind.NASAL_SPRAY:
        return (
            f"{plain(product.concentration_mg_per_ml)} mg/mL nasal spray, "
            f"{plain(product.spray_volume_ml)} mL a spray"
        )
    if kind == FormulationKind.ESKETAMINE_DEVICE:
        return str(kind.label)
    scored = ", scored" if product.scored else ""
    return f"{plain(product.strength_mg)} mg {kind.label.lower()}{scored}"


def strength(product: Product) -> str:
    """The strength alone, the form apart: "50 mg", "100 mg/mL, 0.1 mL a spray", "28 mg"."""
    kind = FormulationKind(product.formulation_kind)
    if kind == FormulationKind.NASAL_SPRAY:
        return (
            f"{plain(product.concentration_mg_per_ml)} mg/mL, "
            f"{plain(product.spray_volume_ml)} mL a spray"
        )
    if kind == FormulationKind.ESKETAMINE_DEVICE:
        return "28 mg a device"  # the device's own label (FormulationKind.ESKETAMINE_DEVICE)
    scored = " (scored)" if product.scored else ""
    return f"{plain(product.strength_mg)} mg{scored}"


def plain(value: Decimal | None) -> str:
    """12.50 as "12.5", 100.00 as "100"."""
    if value is None:
        return NOT_RECORDED
    whole = value.to_integral_value()
    return f"{whole if value == whole else value.normalize():f}"


def units(product: Product, quantity: Decimal | int) -> str:
    """A quantity in the product's own units: "1,200 troches"."""
    return units_in_words(product, float(quantity))


def audit_read(actor: User, reg: Registrant, what: str, detail: dict[str, Any]) -> None:
    """One audit entry for one view of a record: which record, asked how."""
    record(
        Event(
            AuditAction.READ,
            OBJECT_TYPE,
            object_id=what,
            clinic_id=reg.clinic_id,
            detail={"via": f"inspection {what}"} | detail,
        ),
        actor=actor,
    )
