"""Contact preferences: quiet hours on the person's clock, the use case, the API, the page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from ketacare.alerts.errors import ContactPreferenceError
from ketacare.alerts.preference_services import change_contact_preferences, my_contact_preferences
from ketacare.alerts.preferences import (
    DEFAULT_QUIET_FROM,
    DEFAULT_QUIET_UNTIL,
    ContactChannels,
    ContactPreference,
    quiet_ends,
)
from ketacare.alerts.specs import ContactPreferencesSpec
from ketacare.api.services import issue_token
from ketacare.audit.models import AuditEntry
from ketacare.kernel.errors import NotAllowed
from ketacare.kernel.specs import read
from tests.api.conftest import ApiClient
from tests.factories import PatientFactory, SitterFactory

NY = ZoneInfo("America/New_York")
NIGHT = (time(21, 0), time(8, 0))


def _ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


# --- Quiet hours, on the person's clock (no database) --------------------------------------


@pytest.mark.parametrize(
    ("at", "quiet", "goes_at"),
    [
        (_ny(2026, 3, 2, 22, 30), NIGHT, _ny(2026, 3, 3, 8, 0)),  # evening: next morning
        (_ny(2026, 3, 2, 7, 0), NIGHT, _ny(2026, 3, 2, 8, 0)),  # early: this morning
        (_ny(2026, 3, 2, 12, 0), NIGHT, _ny(2026, 3, 2, 12, 0)),  # not quiet
        (_ny(2026, 3, 2, 8, 0), NIGHT, _ny(2026, 3, 2, 8, 0)),  # the end is not quiet
        (_ny(2026, 3, 2, 21, 0), NIGHT, _ny(2026, 3, 3, 8, 0)),  # the start is
        (_ny(2026, 3, 2, 13, 30), (time(13), time(14)), _ny(2026, 3, 2, 14, 0)),  # a nap
        (_ny(2026, 3, 2, 23, 0), None, _ny(2026, 3, 2, 23, 0)),  # no quiet hours
    ],
)
def test_a_reminder_in_quiet_hours_waits_for_their_end(at, quiet, goes_at):
    assert quiet_ends(at.astimezone(UTC), NY, quiet) == goes_at


def test_quiet_hours_end_on_the_wall_clock_across_a_dst_change():
    # US clocks go forward on Sunday 8 March 2026: 08:00 that morning is 12:00 UTC, not 13:00.
    at = _ny(2026, 3, 7, 23, 0)
    assert quiet_ends(at, NY, NIGHT) == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def test_the_ketacare_default_is_night_time():
    assert (DEFAULT_QUIET_FROM, DEFAULT_QUIET_UNTIL) == NIGHT


# --- The spec --------------------------------------------------------------------------------


def test_quiet_hours_need_both_times():
    with pytest.raises(ValidationError) as raised:
        read(ContactPreferencesSpec, {"channels": "sms", "quiet_from": "21:00"})
    assert "quiet_until" in raised.value.message_dict


def test_quiet_hours_cannot_start_and_end_together():
    with pytest.raises(ValidationError) as raised:
        read(
            ContactPreferencesSpec,
            {"channels": "sms", "quiet_from": "21:00", "quiet_until": "21:00"},
        )
    assert "quiet_until" in raised.value.message_dict


def test_an_unknown_channel_is_refused():
    with pytest.raises(ValidationError) as raised:
        read(ContactPreferencesSpec, {"channels": "pigeon"})
    assert "channels" in raised.value.message_dict


# --- The use case ----------------------------------------------------------------------------


def _spec(**fields: object) -> ContactPreferencesSpec:
    return read(ContactPreferencesSpec, {"channels": "sms"} | fields)


@pytest.mark.django_db
def test_the_defaults_until_a_person_chooses(patient):
    view = my_contact_preferences(patient.user)
    assert (view.channels, view.quiet_from, view.quiet_until, view.chosen) == (
        ContactChannels.SMS,
        DEFAULT_QUIET_FROM,
        DEFAULT_QUIET_UNTIL,
        False,
    )
    assert view.zone == "America/New_York"


@pytest.mark.django_db
def test_a_patient_chooses_email_and_no_quiet_hours(patient):
    view = change_contact_preferences(patient.user, _spec(channels="both"))
    assert (view.channels, view.quiet_from, view.chosen) == (ContactChannels.BOTH, None, True)
    row = ContactPreference.objects.get(user=patient.user)
    assert row.quiet_from is None
    entry = AuditEntry.objects.filter(object_type="alerts.ContactPreference").get()
    assert entry.detail == {"channels": "both", "quiet_hours": False}
    view = change_contact_preferences(patient.user, _spec(quiet_from="22:00", quiet_until="07:00"))
    assert (view.quiet_from, view.quiet_until) == (time(22), time(7))
    assert ContactPreference.objects.count() == 1


@pytest.mark.django_db
def test_a_sitter_chooses_on_the_clock_of_the_person_they_sit_for(clinic):
    patient = PatientFactory(clinic=clinic, timezone="Europe/London")
    sitter = SitterFactory(clinic=clinic, patients=[patient], email="robin@example.org")
    view = change_contact_preferences(sitter.user, _spec(channels="email"))
    assert (view.channels, view.zone) == (ContactChannels.EMAIL, "Europe/London")


@pytest.mark.django_db
def test_email_without_an_address_is_refused_with_the_next_step(clinic):
    patient = PatientFactory(clinic=clinic, with_account=True, email="", user__email="")
    with pytest.raises(ContactPreferenceError, match="Ask your care team to add one"):
        change_contact_preferences(patient.user, _spec(channels="email"))
    assert not ContactPreference.objects.exists()


@pytest.mark.django_db
def test_staff_choose_nothing_here(clinician):
    with pytest.raises(NotAllowed):
        change_contact_preferences(clinician, _spec())


# --- The API: /me/contact-preferences --------------------------------------------------------


def _api(user) -> ApiClient:
    return ApiClient(issue_token(user)[1])


@pytest.mark.django_db
def test_the_api_reads_and_changes_ones_own(patient):
    api = _api(patient.user)
    body = api.get("me/contact-preferences").json()
    assert body["channels"] == "sms"
    assert (body["quiet_from"], body["quiet_until"]) == ("21:00:00", "08:00:00")
    assert body["chosen"] is False
    answer = api.put(
        "me/contact-preferences",
        {"channels": "email", "quiet_from": "22:30", "quiet_until": "06:45"},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["quiet_from"] == "22:30:00"
    assert api.get("me/contact-preferences").json()["channels"] == "email"


@pytest.mark.django_db
def test_the_api_changes_no_one_elses(patient, clinic):
    other = PatientFactory(clinic=clinic, with_account=True)
    _api(other.user).put("me/contact-preferences", {"channels": "both"})
    assert _api(patient.user).get("me/contact-preferences").json()["channels"] == "sms"
    assert ContactPreference.objects.get().user == other.user


@pytest.mark.django_db
def test_the_api_refuses_bad_input_and_staff(patient, clinician):
    api = _api(patient.user)
    bad = api.put("me/contact-preferences", {"channels": "sms", "quiet_from": "21:00"})
    assert bad.status_code == 422
    # Staff have no reminders of their own: nothing to read (404), nothing to change (403).
    assert _api(clinician).get("me/contact-preferences").status_code == 404
    assert _api(clinician).put("me/contact-preferences", {"channels": "sms"}).status_code == 403
    assert ApiClient().get("me/contact-preferences").status_code == 401


@pytest.mark.django_db
def test_the_api_says_why_email_is_refused(clinic):
    patient = PatientFactory(clinic=clinic, with_account=True, email="", user__email="")
    answer = _api(patient.user).put("me/contact-preferences", {"channels": "email"})
    assert answer.status_code == 409
    assert answer.json()["field"] == "channels"


# --- The page: "How we contact you" ----------------------------------------------------------


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_page_in_plain_words_and_linked_from_the_navigation(patient):
    page = _browser(patient.user).get("/portal/contact/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "How we contact you" in text
    assert 'href="/portal/contact/"' in text
    assert "New York time" in text
    shown = re.sub(r"<[^>]+>", " ", text)  # what a person reads: no field names, no UTC
    for word in ("UTC", "quiet_from", "quiet_until", "channels", "sms"):
        assert word not in shown


@pytest.mark.django_db
def test_the_page_saves_ones_own_choice(patient, clinic):
    other = PatientFactory(clinic=clinic, with_account=True)
    client = _browser(patient.user)
    done = client.post(
        "/portal/contact/",
        {"channels": "both", "quiet": "on", "quiet_from": "22:00", "quiet_until": "07:30"},
    )
    assert done.status_code == 302
    row = ContactPreference.objects.get()
    assert (row.user, row.channels, row.quiet_until) == (patient.user, "both", time(7, 30))
    assert not ContactPreference.objects.filter(user=other.user).exists()
    client.post("/portal/contact/", {"channels": "sms"})  # quiet hours off
    row.refresh_from_db()
    assert (row.channels, row.quiet_from) == ("sms", None)


@pytest.mark.django_db
def test_the_page_shows_a_refusal_on_its_field(patient):
    page = _browser(patient.user).post(
        "/portal/contact/", {"channels": "sms", "quiet": "on", "quiet_from": "21:00"}
    )
    assert page.status_code in {400, 422}
    assert "Give both times" in page.content.decode()
    assert not ContactPreference.objects.exists()


@pytest.mark.django_db
def test_a_sitter_has_the_page_too(clinic):
    sitter = SitterFactory(clinic=clinic, patients=[PatientFactory(clinic=clinic)])
    page = _browser(sitter.user).get("/portal/contact/")
    assert page.status_code == 200
    assert 'href="/portal/contact/"' in page.content.decode()


@pytest.mark.django_db
def test_staff_are_turned_away_from_the_page(clinician):
    assert _browser(clinician).get("/portal/contact/").status_code == 404
    assert _browser(clinician).post("/portal/contact/", {"channels": "sms"}).status_code == 404
