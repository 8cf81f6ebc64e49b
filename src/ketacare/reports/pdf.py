"""HTML to PDF with WeasyPrint: packaged fonts only, and nothing fetched from the network.

The fonts are DejaVu Sans (regular and bold), shipped in this package under
`static/ketacare/fonts/` with their licence, and declared through @font-face with
file: URLs: a PDF looks the same on every machine, whatever fonts it has installed.
A URL fetcher refuses everything but data: URLs and file: URLs inside the ketacare
package, so a record never leaks a request to a third party and never reads a file
outside the code.

WeasyPrint needs Pango (a system library). The import is guarded so that the app
still starts without it; `html_to_pdf` then says what to install.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

try:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
except OSError:  # Pango is missing: the import of WeasyPrint loads it with cffi.
    weasyprint = None
    FontConfiguration = None

PACKAGE_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = Path(__file__).resolve().parent / "static"
FONTS_DIR = STATIC_DIR / "ketacare" / "fonts"
FONT_FAMILY = "Ketacare DejaVu Sans"  # its own name: never confused with a system font
PANGO_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0"


class PdfUnavailableError(RuntimeError):
    """WeasyPrint could not load Pango: PDFs cannot be made on this machine."""

    def __init__(self) -> None:
        super().__init__(
            "PDFs need the Pango text library, which is not installed on this server. "
            f"Install the system packages {PANGO_PACKAGES} (Debian/Ubuntu: "
            f"apt-get install {PANGO_PACKAGES}) and restart."
        )


class RefusedURLError(ValueError):
    """A document asked for a resource outside the package: it is not fetched."""


def is_allowed_url(url: str) -> bool:
    """True for data: URLs and file: URLs of files inside the ketacare package."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return True
    if scheme != "file" or parts.netloc not in {"", "localhost"}:
        return False
    path = Path(unquote(parts.path)).resolve()
    return path.is_file() and path.is_relative_to(PACKAGE_DIR)


def static_file_url(name: str) -> str:
    """The file: URL of a static file this package ships ("ketacare/session-record.css")."""
    return (STATIC_DIR / name).as_uri()


def _font_face(weight: str, filename: str) -> str:
    url = (FONTS_DIR / filename).as_uri()
    return (
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; '
        f'font-style: normal; src: url("{url}") format("truetype"); }}'
    )


def font_stylesheet() -> str:
    """The @font-face rules for the packaged fonts, and the page's default family."""
    return "\n".join(
        [
            _font_face("normal", "DejaVuSans.ttf"),
            _font_face("bold", "DejaVuSans-Bold.ttf"),
            f'html {{ font-family: "{FONT_FAMILY}"; }}',
        ]
    )


def _fetcher() -> Any:
    """A WeasyPrint URL fetcher that refuses any URL `is_allowed_url` refuses."""

    class PackageOnlyFetcher(weasyprint.URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not is_allowed_url(url):
                raise RefusedURLError(url)
            return super().fetch(url, headers)

    return PackageOnlyFetcher(allowed_protocols=("file", "data"), allow_redirects=False)


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF of an HTML document, with the packaged fonts and no network access.

    `base_url` resolves the document's relative URLs; only file: URLs inside the
    package and data: URLs are ever read. Raises PdfUnavailableError without Pango.
    """
    if weasyprint is None:
        raise PdfUnavailableError
    fetcher = _fetcher()
    font_config = FontConfiguration()
    fonts = weasyprint.CSS(string=font_stylesheet(), font_config=font_config, url_fetcher=fetcher)
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[fonts], font_config=font_config)
    return pdf
