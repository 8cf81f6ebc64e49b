"""Issue 14, item 6: what a patient or sitter reads is in plain words, on their clock.

No field names (systolic_mmhg), no raw validation text, no internal jargon ("hard
stop", "ICH E2A"), no time zone names; the patient's own adverse-event form offers only
what a patient can say about themself. First each reported case through its real page,
then a sweep of every form a patient or sitter can send, with bad values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketacare.kernel.specs import read
from ketacare.patients.models import Patient, Sitter
from ketacare.treatment import sessions
from ketacare.treatment.models import AdverseEvent, Dispense, DosingSession
from ketacare.treatment.specs import sessions as session_specs
from tests.treatment.helpers import after_observation, ready_session
from tests.web.portal.helpers import CHECK_IN, CHECKLIST, text

pytestmark = pytest.mark.django_db

SignIn = Callable[[Any], Client]

# The names the specs and forms give their fields (systolic_mmhg, post_diastolic_mmhg, ...).
FIELD_NAMES = re.compile(
    "|".join(
        sorted(
            {
                name
                for spec in (
                    session_specs.ChecklistSpec,
                    session_specs.ReadingSpec,
                    session_specs.CheckInSpec,
                    session_specs.AdverseEventSpec,
                    session_specs.ReleaseSpec,
                )
                for name in spec.model_fields
                if "_" in name
            }
            | {"post_systolic_mmhg", "post_diastolic_mmhg", "heart_rate_bpm"},
            key=len,
            reverse=True,
        )
    )
)
JARGON = ("Input should", "value is not", "UTC", "hard stop", "ICH", "CLINICAL.md")
BAD_NUMBERS = ("", "-5", "0", "999999", "1e400", "12.5", "abc")


def _refusals(html: str) -> str:
    """The words of every error on the page (summaries and each field's own)."""
    found = re.findall(
        r'class="error-summary"[^>]*>(.*?)</div>|<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>',
        html,
        re.DOTALL,
    )
    return " ".join(re.sub(r"<[^>]+>", " ", a or b) for a, b in found)


def assert_plain(response: Any) -> str:
    words = _refusals(text(response))
    assert not FIELD_NAMES.search(words), words
    for jargon in JARGON:
        assert jargon not in words, (jargon, words)
    return words


@pytest.fixture
def me(signed_in: SignIn, approved: Patient) -> Client:
    return signed_in(approved.user)


@pytest.fixture
def dosed(approved: Patient, stocked: Dispense) -> DosingSession:
    session = ready_session(approved.user, approved)
    dose = read(session_specs.DoseSpec, {"dose_mg": "100"})
    return sessions.record_dose_taken(approved.user, session, dose)


# --- Each reported case, through its page ---------------------------------------------------


def test_an_impossible_blood_pressure_is_refused_in_plain_words(
    me: Client, stocked: Dispense
) -> None:
    response = me.post(reverse("portal-session-start"), CHECKLIST | {"systolic_mmhg": "999999"})
    assert response.status_code == 400
    words = assert_plain(response)
    assert "The top number (systolic) cannot be 999999: it is between 50 and 300." in words
    assert "Measure again" in words


def test_an_impossible_reading_after_the_dose_is_refused_in_plain_words(
    me: Client, dosed: DosingSession
) -> None:
    url = reverse("portal-reading", kwargs={"session_id": dosed.pk})
    response = me.post(url, {"systolic_mmhg": "120", "diastolic_mmhg": "-5"})
    assert response.status_code == 400
    assert "The bottom number (diastolic) cannot be -5" in assert_plain(response)


def test_an_impossible_check_in_reading_is_refused_in_plain_words(
    me: Client, dosed: DosingSession, clock: Any
) -> None:
    after_observation(clock, dosed)
    url = reverse("portal-check-in", kwargs={"session_id": dosed.pk})
    response = me.post(url, CHECK_IN | {"post_systolic_mmhg": "0"})
    assert response.status_code == 400
    assert "The top number (systolic) cannot be 0" in assert_plain(response)


def test_the_patients_own_report_offers_no_fatal_outcome(me: Client) -> None:
    html = text(me.get(reverse("portal-adverse-event-any")))
    assert 'value="fatal"' not in html
    assert "Fatal" not in html
    for words in ("Not better yet", "Getting better", "It has passed", "I am not sure"):
        assert words in html


def test_a_fatal_outcome_sent_anyway_is_refused_in_plain_words(me: Client) -> None:
    report = {"description": "x", "severity": "severe", "serious": "yes", "outcome": "fatal"}
    response = me.post(reverse("portal-adverse-event-any"), report)
    assert response.status_code == 400
    assert "Choose one of the answers shown." in assert_plain(response)
    assert not AdverseEvent.objects.exists()


def test_a_life_threatening_event_not_marked_serious_is_refused_without_ich(me: Client) -> None:
    report = {
        "description": "I could not breathe.",
        "severity": "life_threatening",
        "serious": "no",
        "outcome": "recovering",
    }
    response = me.post(reverse("portal-adverse-event-any"), report)
    assert response.status_code == 400
    assert "Answer yes: anything that put a life at risk is serious." in assert_plain(response)


def test_a_sitter_reads_the_next_session_on_the_patients_clock(
    signed_in: SignIn, approved: Patient, robin: Sitter, plan: Any
) -> None:
    # The clinic runs on UTC; the patient lives in New York (the first session 18:00 there).
    approved.clinic.timezone = "UTC"
    approved.clinic.save(update_fields=["timezone"])
    html = text(signed_in(robin.user).get(reverse("sitter-session", args=[approved.pk])))
    assert "Monday 3 March, 18:00" in html
    assert "23:00" not in html


# --- The sweep: every form a patient or sitter sends, with bad values ---------------------------


@pytest.fixture
def posts(approved: Patient, robin: Sitter, dosed: DosingSession, clock: Any) -> DosingSession:
    after_observation(clock, dosed)
    return dosed


def _sweep(client: Client, url: str, good: dict[str, str], fields: tuple[str, ...]) -> int:
    sent = 0
    for field in fields:
        for bad in (*BAD_NUMBERS, "bogus"):
            response = client.post(url, good | {field: bad})
            assert response.status_code < 500, (url, field, bad)
            assert_plain(response)
            sent += 1
    return sent


def test_no_bad_value_shows_a_field_name_or_raw_validation_text(
    me: Client, signed_in: SignIn, approved: Patient, robin: Sitter, posts: DosingSession
) -> None:
    session = posts
    sid = {"session_id": session.pk}
    sent = _sweep(
        me,
        reverse("portal-session-start"),
        CHECKLIST,
        (*CHECKLIST, "substances_today", "cssrs_intent"),
    )
    sent += _sweep(
        me,
        reverse("portal-reading", kwargs=sid),
        {"systolic_mmhg": "120", "diastolic_mmhg": "80"},
        ("systolic_mmhg", "diastolic_mmhg"),
    )
    sent += _sweep(me, reverse("portal-dose-taken", kwargs=sid), {}, ("units", "already_taken"))
    sent += _sweep(
        me,
        reverse("portal-check-in", kwargs=sid),
        CHECK_IN,
        (*CHECK_IN, "side_effects", "side_effect_other"),
    )
    report = {"description": "Dizzy.", "severity": "mild", "serious": "no", "outcome": "ongoing"}
    sent += _sweep(me, reverse("portal-adverse-event-any"), report, (*report, "onset_at"))
    sent += _sweep(me, reverse("portal-consent"), {}, ("signature_name",))
    codes = {"sitter": str(robin.pk), "code": "123456", "stable": "yes"}
    for name in ("portal-sitter-code", "portal-sitter-code-confirm"):
        sent += _sweep(me, reverse(name), codes, ("sitter", "code"))
    for name in ("portal-release-code", "portal-release"):
        sent += _sweep(me, reverse(name, kwargs=sid), codes, ("sitter", "code", "stable"))
    sitter = signed_in(robin.user)
    sent += _sweep(
        sitter,
        reverse("sitter-release", args=[approved.pk]),
        {"stable": "yes", "note": ""},
        ("stable", "note"),
    )
    assert sent > 200
