"""The clinician workspace: the panel, the alert inbox and the patient chart.

Staff only, and only their clinic's records (another clinic's patient or alert is a 404).
Each view parses the request, calls a scoped query or a service, audits the read and
renders; with htmx, the panel and inbox answer with the fragment they replace.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.models import User
from ketacare.alerts import services as alert_services
from ketacare.alerts.errors import AlertStateError
from ketacare.alerts.models import SEVERITY_RANK, Alert
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinical import outcomes
from ketacare.kernel import clock
from ketacare.patients.models import Patient, Sitter
from ketacare.reports.charts import score_charts, vitals_chart
from ketacare.treatment.holds import CLEARERS, ActiveHold, active_holds
from ketacare.treatment.services import active_plan, clear_for_dosing
from ketacare.web.common import current_user, require_staff, visible_patient
from ketacare.web.workspace import panel
from ketacare.web.workspace.forms import (
    AcknowledgeForm,
    ClearHoldForm,
    InboxFilterForm,
    PanelFilterForm,
    ResolveForm,
)
from ketacare.web.workspace.timeline import Kind, timeline

PAGE_SIZE = 50
INBOX_PAGE_SIZE = 50
AUDIT_TRAIL_SIZE = 50
AUDIT_TRAIL_SHOWN = 10  # the rest of the trail behind "Show ... earlier reads"
# What a clinic's panel and inbox judge outcomes by (CLINICAL.md A11 defaults).
RULES = outcomes.DEFAULT_RULES


def _htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request (django_htmx's middleware sets `request.htmx`)."""
    return bool(getattr(request, "htmx", False))


def _fragment_for(request: HttpRequest, target: str) -> bool:
    """Whether to answer with only the fragment `target` (an element id) replaces.

    A history restore (Back after the cache was dropped) asks for the whole page.
    """
    htmx: Any = getattr(request, "htmx", None)
    if not htmx:
        return False
    return bool(htmx.target == target and not htmx.history_restore_request)


def _render_page_or_fragment(
    request: HttpRequest, page: str, fragment: str, target: str, context: dict[str, Any]
) -> HttpResponse:
    response = render(request, fragment if _fragment_for(request, target) else page, context)
    # The same URL answers with a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _staff(request: HttpRequest) -> User:
    user = current_user(request)
    require_staff(user)
    return user


# --- The panel ----------------------------------------------------------------------------


@login_required
@require_GET
def panel_view(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = PanelFilterForm(request.GET)
    patients = panel.annotated(Patient.objects.visible_to(user))
    sort = panel.DEFAULT_SORT
    if form.is_valid():
        sort = form.cleaned_data["sort"] or panel.DEFAULT_SORT
        patients = panel.filtered(patients, form.filters(), RULES)
    else:
        patients = patients.none()
    patients = patients.order_by(*panel.ordering(sort))
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    now = clock.now()
    rows = [panel.row(p, now, RULES) for p in page.object_list]
    record(
        Event(
            AuditAction.LIST,
            "patients.Patient",
            clinic_id=user.clinic_id,
            detail={"via": "workspace panel", "ids": [r.patient.pk for r in rows]},
        )
    )
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "sort": sort,
        "sort_label": _sort_label(sort),
        "sort_links": _sort_links(request, sort),
        "query": _query(request, drop=("page",)),
    }
    return _render_page_or_fragment(
        request,
        "web/workspace/panel.html",
        "web/workspace/_panel_table.html",
        "panel-table",
        context,
    )


def _sort_label(sort: str) -> str:
    label = panel.SORT_LABELS.get(sort.removeprefix("-"), panel.SORT_LABELS[panel.DEFAULT_SORT])
    return f"{label}, {'descending' if sort.startswith('-') else 'ascending'}"


def _query(request: HttpRequest, *, drop: tuple[str, ...], **changes: str) -> str:
    """The current query string without `drop` and with `changes` (for links)."""
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


