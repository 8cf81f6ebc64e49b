"""Helpers of the patient forms' tests."""

from __future__ import annotations

import datetime as dt
import re

from django.http import HttpResponse

NOW = dt.datetime(2025, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Monday, 11:00 in New York

# Any address that would make the browser fetch something from elsewhere.
_EXTERNAL = re.compile(r"""(?:src|href|action|url\()\s*=?\s*["']?(?:https?:)?//""")


def text(response: HttpResponse) -> str:
    return response.content.decode()


def assert_no_external_urls(response: HttpResponse) -> None:
    html = text(response)
    assert not _EXTERNAL.search(html), _EXTERNAL.search(html)
    # The only URL is the SVG namespace of an inline chart.
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {"http://www.w3.org/2000/svg"}


def answers(**items: int) -> dict[str, str]:
    """POST data of a questionnaire, item by item (item_1=2, ...)."""
    return {name: str(value) for name, value in items.items()}


def all_items(values: list[int]) -> dict[str, str]:
    return {f"item_{n}": str(v) for n, v in enumerate(values, start=1)}
