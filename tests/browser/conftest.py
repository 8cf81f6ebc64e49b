"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Playwright never downloads a browser here: it launches /usr/bin/chromium (`make test`
installs it with apt-get when it is missing). Without it the tests skip, except in CI
(env CI set), where they fail.

Every page is opened in a guarded context (see `Guard`), which at the end of the test
asserts that:
- no request went to any host other than the test server (each one is aborted, recorded);
- no page threw a JavaScript error, and no stylesheet, script, image or font failed to load;
- the Content-Security-Policy blocked nothing (no inline script or style, no other host);
- every page visited passed the accessibility checks of checks.js (labels, names, alt
  text, <h1>, lang, unique ids), run at each page load and after each htmx swap.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Response,
    Route,
    WebSocketRoute,
    sync_playwright,
)
from playwright.sync_api import (
    Error as PlaywrightError,
)

CHROMIUM = os.environ.get("KETACARE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHECKS_JS = (Path(__file__).parent / "checks.js").read_text()
HERE = Path(__file__).parent

# The two devices of the issue: a clinician's desk screen, a patient's phone.
DEVICES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}
# A missing stylesheet or script is a broken page, even when the HTML itself is served.
ASSET_TYPES = frozenset({"stylesheet", "script", "image", "font"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives Chromium through Playwright against the live server"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class Guard:
    """What one browser context did that a test must not let pass."""

    context: BrowserContext
    server: str  # host:port of the live server
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    broken_assets: list[str] = field(default_factory=list)
    inaccessible: dict[tuple[str, str], None] = field(default_factory=dict)  # ordered set
    blocked_by_csp: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        if self.is_server(route.request.url):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort("blockedbyclient")

    def route_web_socket(self, socket: WebSocketRoute) -> None:
        if self.is_server(socket.url):
            socket.connect_to_server()
        else:
            self.foreign.append(socket.url)
            socket.close()

    def is_server(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in {"http", "ws"} and parts.netloc == self.server

    def page_error(self, error: Exception) -> None:
        self.errors.append(str(error))

    def console(self, message: ConsoleMessage) -> None:
        """Chromium says "Refused to ..." on the console for what the CSP blocked."""
        if "Content Security Policy" in message.text:
            self.blocked_by_csp.append(f"{message.location.get('url', '')}: {message.text}")

    def response(self, response: Response) -> None:
        request: Request = response.request
        if request.resource_type in ASSET_TYPES and response.status >= 400:
            self.broken_assets.append(f"{response.status} {request.url}")

    def report(self, source: Any, path: str, problems: list[str]) -> None:
        for problem in problems:
            self.inaccessible[path, problem] = None

    def problems(self) -> list[str]:
        found = [f"request to another host: {url}" for url in self.foreign]
        found += [f"JavaScript error: {error}" for error in self.errors]
        found += [f"asset failed to load: {asset}" for asset in self.broken_assets]
        found += [f"blocked by the Content-Security-Policy: {text}" for text in self.blocked_by_csp]
        found += [f"accessibility, {path}: {problem}" for path, problem in self.inaccessible]
        return found


@dataclass
class Browsers:
    """Opens guarded contexts (one per person) and checks them all at the end of a test."""

    browser: Browser
    base_url: str
    guards: list[Guard] = field(default_factory=list)

    def context(self, device: str = "desktop", **options: Any) -> BrowserContext:
        """A guarded context; `options` go to Playwright (bypass_csp=True tests the guard)."""
        context = self.browser.new_context(base_url=self.base_url, **DEVICES[device], **options)
        context.set_default_timeout(10_000)
        guard = Guard(context, urlsplit(self.base_url).netloc)
        context.route("**/*", guard.route)
        context.route_web_socket("**/*", guard.route_web_socket)
        context.expose_binding("__ketacareReport", guard.report)
        context.add_init_script(CHECKS_JS)
        context.on("weberror", lambda error: guard.page_error(error.error))
        context.on("console", guard.console)
        context.on("response", guard.response)
        self.guards.append(guard)
        return context

    def page(self, device: str = "desktop") -> Page:
        return self.context(device).new_page()

    def guard(self, page: Page) -> Guard:
        return next(g for g in self.guards if g.context is page.context)

    def photograph(self, folder: Path) -> None:
        """A picture of each person's page, for whoever reads why a test failed."""
        folder.mkdir(parents=True, exist_ok=True)
        for number, guard in enumerate(self.guards, start=1):
            for page in guard.context.pages:
                with contextlib.suppress(PlaywrightError):  # a crashed page has no picture
                    page.screenshot(path=folder / f"person-{number}.png", full_page=True)

    def close(self) -> list[str]:
        problems = []
        for guard in self.guards:
            for page in guard.context.pages:
                if page.url == "about:blank":
                    continue
                # The page on screen at the end is checked too (and pending reports arrive).
                guard.report(None, urlsplit(page.url).path, page.evaluate(PROBLEMS_JS))
            guard.context.close()
            problems += guard.problems()
        return problems


PROBLEMS_JS = "() => window.__ketacareProblems ? window.__ketacareProblems() : []"


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (make test does)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    # Playwright's sync API keeps an asyncio loop running in this thread, and Django
    # refuses ORM calls from such a thread. Nothing async shares our connections, so we
    # say so while the browser runs (and only then: the package scope ends it).
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as driver:
        yield driver
    if saved is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One Chromium for every browser test; each test opens its own contexts."""
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


CALL_FAILED = pytest.StashKey[bool]()
# Where a failed test leaves a picture of each page it had open (for a human, or CI).
FAILURES = Path(os.environ.get("KETACARE_BROWSER_FAILURES", "/tmp/ketacare-browser-failures"))  # noqa: S108


FORBIDDEN = (
    "the browser saw what these tests forbid (a request to any host other than the test "
    "server, a JavaScript error, a broken asset, something the CSP blocked, an "
    "accessibility problem):"
)


@pytest.fixture
def browsers(
    browser: Browser, live_server: Any, request: pytest.FixtureRequest
) -> Iterator[Browsers]:
    """`browsers.page("phone")`: a page of a new person, checked at the end of the test."""
    opened = Browsers(browser, live_server.url)
    yield opened
    if request.node.stash.get(CALL_FAILED, False):
        opened.photograph(FAILURES / re.sub(r"\W+", "-", request.node.name))
    problems = opened.close()
    assert not problems, "\n".join([FORBIDDEN, *problems])


@pytest.fixture
def desktop_context(browsers: Browsers) -> BrowserContext:
    return browsers.context("desktop")


@pytest.fixture
def phone_context(browsers: Browsers) -> BrowserContext:
    return browsers.context("phone")


@pytest.fixture
def page(desktop_context: BrowserContext) -> Page:
    return desktop_context.new_page()


@pytest.fixture
def phone_page(phone_context: BrowserContext) -> Page:
    return phone_context.new_page()
