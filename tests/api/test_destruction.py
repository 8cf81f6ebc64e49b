"""The destruction endpoints under /stock: roles, clinics, and the witnesses' own confirmations."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from ketacare.accounts.models import User
from ketacare.pharmacy.models import Destruction, Lot
from tests.api.conftest import API
from tests.factories import UserFactory
from tests.pharmacy.destroying import destroyed, lot_of

BODY = {"quantity": 4, "method": "chemical_digestion", "reason": "expired"}
# Every operation of the OpenAPI document under /stock/ that is a destruction's.
ENDPOINTS = {
    ("POST", "stock/lots/{}/destructions"),
    ("GET", "stock/destructions"),
    ("GET", "stock/destructions/{}"),
    ("POST", "stock/destructions/{}/confirm"),
}


@pytest.fixture
def lot(clinic) -> Lot:
    return lot_of(clinic)


def body(first: User, second: User, **changes: Any) -> dict[str, Any]:
    return BODY | {"first_witness_id": first.pk, "second_witness_id": second.pk} | changes


def test_a_pharmacist_records_it_and_each_witness_confirms(
    as_user, pharmacist, prescriber, clinician, lot
):
    created = as_user(pharmacist).post(
        f"stock/lots/{lot.pk}/destructions", body(prescriber, clinician)
    )
    assert created.status_code == 201, created.json()
    record = created.json()
    assert record["complete"] is False
    assert record["awaiting_ids"] == [prescriber.pk, clinician.pk]
    url = f"stock/destructions/{record['id']}/confirm"
    assert as_user(pharmacist).post(url).status_code == 403
    first = as_user(prescriber).post(url)
    assert first.status_code == 200, first.json()
    assert first.json()["awaiting_ids"] == [clinician.pk]
    again = as_user(prescriber).post(url)
    assert again.status_code == 409
    assert again.json()["code"] == "already_confirmed"
    done = as_user(clinician).post(url).json()
    assert done["complete"] is True
    assert done["first_confirmed_at"] is not None
    assert done["second_confirmed_at"] is not None


def test_bad_witnesses_are_422_naming_the_field(as_user, pharmacist, prescriber, coordinator, lot):
    response = as_user(pharmacist).post(
        f"stock/lots/{lot.pk}/destructions", body(prescriber, coordinator)
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.second_witness_id"]
    same = as_user(pharmacist).post(
        f"stock/lots/{lot.pk}/destructions", body(prescriber, prescriber)
    )
    assert same.status_code == 422
    assert not Destruction.objects.exists()


def test_beyond_the_stock_is_409_lot_short(as_user, pharmacist, prescriber, clinician, lot):
    response = as_user(pharmacist).post(
        f"stock/lots/{lot.pk}/destructions", body(prescriber, clinician, quantity=101)
    )
    assert response.status_code == 409
    assert response.json()["code"] == "lot_short"


def test_roles(  # noqa: PLR0913, PLR0917 - the people of the pattern
    as_user, pharmacist, prescriber, clinician, coordinator, clinic_admin, lot
):
    path = f"stock/lots/{lot.pk}/destructions"
    for user in (prescriber, clinician, coordinator, clinic_admin):
        assert as_user(user).post(path, body(pharmacist, clinician)).status_code == 403
    done = destroyed(pharmacist, lot, prescriber, clinician)
    # Readers: who sees the stock, and the witnesses; a coordinator neither.
    for user in (pharmacist, prescriber, clinician, clinic_admin):
        assert as_user(user).get("stock/destructions").status_code == 200
        assert as_user(user).get(f"stock/destructions/{done.pk}").status_code == 200
    assert as_user(coordinator).get("stock/destructions").status_code == 403
    confirm = f"stock/destructions/{done.pk}/confirm"
    assert as_user(coordinator).post(confirm).status_code == 403


def test_a_clinician_reads_only_the_destructions_naming_them(  # noqa: PLR0913, PLR0917 - the people of the pattern
    as_user, pharmacist, prescriber, clinician, colleague, lot
):
    theirs = destroyed(pharmacist, lot, prescriber, clinician)
    other = destroyed(pharmacist, lot, prescriber, colleague)
    listed = as_user(clinician).get("stock/destructions").json()
    assert [d["id"] for d in listed] == [theirs.pk]
    assert as_user(clinician).get(f"stock/destructions/{other.pk}").status_code == 404
    # Not theirs to confirm: a 403 saying who must.
    refused = as_user(clinician).post(f"stock/destructions/{other.pk}/confirm")
    assert refused.status_code == 403
    assert colleague.display_name in refused.json()["message"]


def test_another_clinic_is_a_404(  # noqa: PLR0913, PLR0917 - the people of the pattern
    as_user, pharmacist, prescriber, clinician, other_clinic, lot
):
    done = destroyed(pharmacist, lot, prescriber, clinician)
    everything = UserFactory(
        clinic=other_clinic, pharmacist=True, prescriber=True, clinic_admin=True
    )
    client = as_user(everything)
    assert (
        client.post(f"stock/lots/{lot.pk}/destructions", body(prescriber, clinician)).status_code
        == 404
    )
    assert client.get("stock/destructions").json() == []
    assert client.get(f"stock/destructions/{done.pk}").status_code == 404
    assert client.post(f"stock/destructions/{done.pk}/confirm").status_code == 404
    assert Destruction.objects.count() == 1


def test_anonymous_is_401(lot):
    client = Client()
    assert client.get(f"{API}/stock/destructions").status_code == 401


def test_the_endpoints_are_these(client: Client) -> None:
    document = client.get(f"{API}/openapi.json").json()
    documented = {
        (method.upper(), re.sub(r"\{\w+\}", "{}", path.removeprefix(f"{API}/")))
        for path, operations in document["paths"].items()
        if "destruction" in path
        for method in operations
    }
    assert documented == ENDPOINTS