def _sort_links(request: HttpRequest, sort: str) -> dict[str, dict[str, str]]:
    """Per column: the link that sorts by it (ascending first, then the other way)."""
    links = {}
    for key, label in panel.SORT_LABELS.items():
        current = sort.removeprefix("-") == key
        descending = sort.startswith("-")
        target = f"-{key}" if current and not descending else key
        state = ""
        if current:
            state = "descending" if descending else "ascending"
        links[key] = {
            "label": label,
            "query": _query(request, drop=("page",), sort=target),
            "state": state,
        }
    return links


# --- The alert inbox ----------------------------------------------------------------------


def _inbox(user: User, form: InboxFilterForm) -> QuerySet[Alert]:
    """The clinic's alerts, most pressing first then oldest first (as api/alerts.py)."""
    alerts = Alert.objects.visible_to(user).select_related("patient", "acknowledged_by")
    if not form.is_valid():
        return alerts.none()
    data = form.cleaned_data
    if data["status"]:
        alerts = alerts.filter(status=data["status"])
    else:
        alerts = alerts.filter(status__in=panel.UNRESOLVED)
    if data["severity"]:
        alerts = alerts.filter(severity=data["severity"])
    if data["cause"]:
        alerts = alerts.filter(cause=data["cause"])
    if data["patient"]:
        alerts = alerts.filter(patient_id=data["patient"])
    rank = Case(
        *(When(severity=s, then=Value(r)) for s, r in SEVERITY_RANK.items()),
        output_field=IntegerField(),
    )
    return alerts.annotate(rank=rank).order_by("-rank", "raised_at", "pk")


