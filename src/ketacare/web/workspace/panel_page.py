"""The panel page: the clinic's patients, filtered, sorted and paged (rows from `panel`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock, policy
from ketacare.patients.models import Patient
from ketacare.patients.protocol import outcome_rules
from ketacare.web.workspace import panel
from ketacare.web.workspace.common import query_string, render_page_or_fragment, staff_user
from ketacare.web.workspace.forms import PanelFilterForm

PAGE_SIZE = 50


@login_required
@require_GET
def panel_view(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    form = PanelFilterForm(request.GET)
    patients = panel.annotated(Patient.objects.visible_to(user))
    sort = panel.DEFAULT_SORT
    # The clinic's outcome rules (CLINICAL.md A11 unless its protocol says otherwise).
    rules = outcome_rules(user.clinic_id)
    if form.is_valid():
        sort = form.cleaned_data["sort"] or panel.DEFAULT_SORT
        patients = panel.filtered(patients, form.filters(), rules)
    else:
        patients = patients.none()
    patients = patients.order_by(*panel.ordering(sort))
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    now = clock.now()
    rows = [panel.row(p, now, rules) for p in page.object_list]
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
        "query": query_string(request, drop=("page",)),
        "can_register": user.clinic_id is not None and policy.may(user, "register_patient"),
    }
    return render_page_or_fragment(
        request,
        "web/workspace/panel.html",
        "web/workspace/_panel_table.html",
        "panel-table",
        context,
    )


def _sort_label(sort: str) -> str:
    label = panel.SORT_LABELS.get(sort.removeprefix("-"), panel.SORT_LABELS[panel.DEFAULT_SORT])
    return f"{label}, {'descending' if sort.startswith('-') else 'ascending'}"


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
            "query": query_string(request, drop=("page",), sort=target),
            "state": state,
        }
    return links
