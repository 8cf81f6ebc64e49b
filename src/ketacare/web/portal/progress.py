"""My progress: the patient's questionnaire scores over time, and blood pressure per session.

The charts, their data tables and the one-line summaries are `ketacare.reports.charts`'s
(the baseline, response and remission come from `ketacare.clinical.outcomes`).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.reports.charts import score_progress, vitals_chart
from ketacare.web.common import current_user, own_patient


@login_required
@require_GET
def progress(request: HttpRequest) -> HttpResponse:
    patient = own_patient(current_user(request))
    scores = score_progress(patient)
    vitals = vitals_chart(patient)
    record(
        Event.about(
            AuditAction.READ,
            patient,
            detail={"via": "portal progress", "charts": [p.chart.key for p in scores]},
        )
    )
    context = {"patient": patient, "scores": scores, "vitals": vitals}
    return render(request, "web/portal/forms/progress.html", context)
