"""Treatment: plans (versioned), prescriptions, dispenses, and the ledger with its balance."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StringConstraints

from ketacare.accounts.models import User
from ketacare.api.access import actor, audit_list, audit_read, visible, visible_patient
from ketacare.api.schemas import (
    ERRORS,
    MAX_ID,
    NO_NUL,
    WRITE_ERRORS,
    Text,
    id_in_path,
    refuse_nul,
)
from ketacare.patients.models import Indication, Patient
from ketacare.treatment import services
from ketacare.treatment.models import (
    Dispense,
    LedgerAccount,
    LedgerEvent,
    Prescription,
    PrescriptionState,
    Route,
    TreatmentPlan,
)

router = Router(tags=["treatment"])

Json = dict[str, Any]
Count = Annotated[int, Field(ge=0, le=100_000)]

# --- Plans -------------------------------------------------------------------------------


class PlanOut(Schema):
    id: int = Field(description="The plan version's id.")
    patient_id: int = Field(description="Whose.")
    version: int = Field(description="1 for the first plan, then one more per revision.")
    is_current: bool = Field(description="Whether this is the plan in force.")
    supersedes_id: int | None = Field(description="The version this one replaced.")
    indication: str = Field(description="What it treats.")
    route: str = Field(description="sublingual, oral or intranasal.")
    drug: str = Field(description="racemic or esketamine.")
    formulation_kind: str = Field(description="The product's form.")
    strength_mg: float | None = Field(description="mg per tablet (tablets).")
    scored: bool = Field(description="Scored tablets may be halved.")
    concentration_mg_per_ml: float | None = Field(description="Spray concentration (sprays).")
    spray_volume_ml: float | None = Field(description="Volume per spray (sprays).")
    weight_kg: float = Field(description="The weight the dose was computed for.")
    dose_mg: float = Field(description="The dose per session, mg.")
    dose_mg_per_kg: float = Field(description="The dose per session, mg/kg.")
    take: str = Field(description="What the patient takes each session, in words.")
    dose_notes: list[Any] = Field(description="How the dose was rounded.")
    schedule: Json = Field(description="The schedule pattern and its sessions.")
    caps: Json = Field(description="The dose caps.")
    pre_dose_limits: Json = Field(description="The pre-dose gate limits.")
    check_in_deadline_min: int = Field(description="Minutes after the dose the check-in is due.")
    sitter_required: bool = Field(description="Whether a sitter must be present.")
    pk_summary: Json = Field(
        description="Typical-patient pharmacokinetics (cmax_ng_ml, tmax_h, auc_ng_h_ml) and "
        "the IV dose with the same AUC: iv_equivalent_mg, the cautious dose to propose; "
        "iv_equivalent_typical_mg, the typical patient's; iv_equivalent_5_95_mg, the 5th-95th "
        "percentile between simulated patients (all null for esketamine); note, which "
        "bioavailability the cautious dose used and why."
    )
    reason: str = Field(description="Why this version was written.")
    created_by_id: int = Field(description="The prescriber.")
    created_at: dt.datetime = Field(description="When.")


class PlanIn(Schema):
    route: Route = Field(description="sublingual, oral or intranasal.")
    formulation: Json = Field(
        description='The product, e.g. {"kind": "troche", "strength_mg": 50, "scored": true} or '
        '{"kind": "nasal_spray", "concentration_mg_per_ml": 100, "spray_volume_ml": 0.1}. '
        "Esketamine devices are refused: never for use at home (Spravato REMS)."
    )
    schedule: Json = Field(
        description='e.g. {"pattern": "at_home", "first_day": "2025-03-03", "time_of_day": '
        '"18:00", "maintenance_weeks": 4}.'
    )
    dose_mg: float | None = Field(
        default=None,
        gt=0,
        le=10_000,
        allow_inf_nan=False,
        description="Dose per session, mg; before the first dose, at most the clinic's share of "
        "the session cap.",
    )
    dose_mg_per_kg: float | None = Field(
        default=None, gt=0, le=100, allow_inf_nan=False, description="Or per kg of body weight."
    )
    indication: Indication | None = Field(
        default=None, description="Default: the patient's indication."
    )
    caps: Json | None = Field(default=None, description="Caps tightening the clinic defaults.")
    pre_dose_limits: Json | None = Field(
        default=None, description="Pre-dose limits tightening the clinic defaults."
    )
    check_in_deadline_min: int | None = Field(
        default=None,
        ge=1,
        le=10_000,
        description="Check-in due this many minutes after a dose: after the observation, at "
        "most the clinic's deadline (default: the clinic's deadline).",
    )
    sitter_required: bool = Field(default=True, description="A sitter must be present.")
    reason: Text = Field(default="", description="Why (optional for the first plan).")


class PlanRevisionIn(Schema):
    """Only the fields given change; the others keep the current version's value."""

    reason: Annotated[str, StringConstraints(pattern=NO_NUL, min_length=1, max_length=2000)] = (
        Field(description="Why the plan changes.")
    )
    route: Route | None = Field(default=None, description="A new route.")
    formulation: Json | None = Field(default=None, description="A new product.")
    schedule: Json | None = Field(default=None, description="A new schedule.")
    dose_mg: float | None = Field(
        default=None,
        gt=0,
        le=10_000,
        allow_inf_nan=False,
        description="A new dose, mg: at most the clinic's largest increase of one revision.",
    )
    dose_mg_per_kg: float | None = Field(
        default=None, gt=0, le=100, allow_inf_nan=False, description="Or per kg."
    )
    indication: Indication | None = Field(default=None, description="A new indication.")
    caps: Json | None = Field(default=None, description="New caps (null: the defaults).")
    pre_dose_limits: Json | None = Field(default=None, description="New pre-dose limits.")
    check_in_deadline_min: int | None = Field(
        default=None, ge=1, le=10_000, description="A new check-in deadline."
    )
    sitter_required: bool | None = Field(default=None, description="Sitter required or not.")


