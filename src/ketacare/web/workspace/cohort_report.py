"""The cohort outcome report page: a first-dose date range, filters, and every table.

The numbers come from `reports.cohort` (which checks the policy row `read_cohort_report`,
scopes to the user's clinic and audits the read once); this page reads the form, asks,
and draws. A role without the row gets 403 naming who may see it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ketacare.clinical.outcomes.report import DEFAULT_REPORT_RULES
from ketacare.kernel import clock, specs
from ketacare.patients.models import Indication
from ketacare.reports.cohort.present import cohort_view
from ketacare.reports.cohort.queries import cohort_report_for
from ketacare.reports.cohort.specs import MAX_WINDOW_DAYS, CohortSpec
from ketacare.treatment.models import FormulationKind, Route
from ketacare.web.workspace.common import staff_page, staff_user

DEFAULT_DAYS = 365  # the page opens on the patients first dosed in the last year
NOT_ALLOWED = "Only clinicians, prescribers and the clinic's administrators see the cohort report."


class CohortForm(forms.Form):
    first_dose_from = forms.DateField(
        label="First dose from", widget=forms.DateInput({"type": "date"})
    )
    first_dose_to = forms.DateField(label="First dose to", widget=forms.DateInput({"type": "date"}))
    indication = forms.ChoiceField(
        required=False, choices=[("", "Every indication"), *Indication.choices]
    )
    route = forms.ChoiceField(required=False, choices=[("", "Every route"), *Route.choices])
    product = forms.ChoiceField(
        required=False, choices=[("", "Every product"), *FormulationKind.choices]
    )
    window_days = forms.IntegerField(
        label="Days after a session that a score still counts for it",
        min_value=1,
        max_value=MAX_WINDOW_DAYS,
        required=False,
        help_text=f"Clinic's choice; the default is {DEFAULT_REPORT_RULES.window_days} days.",
    )

    def spec(self) -> CohortSpec:
        """The form's values as the report's spec (its errors onto the form)."""
        chosen = {k: v for k, v in self.cleaned_data.items() if v not in {None, ""}}
        return specs.read(CohortSpec, chosen)


def _initial(today: dt.date) -> dict[str, Any]:
    return {
        "first_dose_from": (today - dt.timedelta(days=DEFAULT_DAYS)).isoformat(),
        "first_dose_to": today.isoformat(),
    }


@login_required
@require_GET
def cohort_report_view(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    staff_page(user, "read_cohort_report", what=NOT_ALLOWED)
    zone = ZoneInfo(user.clinic.timezone if user.clinic is not None else "UTC")
    data = (
        request.GET
        if "first_dose_from" in request.GET
        else _initial(clock.now().astimezone(zone).date())
    )
    form = CohortForm(data)
    context: dict[str, Any] = {"form": form, "view": None}
    status = 200
    if form.is_valid():
        try:
            result = cohort_report_for(user, form.spec(), via="workspace cohort report")
        except ValidationError as exc:
            form.add_error(None, exc)
            status = 400
        else:
            context |= {
                "result": result,
                "view": cohort_view(result.report),
                "definitions": result.definitions,
            }
    else:
        status = 400
    return render(request, "web/workspace/cohort_report.html", context, status=status)
