"""The patient's own intake: start, save each section, resume, submit."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketacare.accounts.models import Clinic, User
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.intake import answers as intake_answers
from ketacare.intake import services
from ketacare.intake import specs as intake_specs
from ketacare.intake.models import Intake, IntakeStatus
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.patients.protocol import change_protocol
from ketacare.patients.specs import ProtocolSpec
from tests.intake.conftest import COMPLETE
from tests.web.forms.helpers import all_items, assert_no_external_urls, text

INTAKE = reverse("portal-intake")


def _step(key: str) -> str:
    return f"{INTAKE}?step={key}"


@pytest.fixture
def draft(patient: Patient) -> Intake:
    assert patient.user is not None
    return services.start_intake(patient.user, patient)


def _fill(draft: Intake, data: dict[str, Any]) -> None:
    assert draft.patient.user is not None
    services.save_intake_draft(draft.patient.user, draft, intake_specs.draft(copy.deepcopy(data)))


def _phase(patient: Patient) -> str:
    patient.refresh_from_db()
    return patient.phase


def test_the_patient_starts_their_intake(me: Client, patient: Patient) -> None:
    page = me.get(INTAKE)
    assert "Start my intake" in text(page)
    assert not Intake.objects.exists()
    started = me.post(INTAKE)
    assert started["Location"] == _step("demographics")
    assert Intake.objects.get().status == IntakeStatus.DRAFT
    assert _phase(patient) == Phase.INTAKE


def test_a_section_is_saved_as_a_draft_and_resumed(
    me: Client, draft: Intake, patient: Patient
) -> None:
    page = me.post(
        _step("demographics"),
        {"step": "demographics", "date_of_birth": "1985-06-15", "weight_kg": "72.5"},
    )
    assert page.status_code == 302
    assert page["Location"] == _step("medical_history")
    draft.refresh_from_db()
    assert draft.data["demographics"] == {"date_of_birth": "1985-06-15", "weight_kg": "72.5"}
    resumed = text(me.get(_step("demographics")))
    assert 'value="1985-06-15"' in resumed
    assert 'value="72.5"' in resumed
    overview = text(me.get(INTAKE))
    assert "Continue: Your physical health" in overview


def test_the_date_of_birth_is_a_date_box_with_an_iso_value_and_no_format_hint(
    me: Client, draft: Intake
) -> None:
    html = text(me.get(_step("demographics")))
    assert re.search(r'<input type="date" name="date_of_birth" value="1985-06-15"[^>]*>', html)
    # The browser shows the date in the phone's own format: no hint that could differ.
    assert "For example 1985-06-15" not in html


def _steps_list(html: str) -> str:
    start = html.index('<nav aria-label="Intake sections">')
    return html[start : html.index("</nav>", start)]


def _entry(steps: str, title: str) -> str:
    """The list item of one section."""
    start = steps.index(f">{title}<")
    return steps[start : steps.index("</li>", start)]


def test_the_section_list_says_where_the_patient_is_and_what_is_saved(
    me: Client, draft: Intake
) -> None:
    # The record's date of birth and weight are in the draft already (prefilled): only
    # the sections saved and complete say "Saved", and the page on screen says so instead.
    steps = _steps_list(text(me.get(_step("demographics"))))
    assert steps.count('aria-current="step"') == 1
    here = _entry(steps, "About you")
    assert "You are here" in here
    assert "Saved" not in here
    assert "&#10003;" not in here
    assert "Saved" not in steps  # nothing else saved yet

    me.post(_step("medical_history"), {"step": "medical_history", "pregnant": "no"})
    me.post(_step("psychiatric_history"), _all_no("psychiatric_history"))
    steps = _steps_list(text(me.get(_step("trials"))))
    assert "You are here" in _entry(steps, "Antidepressants you have taken")
    saved = _entry(steps, "About you")
    assert '<span class="sr-only">:</span> <span aria-hidden="true">&#10003;</span> Saved' in saved
    assert "Saved" in _entry(steps, "Your mental health history")
    # Saved but a question still unanswered: said in words, not as done.
    unfinished = _entry(steps, "Your physical health")
    assert "Not finished" in unfinished
    assert "Saved" not in unfinished
    assert "Saved" not in _entry(steps, "Medicines you take now")  # not started


def _all_no(section: str) -> dict[str, str]:
    """Every question of a section of yes/no and none/past/now questions answered no."""
    model = {"psychiatric_history": intake_answers.PsychiatricHistory}[section]
    answers = {"step": section}
    for name, info in model.model_fields.items():
        answers[name] = "no" if info.annotation is bool else "none"
    return answers


def test_the_overview_and_the_review_page_go_by_what_is_saved_and_complete(
    me: Client, draft: Intake
) -> None:
    me.post(_step("medical_history"), {"step": "medical_history", "pregnant": "no"})
    overview = text(me.get(INTAKE))
    assert "Sections marked &ldquo;Saved&rdquo; are done" in overview
    assert 'aria-current="step"' not in overview  # no page of the intake is on screen
    # "About you" came complete from the record; the physical health is not finished.
    assert "Continue: Your physical health" in overview
    review = text(me.get(_step("review")))
    assert "Your physical health</a>: <strong>not finished</strong>" in review
    assert "About you</a>: saved" in review
    assert "Medicines you take now</a>: <strong>not filled in yet</strong>" in review


def test_yes_no_answers_and_partial_sections_are_kept(me: Client, draft: Intake) -> None:
    me.post(
        _step("medical_history"),
        {"step": "medical_history", "pregnant": "no", "hypertension": "controlled"},
    )
    draft.refresh_from_db()
    assert draft.data["medical_history"] == {"pregnant": False, "hypertension": "controlled"}
    html = text(me.get(_step("medical_history")))
    assert 'value="no" id="id_pregnant_1" checked' in html


def test_a_bad_value_is_shown_at_its_field_and_nothing_is_saved(me: Client, draft: Intake) -> None:
    page = me.post(
        _step("demographics"),
        {"step": "demographics", "date_of_birth": "1985-06-15", "weight_kg": "500"},
    )
    assert page.status_code == 400
    html = text(page)
    assert 'id="id_weight_kg_error"' in html
    assert 'aria-describedby="id_weight_kg_error"' in html
    assert 'href="#id_weight_kg"' in html
    assert 'value="500"' in html  # the input is kept
    draft.refresh_from_db()
    assert draft.data["demographics"]["weight_kg"] == "70.0"  # the record's, unchanged


def test_trials_are_rows_with_one_more_to_add(me: Client, draft: Intake) -> None:
    data = {
        "step": "trials",
        "action": "add",
        "trials-TOTAL_FORMS": "1",
        "trials-INITIAL_FORMS": "0",
        "trials-0-drug": "sertraline",
        "trials-0-dose": "150 mg",
        "trials-0-adequate_dose": "yes",
        "trials-0-duration_weeks": "8",
        "trials-0-outcome": "failed",
        "trials-0-in_current_episode": "yes",
    }
    page = me.post(_step("trials"), data)
    assert page["Location"] == _step("trials")  # stay: add another
    draft.refresh_from_db()
    assert draft.data["trials"] == [COMPLETE["trials"][0]]
    html = text(me.get(_step("trials")))
    assert 'value="sertraline"' in html
    assert 'name="trials-1-drug"' in html  # the blank row for another
    assert "Remove this one" in html


def test_no_trials_at_all_is_an_answer(me: Client, draft: Intake) -> None:
    data = {"step": "trials", "trials-TOTAL_FORMS": "1", "trials-INITIAL_FORMS": "0"}
    me.post(_step("trials"), data)
    draft.refresh_from_db()
    assert draft.data["trials"] == []


def test_a_baseline_questionnaire_is_saved_in_item_order(me: Client, draft: Intake) -> None:
    me.post(_step("q-phq9"), {"step": "q-phq9", **all_items([1, 1, 1])})
    draft.refresh_from_db()
    assert draft.data["questionnaires"]["phq9"] == [1, 1, 1, *[None] * 7]
    resumed = text(me.get(_step("q-phq9")))
    assert 'value="1" id="id_item_3_1" checked' in resumed
    assert "checked" not in resumed.split('id="id_item_4"')[1].split("</fieldset>")[0]


def test_a_suicidal_baseline_answer_shows_the_crisis_numbers_at_once(
    me: Client, draft: Intake
) -> None:
    page = me.post(_step("q-phq9"), {"step": "q-phq9", "item_9": "2"}, follow=True)
    html = text(page)
    assert "Please talk to someone now" in html
    assert html.index("Please talk to someone now") < html.index("<h1>")


def test_submission_errors_are_listed_and_shown_at_their_fields(
    me: Client, draft: Intake, patient: Patient, signed: object
) -> None:
    incomplete = copy.deepcopy(COMPLETE)
    del incomplete["medical_history"]["pregnant"]
    incomplete["questionnaires"]["gad7"][2] = None
    _fill(draft, incomplete)
    page = me.post(_step("review"), {"step": "review"})
    assert page.status_code == 400
    html = text(page)
    assert "Your intake was not sent yet" in html
    link = f'<a href="{_step("medical_history")}#id_pregnant">'
    assert f"{link}Your physical health: Are you pregnant? Not answered yet" in html
    gad7_link = f'<a href="{_step("q-gad7")}#id_item_3">'
    assert f"{gad7_link}GAD-7 anxiety questionnaire: Question 3: Not answered yet" in html
    assert _phase(patient) == Phase.INTAKE
    assert not QuestionnaireResponse.objects.exists()
    # Each page then shows its errors next to the fields, with the answers kept.
    medical = text(me.get(_step("medical_history")))
    assert 'id="id_pregnant_error">Error: Not answered yet: please answer this question.' in medical
    assert 'value="no" id="id_breastfeeding_1" checked' in medical
    gad7 = text(me.get(_step("q-gad7")))
    assert 'id="id_item_3_error">Error: Not answered yet' in gad7


def test_submission_needs_the_consent(me: Client, draft: Intake, consent_document: Any) -> None:
    _fill(draft, COMPLETE)
    page = me.post(_step("review"), {"step": "review"})
    assert page.status_code == 409  # refusal rule: a DomainError answers 409
    html = text(page)
    assert "Sign the current version of the treatment consent" in html
    assert reverse("portal-consent") in html
    assert "version 1" in html


def test_a_complete_intake_is_sent_for_review(
    me: Client, draft: Intake, patient: Patient, signed: object
) -> None:
    _fill(draft, COMPLETE)
    page = me.post(_step("review"), {"step": "review"}, follow=True)
    assert page.redirect_chain[-1][0] == reverse("portal-intake-submitted")
    assert "Your answers are with the clinic for review" in text(page)
    assert "What happens next" in text(page)
    draft.refresh_from_db()
    assert draft.status == IntakeStatus.SUBMITTED
    assert _phase(patient) == Phase.UNDER_REVIEW
    stored = set(QuestionnaireResponse.objects.values_list("instrument", flat=True))
    assert stored == {"phq9", "gad7", "cssrs_screen", "auditc", "dast10"}
    # The intake page now points to the submitted page.
    assert me.get(INTAKE)["Location"] == reverse("portal-intake-submitted")
    assert_no_external_urls(page)


def test_the_pcl5_is_a_step_only_for_ptsd(me: Client, draft: Intake, patient: Patient) -> None:
    assert "q-pcl5" not in text(me.get(INTAKE))
    patient.indication = "ptsd"
    patient.save()
    assert "q-pcl5" in text(me.get(INTAKE))


def test_reads_are_audited(me: Client, draft: Intake) -> None:
    me.get(_step("home"))
    entry = AuditEntry.objects.filter(action=AuditAction.READ).latest("seq")
    assert entry.object_id == str(draft.pk)
    assert entry.detail == {"via": "portal intake", "step": "home"}


@pytest.mark.parametrize("who", ["clinician", "coordinator", "outsider", "sitter"])
def test_only_the_patient_has_this_page(
    sign_in: Callable[[object], Client],
    request: pytest.FixtureRequest,
    draft: Intake,
    who: str,
) -> None:
    person = request.getfixturevalue(who)
    client = sign_in(getattr(person, "user", person))
    before = draft.data
    assert client.get(_step("demographics")).status_code == 404
    data = {"step": "demographics", "weight_kg": "90"}
    assert client.post(_step("demographics"), data).status_code == 404
    draft.refresh_from_db()
    assert draft.data == before


def test_another_patient_does_not_reach_this_draft(
    sign_in: Callable[[object], Client], draft: Intake, other_patient: Patient
) -> None:
    client = sign_in(other_patient.user)
    before = draft.data
    assert "Start my intake" in text(client.get(_step("demographics")))
    client.post(_step("demographics"), {"step": "demographics", "weight_kg": "90"})
    draft.refresh_from_db()
    assert draft.data == before


def test_a_draft_cannot_be_saved_once_the_phase_moved_on(
    me: Client, draft: Intake, patient: Patient
) -> None:
    patient.phase = Phase.UNDER_REVIEW.value
    patient.save()
    before = draft.data
    page = me.post(_step("home"), {"step": "home", "secure_storage": "yes"})
    assert page.status_code == 409  # refusal rule: a DomainError answers 409
    assert "The patient is in" in text(page)
    assert 'value="yes" id="id_secure_storage_0" checked' in text(page)
    draft.refresh_from_db()
    assert draft.data == before


def test_a_reading_the_clinical_core_rejects_is_shown_above_the_section(
    me: Client, draft: Intake
) -> None:
    data = {
        "step": "home_vitals",
        "systolic_mmhg": "80",
        "diastolic_mmhg": "120",
        "heart_rate_bpm": "70",
    }
    page = me.post(_step("home_vitals"), data)
    assert page.status_code == 400
    html = text(page)
    assert "probably swapped" in html
    assert 'value="120"' in html
    draft.refresh_from_db()
    assert "home_vitals" not in draft.data


def _sitter_stays_3_hours(clinic_admin: User, clinic: Clinic) -> None:
    """The clinic observes 3 h after a dose, so its sitter stays 3 h (clinical.rules)."""
    spec = ProtocolSpec(changes={"observation_minutes": 180}, reason="Medical director, 2025-03.")
    change_protocol(clinic_admin, clinic, spec)


def test_the_sitter_question_names_the_clinics_stay(
    me: Client, draft: Intake, clinic: Clinic, clinic_admin: User
) -> None:
    assert "sober, for at least 2 hours after every dose?" in text(me.get(_step("home")))
    _sitter_stays_3_hours(clinic_admin, clinic)
    home = text(me.get(_step("home")))
    assert "sober, for at least 3 hours after every dose?" in home
    assert "at least 2 hours" not in home


def test_a_refused_submission_names_the_clinics_sitter_stay(
    me: Client, draft: Intake, clinic: Clinic, clinic_admin: User, signed: object
) -> None:
    _sitter_stays_3_hours(clinic_admin, clinic)
    incomplete = copy.deepcopy(COMPLETE)
    del incomplete["home"]["sitter_available"]
    _fill(draft, incomplete)
    html = text(me.post(_step("review"), {"step": "review"}))
    link = f'<a href="{_step("home")}#id_sitter_available">'
    question = "Will an adult stay with you, sober, for at least 3 hours after every dose?"
    assert f"{link}Your home and your sitter: {question} Not answered yet" in html


def test_a_legacy_draft_with_the_patients_maudsley_is_saved_without_it(
    me: Client, draft: Intake
) -> None:
    # Saved before the Maudsley staging became the staff's (issue 14): the next save of
    # any section drops it, instead of refusing a section the patient cannot see.
    maudsley = {"duration": 2, "severity": 3, "treatment_failures": 4}
    Intake.objects.filter(pk=draft.pk).update(data={**draft.data, "maudsley": maudsley})
    page = me.post(
        _step("demographics"),
        {"step": "demographics", "date_of_birth": "1985-06-15", "weight_kg": "72.5"},
    )
    assert page.status_code == 302
    draft.refresh_from_db()
    assert "maudsley" not in draft.data
    assert draft.data["demographics"]["weight_kg"] == "72.5"


@pytest.mark.parametrize(
    ("step", "data", "words"),
    [
        (
            "demographics",
            {"date_of_birth": "1985-06-15", "weight_kg": "500"},
            "Give your weight in kilograms, from 30 to 250.",
        ),
        (
            "demographics",
            {"date_of_birth": "1985-06-15", "weight_kg": "-3"},
            "Give your weight in kilograms, from 30 to 250.",
        ),
        (
            "home_vitals",  # part of the section: each number is checked alone
            {"systolic_mmhg": "999999", "diastolic_mmhg": "80"},
            "The top number (systolic) cannot be 999999",
        ),
    ],
)
def test_an_out_of_range_number_reads_plainly(
    me: Client, draft: Intake, step: str, data: dict[str, str], words: str
) -> None:
    # Issue 14, item 6: no "Ensure this value is ...", no field name.
    html = text(me.post(_step(step), {"step": step, **data}))
    assert "Ensure this value" not in html
    assert "Input should" not in html
    assert "weight_kg:" not in html
    assert words in html
