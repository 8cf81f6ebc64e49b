"""The workspace shows a staff member only the links they may follow (kernel.policy).

Every role of the clinic opens the panel and a treated patient's chart and each page
of that patient's navigation it is shown; every link on those pages into the
workspace answers, and none leads to a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from ketacare.accounts.models import User
from ketacare.treatment.models import Dispense

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="(/workspace/[^"#?]*)')
# Links that are forms' actions or would change something when followed by a GET.
NOT_PAGES = re.compile(r"/(acknowledge|resolve|clear|preview)/$")


def _links(html: str) -> set[str]:
    return {link for link in HREF.findall(html) if not NOT_PAGES.search(link)}


@pytest.mark.parametrize(
    "role", ["clinician", "prescriber", "pharmacist", "coordinator", "clinic_admin"]
)
def test_no_link_a_role_is_shown_leads_to_a_refusal(
    role: str,
    request: pytest.FixtureRequest,
    signed_in: Callable[[User | None], Client],
    stocked: Dispense,
) -> None:
    client = signed_in(request.getfixturevalue(role))
    chart = f"/workspace/patients/{stocked.patient_id}/"
    seen: set[str] = set()
    to_visit = {"/workspace/", chart}
    while to_visit:
        page = to_visit.pop()
        seen.add(page)
        response = client.get(page)
        assert response.status_code == 200, (role, page, response.status_code)
        to_visit |= _links(response.content.decode()) - seen
    assert chart in seen


def test_a_coordinator_sees_no_link_to_plans_or_prescriptions(
    signed_in: Callable[[User | None], Client], coordinator: User, stocked: Dispense
) -> None:
    html = signed_in(coordinator).get(f"/workspace/patients/{stocked.patient_id}/").content
    assert b"Treatment plan</a>" not in html
    assert b"Prescriptions</a>" not in html
    assert b"Dispensing and ledger</a>" in html