def _plan(request: HttpRequest, patient: Patient, plan_id: int) -> TreatmentPlan:
    found: TreatmentPlan = visible(request, TreatmentPlan.objects, pk=plan_id, patient=patient)
    return found


@router.get("/{patient_id}/plans", response={200: list[PlanOut], **ERRORS}, summary="Plans")
def list_plans(request: HttpRequest, patient_id: int = id_in_path("patient")) -> list[PlanOut]:
    """Every version of the patient's plan, newest first."""
    patient = visible_patient(request, patient_id)
    plans = TreatmentPlan.objects.visible_to(actor(request)).filter(patient=patient)
    found = list(plans.order_by("-version"))
    audit_list(request, "treatment.TreatmentPlan", [p.pk for p in found], patient_id=patient.pk)
    return [PlanOut.model_validate(p) for p in found]


@router.get(
    "/{patient_id}/plans/current", response={200: PlanOut, **ERRORS}, summary="Current plan"
)
def current_plan(request: HttpRequest, patient_id: int = id_in_path("patient")) -> PlanOut:
    """The plan in force (404 if the patient has none)."""
    patient = visible_patient(request, patient_id)
    plan = services.active_plan(patient)
    if plan is None:
        raise TreatmentPlan.DoesNotExist
    audit_read(request, plan)
    return PlanOut.model_validate(plan)


@router.get(
    "/{patient_id}/plans/{plan_id}", response={200: PlanOut, **ERRORS}, summary="One plan version"
)
def get_plan(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    plan_id: int = id_in_path("plan"),
) -> PlanOut:
    plan = _plan(request, visible_patient(request, patient_id), plan_id)
    audit_read(request, plan)
    return PlanOut.model_validate(plan)


@router.post(
    "/{patient_id}/plans", response={201: PlanOut, **WRITE_ERRORS}, summary="Write the plan"
)
def create_plan(
    request: HttpRequest, payload: PlanIn, patient_id: int = id_in_path("patient")
) -> Status[PlanOut]:
    """The patient's first plan (a prescriber); validated by the dosing rules."""
    patient = visible_patient(request, patient_id)
    fields = payload.model_dump()
    refuse_nul(fields)
    plan = services.create_plan(actor(request), patient, **fields)
    return Status(201, PlanOut.model_validate(plan))


