"""A patient's printable record of one of their own sessions, as a page and as a PDF.

Only the signed-in patient's own sessions (404 for anyone else, staff included, as
every portal page). Each opening is a read of their record in the audit log.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from ketacare.reports.session_record import SessionRecord, session_record
from ketacare.web.common import current_user, own_patient
from ketacare.web.session_record_pages import pdf_response, record_page


def _record(request: HttpRequest, session_id: int) -> SessionRecord:
    user = current_user(request)
    return session_record(user, own_patient(user), session_id)


@login_required
@require_GET
def session_record_view(request: HttpRequest, session_id: int) -> HttpResponse:
    rec = _record(request, session_id)
    return record_page(
        request,
        rec,
        pdf_url=reverse("portal-session-record-pdf", kwargs={"session_id": rec.session_id}),
        back=(reverse("portal-sessions"), "your sessions"),
        for_patient=True,
    )


@login_required
@require_GET
def session_record_pdf_view(request: HttpRequest, session_id: int) -> HttpResponse:
    return pdf_response(_record(request, session_id), for_patient=True)