def age_words(since: datetime, now: datetime) -> str:
    """How long ago, in the inbox's few words: "2 min", "3 h 5 min", "4 days"."""
    minutes = max(0, int((now - since) / timedelta(minutes=1)))
    if minutes < 60:  # noqa: PLR2004 - minutes in an hour
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:  # noqa: PLR2004 - two days read better as hours
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{hours // 24} days"


def _alert_row(alert: Alert, now: datetime) -> dict[str, Any]:
    until = alert.resolved_at or now
    return {"alert": alert, "age": age_words(alert.raised_at, until)}


@login_required
@require_GET
def inbox_view(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = InboxFilterForm(request.GET)
    page = Paginator(_inbox(user, form), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    now = clock.now()
    record(
        Event(
            AuditAction.LIST,
            "alerts.Alert",
            clinic_id=user.clinic_id,
            detail={"via": "workspace inbox", "ids": [a.pk for a in page.object_list]},
        )
    )
    context = {
        "form": form,
        "page": page,
        "rows": [_alert_row(a, now) for a in page.object_list],
        "query": _query(request, drop=("page",)),
        "back": request.get_full_path(),
    }
    return _render_page_or_fragment(
        request,
        "web/workspace/inbox.html",
        "web/workspace/_inbox_table.html",
        "inbox-table",
        context,
    )


def _visible_alert(user: User, alert_id: int) -> Alert:
    # 404 for another clinic's alert: never confirm that one exists.
    found: Alert = get_object_or_404(
        Alert.objects.visible_to(user).select_related("patient"), pk=alert_id
    )
    return found


def _back(request: HttpRequest) -> str:
    # Only a path of this site (no open redirect).
    back = request.POST.get("back", "")
    return back if back.startswith("/") and not back.startswith("//") else reverse("ws-alerts")


def _alert_answer(
    request: HttpRequest,
    alert: Alert,
    *,
    done: str = "",
    error: str = "",
    forms: dict[str, Any] | None = None,
) -> HttpResponse:
    """After acknowledge/resolve: the row (htmx) or back to the page (plain form)."""
    if _htmx(request):
        context = {
            **_alert_row(alert, clock.now()),
            "done": done,
            "error": error,
            "back": _back(request),
            **(forms or {}),
        }
        return render(request, "web/workspace/_alert_row.html", context)
    if error:
        return render(
            request,
            "web/workspace/alert_action.html",
            {
                **_alert_row(alert, clock.now()),
                "error": error,
                "back": _back(request),
                **(forms or {}),
            },
            status=400,
        )
    messages.success(request, done)
    return redirect(_back(request))


@login_required
@require_POST
def acknowledge_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    user = _staff(request)
    alert = _visible_alert(user, alert_id)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return _alert_answer(request, alert, error=error, forms={"ack_form": form})
    try:
        alert = alert_services.acknowledge_alert(user, alert, note=form.cleaned_data["note"])
    except AlertStateError as exc:
        alert.refresh_from_db()
        return _alert_answer(request, alert, error=exc.message)
    return _alert_answer(
        request, alert, done=f"Acknowledged: {alert.title} ({alert.patient_name})."
    )


@login_required
@require_POST
def resolve_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    user = _staff(request)
    alert = _visible_alert(user, alert_id)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _alert_answer(
            request, alert, error=str(form.errors["note"][0]), forms={"resolve_form": form}
        )
    try:
        alert = alert_services.resolve_alert(user, alert, note=form.cleaned_data["note"])
    except AlertStateError as exc:
        alert.refresh_from_db()
        return _alert_answer(request, alert, error=exc.message)
    except ValidationError as exc:
        return _alert_answer(request, alert, error="; ".join(exc.messages))
    return _alert_answer(request, alert, done=f"Resolved: {alert.title} ({alert.patient_name}).")


# --- The patient chart --------------------------------------------------------------------


def _care_links(patient: Patient) -> list[tuple[str, str]]:
    """The patient's other screens: the record (phase moves) and the care screens."""
    return [
        (reverse(name, kwargs={"patient_id": patient.pk}), label)
        for name, label in (
            ("patient-detail", "Record and phase"),
            ("care-intake-review", "Intake review"),
            ("care-plan", "Treatment plan"),
            ("care-prescriptions", "Prescriptions"),
            ("care-dispense", "Dispensing and ledger"),
        )
    ]


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
    may_clear = bool(user.roles & CLEARERS)
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
    bound: ClearHoldForm | None = None,
    status: int = 200,
) -> HttpResponse:
    kind = _kind(request)
    open_alerts = (
        Alert.objects.visible_to(user)
        .filter(patient=patient, status__in=panel.UNRESOLVED)
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
        "holds": _holds(user, patient, bound),
        "consents": patient.consents.select_related("document", "signed_by"),
        "entries": timeline(patient, kind),
        "kinds": list(Kind),
        "kind": kind,
        "charts": score_charts(patient),
        "vitals": vitals_chart(patient),
        "viewers": viewers,
        "recent_viewers": viewers[:AUDIT_TRAIL_SHOWN],
        "earlier_viewers": viewers[AUDIT_TRAIL_SHOWN:],
        "care_links": _care_links(patient),
    }
    return render(request, "web/workspace/chart.html", context, status=status)


@login_required
@require_GET
def chart_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = _staff(request)
    patient = visible_patient(user, patient_id)
    record(Event.about(AuditAction.READ, patient, detail={"via": "workspace chart"}))
    return _chart(request, user, patient)


@login_required
@require_POST
def clear_hold_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A clinician or prescriber clears a hold on dosing, with a note (clear_for_dosing)."""
    user = _staff(request)
    patient = visible_patient(user, patient_id)
    form = ClearHoldForm(request.POST)
    if not form.is_valid():
        return _chart(request, user, patient, bound=form, status=400)
    try:
        clearance = clear_for_dosing(
            user, patient, hold=form.cleaned_data["hold"], note=form.cleaned_data["note"]
        )
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return _chart(request, user, patient, bound=form, status=403)
    except ValidationError as exc:
        form.add_error(None, "; ".join(exc.messages))
        return _chart(request, user, patient, bound=form, status=400)
    messages.success(
        request, f"Cleared for dosing: {clearance.get_hold_display().lower()} hold, with your note."
    )
    return redirect(reverse("ws-chart", kwargs={"patient_id": patient.pk}) + "#h-holds")
