"""Issue 17, items 4 and 5: the prescriber's identity and a recent state PDMP check.

A prescription carries the prescriber's DEA number and NPI and the patient's address,
copied when written; without them, or without a PDMP check in the clinic's window
(30 days unless it chose otherwise), it is refused, and so is a refill's dispense.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from ketacare.audit.models import AuditEntry
from ketacare.kernel.errors import NotAllowed
from ketacare.kernel.specs import read
from ketacare.patients.protocol import change_protocol
from ketacare.patients.specs import ProtocolSpec
from ketacare.treatment import services
from ketacare.treatment.errors import PdmpCheckMissing, PrescriberIdentityMissing
from ketacare.treatment.models import PdmpCheck, PdmpResult, Prescription
from ketacare.treatment.specs.pdmp import PdmpCheckSpec
from ketacare.treatment.specs.plans import PlanSpec
from tests.factories import UserFactory
from tests.treatment.helpers import PLAN, fill, rx_spec

pytestmark = pytest.mark.django_db

DIRECTIONS = "Hold 2 troches under the tongue for 15 minutes, with your sitter present."


@pytest.fixture
def unchecked_plan(prescriber, approved):
    """A plan, and no PDMP check yet."""
    return services.create_plan(prescriber, approved, read(PlanSpec, PLAN))


def _write(prescriber, patient):
    plan = services.active_plan(patient)
    return services.write_prescription(
        prescriber, patient, rx_spec(plan=plan, quantity=8, directions=DIRECTIONS)
    )


def _check(prescriber, patient, result=PdmpResult.NOTHING_OF_CONCERN, note=""):
    return services.record_pdmp_check(
        prescriber, patient, read(PdmpCheckSpec, {"result": result, "note": note})
    )


def test_a_prescription_keeps_the_prescribers_identity_and_the_address(prescriber, approved, plan):
    rx = _write(prescriber, approved)
    assert (rx.prescriber_dea_number, rx.prescriber_npi) == ("AB1234563", "1234567893")
    assert rx.patient_address == "12 Elm Street\nSpringfield, IL 62701"
    prescriber.dea_number = ""
    prescriber.save()
    rx.refresh_from_db()
    assert rx.prescriber_dea_number == "AB1234563"  # what was true when it was written


def test_no_dea_number_is_refused_with_the_next_step(prescriber, approved, plan):
    prescriber.dea_number = "AB1234564"  # a wrong check digit counts as none
    prescriber.save()
    with pytest.raises(PrescriberIdentityMissing, match="Add your DEA registration number on"):
        _write(prescriber, approved)
    assert not Prescription.objects.exists()


def test_no_npi_and_no_address_are_both_named(prescriber, approved, plan):
    prescriber.npi = ""
    prescriber.save()
    approved.address_line1 = ""
    approved.save()
    with pytest.raises(PrescriberIdentityMissing) as err:
        _write(prescriber, approved)
    assert err.value.code == "prescriber_identity_missing"
    assert "Add your NPI on your account page" in err.value.message
    assert "Add the patient's home address on their record" in err.value.message


def test_no_pdmp_check_is_refused_then_one_allows_it(prescriber, approved, unchecked_plan):
    with pytest.raises(PdmpCheckMissing, match="record the state PDMP check first"):
        _write(prescriber, approved)
    _check(prescriber, approved)
    assert _write(prescriber, approved).pk


def test_a_check_older_than_the_window_does_not_count(prescriber, approved, plan, clock):
    clock.shift(timedelta(days=31))
    with pytest.raises(PdmpCheckMissing, match="last 30 days"):
        _write(prescriber, approved)


def test_the_window_is_the_clinics_choice(prescriber, clinic, approved, plan, clock):
    admin = UserFactory(clinic=clinic, clinic_admin=True)
    change_protocol(
        admin,
        clinic,
        ProtocolSpec(changes={"pdmp_check_window_days": 60}, reason="State rule: 60 days."),
    )
    clock.shift(timedelta(days=45))
    assert _write(prescriber, approved).pk


def test_a_refill_needs_a_recent_check(prescriber, pharmacist, approved, prescription, clock):
    fill(pharmacist, prescription)
    clock.shift(timedelta(days=31))
    with pytest.raises(PdmpCheckMissing, match="dispense this refill"):
        fill(pharmacist, prescription)
    _check(prescriber, approved)
    assert fill(pharmacist, prescription).fill_number == 2


def test_concerns_need_a_note(prescriber, approved):
    with pytest.raises(ValidationError, match="Say what the concerns are"):
        _check(prescriber, approved, PdmpResult.CONCERNS)
    check = _check(prescriber, approved, PdmpResult.CONCERNS, "Two other prescribers.")
    assert check.checked_by == prescriber
    entry = AuditEntry.objects.get(object_type="treatment.PdmpCheck")
    assert entry.detail == {"result": "concerns"}


def test_only_a_prescriber_records_a_check(clinician, pharmacist, approved):
    for someone in (clinician, pharmacist):
        with pytest.raises(NotAllowed):
            _check(someone, approved)
    assert not PdmpCheck.objects.exists()
