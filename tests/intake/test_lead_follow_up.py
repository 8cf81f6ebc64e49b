"""Screening leads followed up: the "call today" alert, notes, statuses, convert to patient."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import (
    Alert,
    AlertCause,
    AlertSeverity,
    AlertStatus,
    Notification,
    OnCallRoster,
)
from ketacare.alerts.services import raise_alert
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinical.selfscreen import QUESTION_CODES, Answer, SelfScreenAnswers
from ketacare.intake import leads
from ketacare.intake.errors import LeadConverted
from ketacare.intake.models import ContactTime, LeadNote, LeadStatus, ScreeningLead
from ketacare.intake.specs import LeadNoteSpec, LeadSpec, LeadStatusSpec
from ketacare.kernel import specs
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.patients.models import Patient
from ketacare.patients.registration import PossibleDuplicate
from ketacare.patients.specs import RegistrationSpec
from tests.factories import PatientFactory
from tests.web.helpers import valid_patient_data

pytestmark = pytest.mark.django_db

# PHQ-9 total 15; item 9 is the last answer (CLINICAL.md A1).
CALM = (2, 2, 2, 2, 2, 2, 2, 1, 0)
ITEM_9 = (2, 2, 2, 2, 2, 2, 2, 0, 1)


def lead_from_screen(clinic: Clinic, phq9: tuple[int, ...], **contact: object) -> ScreeningLead:
    """A visitor's self-screen with their contact details, through the use case."""
    answers = SelfScreenAnswers(
        phq9=phq9, failed_trials=2, exclusions=dict.fromkeys(QUESTION_CODES, Answer.NO)
    )
    values: dict[str, object] = {
        "name": "Robin Visitor",
        "phone": "+1 555 010 0142",
        "email": "robin@example.org",
        "preferred_contact_time": ContactTime.ANY,
        "consent": True,
        "answers": answers,
    }
    return leads.create_lead(None, clinic, specs.read(LeadSpec, values | contact))


def lead_alert(lead: ScreeningLead) -> Alert:
    return Alert.objects.get(dedupe_key=f"suicidal_lead:{lead.pk}")


def test_a_suicidal_self_screen_raises_one_urgent_alert_to_the_on_call(
    clinic: Clinic, roster: OnCallRoster, on_call: User, second_line: User
) -> None:
    lead = lead_from_screen(clinic, ITEM_9)
    alert = lead_alert(lead)
    assert (alert.cause, alert.severity) == (AlertCause.SUICIDAL_LEAD, AlertSeverity.URGENT)
    assert (alert.patient, alert.lead, alert.clinic_id) == (None, lead, clinic.pk)
    assert alert.status == AlertStatus.OPEN
    assert alert.subject_name == "Robin Visitor (screening lead)"
    assert alert.patient_name is None
    assert alert.escalation_level == 1
    assert alert.next_escalation_at is not None  # it escalates unless acknowledged
    # Level 1 only, and the message names no health detail (as every alert's).
    [sent] = Notification.objects.filter(alert=alert)
    assert (sent.recipient, sent.address) == (on_call, on_call.email)
    assert sent.body.startswith("ketacare: an urgent alert needs you. Sign in: ")
    assert "Robin" not in sent.body
    assert "PHQ" not in sent.body
    created = AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="alerts.Alert")
    assert [e.object_id for e in created] == [str(alert.pk)]
    assert created[0].patient_id is None
    assert created[0].clinic_id == clinic.pk
    assert lead.call_today


def test_the_alert_is_raised_once_per_lead(clinic: Clinic, roster: OnCallRoster) -> None:
    lead = lead_from_screen(clinic, ITEM_9)
    again = raise_alert(
        lead=lead,
        cause=AlertCause.SUICIDAL_LEAD,
        severity=AlertSeverity.URGENT,
        subject=str(lead.pk),
        title="again",
        message="",
    )
    assert again == lead_alert(lead)
    assert Alert.objects.count() == 1
    assert Notification.objects.count() == 1
    # A second visitor is a second fact: an alert of their own.
    other = lead_from_screen(clinic, ITEM_9, name="Kim Visitor", phone="+1 555 010 0143")
    assert lead_alert(other) != lead_alert(lead)


