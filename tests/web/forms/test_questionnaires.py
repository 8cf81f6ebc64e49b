"""A questionnaire filled in by the patient, and its result page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ketacare.accounts.models import User
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from tests.web.forms.helpers import all_items, assert_no_external_urls, text

PHQ9 = reverse("portal-questionnaire", kwargs={"instrument": "phq9"})
CSSRS = reverse("portal-questionnaire", kwargs={"instrument": "cssrs_screen"})


def _result(response_id: int) -> str:
    return reverse("portal-questionnaire-result", kwargs={"response_id": response_id})


def test_the_form_has_every_item_as_a_radio_group(me: Client) -> None:
    page = me.get(PHQ9)
    assert page.status_code == 200
    html = text(page)
    assert html.count('<fieldset class="item') == 10
    assert "the last 2 weeks" in html  # the recall period
    assert html.count('type="radio" name="item_1"') == 4
    assert 'id="id_item_1_0" required' in html
    assert 'name="item_10"' in html
    assert_no_external_urls(page)


def test_the_unscored_item_10_is_optional_and_says_so(me: Client, patient: Patient) -> None:
    # As the instrument defines it (CLINICAL.md A1), and as the public self-screen asks it.
    html = text(me.get(PHQ9))
    assert re.search(r'<legend><span class="number">10\.</span> [^<]+ \(optional\)</legend>', html)
    assert html.count("(optional)</legend>") == 1
    assert "You may leave this question out: it is not counted in your score." in html
    assert not re.search(r'name="item_10"[^>]* required', html)
    response = me.post(PHQ9, all_items([1, 2, 1, 2, 1, 2, 1, 2, 0]))
    assert response.status_code == 302
    stored = QuestionnaireResponse.objects.get(patient=patient)
    assert stored.total == 12


def test_an_incomplete_questionnaire_names_every_missing_item_and_stores_nothing(
    me: Client,
) -> None:
    page = me.post(PHQ9, {"item_1": "2", "item_2": "3"})
    assert page.status_code == 400
    html = text(page)
    for number in range(3, 10):
        assert f"Question {number} is not answered: choose one answer." in html
        assert f'<a href="#id_item_{number}">' in html
    assert "Question 1 is not answered" not in html
    assert "Question 10 is not answered" not in html  # item 10 is not scored
    # What was answered is kept.
    assert 'value="2" id="id_item_1_2" required checked' in html
    assert not QuestionnaireResponse.objects.exists()


def test_a_complete_questionnaire_is_scored_and_stored(me: Client, patient: Patient) -> None:
    page = me.post(PHQ9, all_items([1, 2, 1, 2, 1, 2, 1, 2, 0]))
    response = QuestionnaireResponse.objects.get()
    assert page.status_code == 302
    assert page["Location"] == _result(response.pk)
    assert (response.patient, response.instrument, response.total) == (patient, "phq9", 12)
    assert response.band == "moderate"
    result = me.get(page["Location"])
    html = text(result)
    assert "Your score: <strong>12</strong> out of 27" in html
    assert "Moderate</strong> (10 to 14)" in html
    assert "Please talk to someone now" not in html
    assert_no_external_urls(result)


def test_a_suicidal_answer_shows_the_crisis_numbers_before_the_score(
    me: Client, patient: Patient
) -> None:
    clinic = patient.clinic
    clinic.emergency_number = "911"
    clinic.save()
    page = me.post(PHQ9, all_items([0, 0, 0, 0, 0, 0, 0, 0, 1]), follow=True)
    html = text(page)
    crisis = html.index("Please talk to someone now")
    assert crisis < html.index("Your score:")
    assert 'href="tel:911"' in html
    assert f'href="tel:{clinic.on_call_phone}"' in html


def test_the_cssrs_follow_ups_are_asked_only_after_a_yes(me: Client) -> None:
    page = me.post(CSSRS, {"item_1": "0", "item_2": "0", "item_6": "0"})
    assert page.status_code == 302
    stored = QuestionnaireResponse.objects.get()
    assert stored.answers == {str(n): 0 for n in range(1, 8)}
    assert stored.band == "none"


def test_after_a_yes_the_cssrs_follow_ups_are_required(me: Client) -> None:
    page = me.post(CSSRS, {"item_1": "1", "item_2": "1", "item_6": "0"})
    assert page.status_code == 400
    html = text(page)
    for number in (3, 4, 5):
        assert f"Question {number} is not answered" in html
    assert "Question 7 is not answered" not in html
    assert 'data-asked-if="item_2"' in html
    assert not QuestionnaireResponse.objects.exists()


def test_a_high_cssrs_triage_shows_the_crisis_numbers(me: Client) -> None:
    data = {f"item_{n}": "1" for n in range(1, 8)}
    html = text(me.post(CSSRS, data, follow=True))
    assert html.index("Please talk to someone now") < html.index("Your score:")
    assert QuestionnaireResponse.objects.get().band == "high"


@pytest.mark.parametrize("instrument", ["madrs", "nope"])
def test_clinician_rated_and_unknown_questionnaires_are_not_found(
    me: Client, instrument: str
) -> None:
    url = reverse("portal-questionnaire", kwargs={"instrument": instrument})
    assert me.get(url).status_code == 404
    assert me.post(url, all_items([0] * 10)).status_code == 404
    assert not QuestionnaireResponse.objects.exists()


def test_a_discharged_patient_cannot_send_one(me: Client, patient: Patient) -> None:
    patient.phase = Phase.DISCHARGED.value
    patient.save()
    page = me.post(PHQ9, all_items([0] * 9))
    assert page.status_code == 409
    assert "no questionnaires are taken" in text(page)
    assert not QuestionnaireResponse.objects.exists()


def test_the_result_read_is_audited(me: Client, patient: Patient) -> None:
    me.post(PHQ9, all_items([0] * 9))
    response = QuestionnaireResponse.objects.get()
    me.get(_result(response.pk))
    entry = AuditEntry.objects.filter(action=AuditAction.READ).latest("seq")
    assert (entry.object_id, entry.patient_id) == (str(response.pk), patient.pk)


@pytest.mark.parametrize("who", ["other_patient", "clinician", "outsider", "sitter"])
def test_only_the_patient_sees_their_result(
    me: Client,
    sign_in: Callable[[object], Client],
    request: pytest.FixtureRequest,
    who: str,
) -> None:
    me.post(PHQ9, all_items([0] * 9))
    url = _result(QuestionnaireResponse.objects.get().pk)
    person = request.getfixturevalue(who)
    user: User = getattr(person, "user", person)
    client = sign_in(user)
    assert client.get(url).status_code == 404
    # Staff and sitters have no questionnaire of their own to fill in here.
    assert client.get(PHQ9).status_code == (200 if who == "other_patient" else 404)


def test_signed_out_people_are_sent_to_sign_in(client: Client) -> None:
    page = client.get(PHQ9)
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))


def test_the_bladder_check_is_asked_in_plain_words_and_a_symptom_reaches_the_care_team(
    me: Client, patient: Patient
) -> None:
    # CLINICAL.md G10: monthly on treatment; any symptom asks for a clinician's review.
    Patient.objects.filter(pk=patient.pk).update(phase=Phase.INDUCTION)
    url = reverse("portal-questionnaire", kwargs={"instrument": "bladder"})
    html = text(me.get(url))
    assert html.count('<fieldset class="item') == 4
    assert "blood in your urine" in html
    page = me.post(url, all_items([0, 0, 1, 0]), follow=True)
    assert page.status_code == 200
    stored = QuestionnaireResponse.objects.get(patient=patient)
    assert (stored.instrument, stored.total) == ("bladder", 1)
    assert patient.alerts.filter(cause="bladder_symptoms", status="open").exists()
