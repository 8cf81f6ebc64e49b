"""The browser harness itself: Chromium signs a clinician in, and the guard holds."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ketacare.accounts.models import User
from ketacare.audit.models import AuditAction, AuditEntry
from tests.browser.conftest import Browsers
from tests.browser.helpers import assert_accessible, assert_no_horizontal_scroll, login
from tests.factories import PASSWORD


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_clinician_signs_in(browsers: Browsers, clinician: User, device: str) -> None:
    page = browsers.page(device)
    page.goto("/login/")
    if device == "phone":  # the sign-in page is everyone's, on any screen
        assert_no_horizontal_scroll(page)
    login(page, "alice")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor_id=clinician.pk).exists()


def test_a_wrong_password_is_refused_with_an_error(page: Page, clinician: User) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page).to_have_url("/login/")
    assert_accessible(page)


def test_the_csp_refuses_requests_to_other_hosts(browsers: Browsers, page: Page) -> None:
    page.goto("/login/")
    outcome = page.evaluate(
        "() => fetch('http://example.invalid/track').then(() => 'reached', () => 'blocked')"
    )
    guard = browsers.guard(page)
    assert outcome == "blocked"
    assert guard.foreign == []  # the browser never sent it
    assert any("connect-src" in text or "default-src" in text for text in guard.blocked_by_csp)
    guard.blocked_by_csp.clear()  # the CSP worked: the test itself must not fail at teardown


def test_pages_render_text(page: Page) -> None:
    """Headless Chromium has a font: the sign-in heading has a width."""
    page.goto("/login/")
    box = page.get_by_role("heading", name="Sign in").bounding_box()
    assert box is not None
    assert box["width"] > 20
    width = page.evaluate(
        "() => { const c = document.createElement('canvas').getContext('2d');"
        " c.font = '16px sans-serif'; return c.measureText('ketacare').width; }"
    )
    assert width > 20


def test_the_guard_aborts_and_records_requests_to_other_hosts(browsers: Browsers) -> None:
    # The site's CSP would refuse these requests first: the guard is the second wall.
    page = browsers.context("desktop", bypass_csp=True).new_page()
    page.goto("/login/")
    outcome = page.evaluate(
        "() => fetch('http://example.invalid/track').then(() => 'reached', () => 'blocked')"
    )
    page.evaluate(
        "() => new Promise(done => { const img = new Image(); img.onerror = done;"
        " img.onload = done; img.src = 'https://cdn.example.org/pixel.png'; })"
    )
    guard = browsers.guard(page)
    assert outcome == "blocked"
    assert guard.foreign == ["http://example.invalid/track", "https://cdn.example.org/pixel.png"]
    assert guard.problems()[0] == "request to another host: http://example.invalid/track"
    guard.foreign.clear()  # the guard worked: the test itself must not fail at teardown


def test_the_guard_records_unlabelled_inputs(browsers: Browsers, page: Page) -> None:
    page.goto("/login/")
    page.evaluate(
        "() => { const i = document.createElement('input'); i.name = 'mystery';"
        " document.querySelector('form').append(i); }"
    )
    problems = page.evaluate("() => window.__ketacareProblems()")
    assert problems == ["input[type=text][name=mystery] has no label"]
    page.reload()  # the stray input goes; the page is clean again
    assert_accessible(page)


def test_the_guard_records_text_of_too_low_contrast(page: Page) -> None:
    """WCAG 1.4.3: grey #999 on white (2.85:1) fails; #767676 (4.54:1) passes."""
    page.goto("/login/")
    page.evaluate(
        "() => { for (const [id, colour] of [['pale', '#999999'], ['fine', '#767676']]) {"
        " const p = document.createElement('p'); p.id = id; p.textContent = 'Check in by 14:00';"
        " p.style.color = colour; p.style.background = '#ffffff'; p.style.fontSize = '16px';"
        " document.querySelector('main').append(p); } }"
    )
    problems = page.evaluate("() => window.__ketacareContrast()")
    assert len(problems) == 1
    assert problems[0].startswith("low contrast 2.85:1 (needs 4.5:1) on p#pale")
    page.reload()
    assert page.evaluate("() => window.__ketacareContrast()") == []


def test_signing_in_with_the_keyboard_only(page: Page, clinician: User) -> None:
    """Tab reaches the skip link first; the form takes typing, Tab and Enter."""
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # the skip link shows when it has the focus
    page.get_by_role("link", name="Sign in").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Username")).to_be_focused()  # autofocus
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