def test_a_self_screen_without_item_9_raises_nothing(clinic: Clinic, roster: OnCallRoster) -> None:
    lead = lead_from_screen(clinic, CALM)
    assert not lead.suicidal_thoughts
    assert not lead.call_today
    assert not Alert.objects.exists()
    assert not Notification.objects.exists()


def test_an_alert_is_about_a_patient_or_a_lead_never_both_nor_none(
    clinic: Clinic, patient: Patient
) -> None:
    lead = lead_from_screen(clinic, CALM)
    with pytest.raises(ValueError, match="one of"):
        raise_alert(cause="worsening", severity="info", subject="x", title="t", message="")
    with pytest.raises(ValueError, match="one of"):
        raise_alert(
            patient=patient,
            lead=lead,
            cause="worsening",
            severity="info",
            subject="y",
            title="t",
            message="",
        )


def test_notes_are_kept_with_their_author_and_audited(
    clinic: Clinic, coordinator: User, clinician: User
) -> None:
    lead = lead_from_screen(clinic, CALM)
    first = leads.add_lead_note(coordinator, lead.pk, LeadNoteSpec(text="Left a voicemail."))
    leads.add_lead_note(clinician, lead.pk, LeadNoteSpec(text="Called back: booked."))
    assert [(n.author, n.text) for n in leads.notes_of(lead)] == [
        (coordinator, "Left a voicemail."),
        (clinician, "Called back: booked."),
    ]
    entry = AuditEntry.objects.get(object_type="intake.LeadNote", object_id=str(first.pk))
    assert (entry.action, entry.actor_id, entry.clinic_id) == (
        AuditAction.CREATE,
        coordinator.pk,
        clinic.pk,
    )
    assert entry.detail == {"lead": lead.pk}  # not the text
    with pytest.raises(ValidationError):
        specs.read(LeadNoteSpec, {"text": ""})


def test_another_clinics_staff_and_patients_cannot_note(
    clinic: Clinic, outsider: User, patient: Patient
) -> None:
    lead = lead_from_screen(clinic, CALM)
    with pytest.raises(NotFound):
        leads.add_lead_note(outsider, lead.pk, LeadNoteSpec(text="Hello"))
    with pytest.raises(NotAllowed):
        leads.add_lead_note(patient.user, lead.pk, LeadNoteSpec(text="Hello"))
    assert not LeadNote.objects.exists()


@pytest.mark.parametrize(
    "status", [LeadStatus.CONTACTED, LeadStatus.BOOKED, LeadStatus.DECLINED, LeadStatus.CLOSED]
)
def test_reaching_the_visitor_resolves_the_call_today_alert(
    clinic: Clinic, roster: OnCallRoster, coordinator: User, status: LeadStatus
) -> None:
    lead = lead_from_screen(clinic, ITEM_9)
    marked = leads.set_lead_status(coordinator, lead.pk, LeadStatusSpec(status=status))
    assert not marked.call_today
    alert = lead_alert(lead)
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolved_by == coordinator
    assert alert.resolved_note == f"The lead was marked {status.label.lower()}."
    update = AuditEntry.objects.get(object_type="intake.ScreeningLead", action=AuditAction.UPDATE)
    assert update.detail == {"status": ["new", status.value]}
    assert update.actor_id == coordinator.pk


def test_not_reachable_keeps_the_visitor_to_call_today(
    clinic: Clinic, roster: OnCallRoster, coordinator: User
) -> None:
    lead = lead_from_screen(clinic, ITEM_9)
    spec = LeadStatusSpec(status=LeadStatus.NOT_REACHABLE)
    assert leads.set_lead_status(coordinator, lead.pk, spec).call_today
    assert lead_alert(lead).status == AlertStatus.OPEN


