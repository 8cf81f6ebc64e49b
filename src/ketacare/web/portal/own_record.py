"""Your record: what the clinic holds about you, to read, print (PDF) or take away (FHIR).

Only the patient themself (`download_own_record`; anyone else: 404). The page and the
printable copy are `ketacare.interop.exports.own_record`'s, with the score charts of
`ketacare.reports.charts`; the computer-readable copy is the FHIR R4 bundle of
everything (`ketacare.interop.fhir.server.patient_everything`), audited there.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from ketacare.interop.exports.own_record import own_record
from ketacare.interop.fhir.outcome import FhirError
from ketacare.interop.fhir.server import patient_everything
from ketacare.kernel import clock
from ketacare.reports.charts import score_progress
from ketacare.reports.pdf import PdfUnavailableError, html_to_pdf, static_file_url
from ketacare.web.portal.pages import me

CSS = "ketacare/session-record.css"
VIA = "portal own record"
NO_PDF = (
    "The printable copy cannot be made on this server just now. The page itself prints: "
    "use your browser's Print. If you need a paper copy, call your clinic."
)


def _context(request: HttpRequest, form: str) -> dict[str, Any]:
    user, patient = me(request)
    record = own_record(user, patient, form=form)
    return {"record": record, "scores": score_progress(patient), "made_at": clock.now()}


@login_required
@require_GET
def own_record_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/portal/own_record.html", _context(request, "page"))


@login_required
@require_GET
def own_record_pdf(request: HttpRequest) -> HttpResponse:
    context = _context(request, "pdf") | {"css_url": static_file_url(CSS)}
    html = render_to_string("web/portal/own_record_pdf.html", context)
    try:
        pdf = html_to_pdf(html, base_url=static_file_url("ketacare/"))
    except PdfUnavailableError:
        return HttpResponse(NO_PDF, status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="my-ketacare-record.pdf"'
    return response


@login_required
@require_GET
def own_record_fhir(request: HttpRequest) -> HttpResponse:
    user, patient = me(request)
    base_url = request.build_absolute_uri("/fhir").rstrip("/")
    try:
        bundle = patient_everything(user, patient, base_url=base_url, via=VIA)
    except FhirError:
        raise Http404("No such record.") from None
    response = HttpResponse(json.dumps(bundle, indent=1), content_type="application/fhir+json")
    response["Content-Disposition"] = 'attachment; filename="my-ketacare-record.json"'
    return response
