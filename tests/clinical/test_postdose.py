"""After the dose: the window, readings, the release check-in and the sitter's release."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical import instruments, outcomes, predose, rules
from ketacare.clinical.postdose import (
    CALL_EMERGENCY_NOW,
    FEELING_SEVERITY,
    SYMPTOM_SEVERITY,
    Feeling,
    Symptom,
    bp_reading_missed,
    check_in_report,
    check_post_dose_reading,
    check_release,
    is_high_after_dose,
    post_dose_window,
    release_missing,
    remeasure_missed,
)
from ketacare.clinical.safety import (
    DEFAULT_RULES,
    AdverseEventSeverity,
    Cause,
    InvalidSafetyInput,
    Severity,
    Substance,
    check_adverse_event,
    check_dissociation,
    check_dose_against_plan,
    check_in_status,
    check_monitoring,
    check_relapse,
    check_suicidality,
    check_worsening,
)
from ketacare.clinical.vitals import BloodPressure

DOSED_AT = datetime(2025, 3, 10, 23, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
NAIVE = datetime(2025, 3, 10, 9, 0)  # noqa: DTZ001 - the naive datetime under test
BEFORE = BloodPressure(120, 80)


def rules_with(**changes: Any) -> Any:
    return dataclasses.replace(DEFAULT_RULES, **changes)


# --- The window (CLINICAL.md D, G4) --------------------------------------------------------


def test_the_window_asks_for_blood_pressure_at_40_minutes_and_releases_after_2_hours() -> None:
    window = post_dose_window(DOSED_AT)
    assert window.dosed_at == DOSED_AT
    assert window.bp_due_at == DOSED_AT + timedelta(minutes=40)  # D: the rise peaks ~40 min
    assert window.bp_missed_at == DOSED_AT + timedelta(hours=1)  # 20 min grace
    assert window.observation_ends_at == DOSED_AT + timedelta(hours=2)  # D: at least 2 h
    assert window.check_in_due_at == DOSED_AT + timedelta(hours=2, minutes=30)


def test_the_window_takes_the_plans_deadline_and_the_clinics_times() -> None:
    clinic = rules.rules_for({"observation_minutes": 180, "post_dose_bp_minutes": 45}).safety
    window = post_dose_window(DOSED_AT, clinic, check_in_deadline=timedelta(hours=3, minutes=10))
    assert window.bp_due_at == DOSED_AT + timedelta(minutes=45)
    assert window.observation_ends_at == DOSED_AT + timedelta(hours=3)
    assert window.check_in_due_at == DOSED_AT + timedelta(hours=3, minutes=10)


@pytest.mark.parametrize(
    ("dosed_at", "deadline", "field"),
    [
        (NAIVE, None, "dosed_at"),
        (DOSED_AT, timedelta(hours=2), "observation"),
        (DOSED_AT, 150, "check_in_deadline"),
    ],
)
def test_the_window_refuses_what_it_cannot_use(dosed_at: Any, deadline: Any, field: str) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        post_dose_window(dosed_at, check_in_deadline=deadline)


# --- Readings after the dose (CLINICAL.md D, G6) ---------------------------------------------


@pytest.mark.parametrize(
    ("before", "reading", "earlier_high", "severity", "cause"),
    [
        ((120, 80), (135, 85), False, None, None),
        ((120, 80), (140, 90), False, None, None),  # at the gate is not above it
        ((120, 80), (145, 88), False, Severity.WARNING, Cause.BP_RISE_AFTER_DOSE),
        ((120, 80), (145, 88), True, Severity.URGENT, Cause.BP_RISE_AFTER_DOSE),  # stays high
        ((100, 60), (140, 70), False, Severity.URGENT, Cause.BP_RISE_AFTER_DOSE),  # rise of 40
        ((100, 60), (120, 85), False, Severity.URGENT, Cause.BP_RISE_AFTER_DOSE),  # rise of 25
        ((150, 95), (160, 95), False, Severity.URGENT, Cause.BP_RISE_AFTER_DOSE),  # hard stop
        ((130, 85), (180, 120), False, Severity.URGENT, Cause.BP_RISE_AFTER_DOSE),  # at 180/120
        ((130, 85), (181, 100), False, Severity.EMERGENCY, Cause.HYPERTENSIVE_CRISIS),
        ((130, 85), (170, 121), False, Severity.EMERGENCY, Cause.HYPERTENSIVE_CRISIS),
        ((130, 85), (200, 125), False, Severity.EMERGENCY, Cause.HYPERTENSIVE_CRISIS),
        ((150, 95), (120, 80), False, None, None),  # a fall is not a rise
    ],
)
def test_a_reading_after_the_dose_is_graded_by_how_high_it_is(
    before: tuple[int, int],
    reading: tuple[int, int],
    earlier_high: bool,
    severity: Severity | None,
    cause: Cause | None,
) -> None:
    finding = check_post_dose_reading(
        BloodPressure(*before), BloodPressure(*reading), earlier_high=earlier_high
    )
    assert (finding and finding.severity) == severity
    assert (finding and finding.cause) == cause


def test_a_hypertensive_crisis_tells_patient_and_sitter_to_call_emergency_services() -> None:
    finding = check_post_dose_reading(BEFORE, BloodPressure(200, 125), earlier_high=False)
    assert finding is not None
    assert finding.next_step.endswith(CALL_EMERGENCY_NOW)
    assert finding.next_step.startswith("Your blood pressure is dangerously high.")
    assert finding.source == "CLINICAL.md G6"
    assert "above 180/120 mmHg: a hypertensive crisis" in finding.message


def test_a_high_reading_asks_for_a_re_measure_in_15_minutes() -> None:
    finding = check_post_dose_reading(BEFORE, BloodPressure(150, 92), earlier_high=False)
    assert finding is not None
    assert "measure it again in 15 min" in finding.next_step
    assert finding.message == (
        "Blood pressure after the dose 150/92 mmHg (before: 120/80 mmHg): above the "
        "pre-dose limit 140/90 mmHg."
    )
    again = check_post_dose_reading(BEFORE, BloodPressure(150, 92), earlier_high=True)
    assert again is not None
    assert again.message.endswith("; it stays high after an earlier high reading.")


def test_a_rise_names_each_reason() -> None:
    finding = check_post_dose_reading(
        BloodPressure(125, 80), BloodPressure(170, 95), earlier_high=False
    )
    assert finding is not None
    assert finding.message == (
        "Blood pressure after the dose 170/95 mmHg (before: 125/80 mmHg): systolic rose 45 "
        "mmHg, at or above the 40 mmHg limit; at or above the no-dose-today limit 160/100 mmHg."
    )


def test_without_limits_only_the_rise_and_the_crisis_count() -> None:
    clinic = rules_with(bp_hard_stop=None, bp_delay_gate=None)
    assert (
        check_post_dose_reading(
            BloodPressure(150, 95), BloodPressure(165, 99), earlier_high=False, rules=clinic
        )
        is None
    )
    assert not is_high_after_dose(BloodPressure(150, 95), BloodPressure(165, 99), clinic)
    assert is_high_after_dose(BloodPressure(150, 95), BloodPressure(165, 99))


def test_a_reading_that_is_not_a_blood_pressure_is_refused() -> None:
    with pytest.raises(InvalidSafetyInput, match="reading"):
        check_post_dose_reading(BEFORE, (160, 100), earlier_high=False)  # type: ignore[arg-type]


@st.composite
def readings(draw: st.DrawFn) -> BloodPressure:
    systolic = draw(st.integers(min_value=50, max_value=300))
    diastolic = draw(st.integers(min_value=20, max_value=min(200, systolic - 1)))
    return BloodPressure(systolic, diastolic)


@given(readings(), readings(), st.booleans())
def test_a_crisis_reading_is_always_an_emergency_and_stays_high_never_lowers_a_grade(
    before: BloodPressure, reading: BloodPressure, earlier_high: bool
) -> None:
    finding = check_post_dose_reading(before, reading, earlier_high=earlier_high)
    crisis = reading.systolic_mmhg > 180 or reading.diastolic_mmhg > 120
    assert (finding is not None and finding.severity is Severity.EMERGENCY) is crisis
    first = check_post_dose_reading(before, reading, earlier_high=False)
    ranks = list(Severity)
    if first is not None and finding is not None:
        assert ranks.index(finding.severity) >= ranks.index(first.severity)
    assert (finding is None) is (first is None)
    assert (first is not None) is (crisis or is_high_after_dose(before, reading))


# --- The check-in report (CLINICAL.md G6, G7) ------------------------------------------------


@pytest.mark.parametrize(
    ("feeling", "symptoms", "raised_bp", "severity"),
    [
        (Feeling.WELL, [], False, None),
        (Feeling.OKAY, [Symptom.NAUSEA], False, Severity.INFO),
        (Feeling.UNWELL, [], False, Severity.WARNING),
        (Feeling.VERY_UNWELL, [], False, Severity.URGENT),  # G7
        (Feeling.WELL, [Symptom.VOMITING], False, Severity.WARNING),
        (Feeling.WELL, [Symptom.SEDATION], False, Severity.WARNING),
        (Feeling.WELL, [Symptom.MARKED_SEDATION], False, Severity.URGENT),  # G7
        (Feeling.OKAY, [Symptom.LOSS_OF_CONSCIOUSNESS], False, Severity.EMERGENCY),  # G7
        (Feeling.OKAY, [Symptom.TROUBLE_BREATHING], False, Severity.EMERGENCY),  # G7
        (Feeling.OKAY, [Symptom.CHEST_PAIN], False, Severity.EMERGENCY),  # G7
        (Feeling.OKAY, [Symptom.SEIZURE], False, Severity.EMERGENCY),  # G7
        (Feeling.OKAY, [Symptom.SEVERE_HEADACHE], False, Severity.URGENT),
        (Feeling.OKAY, [Symptom.SEVERE_HEADACHE], True, Severity.EMERGENCY),  # G6
        (Feeling.OKAY, [Symptom.VISION_CHANGE], True, Severity.EMERGENCY),  # G6
        (Feeling.VERY_WELL, [Symptom.HEADACHE], True, Severity.INFO),
        (Feeling.UNWELL, [Symptom.NAUSEA, Symptom.CHEST_PAIN], False, Severity.EMERGENCY),
    ],
)
def test_the_check_in_report_is_graded_by_its_most_pressing_part(
    feeling: Feeling, symptoms: list[Symptom], raised_bp: bool, severity: Severity | None
) -> None:
    finding = check_in_report(feeling, symptoms, raised_bp=raised_bp)
    assert (finding and finding.severity) == severity
    if finding is not None:
        assert finding.cause is Cause.ADVERSE_EVENT
        assert (finding.next_step == CALL_EMERGENCY_NOW) is (severity is Severity.EMERGENCY)


def test_every_symptom_and_feeling_has_a_grade() -> None:
    assert set(SYMPTOM_SEVERITY) == set(Symptom)
    assert set(FEELING_SEVERITY) == set(Feeling)


def test_the_report_says_what_was_felt_and_ticked() -> None:
    finding = check_in_report(
        Feeling.VERY_UNWELL,
        [Symptom.MARKED_SEDATION, Symptom.OTHER],
        raised_bp=True,
        other="shaking",
    )
    assert finding is not None
    assert finding.message == (
        "At the post-dose check-in the patient feels very unwell; reports marked sedation, "
        "shaking with raised blood pressure."
    )
    blank = check_in_report(Feeling.WELL, [Symptom.OTHER], raised_bp=False)
    assert blank is not None
    assert blank.message.endswith("reports other.")


@pytest.mark.parametrize(
    ("feeling", "symptoms", "raised_bp", "field"),
    [
        ("well", [], False, "feeling"),
        (Feeling.WELL, ["nausea"], False, "symptoms"),
        (Feeling.WELL, [], 1, "raised_bp"),
    ],
)
def test_the_report_refuses_what_it_cannot_read(
    feeling: Any, symptoms: Any, raised_bp: Any, field: str
) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        check_in_report(feeling, symptoms, raised_bp=raised_bp)


# --- The sitter's release, and what the worker finds missing ---------------------------------


def test_a_sitter_who_cannot_confirm_the_patient_is_stable_pages_the_clinic() -> None:
    assert check_release(stable=True, sitter_name="Robin") is None
    finding = check_release(stable=False, sitter_name="Robin")
    assert finding is not None
    assert (finding.severity, finding.cause) == (Severity.URGENT, Cause.SITTER_NOT_RELEASED)
    assert "Robin could not confirm" in finding.message
    assert "on-call clinician has been paged" in finding.next_step
    with pytest.raises(InvalidSafetyInput, match="stable"):
        check_release(stable=None, sitter_name="Robin")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("after", "missed"), [(timedelta(hours=1), False), (timedelta(hours=1) + SECOND, True)]
)
def test_a_missing_reading_after_the_dose_is_urgent_20_minutes_after_it_was_due(
    after: timedelta, missed: bool
) -> None:
    finding = bp_reading_missed(post_dose_window(DOSED_AT), DOSED_AT + after, UTC)
    assert (finding is not None) is missed
    if finding is not None:
        assert (finding.severity, finding.cause) == (Severity.URGENT, Cause.POST_DOSE_BP_MISSED)
        assert "due at 2025-03-10 23:40 UTC, 40 min after the dose" in finding.message


@pytest.mark.parametrize(
    ("after", "missed"),
    [(timedelta(minutes=35), False), (timedelta(minutes=35) + SECOND, True)],
)
def test_a_high_reading_not_measured_again_pages(after: timedelta, missed: bool) -> None:
    finding = remeasure_missed(DOSED_AT, DOSED_AT + after, UTC)
    assert (finding is not None) is missed
    if finding is not None:
        assert finding.severity is Severity.URGENT
        assert "was not measured again by 2025-03-10 23:15 UTC" in finding.message


@pytest.mark.parametrize(("after", "missing"), [(timedelta(0), False), (SECOND, True)])
def test_a_window_the_sitter_did_not_end_is_reviewed(after: timedelta, missing: bool) -> None:
    due = DOSED_AT + timedelta(hours=2, minutes=30)
    finding = release_missing(due, due + after, UTC)
    assert (finding is not None) is missing
    if finding is not None:
        assert finding.severity is Severity.WARNING


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: bp_reading_missed(post_dose_window(DOSED_AT), NAIVE, UTC), "now"),
        (lambda: remeasure_missed(NAIVE, DOSED_AT, UTC), "high_at"),
        (lambda: remeasure_missed(DOSED_AT, NAIVE, UTC), "now"),
        (lambda: release_missing(NAIVE, DOSED_AT, UTC), "check_in_due_at"),
        (lambda: release_missing(DOSED_AT, NAIVE, UTC), "now"),
    ],
)
def test_the_missing_checks_refuse_naive_times(call: Any, field: str) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        call()


# --- Every cause has a rule that raises it ---------------------------------------------------


_RELAPSED = outcomes.trajectory(
    "phq9",
    [
        outcomes.Observation(DOSED_AT - timedelta(days=1), 20),
        outcomes.Observation(DOSED_AT + timedelta(days=7), 8),
        outcomes.Observation(DOSED_AT + timedelta(days=14), 15),
    ],
    first_dose_at=DOSED_AT,
)


def test_every_cause_is_raised_by_some_rule() -> None:
    now = DOSED_AT
    facts = predose.PreDoseFacts(
        blood_pressure=BloodPressure(165, 95),
        measured_at=now - timedelta(hours=2),
        now=now,
        zone=UTC,
        sitter_present=False,
        sitter=None,
        fasted=False,
        no_driving_until_tomorrow=False,
        substances_today=frozenset({Substance.ALCOHOL}),
        last_dose_at=now - timedelta(hours=1),
        recent_doses_at=(now - timedelta(days=2), now - timedelta(hours=1)),
        min_interval_between_doses=timedelta(days=3),
        earlier_readings_today=(
            predose.EarlierReading(now - timedelta(hours=2, minutes=5), BloodPressure(150, 95)),
            predose.EarlierReading(now - timedelta(hours=3), BloodPressure(170, 95)),
        ),
        cssrs=instruments.score("cssrs_screen", [1, 0, 0, 0, 0, 0, 0]),
    )
    raised = {
        f.cause for f in predose.check_pre_dose(facts, rules_with(heart_rate_min_bpm=40)).findings
    }
    high = BloodPressure(150, 95)
    raised |= {
        f.cause
        for f in predose.check_pre_dose(
            dataclasses.replace(
                facts,
                earlier_readings_today=tuple(
                    predose.EarlierReading(now - timedelta(hours=3, minutes=m), high)
                    for m in (1, 2, 3)
                ),
            )
        ).findings
    }
    # A re-measure too soon (only when no hard stop holds the day).
    raised |= {
        f.cause
        for f in predose.check_pre_dose(
            dataclasses.replace(
                facts,
                earlier_readings_today=(
                    predose.EarlierReading(now - timedelta(hours=2, minutes=5), high),
                ),
            )
        ).findings
    }
    window = post_dose_window(DOSED_AT)
    held = predose.check_pre_dose(facts)
    others = [
        predose.dose_against_gate(held),
        check_post_dose_reading(BEFORE, BloodPressure(165, 95), earlier_high=False),
        check_post_dose_reading(BEFORE, BloodPressure(190, 95), earlier_high=False),
        check_in_status(DOSED_AT, None, DOSED_AT + timedelta(hours=3)),
        check_in_status(DOSED_AT, DOSED_AT + timedelta(hours=3), DOSED_AT + timedelta(hours=3)),
        check_suicidality(instruments.score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1])),
        check_dissociation(24),
        check_adverse_event(AdverseEventSeverity.MILD, serious=False, description="Nausea"),
        check_worsening("phq9", baseline=0, current=27),
        check_relapse(_RELAPSED, _RELAPSED.relapsed_at or DOSED_AT),
        check_monitoring(instruments.score("bladder", [0, 0, 0, 1])),
        check_monitoring(instruments.score("dast10", [1, 1, 1, 1, 0, 0, 0, 0, 0, 0])),
        check_dose_against_plan(taken_mg=200, planned_mg=100),
        bp_reading_missed(window, DOSED_AT + timedelta(hours=2), UTC),
        check_release(stable=False, sitter_name="Robin"),
    ]
    raised |= {finding.cause for finding in others if finding is not None}
    assert raised == set(Cause)
