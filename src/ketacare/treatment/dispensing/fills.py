"""Which fill of a prescription comes next, and whether anything may be dispensed on it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from ketacare.clinical import dosing
from ketacare.kernel import clock
from ketacare.patients.models import Patient
from ketacare.treatment.errors import (
    AwaitingCosign,
    NoActivePlan,
    NotForHomeUse,
    PrescriptionExpired,
    PrescriptionVoided,
)
from ketacare.treatment.models import (
    UNIT_NOUNS,
    Dispense,
    Prescription,
    PrescriptionState,
    Product,
    TreatmentPlan,
)


def patient_today(patient: Patient) -> date:
    """Today on the patient's clock: refill dates are the patient's calendar days."""
    return clock.localdate(ZoneInfo(patient.timezone))


def day_in_words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def units_in_words(product: Product, count: float) -> str:
    """`count` units of the product in its own word: "24 troches", "1 spray", "17.5 tablets"."""
    singular, plural = UNIT_NOUNS[product.formulation_kind]
    number = f"{count:,.1f}".removesuffix(".0")
    return f"{number} {singular if 0 < count <= 1 else plural}"


def current_plan(patient: Patient) -> TreatmentPlan:
    plan = TreatmentPlan.objects.filter(patient_id=patient.pk, is_current=True).first()
    if plan is None:
        raise NoActivePlan("The patient has no treatment plan.")
    return plan


def locked_prescription(pk: int) -> Prescription:
    """The prescription, locked until the transaction ends."""
    rx: Prescription = (
        Prescription.objects.select_for_update(no_key=True, of=("self",))
        .select_related("patient")
        .get(pk=pk)
    )
    return rx


# --- Which fill comes next ---------------------------------------------------------------------


@dataclass(frozen=True)
class Fill:
    """Where the next dispense goes: part `part` of fill `number`, `units_left` units left."""

    number: int
    part: int
    units_left: int
    new: bool  # the fill starts with this dispense (a refill from the second fill on)


def fill_after(
    rx: Prescription, dispenses: Iterable[Dispense], *, ignoring: Dispense | None = None
) -> Fill | None:
    """Where the next dispense of `rx` goes, given its dispenses; None when no fill is left.

    The first fill started and not complete, else a new fill while fills are left. A
    voided dispense gives its units back to its fill (its part number stays taken);
    `ignoring` counts as voided already (the dispense a correction replaces).
    """
    units: dict[int, int] = {}
    parts: dict[int, int] = {}
    for filled in dispenses:
        parts[filled.fill_number] = max(parts.get(filled.fill_number, 0), filled.part)
        if not filled.is_voided and (ignoring is None or filled.pk != ignoring.pk):
            units[filled.fill_number] = units.get(filled.fill_number, 0) + filled.quantity
    for number in range(1, rx.fills_dispensed + 1):
        left = rx.quantity - units.get(number, 0)
        if left > 0:
            return Fill(number, parts.get(number, 0) + 1, left, new=False)
    if rx.fills_dispensed < rx.fills_allowed:
        return Fill(rx.fills_dispensed + 1, 1, rx.quantity, new=True)
    return None


def next_fill(rx: Prescription, *, ignoring: Dispense | None = None) -> Fill | None:
    """Where the next dispense of `rx` goes (`fill_after`, its dispenses read now)."""
    return fill_after(rx, Dispense.objects.filter(prescription_id=rx.pk), ignoring=ignoring)


def is_early(prescription: Prescription, fill: Fill) -> bool:
    earliest = prescription.earliest_refill_on
    return (
        fill.new
        and fill.number > 1
        and earliest is not None
        and patient_today(prescription.patient) < earliest
    )


def refuse_unless_fillable(rx: Prescription) -> None:
    """Refuse a dispense on a prescription that is voided, unsigned, expired or not for home."""
    state = rx.state
    if state == PrescriptionState.VOIDED:
        raise PrescriptionVoided(
            f"Prescription {rx.pk} was voided by its prescriber ({rx.void_reason}): nothing "
            "more is dispensed on it; the prescriber writes a new one if needed."
        )
    if state == PrescriptionState.AWAITING_COSIGN:
        raise AwaitingCosign(
            f"Prescription {rx.pk} is for more than the plan needs and awaits a second "
            "prescriber's co-sign: dispense it once co-signed."
        )
    last = rx.last_fill_on
    if patient_today(rx.patient) > last:
        raise PrescriptionExpired(
            f"Prescription {rx.pk} was written on {day_in_words(rx.written_on)}; a Schedule "
            "III prescription is not filled more than 6 months after its date of issue (21 CFR "
            f"1306.22(a)), so its last fill day was {day_in_words(last)}. Ask the prescriber for a "
            "new prescription."
        )
    try:
        dosing.check_at_home(rx.formulation)
    except dosing.NotForHomeUse as exc:
        raise NotForHomeUse(str(exc)) from None


def not_fillable_because(rx: Prescription, today: date) -> str | None:
    """Why nothing can be dispensed on `rx` today, in a few words; None when it can.

    What the pages show and the queue leaves out; `dispense` refuses the same cases (and
    also checks the patient's phase, the fill and the product against the current plan).
    """
    if rx.state == PrescriptionState.VOIDED:
        return "voided"
    if rx.state == PrescriptionState.AWAITING_COSIGN:
        return "awaiting a second prescriber's co-sign"
    if today > rx.last_fill_on:
        return f"past its last fill day, {day_in_words(rx.last_fill_on)}"
    try:
        dosing.check_at_home(rx.formulation)
    except dosing.NotForHomeUse:
        return "not for home use (esketamine)"
    if rx.quantity_left <= 0:
        return "fully dispensed"
    return None
