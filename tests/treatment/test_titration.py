"""The titration inputs read from the records (web.workspace.titration), session by session."""

from __future__ import annotations

import datetime as dt

import pytest

from ketacare.clinical.dosing import TitrationAction
from ketacare.clinical.safety import AdverseEventSeverity
from ketacare.clinical.vitals import BloodPressure
from ketacare.kernel.specs import read
from ketacare.treatment import services, titration
from ketacare.treatment.specs.sessions import AdverseEventSpec, CheckInSpec, DoseSpec
from tests.treatment.helpers import CHECK_IN_BP, after_observation, ready_session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stocked")]


def dosed(patient, clock, **check_in):  # type: ignore[no-untyped-def]
    ready = ready_session(patient.user, patient)
    session = services.record_dose_taken(patient.user, ready, DoseSpec(dose_mg=100))
    after_observation(clock, session)
    if check_in:
        answers = {"feeling": "okay", "blood_pressure": CHECK_IN_BP} | check_in
        services.record_check_in(patient.user, session, read(CheckInSpec, answers))
    clock.shift(dt.timedelta(days=4))
    return session


def test_no_session_yet_holds_for_want_of_a_response(approved, plan):
    assert titration.session_reports(plan, 2) == []
    suggestion = titration.suggestion(plan)
    assert not isinstance(suggestion, str)
    assert suggestion.action is TitrationAction.HOLD


def test_a_session_is_read_with_its_check_in(approved, plan, clock):
    dosed(
        approved,
        clock,
        blood_pressure=[150, 95],
        cadss6_answers=[1, 1, 1, 0, 0, 0],
        side_effects=["vomiting", "nausea"],
    )
    [report] = titration.session_reports(plan, 2)
    assert report.dose_mg == 100
    assert report.cadss6_total == 3
    assert report.vomited
    assert report.bp_before == BloodPressure(120, 80)
    assert report.bp_after == BloodPressure(150, 95)
    assert report.adverse_event is None


def test_a_session_without_a_check_in_has_no_readings_after(approved, plan, clock):
    dosed(approved, clock)
    [report] = titration.session_reports(plan, 2)
    assert report.cadss6_total is None
    assert (report.bp_before, report.bp_after) == (None, None)  # both or neither
    assert not report.vomited


def test_the_worst_adverse_event_of_a_session_steps_down(approved, plan, clock, clinician):
    session = dosed(approved, clock, cadss6_answers=[0] * 6)
    for severity in ("mild", "severe", "moderate"):
        services.report_adverse_event(
            clinician,
            approved,
            AdverseEventSpec(
                description=f"A {severity} headache.",
                severity=severity,
                serious=False,
                outcome="resolved",
                session_id=session.pk,
            ),
        )
    [report] = titration.session_reports(plan, 2)
    assert report.adverse_event is AdverseEventSeverity.SEVERE
    assert not report.serious_adverse_event
    suggestion = titration.suggestion(plan)
    assert not isinstance(suggestion, str)
    assert suggestion.action is TitrationAction.STEP_DOWN


def test_only_the_last_sessions_are_read(approved, plan, clock):
    first = dosed(approved, clock, cadss6_answers=[4] * 6)
    dosed(approved, clock, cadss6_answers=[0] * 6)
    [report] = titration.session_reports(plan, 1)
    assert report.cadss6_total == 0
    assert report.at > first.taken_at
