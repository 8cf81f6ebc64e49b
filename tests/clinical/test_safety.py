"""Safety rules: the clinic's safety settings, check-ins, scores and events as findings."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical import instruments, outcomes
from ketacare.clinical.instruments import Score
from ketacare.clinical.safety import (
    DEFAULT_RULES,
    AdverseEventSeverity,
    BloodPressureLimit,
    Cause,
    InvalidSafetyInput,
    Severity,
    check_adverse_event,
    check_dissociation,
    check_dose_against_plan,
    check_in_status,
    check_monitoring,
    check_relapse,
    check_suicidality,
    check_worsening,
    clock_time,
    high_dissociation_threshold,
    is_suicidality_signal,
    suicidality_so_far,
)
from ketacare.clinical.vitals import BloodPressure

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
DOSED_AT = NOW
SECOND = timedelta(seconds=1)
NAIVE = datetime(2025, 3, 10, 9, 0)  # noqa: DTZ001 - the naive datetime under test


def rules(**changes: Any) -> Any:
    return dataclasses.replace(DEFAULT_RULES, **changes)


# --- Post-dose check-in (CLINICAL.md D: 2 h of observation, then 30 min to check in) ----

DUE = timedelta(hours=2, minutes=30)


def test_the_check_in_falls_due_after_the_observation_and_its_window() -> None:
    # CLINICAL.md D: observation at least 2 h; the release check-in opens then and is
    # due 30 min later (clinic's choice).
    assert DEFAULT_RULES.observation_minimum == timedelta(hours=2)
    assert DEFAULT_RULES.check_in_deadline == DUE


@pytest.mark.parametrize(
    ("checked_in_after", "now_after", "options", "cause"),
    [
        (None, timedelta(hours=1), {}, None),
        (None, DUE, {}, None),  # exactly at the deadline: not yet missed
        (None, DUE + SECOND, {}, Cause.MISSED_CHECK_IN),
        (None, DUE + timedelta(minutes=15), {"grace": timedelta(minutes=15)}, None),
        (
            None,
            DUE + timedelta(minutes=15) + SECOND,
            {"grace": timedelta(minutes=15)},
            Cause.MISSED_CHECK_IN,
        ),
        (None, timedelta(hours=3), {"deadline": timedelta(hours=3)}, None),
        (timedelta(minutes=40), timedelta(hours=5), {}, None),
        (DUE, timedelta(hours=5), {}, None),
        (DUE + SECOND, timedelta(hours=5), {}, Cause.LATE_CHECK_IN),
        # Within the grace it is still late; the grace only holds back the alarm.
        (
            DUE + timedelta(minutes=5),
            DUE + timedelta(minutes=5),
            {"grace": timedelta(minutes=15)},
            Cause.LATE_CHECK_IN,
        ),
    ],
)
def test_a_check_in_is_due_by_the_deadline_after_the_dose(
    checked_in_after: timedelta | None,
    now_after: timedelta,
    options: dict[str, Any],
    cause: Cause | None,
) -> None:
    checked_in_at = None if checked_in_after is None else DOSED_AT + checked_in_after
    finding = check_in_status(DOSED_AT, checked_in_at, DOSED_AT + now_after, **options)
    assert (finding and finding.cause) == cause
    if finding is not None:
        expected = Severity.URGENT if cause is Cause.MISSED_CHECK_IN else Severity.INFO
        assert finding.severity is expected
        assert finding.source == "CLINICAL.md D"


def test_the_clinics_rules_set_the_deadline_and_grace_when_the_call_does_not() -> None:
    clinic = rules(check_in_deadline=timedelta(hours=3), check_in_grace=timedelta(minutes=30))
    now = DOSED_AT + timedelta(hours=3, minutes=30)
    assert check_in_status(DOSED_AT, None, now, rules=clinic) is None
    assert check_in_status(DOSED_AT, None, now + SECOND, rules=clinic) is not None


def test_a_missed_check_in_names_the_dose_and_the_deadline() -> None:
    finding = check_in_status(DOSED_AT, None, DOSED_AT + timedelta(hours=3))
    assert finding is not None
    assert finding.message == (
        "No post-dose check-in 3 h after the dose at 2025-03-10 09:00 UTC; "
        "it was due by 2025-03-10 11:30 UTC (2 h 30 min after the dose)."
    )


def test_a_late_check_in_says_how_late() -> None:
    checked_in_at = DOSED_AT + timedelta(hours=3, minutes=30)
    finding = check_in_status(DOSED_AT, checked_in_at, checked_in_at)
    assert finding is not None
    assert finding.message == (
        "Post-dose check-in at 2025-03-10 12:30 UTC came 1 h after it was due "
        "(2025-03-10 11:30 UTC, 2 h 30 min after the dose)."
    )
    just_late = DOSED_AT + DUE + SECOND
    seconds_late = check_in_status(DOSED_AT, just_late, just_late)
    assert seconds_late is not None
    assert "came under a minute after" in seconds_late.message


def test_the_check_in_deadline_counts_real_hours_across_a_clock_change() -> None:
    # The UK clocks went forward at 01:00 GMT on 30 March 2025. A dose at 00:30 GMT is
    # due by 02:30 UTC, which is 03:30 on the wall clock, not 02:30.
    london = ZoneInfo("Europe/London")
    dosed_at = datetime(2025, 3, 30, 0, 30, tzinfo=london)
    two_hours = {"deadline": timedelta(hours=2)}
    assert (
        check_in_status(dosed_at, None, datetime(2025, 3, 30, 3, 30, tzinfo=london), **two_hours)
        is None
    )
    finding = check_in_status(
        dosed_at, None, datetime(2025, 3, 30, 3, 31, tzinfo=london), **two_hours
    )
    assert finding is not None
    assert "it was due by 2025-03-30 03:30 BST" in finding.message


def test_check_in_times_may_come_in_different_zones() -> None:
    berlin = timezone(timedelta(hours=1))
    checked_in_at = (DOSED_AT + timedelta(hours=1)).astimezone(berlin)
    assert check_in_status(DOSED_AT, checked_in_at, DOSED_AT + timedelta(hours=4)) is None


@pytest.mark.parametrize(
    ("dosed_at", "checked_in_at", "now", "options", "field"),
    [
        (NAIVE, None, NOW, {}, "dosed_at"),
        (DOSED_AT, None, NAIVE, {}, "now"),
        (DOSED_AT, NAIVE, NOW + SECOND, {}, "checked_in_at"),
        (DOSED_AT, None, DOSED_AT - SECOND, {}, "now"),
        (DOSED_AT, DOSED_AT - SECOND, NOW + SECOND, {}, "checked_in_at"),
        (DOSED_AT, NOW + 2 * SECOND, NOW + SECOND, {}, "checked_in_at"),
        (DOSED_AT, None, NOW, {"deadline": timedelta(hours=-2)}, "deadline"),
        (DOSED_AT, None, NOW, {"grace": 15}, "grace"),
    ],
)
def test_check_in_status_refuses_naive_or_impossible_times(
    dosed_at: datetime,
    checked_in_at: datetime | None,
    now: datetime,
    options: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        check_in_status(dosed_at, checked_in_at, now, **options)


# --- Bad rules are refused, naming the field -------------------------------------------


def test_bad_input_is_a_value_error() -> None:
    assert issubclass(InvalidSafetyInput, ValueError)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"bp_delay_gate": (140, 90)}, "bp_delay_gate"),
        ({"bp_hard_stop": "160/100"}, "bp_hard_stop"),
        ({"heart_rate_min_bpm": -1}, "heart_rate_min_bpm"),
        ({"heart_rate_max_bpm": 110.0}, "heart_rate_max_bpm"),
        ({"high_dissociation_total": True}, "high_dissociation_total"),
        ({"default_max_sessions_per_7_days": 0}, "default_max_sessions_per_7_days"),
        ({"bp_rise_systolic_mmhg": 0}, "bp_rise_systolic_mmhg"),
        ({"bp_rise_diastolic_mmhg": 25.0}, "bp_rise_diastolic_mmhg"),
        ({"sitter_stay": timedelta(hours=-2)}, "sitter_stay"),
        ({"check_in_deadline": 2}, "check_in_deadline"),
        ({"check_in_grace": None}, "check_in_grace"),
        ({"fasting_required": 1}, "fasting_required"),
        ({"dose_tolerance_mg": -1}, "dose_tolerance_mg"),
        ({"dose_tolerance_mg": math.nan}, "dose_tolerance_mg"),
        ({"dose_tolerance_mg": True}, "dose_tolerance_mg"),
        ({"emergency_cssrs_bands": {"high"}}, "emergency_cssrs_bands"),
        ({"observation_minimum": timedelta(hours=-1)}, "observation_minimum"),
        ({"min_interval_between_doses": 72}, "min_interval_between_doses"),
        ({"checklist_valid_for": None}, "checklist_valid_for"),
        ({"bp_remeasure_wait": timedelta(minutes=-1)}, "bp_remeasure_wait"),
        ({"bp_tries_per_day": 0}, "bp_tries_per_day"),
        ({"bp_tries_per_day": 3.0}, "bp_tries_per_day"),
        ({"sitter_confirmation_valid_for": 120}, "sitter_confirmation_valid_for"),
        ({"post_dose_bp_due": 40}, "post_dose_bp_due"),
        ({"post_dose_bp_grace": None}, "post_dose_bp_grace"),
        ({"post_dose_remeasure_after": 15}, "post_dose_remeasure_after"),
        ({"check_in_deadline": timedelta(hours=2)}, "check_in_deadline"),
        ({"hypertensive_crisis": (180, 120)}, "hypertensive_crisis"),
        # CLINICAL.md G3: C-SSRS ideation is never below urgent at home.
        ({"low_cssrs_severity": Severity.WARNING}, "low_cssrs_severity"),
        ({"low_cssrs_severity": None}, "low_cssrs_severity"),
    ],
)
def test_clinic_rules_refuse_values_they_cannot_use(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        rules(**changes)


@pytest.mark.parametrize(
    ("systolic", "diastolic", "field"),
    [(140.0, 90, "systolic_mmhg"), (True, 90, "systolic_mmhg"), (140, 0, "diastolic_mmhg")],
)
def test_a_blood_pressure_limit_is_whole_mmhg(systolic: Any, diastolic: Any, field: str) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        BloodPressureLimit(systolic, diastolic)


def test_a_limit_is_reached_at_it_and_exceeded_above_it() -> None:
    limit = BloodPressureLimit(140, 90)
    assert limit.reached_by(BloodPressure(140, 80))
    assert limit.reached_by(BloodPressure(120, 90))
    assert not limit.exceeded_by(BloodPressure(140, 90))
    assert limit.exceeded_by(BloodPressure(141, 90))
    assert limit.exceeded_by(BloodPressure(140, 91))
    assert not limit.reached_by(BloodPressure(139, 89))


# --- Suicidality (CLINICAL.md A1, A5, A6, A8) -------------------------------------------

PHQ9_ITEM_9 = [0, 0, 0, 0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("code", "answers", "severity"),
    [
        ("phq9", [*PHQ9_ITEM_9, 0], None),
        ("phq9", [*PHQ9_ITEM_9, 1], Severity.URGENT),  # A1: any answer > 0
        ("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 3], Severity.URGENT),
        ("cssrs_screen", [0, 0, 0, 0, 0, 0, 0], None),
        # CLINICAL.md G3: any C-SSRS ideation at home is at least urgent (no flag needed).
        ("cssrs_screen", [1, 0, 0, 0, 0, 0, 0], Severity.URGENT),
        ("cssrs_screen", [1, 1, 0, 0, 0, 0, 0], Severity.URGENT),
        ("cssrs_screen", [1, 1, 1, 0, 0, 0, 0], Severity.URGENT),  # moderate triage
        ("cssrs_screen", [1, 1, 0, 1, 0, 0, 0], Severity.EMERGENCY),  # high: intent
        ("cssrs_screen", [0, 0, 0, 0, 0, 1, 1], Severity.EMERGENCY),  # high: recent behaviour
    ],
)
def test_suicidality_is_an_emergency_on_a_high_risk_c_ssrs_and_urgent_otherwise(
    code: str, answers: list[int], severity: Severity | None
) -> None:
    finding = check_suicidality(instruments.score(code, answers))
    assert (finding and finding.severity) == severity
    if finding is not None:
        assert finding.cause is Cause.SUICIDALITY
        assert finding.source.startswith(instruments.get(code).source)


def test_a_suicidality_finding_names_the_instrument_score_and_action() -> None:
    finding = check_suicidality(instruments.score("phq9", [2, 2, 1, 1, 0, 0, 0, 0, 1]))
    assert finding is not None
    assert finding.message == (
        "PHQ-9 depression questionnaire flags suicidality (total 7, mild); "
        "needs same-day clinical follow-up."
    )


def test_a_flag_without_a_known_emergency_band_is_urgent() -> None:
    score = Score(
        instrument="madrs", total=40, band="severe", flags=frozenset({instruments.SUICIDALITY})
    )
    finding = check_suicidality(score)
    assert finding is not None
    assert finding.severity is Severity.URGENT


def test_a_clinic_can_make_moderate_c_ssrs_triage_an_emergency() -> None:
    score = instruments.score("cssrs_screen", [1, 1, 1, 0, 0, 0, 0])
    finding = check_suicidality(score, rules(emergency_cssrs_bands=frozenset({"moderate", "high"})))
    assert finding is not None
    assert finding.severity is Severity.EMERGENCY


def test_c_ssrs_ideation_holds_dosing_and_says_so() -> None:
    score = instruments.score("cssrs_screen", [1, 0, 0, 0, 0, 0, 0])
    assert score.band == "low"
    finding = check_suicidality(score)
    assert finding is not None
    assert "same-day clinical follow-up" in finding.message
    assert "dosing is held until a clinician clears it" in finding.message
    assert finding.source == "CLINICAL.md A8, G3"


def test_a_clinic_can_make_c_ssrs_ideation_an_emergency() -> None:
    score = instruments.score("cssrs_screen", [1, 1, 0, 0, 0, 0, 0])
    finding = check_suicidality(score, rules(low_cssrs_severity=Severity.EMERGENCY))
    assert finding is not None
    assert finding.severity is Severity.EMERGENCY


@pytest.mark.parametrize(
    ("instrument", "band", "flags", "signal"),
    [
        ("phq9", "severe", ["suicidality"], True),
        ("phq9", "severe", [], False),
        ("cssrs_screen", "none", [], False),
        ("cssrs_screen", "low", [], True),  # CLINICAL.md G3
        ("cssrs_screen", "high", ["suicidality"], True),
        ("gad7", "severe", [], False),
    ],
)
def test_a_stored_response_holds_dosing_on_any_flag_or_c_ssrs_ideation(
    instrument: str, band: str, flags: list[str], signal: bool
) -> None:
    assert is_suicidality_signal(instrument, band, flags) is signal


def test_suicidality_check_refuses_what_is_not_a_score() -> None:
    with pytest.raises(InvalidSafetyInput, match="score"):
        check_suicidality({"flags": {"suicidality"}})  # type: ignore[arg-type]


# --- Dissociation (CLINICAL.md A7) -----------------------------------------------------


def test_the_high_dissociation_threshold_is_the_cadss6_severe_band() -> None:
    severe = next(b for b in instruments.get("cadss6").bands if b.label == "severe")
    assert high_dissociation_threshold() == severe.low


@pytest.mark.parametrize(
    ("offset", "flagged"), [(-1, False), (0, True), (1, True)], ids=["below", "at", "above"]
)
def test_a_cadss6_total_at_or_above_the_severe_band_is_high_dissociation(
    offset: int, flagged: bool
) -> None:
    total = high_dissociation_threshold() + offset
    finding = check_dissociation(total)
    assert (finding is not None) is flagged
    if finding is not None:
        assert finding.severity is Severity.WARNING
        assert finding.cause is Cause.HIGH_DISSOCIATION
        assert finding.message == (
            f"CADSS-6 total {total} of 24 is at or above the high-dissociation threshold "
            f"{high_dissociation_threshold()}."
        )


@pytest.mark.parametrize(("total", "flagged"), [(11, False), (12, True)])
def test_a_clinic_can_set_its_own_dissociation_threshold(total: int, flagged: bool) -> None:
    assert (check_dissociation(total, rules(high_dissociation_total=12)) is not None) is flagged


@pytest.mark.parametrize("total", [-1, 25, True, 17.0, "17"])
def test_a_cadss6_total_outside_0_to_24_is_refused(total: Any) -> None:
    with pytest.raises(InvalidSafetyInput, match="cadss6_total must be a whole number 0-24"):
        check_dissociation(total)


# --- Adverse events (ketacare default mapping) -------------------------------------------


@pytest.mark.parametrize(
    ("grade", "serious", "severity"),
    [
        (AdverseEventSeverity.MILD, False, Severity.INFO),
        (AdverseEventSeverity.MILD, True, Severity.URGENT),
        (AdverseEventSeverity.MODERATE, False, Severity.WARNING),
        (AdverseEventSeverity.MODERATE, True, Severity.URGENT),
        (AdverseEventSeverity.SEVERE, False, Severity.URGENT),
        (AdverseEventSeverity.SEVERE, True, Severity.URGENT),
        (AdverseEventSeverity.LIFE_THREATENING, False, Severity.EMERGENCY),
        (AdverseEventSeverity.LIFE_THREATENING, True, Severity.EMERGENCY),
    ],
)
def test_an_adverse_event_is_graded_by_severity_and_seriousness(
    grade: AdverseEventSeverity, serious: bool, severity: Severity
) -> None:
    finding = check_adverse_event(grade, serious=serious, description="Vomiting")
    assert finding.severity is severity
    assert finding.cause is Cause.ADVERSE_EVENT


def test_an_adverse_event_finding_names_the_event_and_its_grade() -> None:
    finding = check_adverse_event(
        AdverseEventSeverity.LIFE_THREATENING, serious=True, description=" Loss of consciousness "
    )
    assert finding.message == "Adverse event (life-threatening, serious): Loss of consciousness."


@pytest.mark.parametrize(
    ("grade", "serious", "description", "field"),
    [
        ("severe", False, "Vomiting", "severity"),
        (AdverseEventSeverity.MILD, 0, "Vomiting", "serious"),
        (AdverseEventSeverity.MILD, False, "  ", "description"),
        (AdverseEventSeverity.MILD, False, None, "description"),
    ],
)
def test_an_adverse_event_report_must_be_complete(
    grade: Any, serious: Any, description: Any, field: str
) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        check_adverse_event(grade, serious=serious, description=description)


# --- Worsening (CLINICAL.md A11) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "baseline", "current", "worsening"),
    [
        ("phq9", 8, 12, False),
        ("phq9", 8, 13, True),  # up 5 = the PHQ-9 MCID
        ("phq9", 13, 8, False),
        ("pcl5", 30, 39, False),
        ("pcl5", 30, 40, True),  # up 10 = the PCL-5 meaningful change (A4)
        ("gad7", 8, 11, False),
        ("gad7", 8, 12, True),  # up 4 = the GAD-7 MCID (CLINICAL.md G9, Toussaint 2020)
        ("madrs", 2, 40, False),  # no MCID defined: unknown, and no finding
    ],
)
def test_a_rise_of_at_least_the_mcid_from_baseline_is_worsening(
    code: str, baseline: int, current: int, worsening: bool
) -> None:
    finding = check_worsening(code, baseline=baseline, current=current)
    assert (finding is not None) is worsening
    if finding is not None:
        assert finding.severity is Severity.WARNING
        assert finding.cause is Cause.WORSENING


def test_a_worsening_finding_names_baseline_current_and_mcid() -> None:
    finding = check_worsening("phq9", baseline=8, current=14)
    assert finding is not None
    assert finding.message == (
        "PHQ-9 depression questionnaire rose from 8 at baseline to 14, up 6 points, at or "
        "above the minimal clinically important difference of 5 points."
    )
    assert finding.source == "CLINICAL.md A11"


def test_worsening_follows_the_clinics_outcome_rules() -> None:
    mcid_3 = dataclasses.replace(outcomes.DEFAULT_RULES, mcid=MappingProxyType({"phq9": 3}))
    assert check_worsening("phq9", baseline=8, current=11, rules=mcid_3) is not None


# --- Dose against the plan ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("taken_mg", "planned_mg", "tolerance_mg", "words"),
    [
        (100, 100, 0.0, None),
        (100.0, 100, 0.0, None),
        (100.5, 100, 0.0, "Dose taken 100.5 mg differs from the planned 100 mg: 0.5 mg more."),
        (90, 100, 0.0, "Dose taken 90 mg differs from the planned 100 mg: 10 mg less."),
        (105, 100, 5.0, None),
        (95, 100, 5.0, None),
        (
            105.5,
            100,
            5.0,
            "Dose taken 105.5 mg differs from the planned 100 mg: 5.5 mg more (tolerance 5 mg).",
        ),
    ],
)
def test_a_dose_that_differs_from_the_plan_is_urgent(
    taken_mg: float, planned_mg: float, tolerance_mg: float, words: str | None
) -> None:
    finding = check_dose_against_plan(
        taken_mg=taken_mg, planned_mg=planned_mg, rules=rules(dose_tolerance_mg=tolerance_mg)
    )
    assert (finding and finding.message) == words
    if finding is not None:
        assert finding.severity is Severity.URGENT
        assert finding.cause is Cause.DOSE_OUTSIDE_PLAN


@pytest.mark.parametrize(
    ("taken_mg", "severity"),
    [(300, Severity.URGENT), (300.5, Severity.EMERGENCY), (50, Severity.URGENT)],
)
def test_a_dose_above_the_session_cap_is_an_emergency(taken_mg: float, severity: Severity) -> None:
    finding = check_dose_against_plan(taken_mg=taken_mg, planned_mg=100, session_cap_mg=300)
    assert finding is not None
    assert finding.severity is severity
    assert ("above the plan's session cap of 300 mg" in finding.message) is (
        severity is Severity.EMERGENCY
    )


@pytest.mark.parametrize(
    ("taken_mg", "planned_mg", "field"),
    [
        (0, 100, "taken_mg"),
        (-5, 100, "taken_mg"),
        (math.nan, 100, "taken_mg"),
        (math.inf, 100, "taken_mg"),
        (True, 100, "taken_mg"),
        ("100", 100, "taken_mg"),
        (100, 0, "planned_mg"),
    ],
)
def test_doses_must_be_positive_numbers_of_mg(taken_mg: Any, planned_mg: Any, field: str) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        check_dose_against_plan(taken_mg=taken_mg, planned_mg=planned_mg)


def test_a_session_cap_must_be_a_positive_number_of_mg() -> None:
    with pytest.raises(InvalidSafetyInput, match="session_cap_mg"):
        check_dose_against_plan(taken_mg=100, planned_mg=100, session_cap_mg=0)


# --- Times as the patient reads them ----------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "words"),
    [
        (datetime(2025, 3, 10, 22, 5, tzinfo=UTC), "18:05"),  # today in New York
        (datetime(2025, 3, 11, 3, 30, tzinfo=UTC), "23:30"),  # still today there
        (datetime(2025, 3, 11, 13, 0, tzinfo=UTC), "Tue 11 Mar, 09:00"),
        (datetime(2025, 3, 8, 13, 0, tzinfo=UTC), "Sat 8 Mar, 08:00"),
    ],
)
def test_a_patient_reads_times_on_their_own_clock_without_a_zone_name(
    at: datetime, words: str
) -> None:
    new_york = ZoneInfo("America/New_York")
    assert clock_time(at, new_york, NOW) == words


# --- Properties ----------------------------------------------------------------------------


@given(
    st.integers(min_value=0, max_value=6 * 3600),
    st.none() | st.integers(min_value=0, max_value=6 * 3600),
    st.integers(min_value=0, max_value=3600),
)
def test_a_check_in_is_missed_exactly_when_none_came_by_deadline_plus_grace(
    now_seconds: int, checked_in_seconds: int | None, grace_seconds: int
) -> None:
    now = DOSED_AT + timedelta(seconds=now_seconds)
    checked_in_at = None
    if checked_in_seconds is not None:
        checked_in_at = DOSED_AT + timedelta(seconds=min(checked_in_seconds, now_seconds))
    finding = check_in_status(DOSED_AT, checked_in_at, now, grace=timedelta(seconds=grace_seconds))
    due = DOSED_AT + DUE
    if checked_in_at is None:
        missed = now > due + timedelta(seconds=grace_seconds)
        assert (finding is not None and finding.cause is Cause.MISSED_CHECK_IN) is missed
    else:
        late = checked_in_at > due
        assert (finding is not None and finding.cause is Cause.LATE_CHECK_IN) is late
    assert finding is None or finding.severity in set(Severity)


# --- Suicidality in answers still being given (an intake draft; G3) ---------------------------


def test_a_suicidal_answer_in_a_draft_stands_before_the_rest_is_answered():
    finding = suicidality_so_far({"phq9": [None, None, None, None, None, None, None, None, 2]})
    assert finding is not None
    assert (finding.cause, finding.severity) == (Cause.SUICIDALITY, Severity.URGENT)


def test_the_most_urgent_draft_finding_wins():
    # C-SSRS: a yes to Q2 and Q4 (intent) is high risk, an emergency (CLINICAL.md A8).
    cssrs = [1, 1, 0, 1]
    finding = suicidality_so_far({"phq9": [0] * 8 + [1], "cssrs_screen": cssrs})
    assert finding is not None
    assert finding.severity == Severity.EMERGENCY


@pytest.mark.parametrize(
    "drafts",
    [
        {},
        {"phq9": [3, 3, 3, None]},  # item 9 not reached
        {"phq9": "not a list", "unknown": [1]},
        {"cssrs_screen": [0, 0, 1]},  # a follow-up before its gate: not scorable yet
        {"auditc": [4, 4, 4]},  # needs a sex: not scorable here, and never suicidality
        {"phq9": [0] * 8 + ["yes"]},  # an unreadable answer counts as not given
    ],
)
def test_a_draft_without_a_scorable_suicidal_answer_raises_nothing(drafts):
    assert suicidality_so_far(drafts) is None


# --- Relapse (CLINICAL.md G9) ------------------------------------------------------------


def _course(*totals: int) -> outcomes.Trajectory:
    start = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    observations = [
        outcomes.Observation(start + timedelta(days=7 * i - 1), t) for i, t in enumerate(totals)
    ]
    return outcomes.trajectory("phq9", observations, first_dose_at=start)


def test_a_relapse_is_found_at_the_score_that_lost_the_response() -> None:
    track = _course(20, 8, 15, 16)
    assert track.relapsed_at is not None
    finding = check_relapse(track, track.relapsed_at)
    assert finding is not None
    assert (finding.severity, finding.cause) == (Severity.WARNING, Cause.RELAPSE)
    assert "PHQ-9" in finding.message
    assert "15, no longer a response from 20" in finding.message
    # Only at that score: a later one finds nothing new.
    assert check_relapse(track, track.follow_ups[-1].at) is None


@pytest.mark.parametrize("totals", [(20, 8, 9), (20, 15, 16), (5, 1, 4)])
def test_no_relapse_without_a_lost_response(totals: tuple[int, ...]) -> None:
    track = _course(*totals)
    assert all(check_relapse(track, o.at) is None for o in track.follow_ups)


# --- Routine monitoring (CLINICAL.md G10, A10) ---------------------------------------------


@pytest.mark.parametrize(
    ("code", "answers", "cause"),
    [
        ("bladder", [1, 0, 0, 0], Cause.BLADDER_SYMPTOMS),
        ("bladder", [0, 0, 0, 0], None),
        ("dast10", [1, 1, 0, 0, 0, 0, 0, 0, 0, 0], Cause.MISUSE_SCREEN),  # 3: moderate
        ("dast10", [1, 0, 1, 0, 0, 0, 0, 0, 0, 0], None),  # 1: low
        ("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 0], None),  # not a routine check
        ("auditc", [4, 4, 4], None),  # positive, but not a routine check on treatment
    ],
)
def test_a_positive_routine_check_asks_for_a_clinicians_review(
    code: str, answers: list[int], cause: Cause | None
) -> None:
    finding = check_monitoring(instruments.score(code, answers, **_context(code)))
    assert (finding.cause if finding else None) is cause
    if finding is not None:
        assert finding.severity is Severity.WARNING


def _context(code: str) -> dict[str, str]:
    return {"sex": "male"} if code == "auditc" else {}
