"""The plan, the prescription and the dispensing, and stepping the dose up.

Every dose keeps to the plan rules (CLINICAL.md G5): at most half the session cap in a
first session, at most +50% in one revision. A prescription carries what the plan needs
at its dose; a step up brings a prescription for what the plan still needs at the new
dose, dispensed at once.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from ketacare.demo.journeys.answers import clamp
from ketacare.demo.journeys.state import JourneyState, Steps
from ketacare.demo.journeys.stock import lot_for
from ketacare.demo.journeys.templates import INDUCTION, SESSION_DAYS, Product
from ketacare.kernel import specs
from ketacare.treatment import services as treatment
from ketacare.treatment.models import PdmpResult, Prescription
from ketacare.treatment.specs.dispensing import DispenseSpec
from ketacare.treatment.specs.pdmp import PdmpCheckSpec
from ketacare.treatment.specs.plans import PlanRevisionSpec, PlanSpec
from ketacare.treatment.specs.prescriptions import PrescriptionSpec
from ketacare.treatment.specs.staging import FillReleaseSpec
from ketacare.treatment.staging import holds_for

TABLETS = (
    {"kind": "sublingual_tablet", "strength_mg": 100, "scored": True},
    {"kind": "troche", "strength_mg": 50, "scored": True},
)
SPRAY = {"kind": "nasal_spray", "concentration_mg_per_ml": 100, "spray_volume_ml": 0.1}
# One step of titration, in mg, by product (a half tablet of 100 mg; one 10 mg spray): at
# most +50% in one revision from the starting doses below (CLINICAL.md G5).
STEP_MG = {Product.TABLET: 50, Product.SPRAY: 10}
# The starting dose of sublingual tablets: mg per kg of the patient's weight, in whole
# steps, within (low, high) mg. CLINICAL.md C gives 0.25-7 mg/kg; 1.5 mg/kg is a cautious
# start below the oral 2-2.5 mg/kg that matches IV 0.5 mg/kg, and at most 150 mg, half the
# 300 mg session cap (a first session, CLINICAL.md G5).
TABLET_START = (1.5, (100, 150))
# Racemic spray: 20 mg (two sprays) for everyone, under a first session's 25 mg (half the
# 50 mg session cap, CLINICAL.md G5), titrated up a spray at a time.
SPRAY_START_MG = 20


class PrescribingSteps(JourneyState):
    """The prescriber's and the pharmacist's steps."""

    def _prescribe(self) -> Steps:
        first_dose, review, dispense = self.dates.first_dose, self.dates.review, self.dates.dispense
        if first_dose is None or review is None or dispense is None:
            raise RuntimeError("A treated journey has its review, dispense and first dose days.")
        moment = self.at(review, 15, (0, 120))
        yield moment
        spec = specs.read(PlanSpec, self._plan_spec())
        self._plan = treatment.create_plan(self.cast.prescriber, self.record, spec)
        yield self.later(moment, 5, 15)
        written = {
            "plan_id": self.plan.pk,
            "quantity": self.prescription_quantity(),
            "refills": 1,  # the refill for maintenance, from the last induction session on
            "directions": self._directions(),
            "earliest_refill_on": first_dose + timedelta(days=SESSION_DAYS[INDUCTION - 1]),
        }
        self._pdmp_checked()
        self._prescription = treatment.write_prescription(
            self.cast.prescriber, self.record, specs.read(PrescriptionSpec, written)
        )
        yield self.at(dispense, 11, (0, 240))
        self._dispense()

    def _plan_spec(self) -> dict[str, Any]:
        product = self.template.product
        assert self.dates.first_dose is not None  # noqa: S101 - set for every treated journey
        schedule: dict[str, Any] = {
            "pattern": "at_home",
            "first_day": self.dates.first_dose.isoformat(),
            "time_of_day": self.rng.choice(["18:00", "18:30", "19:00", "19:30"]),
            "maintenance_weeks": 8,
        }
        if product is Product.SPRAY:
            return {
                "route": "intranasal",
                "formulation": SPRAY,
                "dose_mg": SPRAY_START_MG,
                "schedule": schedule,
            }
        mg_per_kg, (low, high) = TABLET_START
        step = STEP_MG[product]
        # The weight of the record: the review may have updated it from the intake.
        dose = clamp(round(float(self.patient().weight_kg) * mg_per_kg / step) * step, low, high)
        formulation = self.rng.choice(TABLETS)
        return {
            "route": "sublingual",
            "formulation": formulation,
            "dose_mg": dose,
            "schedule": schedule,
        }

    def prescription_quantity(self) -> int:
        """Units for the 8 induction sessions at the plan's dose.

        With its refill for the maintenance: what the plan needs and no more (issue 11).
        """
        return math.ceil(INDUCTION * self.plan.ledger_units(float(self.plan.dose_mg)))

    def _directions(self) -> str:
        take, product = self.plan.take, self.template.product
        if product is Product.TABLET:
            return f"Hold {take} under the tongue for 15 minutes, then spit; sitter present."
        return f"{take.capitalize()}, alternating nostrils, 5 minutes apart; sitter present."

    def _pdmp_checked(self) -> None:
        """The prescriber checks the state PDMP before each prescription (issue 17)."""
        spec = PdmpCheckSpec(result=PdmpResult.NOTHING_OF_CONCERN)
        treatment.record_pdmp_check(self.cast.prescriber, self.record, spec)

    def _dispense(self, prescription: Prescription | None = None) -> None:
        prescription = prescription or self.prescription
        # Two draws the journey's generator made when lots were typed in: kept, so every
        # journey stays the one it was (the same doses, answers and days).
        self.rng.randint(240, 400), self.rng.randint(10000, 99999)
        lot = lot_for(self.cast, prescription, prescription.quantity)
        spec = DispenseSpec(
            quantity=prescription.quantity, lot_number=lot.lot_number, expires_on=lot.expires_on
        )
        if holds_for([prescription])[prescription.pk].held:
            # Staged dispensing (issue 17): the prescriber reviewed the holds and lets it go.
            note = "Reviewed with the patient by video: the fill may go."
            release = FillReleaseSpec(note=note)
            treatment.release_held_fill(self.cast.prescriber, prescription, release)
        treatment.dispense(self.cast.pharmacist, prescription, spec)

    def _step_up(self, number: int) -> None:
        product = self.template.product
        dose = float(self.plan.dose_mg) + STEP_MG[product]
        reason = f"Tolerated, little change after {number} sessions: one step up."
        revision = specs.read(PlanRevisionSpec, {"reason": reason, "dose_mg": dose})
        self._plan = treatment.revise_plan(self.cast.prescriber, self.plan, revision)
        # The higher dose needs more units than prescribed: what the plan still needs.
        more = treatment.plan_need(self.record, self.plan).units_allowed
        if more:
            written = {"plan_id": self.plan.pk, "quantity": more, "directions": self._directions()}
            self._pdmp_checked()
            self._dispense(
                treatment.write_prescription(
                    self.cast.prescriber, self.record, specs.read(PrescriptionSpec, written)
                )
            )
