"""The patient chart: the record, holds on dosing, the timeline and who read it.

And the end-of-induction review's card (web.workspace.induction_review) and its form.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.models import User
from ketacare.alerts.models import Alert
from ketacare.alerts.queries import UNRESOLVED
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.kernel import clock, policy
from ketacare.kernel.errors import DomainError
from ketacare.kernel.specs import read
from ketacare.patients.models import Patient, Sitter
from ketacare.reports.charts import score_charts, vitals_chart
from ketacare.treatment.holds import ActiveHold, active_holds
from ketacare.treatment.services import active_plan, clear_for_dosing, record_induction_review
from ketacare.treatment.specs.plans import ClearanceSpec
from ketacare.treatment.specs.reviews import InductionReviewSpec
from ketacare.web.common import visible_patient
from ketacare.web.refusals import show_refusal
from ketacare.web.workspace.common import staff_user
from ketacare.web.workspace.forms import ClearHoldForm
from ketacare.web.workspace.induction_review import InductionReviewForm, review_context
from ketacare.web.workspace.record_forms import PhaseMoveForm, phase_context
from ketacare.web.workspace.timeline import Kind, timeline

AUDIT_TRAIL_SIZE = 50
AUDIT_TRAIL_SHOWN = 10  # the rest of the trail behind "Show ... earlier reads"


def _age(patient: Patient) -> int:
    today = clock.localdate()
    born = patient.date_of_birth
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _kind(request: HttpRequest) -> Kind | None:
    value = request.GET.get("kind", "")
    return Kind(value) if value in Kind.__members__.values() else None


def _holds(
    user: User, patient: Patient, bound: ClearHoldForm | None = None
) -> list[tuple[ActiveHold, ClearHoldForm | None]]:
    """The holds on dosing, each with its clearance form for those who may clear it."""
    may_clear = policy.may(user, "clear_for_dosing")
    rows = []
    for hold in active_holds(patient, clock.now()):
        form = None
        if may_clear:
            form = ClearHoldForm(initial={"hold": hold.hold.value}, auto_id=f"id_{hold.hold}_%s")
            if bound is not None and bound.data.get("hold") == hold.hold.value:
                form = bound
        rows.append((hold, form))
    return rows


def _chart(
    request: HttpRequest,
    user: User,
    patient: Patient,
    *,
    bound: ClearHoldForm | PhaseMoveForm | InductionReviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    kind = _kind(request)
    open_alerts = (
        Alert.objects.visible_to(user)
        .filter(patient=patient, status__in=UNRESOLVED)
        .order_by("-raised_at")
    )
    viewers = list(
        AuditEntry.objects.filter(
            patient_id=patient.pk, action__in=[AuditAction.READ, AuditAction.EXPORT]
        ).order_by("-seq")[:AUDIT_TRAIL_SIZE]
    )
    context = {
        "patient": patient,
        "age": _age(patient),
        "plan": active_plan(patient),
        "sitters": Sitter.objects.visible_to(user).filter(patients=patient),
        "open_alerts": open_alerts,
        "holds": _holds(user, patient, bound if isinstance(bound, ClearHoldForm) else None),
        "consents": patient.consents.select_related("document", "signed_by"),
        "entries": timeline(patient, kind),
        "kinds": list(Kind),
        "kind": kind,
        "charts": score_charts(patient),
        "vitals": vitals_chart(patient),
        "viewers": viewers,
        "recent_viewers": viewers[:AUDIT_TRAIL_SHOWN],
        "earlier_viewers": viewers[AUDIT_TRAIL_SHOWN:],
        **phase_context(user, patient, bound if isinstance(bound, PhaseMoveForm) else None),
        **review_context(user, patient, bound if isinstance(bound, InductionReviewForm) else None),
    }
    return render(request, "web/workspace/chart.html", context, status=status)


@login_required
@require_GET
def chart_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = staff_user(request)
    patient = visible_patient(user, patient_id)
    record(Event.about(AuditAction.READ, patient, detail={"via": "workspace chart"}))
    return _chart(request, user, patient)


@login_required
@require_POST
def clear_hold_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A clinician or prescriber clears a hold on dosing, with a note (clear_for_dosing)."""
    user = staff_user(request)
    patient = visible_patient(user, patient_id)
    form = ClearHoldForm(request.POST)
    if not form.is_valid():
        return _chart(request, user, patient, bound=form, status=400)
    try:
        clearance = clear_for_dosing(user, patient, read(ClearanceSpec, form.cleaned_data))
    except (PermissionDenied, ValidationError) as exc:
        status = show_refusal(form, exc)
        return _chart(request, user, patient, bound=form, status=status)
    messages.success(
        request, f"Cleared for dosing: {clearance.get_hold_display().lower()} hold, with your note."
    )
    return redirect(reverse("ws-chart", kwargs={"patient_id": patient.pk}) + "#h-holds")


@login_required
@require_POST
def induction_review_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A clinician or prescriber records the end-of-induction review (record_induction_review)."""
    user = staff_user(request)
    patient = visible_patient(user, patient_id)
    form = InductionReviewForm(request.POST, auto_id="id_review_%s")
    if not form.is_valid():
        return _chart(request, user, patient, bound=form, status=400)
    try:
        review = record_induction_review(
            user, patient, read(InductionReviewSpec, form.cleaned_data)
        )
    except (PermissionDenied, ValidationError, DomainError) as exc:
        status = show_refusal(form, exc)
        return _chart(request, user, patient, bound=form, status=status)
    messages.success(
        request, f"End-of-induction review recorded: {review.get_decision_display().lower()}."
    )
    return redirect(reverse("ws-chart", kwargs={"patient_id": patient.pk}) + "#h-review")


def refused_move(
    request: HttpRequest, user: User, patient: Patient, move_form: PhaseMoveForm, status: int
) -> HttpResponse:
    """The chart again, with the refused phase move on its form."""
    return _chart(request, user, patient, bound=move_form, status=status)
