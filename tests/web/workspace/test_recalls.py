"""The recall pages: find a lot, see who received it, recall it, record the calls."""

from __future__ import annotations

from django.urls import reverse

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.pharmacy.models import Lot, RecallTask
from ketacare.pharmacy.recalls import recall_lot
from tests.factories import SitterFactory
from tests.pharmacy.recalling import LOT, OUTCOME, RECALL, handed, recall_spec, troches
from tests.web.helpers import page_text
from tests.web.workspace.test_queries import queries


def _lot_url(lot: Lot) -> str:
    return reverse("ws-recall-lot", kwargs={"lot_id": lot.pk})


def _done_url(task: RecallTask) -> str:
    return reverse("ws-recall-task-done", kwargs={"task_id": task.pk})


def test_a_lot_number_finds_the_lot(clinic, other_clinic, coordinator, signed_in):
    lot = troches(clinic)
    troches(other_clinic, "LOT-ELSEWHERE")
    client = signed_in(coordinator)
    found = client.get(reverse("ws-recalls"), {"lot": f" {LOT} "})
    assert found.status_code == 302
    assert found.url == _lot_url(lot)
    for number in ("NOPE", "LOT-ELSEWHERE"):
        missing = client.get(reverse("ws-recalls"), {"lot": number})
        assert missing.status_code == 200
        assert f"No lot “{number}” is in your clinic" in page_text(missing)


def test_who_received_the_lot_with_balances_and_contacts(clinic, pharmacist, signed_in):
    lot = troches(clinic)
    patient = handed(lot, pharmacist, 6, sitters=0)
    SitterFactory(clinic=clinic, patients=[patient], name="Sam Sitter", phone="+1 555 222 3333")
    response = signed_in(pharmacist).get(_lot_url(lot))
    assert response.status_code == 200
    html = page_text(response)
    assert f"Who received lot {LOT}" in html
    assert patient.legal_name in html
    assert patient.phone in html
    assert patient.email in html
    assert "12 Elm Street" in html
    assert "Sam Sitter" in html
    assert "6 troches" in html  # units received, in the product's own word
    assert "6 tablets" in html  # balance now, in the ledger account's unit
    assert "Recall this lot" in html
    entry = AuditEntry.objects.latest("seq")
    assert (entry.action, entry.detail["ids"]) == (AuditAction.LIST, [patient.pk])


def test_only_the_stock_keepers_see_the_recall_form(clinic, pharmacist, coordinator, signed_in):
    lot = troches(clinic)
    handed(lot, pharmacist)
    assert "Recall this lot" not in page_text(signed_in(coordinator).get(_lot_url(lot)))
    refused = signed_in(coordinator).post(_lot_url(lot), RECALL)
    assert refused.status_code == 403
    lot.refresh_from_db()
    assert not lot.is_recalled


def test_a_pharmacist_recalls_the_lot(clinic, pharmacist, signed_in):
    lot = troches(clinic)
    handed(lot, pharmacist)
    handed(lot, pharmacist)
    client = signed_in(pharmacist)
    response = client.post(_lot_url(lot), RECALL, follow=True)
    html = page_text(response)
    assert f"Lot {LOT} recalled: nothing more is dispensed from it. 2 patients to call." in html
    assert "Recall this lot" not in html
    assert html.count("To call") == 2
    lot.refresh_from_db()
    assert lot.is_recalled
    assert lot.recall_reference == RECALL["reference"]
    assert RecallTask.objects.filter(lot=lot).count() == 2


def test_a_recall_without_its_number_is_refused_on_the_form(clinic, pharmacist, signed_in):
    lot = troches(clinic)
    response = signed_in(pharmacist).post(_lot_url(lot), {"reason": "Sub-potent."})
    assert response.status_code == 400
    assert "Recall number" in page_text(response)
    lot.refresh_from_db()
    assert not lot.is_recalled


def test_a_lot_recalled_already_is_refused_in_words(clinic, pharmacist, signed_in):
    lot = troches(clinic)
    recall_lot(pharmacist, lot, recall_spec())
    response = signed_in(pharmacist).post(_lot_url(lot), RECALL | {"reference": "AGAIN-1"})
    assert response.status_code == 409
    assert f"Lot {LOT} was recalled on 3 March 2025" in page_text(response)


def test_a_coordinator_records_the_call(clinic, pharmacist, coordinator, signed_in):
    lot = troches(clinic)
    patient = handed(lot, pharmacist)
    recall_lot(pharmacist, lot, recall_spec())
    task = RecallTask.objects.get(lot=lot)
    client = signed_in(coordinator)
    empty = client.post(_done_url(task), {"outcome": " "}, follow=True)
    assert f"The call to {patient.legal_name} was not recorded" in page_text(empty)
    task.refresh_from_db()
    assert not task.is_done
    done = client.post(_done_url(task), {"outcome": OUTCOME}, follow=True)
    assert done.redirect_chain == [(_lot_url(lot), 302)]
    assert f"The call to {patient.legal_name} about lot {LOT} is recorded." in page_text(done)
    assert OUTCOME in page_text(done)
    task.refresh_from_db()
    assert (task.done_by, task.outcome) == (coordinator, OUTCOME)
    again = client.post(_done_url(task), {"outcome": "Again."}, follow=True)
    assert "it is recorded once" in page_text(again)


def test_the_recalled_lots_with_their_open_calls(clinic, pharmacist, coordinator, signed_in):
    lot = troches(clinic)
    handed(lot, pharmacist)
    handed(lot, pharmacist)
    recall_lot(pharmacist, lot, recall_spec())
    html = page_text(signed_in(coordinator).get(reverse("ws-recalls")))
    assert f"Lot {LOT}" in html
    assert "2 open" in html
    assert RECALL["reference"] in html
    assert 'href="/workspace/recalls/">Recalls</a>' in html  # the nav link


def test_the_pages_are_for_the_people_who_call_patients(
    clinic, pharmacist, clinic_admin, patient, signed_in
):
    lot = troches(clinic)
    handed(lot, pharmacist)
    recall_lot(pharmacist, lot, recall_spec())
    task = RecallTask.objects.get()
    for user in (clinic_admin, patient.user):
        client = signed_in(user)
        assert client.get(reverse("ws-recalls")).status_code == 403
        assert client.get(_lot_url(lot)).status_code == 403
        assert client.post(_done_url(task), {"outcome": OUTCOME}).status_code == 403
    assert "Recalls</a>" not in page_text(signed_in(clinic_admin).get(reverse("ws-panel")))


def test_another_clinics_lot_is_not_found(clinic, pharmacist, other_pharmacist, signed_in):
    lot = troches(clinic)
    handed(lot, pharmacist)
    recall_lot(pharmacist, lot, recall_spec())
    client = signed_in(other_pharmacist)
    assert client.get(_lot_url(lot)).status_code == 404
    assert client.post(_lot_url(lot), RECALL).status_code == 404
    task = RecallTask.objects.get()
    assert client.post(_done_url(task), {"outcome": OUTCOME}).status_code == 404
    task.refresh_from_db()
    assert not task.is_done


def test_the_lot_page_reads_as_many_queries_for_1_patient_as_for_4(clinic, pharmacist, signed_in):
    few, many = troches(clinic, "LOT-FEW"), troches(clinic, "LOT-MANY")
    handed(few, pharmacist)
    for _ in range(4):
        handed(many, pharmacist, sitters=2)
    for lot in (few, many):
        recall_lot(pharmacist, lot, recall_spec())
    client = signed_in(pharmacist)
    assert queries(client, _lot_url(few)) == queries(client, _lot_url(many))
