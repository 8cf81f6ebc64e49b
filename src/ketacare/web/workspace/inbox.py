"""The alert inbox: the clinic's alerts, most pressing first, acknowledged and resolved here.

An alert is about a patient (its row links to the chart) or about a screening lead of
the public self-screen, who has no record yet (its row links to the lead). On a phone,
the on-call clinician's device, the rows are cards (workspace.css); one alert has its
own page too (`alert_view`), where the same actions are.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.models import User
from ketacare.alerts import queries as alert_queries
from ketacare.alerts import services as alert_services
from ketacare.alerts.models import Alert
from ketacare.alerts.queries import UNRESOLVED
from ketacare.alerts.specs import AcknowledgeSpec, ResolveSpec
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock, specs
from ketacare.kernel.errors import DomainError
from ketacare.web.refusals import show_refusal
from ketacare.web.workspace.common import is_htmx, query_string, render_page_or_fragment, staff_user
from ketacare.web.workspace.forms import AcknowledgeForm, InboxFilterForm, ResolveForm

INBOX_PAGE_SIZE = 50


def _inbox(user: User, form: InboxFilterForm) -> QuerySet[Alert]:
    """The clinic's alerts, most pressing first then oldest first (alerts.queries.inbox)."""
    alerts = Alert.objects.visible_to(user).select_related("patient", "lead", "acknowledged_by")
    if not form.is_valid():
        return alerts.none()
    data = form.cleaned_data
    # The page's default is the work still to do; the API's is every alert.
    return alert_queries.inbox(
        alerts,
        statuses=[data["status"]] if data["status"] else UNRESOLVED,
        severity=data["severity"] or None,
        cause=data["cause"] or None,
        patient_id=data["patient"],
    )


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
    user = staff_user(request)
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
        "query": query_string(request, drop=("page",)),
        "back": request.get_full_path(),
    }
    return render_page_or_fragment(
        request,
        "web/workspace/inbox.html",
        "web/workspace/_inbox_table.html",
        "inbox-table",
        context,
    )


def _visible_alert(user: User, alert_id: int) -> Alert:
    # 404 for another clinic's alert: never confirm that one exists.
    found: Alert = get_object_or_404(
        Alert.objects.visible_to(user).select_related("patient", "lead", "acknowledged_by"),
        pk=alert_id,
    )
    return found


@login_required
@require_GET
def alert_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    """One alert on its own page (audited read), with its actions."""
    user = staff_user(request)
    alert = _visible_alert(user, alert_id)
    record(Event.about(AuditAction.READ, alert, detail={"via": "workspace alert page"}))
    context = {**_alert_row(alert, clock.now()), "back": request.get_full_path()}
    return render(request, "web/workspace/alert.html", context)


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
    if is_htmx(request):
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


def _act(
    request: HttpRequest,
    alert: Alert,
    form: forms.Form,
    act: Callable[[dict[str, Any]], Alert],
    done: Callable[[Alert], str],
) -> HttpResponse:
    """Acknowledge or resolve with the form's note; a refusal comes back on the form.

    The row shows the form's errors in one line: htmx swaps only a 2xx answer, so the row
    comes with 200; the plain form's page with 400 (`_alert_answer`).
    """
    if form.is_valid():
        try:
            alert = act(form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            show_refusal(form, exc)
            alert.refresh_from_db()  # a state refusal: the row as it stands now
        else:
            return _alert_answer(request, alert, done=done(alert))
    error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    name = "ack_form" if isinstance(form, AcknowledgeForm) else "resolve_form"
    return _alert_answer(request, alert, error=error, forms={name: form})


@login_required
@require_POST
def acknowledge_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    user = staff_user(request)
    alert = _visible_alert(user, alert_id)
    return _act(
        request,
        alert,
        AcknowledgeForm(request.POST),
        lambda data: alert_services.acknowledge_alert(
            user, alert, specs.read(AcknowledgeSpec, data)
        ),
        lambda done: f"Acknowledged: {done.title} ({done.subject_name}).",
    )


@login_required
@require_POST
def resolve_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    user = staff_user(request)
    alert = _visible_alert(user, alert_id)
    return _act(
        request,
        alert,
        ResolveForm(request.POST),
        lambda data: alert_services.resolve_alert(user, alert, specs.read(ResolveSpec, data)),
        lambda done: f"Resolved: {done.title} ({done.subject_name}).",
    )
