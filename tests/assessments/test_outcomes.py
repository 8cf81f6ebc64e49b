"""Outcomes per instrument (through clinical.outcomes) and the latest score of each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from ketacare.assessments.queries import latest_scores, outcome_summary
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.clinical import outcomes
from ketacare.patients.phases import Phase
from ketacare.treatment.specs.sessions import DoseSpec
from tests.factories import PatientFactory, UserFactory

START = datetime(2025, 2, 3, 14, 0, tzinfo=UTC)
DAY = timedelta(days=1)
FIRST_DOSE = START + 10 * DAY


def _phq9(total: int) -> list[int]:
    """PHQ-9 answers adding up to `total`, item 9 (suicidal thoughts) left at 0."""
    values = []
    for _ in range(8):
        values.append(min(3, total))
        total -= values[-1]
    return [*values, 0]


@pytest.fixture(autouse=True)
def _late_clock(clock):
    clock.move_to(datetime(2026, 1, 1, tzinfo=UTC))


def _record(actor, patient, totals_by_day: dict[int, int], instrument="phq9"):
    for day, total in totals_by_day.items():
        answers = _phq9(total) if instrument == "phq9" else [min(3, total)] + [0] * 6
        submit_questionnaire(
            actor,
            patient,
            questionnaire(instrument=instrument, answers=answers, recorded_at=START + day * DAY),
        )


def test_no_responses_no_summary(patient, clinician):
    assert outcome_summary(patient, "phq9", first_dose_at=FIRST_DOSE) is None
    _record(clinician, patient, {0: 20})
    assert outcome_summary(patient, "gad7", first_dose_at=FIRST_DOSE) is None


def test_baseline_is_the_last_score_before_the_first_dose(patient, clinician):
    _record(clinician, patient, {0: 22, 7: 20, 14: 12, 21: 9, 28: 4})
    summary = outcome_summary(patient, "phq9", first_dose_at=FIRST_DOSE)
    assert summary is not None
    assert summary.baseline == outcomes.Observation(at=START + 7 * DAY, total=20)
    assert [o.total for o in summary.follow_ups] == [12, 9, 4]
    assert [(c.delta, c.response, c.remission) for c in summary.changes] == [
        (-8, False, False),
        (-11, True, False),
        (-16, True, True),
    ]
    assert summary.first_response_at == START + 21 * DAY
    assert summary.time_to_response == 11 * DAY
    assert summary.sustained_response is True
    assert summary.first_remission_at == START + 28 * DAY
    assert summary.latest.percent == -80.0


def test_the_summary_is_the_clinical_cores_trajectory(patient, clinician):
    _record(clinician, patient, {0: 18, 12: 15, 20: 24})
    expected = outcomes.trajectory(
        "phq9",
        [
            outcomes.Observation(START, 18),
            outcomes.Observation(START + 12 * DAY, 15),
            outcomes.Observation(START + 20 * DAY, 24),
        ],
        first_dose_at=FIRST_DOSE,
    )
    assert outcome_summary(patient, "phq9", first_dose_at=FIRST_DOSE) == expected
    assert expected.ever_worsened


def test_clinic_rules_may_be_passed(patient, clinician):
    _record(clinician, patient, {0: 20, 14: 11})
    stricter = outcomes.OutcomeRules(response_reduction_percent=40.0)
    summary = outcome_summary(patient, "phq9", first_dose_at=FIRST_DOSE, rules=stricter)
    assert summary.latest.response is True
    assert outcome_summary(patient, "phq9", first_dose_at=FIRST_DOSE).latest.response is False


def test_without_a_dose_every_score_is_before_treatment(patient, clinician):
    _record(clinician, patient, {0: 22, 7: 19})
    summary = outcome_summary(patient, "phq9", first_dose_at=None)
    assert summary.baseline.total == 19
    assert (summary.follow_ups, summary.changes, summary.latest) == ((), (), None)


def test_auto_finds_no_dose_for_a_patient_who_has_taken_none(patient, clinician):
    # Before the treatment app exists and after it, a patient without a dose taken has
    # no first dose: the summary is the one for first_dose_at=None.
    _record(clinician, patient, {0: 22, 7: 19})
    assert outcome_summary(patient, "phq9") == outcome_summary(patient, "phq9", first_dose_at=None)


def test_each_instrument_and_each_patient_has_its_own_course(clinic, patient, clinician):
    other = PatientFactory(clinic=clinic)
    _record(clinician, patient, {0: 20, 14: 8})
    _record(clinician, patient, {0: 15, 14: 14}, instrument="gad7")
    _record(clinician, other, {0: 5, 14: 24})
    summary = outcome_summary(patient, "phq9", first_dose_at=FIRST_DOSE)
    assert (summary.baseline.total, summary.latest.current) == (20, 8)
    gad = outcome_summary(patient, "gad7", first_dose_at=FIRST_DOSE)
    assert (gad.instrument, gad.baseline.total, gad.latest.current) == ("gad7", 3, 3)


def test_an_unknown_instrument_is_refused(patient):
    with pytest.raises(ValidationError) as err:
        outcome_summary(patient, "beck", first_dose_at=None)
    assert "instrument" in err.value.message_dict


# --- The latest scores ------------------------------------------------------------------


def test_latest_scores_gives_the_last_response_per_instrument(
    clinic, patient, clinician, django_assert_num_queries
):
    other = PatientFactory(clinic=clinic)
    _record(clinician, patient, {0: 20, 14: 8})
    _record(clinician, patient, {3: 2}, instrument="gad7")
    _record(clinician, other, {30: 24})
    with django_assert_num_queries(1):
        latest = latest_scores(patient)
    assert {code: (r.total, r.recorded_at) for code, r in latest.items()} == {
        "phq9": (8, START + 14 * DAY),
        "gad7": (2, START + 3 * DAY),
    }
    assert list(latest) == ["gad7", "phq9"]


def test_latest_scores_of_a_patient_without_responses_is_empty(patient):
    assert latest_scores(patient) == {}


@pytest.mark.skipif(
    not apps.is_installed("ketacare.treatment"), reason="the treatment app is not installed yet"
)
def test_auto_reads_the_first_dose_from_the_treatment_records(clock, clinic, pharmacist):
    from ketacare.treatment import services as treatment  # noqa: PLC0415 - only once installed
    from tests.treatment import helpers  # noqa: PLC0415 - the treatment tests' own plan

    patient = PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED)
    prescriber = UserFactory(clinic=clinic, prescriber=True)
    clock.move_to(helpers.NOW)
    submit_questionnaire(
        patient.user,
        patient,
        questionnaire(instrument="phq9", answers=_phq9(20), recorded_at=helpers.NOW - DAY),
    )
    helpers.plan_for(prescriber, patient)
    helpers.fill(pharmacist, helpers.prescribe(prescriber, patient))
    session = helpers.ready_session(patient.user, patient)
    treatment.record_dose_taken(patient.user, session, DoseSpec(dose_mg=100))
    clock.move_to(helpers.NOW + 14 * DAY)
    submit_questionnaire(patient.user, patient, questionnaire(instrument="phq9", answers=_phq9(8)))

    summary = outcome_summary(patient, "phq9")
    assert summary.first_dose_at == helpers.NOW
    assert (summary.baseline.total, summary.latest.current, summary.latest.response) == (
        20,
        8,
        True,
    )
