"""The portal shows a patient and a sitter only the links they may follow.

The patient opens /portal/ and the sitter /portal/sitter/; every link on those pages
into the site answers, and none leads to a refusal (403) or a page that is not theirs
(404). A page reached from a link is crawled in turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from ketacare.accounts.models import User
from ketacare.treatment.models import Dispense
from tests.factories import SitterFactory

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="(/(?:portal|workspace|api)/[^"#?]*)')


def _crawl(client: Client, start: str) -> set[str]:
    seen: set[str] = set()
    to_visit = {start}
    while to_visit:
        page = to_visit.pop()
        seen.add(page)
        response = client.get(page, follow=True)
        assert response.status_code == 200, (start, page, response.status_code)
        if response.get("Content-Type", "").startswith("text/html"):
            to_visit |= set(HREF.findall(response.content.decode())) - seen
    return seen


def test_no_link_a_patient_is_shown_leads_to_a_refusal(
    signed_in: Callable[[User | None], Client], stocked: Dispense
) -> None:
    seen = _crawl(signed_in(stocked.patient.user), "/portal/")
    assert not any(page.startswith("/workspace/") for page in seen)
    assert len(seen) > 5, seen  # the patient's pages were reached, not only the start


def test_no_link_a_sitter_is_shown_leads_to_a_refusal(
    signed_in: Callable[[User | None], Client], stocked: Dispense
) -> None:
    sitter = SitterFactory(clinic=stocked.patient.clinic, patients=[stocked.patient])
    seen = _crawl(signed_in(sitter.user), "/portal/sitter/")
    assert f"/portal/sitter/{stocked.patient_id}/" in seen
    # The sitter's pages, and "How we contact you" (their own reminders).
    assert all(page.startswith("/portal/sitter/") or page == "/portal/contact/" for page in seen)
    assert "/portal/contact/" in seen