@router.post(
    "/{patient_id}/plans/{plan_id}/revisions",
    response={201: PlanOut, **WRITE_ERRORS},
    summary="Revise the plan",
)
def revise_plan(
    request: HttpRequest,
    payload: PlanRevisionIn,
    patient_id: int = id_in_path("patient"),
    plan_id: int = id_in_path("plan"),
) -> Status[PlanOut]:
    """Write the next version of the current plan (409 `plan_superseded` for an old one)."""
    plan = _plan(request, visible_patient(request, patient_id), plan_id)
    fields = payload.model_dump(exclude_unset=True)
    # A null means "keep" for the fields that cannot be empty (caps null: the defaults).
    keep_when_null = {"route", "formulation", "schedule", "indication"} | {
        "check_in_deadline_min",
        "sitter_required",
    }
    fields = {k: v for k, v in fields.items() if v is not None or k not in keep_when_null}
    refuse_nul(fields)
    revised = services.revise_plan(actor(request), plan, **fields)
    return Status(201, PlanOut.model_validate(revised))


# --- Prescriptions and dispenses -----------------------------------------------------------


class PrescriptionOut(Schema):
    id: int = Field(description="The prescription's id.")
    patient_id: int = Field(description="Whose.")
    plan_id: int = Field(description="The plan version prescribed.")
    state: PrescriptionState = Field(
        description="active; awaiting_cosign (larger than the plan needs: no dispensing until "
        "a second prescriber co-signs); voided (nothing more is dispensed)."
    )
    product: str = Field(description="The product as the prescriber names it.")
    unit: str = Field(description="tablets, sprays or devices.")
    quantity: int = Field(description="Units per fill.")
    refills: int = Field(description="Refills allowed after the first fill.")
    directions: str = Field(description="Directions for use.")
    earliest_refill_on: dt.date | None = Field(description="No refill before this day.")
    last_fill_on: dt.date = Field(
        description="No fill after this day: 6 months after the date of issue (21 CFR 1306.22)."
    )
    dispensed_quantity: int = Field(description="Units dispensed so far (voided ones not).")
    fills_dispensed: int = Field(description="Fills started so far (a fill may come in parts).")
    quantity_reason: str = Field(description="Why more units than the plan still needs.")
    needs_cosign: bool = Field(description="Larger than the plan needs: a co-sign is needed.")
    cosigned_by_id: int | None = Field(description="The second prescriber who co-signed.")
    cosigned_at: dt.datetime | None = Field(description="When it was co-signed.")
    voided_by_id: int | None = Field(description="The prescriber who voided it.")
    voided_at: dt.datetime | None = Field(description="When it was voided.")
    void_reason: str = Field(description="Why it was voided.")
    corrects_id: int | None = Field(description="The voided prescription this one replaces.")
    written_by_id: int = Field(description="The prescriber.")
    written_at: dt.datetime = Field(description="When.")


Reason = Annotated[str, StringConstraints(pattern=NO_NUL, min_length=1, max_length=2000)]
Directions = Annotated[str, StringConstraints(pattern=NO_NUL, min_length=1, max_length=2000)]
QuantityReason = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=2000)]


class PrescriptionFields(Schema):
    quantity: int = Field(ge=1, le=100_000, description="Units per fill.")
    refills: int = Field(default=0, ge=0, le=100, description="Refills after the first fill.")
    directions: Directions = Field(description="Directions for use.")
    earliest_refill_on: dt.date | None = Field(
        default=None, description="No refill before this day (needed with refills)."
    )
    quantity_reason: QuantityReason = Field(
        default="",
        description="Why, when the units in all (quantity x fills) are more than the plan "
        "still needs; the prescription then awaits a second prescriber's co-sign.",
    )


class PrescriptionIn(PrescriptionFields):
    plan_id: int = Field(ge=1, le=MAX_ID, description="The current plan version.")


class PrescriptionCorrectionIn(PrescriptionFields):
    """The replacement of a prescription; it is for the current plan."""

    reason: Reason = Field(description="Why the prescription is corrected.")


