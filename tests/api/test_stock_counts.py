"""The API of counts, discrepancies, losses and the book's check (mounted at /stock)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from ketacare.accounts.models import User
from ketacare.alerts.models import Alert, AlertCause, AlertStatus
from ketacare.pharmacy.models import Lot, StockDiscrepancy
from tests.factories import UserFactory
from tests.pharmacy.receiving import on_shelf
from tests.treatment.helpers import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def lot(pharmacist: User, prescriber: User) -> Lot:
    """100 scored troches of lot KC-1001 on the shelf."""
    return on_shelf(pharmacist, prescriber).lot


def _count(api: Any, lot: Lot, units: Any) -> Any:
    return api.post("stock/reconciliations", {"counts": {str(lot.pk): units}, "note": "Safe 1"})


def test_a_count_that_differs_answers_its_discrepancy(as_user, pharmacist, lot):
    answer = _count(as_user(pharmacist), lot, "97.5")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["note"] == "Safe 1"
    [count] = body["counts"]
    assert (count["lot_id"], count["expected"], count["counted"], count["differs"]) == (
        lot.pk,
        100,
        97.5,
        True,
    )
    assert count["discrepancy_id"] == StockDiscrepancy.objects.get().pk
    assert Alert.objects.get().cause == AlertCause.STOCK_DISCREPANCY


def test_counts_are_listed_newest_first(as_user, pharmacist, prescriber, lot):
    _count(as_user(pharmacist), lot, 100)
    _count(as_user(prescriber), lot, 99)
    answer = as_user(pharmacist).get("stock/reconciliations")
    assert answer.status_code == 200
    rows = answer.json()
    assert [r["counted_by_id"] for r in rows] == [prescriber.pk, pharmacist.pk]
    assert [r["counts"][0]["differs"] for r in rows] == [True, False]


def test_a_half_of_a_lot_not_scored_and_an_unknown_lot_are_422(as_user, pharmacist, prescriber):
    lot = on_shelf(pharmacist, prescriber, lot_number="KC-2002", scored=False).lot
    answer = _count(as_user(pharmacist), lot, "9.5")
    assert answer.status_code == 422
    assert f"counts.{lot.pk}" in str(answer.json())
    unknown = as_user(pharmacist).post("stock/reconciliations", {"counts": {"999999": 1}})
    assert unknown.status_code == 422


def test_open_discrepancies_are_explained_once(as_user, pharmacist, prescriber, lot):
    _count(as_user(pharmacist), lot, 98)
    api = as_user(prescriber)
    [open_] = api.get("stock/discrepancies", query={"open": 1}).json()
    assert (open_["difference"], open_["explained_by_id"]) == (-2, None)
    path = f"stock/discrepancies/{open_['id']}/explain"
    answer = api.post(path, {"explanation": "Two on the second shelf."})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["explained_by_id"] == prescriber.pk
    assert Alert.objects.get().status == AlertStatus.RESOLVED
    assert api.get("stock/discrepancies", query={"open": 1}).json() == []
    assert len(api.get("stock/discrepancies").json()) == 1
    again = api.post(path, {"explanation": "Again."})
    assert (again.status_code, again.json()["code"]) == (409, "discrepancy_explained")
    assert api.post(path, {"explanation": ""}).status_code == 422


def test_a_loss_is_201_with_its_alert_and_409_beyond_the_lot(as_user, pharmacist, lot):
    api = as_user(pharmacist)
    body = {"quantity": 3, "what_happened": "A box is missing.", "police_notified": True}
    answer = api.post(f"stock/lots/{lot.pk}/losses", body)
    assert answer.status_code == 201, answer.json()
    assert (answer.json()["quantity"], answer.json()["on_hand_after"]) == (-3, 97)
    alert = Alert.objects.get()
    assert alert.cause == AlertCause.STOCK_LOST
    assert "DEA Form 106" in alert.message
    short = api.post(f"stock/lots/{lot.pk}/losses", body | {"quantity": 98})
    assert (short.status_code, short.json()["code"]) == (409, "lot_short")


def test_the_check_answers_the_books_consistency(as_user, pharmacist, clinic_admin, lot):
    answer = as_user(clinic_admin).get("stock/check")
    assert answer.status_code == 200
    assert answer.json() == {"consistent": True, "inconsistencies": [], "unlotted": []}
    Lot.objects.filter(pk=lot.pk).update(on_hand=90)  # the book tampered with
    [found] = as_user(pharmacist).get("stock/check").json()["inconsistencies"]
    assert (found["check"], found["lot_id"], found["expected"], found["found"]) == (
        "lot_on_hand",
        lot.pk,
        100,
        90,
    )


def test_roles_are_checked_before_anything_is_looked_up(as_user, clinician, coordinator, lot):
    assert _count(as_user(clinician), lot, 1).status_code == 403
    assert as_user(coordinator).get("stock/reconciliations").status_code == 403
    assert as_user(clinician).get("stock/check").status_code == 403
    body = {"quantity": 1, "what_happened": "Gone."}
    assert as_user(clinician).post(f"stock/lots/{lot.pk}/losses", body).status_code == 403
    path = "stock/discrepancies/999999/explain"
    assert as_user(clinician).post(path, {"explanation": "x"}).status_code == 403


def test_another_clinic_sees_nothing(as_user, pharmacist, lot, other_clinic):
    _count(as_user(pharmacist), lot, 98)
    found = StockDiscrepancy.objects.get()
    other = as_user(UserFactory(clinic=other_clinic, pharmacist=True))
    assert other.get("stock/reconciliations").json() == []
    assert other.get("stock/discrepancies").json() == []
    explain = other.post(f"stock/discrepancies/{found.pk}/explain", {"explanation": "x"})
    assert explain.status_code == 404
    loss = other.post(f"stock/lots/{lot.pk}/losses", {"quantity": 1, "what_happened": "x"})
    assert loss.status_code == 404
    assert _count(other, lot, 1).status_code == 422  # no such lot in its own stock
    assert as_user(None).get("stock/check").status_code == 401
