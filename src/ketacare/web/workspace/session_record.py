"""The printable record of one dosing session in the workspace, as a page and as a PDF.

The clinic's staff open it from the chart's timeline. Each opening is a read of the
patient's record in the audit log (ketacare.reports.session_record).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from ketacare.reports.session_record import SessionRecord, session_record
from ketacare.web.common import visible_patient
from ketacare.web.session_record_pages import pdf_response, record_page
from ketacare.web.workspace.common import staff_user


def _record(request: HttpRequest, patient_id: int, session_id: int) -> SessionRecord:
    user = staff_user(request)
    patient = visible_patient(user, patient_id)
    return session_record(user, patient, session_id)


@login_required
@require_GET
def session_record_view(request: HttpRequest, patient_id: int, session_id: int) -> HttpResponse:
    rec = _record(request, patient_id, session_id)
    ids = {"patient_id": rec.patient_id, "session_id": rec.session_id}
    return record_page(
        request,
        rec,
        pdf_url=reverse("ws-session-record-pdf", kwargs=ids),
        back=(
            reverse("ws-chart", kwargs={"patient_id": rec.patient_id}) + "#h-timeline",
            "the chart",
        ),
    )


@login_required
@require_GET
def session_record_pdf_view(request: HttpRequest, patient_id: int, session_id: int) -> HttpResponse:
    return pdf_response(_record(request, patient_id, session_id))
