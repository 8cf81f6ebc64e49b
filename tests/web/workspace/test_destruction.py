"""The destruction pages: the form for a lot, the records, a witness's own confirmation."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketacare.audit.models import AuditEntry
from ketacare.pharmacy.models import Destruction, Lot
from tests.factories import UserFactory
from tests.pharmacy.destroying import destroyed, lot_of


def _destroy_url(lot: Lot) -> str:
    return reverse("ws-stock-destroy", kwargs={"lot_id": lot.pk})


def _url(name: str, d: Destruction) -> str:
    return reverse(name, kwargs={"destruction_id": d.pk})


def _form(first, second, **changes):  # type: ignore[no-untyped-def]
    data = {
        "quantity": "4",
        "method": "chemical_digestion",
        "reason": "expired",
        "note": "",
        "first_witness_id": str(first.pk),
        "second_witness_id": str(second.pk),
    }
    return data | changes


def test_the_form_offers_the_clinics_witnesses_but_the_pharmacist(  # noqa: PLR0913, PLR0917 - the people of the pattern
    clinic, pharmacist, prescriber, clinician, coordinator, outsider, signed_in
):
    lot = lot_of(clinic)
    page = signed_in(pharmacist).get(_destroy_url(lot))
    assert page.status_code == 200
    offered = dict(page.context["form"].fields["first_witness_id"].choices)
    assert prescriber.pk in offered
    assert clinician.pk in offered
    for nobody in (pharmacist, coordinator, outsider):
        assert nobody.pk not in offered


def test_a_pharmacist_records_it(clinic, pharmacist, prescriber, clinician, signed_in):
    lot = lot_of(clinic)
    response = signed_in(pharmacist).post(_destroy_url(lot), _form(prescriber, clinician))
    done = Destruction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("ws-destruction", done)
    page = signed_in(pharmacist).get(response["Location"])
    text = page.content.decode()
    assert f"Awaiting confirmation by {prescriber.display_name}" in text
    assert f"Awaiting confirmation by {clinician.display_name}" in text
    assert 'class="badge stop"' in text
    assert "Confirm destruction" not in text  # the pharmacist is no witness


def test_refusals_are_shown_and_nothing_stored(
    clinic, pharmacist, prescriber, clinician, signed_in
):
    lot = lot_of(clinic)
    client = signed_in(pharmacist)
    same = client.post(_destroy_url(lot), _form(prescriber, prescriber))
    assert same.status_code == 400
    assert "two different people" in same.content.decode()
    other = client.post(_destroy_url(lot), _form(prescriber, clinician, method="other"))
    assert other.status_code == 400
    assert "Describe the method or the reason" in other.content.decode()
    assert not Destruction.objects.exists()


def test_only_a_pharmacist_opens_the_form(clinic, prescriber, clinician, signed_in):
    lot = lot_of(clinic)
    for user in (prescriber, clinician):
        assert signed_in(user).get(_destroy_url(lot)).status_code == 403


def test_each_witness_confirms_from_their_own_account(
    clinic, pharmacist, prescriber, clinician, signed_in
):
    done = destroyed(pharmacist, lot_of(clinic), prescriber, clinician)
    listed = signed_in(clinician).get(reverse("ws-destructions")).content.decode()
    assert f"Confirm destruction {done.pk}" in listed
    assert "1 awaits your confirmation" in listed
    confirm = _url("ws-destruction-confirm", done)
    assert signed_in(pharmacist).post(confirm).status_code == 403
    assert signed_in(clinician).post(confirm).status_code == 302
    after = signed_in(clinician).get(reverse("ws-destructions")).content.decode()
    assert f"Confirm destruction {done.pk}" not in after
    assert f"Awaiting confirmation by {prescriber.display_name}" in after
    again = signed_in(clinician).post(confirm, follow=True).content.decode()
    assert "a witness confirms once" in again
    signed_in(prescriber).post(confirm)
    done.refresh_from_db()
    assert done.is_complete
    page = signed_in(pharmacist).get(_url("ws-destruction", done)).content.decode()
    assert "Both witnesses confirmed" in page
    assert "Awaiting confirmation" not in page


def test_who_sees_the_records(  # noqa: PLR0913, PLR0917 - the people of the pattern
    clinic, pharmacist, prescriber, clinician, colleague, coordinator, signed_in
):
    lot = lot_of(clinic)
    theirs = destroyed(pharmacist, lot, prescriber, clinician)
    other = destroyed(pharmacist, lot, prescriber, colleague)
    page = signed_in(clinician).get(reverse("ws-destructions"))
    assert [row["d"] for row in page.context["rows"]] == [theirs]
    assert signed_in(clinician).get(_url("ws-destruction", other)).status_code == 404
    assert signed_in(coordinator).get(reverse("ws-destructions")).status_code == 403
    reads = AuditEntry.objects.filter(action="read", object_type="pharmacy.Destruction")
    before = reads.count()
    signed_in(prescriber).get(_url("ws-destruction", other))
    assert reads.count() == before + 1


def test_another_clinics_staff_get_404(clinic, other_clinic, pharmacist, prescriber, signed_in):
    lot = lot_of(clinic)
    done = destroyed(pharmacist, lot, prescriber, UserFactory(clinic=clinic, clinician=True))
    everything = UserFactory(
        clinic=other_clinic, pharmacist=True, prescriber=True, clinic_admin=True
    )
    client = signed_in(everything)
    assert client.get(_destroy_url(lot)).status_code == 404
    assert client.get(_url("ws-destruction", done)).status_code == 404
    assert client.post(_url("ws-destruction-confirm", done)).status_code == 404
    assert client.get(reverse("ws-destructions")).context["rows"] == []


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_list_reads_a_fixed_number_of_queries(
    clinic, pharmacist, prescriber, clinician, signed_in
):
    lot = lot_of(clinic)
    destroyed(pharmacist, lot, prescriber, clinician)
    for user in (pharmacist, clinician):
        client = signed_in(user)
        one = _queries(client, reverse("ws-destructions"))
        for _ in range(3):
            destroyed(pharmacist, lot, prescriber, clinician, quantity="1")
        assert _queries(client, reverse("ws-destructions")) == one
