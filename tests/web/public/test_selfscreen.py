"""The self-screen pages: every question required, each result, crisis help first."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from ketacare.accounts.models import Clinic
from ketacare.audit.models import AuditEntry
from ketacare.clinical import instruments
from ketacare.clinical.selfscreen import QUESTIONS
from ketacare.intake.models import ScreeningLead
from tests.web.public.helpers import (
    MODERATELY_SEVERE,
    external_urls,
    html,
    screen_post,
    signed_answers,
)

PHQ9 = instruments.get("phq9")


def nothing_stored() -> bool:
    return not ScreeningLead.objects.exists() and not AuditEntry.objects.exists()


# --- the form -----------------------------------------------------------------------


def test_the_self_screen_asks_every_scored_phq9_item_as_a_required_radio_group(
    client: Client, clinic: Clinic
) -> None:
    response = client.get("/screen/")
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Is ketamine treatment right for you?</h1>" in page
    for item in PHQ9.items:
        radios = re.findall(rf'<input type="radio" name="phq9_{item.number}"[^>]*>', page)
        assert len(radios) == len(item.choices)
        if item.scored:
            assert f"<legend>{item.number}. {item.text}</legend>" in page
            assert all(" required" in radio for radio in radios)
        else:  # item 10, unscored: optional, as the instrument (and the portal's PHQ-9) has it
            assert f"<legend>{item.number}. {item.text} (optional)</legend>" in page
            assert not any(" required" in radio for radio in radios)
            assert all(f'aria-describedby="id_phq9_{item.number}_helptext"' in r for r in radios)
    assert "You may leave this question out: it is not counted in the score." in page
    assert '<label class="choice" for="id_phq9_9_3">' in page
    assert "Nearly every day" in page


def test_the_self_screen_asks_about_trials_in_plain_words_and_the_exclusions(
    client: Client, clinic: Clinic
) -> None:
    page = html(client.get("/screen/"))
    assert "How many antidepressants have you tried in this episode" in page
    assert "for at least 6 weeks" in page
    assert "I&#x27;m not sure" in page
    # Each radio of the trials question points at its explanation.
    trials = re.findall(r'<input type="radio" name="failed_trials"[^>]*>', page)
    assert len(trials) == 6
    assert all('aria-describedby="id_failed_trials_helptext"' in radio for radio in trials)
    for question in QUESTIONS:
        radios = re.findall(rf'<input type="radio" name="exclusion_{question.code}"[^>]*>', page)
        assert len(radios) == 3, question.code
        assert all(" required" in radio for radio in radios)
    assert "Are you pregnant or breastfeeding?" in page
    assert "Have you ever had an allergic reaction to ketamine?" in page


def test_the_item_9_help_is_in_the_page_but_hidden_until_item_9_is_answered_above_0(
    client: Client, clinic: Clinic
) -> None:
    page = html(client.get("/screen/"))
    assert re.search(r'<section class="crisis-now" role="alert"[^>]*id="item9-help" hidden>', page)
    assert 'src="/static/ketacare/public.js"' in page


# --- incomplete answers -------------------------------------------------------------------


def test_an_incomplete_self_screen_names_every_missing_question_and_stores_nothing(
    client: Client, clinic: Clinic
) -> None:
    data = screen_post()
    for name in ("phq9_3", "phq9_10", "failed_trials", "exclusion_ketamine_allergy"):
        del data[name]
    response = client.post("/screen/", data)
    assert response.status_code == 200
    page = html(response)
    assert "3 questions are not answered" in page  # item 10 (optional) is not one of them
    summary = page[
        page.index('class="error-summary"') : page.index("</div>", page.index("error-summary"))
    ]
    for anchor, words in (
        ("id_phq9_3_0", "3. Trouble falling or staying asleep"),
        ("id_failed_trials_0", "How many antidepressants"),
        ("id_exclusion_ketamine_allergy_0", "Have you ever had an allergic reaction to ketamine?"),
    ):
        assert re.search(rf'<a href="#{anchor}">{re.escape(words)}', summary), anchor
    assert summary.count("<li>") == 3
    assert "id_phq9_10_0" not in summary
    # Each missing question says so under itself, and its radios point at the message.
    assert 'id="id_phq9_3_error">Error: Choose an answer.</p>' in page
    assert 'aria-describedby="id_phq9_3_error"' in page
    assert 'aria-describedby="id_failed_trials_error id_failed_trials_helptext"' in page
    # What was answered is kept.
    assert re.search(r'name="phq9_1" value="2"[^>]*checked', page)
    assert "Your result" not in page
    assert nothing_stored()


def test_the_optional_item_10_may_be_left_out_and_the_visitor_can_still_leave_details(
    client: Client, clinic: Clinic
) -> None:
    data = screen_post()
    del data["phq9_10"]
    response = client.post("/screen/", data)
    page = html(response)
    assert '<h1 id="result-title">Your result: You may be a candidate</h1>' in page
    assert "Your PHQ-9 score is 15 out of 27" in page  # item 10 is never part of the total
    assert nothing_stored()
    # The signed answers without item 10 still make a lead.
    contact = {
        "answers": signed_answers(response),
        "name": "Sam Visitor",
        "email": "sam@example.org",
        "preferred_contact_time": "any",
        "consent": "on",
    }
    assert client.post("/screen/contact/", contact).status_code == 302
    assert ScreeningLead.objects.get().phq9_total == 15


def test_an_answer_to_item_10_out_of_range_is_still_refused(client: Client, clinic: Clinic) -> None:
    page = html(client.post("/screen/", screen_post() | {"phq9_10": "4"}))
    assert "1 question is not answered" in page
    assert 'id="id_phq9_10_error">Error: Choose an answer.</p>' in page
    assert nothing_stored()


def test_an_empty_submission_lists_all_questions(client: Client, clinic: Clinic) -> None:
    page = html(client.post("/screen/", {}))
    total = len([item for item in PHQ9.items if item.scored]) + 1 + len(QUESTIONS)
    assert f"{total} questions are not answered" in page
    assert nothing_stored()


def test_an_answer_out_of_range_is_refused(client: Client, clinic: Clinic) -> None:
    page = html(client.post("/screen/", screen_post() | {"phq9_1": "7"}))
    assert "1 question is not answered" in page
    assert 'id="id_phq9_1_error">Error: Choose an answer.</p>' in page


def test_an_incomplete_form_with_item_9_above_0_shows_the_help_at_once(
    client: Client, clinic: Clinic
) -> None:
    data = screen_post(phq9=(*MODERATELY_SEVERE[:8], 2))
    del data["phq9_1"]
    page = html(client.post("/screen/", data))
    assert re.search(r'<section class="crisis-now" role="alert"[^>]*id="item9-help">', page)


# --- the three results ------------------------------------------------------------------


def test_a_possible_candidate_sees_the_result_with_its_reasons_and_nothing_is_stored(
    client: Client, clinic: Clinic
) -> None:
    response = client.post("/screen/", screen_post())
    assert response.status_code == 200
    page = html(response)
    assert '<h1 id="result-title">Your result: You may be a candidate</h1>' in page
    assert "Your PHQ-9 score is 15 out of 27: moderately severe depression symptoms." in page
    assert "treatment-resistant depression" in page
    assert '<span class="badge">Noted</span>' in page
    assert "crisis-now" not in page  # item 9 was 0: the usual banner only
    assert 'class="crisis-banner"' in page
    assert nothing_stored()
    assert external_urls(page) == []


def test_too_few_trials_means_talk_to_your_doctor(client: Client, clinic: Clinic) -> None:
    page = html(client.post("/screen/", screen_post(failed_trials="1")))
    assert "Your result: Talk to your doctor first" in page
    assert '<span class="badge">Needs a doctor</span> You have tried 1 antidepressant' in page
    assert nothing_stored()


def test_not_sure_about_trials_means_talk_to_your_doctor(client: Client, clinic: Clinic) -> None:
    page = html(client.post("/screen/", screen_post(failed_trials="not_sure")))
    assert "Your result: Talk to your doctor first" in page
    assert "You were not sure how many antidepressants" in page


def test_four_or_more_trials_count(client: Client, clinic: Clinic) -> None:
    page = html(client.post("/screen/", screen_post(failed_trials="4")))
    assert "Your result: You may be a candidate" in page
    assert "You have tried 4 antidepressants" in page


def test_an_exclusion_makes_treatment_not_suitable(client: Client, clinic: Clinic) -> None:
    page = html(client.post("/screen/", screen_post(pregnant_or_breastfeeding="yes")))
    assert "Your result: At-home ketamine treatment is not suitable for you" in page
    assert (
        '<span class="badge">Not suitable</span> You answered yes to '
        "&quot;Are you pregnant or breastfeeding?&quot;"
    ) in page
    assert "there are other treatments for depression" in page
    assert nothing_stored()


def test_suicidal_thoughts_show_crisis_help_before_anything_else(
    client: Client, clinic: Clinic
) -> None:
    clinic.emergency_number = "911"
    clinic.save()
    response = client.post("/screen/", screen_post(phq9=(*MODERATELY_SEVERE[:8], 1)))
    page = html(response)
    crisis = page.index('<section class="crisis-now" role="alert"')
    assert crisis < page.index('<h1 id="result-title">')
    # The first thing inside <main>: nothing but white space before it.
    assert page[page.index('<main id="main">') + len('<main id="main">') : crisis].strip() == ""
    block = page[crisis : page.index("</section>", crisis)]
    assert "Please get help now" in block
    assert '<a href="tel:911">911</a>' in block
    on_call = clinic.on_call_phone
    assert f'<a href="tel:{on_call.replace(" ", "")}">{on_call}</a>' in block
    assert "a suicide and crisis line in your country" in block
    assert "Your result: Talk to your doctor first" in page
    assert "Please talk to someone today" in page
    assert nothing_stored()


def test_the_crisis_help_uses_the_configured_crisis_line(
    client: Client, clinic: Clinic, settings: pytest.FixtureRequest
) -> None:
    settings.KETACARE_CRISIS_LINE = "988"  # type: ignore[attr-defined]
    page = html(client.post("/screen/", screen_post(phq9=(*MODERATELY_SEVERE[:8], 3))))
    assert 'call the crisis line <a href="tel:988">988</a>' in page


def test_without_a_clinic_the_result_works_and_offers_no_contact_form(client: Client) -> None:
    page = html(client.post("/screen/", screen_post(phq9=(*MODERATELY_SEVERE[:8], 1))))
    assert "Your result: Talk to your doctor first" in page
    assert "your local emergency number" in page
    assert 'name="answers"' not in page
    assert "Take this result to your doctor." in page


def test_the_contact_form_is_offered_with_consent_unticked(client: Client, clinic: Clinic) -> None:
    page = html(client.post("/screen/", screen_post()))
    assert f"Would you like {clinic.name} to contact you?" in page
    consent = re.search(r'<input type="checkbox" name="consent"[^>]*>', page)
    assert consent
    assert "checked" not in consent.group(0)
    assert " required" in consent.group(0)
    assert '<label for="id_name">Your name' in page
    assert '<label for="id_phone">Phone number' in page
    assert '<label for="id_email">Email address' in page


def test_the_self_screen_only_takes_get_and_post(client: Client, clinic: Clinic) -> None:
    assert client.put("/screen/").status_code == 405
