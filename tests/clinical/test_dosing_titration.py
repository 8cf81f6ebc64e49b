"""Titration suggestions: step up, hold or step down one step, for the prescriber to decide."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ketacare.clinical import outcomes, safety
from ketacare.clinical.dosing import (
    DEFAULT_RULES,
    DoseCaps,
    DosePlan,
    EsketamineDevice,
    InvalidDosingInput,
    NasalSpray,
    Route,
    SessionReport,
    Suggestion,
    Tablet,
    TabletKind,
    TitrationAction,
    plan_dose,
    suggest_titration,
)
from ketacare.clinical.safety import AdverseEventSeverity
from ketacare.clinical.vitals import BloodPressure

STEP_UP, HOLD, STEP_DOWN = TitrationAction.STEP_UP, TitrationAction.HOLD, TitrationAction.STEP_DOWN
SCORED_50 = Tablet(TabletKind.SUBLINGUAL_TABLET, strength_mg=50, scored=True)  # steps of 25 mg
LAST_SESSION_AT = datetime(2025, 6, 12, 18, 0, tzinfo=UTC)
THRESHOLD = safety.high_dissociation_threshold()  # CADSS-6 at or above: high dissociation
NO_RESPONSE = {"phq9_baseline": 20, "phq9_current": 15}  # -25%
RESPONSE = {"phq9_baseline": 20, "phq9_current": 10}  # exactly -50% (CLINICAL.md A11)


def oral_plan(dose_mg: float = 100, weight_kg: float = 70, **kwargs: Any) -> DosePlan:
    return plan_dose(Route.SUBLINGUAL, SCORED_50, weight_kg=weight_kg, dose_mg=dose_mg, **kwargs)


def sessions(dose_mg: float = 100, count: int = 2, **last: Any) -> list[SessionReport]:
    """`count` tolerated sessions 3-4 days apart at `dose_mg`; `last` changes the latest."""
    reports = [
        SessionReport(at=LAST_SESSION_AT - timedelta(days=3.5 * n), dose_mg=dose_mg)
        for n in range(count - 1, 0, -1)
    ]
    return [*reports, SessionReport(at=LAST_SESSION_AT, dose_mg=dose_mg, **last)]


def suggest(
    plan: DosePlan | None = None,
    reports: list[SessionReport] | None = None,
    phq9: dict[str, int | None] | None = None,
    **rules: Any,
) -> Suggestion:
    return suggest_titration(
        oral_plan() if plan is None else plan,
        sessions() if reports is None else reports,
        **(NO_RESPONSE if phq9 is None else phq9),
        rules=dataclasses.replace(DEFAULT_RULES, **rules),
    )


# --- Stepping up: tolerated, no response yet, below the cap -----------------------------------


def test_two_tolerated_sessions_without_a_response_suggest_one_step_up():
    suggestion = suggest()
    assert suggestion.action is STEP_UP
    assert (suggestion.current_dose_mg, suggestion.suggested_dose_mg) == (100.0, 125.0)
    assert suggestion.take == "2 1/2 tablets of 50 mg"
    assert suggestion.reasons == (
        "The last 2 sessions at 100 mg were tolerated.",
        (
            "PHQ-9 20 at baseline, 15 now (-25%): no response yet (a response is a fall of at "
            "least 50%, CLINICAL.md A11)."
        ),
        "One step up: 100 mg to 125 mg.",
        "A suggestion for the prescriber: the plan changes only if they change it.",
    )


def test_a_suggestion_is_always_for_the_prescriber_and_cites_clinical_md_c():
    for suggestion in (suggest(), suggest(phq9=RESPONSE), suggest(reports=sessions(vomited=True))):
        assert suggestion.for_prescriber is True
        assert suggestion.reasons
        assert suggestion.reasons[-1].startswith("A suggestion for the prescriber")
        assert "minimum effective dose" in suggestion.source
        assert "titrated from post-session reports" in suggestion.source


@pytest.mark.parametrize(
    ("formulation", "route", "dose_mg", "suggested_mg", "take"),
    [
        (
            Tablet(TabletKind.TROCHE, 100, scored=False),
            Route.SUBLINGUAL,
            200,
            300,
            "3 troches of 100 mg",
        ),
        (NasalSpray(100, 0.1), Route.INTRANASAL, 30, 40, "4 sprays"),
        (EsketamineDevice(), Route.INTRANASAL, 56, 84, "3 devices"),
    ],
)
def test_one_step_up_is_one_step_of_the_formulation(
    formulation, route, dose_mg, suggested_mg, take
):
    plan = plan_dose(route, formulation, weight_kg=70, dose_mg=dose_mg)
    suggestion = suggest(plan, sessions(dose_mg))
    assert (suggestion.action, suggestion.suggested_dose_mg, suggestion.take) == (
        STEP_UP,
        suggested_mg,
        take,
    )


# --- The cap: exactly reached vs one step over ------------------------------------------------


@pytest.mark.parametrize(
    ("dose_mg", "weight_kg", "action", "suggested_mg"),
    [
        (275, 70, STEP_UP, 300.0),  # one step reaches the 300 mg cap exactly
        (300, 70, HOLD, 300.0),  # one step would be 325 mg: at the cap
        (250, 40, STEP_UP, 275.0),  # 7 mg/kg at 40 kg is 280 mg
        (275, 40, HOLD, 275.0),  # 300 mg would be 7.5 mg/kg
    ],
)
def test_a_step_up_reaches_the_cap_exactly_but_never_goes_past_it(
    dose_mg, weight_kg, action, suggested_mg
):
    suggestion = suggest(oral_plan(dose_mg, weight_kg), sessions(dose_mg))
    assert (suggestion.action, suggestion.suggested_dose_mg) == (action, suggested_mg)
    if action is HOLD:
        assert suggestion.reasons[2].startswith("At the cap: one step up")


def test_esketamine_at_84_mg_holds_at_the_label_cap():
    plan = plan_dose(Route.INTRANASAL, EsketamineDevice(), weight_kg=70, dose_mg=84)
    suggestion = suggest(plan, sessions(84))
    assert (suggestion.action, suggestion.suggested_dose_mg) == (HOLD, 84.0)
    assert "above the session cap of 84 mg" in suggestion.reasons[2]


@pytest.mark.parametrize(
    ("dose_mg", "action", "suggested_mg"), [(40, STEP_UP, 50.0), (50, HOLD, 50.0)]
)
def test_a_racemic_spray_steps_up_to_its_50_mg_cap_and_holds_there(dose_mg, action, suggested_mg):
    # CLINICAL.md G5: racemic intranasal studies used 50 mg (Lapidus 2014).
    plan = plan_dose(Route.INTRANASAL, NasalSpray(100, 0.1), weight_kg=70, dose_mg=dose_mg)
    suggestion = suggest(plan, sessions(dose_mg))
    assert (suggestion.action, suggestion.suggested_dose_mg) == (action, suggested_mg)


# --- One revision's largest increase (CLINICAL.md G5, clinic's choice) ---------------------------


UNSCORED_100 = Tablet(TabletKind.TROCHE, 100, scored=False)  # steps of 100 mg
SCORED_100 = Tablet(TabletKind.TROCHE, 100, scored=True)  # steps of 50 mg
SPRAY_10 = NasalSpray(100, 0.1)  # steps of 10 mg


@pytest.mark.parametrize(
    ("formulation", "dose_mg", "rules", "action", "suggested_mg"),
    [
        (UNSCORED_100, 200, {}, STEP_UP, 300.0),  # +50%: exactly the limit
        (UNSCORED_100, 100, {}, HOLD, 100.0),  # +100% in one step
        (SCORED_100, 100, {}, STEP_UP, 150.0),  # +50%
        (SCORED_100, 100, {"max_increase_per_revision": 0.4}, HOLD, 100.0),
        (SCORED_100, 150, {"max_increase_per_revision": 0.4}, STEP_UP, 200.0),  # +33%
        (SPRAY_10, 10, {}, HOLD, 10.0),  # +100%
        (SPRAY_10, 20, {}, STEP_UP, 30.0),  # +50%
    ],
)
def test_a_step_up_never_raises_the_dose_by_more_than_one_revision_allows(
    formulation, dose_mg, rules, action, suggested_mg
):
    route = Route.INTRANASAL if formulation is SPRAY_10 else Route.SUBLINGUAL
    plan = plan_dose(route, formulation, weight_kg=70, dose_mg=dose_mg)
    suggestion = suggest(plan, sessions(dose_mg), **rules)
    assert (suggestion.action, suggestion.suggested_dose_mg) == (action, suggested_mg)


def test_a_step_too_large_for_one_revision_says_so_with_the_numbers():
    plan = plan_dose(Route.SUBLINGUAL, UNSCORED_100, weight_kg=70, dose_mg=100)
    suggestion = suggest(plan, sessions(100))
    assert suggestion.reasons[2] == (
        "One step up, 200 mg, is more than one revision allows. One revision raises the dose "
        "by at most 50%: from 100 mg, at most 150 mg (CLINICAL.md G5, clinic's choice); a "
        "product with smaller steps would allow a step up."
    )


# --- Response so far (CLINICAL.md A11, via outcomes.change) -------------------------------------


@pytest.mark.parametrize(
    ("current", "action"),
    [
        (10, HOLD),  # exactly 50%: a response
        (9, HOLD),
        (11, STEP_UP),  # 45%: no response yet
        (20, STEP_UP),
        (25, STEP_UP),  # worse: still no response
    ],
)
def test_a_response_holds_at_the_minimum_effective_dose(current, action):
    suggestion = suggest(phq9={"phq9_baseline": 20, "phq9_current": current})
    assert suggestion.action is action


def test_a_response_says_so_and_cites_the_minimum_effective_dose():
    suggestion = suggest(phq9=RESPONSE)
    assert suggestion.suggested_dose_mg == 100.0
    assert suggestion.reasons[0] == (
        "PHQ-9 20 at baseline, 10 now (-50%): a response (a fall of at least 50%, "
        "CLINICAL.md A11); stay at the minimum effective dose (CLINICAL.md C)."
    )


@pytest.mark.parametrize(
    ("phq9", "missing"),
    [
        ({"phq9_baseline": None, "phq9_current": 12}, "a baseline PHQ-9"),
        ({"phq9_baseline": 20, "phq9_current": None}, "a PHQ-9 since the first dose"),
        ({"phq9_baseline": None, "phq9_current": None}, "a baseline PHQ-9"),
    ],
)
def test_without_a_baseline_and_a_current_phq9_the_dose_holds(phq9, missing):
    suggestion = suggest(phq9=phq9)
    assert suggestion.action is HOLD
    assert suggestion.reasons[0] == f"No response can be judged without {missing}."


@pytest.mark.parametrize("baseline", [0, 2, 9])
def test_a_baseline_below_clinical_significance_judges_no_response_and_holds(baseline):
    # CLINICAL.md G9: response applies only from a PHQ-9 of 10 at baseline.
    suggestion = suggest(phq9={"phq9_baseline": baseline, "phq9_current": 1})
    assert suggestion.action is HOLD
    assert suggestion.reasons[0].startswith(f"PHQ-9 {baseline} at baseline is below a clinically")
    assert "G9" in suggestion.reasons[0]


def test_a_baseline_of_ten_is_judged():
    suggestion = suggest(phq9={"phq9_baseline": 10, "phq9_current": 9})
    assert suggestion.action is STEP_UP
    assert suggestion.reasons[1].startswith("PHQ-9 10 at baseline, 9 now (-10%): no response yet")


def test_outcome_rules_without_a_phq9_response_hold_the_dose():
    outcome_rules = dataclasses.replace(
        outcomes.DEFAULT_RULES, response_instruments=frozenset({"madrs"})
    )
    suggestion = suggest(outcome_rules=outcome_rules)
    assert suggestion.action is HOLD
    assert "define no PHQ-9 response" in suggestion.reasons[0]


def test_a_clinics_response_definition_is_used():
    outcome_rules = dataclasses.replace(outcomes.DEFAULT_RULES, response_reduction_percent=25.0)
    suggestion = suggest(outcome_rules=outcome_rules)  # 20 -> 15 is a 25% fall
    assert suggestion.action is HOLD
    assert "a fall of at least 25%" in suggestion.reasons[0]


@pytest.mark.parametrize(
    "bad", [{"phq9_baseline": 28, "phq9_current": 10}, {"phq9_baseline": 20, "phq9_current": -1}]
)
def test_a_phq9_total_outside_0_to_27_is_refused(bad):
    with pytest.raises(ValueError, match=r"phq9"):
        suggest(phq9=bad)


# --- Dissociation (CADSS-6, CLINICAL.md A7) ------------------------------------------------------


@pytest.mark.parametrize(
    ("cadss6_total", "action", "suggested_mg"),
    [
        (0, STEP_UP, 125.0),
        (THRESHOLD - 1, STEP_UP, 125.0),
        (THRESHOLD, STEP_DOWN, 75.0),
        (24, STEP_DOWN, 75.0),
    ],
)
def test_cadss6_at_or_above_the_high_dissociation_threshold_steps_down(
    cadss6_total, action, suggested_mg
):
    suggestion = suggest(reports=sessions(cadss6_total=cadss6_total))
    assert (suggestion.action, suggestion.suggested_dose_mg) == (action, suggested_mg)


def test_a_step_down_for_dissociation_names_the_score_the_session_and_the_threshold():
    suggestion = suggest(reports=sessions(cadss6_total=THRESHOLD))
    assert suggestion.reasons[:2] == (
        (
            f"CADSS-6 {THRESHOLD} after the session of 2025-06-12 (100 mg) is at or above the "
            f"high-dissociation threshold {THRESHOLD} (CLINICAL.md A7)."
        ),
        "One step down: 100 mg to 75 mg.",
    )


def test_the_clinics_dissociation_threshold_is_the_one_used():
    safety_rules = dataclasses.replace(safety.DEFAULT_RULES, high_dissociation_total=10)
    assert suggest(reports=sessions(cadss6_total=9), safety_rules=safety_rules).action is STEP_UP
    assert suggest(reports=sessions(cadss6_total=10), safety_rules=safety_rules).action is STEP_DOWN


def test_high_dissociation_in_the_earlier_of_the_two_sessions_also_steps_down():
    reports = sessions()
    reports[0] = dataclasses.replace(reports[0], cadss6_total=THRESHOLD)
    assert suggest(reports=reports).action is STEP_DOWN


# --- Side effects --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "serious", "action"),
    [
        (None, False, STEP_UP),
        (AdverseEventSeverity.MILD, False, STEP_UP),
        (AdverseEventSeverity.MODERATE, False, HOLD),
        (AdverseEventSeverity.SEVERE, False, STEP_DOWN),
        (AdverseEventSeverity.LIFE_THREATENING, False, STEP_DOWN),
        (AdverseEventSeverity.MILD, True, STEP_DOWN),  # serious at any grade
        (AdverseEventSeverity.MODERATE, True, STEP_DOWN),
        (None, True, STEP_DOWN),
    ],
)
def test_a_severe_or_serious_adverse_event_steps_down_and_a_moderate_one_holds(
    grade, serious, action
):
    reports = sessions(adverse_event=grade, serious_adverse_event=serious)
    assert suggest(reports=reports).action is action


@pytest.mark.parametrize(
    ("report", "reason"),
    [
        ({"adverse_event": AdverseEventSeverity.SEVERE}, "An adverse event (severe)"),
        (
            {"adverse_event": AdverseEventSeverity.LIFE_THREATENING},
            "An adverse event (life-threatening)",
        ),
        (
            {"adverse_event": AdverseEventSeverity.MILD, "serious_adverse_event": True},
            "A serious adverse event (mild)",
        ),
        ({"serious_adverse_event": True}, "A serious adverse event (grade not given)"),
    ],
)
def test_an_adverse_event_reason_names_its_grade_and_the_session(report, reason):
    reasons = suggest(reports=sessions(**report)).reasons
    assert reasons[0] == f"{reason} after the session of 2025-06-12 (100 mg)."


def test_the_clinic_may_step_down_for_a_moderate_adverse_event():
    reports = sessions(adverse_event=AdverseEventSeverity.MODERATE)
    assert suggest(reports=reports, on_moderate_adverse_event=STEP_DOWN).action is STEP_DOWN


def test_vomiting_holds_the_dose_by_default_and_steps_down_if_the_clinic_says_so():
    reports = sessions(vomited=True)
    held = suggest(reports=reports)
    assert (held.action, held.suggested_dose_mg) == (HOLD, 100.0)
    assert "Vomiting after the session of 2025-06-12 (100 mg)" in held.reasons[0]
    assert suggest(reports=reports, on_vomiting=STEP_DOWN).action is STEP_DOWN


def test_vomiting_holds_even_when_the_patient_has_not_responded():
    assert suggest(reports=sessions(vomited=True), phq9=NO_RESPONSE).action is HOLD


# --- Blood pressure (CLINICAL.md D, via safety.check_post_dose_blood_pressure) --------------------


@pytest.mark.parametrize(
    ("before", "after", "action"),
    [
        (BloodPressure(110, 70), BloodPressure(149, 75), STEP_UP),  # systolic +39
        (BloodPressure(110, 70), BloodPressure(150, 75), STEP_DOWN),  # systolic +40
        (BloodPressure(110, 70), BloodPressure(120, 94), STEP_UP),  # diastolic +24
        (BloodPressure(110, 70), BloodPressure(120, 95), STEP_DOWN),  # diastolic +25
        (BloodPressure(135, 85), BloodPressure(160, 95), STEP_DOWN),  # +25 but the hard stop
        (BloodPressure(130, 85), BloodPressure(125, 80), STEP_UP),  # a fall
    ],
)
def test_a_blood_pressure_rise_of_40_systolic_or_25_diastolic_steps_down(before, after, action):
    assert suggest(reports=sessions(bp_before=before, bp_after=after)).action is action


def test_the_clinic_may_hold_rather_than_step_down_for_a_blood_pressure_rise():
    reports = sessions(bp_before=BloodPressure(110, 70), bp_after=BloodPressure(150, 75))
    suggestion = suggest(reports=reports, on_blood_pressure_rise=HOLD)
    assert suggestion.action is HOLD
    assert suggestion.reasons[0].startswith("Blood pressure after the dose 150/75 mmHg")
    assert suggestion.reasons[0].endswith("after the session of 2025-06-12 (100 mg).")


def test_every_problem_of_the_last_sessions_is_a_reason():
    reports = sessions(
        cadss6_total=THRESHOLD,
        vomited=True,
        adverse_event=AdverseEventSeverity.MODERATE,
        bp_before=BloodPressure(110, 70),
        bp_after=BloodPressure(150, 75),
    )
    suggestion = suggest(reports=reports)
    assert suggestion.action is STEP_DOWN
    assert len(suggestion.reasons) == 4 + 2  # four problems, the step, the prescriber


# --- Stepping down: one step, never below zero ------------------------------------------------


def test_one_step_down_from_half_a_tablet_is_no_dose_for_the_prescriber_to_decide():
    suggestion = suggest(oral_plan(25), sessions(25, cadss6_total=THRESHOLD))
    assert (suggestion.action, suggestion.suggested_dose_mg) == (STEP_DOWN, 0.0)
    assert suggestion.take == "no dose"
    assert "is no dose: the prescriber decides whether to pause or stop" in suggestion.reasons[1]


def test_esketamine_steps_down_from_84_to_56_mg_and_from_56_mg_to_no_dose():
    device = EsketamineDevice()
    plan = plan_dose(Route.INTRANASAL, device, weight_kg=70, dose_mg=84)
    assert suggest(plan, sessions(84, cadss6_total=24)).suggested_dose_mg == 56.0
    plan = plan_dose(Route.INTRANASAL, device, weight_kg=70, dose_mg=56)
    suggestion = suggest(plan, sessions(56, cadss6_total=24))
    assert (suggestion.action, suggestion.suggested_dose_mg) == (STEP_DOWN, 0.0)
    assert "below the lowest session dose of 56 mg" in suggestion.reasons[1]


# --- Which sessions are read --------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1])
def test_fewer_than_two_sessions_at_the_dose_hold_it(count):
    suggestion = suggest(reports=sessions(count=count) if count else [])
    assert suggestion.action is HOLD
    assert suggestion.reasons[1] == (
        f"{count} of the last sessions at 100 mg; 2 tolerated sessions at the dose come "
        "before a step up (ketacare default)."
    )


def test_the_clinic_may_step_up_after_one_session():
    assert suggest(reports=sessions(count=1), sessions_before_step_up=1).action is STEP_UP


def test_a_session_at_a_lower_dose_does_not_count_towards_a_step_up():
    reports = [*sessions(75, count=1), *sessions(100, count=1)]
    reports[0] = dataclasses.replace(reports[0], at=LAST_SESSION_AT - timedelta(days=4))
    assert suggest(reports=reports).action is HOLD


def test_a_problem_at_a_higher_dose_already_stepped_down_from_is_not_read_again():
    # 125 mg caused high dissociation; the prescriber stepped down to 100 mg.
    earlier = SessionReport(LAST_SESSION_AT - timedelta(days=4), 125, cadss6_total=24)
    later = SessionReport(LAST_SESSION_AT, 100)
    suggestion = suggest(reports=[earlier, later])
    assert suggestion.action is HOLD  # only one session at 100 mg so far
    assert not any("CADSS-6" in reason for reason in suggestion.reasons)


def test_a_problem_at_a_lower_dose_still_counts_at_the_higher_one():
    earlier = SessionReport(LAST_SESSION_AT - timedelta(days=4), 75, cadss6_total=24)
    later = SessionReport(LAST_SESSION_AT, 100)
    assert suggest(reports=[earlier, later]).action is STEP_DOWN


def test_only_the_last_two_sessions_are_read_in_time_order_whatever_order_they_come_in():
    old_problem = SessionReport(LAST_SESSION_AT - timedelta(days=10), 100, cadss6_total=24)
    reports = [*sessions(), old_problem]  # the oldest given last
    assert suggest(reports=reports).action is STEP_UP


# --- Bad input -----------------------------------------------------------------------------------


def test_titration_refuses_a_plan_that_is_not_a_plan():
    with pytest.raises(InvalidDosingInput, match=r"plan must be a DosePlan"):
        suggest_titration(None, [], phq9_baseline=20, phq9_current=15)  # type: ignore[arg-type]


def test_titration_refuses_sessions_that_are_not_reports():
    with pytest.raises(InvalidDosingInput, match=r"recent_sessions must hold SessionReport"):
        suggest(reports=[LAST_SESSION_AT])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"at": datetime(2025, 6, 12, 18, 0)}, "at must be an aware datetime"),  # noqa: DTZ001 - naive on purpose
        ({"dose_mg": 0}, "dose_mg"),
        ({"dose_mg": "100"}, "dose_mg"),
        ({"cadss6_total": 25}, "cadss6_total must be a whole number 0-24"),
        ({"cadss6_total": -1}, "cadss6_total"),
        ({"cadss6_total": 3.0}, "cadss6_total"),
        ({"cadss6_total": True}, "cadss6_total"),
        ({"adverse_event": "severe"}, "adverse_event must be one of mild, moderate"),
        ({"serious_adverse_event": 1}, "serious_adverse_event must be True or False"),
        ({"vomited": None}, "vomited must be True or False"),
        ({"bp_before": BloodPressure(120, 80)}, "bp_before and bp_after go together"),
        ({"bp_after": BloodPressure(120, 80)}, "bp_before and bp_after go together"),
        ({"bp_before": (120, 80), "bp_after": BloodPressure(120, 80)}, "must be BloodPressure"),
    ],
)
def test_a_session_report_refuses_bad_input_naming_the_field(kwargs, message):
    values: dict[str, Any] = {"at": LAST_SESSION_AT, "dose_mg": 100} | kwargs
    with pytest.raises(InvalidDosingInput, match=message):
        SessionReport(**values)


def test_a_plan_with_caps_of_its_own_is_titrated_against_them():
    caps = DoseCaps(max_mg_per_session=100, max_sessions_per_7_days=2)
    plan = oral_plan(100, caps=caps)
    suggestion = suggest(plan)
    assert (suggestion.action, suggestion.suggested_dose_mg) == (HOLD, 100.0)
    assert "above the session cap of 100 mg at 70 kg (clinic setting)" in suggestion.reasons[2]
