"""Submitting a questionnaire: scoring, who may submit, phases, bad answers store nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from ketacare.accounts.models import RoleGrant
from ketacare.accounts.roles import Role
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.audit.log import verify
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinical import instruments
from ketacare.kernel.errors import NotAllowed, NotFound, WrongPhase
from ketacare.patients.models import Patient, SexAtBirth
from ketacare.patients.phases import Phase
from tests.assessments.conftest import NOW
from tests.factories import PatientFactory, SitterFactory, UserFactory

pytestmark = pytest.mark.usefixtures("clock")

PHQ9 = [1, 2, 0, 3, 1, 0, 2, 1, 0]  # total 10, moderate


def _nothing_stored() -> None:
    assert QuestionnaireResponse.objects.count() == 0
    assert AuditEntry.objects.count() == 0


# --- What is stored -----------------------------------------------------------------


def test_patient_submits_their_own_phq9_scored_by_the_clinical_core(patient):
    response = submit_questionnaire(
        patient.user, patient, questionnaire(instrument="phq9", answers=PHQ9)
    )
    expected = instruments.score("phq9", PHQ9)
    response.refresh_from_db()
    assert response.answers == {str(n): v for n, v in enumerate(PHQ9, start=1)}
    assert (response.total, response.band) == (expected.total, expected.band) == (10, "moderate")
    assert response.flags == []
    assert response.subscales == {}
    assert response.context == {}
    assert response.recorded_at == NOW
    assert response.patient_timezone == "America/New_York"
    assert response.submitted_by == patient.user
    entries = list(AuditEntry.objects.all())
    assert [(e.action, e.actor_id, e.patient_id) for e in entries] == [
        (AuditAction.CREATE, patient.user.pk, patient.pk)
    ]
    assert entries[0].detail == {"instrument": "phq9", "on_behalf": False}
    assert verify().ok


def test_every_item_is_stored_including_unscored_ones(patient):
    response = submit_questionnaire(
        patient.user, patient, questionnaire(instrument="phq9", answers=[*PHQ9, 2])
    )
    assert response.answers["10"] == 2
    assert response.total == 10


def test_subscales_and_flags_are_stored(patient):
    response = submit_questionnaire(
        patient.user, patient, questionnaire(instrument="pcl5", answers=[2] * 20)
    )
    assert response.subscales == {"B": 10, "C": 4, "D": 14, "E": 12}
    assert response.flags == ["probable_ptsd", "provisional_ptsd_dx"]


def test_a_suicidality_answer_is_stored_as_a_flag(patient):
    answers = [0, 0, 0, 0, 0, 0, 0, 0, 1]
    response = submit_questionnaire(
        patient.user, patient, questionnaire(instrument="phq9", answers=answers)
    )
    assert response.flags == ["suicidality"]


@pytest.mark.parametrize(
    "answers",
    [
        {1: 1, 2: 2, 3: 0, 4: 3, 5: 1, 6: 0, 7: 2, 8: 1, 9: 0},
        {"1": 1, "2": 2, "3": 0, "4": 3, "5": 1, "6": 0, "7": 2, "8": 1, "9": 0},
    ],
    ids=["item numbers", "json keys"],
)
def test_answers_may_be_a_mapping_of_item_numbers(patient, answers):
    response = submit_questionnaire(
        patient.user, patient, questionnaire(instrument="phq9", answers=answers)
    )
    assert response.total == 10
    assert response.answers["4"] == 3


def test_a_past_recorded_at_is_kept(patient):
    when = NOW - timedelta(days=2)
    response = submit_questionnaire(
        patient.user, patient, questionnaire(instrument="gad7", answers=[1] * 7, recorded_at=when)
    )
    assert response.recorded_at == when
    assert response.created_at == NOW


# --- Who may submit ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["clinician", "prescriber", "coordinator"])
def test_staff_of_the_clinic_submit_on_the_patients_behalf(clinic, patient, role):
    staff = UserFactory(clinic=clinic, **{role: True})
    response = submit_questionnaire(staff, patient, questionnaire(instrument="phq9", answers=PHQ9))
    assert response.submitted_by == staff
    assert AuditEntry.objects.get().detail == {"instrument": "phq9", "on_behalf": True}


def test_a_superuser_may_submit(patient):
    root = UserFactory(clinic=None, is_superuser=True, is_staff=True)
    assert submit_questionnaire(root, patient, questionnaire(instrument="phq9", answers=PHQ9)).pk


@pytest.mark.parametrize("who", ["pharmacist", "clinic_admin", "sitter"])
def test_other_roles_may_not_submit(request, patient, who):
    actor = request.getfixturevalue(who)
    actor = actor.user if who == "sitter" else actor
    with pytest.raises(NotAllowed):
        submit_questionnaire(actor, patient, questionnaire(instrument="phq9", answers=PHQ9))
    _nothing_stored()


def test_another_clinics_clinician_gets_404(outsider, patient):
    with pytest.raises(NotFound):
        submit_questionnaire(outsider, patient, questionnaire(instrument="phq9", answers=PHQ9))
    _nothing_stored()


def test_another_patient_gets_404(other_patient, patient):
    with pytest.raises(NotFound):
        submit_questionnaire(
            other_patient.user, patient, questionnaire(instrument="phq9", answers=PHQ9)
        )
    _nothing_stored()


def test_a_patient_who_sits_for_someone_may_not_submit_for_them(clinic, other_patient, patient):
    # They see the patient (as a sitter) but are neither the patient nor staff.
    SitterFactory(clinic=clinic, user=other_patient.user, patients=[patient])
    RoleGrant.objects.create(user=other_patient.user, role=Role.SITTER)
    other_patient.user.forget_roles()
    with pytest.raises(NotAllowed):
        submit_questionnaire(
            other_patient.user, patient, questionnaire(instrument="phq9", answers=PHQ9)
        )
    _nothing_stored()


@pytest.mark.parametrize("who", ["clinician", "prescriber"])
def test_madrs_is_rated_by_a_clinician_or_prescriber(request, patient, who):
    rater = request.getfixturevalue(who)
    response = submit_questionnaire(
        rater, patient, questionnaire(instrument="madrs", answers=[2] * 10)
    )
    assert (response.total, response.band) == (20, "moderate")


@pytest.mark.parametrize("who", ["coordinator", "patient"])
def test_madrs_is_not_submitted_by_a_coordinator_or_the_patient(request, patient, who):
    actor = request.getfixturevalue(who)
    actor = actor.user if who == "patient" else actor
    with pytest.raises(NotAllowed, match="clinician-rated"):
        submit_questionnaire(actor, patient, questionnaire(instrument="madrs", answers=[2] * 10))
    _nothing_stored()


def test_madrs_by_another_clinics_clinician_is_404(outsider, patient):
    with pytest.raises(NotFound):
        submit_questionnaire(outsider, patient, questionnaire(instrument="madrs", answers=[2] * 10))


# --- Phases -------------------------------------------------------------------------


@pytest.mark.parametrize("phase", sorted(set(Phase) - {Phase.DECLINED, Phase.DISCHARGED}))
def test_questionnaires_are_taken_in_every_phase_of_care(clinic, clinician, phase):
    paused_from = Phase.INDUCTION if phase is Phase.PAUSED else ""
    patient = PatientFactory(clinic=clinic, phase=phase, paused_from=paused_from)
    assert submit_questionnaire(
        clinician, patient, questionnaire(instrument="phq9", answers=PHQ9)
    ).pk


@pytest.mark.parametrize("phase", [Phase.DECLINED, Phase.DISCHARGED])
def test_no_questionnaire_after_decline_or_discharge(clinic, clinician, phase):
    patient = PatientFactory(clinic=clinic, phase=phase)
    with pytest.raises(WrongPhase) as err:
        submit_questionnaire(clinician, patient, questionnaire(instrument="phq9", answers=PHQ9))
    assert err.value.code == "wrong_phase"
    assert phase.words in err.value.message
    _nothing_stored()


def test_the_phase_is_read_under_the_lock_not_from_a_stale_object(clinic, clinician):
    patient = PatientFactory(clinic=clinic, phase=Phase.MAINTENANCE)
    stale = Patient.objects.get(pk=patient.pk)
    Patient.objects.filter(pk=patient.pk).update(phase=Phase.DISCHARGED)
    with pytest.raises(WrongPhase):
        submit_questionnaire(clinician, stale, questionnaire(instrument="phq9", answers=PHQ9))


# --- Invalid answers: a ValidationError naming the item, nothing stored ----------------


@pytest.mark.parametrize(
    ("instrument", "answers", "words"),
    [
        ("phq9", [1, 2, 3], "expected 9"),
        ("phq9", [1, 2, 0, 3, 1, 0, 2, 1, 4], "item 9 is 4"),
        ("phq9", [1, 2, 0, 3, 1, 0, 2, 1, True], "item 9 is True"),
        ("phq9", [1, 2, 0, 3, 1, 0, 2, 1, "1"], "item 9 is '1'"),
        ("phq9", [1, 2, 0, 3, 1, 0, 2, 1, 1.0], "item 9 is 1.0"),
        ("phq9", {1: 1, 2: 2, 3: 0, 4: 3, 5: 1, 6: 0, 7: 2, 8: 1}, "item 9 is missing"),
        ("phq9", {**dict.fromkeys(range(1, 10), 0), 11: 1}, "unknown item 11"),
        ("phq9", {**dict.fromkeys(range(1, 10), 0), "x": 1}, "unknown item 'x'"),
        ("phq9", {**dict.fromkeys(range(1, 10), 0), "01": 1}, "unknown item '01'"),
        ("phq9", "123456789", "answers must be a list"),
        ("gad7", [-1, 0, 0, 0, 0, 0, 0], "item 1 is -1"),
        ("cssrs_screen", [0, 0, 1, 0, 0, 0, 0], "item 3 is 1 (yes) but item 2 is 0"),
    ],
)
def test_invalid_answers_name_the_item_and_store_nothing(patient, instrument, answers, words):
    with pytest.raises(ValidationError) as err:
        submit_questionnaire(
            patient.user, patient, questionnaire(instrument=instrument, answers=answers)
        )
    assert list(err.value.message_dict) == ["answers"]
    assert words in err.value.message_dict["answers"][0]
    _nothing_stored()


def test_an_item_given_twice_is_refused(patient):
    answers = {**dict.fromkeys(range(1, 10), 0), "9": 1}
    with pytest.raises(ValidationError, match="Item 9 is answered twice"):
        submit_questionnaire(
            patient.user, patient, questionnaire(instrument="phq9", answers=answers)
        )
    _nothing_stored()


def test_an_unknown_instrument_is_refused(patient):
    with pytest.raises(ValidationError) as err:
        submit_questionnaire(patient.user, patient, questionnaire(instrument="beck", answers=[1]))
    assert "instrument" in err.value.message_dict
    _nothing_stored()


@pytest.mark.parametrize(
    ("recorded_at", "words"),
    [
        (datetime(2025, 1, 1, 9, 0), "time zone"),  # noqa: DTZ001 - the naive time under test
        (NOW + timedelta(seconds=1), "future"),
    ],
)
def test_recorded_at_must_be_aware_and_not_in_the_future(patient, recorded_at, words):
    with pytest.raises(ValidationError) as err:
        submit_questionnaire(
            patient.user,
            patient,
            questionnaire(instrument="phq9", answers=PHQ9, recorded_at=recorded_at),
        )
    assert words in err.value.message_dict["recorded_at"][0]
    _nothing_stored()


def test_two_responses_on_one_instrument_at_one_instant_are_refused(patient):
    submit_questionnaire(patient.user, patient, questionnaire(instrument="phq9", answers=PHQ9))
    with pytest.raises(ValidationError) as err:
        submit_questionnaire(patient.user, patient, questionnaire(instrument="phq9", answers=PHQ9))
    assert "recorded_at" in err.value.message_dict
    assert QuestionnaireResponse.objects.count() == 1
    assert AuditEntry.objects.count() == 1
    # Another instrument at the same instant is fine (an intake stores several at once).
    submit_questionnaire(patient.user, patient, questionnaire(instrument="gad7", answers=[0] * 7))


# --- Context: AUDIT-C needs the patient's sex ----------------------------------------------


@pytest.mark.parametrize(("sex", "band"), [("female", "positive"), ("male", "negative")])
def test_auditc_takes_sex_from_the_record(clinic, sex, band):
    patient = PatientFactory(clinic=clinic, with_account=True, sex_at_birth=sex)
    response = submit_questionnaire(
        patient.user, patient, questionnaire(instrument="auditc", answers=[1, 1, 1])
    )
    assert (response.total, response.band, response.context) == (3, band, {"sex": sex})
    assert response.flags == (["positive_screen"] if band == "positive" else [])


@pytest.mark.parametrize("recorded", [SexAtBirth.INTERSEX, SexAtBirth.UNKNOWN])
def test_auditc_without_a_usable_record_takes_the_lower_cut_off_unless_one_is_stated(
    clinic, recorded
):
    # One policy with the portal and the intake (clinical.instruments.auditc.cutoff_sex):
    # the women's (lower) cut-off, so a borderline screen reaches the clinician.
    patient = PatientFactory(clinic=clinic, with_account=True, sex_at_birth=recorded)
    response = submit_questionnaire(
        patient.user, patient, questionnaire(instrument="auditc", answers=[1, 1, 1])
    )
    assert (response.band, response.context) == ("positive", {"sex": "female"})
    response = submit_questionnaire(
        patient.user,
        patient,
        questionnaire(
            instrument="auditc",
            answers=[1, 1, 1],
            context={"sex": "male"},
            recorded_at=response.recorded_at - timedelta(minutes=1),
        ),
    )
    assert (response.band, response.context) == ("negative", {"sex": "male"})


def test_auditc_context_sex_must_be_female_or_male(clinic):
    patient = PatientFactory(clinic=clinic, with_account=True, sex_at_birth=SexAtBirth.UNKNOWN)
    with pytest.raises(ValidationError) as err:
        submit_questionnaire(
            patient.user,
            patient,
            questionnaire(instrument="auditc", answers=[1, 1, 1], context={"sex": "x"}),
        )
    assert "context.sex" in err.value.message_dict
    _nothing_stored()


def test_auditc_context_may_not_contradict_the_record(patient):
    with pytest.raises(ValidationError) as err:
        submit_questionnaire(
            patient.user,
            patient,
            questionnaire(instrument="auditc", answers=[1, 1, 1], context={"sex": "male"}),
        )
    assert "female" in err.value.message_dict["context.sex"][0]
    _nothing_stored()
    same = submit_questionnaire(
        patient.user,
        patient,
        questionnaire(instrument="auditc", answers=[1, 1, 1], context={"sex": "female"}),
    )
    assert same.band == "positive"


@pytest.mark.parametrize(
    ("instrument", "context"),
    [("phq9", {"sex": "female"}), ("auditc", {"rules": {}}), ("phq9", ["sex"])],
)
def test_context_an_instrument_does_not_take_is_refused(patient, instrument, context):
    answers = PHQ9 if instrument == "phq9" else [1, 1, 1]
    with pytest.raises(ValidationError) as err:
        submit_questionnaire(
            patient.user,
            patient,
            questionnaire(instrument=instrument, answers=answers, context=context),
        )
    assert "context" in err.value.message_dict
    _nothing_stored()


def test_recorded_at_is_stored_in_utc(patient):
    local = datetime(2025, 1, 5, 9, 30, tzinfo=UTC).astimezone(ZoneInfo("America/New_York"))
    response = submit_questionnaire(
        patient.user, patient, questionnaire(instrument="phq9", answers=PHQ9, recorded_at=local)
    )
    response.refresh_from_db()
    assert response.recorded_at == datetime(2025, 1, 5, 9, 30, tzinfo=UTC)
    assert response.recorded_at.utcoffset() == timedelta(0)
