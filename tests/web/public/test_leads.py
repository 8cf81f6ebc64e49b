"""Screening leads: kept only with consent, seen only by the clinic's staff, audited."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinical.selfscreen import Outcome
from ketacare.intake import leads
from ketacare.intake.models import (
    ContactTime,
    LeadStatus,
    ScreeningLead,
    SelfScreenOutcome,
)
from ketacare.intake.specs import LeadSpec
from ketacare.kernel import specs
from ketacare.patients.models import Patient
from tests.factories import ClinicFactory, UserFactory
from tests.web.helpers import audit
from tests.web.public.helpers import (
    MODERATELY_SEVERE,
    external_urls,
    html,
    screen_post,
    signed_answers,
)

CONTACT = {
    "name": "Sam Visitor",
    "phone": "+1 555 010 0199",
    "email": "",
    "preferred_contact_time": "evening",
    "consent": "on",
}


def result_page(client: Client, **screen: object) -> str:
    """Take the self-screen; return the signed answers of its contact form."""
    return signed_answers(client.post("/screen/", screen_post(**screen)))  # type: ignore[arg-type]


def make_lead(clinic: Clinic, **changes: object) -> ScreeningLead:
    values: dict[str, object] = {
        "clinic": clinic,
        "name": "Lee Lead",
        "phone": "+1 555 010 0111",
        "result": Outcome.MAY_BE_CANDIDATE.value,
        "reasons": ["Your PHQ-9 score is 15 out of 27."],
        "phq9_total": 15,
        "suicidal_thoughts": False,
        "consent_version": leads.CONSENT_VERSION,
    }
    return ScreeningLead.objects.create(**(values | changes))


# --- leaving contact details ------------------------------------------------------------


def test_leaving_details_with_consent_creates_a_lead_for_the_clinic(
    client: Client, clinic: Clinic
) -> None:
    answers = result_page(client, phq9=(*MODERATELY_SEVERE[:8], 2))
    response = client.post("/screen/contact/", CONTACT | {"answers": answers})
    assert response.status_code == 302
    assert response["Location"] == "/screen/thanks/"
    lead = ScreeningLead.objects.get()
    assert lead.clinic == clinic
    assert (lead.name, lead.phone, lead.email) == ("Sam Visitor", "+1 555 010 0199", "")
    assert lead.preferred_contact_time == ContactTime.EVENING
    assert lead.result == Outcome.TALK_TO_DOCTOR
    assert lead.phq9_total == 17
    assert lead.suicidal_thoughts is True
    assert lead.status == LeadStatus.NEW
    assert lead.consent_version == leads.CONSENT_VERSION
    assert lead.reasons[0].startswith("You said you have had thoughts")
    [entry] = audit(action=AuditAction.CREATE, object_type="intake.ScreeningLead")
    assert entry.object_id == str(lead.pk)
    assert entry.clinic_id == clinic.pk
    assert entry.actor_id is None
    assert entry.detail["result"] == "talk_to_doctor"
    assert entry.detail["suicidal_thoughts"] is True
    thanks = html(client.get("/screen/thanks/"))
    assert "Thank you: your details have been sent" in thanks
    assert external_urls(thanks) == []


def test_the_lead_keeps_no_individual_answer(client: Client, clinic: Clinic) -> None:
    answers = result_page(client)
    client.post("/screen/contact/", CONTACT | {"answers": answers})
    lead = ScreeningLead.objects.get()
    stored = {f.name for f in ScreeningLead._meta.get_fields()}
    assert not {"answers", "phq9", "exclusions", "failed_trials"} & stored
    assert "phq9_" not in str(AuditEntry.objects.get().detail)
    assert lead.phq9_total == 15


def test_an_email_alone_will_do(client: Client, clinic: Clinic) -> None:
    answers = result_page(client)
    data = CONTACT | {"answers": answers, "phone": "", "email": "sam@example.org"}
    assert client.post("/screen/contact/", data).status_code == 302
    assert ScreeningLead.objects.get().email == "sam@example.org"


def test_without_consent_nothing_is_kept(client: Client, clinic: Clinic) -> None:
    answers = result_page(client)
    data = CONTACT | {"answers": answers}
    del data["consent"]
    response = client.post("/screen/contact/", data)
    assert response.status_code == 200
    page = html(response)
    assert "Tick the box to agree, or leave this form." in page
    assert 'aria-describedby="id_consent_error"' in page
    assert 'value="Sam Visitor"' in page  # what was typed is kept
    assert "Your result: You may be a candidate" in page  # the result is still there
    assert not ScreeningLead.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_phone_number_or_an_email_address_is_needed(client: Client, clinic: Clinic) -> None:
    answers = result_page(client)
    response = client.post("/screen/contact/", CONTACT | {"answers": answers, "phone": ""})
    page = html(response)
    assert '<a href="#id_phone">Phone number: Give a phone number or an email address' in page
    assert not ScreeningLead.objects.exists()


def test_a_bad_phone_number_is_refused(client: Client, clinic: Clinic) -> None:
    answers = result_page(client)
    response = client.post("/screen/contact/", CONTACT | {"answers": answers, "phone": "call me"})
    assert "Enter a phone number of 3 to 15 digits" in html(response)
    assert not ScreeningLead.objects.exists()


def test_altered_answers_are_refused(client: Client, clinic: Clinic) -> None:
    answers = result_page(client)
    response = client.post("/screen/contact/", CONTACT | {"answers": answers[:-2] + "xx"})
    assert response.status_code == 302
    assert response["Location"] == "/screen/"
    assert "Your answers could not be read" in html(client.get("/screen/"))
    assert not ScreeningLead.objects.exists()


def test_answers_older_than_two_hours_are_refused(client: Client, clinic: Clinic) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        answers = result_page(client)
    with time_machine.travel(dt.datetime(2026, 3, 1, 11, 1, tzinfo=dt.UTC), tick=False):
        response = client.post("/screen/contact/", CONTACT | {"answers": answers})
    assert response["Location"] == "/screen/"
    assert not ScreeningLead.objects.exists()


def test_no_clinic_takes_details_when_none_can_be_named(client: Client, clinic: Clinic) -> None:
    answers = result_page(client)
    ClinicFactory(name="Second clinic")  # now two clinics and no setting
    response = client.post("/screen/contact/", CONTACT | {"answers": answers})
    assert response["Location"] == "/screen/"
    assert not ScreeningLead.objects.exists()


def test_the_contact_form_takes_only_post(client: Client, clinic: Clinic) -> None:
    assert client.get("/screen/contact/").status_code == 405


# --- which clinic ------------------------------------------------------------------------


def test_the_only_clinic_is_the_public_one(clinic: Clinic) -> None:
    assert leads.public_clinic() == clinic


def test_no_clinic_or_several_without_the_setting_name_none(db: None) -> None:
    assert leads.public_clinic() is None
    ClinicFactory()
    ClinicFactory()
    assert leads.public_clinic() is None


def test_the_setting_names_the_public_clinic(
    clinic: Clinic, other_clinic: Clinic, settings: pytest.FixtureRequest
) -> None:
    settings.KETACARE_PUBLIC_CLINIC = str(other_clinic.pk)  # type: ignore[attr-defined]
    assert leads.public_clinic() == other_clinic


@pytest.mark.parametrize("value", ["clinic-a", True, 999_999])
def test_a_bad_setting_names_no_clinic_and_is_logged(
    clinic: Clinic,
    settings: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    value: object,
) -> None:
    settings.KETACARE_PUBLIC_CLINIC = value  # type: ignore[attr-defined]
    with caplog.at_level(logging.ERROR, logger="ketacare.intake.leads"):
        assert leads.public_clinic() is None
    assert "KETACARE_PUBLIC_CLINIC" in caplog.text


def test_the_service_refuses_a_lead_without_consent_or_a_way_to_reach_them(
    clinic: Clinic,
) -> None:
    from ketacare.clinical.selfscreen import (  # noqa: PLC0415 - local to this test
        QUESTION_CODES,
        Answer,
        SelfScreenAnswers,
    )

    answers = SelfScreenAnswers(
        phq9=MODERATELY_SEVERE,
        failed_trials=2,
        exclusions=dict.fromkeys(QUESTION_CODES, Answer.NO),
    )
    contact = {
        "name": "Sam",
        "phone": "",
        "email": "",
        "preferred_contact_time": ContactTime.ANY,
        "consent": False,
        "answers": answers,
    }
    with pytest.raises(ValidationError) as no_consent:
        leads.create_lead(None, clinic, specs.read(LeadSpec, contact))
    assert "consent" in no_consent.value.message_dict
    with pytest.raises(ValidationError) as unreachable:
        leads.create_lead(None, clinic, specs.read(LeadSpec, {**contact, "consent": True}))
    assert "phone" in unreachable.value.message_dict
    assert not ScreeningLead.objects.exists()


def test_the_stored_results_are_the_self_screen_outcomes() -> None:
    assert set(SelfScreenOutcome.values) == {o.value for o in Outcome}


# --- the staff list ----------------------------------------------------------------------


def test_staff_see_their_clinics_leads_most_pressing_first_and_the_read_is_audited(
    client: Client, clinic: Clinic, other_clinic: Clinic, coordinator: User
) -> None:
    older = make_lead(clinic, name="Older Calm")
    flagged = make_lead(clinic, name="Flagged Person", suicidal_thoughts=True)
    flagged.created_at = older.created_at - dt.timedelta(days=1)
    flagged.save()
    closed = make_lead(clinic, name="Closed Case", status=LeadStatus.CLOSED)
    make_lead(other_clinic, name="Other Clinic Lead")
    client.force_login(coordinator)
    response = client.get("/screening-leads/")
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Screening leads</h1>" in page
    assert "Other Clinic Lead" not in page
    order = [page.index(name) for name in ("Flagged Person", "Older Calm", "Closed Case")]
    assert order == sorted(order)
    assert '<span class="badge urgent">Yes: call today</span>' in page
    [entry] = audit(action=AuditAction.LIST, object_type="intake.ScreeningLead")
    assert entry.actor_id == coordinator.pk
    assert entry.clinic_id == clinic.pk
    assert sorted(entry.detail["ids"]) == sorted([older.pk, flagged.pk, closed.pk])


def test_the_list_filters_by_status(client: Client, clinic: Clinic, clinician: User) -> None:
    make_lead(clinic, name="Still New")
    make_lead(clinic, name="Already Called", status=LeadStatus.CONTACTED)
    client.force_login(clinician)
    page = html(client.get("/screening-leads/?status=contacted"))
    assert "Already Called" in page
    assert "Still New" not in page
    assert '<option value="contacted" selected>' in page
    everything = html(client.get("/screening-leads/?status=bogus"))
    assert "Already Called" in everything
    assert "Still New" in everything


def test_another_clinics_staff_see_none_of_these_leads(
    client: Client, clinic: Clinic, outsider: User
) -> None:
    lead = make_lead(clinic)
    client.force_login(outsider)
    page = html(client.get("/screening-leads/"))
    assert lead.name not in page
    assert "No screening leads." in page
    assert client.get(f"/screening-leads/{lead.pk}/").status_code == 404
    assert client.post(f"/screening-leads/{lead.pk}/", {"status": "closed"}).status_code == 404
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert not audit(action=AuditAction.READ)
    assert not audit(action=AuditAction.UPDATE)


def test_patients_and_visitors_cannot_see_leads(
    client: Client, clinic: Clinic, patient: Patient
) -> None:
    lead = make_lead(clinic)
    response = client.get("/screening-leads/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.get(f"/screening-leads/{lead.pk}/").status_code == 302
    client.force_login(patient.user)
    assert client.get("/screening-leads/").status_code == 403
    assert client.get(f"/screening-leads/{lead.pk}/").status_code == 403
    assert not AuditEntry.objects.filter(object_type="intake.ScreeningLead").exists()


def test_a_superuser_sees_every_clinics_leads(
    client: Client, clinic: Clinic, other_clinic: Clinic
) -> None:
    make_lead(clinic, name="Lead of A")
    make_lead(other_clinic, name="Lead of B")
    client.force_login(UserFactory(clinic=None, is_superuser=True, is_staff=True))
    page = html(client.get("/screening-leads/"))
    assert "Lead of A" in page
    assert "Lead of B" in page


def test_a_lead_page_is_audited(client: Client, clinic: Clinic, clinician: User) -> None:
    lead = make_lead(clinic, suicidal_thoughts=True, email="lee@example.org")
    client.force_login(clinician)
    response = client.get(f"/screening-leads/{lead.pk}/")
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Screening lead: Lee Lead</h1>" in page
    assert "call today" in page
    assert "Your PHQ-9 score is 15 out of 27." in page
    assert 'href="mailto:lee@example.org"' in page
    [entry] = audit(action=AuditAction.READ)
    assert (entry.object_type, entry.object_id) == ("intake.ScreeningLead", str(lead.pk))
    assert entry.actor_id == clinician.pk
    assert client.get("/screening-leads/999999/").status_code == 404


def test_staff_mark_a_lead_contacted_and_it_is_audited(
    client: Client, clinic: Clinic, coordinator: User
) -> None:
    lead = make_lead(clinic)
    client.force_login(coordinator)
    response = client.post(f"/screening-leads/{lead.pk}/", {"status": "contacted"})
    assert response.status_code == 302
    assert response["Location"] == f"/screening-leads/{lead.pk}/"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED
    [entry] = audit(action=AuditAction.UPDATE)
    assert entry.detail == {"status": ["new", "contacted"]}
    assert "Marked contacted." in html(client.get(response["Location"]))


def test_an_unknown_status_changes_nothing(
    client: Client, clinic: Clinic, coordinator: User
) -> None:
    lead = make_lead(clinic)
    client.force_login(coordinator)
    response = client.post(f"/screening-leads/{lead.pk}/", {"status": "deleted"})
    assert response.status_code == 200
    assert "Choose one of the statuses, then update." in html(response)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert not audit(action=AuditAction.UPDATE)


def test_the_service_refuses_non_staff(clinic: Clinic, patient: Patient) -> None:
    from ketacare.kernel.errors import NotAllowed  # noqa: PLC0415 - local to this test

    with pytest.raises(NotAllowed):
        leads.leads_for(patient.user)


def test_a_refusal_of_the_service_shows_on_the_form(
    client: Client, clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise ValidationError({"phone": "This number cannot be used.", "clinic": "Closed."})

    monkeypatch.setattr(leads, "create_lead", refuse)
    answers = result_page(client)
    response = client.post("/screen/contact/", CONTACT | {"answers": answers})
    assert response.status_code == 400  # refusal rule: a ValidationError answers 400
    page = html(response)
    assert 'id="id_phone_error">Error: This number cannot be used.</p>' in page
    assert "Closed." in page  # not a field of the form: at the top
    assert 'value="Sam Visitor"' in page
