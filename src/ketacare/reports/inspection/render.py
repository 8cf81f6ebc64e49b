"""A record as a printable HTML document and as a PDF (packaged fonts, nothing fetched).

Each record names its body template (`template`); the document wraps it with the
stylesheet and the page size of the clinic's jurisdiction. The workspace's page shows the
same body inside the site (web/workspace/inspection/record.html).
"""

from __future__ import annotations

from typing import Any, Protocol

from django.template.loader import render_to_string

from ketacare.reports.inspection.common import Registrant
from ketacare.reports.pdf import html_to_pdf, static_file_url

CSS = "ketacare/inspection.css"


class Printable(Protocol):
    """What a printable record has: its registrant, its body template, title and file name."""

    @property
    def registrant(self) -> Registrant: ...
    @property
    def template(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def filename(self) -> str: ...


def document_html(rec: Printable, *, extra: dict[str, Any] | None = None) -> str:
    """The record as one HTML document, for the PDF."""
    context = {
        "rec": rec,
        "body": rec.template,
        "css_url": static_file_url(CSS),
        "paper": rec.registrant.law.paper,
    } | (extra or {})
    return render_to_string("reports/inspection/document.html", context)


def document_pdf(rec: Printable) -> bytes:
    """The record as a PDF; PdfUnavailableError when WeasyPrint cannot load Pango."""
    return html_to_pdf(document_html(rec), base_url=static_file_url("ketacare/"))
