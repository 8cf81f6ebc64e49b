"""What the browser tests do on a page: sign in, check it, photograph it."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import Locator, Page, expect

from ketacare.accounts import mfa
from ketacare.accounts.models import User
from tests.factories import PASSWORD
from tests.mfa import recovery_code

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
    # CSS pixels: a phone screenshot stays 360 px wide, and the files stay small. The caret
    # is left as it is: hiding it injects an inline style, which the site's CSP refuses.
    png = page.screenshot(full_page=True, animations="disabled", caret="initial", scale="css")
    # A palette of 128 colours keeps the text sharp at a third of the size (committed files).
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    picture.quantize(colors=128, dither=Image.Dither.NONE).save(path, optimize=True)
    return path


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form at /login/, as a person would.

    Staff then give their second factor: a recovery code made for this sign-in (an app's
    code may be used once per 30 seconds; tests/browser/test_second_factor.py types one).
    """
    user = User.objects.filter(username=username).first()
    code = recovery_code(user) if user is not None and mfa.asks_second_factor(user) else None
    page.goto("/login/")
    assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if code is not None:
        expect(page).to_have_url(re.compile(r"/login/code/"))
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Continue").click()
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


class Person:
    """One person at their own browser: checks and photographs each screen they reach."""

    def __init__(self, page: Page, device: str, *, photos: bool) -> None:
        self.page = page
        self.device = device
        self.photos = photos

    def screen(self, name: str) -> None:
        """The page on screen now: accessible, no sideways scroll on a phone, photographed."""
        # A click returns once the next page starts to arrive: wait for its stylesheets.
        self.page.wait_for_load_state("load")
        assert_accessible(self.page)
        if self.device == "phone":
            assert_no_horizontal_scroll(self.page)
        if self.photos:
            screenshot(self.page, name)


def choose(page: Page | Locator, question: str | re.Pattern[str], answer: str) -> None:
    """Tick `answer` in the radio group (a fieldset with a legend) named `question`."""
    page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()


def nav(page: Page, link: str) -> None:
    """Follow a link of the main navigation (the header of every page)."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=link, exact=True).click()


def expect_message(page: Page, text: str | re.Pattern[str]) -> None:
    """The confirmation (Django's messages, role=status) says `text`."""
    expect(page.get_by_role("status").filter(has_text=text).first).to_be_visible()


def answer_checklist(page: Page, systolic: str, diastolic: str, *, wished_dead: str = "No") -> None:
    """The pre-dose checklist: every answer that lets a dose through, but the blood pressure."""
    choose(page, re.compile("Is your sitter with you now"), "Yes")
    choose(page, re.compile("wished you were dead"), wished_dead)
    choose(page, re.compile("any thoughts of killing yourself"), "No")
    choose(page, re.compile("prepared to do anything to end your life"), "No")
    choose(page, re.compile("gone without food"), "Yes")
    choose(page, re.compile("away from driving"), "Yes")
    page.get_by_label("Blood pressure: top number (systolic)").fill(systolic)
    page.get_by_label("Blood pressure: bottom number (diastolic)").fill(diastolic)
    page.get_by_label("Heart rate (beats a minute)").fill("76")
    page.get_by_role("button", name="Check my answers").click()
