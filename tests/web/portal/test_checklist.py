"""The checklist page: the sitter first, the questions, a held checklist with crisis help first.

The sitter confirms from their own sign-in or with a texted code typed on the patient's
device; the questions about thoughts of suicide since the last contact; the substances.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from ketacare.accounts.models import Clinic
from ketacare.alerts.models import Notification
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.clinical.predose import SUBSTANCE_WORDS
from ketacare.patients.models import Patient, Sitter
from ketacare.treatment import services
from ketacare.treatment.models import (
    Dispense,
    DosingSession,
    SessionStatus,
    SitterCode,
    SitterPresence,
    TreatmentPlan,
)
from tests.factories import SitterFactory
from tests.treatment.helpers import sitter_here
from tests.web.portal.helpers import CHECKLIST, NO_IDEATION, external_urls, text, texted_code

pytestmark = pytest.mark.django_db

SignIn = Callable[[Any], Client]
START = reverse("portal-session-start")
SEND = reverse("portal-sitter-code")
CONFIRM = reverse("portal-sitter-code-confirm")


@pytest.fixture
def phone_only(clinic: Clinic, approved: Patient) -> Sitter:
    """Kim sits for Pat without a sign-in of their own: codes by text."""
    return SitterFactory(
        clinic=clinic, patients=[approved], user=None, name="Kim Phone", phone="+15550001111"
    )


def _start(client: Client, **changes: str) -> Any:
    return client.post(START, CHECKLIST | changes)


# --- The sitter --------------------------------------------------------------------------


def test_without_a_confirmation_each_sitter_is_offered_both_ways(
    signed_in: SignIn, approved: Patient, plan: TreatmentPlan, robin: Sitter, phone_only: Sitter
) -> None:
    html = text(signed_in(approved.user).get(START))
    assert html.index('id="sitter"') < html.index('id="questions-title"')  # the sitter first
    assert "Ask Robin Sitter to confirm from their own ketacare sign-in" in html
    assert "Text Robin Sitter a code" in html
    assert "Text Kim Phone a code" in html
    assert "Ask Kim Phone to confirm" not in html  # no sign-in to confirm from
    assert 'name="code"' not in html  # no code sent yet
    assert external_urls(html) == []


def test_a_sitter_who_may_not_sit_is_not_offered(
    signed_in: SignIn, clinic: Clinic, approved: Patient, plan: TreatmentPlan
) -> None:
    SitterFactory(clinic=clinic, patients=[approved], name="Young Yuri", adult_confirmed=False)
    html = text(signed_in(approved.user).get(START))
    assert "Young Yuri" not in html
    assert "No adult sitter is registered with the clinic for you yet" in html


def test_a_counted_confirmation_is_shown_instead(
    signed_in: SignIn,
    approved: Patient,
    plan: TreatmentPlan,
    robin: Sitter,
    clock: time_machine.Coordinates,
) -> None:
    services.confirm_sitter_presence(robin.user, approved)
    clock.shift(timedelta(minutes=2))
    client = signed_in(approved.user)
    html = text(client.get(START))
    assert "Robin Sitter confirmed being with you at 18:00." in html
    assert "Text Robin Sitter a code" not in html
    # Older than the clinic counts (2 h): the sitter is asked again.
    clock.shift(timedelta(hours=2))
    html = text(client.get(START))
    assert "confirmed being with you" not in html
    assert "Text Robin Sitter a code" in html


def test_a_texted_code_confirms_the_sitter(
    signed_in: SignIn, approved: Patient, plan: TreatmentPlan, phone_only: Sitter
) -> None:
    client = signed_in(approved.user)
    sent = client.post(SEND, {"sitter": phone_only.pk})
    assert sent.status_code == 302
    assert sent["Location"] == START + "#sitter"
    assert Notification.objects.filter(address=phone_only.phone).count() == 1
    page = text(client.get(START))
    assert "We texted a code to Kim Phone&#x27;s phone." in page
    assert f'id="id_s{phone_only.pk}_code"' in page
    assert "Text Kim Phone a new code" in page

    confirmed = client.post(
        CONFIRM, {"sitter": phone_only.pk, "code": texted_code(phone_only.phone)}
    )
    assert confirmed.status_code == 302
    presence = SitterPresence.objects.get()
    assert (presence.sitter, presence.method, presence.confirmed_by) == (
        phone_only,
        "code",
        approved.user,
    )
    assert "Kim Phone confirmed being with you at 18:00." in text(client.get(START))


def test_a_wrong_code_is_refused_on_its_field_and_counted(
    signed_in: SignIn, approved: Patient, plan: TreatmentPlan, phone_only: Sitter
) -> None:
    client = signed_in(approved.user)
    client.post(SEND, {"sitter": phone_only.pk})
    wrong = "000000" if texted_code(phone_only.phone) != "000000" else "111111"
    response = client.post(CONFIRM, {"sitter": phone_only.pk, "code": wrong})
    assert response.status_code == 409
    assert "That is not a code waiting for Kim Phone" in text(response)
    assert SitterCode.objects.get().attempts == 1
    assert not SitterPresence.objects.exists()
    # Not six digits: said on the field, no try counted.
    response = client.post(CONFIRM, {"sitter": phone_only.pk, "code": "12 34"})
    assert response.status_code == 400
    assert "The code is 6 digits" in text(response)
    assert SitterCode.objects.get().attempts == 1


def test_a_second_code_within_a_minute_is_refused_with_words(
    signed_in: SignIn, approved: Patient, plan: TreatmentPlan, phone_only: Sitter
) -> None:
    client = signed_in(approved.user)
    client.post(SEND, {"sitter": phone_only.pk})
    again = client.post(SEND, {"sitter": phone_only.pk})
    assert again.status_code == 409
    assert "A code was sent to Kim Phone at 18:00" in text(again)
    assert Notification.objects.filter(address=phone_only.phone).count() == 1


def test_another_patients_sitter_cannot_be_texted_or_confirmed(
    signed_in: SignIn,
    approved: Patient,
    plan: TreatmentPlan,
    stranger_sitter: Sitter,
) -> None:
    client = signed_in(approved.user)
    for url in (SEND, CONFIRM):
        response = client.post(url, {"sitter": stranger_sitter.pk, "code": "123456"})
        assert response.status_code == 400
        assert "Choose one of your sitters." in text(response)
        assert "Sam Stranger" not in text(response)
    assert not Notification.objects.exists()
    assert not SitterPresence.objects.exists()


@pytest.mark.parametrize("who", ["clinician", "outsider", "robin"])
@pytest.mark.usefixtures("approved", "plan")
def test_only_the_patient_uses_the_code_pages(
    request: pytest.FixtureRequest, signed_in: SignIn, phone_only: Sitter, who: str
) -> None:
    found = request.getfixturevalue(who)
    client = signed_in(found.user if isinstance(found, Sitter) else found)
    for url in (SEND, CONFIRM):
        assert client.post(url, {"sitter": phone_only.pk, "code": "123456"}).status_code == 404
        assert client.get(url).status_code == 405
    assert not Notification.objects.exists()


# --- The questions ---------------------------------------------------------------------


def test_the_substances_are_in_the_patients_words(
    signed_in: SignIn, approved: Patient, plan: TreatmentPlan
) -> None:
    html = text(signed_in(approved.user).get(START))
    for words in SUBSTANCE_WORDS.values():
        assert escape(words) in html
    assert html.count('name="substances_today"') == 9


def test_the_follow_up_questions_are_marked_and_work_without_js(
    signed_in: SignIn, approved: Patient, plan: TreatmentPlan
) -> None:
    html = text(signed_in(approved.user).get(START))
    follow_ups = html[html.index('data-asked-if="cssrs_suicidal_thoughts"') :]
    follow_ups = follow_ups[: follow_ups.index("cssrs_behaviour")]
    for name in ("thoughts_with_method", "intent", "plan_with_intent"):
        assert f'name="cssrs_{name}"' in follow_ups
    # Without JS they are on the page, each saying when to answer it; never "C-SSRS".
    assert "Answer this only if you answered yes to the question about thoughts" in follow_ups
    assert "since your last session or contact with the clinic" in html
    assert "C-SSRS" not in html


def test_a_yes_to_thoughts_of_killing_oneself_asks_the_follow_ups(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    sitter_here(approved)
    response = _start(signed_in(approved.user), cssrs_suicidal_thoughts="yes")
    assert response.status_code == 400
    assert 'href="#id_cssrs_thoughts_with_method_0"' in text(response)
    assert not DosingSession.objects.exists()


def test_a_follow_up_without_the_yes_before_it_is_queried(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    response = _start(signed_in(approved.user), cssrs_intent="yes")
    assert response.status_code == 400
    assert "Please check this answer" in text(response)
    assert not DosingSession.objects.exists()


def test_a_wish_to_be_dead_holds_the_dose_with_crisis_help_first(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    sitter_here(approved)
    response = _start(signed_in(approved.user), cssrs_wish_to_be_dead="yes")
    assert response.status_code == 200
    session = DosingSession.objects.get()
    assert session.status == SessionStatus.GATE_FAILED
    assert session.cssrs_response is not None
    assert session.cssrs_response.answers == {str(n): int(n == 1) for n in range(1, 8)}
    html = text(response)
    crisis = html.index('id="crisis-first"')
    assert 'role="alert" aria-labelledby="crisis-first-title"' in html
    assert crisis < html.index("What you told us about thoughts of death or suicide.")
    assert crisis < html.index("<h1")
    assert f'href="tel:{approved.clinic.emergency_number}"' in html[crisis:]
    assert "a suicide and crisis line in your country" in html
    assert "C-SSRS" not in html
    assert "hard stop" not in html


def test_the_crisis_line_is_the_one_configured(
    signed_in: SignIn, approved: Patient, stocked: Dispense, settings: Any
) -> None:
    settings.KETACARE_CRISIS_LINE = "988"
    sitter_here(approved)
    html = text(_start(signed_in(approved.user), cssrs_wish_to_be_dead="yes"))
    assert 'the crisis line <a class="phone" href="tel:988">988</a>' in html


def test_an_open_suicidality_alert_from_the_morning_holds_the_checklist(
    signed_in: SignIn, approved: Patient, stocked: Dispense, clock: time_machine.Coordinates
) -> None:
    clock.shift(timedelta(hours=-8))
    submit_questionnaire(approved.user, approved, questionnaire(instrument="phq9", answers=[1] * 9))
    clock.shift(timedelta(hours=8))
    sitter_here(approved)
    html = text(_start(signed_in(approved.user), **NO_IDEATION))
    assert DosingSession.objects.get().status == SessionStatus.GATE_FAILED
    assert html.index('id="crisis-first"') < html.index('class="findings"')
    assert "Please do not take a dose today." in html


def test_other_reasons_do_not_put_crisis_help_first(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    sitter_here(approved)
    html = text(_start(signed_in(approved.user), fasted="no"))
    assert 'id="crisis-first"' not in html
    assert "You have not fasted." in html
    assert 'role="alert" aria-labelledby="gate-title"' in html
