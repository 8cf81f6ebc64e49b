"""HTML to PDF: a PDF, one page for a typical session record, packaged fonts, no network."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from unittest import mock
from urllib import request

import pytest
import time_machine
from django.template.loader import render_to_string

from ketacare.accounts.models import Clinic, User
from ketacare.reports import pdf
from ketacare.reports.pdf import PdfUnavailableError, html_to_pdf, is_allowed_url, static_file_url
from ketacare.reports.session_record import session_record
from tests.reports.session_record_helpers import full_session
from tests.treatment.helpers import NOW


def inflated(document: bytes) -> bytes:
    """The PDF with every compressed stream (object streams included) appended inflated."""
    out = [document]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", document, re.DOTALL):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"".join(out)


def pages(document: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", inflated(document)))


def font_names(document: bytes) -> list[bytes]:
    return re.findall(rb"/FontName\s*/([^\s/<>\[\]]+)", inflated(document))


def test_a_pdf_starts_with_its_header():
    assert html_to_pdf("<p>Hello</p>").startswith(b"%PDF-")


def test_the_packaged_dejavu_font_is_embedded():
    names = font_names(html_to_pdf("<p>Hello <b>bold</b></p>"))
    assert names
    assert all(b"DejaVu" in name for name in names), names
    assert any(b"Bold" in name for name in names)


def test_an_external_url_is_never_fetched():
    html = (
        '<link rel="stylesheet" href="https://example.com/x.css">'
        '<img src="https://example.com/x.png"><img src="http://127.0.0.1:9/y.png">'
        '<link rel="stylesheet" href="file:///etc/passwd"><p>Hello</p>'
    )
    files = request.FileHandler.file_open
    with (
        mock.patch.object(request.HTTPHandler, "http_open") as http,
        mock.patch.object(request.HTTPSHandler, "https_open") as https,
        mock.patch.object(
            request.FileHandler, "file_open", autospec=True, side_effect=files
        ) as read,
    ):
        document = html_to_pdf(html)
    assert document.startswith(b"%PDF-")
    http.assert_not_called()
    https.assert_not_called()
    assert all("passwd" not in call.args[1].full_url for call in read.call_args_list)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://example.com/x.png", False),
        ("http://localhost/x.css", False),
        ("ftp://example.com/x", False),
        ("file:///etc/passwd", False),
        ("data:text/plain,hello", True),
        (static_file_url("ketacare/session-record.css"), True),
        (static_file_url("ketacare/fonts/DejaVuSans.ttf"), True),
        (static_file_url("ketacare/../../../settings.py") + "x", False),
    ],
)
def test_only_packaged_files_and_data_urls_are_allowed(url: str, *, allowed: bool):
    assert is_allowed_url(url) is allowed


def test_without_pango_the_error_names_what_to_install():
    with mock.patch.object(pdf, "weasyprint", None), pytest.raises(PdfUnavailableError) as error:
        html_to_pdf("<p>Hello</p>")
    assert "libpango-1.0-0 libpangoft2-1.0-0" in str(error.value)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
def test_a_typical_session_record_is_one_page(
    clinic: Clinic, clinician: User, prescriber: User, pharmacist: User
):
    session = full_session(clinic, clinician, prescriber, pharmacist)
    rec = session_record(clinician, session.patient, session.pk)
    css = static_file_url("ketacare/session-record.css")
    html = render_to_string("web/records/session_record_pdf.html", {"rec": rec, "css_url": css})
    document = html_to_pdf(html, base_url=static_file_url("ketacare/"))
    assert pages(document) == 1
    assert all(b"DejaVu" in name for name in font_names(document))