class VoidIn(Schema):
    reason: Reason = Field(description="Why it is voided.")


class DispenseOut(Schema):
    id: int = Field(description="The dispense's id.")
    patient_id: int = Field(description="Whose.")
    prescription_id: int = Field(description="The prescription filled.")
    fill_number: int = Field(description="1 for the first fill.")
    part: int = Field(description="The part of the fill (a fill may be dispensed in parts).")
    quantity: int = Field(description="Units dispensed.")
    lot_number: str = Field(description="The lot.")
    expires_on: dt.date = Field(description="The lot's expiry.")
    early: bool = Field(description="Before the earliest refill date.")
    early_reason: str = Field(description="Why early.")
    dispensed_by_id: int = Field(description="The pharmacist.")
    dispensed_at: dt.datetime = Field(description="When.")
    voided_by_id: int | None = Field(description="The pharmacist who voided it.")
    voided_at: dt.datetime | None = Field(description="When it was voided.")
    void_reason: str = Field(description="Why it was voided.")
    reversal_event_id: int | None = Field(description="The ledger event taking its units back.")
    corrects_id: int | None = Field(description="The voided dispense this one replaces.")


class DispenseIn(Schema):
    quantity: int = Field(ge=1, le=100_000, description="Units dispensed.")
    lot_number: Annotated[str, StringConstraints(pattern=NO_NUL, min_length=1, max_length=40)] = (
        Field(description="The lot number.")
    )
    expires_on: dt.date = Field(description="The lot's expiry date.")
    early_reason: Text = Field(default="", description="Why, when before the earliest date.")


class DispenseCorrectionIn(DispenseIn):
    """The replacement of a dispense; it takes the voided one's place in the fills."""

    reason: Reason = Field(description="Why the dispense is corrected.")


@router.get(
    "/{patient_id}/prescriptions",
    response={200: list[PrescriptionOut], **ERRORS},
    summary="Prescriptions",
)
def list_prescriptions(
    request: HttpRequest, patient_id: int = id_in_path("patient")
) -> list[PrescriptionOut]:
    patient = visible_patient(request, patient_id)
    rows = list(
        Prescription.objects.visible_to(actor(request))
        .filter(patient=patient)
        .select_related("patient")
    )
    audit_list(request, "treatment.Prescription", [r.pk for r in rows], patient_id=patient.pk)
    return [PrescriptionOut.model_validate(r) for r in rows]


@router.post(
    "/{patient_id}/prescriptions",
    response={201: PrescriptionOut, **WRITE_ERRORS},
    summary="Write a prescription",
)
def write_prescription(
    request: HttpRequest, payload: PrescriptionIn, patient_id: int = id_in_path("patient")
) -> Status[PrescriptionOut]:
    """Prescribe the current plan's product (a prescriber).

    More units in all than the plan still needs: 409 `quantity_beyond_plan`, unless
    `quantity_reason` says why; then it awaits a second prescriber's co-sign.
    """
    patient = visible_patient(request, patient_id)
    plan = TreatmentPlan.objects.filter(pk=payload.plan_id, patient=patient).first()
    if plan is None:
        raise ValidationError({"plan_id": "No such plan of this patient."})
    prescription = services.write_prescription(
        actor(request),
        patient,
        plan=plan,
        quantity=payload.quantity,
        refills=payload.refills,
        directions=payload.directions,
        earliest_refill_on=payload.earliest_refill_on,
        quantity_reason=payload.quantity_reason,
    )
    return Status(201, PrescriptionOut.model_validate(prescription))


@router.get(
    "/{patient_id}/prescriptions/{prescription_id}",
    response={200: PrescriptionOut, **ERRORS},
    summary="One prescription",
)
def get_prescription(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    prescription_id: int = id_in_path("prescription"),
) -> PrescriptionOut:
    patient = visible_patient(request, patient_id)
    found = visible(request, Prescription.objects, pk=prescription_id, patient=patient)
    audit_read(request, found)
    return PrescriptionOut.model_validate(found)


def _prescription(request: HttpRequest, patient_id: int, prescription_id: int) -> Prescription:
    patient = visible_patient(request, patient_id)
    found: Prescription = visible(
        request, Prescription.objects, pk=prescription_id, patient=patient
    )
    return found


