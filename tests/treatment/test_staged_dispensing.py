"""Staged dispensing (issue 17, item 6): a refill waits for its conditions, or a release.

A new fill is held while a dosed session has no check-in, a questionnaire is overdue,
an urgent alert is open, or the last pill count differed from the ledger; which holds
apply is the clinic's protocol; a prescriber releases one held fill with a note.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Model

from ketacare.alerts.models import Alert, AlertCause, AlertSeverity, AlertStatus
from ketacare.audit.models import AuditEntry
from ketacare.kernel.errors import NotAllowed
from ketacare.kernel.specs import read
from ketacare.patients.models import Patient
from ketacare.patients.protocol import change_protocol
from ketacare.patients.specs import ProtocolSpec
from ketacare.treatment import services, staging
from ketacare.treatment.errors import FillHeld, FillNotHeld
from ketacare.treatment.models import FillRelease, LedgerEventKind, PdmpResult
from ketacare.treatment.specs.pdmp import PdmpCheckSpec
from ketacare.treatment.specs.staging import FillReleaseSpec
from tests.factories import UserFactory
from tests.treatment.helpers import fill, ledger_spec
from tests.treatment.rx_helpers import checked_in, dose_on_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def refill_due(prescriber, approved, prescription, stocked, clock):  # type: ignore[no-untyped-def]
    """Fill 1 dispensed, the earliest refill day passed, and a PDMP check just now."""
    clock.shift(timedelta(days=31))
    services.record_pdmp_check(
        prescriber, approved, read(PdmpCheckSpec, {"result": PdmpResult.NOTHING_OF_CONCERN})
    )
    return prescription


def _alert(patient: Patient, cause: AlertCause, severity: AlertSeverity) -> Alert:
    return Alert.objects.create(
        clinic=patient.clinic,
        patient=patient,
        cause=cause,
        severity=severity,
        dedupe_key=f"{cause}:test",
        title="An alert for a test",
    )


def _release(actor, rx, note="Seen by video today; well."):  # type: ignore[no-untyped-def]
    return services.release_held_fill(actor, rx, read(FillReleaseSpec, {"note": note}))


def test_a_refill_with_nothing_outstanding_is_not_held(pharmacist, refill_due):
    assert not staging.holds_for([refill_due])[refill_due.pk].held
    assert fill(pharmacist, refill_due).fill_number == 2


def test_a_session_without_its_check_in_holds_then_its_check_in_lets_it_go(
    pharmacist, approved, refill_due
):
    session = dose_on_record(approved)
    with pytest.raises(FillHeld, match=r"^Held: 1 session has no check-in yet\. A prescriber"):
        fill(pharmacist, refill_due)
    checked_in(session)
    assert fill(pharmacist, refill_due).fill_number == 2


def test_an_overdue_questionnaire_holds_until_answered(pharmacist, approved, refill_due):
    overdue = _alert(approved, AlertCause.QUESTIONNAIRE_OVERDUE, AlertSeverity.WARNING)
    with pytest.raises(FillHeld, match="1 questionnaire is overdue"):
        fill(pharmacist, refill_due)
    Alert.objects.filter(pk=overdue.pk).update(
        status=AlertStatus.RESOLVED, resolved_at=overdue.raised_at
    )
    assert fill(pharmacist, refill_due).fill_number == 2


@pytest.mark.parametrize("severity", [AlertSeverity.URGENT, AlertSeverity.EMERGENCY])
def test_an_open_urgent_alert_holds(pharmacist, approved, refill_due, severity):
    _alert(approved, AlertCause.ADVERSE_EVENT, severity)
    with pytest.raises(FillHeld, match="1 urgent alert is open"):
        fill(pharmacist, refill_due)


def test_a_warning_alert_does_not_hold(pharmacist, approved, refill_due):
    _alert(approved, AlertCause.WORSENING, AlertSeverity.WARNING)
    assert fill(pharmacist, refill_due).fill_number == 2


def test_a_count_that_differed_holds_until_a_count_matches(
    pharmacist, clinician, approved, refill_due
):
    services.record_ledger_event(clinician, approved, ledger_spec(LedgerEventKind.COUNTED, 6))
    with pytest.raises(FillHeld, match="1 pill count is not reconciled"):
        fill(pharmacist, refill_due)
    # Two troches were found at home: a count that matches the ledger reconciles it.
    services.record_ledger_event(clinician, approved, ledger_spec(LedgerEventKind.COUNTED, 8))
    assert fill(pharmacist, refill_due).fill_number == 2


def test_the_first_part_of_a_fill_is_the_held_one_its_parts_follow(
    pharmacist, approved, refill_due, prescriber
):
    _alert(approved, AlertCause.ADVERSE_EVENT, AlertSeverity.URGENT)
    _release(prescriber, refill_due)
    assert fill(pharmacist, refill_due, quantity=4).part == 1
    assert fill(pharmacist, refill_due, quantity=4).part == 2  # not a new fill: no hold


def test_a_hold_the_clinic_turned_off_does_not_hold(pharmacist, clinic, approved, refill_due):
    admin = UserFactory(clinic=clinic, clinic_admin=True)
    change_protocol(
        admin,
        clinic,
        ProtocolSpec(
            changes={"hold_fill_while_urgent_alert": 0}, reason="The on-call team decides."
        ),
    )
    _alert(approved, AlertCause.ADVERSE_EVENT, AlertSeverity.URGENT)
    assert fill(pharmacist, refill_due).fill_number == 2


def test_a_prescriber_releases_the_held_fill_with_a_note(
    pharmacist, prescriber, approved, refill_due
):
    _alert(approved, AlertCause.ADVERSE_EVENT, AlertSeverity.URGENT)
    release = _release(prescriber, refill_due)
    assert (release.fill_number, release.released_by, release.holds) == (
        2,
        prescriber,
        ["1 urgent alert is open"],
    )
    entry = AuditEntry.objects.get(object_type="treatment.FillRelease")
    assert entry.detail == {"fill": 2, "holds": ["urgent_alert"]}
    assert fill(pharmacist, refill_due).fill_number == 2
    # The release is for that one fill: the next is held again.
    assert staging.holds_for([refill_due])[refill_due.pk].held


def test_a_release_needs_a_note(prescriber, approved, refill_due):
    _alert(approved, AlertCause.ADVERSE_EVENT, AlertSeverity.URGENT)
    with pytest.raises(ValidationError, match="Say why"):
        _release(prescriber, refill_due, note="  ")


def test_a_fill_not_held_is_not_released(prescriber, refill_due):
    with pytest.raises(FillNotHeld, match="not held"):
        _release(prescriber, refill_due)
    assert not FillRelease.objects.exists()


@pytest.mark.parametrize("role", ["pharmacist", "clinician"])
def test_only_a_prescriber_releases(request, approved, refill_due, role):
    _alert(approved, AlertCause.ADVERSE_EVENT, AlertSeverity.URGENT)
    with pytest.raises(NotAllowed):
        _release(request.getfixturevalue(role), refill_due)
    assert not FillRelease.objects.exists()


def test_the_holds_of_many_prescriptions_cost_a_fixed_number_of_queries(
    django_assert_max_num_queries, refill_due
):
    rxs: list[Model] = [refill_due]
    with django_assert_max_num_queries(8):
        staging.holds_for(rxs)  # type: ignore[arg-type]
