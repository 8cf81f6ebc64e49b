"""What a visitor posts to the self-screen, and what the tests read back."""

from __future__ import annotations

import re

from django.http import HttpResponse

from ketacare.clinical.selfscreen import QUESTION_CODES

# PHQ-9 total 15, item 9 = 0 (CLINICAL.md A1: moderately severe).
MODERATELY_SEVERE = (2, 2, 2, 2, 2, 2, 2, 1, 0)

# Any attribute pointing off the site: absolute (http:, https:) or protocol-relative (//).
EXTERNAL = re.compile(
    r"""(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:[a-z]+:)?//""", re.IGNORECASE
)


def screen_post(
    phq9: tuple[int, ...] = MODERATELY_SEVERE,
    failed_trials: str = "2",
    difficulty: int = 1,
    **exclusions: str,
) -> dict[str, str]:
    """A complete self-screen: every exclusion "no" unless given."""
    data = {f"phq9_{n}": str(v) for n, v in enumerate(phq9, start=1)}
    data["phq9_10"] = str(difficulty)
    data["failed_trials"] = failed_trials
    for code in QUESTION_CODES:
        data[f"exclusion_{code}"] = exclusions.get(code, "no")
    return data


def html(response: HttpResponse) -> str:
    return response.content.decode()


def signed_answers(response: HttpResponse) -> str:
    """The signed answers the result page hands to its contact form."""
    match = re.search(r'<input type="hidden" name="answers" value="([^"]+)"', html(response))
    assert match, "the result page offers no contact form"
    return match.group(1)


def external_urls(page: str) -> list[str]:
    return EXTERNAL.findall(page)