@router.post(
    "/{patient_id}/prescriptions/{prescription_id}/cosign",
    response={200: PrescriptionOut, **WRITE_ERRORS},
    summary="Co-sign a prescription",
)
def cosign_prescription(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    prescription_id: int = id_in_path("prescription"),
) -> PrescriptionOut:
    """A second prescriber co-signs a prescription larger than the plan needs."""
    prescription = _prescription(request, patient_id, prescription_id)
    cosigned = services.cosign_prescription(actor(request), prescription)
    return PrescriptionOut.model_validate(cosigned)


@router.post(
    "/{patient_id}/prescriptions/{prescription_id}/void",
    response={200: PrescriptionOut, **WRITE_ERRORS},
    summary="Void a prescription",
)
def void_prescription(
    request: HttpRequest,
    payload: VoidIn,
    patient_id: int = id_in_path("patient"),
    prescription_id: int = id_in_path("prescription"),
) -> PrescriptionOut:
    """Its prescriber voids it, with a reason: nothing more is dispensed on it."""
    prescription = _prescription(request, patient_id, prescription_id)
    voided = services.void_prescription(actor(request), prescription, reason=payload.reason)
    return PrescriptionOut.model_validate(voided)


@router.post(
    "/{patient_id}/prescriptions/{prescription_id}/corrections",
    response={201: PrescriptionOut, **WRITE_ERRORS},
    summary="Correct a prescription",
)
def correct_prescription(
    request: HttpRequest,
    payload: PrescriptionCorrectionIn,
    patient_id: int = id_in_path("patient"),
    prescription_id: int = id_in_path("prescription"),
) -> Status[PrescriptionOut]:
    """Its prescriber voids it and writes its replacement (which `corrects` it)."""
    prescription = _prescription(request, patient_id, prescription_id)
    written = services.correct_prescription(actor(request), prescription, **payload.model_dump())
    return Status(201, PrescriptionOut.model_validate(written))


@router.post(
    "/{patient_id}/prescriptions/{prescription_id}/dispenses",
    response={201: DispenseOut, **WRITE_ERRORS},
    summary="Dispense a fill",
)
def dispense(
    request: HttpRequest,
    payload: DispenseIn,
    patient_id: int = id_in_path("patient"),
    prescription_id: int = id_in_path("prescription"),
) -> Status[DispenseOut]:
    """Dispense (part of) a fill (a pharmacist): the units go into the patient's ledger."""
    prescription = _prescription(request, patient_id, prescription_id)
    filled = services.dispense(
        actor(request),
        prescription,
        quantity=payload.quantity,
        lot_number=payload.lot_number,
        expires_on=payload.expires_on,
        early_reason=payload.early_reason,
    )
    return Status(201, DispenseOut.model_validate(filled))


@router.get(
    "/{patient_id}/dispenses", response={200: list[DispenseOut], **ERRORS}, summary="Dispenses"
)
def list_dispenses(
    request: HttpRequest, patient_id: int = id_in_path("patient")
) -> list[DispenseOut]:
    patient = visible_patient(request, patient_id)
    rows = list(Dispense.objects.visible_to(actor(request)).filter(patient=patient))
    audit_list(request, "treatment.Dispense", [r.pk for r in rows], patient_id=patient.pk)
    return [DispenseOut.model_validate(r) for r in rows]


def _dispense(request: HttpRequest, patient_id: int, dispense_id: int) -> Dispense:
    patient = visible_patient(request, patient_id)
    found: Dispense = visible(request, Dispense.objects, pk=dispense_id, patient=patient)
    return found


@router.post(
    "/{patient_id}/dispenses/{dispense_id}/void",
    response={200: DispenseOut, **WRITE_ERRORS},
    summary="Void a dispense",
)
def void_dispense(
    request: HttpRequest,
    payload: VoidIn,
    patient_id: int = id_in_path("patient"),
    dispense_id: int = id_in_path("dispense"),
) -> DispenseOut:
    """Its pharmacist voids it, with a reason: its units leave the ledger again.

    409 `units_not_on_hand` when the patient no longer holds them.
    """
    filled = _dispense(request, patient_id, dispense_id)
    voided = services.void_dispense(actor(request), filled, reason=payload.reason)
    return DispenseOut.model_validate(voided)


