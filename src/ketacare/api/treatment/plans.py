"""Treatment plans: every version of a patient's plan, writing the first and revising it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from ketacare.api.access import (
    actor,
    audit_list,
    audit_read,
    readable_patient,
    visible,
    visible_patient,
)
from ketacare.api.schemas import ERRORS, WRITE_ERRORS, id_in_path
from ketacare.patients.models import Patient
from ketacare.treatment import services
from ketacare.treatment.models import TreatmentPlan
from ketacare.treatment.specs.plans import PlanRevisionSpec, PlanSpec

router = Router(tags=["treatment"])

Json = dict[str, Any]


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


def _plan(request: HttpRequest, patient: Patient, plan_id: int) -> TreatmentPlan:
    found: TreatmentPlan = visible(request, TreatmentPlan.objects, pk=plan_id, patient=patient)
    return found


@router.get(
    "/{patient_id}/plans",
    response={200: list[PlanOut], **ERRORS},
    summary="Plans",
    operation_id="ketacare_api_treatment_list_plans",
)
def list_plans(request: HttpRequest, patient_id: int = id_in_path("patient")) -> list[PlanOut]:
    """Every version of the patient's plan, newest first."""
    patient = readable_patient(request, patient_id, "read_plans")
    plans = TreatmentPlan.objects.visible_to(actor(request)).filter(patient=patient)
    found = list(plans.order_by("-version"))
    audit_list(request, "treatment.TreatmentPlan", [p.pk for p in found], patient_id=patient.pk)
    return [PlanOut.model_validate(p) for p in found]


@router.get(
    "/{patient_id}/plans/current",
    response={200: PlanOut, **ERRORS},
    summary="Current plan",
    operation_id="ketacare_api_treatment_current_plan",
)
def current_plan(request: HttpRequest, patient_id: int = id_in_path("patient")) -> PlanOut:
    """The plan in force (404 if the patient has none)."""
    patient = readable_patient(request, patient_id, "read_plans")
    plan = services.active_plan(patient)
    if plan is None:
        raise TreatmentPlan.DoesNotExist
    audit_read(request, plan)
    return PlanOut.model_validate(plan)


@router.get(
    "/{patient_id}/plans/{plan_id}",
    response={200: PlanOut, **ERRORS},
    summary="One plan version",
    operation_id="ketacare_api_treatment_get_plan",
)
def get_plan(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    plan_id: int = id_in_path("plan"),
) -> PlanOut:
    plan = _plan(request, readable_patient(request, patient_id, "read_plans"), plan_id)
    audit_read(request, plan)
    return PlanOut.model_validate(plan)


@router.post(
    "/{patient_id}/plans",
    response={201: PlanOut, **WRITE_ERRORS},
    summary="Write the plan",
    operation_id="ketacare_api_treatment_create_plan",
)
def create_plan(
    request: HttpRequest, payload: PlanSpec, patient_id: int = id_in_path("patient")
) -> Status[PlanOut]:
    """The patient's first plan (a prescriber); validated by the dosing rules.

    The product is tablets (`kind` troche, sublingual_tablet or rapid_dissolve, with
    `strength_mg` and `scored`) or a racemic nasal spray (`kind` nasal_spray, with
    `concentration_mg_per_ml` and `spray_volume_ml`); esketamine devices are refused,
    never for use at home (Spravato REMS). Caps and pre-dose limits may only tighten the
    clinic's; the dose is in mg or in mg/kg, one of them.
    """
    patient = visible_patient(request, patient_id)
    plan = services.create_plan(actor(request), patient, payload)
    return Status(201, PlanOut.model_validate(plan))


@router.post(
    "/{patient_id}/plans/{plan_id}/revisions",
    response={201: PlanOut, **WRITE_ERRORS},
    summary="Revise the plan",
    operation_id="ketacare_api_treatment_revise_plan",
)
def revise_plan(
    request: HttpRequest,
    payload: PlanRevisionSpec,
    patient_id: int = id_in_path("patient"),
    plan_id: int = id_in_path("plan"),
) -> Status[PlanOut]:
    """Write the next version of the current plan (409 `plan_superseded` for an old one).

    Only the fields given change; a null route, product, schedule, indication, deadline
    or sitter keeps the current one, and null caps or pre-dose limits are the clinic's.
    """
    plan = _plan(request, visible_patient(request, patient_id), plan_id)
    revised = services.revise_plan(actor(request), plan, payload)
    return Status(201, PlanOut.model_validate(revised))
