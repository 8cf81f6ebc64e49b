from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ketacare.accounts.models import User
from ketacare.alerts.errors import AlertStateError
from ketacare.alerts.models import (
    Alert,
    AlertStatus,
    Channel,
    Notification,
    NotificationStatus,
    OnCallRoster,
)
from ketacare.alerts.services import (
    AlertCause,
    AlertSeverity,
    acknowledge_alert,
    raise_alert,
    resolve_alert,
    resolve_alerts,
)
from ketacare.alerts.specs import AcknowledgeSpec, ResolveSpec
from ketacare.audit.models import AuditEntry
from ketacare.kernel import specs
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.patients.models import Patient
from tests.factories import SitterFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _raise(patient: Patient, **kw: object) -> Alert:
    args: dict[str, object] = {
        "patient": patient,
        "cause": AlertCause.BP_RISE_AFTER_DOSE,
        "severity": AlertSeverity.URGENT,
        "subject": "check_in:7",
        "title": "Blood pressure rise after a dose",
        "message": "Systolic rose by 45 mmHg.",
        "source": "CLINICAL.md D",
    }
    args.update(kw)
    return raise_alert(**args)  # type: ignore[arg-type]


def _audits(alert: Alert) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type="alerts.Alert", object_id=str(alert.pk)))


def test_raise_creates_alert_outbox_and_audit(patient: Patient, roster: OnCallRoster) -> None:
    with time_machine.travel(T0, tick=False):
        alert = _raise(patient)
    assert alert.status == AlertStatus.OPEN
    assert alert.dedupe_key == "bp_rise_after_dose:check_in:7"
    assert alert.clinic_id == patient.clinic_id
    assert alert.escalation_level == 1
    assert alert.next_escalation_at == T0 + timedelta(minutes=15)
    (note,) = Notification.objects.filter(alert=alert)
    assert (note.channel, note.address, note.status) == (
        Channel.EMAIL,
        "olive@example.org",
        NotificationStatus.PENDING,
    )
    assert note.body.startswith("ketacare: an urgent alert needs you. Sign in: http")
    assert "mmHg" not in note.body
    (entry,) = _audits(alert)
    assert entry.action == "create"
    assert entry.detail["cause"] == "bp_rise_after_dose"
    assert "mmHg" not in str(entry.detail)


def test_raise_is_idempotent_and_upgrades(patient: Patient, roster: OnCallRoster) -> None:
    first = _raise(patient)
    again = _raise(patient, severity=AlertSeverity.WARNING)
    assert again.pk == first.pk
    assert again.severity == AlertSeverity.URGENT
    assert Notification.objects.count() == 1
    upgraded = _raise(patient, severity=AlertSeverity.EMERGENCY)
    assert upgraded.pk == first.pk
    assert Alert.objects.get().severity == AlertSeverity.EMERGENCY
    # Emergency also reaches level 2; level 1 was already told.
    assert sorted(Notification.objects.values_list("address", flat=True)) == [
        "olive@example.org",
        "sean@example.org",
    ]
    assert Alert.objects.get().escalation_level == 2
    assert len(_audits(first)) == 2


def test_emergency_notifies_levels_one_and_two(patient: Patient, roster: OnCallRoster) -> None:
    with time_machine.travel(T0, tick=False):
        alert = _raise(patient, cause=AlertCause.SUICIDALITY, severity=AlertSeverity.EMERGENCY)
    assert alert.escalation_level == 2
    assert alert.next_escalation_at == T0 + timedelta(minutes=5)
    assert Notification.objects.count() == 2


@pytest.mark.parametrize("severity", [AlertSeverity.INFO, AlertSeverity.WARNING])
def test_info_and_warning_wait_in_the_inbox(
    patient: Patient, roster: OnCallRoster, severity: AlertSeverity
) -> None:
    alert = _raise(patient, severity=severity)
    assert not Notification.objects.exists()
    assert alert.next_escalation_at is None
    assert alert.escalation_level == 0


def test_without_roster_the_clinics_clinicians_are_level_one(patient: Patient) -> None:
    from tests.factories import UserFactory  # noqa: PLC0415

    UserFactory(clinic=patient.clinic, clinician=True, email="c1@example.org")
    UserFactory(clinic=patient.clinic, coordinator=True, email="co@example.org")
    _raise(patient)
    assert list(Notification.objects.values_list("address", flat=True)) == ["c1@example.org"]