def test_converted_is_set_only_by_registering(clinic: Clinic, coordinator: User) -> None:
    lead = lead_from_screen(clinic, CALM)
    with pytest.raises(LeadConverted, match="Convert to patient"):
        leads.set_lead_status(coordinator, lead.pk, LeadStatusSpec(status=LeadStatus.CONVERTED))
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_the_list_puts_those_to_call_today_first(clinic: Clinic, coordinator: User) -> None:
    calm_new = lead_from_screen(clinic, CALM, name="Calm New")
    unreached = lead_from_screen(clinic, ITEM_9, name="Unreached")
    leads.set_lead_status(
        coordinator, unreached.pk, LeadStatusSpec(status=LeadStatus.NOT_REACHABLE)
    )
    reached = lead_from_screen(clinic, ITEM_9, name="Reached")
    leads.set_lead_status(coordinator, reached.pk, LeadStatusSpec(status=LeadStatus.CONTACTED))
    booked = lead_from_screen(clinic, CALM, name="Booked")
    leads.set_lead_status(coordinator, booked.pk, LeadStatusSpec(status=LeadStatus.BOOKED))
    newest_flag = lead_from_screen(clinic, ITEM_9, name="Newest Flag")
    order = [lead.name for lead in leads.leads_for(coordinator)]
    assert order == [newest_flag.name, unreached.name, calm_new.name, reached.name, booked.name]


def test_convert_prefills_and_registering_links_the_lead(
    clinic: Clinic, roster: OnCallRoster, coordinator: User
) -> None:
    lead = lead_from_screen(clinic, ITEM_9)
    initial = leads.registration_initial(lead)
    assert initial == {
        "legal_name": "Robin Visitor",
        "phone": "+1 555 010 0142",
        "email": "robin@example.org",
    }
    data = valid_patient_data(**initial)
    spec = specs.read(RegistrationSpec, data)
    patient = leads.register_lead(coordinator, lead.pk, spec)
    lead.refresh_from_db()
    assert (lead.status, lead.patient) == (LeadStatus.CONVERTED, patient)
    assert (patient.legal_name, patient.clinic) == ("Robin Visitor", clinic)
    assert lead_alert(lead).status == AlertStatus.RESOLVED
    # One use case: the record and the link in one audit batch of the coordinator.
    created = AuditEntry.objects.get(object_type="patients.Patient", action=AuditAction.CREATE)
    linked = AuditEntry.objects.get(object_type="intake.ScreeningLead", action=AuditAction.UPDATE)
    assert linked.detail == {"status": ["new", "converted"], "patient": patient.pk}
    assert linked.seq == created.seq + 1
    assert {created.actor_id, linked.actor_id} == {coordinator.pk}
    # Converted once: never again, and the status stays.
    with pytest.raises(LeadConverted):
        leads.register_lead(coordinator, lead.pk, spec)
    with pytest.raises(LeadConverted):
        leads.set_lead_status(coordinator, lead.pk, LeadStatusSpec(status=LeadStatus.CLOSED))
    assert Patient.objects.count() == 1


def test_a_refused_registration_leaves_the_lead_as_it_was(
    clinic: Clinic, coordinator: User
) -> None:
    lead = lead_from_screen(clinic, CALM)
    PatientFactory(clinic=clinic, phone="+1 555 010 0142")
    spec = specs.read(RegistrationSpec, valid_patient_data(**leads.registration_initial(lead)))
    with pytest.raises(PossibleDuplicate):
        leads.register_lead(coordinator, lead.pk, spec)
    under_18 = valid_patient_data(date_of_birth="2015-01-01")
    with pytest.raises(ValidationError):
        leads.register_lead(coordinator, lead.pk, specs.read(RegistrationSpec, under_18))
    lead.refresh_from_db()
    assert (lead.status, lead.patient) == (LeadStatus.NEW, None)


def test_another_clinics_lead_cannot_be_converted(
    clinic: Clinic, other_clinic: Clinic, coordinator: User, pharmacist: User
) -> None:
    theirs = lead_from_screen(other_clinic, CALM)
    spec = specs.read(RegistrationSpec, valid_patient_data())
    with pytest.raises(NotFound):
        leads.register_lead(coordinator, theirs.pk, spec)
    with pytest.raises(NotAllowed):  # a pharmacist does not register patients
        leads.register_lead(pharmacist, lead_from_screen(clinic, CALM).pk, spec)
    assert not Patient.objects.exists()
