"""Every alert cause raised by the real service call that produces its fact.

Each cause: the service stores the fact and raises the alert in the same transaction,
with its severity and an audit entry; the same fact twice leaves one open alert; and
nothing is raised when the fact is absent. (missed_check_in and questionnaire_overdue
come from the worker's queries: their raising is tested with the worker; here, the
check-in resolving a missed_check_in alert.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import Alert, AlertStatus
from ketacare.api.services import issue_token
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment import services as treatment
from ketacare.treatment.errors import AlreadyRecorded
from ketacare.treatment.jobs import raise_missed_check_ins
from ketacare.treatment.models import Dispense, DosingSession
from ketacare.treatment.specs.dispensing import RefillRequestSpec
from ketacare.treatment.specs.sessions import AdverseEventSpec, CheckInSpec, DoseSpec
from tests.api.conftest import ApiClient
from tests.factories import UserFactory
from tests.treatment.helpers import NOW, accept_returns, fill, ledger_spec, ready_session

pytestmark = pytest.mark.django_db

PHQ9_SUICIDAL = [1, 1, 1, 1, 1, 1, 1, 1, 1]  # item 9 = 1
PHQ9_CALM = [1, 1, 1, 1, 1, 1, 1, 1, 0]  # total 8, item 9 = 0
PHQ9_WORSE = [2, 2, 2, 2, 2, 2, 2, 2, 0]  # total 16: +8 from 8, PHQ-9 MCID 5
CSSRS_NONE = [0, 0, 0, 0, 0, 0, 0]
CSSRS_LOW = [1, 0, 0, 0, 0, 0, 0]  # a wish to be dead only: triage "low" (urgent, G3)
CSSRS_HIGH = [1, 1, 1, 1, 0, 0, 0]  # intent: triage "high"
CADSS6_SEVERE = [4, 4, 4, 4, 4, 4]
CADSS6_MILD = [0, 1, 0, 0, 0, 0]


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def counter(clinic: Clinic) -> User:
    """Cora the coordinator: takes pill counts and loss reports."""
    return UserFactory(clinic=clinic, coordinator=True, username="cora")


@pytest.fixture
def dosed(approved: Patient, stocked: Dispense) -> DosingSession:
    """A dose of 100 mg (2 troches) taken at NOW; the check-in is due by NOW + 2 h."""
    session = ready_session(approved.user, approved)
    return treatment.record_dose_taken(approved.user, session, DoseSpec(dose_mg=100))


def _alerts(cause: str) -> list[Alert]:
    return list(Alert.objects.filter(cause=cause).order_by("pk"))


def _one_open(cause: str) -> Alert:
    alerts = [a for a in _alerts(cause) if a.status != AlertStatus.RESOLVED]
    assert len(alerts) == 1, alerts
    return alerts[0]


def _audited(alert: Alert, action: str = AuditAction.CREATE) -> bool:
    return AuditEntry.objects.filter(
        object_type="alerts.Alert", object_id=str(alert.pk), action=action
    ).exists()


def _check(alert: Alert, patient: Patient, severity: str, subject: str) -> None:
    assert alert.patient_id == patient.pk
    assert alert.clinic_id == patient.clinic_id
    assert alert.severity == severity
    assert alert.status == AlertStatus.OPEN
    assert alert.dedupe_key == f"{alert.cause}:{subject}"
    assert alert.title
    assert alert.message
    assert alert.source
    assert _audited(alert)


def _submit(actor: User, patient: Patient, instrument: str, answers: list[int]) -> Any:
    return submit_questionnaire(
        actor, patient, questionnaire(instrument=instrument, answers=answers)
    )


# --- suicidality ------------------------------------------------------------------------


def test_a_phq9_with_item_9_above_0_raises_an_urgent_suicidality_alert(patient, clock):
    response = _submit(patient.user, patient, "phq9", PHQ9_SUICIDAL)
    alert = _one_open("suicidality")
    _check(alert, patient, "urgent", f"patient:{patient.pk}")
    assert alert.detail == {"response_id": response.pk, "instrument": "phq9"}
    assert "PHQ-9" in alert.title
    clock.shift(timedelta(hours=1))
    _submit(patient.user, patient, "phq9", PHQ9_SUICIDAL)  # the same fact again
    assert len(_alerts("suicidality")) == 1


def test_a_phq9_without_item_9_raises_nothing(patient):
    _submit(patient.user, patient, "phq9", PHQ9_CALM)
    assert Alert.objects.count() == 0


def test_a_cssrs_low_screen_is_urgent_and_high_upgrades_it_to_an_emergency(patient, clock):
    _submit(patient.user, patient, "cssrs_screen", CSSRS_LOW)
    alert = _one_open("suicidality")
    # CLINICAL.md G3: any C-SSRS ideation at home is at least urgent (was a warning).
    _check(alert, patient, "urgent", f"patient:{patient.pk}")
    clock.shift(timedelta(hours=1))
    _submit(patient.user, patient, "cssrs_screen", CSSRS_HIGH)
    upgraded = _one_open("suicidality")
    assert (upgraded.pk, upgraded.severity) == (alert.pk, "emergency")
    assert _audited(upgraded, AuditAction.UPDATE)


def test_a_cssrs_screen_with_no_yes_raises_nothing(patient):
    _submit(patient.user, patient, "cssrs_screen", CSSRS_NONE)
    assert Alert.objects.count() == 0


def test_a_suicidal_answer_staff_submit_for_the_patient_raises_the_alert(patient, clinician):
    _submit(clinician, patient, "phq9", PHQ9_SUICIDAL)
    assert _one_open("suicidality").severity == "urgent"


def test_a_refused_questionnaire_raises_nothing(patient):
    Patient.objects.filter(pk=patient.pk).update(phase=Phase.DISCHARGED.value)
    with pytest.raises(Exception, match="no questionnaires"):
        _submit(patient.user, patient, "phq9", PHQ9_SUICIDAL)
    assert Alert.objects.count() == 0


def test_the_submit_api_returns_crisis_resources_with_a_suicidal_phq9(patient, clinic):
    clinic.on_call_phone, clinic.emergency_number = "+1 555 010 0199", "911"
    clinic.save()
    _, token = issue_token(patient.user, name="test")
    api = ApiClient(token)
    answer = api.post(
        f"patients/{patient.pk}/questionnaires",
        {"instrument": "phq9", "answers": PHQ9_SUICIDAL},
        headers={"Idempotency-Key": "phq9-1"},
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["crisis"] == {
        "emergency_number": "911",
        "on_call_phone": "+1 555 010 0199",
    }
    assert answer.json()["flags"] == ["suicidality"]
    assert _one_open("suicidality").detail["response_id"] == answer.json()["id"]
    replay = api.post(
        f"patients/{patient.pk}/questionnaires",
        {"instrument": "phq9", "answers": PHQ9_SUICIDAL},
        headers={"Idempotency-Key": "phq9-1"},
    )
    assert replay.json()["crisis"] == answer.json()["crisis"]  # a retry shows them too
    assert len(_alerts("suicidality")) == 1


def test_the_submit_api_has_no_crisis_without_suicidality(patient, clock):
    _, token = issue_token(patient.user, name="test")
    answer = ApiClient(token).post(
        f"patients/{patient.pk}/questionnaires", {"instrument": "phq9", "answers": PHQ9_CALM}
    )
    assert (answer.status_code, answer.json()["crisis"]) == (201, None)
    low = ApiClient(token).post(
        f"patients/{patient.pk}/questionnaires",
        {"instrument": "cssrs_screen", "answers": CSSRS_LOW},
    )
    assert low.json()["crisis"]["emergency_number"]  # C-SSRS low: shown too


def test_the_crisis_object_is_documented_in_the_api_schema(client):
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    crisis = schemas["QuestionnaireSubmittedOut"]["properties"]["crisis"]
    assert "suicidality" in crisis["description"]
    assert set(schemas["CrisisOut"]["properties"]) == {"emergency_number", "on_call_phone"}


# --- worsening ------------------------------------------------------------------------


def test_a_phq9_on_treatment_worse_than_baseline_raises_a_worsening_warning(
    approved, stocked, clock
):
    _submit(approved.user, approved, "phq9", PHQ9_CALM)  # baseline 8, before the first dose
    clock.shift(timedelta(minutes=5))
    session = ready_session(approved.user, approved)
    treatment.record_dose_taken(approved.user, session, DoseSpec(dose_mg=100))
    assert Alert.objects.count() == 0
    clock.shift(timedelta(days=3))
    response = _submit(approved.user, approved, "phq9", PHQ9_WORSE)
    alert = _one_open("worsening")
    _check(alert, approved, "warning", f"patient:{approved.pk}:phq9")
    assert alert.detail["response_id"] == response.pk
    clock.shift(timedelta(days=3))
    _submit(approved.user, approved, "phq9", PHQ9_WORSE)  # still worse: the same fact
    assert len(_alerts("worsening")) == 1


def test_no_worsening_before_treatment_or_without_a_rise(approved, stocked, clock):
    _submit(approved.user, approved, "phq9", PHQ9_CALM)
    clock.shift(timedelta(days=1))
    _submit(approved.user, approved, "phq9", PHQ9_WORSE)  # before the first dose: no baseline
    clock.shift(timedelta(minutes=5))
    session = ready_session(approved.user, approved)
    treatment.record_dose_taken(approved.user, session, DoseSpec(dose_mg=100))
    clock.shift(timedelta(days=1))
    _submit(approved.user, approved, "phq9", PHQ9_WORSE)  # baseline 16: no rise
    assert Alert.objects.count() == 0


def _treated(patient, baseline: tuple[str, list[int]], clock) -> None:
    """The baseline before the first dose, then the first dose."""
    _submit(patient.user, patient, *baseline)
    clock.shift(timedelta(minutes=5))
    session = ready_session(patient.user, patient)
    treatment.record_dose_taken(patient.user, session, DoseSpec(dose_mg=100))


GAD7_8 = [2, 2, 1, 1, 1, 1, 0]
GAD7_16 = [3, 3, 2, 2, 2, 2, 2]
PHQ9_20 = [3, 3, 3, 3, 2, 2, 2, 2, 0]
PHQ9_14 = [2, 2, 2, 2, 2, 2, 1, 1, 0]


def test_a_gad7_rise_of_4_from_baseline_raises_a_worsening_warning(approved, stocked, clock):
    # Issue: GAD-7 8 -> 16 raised nothing (CLINICAL.md G9: GAD-7 MCID about 4).
    _treated(approved, ("gad7", GAD7_8), clock)
    clock.shift(timedelta(days=3))
    _submit(approved.user, approved, "gad7", GAD7_16)
    alert = _one_open("worsening")
    _check(alert, approved, "warning", f"patient:{approved.pk}:gad7")
    assert "GAD-7" in alert.title


def test_a_response_lost_after_it_was_reached_raises_a_relapse_warning(approved, stocked, clock):
    _treated(approved, ("phq9", PHQ9_20), clock)
    clock.shift(timedelta(days=7))
    _submit(approved.user, approved, "phq9", PHQ9_CALM)  # 8 of 20: a response
    assert Alert.objects.count() == 0
    clock.shift(timedelta(days=7))
    response = _submit(approved.user, approved, "phq9", PHQ9_14)  # 14: the response is lost
    alert = _one_open("relapse")
    _check(alert, approved, "warning", f"patient:{approved.pk}:phq9")
    assert alert.detail["response_id"] == response.pk
    assert "no longer a response from 20" in alert.message
    assert not _alerts("worsening")  # 14 is below the baseline: not worse


def test_a_response_never_reached_is_no_relapse(approved, stocked, clock):
    _treated(approved, ("phq9", PHQ9_20), clock)
    clock.shift(timedelta(days=7))
    _submit(approved.user, approved, "phq9", PHQ9_14)
    assert Alert.objects.count() == 0


# --- the pre-dose gate ------------------------------------------------------------------


def test_a_blood_pressure_at_the_hard_stop_raises_an_urgent_bp_gate_failed(approved, plan):
    session = ready_session(approved.user, approved, systolic_mmhg=165, diastolic_mmhg=95)
    assert session.status == "gate_failed"
    alert = _one_open("bp_gate_failed")
    _check(alert, approved, "urgent", f"patient:{approved.pk}")
    assert alert.detail == {"session_id": session.pk}
    ready_session(approved.user, approved, systolic_mmhg=166, diastolic_mmhg=95)  # again
    assert len(_alerts("bp_gate_failed")) == 1


def test_a_blood_pressure_above_the_delay_gate_is_a_warning_upgraded_by_the_hard_stop(
    approved, plan
):
    ready_session(approved.user, approved, systolic_mmhg=145, diastolic_mmhg=85)
    alert = _one_open("bp_gate_failed")
    assert alert.severity == "warning"
    ready_session(approved.user, approved, systolic_mmhg=170, diastolic_mmhg=85)
    assert _one_open("bp_gate_failed").severity == "urgent"


def test_a_gate_failed_on_other_items_or_a_passed_gate_raises_nothing(approved, plan):
    failed = ready_session(approved.user, approved, fasted=False, substances_today=["alcohol"])
    assert failed.status == "gate_failed"
    ready_session(approved.user, approved)
    assert Alert.objects.count() == 0


# --- the check-in -----------------------------------------------------------------------


def test_a_blood_pressure_rise_at_the_check_in_raises_an_urgent_alert(approved, dosed, clock):
    clock.move_to(dosed.observation_ends_at)
    treatment.record_check_in(
        approved.user, dosed, CheckInSpec(feeling="okay", blood_pressure=(165, 110))
    )
    alert = _one_open("bp_rise_after_dose")
    _check(alert, approved, "urgent", f"session:{dosed.pk}")
    reading = dosed.post_dose_readings.get()
    assert alert.detail == {"session_id": dosed.pk, "reading_id": reading.pk}
    with pytest.raises(AlreadyRecorded):
        treatment.record_check_in(
            approved.user, dosed, CheckInSpec(feeling="okay", blood_pressure=(170, 110))
        )
    assert len(_alerts("bp_rise_after_dose")) == 1


def test_high_dissociation_at_the_check_in_raises_a_warning(approved, dosed, clock):
    clock.move_to(dosed.observation_ends_at)
    treatment.record_check_in(
        approved.user,
        dosed,
        CheckInSpec(feeling="okay", cadss6_answers=CADSS6_SEVERE, blood_pressure=(125, 82)),
    )
    alert = _one_open("high_dissociation")
    _check(alert, approved, "warning", f"session:{dosed.pk}")
    assert Alert.objects.count() == 1


def test_a_calm_check_in_raises_nothing(approved, dosed, clock):
    clock.move_to(dosed.observation_ends_at)
    treatment.record_check_in(
        approved.user,
        dosed,
        CheckInSpec(feeling="well", blood_pressure=(125, 82), cadss6_answers=CADSS6_MILD),
    )
    assert Alert.objects.count() == 0


def test_side_effects_at_the_check_in_are_an_adverse_event_alert(approved, dosed, clock):
    clock.move_to(dosed.observation_ends_at)
    treatment.record_check_in(
        approved.user,
        dosed,
        CheckInSpec(
            feeling="okay",
            side_effects=["nausea", "other"],
            side_effect_other="blurred vision",
            blood_pressure=(125, 82),
        ),
    )
    alert = _one_open("adverse_event")
    # Graded (CLINICAL.md G7 and ketacare's table): nausea info, something else a warning.
    _check(alert, approved, "warning", f"session:{dosed.pk}")
    assert "nausea" in alert.message
    assert "blurred vision" in alert.message


def test_the_check_in_resolves_the_missed_check_in_alert_of_its_session(
    approved, dosed, clock, clinic
):
    UserFactory(clinic=clinic, clinician=True, username="olive", email="olive@example.org")
    clock.move_to(NOW + timedelta(hours=2, minutes=31))
    raise_missed_check_ins(NOW + timedelta(hours=2, minutes=31))  # the worker's query
    missed = _one_open("missed_check_in")
    assert missed.dedupe_key == f"missed_check_in:session:{dosed.pk}"
    clock.move_to(NOW + timedelta(hours=2, minutes=35))
    treatment.record_check_in(
        approved.user, dosed, CheckInSpec(feeling="okay", blood_pressure=(125, 82))
    )
    missed.refresh_from_db()
    assert missed.status == AlertStatus.RESOLVED
    assert missed.resolved_by is None  # automatic
    # On the patient's clock (New York), not UTC (issue 14, item 6).
    assert missed.resolved_note == "check-in received at 2025-03-03 20:35 EST"
    assert _audited(missed, AuditAction.UPDATE)


# --- adverse events ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "serious", "severity"),
    [
        ("mild", False, "info"),
        ("moderate", False, "warning"),
        ("moderate", True, "urgent"),
        ("severe", False, "urgent"),
        ("life_threatening", True, "emergency"),
    ],
)
def test_a_reported_adverse_event_raises_its_alert_graded_by_clinical_safety(
    approved, plan, grade, serious, severity
):
    event = treatment.report_adverse_event(
        approved.user,
        approved,
        AdverseEventSpec(
            description="Fainted in the kitchen",
            severity=grade,
            serious=serious,
            outcome="recovering",
        ),
    )
    alert = _one_open("adverse_event")
    _check(alert, approved, severity, f"adverse_event:{event.pk}")
    assert alert.detail == {"adverse_event_id": event.pk, "session_id": None}


def test_adverse_events_of_one_session_are_one_alert_at_the_highest_severity(
    approved, dosed, clinician
):
    for grade in ("moderate", "severe", "mild"):
        treatment.report_adverse_event(
            clinician,
            approved,
            AdverseEventSpec(
                session_id=dosed.pk,
                description="Vomiting",
                severity=grade,
                serious=False,
                outcome="ongoing",
            ),
        )
    alert = _one_open("adverse_event")
    assert alert.dedupe_key == f"adverse_event:session:{dosed.pk}"
    assert alert.severity == "urgent"
    assert len(_alerts("adverse_event")) == 1


def test_a_refused_adverse_event_raises_nothing(approved, plan):
    with pytest.raises(Exception, match="Describe"):
        treatment.report_adverse_event(
            approved.user,
            approved,
            AdverseEventSpec(description="", severity="severe", serious=False, outcome="x"),
        )
    assert Alert.objects.count() == 0


# --- a dose not as planned ---------------------------------------------------------------


def test_a_dose_not_as_planned_is_stored_and_raises_an_urgent_alert(approved, stocked):
    session = ready_session(approved.user, approved)
    treatment.record_dose_taken(approved.user, session, DoseSpec(dose_mg=150))
    session.refresh_from_db()
    assert (session.status, session.as_planned) == ("dosed", False)  # a fact: stored
    alert = _one_open("dose_outside_plan")
    _check(alert, approved, "urgent", f"session:{session.pk}")
    assert "150" in alert.message


def test_a_dose_not_as_planned_through_the_api_is_stored_with_its_alert(approved, stocked):
    session = ready_session(approved.user, approved)
    _, token = issue_token(approved.user, name="test")
    answer = ApiClient(token).post(
        f"patients/{approved.pk}/sessions/{session.pk}/dose",
        {"dose_mg": 150},
        headers={"Idempotency-Key": "dose-1"},
    )
    assert (answer.status_code, answer.json()["as_planned"]) == (200, False)
    assert _one_open("dose_outside_plan").detail["session_id"] == session.pk


def test_the_plan_dose_raises_nothing(approved, stocked):
    session = ready_session(approved.user, approved)
    treatment.record_dose_taken(approved.user, session, DoseSpec(dose_mg=100))
    assert Alert.objects.count() == 0


def test_a_refusal_other_than_the_dose_raises_nothing(approved, stocked):
    session = ready_session(approved.user, approved, fasted=False)
    with pytest.raises(Exception, match="checklist failed"):
        treatment.record_dose_taken(approved.user, session, DoseSpec(dose_mg=150))
    assert Alert.objects.count() == 0


# --- diversion findings ------------------------------------------------------------------


def _count(actor: User, patient: Patient, quantity: int) -> Any:
    return treatment.record_ledger_event(actor, patient, ledger_spec("counted", quantity))


def test_a_count_that_differs_raises_a_ledger_discrepancy_warning(approved, stocked, counter):
    _count(counter, approved, 6)  # 8 expected
    alert = _one_open("ledger_discrepancy")
    _check(alert, approved, "warning", f"patient:{approved.pk}")
    assert alert.message.startswith("Counted 6, expected 8")
    _count(counter, approved, 5)
    assert len(_alerts("ledger_discrepancy")) == 1


def test_a_count_that_matches_raises_nothing(approved, stocked, counter):
    _count(counter, approved, 8)
    assert Alert.objects.count() == 0


def test_a_loss_report_raises_a_lost_or_stolen_warning(approved, stocked, counter):
    for note in ("Bag stolen on the bus.", "Dropped two down the drain."):
        treatment.record_ledger_event(
            approved.user, approved, ledger_spec("lost_or_stolen", 2, note=note)
        )
    alert = _one_open("lost_or_stolen")
    _check(alert, approved, "warning", f"patient:{approved.pk}")
    assert len(_alerts("lost_or_stolen")) == 1


def test_units_returned_raise_nothing(approved, stocked, pharmacist):
    accept_returns(approved.clinic)
    treatment.record_ledger_event(pharmacist, approved, ledger_spec("returned", 2))
    assert Alert.objects.count() == 0


def test_an_early_refill_request_and_its_early_fill_are_one_early_refill_alert(
    approved, stocked, prescription, pharmacist
):
    treatment.request_refill(approved.user, prescription, RefillRequestSpec())  # before 24 March
    alert = _one_open("early_refill")
    _check(alert, approved, "warning", f"prescription:{prescription.pk}:fill:2")
    fill(pharmacist, prescription, early_reason="Travelling abroad on the 20th.")
    assert len(_alerts("early_refill")) == 1


def test_an_early_fill_raises_an_early_refill_warning(approved, stocked, prescription, pharmacist):
    fill(pharmacist, prescription, early_reason="Travelling abroad on the 20th.")
    alert = _one_open("early_refill")
    _check(alert, approved, "warning", f"prescription:{prescription.pk}:fill:2")


def test_a_refill_on_time_raises_nothing(approved, stocked, prescription, pharmacist, clock):
    clock.move_to(NOW + timedelta(days=22))  # 25 March, after the earliest refill date
    assert date(2025, 3, 24) < (NOW + timedelta(days=22)).date()
    treatment.request_refill(approved.user, prescription, RefillRequestSpec())
    fill(pharmacist, prescription)
    assert Alert.objects.count() == 0


# --- the same transaction ---------------------------------------------------------------


def _submit_then_fail(patient: Patient) -> None:
    with transaction.atomic():
        _submit(patient.user, patient, "phq9", PHQ9_SUICIDAL)
        assert len(_alerts("suicidality")) == 1
        raise RuntimeError


def test_the_alert_rolls_back_with_its_fact(patient):
    with pytest.raises(RuntimeError):
        _submit_then_fail(patient)
    assert Alert.objects.count() == 0


# --- routine monitoring on treatment (CLINICAL.md G10, A10) ----------------------------


def test_a_bladder_symptom_on_treatment_raises_a_review_warning(approved, stocked, clock):
    _treated(approved, ("phq9", PHQ9_CALM), clock)
    clock.shift(timedelta(days=30))
    _submit(approved.user, approved, "bladder", [0, 0, 1, 0])
    alert = _one_open("bladder_symptoms")
    _check(alert, approved, "warning", f"patient:{approved.pk}:bladder")
    assert "1 of 4 bladder symptoms" in alert.message


def test_a_clear_bladder_check_raises_nothing(approved, stocked, clock):
    _treated(approved, ("phq9", PHQ9_CALM), clock)
    clock.shift(timedelta(days=30))
    _submit(approved.user, approved, "bladder", [0, 0, 0, 0])
    assert Alert.objects.count() == 0


@pytest.mark.parametrize(("answers", "raised"), [
    ([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], True),  # 3: moderate (item 3 "no" counts)
    ([1, 0, 1, 0, 0, 0, 0, 0, 0, 0], False),  # 1: low
])  # fmt: skip
def test_a_dast10_of_3_or_more_on_treatment_raises_a_misuse_warning(
    approved, stocked, clock, answers, raised
):
    _treated(approved, ("phq9", PHQ9_CALM), clock)
    clock.shift(timedelta(days=90))
    _submit(approved.user, approved, "dast10", answers)
    assert bool(_alerts("misuse_screen")) is raised