def test_sitters_get_an_sms_without_health_detail(patient: Patient, roster: OnCallRoster) -> None:
    sitter = SitterFactory(clinic=patient.clinic, patients=[patient], phone="+1 555 000 1111")
    _raise(patient, cause=AlertCause.MISSED_CHECK_IN, subject="session:1", sitters=[sitter])
    sms = Notification.objects.get(channel=Channel.SMS)
    assert sms.address == "+1 555 000 1111"
    assert patient.clinic.on_call_phone in sms.body
    assert "dose" not in sms.body
    assert patient.legal_name not in sms.body


def test_database_refuses_two_unresolved_alerts_per_key(patient: Patient) -> None:
    alert = _raise(patient)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            clinic=patient.clinic,
            patient=patient,
            cause=alert.cause,
            severity=alert.severity,
            dedupe_key=alert.dedupe_key,
            title="again",
        )


def test_resolve_alerts_is_automatic_and_allows_a_new_alert(
    patient: Patient, roster: OnCallRoster
) -> None:
    alert = _raise(patient)
    assert (
        resolve_alerts(
            cause=AlertCause.BP_RISE_AFTER_DOSE, subject="check_in:7", note="BP came down."
        )
        == 1
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolved_by is None
    assert alert.resolved_note == "BP came down."
    assert alert.next_escalation_at is None
    assert Notification.objects.get().status == NotificationStatus.CANCELLED
    assert resolve_alerts(cause="bp_rise_after_dose", subject="check_in:7", note="x") == 0
    fresh = _raise(patient)
    assert fresh.pk != alert.pk
    assert _audits(alert)[-1].detail == {
        "change": "resolved",
        "from": "open",
        "automatic": True,
    }


def test_acknowledge_then_resolve(patient: Patient, clinician: User, colleague: User) -> None:
    alert = _raise(patient)
    acked = acknowledge_alert(clinician, alert, AcknowledgeSpec(note="Calling the patient."))
    assert acked.status == AlertStatus.ACKNOWLEDGED
    assert acked.acknowledged_by == clinician
    assert acked.acknowledged_note == "Calling the patient."
    assert acked.next_escalation_at is None
    with pytest.raises(AlertStateError):
        acknowledge_alert(colleague, alert, AcknowledgeSpec())
    done = resolve_alert(colleague, alert, ResolveSpec(note="Spoke to them; fine."))
    assert done.status == AlertStatus.RESOLVED
    assert done.resolved_by == colleague
    with pytest.raises(AlertStateError):
        resolve_alert(clinician, alert, ResolveSpec(note="again"))
    assert [e.detail.get("change") for e in _audits(alert)] == [
        None,
        "acknowledged",
        "resolved",
    ]


def test_resolve_requires_a_note(patient: Patient, clinician: User) -> None:
    alert = _raise(patient)
    with pytest.raises(ValidationError) as err:
        resolve_alert(clinician, alert, specs.read(ResolveSpec, {"note": "  "}))
    assert "note" in err.value.message_dict
    assert Alert.objects.get().status == AlertStatus.OPEN


def test_other_clinic_gets_404(patient: Patient, outsider: User) -> None:
    alert = _raise(patient)
    with pytest.raises(NotFound):
        acknowledge_alert(outsider, alert, AcknowledgeSpec())
    with pytest.raises(NotFound):
        resolve_alert(outsider, alert, ResolveSpec(note="no"))
    assert Alert.objects.get().status == AlertStatus.OPEN


def test_patients_and_sitters_may_not_act_or_see(patient: Patient) -> None:
    alert = _raise(patient)
    assert patient.user is not None
    sitter = SitterFactory(clinic=patient.clinic, patients=[patient])
    for user in (patient.user, sitter.user):
        assert not Alert.objects.visible_to(user).exists()
        with pytest.raises(NotAllowed):
            acknowledge_alert(user, alert, AcknowledgeSpec())
        with pytest.raises(NotAllowed):
            resolve_alert(user, alert, ResolveSpec(note="mine"))


def test_visible_to_staff_of_the_clinic_only(
    patient: Patient, clinician: User, outsider: User, coordinator: User
) -> None:
    alert = _raise(patient)
    assert list(Alert.objects.visible_to(clinician)) == [alert]
    assert list(Alert.objects.visible_to(coordinator)) == [alert]
    assert not Alert.objects.visible_to(outsider).exists()
    assert not Notification.objects.visible_to(outsider).exists()
