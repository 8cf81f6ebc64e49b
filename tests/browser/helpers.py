"""What the browser tests do on a page: sign in, check it, photograph it."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

# The committed screenshots (shown in the README). Only rewritten on request
# (KETACARE_SCREENSHOTS=1), so that a test run never changes committed files.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot(page: Page, name: str) -> Path | None:
    """A full-page PNG of what the user sees, as docs/screenshots/<name>.png."""
    if os.environ.get("KETACARE_SCREENSHOTS") != "1":
        return None
    page.wait_for_load_state("load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # CSS pixels: a phone screenshot stays 360 px wide, and the files stay small.
    png = page.screenshot(full_page=True, animations="disabled", caret="hide", scale="css")
    # A palette of 128 colours keeps the text sharp at a third of the size (committed files).
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    picture.quantize(colors=128, dither=Image.Dither.NONE).save(path, optimize=True)
    return path


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form at /login/, as a person would."""
    page.goto("/login/")
    assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def assert_no_horizontal_scroll(page: Page) -> None:
    """Nothing sticks out sideways: a phone user never scrolls left and right.

    Against the device's width, not only window.innerWidth: a mobile browser zooms out
    to show a page wider than the screen, and innerWidth grows with it.
    """
    page.wait_for_load_state("load")  # measured with the stylesheets applied
    viewport = page.viewport_size
    assert viewport is not None
    sizes = page.evaluate(
        """width => ({
            scroll: document.documentElement.scrollWidth,
            inner: window.innerWidth,
            wide: window.__ketacareTooWide(width),
        })""",
        viewport["width"],
    )
    width = min(viewport["width"], sizes["inner"])
    assert sizes["scroll"] <= width, (
        f"{page.url} scrolls sideways on a {viewport['width']} px screen: the page is "
        f"{sizes['scroll']} px wide; too wide: {sizes['wide']}"
    )


def assert_accessible(page: Page) -> None:
    """The checks of checks.js on the page as it is now (they also run on every load)."""
    problems = page.evaluate("() => window.__ketacareProblems()")
    assert not problems, f"{page.url}: {problems}"
