"""What the workspace's and the portal's session record pages share: the page and the PDF.

The page prints on one sheet with the browser's print; the PDF is the same record made
on the server with the packaged fonts (ketacare.reports.pdf).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from ketacare.reports.pdf import PdfUnavailableError, html_to_pdf, static_file_url
from ketacare.reports.session_record import SessionRecord

CSS = "ketacare/session-record.css"


def record_page(
    request: HttpRequest,
    rec: SessionRecord,
    *,
    pdf_url: str,
    back: tuple[str, str],
    for_patient: bool = False,
) -> HttpResponse:
    """The record's page; `back` is the link back and its words ("the chart")."""
    back_url, back_words = back
    context = {
        "rec": rec,
        "pdf_url": pdf_url,
        "back_url": back_url,
        "back_words": back_words,
        "for_patient": for_patient,
    }
    return render(request, "web/records/session_record.html", context)


def pdf_response(rec: SessionRecord, *, for_patient: bool = False) -> HttpResponse:
    """The record as a PDF shown in the browser (inline), named by the session's date."""
    context = {"rec": rec, "css_url": static_file_url(CSS), "for_patient": for_patient}
    html = render_to_string("web/records/session_record_pdf.html", context)
    try:
        pdf = html_to_pdf(html, base_url=static_file_url("ketacare/"))
    except PdfUnavailableError as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{rec.filename}"'
    return response
