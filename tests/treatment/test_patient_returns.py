"""Issue 17: patients' returns only as 21 CFR 1317 allows (the clinic's protocol says).

Only an authorised collector takes back a patient's controlled substances (21 CFR
1317.30): unless the clinic's protocol says it is one, a return or a destruction on a
patient's ledger is refused (fail closed), naming the patient's way instead.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ketacare.audit.models import AuditEntry
from ketacare.kernel import specs
from ketacare.patients.models import PatientReturns
from ketacare.patients.protocol import change_protocol
from ketacare.patients.specs import ProtocolSpec
from ketacare.treatment import services
from ketacare.treatment.errors import ReturnsNotAccepted
from ketacare.treatment.models import LedgerEvent
from tests.treatment.helpers import accept_returns, balance, ledger_spec

pytestmark = pytest.mark.django_db


def _protocol(admin, **choices):
    spec = specs.read(ProtocolSpec, {"changes": {}, "reason": "DEA registration"} | choices)
    return change_protocol(admin, admin.clinic, spec)


def _give_back(pharmacist, patient, kind="returned", **extra):
    return services.record_ledger_event(pharmacist, patient, ledger_spec(kind, 2, **extra))


@pytest.mark.parametrize("kind", ["returned", "destroyed"])
def test_without_a_protocol_returns_are_refused(pharmacist, prescriber, approved, stocked, kind):
    with pytest.raises(ReturnsNotAccepted) as err:
        _give_back(pharmacist, approved, kind, witness=prescriber)
    assert err.value.code == "returns_not_accepted"
    message = str(err.value)
    assert "does not take back patients' controlled substances" in message
    assert "21 CFR 1317.30" in message
    assert "take-back" in message
    assert "record the units as disposed of by the patient" in message
    assert LedgerEvent.objects.count() == 1  # the dispense only
    assert balance(approved) == 8


def test_a_protocol_not_accepting_returns_refuses_them(pharmacist, clinic_admin, approved, stocked):
    _protocol(clinic_admin, review_note_before_revision=True)
    with pytest.raises(ReturnsNotAccepted):
        _give_back(pharmacist, approved)
    assert balance(approved) == 8


def test_an_authorised_collector_takes_returns_and_destroys_them(
    pharmacist, prescriber, clinic_admin, approved, stocked
):
    _protocol(clinic_admin, patient_returns="authorised_collector")
    assert _give_back(pharmacist, approved).balance_after == 6
    assert _give_back(pharmacist, approved, "destroyed", witness=prescriber).balance_after == 4


def test_the_test_helper_accepts_returns(pharmacist, approved, stocked):
    accept_returns(approved.clinic)
    assert _give_back(pharmacist, approved).balance_after == 6


def test_the_protocol_change_keeps_and_audits_the_choice(clinic_admin):
    first = _protocol(clinic_admin, patient_returns="authorised_collector")
    assert first.patient_returns == PatientReturns.AUTHORISED_COLLECTOR
    entry = AuditEntry.objects.filter(object_type="patients.ClinicProtocol").last()
    assert entry.detail["patient_returns"] == ["not_accepted", "authorised_collector"]
    second = _protocol(clinic_admin, review_note_before_revision=True)
    assert second.patient_returns == PatientReturns.AUTHORISED_COLLECTOR  # kept
    assert second.jurisdiction == "us"
    entry = AuditEntry.objects.filter(object_type="patients.ClinicProtocol").last()
    assert "patient_returns" not in entry.detail
    third = _protocol(clinic_admin, patient_returns="not_accepted")
    assert (third.version, third.patient_returns) == (3, PatientReturns.NOT_ACCEPTED)
    assert third.require_review_note_for_revision


def test_a_pill_count_needs_no_collector(pharmacist, approved, stocked):
    event = services.record_ledger_event(pharmacist, approved, ledger_spec("counted", 8))
    assert event.counted == 8


def test_another_clinics_protocol_does_not_count(pharmacist, approved, stocked, other_clinic):
    accept_returns(other_clinic)
    with pytest.raises(ReturnsNotAccepted):
        _give_back(pharmacist, approved)


def test_nothing_changes_is_still_refused(clinic_admin):
    _protocol(clinic_admin, patient_returns="authorised_collector")
    with pytest.raises(ValidationError, match="Nothing changes"):
        _protocol(clinic_admin, patient_returns="authorised_collector")


def test_where_returns_are_refused_the_patients_own_disposal_takes_the_units_out(approved, stocked):
    note = "Took them to the pharmacy's take-back kiosk on Monday."
    event = services.record_ledger_event(
        approved.user, approved, ledger_spec("disposed", 8, note=note)
    )
    assert (event.kind, event.quantity, event.balance_after) == ("disposed", -8, 0)
    assert balance(approved) == 0
    assert not approved.diversion_findings.exists()  # a disposal is not a diversion finding


def test_a_disposal_says_where_or_how_and_nothing_is_stored_without(pharmacist, approved, stocked):
    with pytest.raises(ValidationError) as err:
        services.record_ledger_event(pharmacist, approved, ledger_spec("disposed", 2))
    assert "take-back" in err.value.message_dict["note"][0]
    assert balance(approved) == 8