@router.post(
    "/{patient_id}/dispenses/{dispense_id}/corrections",
    response={201: DispenseOut, **WRITE_ERRORS},
    summary="Correct a dispense",
)
def correct_dispense(
    request: HttpRequest,
    payload: DispenseCorrectionIn,
    patient_id: int = id_in_path("patient"),
    dispense_id: int = id_in_path("dispense"),
) -> Status[DispenseOut]:
    """Its pharmacist voids it and dispenses its replacement (which `corrects` it)."""
    filled = _dispense(request, patient_id, dispense_id)
    corrected = services.correct_dispense(actor(request), filled, **payload.model_dump())
    return Status(201, DispenseOut.model_validate(corrected))


# --- The ledger ------------------------------------------------------------------------------


class LedgerEventOut(Schema):
    id: int = Field(description="The event's id.")
    kind: str = Field(description="dispensed, taken, returned, destroyed, lost_or_stolen, counted.")
    quantity: float = Field(description="Signed change of the balance (a count changes nothing).")
    balance_after: float = Field(description="The expected balance after it.")
    counted: float | None = Field(description="What was counted (counts).")
    actor_id: int = Field(description="Who recorded it.")
    witness_id: int | None = Field(description="The witness (destruction).")
    note: str = Field(description="Note.")
    at: dt.datetime = Field(description="When.")


class LedgerOut(Schema):
    unit: str = Field(description="tablets, sprays or devices.")
    balance: float = Field(description="Units the patient should hold (derived from events).")
    events: list[LedgerEventOut] = Field(description="Every event, newest first.")


class LedgerEventIn(Schema):
    kind: Literal["returned", "destroyed", "lost_or_stolen", "counted"] = Field(
        description="What happened (dispensed and taken are recorded by their use cases)."
    )
    quantity: float = Field(
        ge=0, le=1_000_000, allow_inf_nan=False, description="Units (halves of scored tablets)."
    )
    witness_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The witness (required to destroy)."
    )
    note: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=4000)] = Field(
        default="", description="Required for a loss or theft: when, where, reported to whom."
    )


@router.get("/{patient_id}/ledger", response={200: LedgerOut, **ERRORS}, summary="The ledger")
def get_ledger(request: HttpRequest, patient_id: int = id_in_path("patient")) -> LedgerOut:
    """The controlled-substance ledger: the balance and every event."""
    patient = visible_patient(request, patient_id)
    events = list(
        LedgerEvent.objects.visible_to(actor(request))
        .filter(patient=patient)
        .order_by("-at", "-pk")
    )
    account = LedgerAccount.objects.filter(patient=patient).first()
    audit_list(request, "treatment.LedgerEvent", [e.pk for e in events], patient_id=patient.pk)
    return LedgerOut(
        unit=account.unit if account else "tablets",
        balance=float(services.ledger_balance(patient)),
        events=[LedgerEventOut.model_validate(e) for e in events],
    )


@router.post(
    "/{patient_id}/ledger/events",
    response={201: LedgerEventOut, **WRITE_ERRORS},
    summary="Record a ledger event",
)
def record_ledger_event(
    request: HttpRequest, payload: LedgerEventIn, patient_id: int = id_in_path("patient")
) -> Status[LedgerEventOut]:
    """Units returned, destroyed (witnessed), lost or stolen, or counted."""
    patient = visible_patient(request, patient_id)
    witness = None
    if payload.witness_id is not None:
        witness = User.objects.filter(pk=payload.witness_id, clinic_id=patient.clinic_id).first()
        if witness is None:
            raise ValidationError({"witness_id": "No such person in this clinic."})
    event = services.record_ledger_event(
        actor(request),
        patient,
        kind=payload.kind,
        quantity=str(payload.quantity),
        witness=witness,
        note=payload.note,
    )
    return Status(201, LedgerEventOut.model_validate(event))
