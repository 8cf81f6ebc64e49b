"""The plan editor: write or revise the plan, with the PK preview and the titration hint."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical.pk import InvalidPkInput
from ketacare.kernel import policy
from ketacare.kernel.errors import DomainError
from ketacare.patients.access import require
from ketacare.patients.models import Patient
from ketacare.reports.pk_chart import iv_reference, pk_preview, render_svg
from ketacare.treatment import services, titration
from ketacare.treatment.models import TABLET_KINDS, Drug, FormulationKind, TreatmentPlan
from ketacare.treatment.plans import (
    CAP_FIELDS,
    check_in_bounds_for,
    pk_summary,
    schedule_parameters,
)
from ketacare.web.refusals import show_refusal
from ketacare.web.workspace.common import (
    current_user,
    plain,
    staff_patient,
)
from ketacare.web.workspace.plan_form import PlanForm, PreviewForm

WHO = "Only clinicians and prescribers see treatment plans."


def _initial(patient: Patient, plan: TreatmentPlan | None) -> dict[str, Any]:
    """The form as the current plan has it (a revision starts from it), or a blank one."""
    initial: dict[str, Any] = {"weight_kg": patient.weight_kg, "dose_unit": "mg"}
    if plan is None:
        return initial | {
            "check_in_deadline_min": check_in_bounds_for(patient)[1],  # the clinic's deadline
            "pattern": "at_home",
        }
    schedule = schedule_parameters(plan)
    limits = plan.pre_dose_limits
    initial |= {
        "route": plan.route,
        "formulation_kind": plan.formulation_kind,
        "strength_mg": plan.strength_mg,
        "scored": plan.scored,
        "concentration_mg_per_ml": plan.concentration_mg_per_ml,
        "spray_volume_ml": plan.spray_volume_ml,
        "dose": plain(plan.dose_mg),
        "pattern": schedule.get("pattern"),
        "first_day": schedule.get("first_day"),
        "time_of_day": schedule.get("time_of_day"),
        "maintenance_weeks": schedule.get("maintenance_weeks"),
        "check_in_deadline_min": plan.check_in_deadline_min,
        "heart_rate_min_bpm": limits.get("heart_rate_min_bpm"),
        "heart_rate_max_bpm": limits.get("heart_rate_max_bpm"),
        **{name: plan.caps.get(name) for name in CAP_FIELDS},
    }
    for pair in PlanForm.BP_PAIRS:
        if limits.get(pair):
            initial[f"{pair}_systolic"], initial[f"{pair}_diastolic"] = limits[pair]
    return initial


def preview(patient: Patient, data: QueryDict | dict[str, Any]) -> dict[str, Any]:
    """The PK preview of the dose in `data`: the SVG and the numbers, or why there is none."""
    form = PreviewForm(data)
    if not form.is_valid():
        return {"missing": "Enter a route and a dose to see the preview."}
    values = form.cleaned_data
    weight_kg = float(values["weight_kg"] or patient.weight_kg)
    dose = float(values["dose"])
    dose_mg = dose * weight_kg if values["dose_unit"] == "mg_per_kg" else dose
    try:
        svg = render_svg(pk_preview(values["route"], dose_mg, weight_kg))
        # At-home products are racemic ketamine (plan_form.PRODUCTS: no esketamine devices).
        summary = pk_summary(values["route"], Drug.RACEMIC, dose_mg, weight_kg)
    except InvalidPkInput as error:
        return {"missing": f"No preview for this dose: {error}"}
    iv = iv_reference(weight_kg)
    return {
        # Our own renderer's output: text is escaped there, and it fetches nothing.
        "svg": mark_safe(svg),  # noqa: S308
        "summary": summary,
        "dose_mg": round(dose_mg, 2),
        "dose_mg_per_kg": round(dose_mg / weight_kg, 3),
        "weight_kg": weight_kg,
        "iv_mg": round(iv.dose_mg, 1),
        "iv_minutes": iv.infusion_min,
    }


# The fields each product needs; care.js shows the group of the choice. At-home products
# only (plan_form.PRODUCTS): no esketamine device (CLINICAL.md G4).
PRODUCT_GROUPS = {
    "tablet": (tuple(TABLET_KINDS), ("strength_mg", "scored")),
    "spray": ((FormulationKind.NASAL_SPRAY,), ("concentration_mg_per_ml", "spray_volume_ml")),
}


def field_groups(form: PlanForm) -> dict[str, dict[str, Any]]:
    """Which groups of product fields the form shows for the current choice.

    A group shows for the chosen product (the first one when none is chosen yet, as the
    select shows it), and always when one of its fields has an error to read.
    """
    kind = form["formulation_kind"].value() or TABLET_KINDS[0]
    errors = form.errors if form.is_bound else {}
    return {
        name: {
            "kinds": " ".join(str(k) for k in kinds),
            "shown": kind in kinds or any(f in errors for f in fields),
        }
        for name, (kinds, fields) in PRODUCT_GROUPS.items()
    }


def _suggestion(plan: TreatmentPlan | None) -> object:
    return None if plan is None else titration.suggestion(plan)


def _page(
    request: HttpRequest, patient: Patient, form: PlanForm, status: int = 200
) -> HttpResponse:
    user = current_user(request)
    plan = services.active_plan(patient)
    data = request.POST if request.method == "POST" else _initial(patient, plan)
    form.explain_check_in(*check_in_bounds_for(patient))
    context = {
        "patient": patient,
        "plan": plan,
        "versions": TreatmentPlan.objects.visible_to(user)
        .filter(patient=patient)
        .select_related("created_by")
        .order_by("-version"),
        "form": form,
        "groups": field_groups(form),
        "preview": preview(patient, data),
        "suggestion": _suggestion(plan),
        "can_write": policy.may(user, "create_plan"),
    }
    return render(request, "web/workspace/plan.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan_editor(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = current_user(request)
    patient = staff_patient(user, patient_id, "read_plans", what=WHO)
    plan = services.active_plan(patient)
    if request.method == "GET":
        record(Event.about(AuditAction.READ, plan or patient, detail={"via": "care plan editor"}))
        return _page(request, patient, PlanForm(initial=_initial(patient, plan)))
    # The service's own check, before reading the form: a clinician's post is refused.
    require(user, patient, "create_plan")
    form = PlanForm(request.POST)
    previewing = "preview" in request.POST  # "Update the preview" without JavaScript
    if previewing or not form.is_valid():
        form.is_valid()  # what is wrong shows with the preview too; nothing is stored
        return _page(request, patient, form, status=200 if previewing else 400)
    try:
        if plan is None:
            saved = services.create_plan(user, patient, form.plan_spec())
        else:
            saved = services.revise_plan(user, plan, form.revision_spec())
    except (ValidationError, DomainError) as error:
        status = show_refusal(form, error, PlanForm.FIELDS)
    else:
        messages.success(
            request,
            f"Plan version {saved.version} saved: {saved.take} ({plain(saved.dose_mg)} mg).",
        )
        return redirect("ws-plan", patient_id=patient.pk)
    return _page(request, patient, form, status=status)


@login_required
@require_GET
def plan_preview(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The preview fragment the plan form fetches with htmx as the dose changes."""
    user = current_user(request)
    patient = staff_patient(user, patient_id, "read_plans", what=WHO)
    record(Event.about(AuditAction.READ, patient, detail={"via": "care plan preview"}))
    context = {"patient": patient, "preview": preview(patient, request.GET)}
    return render(request, "web/workspace/_pk_preview.html", context)
