"""Outcome rules: change from baseline, response, remission, MCID, trajectories, cohorts.

Each rule of CLINICAL.md A11 (and the PCL-5 MCID of A4) has a table here; the
Wilson interval is checked against an independent formulation (the roots of
Wilson's quadratic) and against published values.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical import instruments, outcomes
from ketacare.clinical.outcomes import (
    DEFAULT_RULES,
    Observation,
    OutcomeRules,
    Trajectory,
    change,
    find_baseline,
    proportion,
    remitted,
    summarise_cohort,
    trajectory,
    wilson_interval,
)

FIRST_DOSE_AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
Z = 1.959963984540054

# CLINICAL.md A11: the highest total still in remission on each instrument.
LAST_REMITTING_TOTAL = {"phq9": 4, "madrs": 10, "qids_sr16": 5, "gad7": 4}
RESPONSE_INSTRUMENTS = ("phq9", "madrs", "qids_sr16", "gad7")  # A11, and GAD-7 as in F
SCORED_OUTCOMES = ("phq9", "madrs", "qids_sr16", "gad7", "pcl5")


def day(n: float) -> datetime:
    """The time `n` days after the first dose (negative: before it)."""
    return FIRST_DOSE_AT + timedelta(days=n)


def scores(*pairs: tuple[float, int]) -> list[Observation]:
    return [Observation(at=day(d), total=total) for d, total in pairs]


def wilson_by_quadratic(count: int, n: int) -> tuple[float, float]:
    """Wilson's bounds as the roots of (p_hat - p)^2 = z^2 p (1 - p) / n, solved for p."""
    p_hat = count / n
    a = 1 + Z * Z / n
    b = -(2 * p_hat + Z * Z / n)
    c = p_hat * p_hat
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


def max_total(code: str) -> int:
    return instruments.get(code).max_total


# --- The fixed interface --------------------------------------------------------------


def test_a_phq9_fall_from_20_to_8_is_a_60_percent_response_not_yet_remission() -> None:
    c = outcomes.change("phq9", baseline=20, current=8)
    assert (c.delta, c.percent) == (-12, -60.0)
    assert c.response is True
    assert c.remission is False
    assert c.clinically_meaningful is True
    assert c.worsening is False
    assert (c.instrument, c.baseline, c.current) == ("phq9", 20, 8)


def test_percent_is_rounded_to_a_tenth_for_reports() -> None:
    assert change("phq9", baseline=3, current=2).percent == -33.3


def test_a_baseline_of_zero_has_no_percent_and_no_response() -> None:
    c = change("phq9", baseline=0, current=0)
    assert c.percent is None
    assert c.response is None
    assert c.remission is None
    assert c.baseline_significant is False


# --- CLINICAL.md G9: a clinically significant baseline -------------------------------------


@pytest.mark.parametrize(
    ("code", "baseline", "significant"),
    [
        ("phq9", 9, False),  # Hull 2022: PHQ-9 >= 10
        ("phq9", 10, True),
        ("gad7", 9, False),  # Hull 2022: GAD-7 >= 10
        ("gad7", 10, True),
        ("madrs", 10, False),  # no published threshold: not already in remission (<= 10)
        ("madrs", 11, True),
        ("qids_sr16", 5, False),  # remission <= 5
        ("qids_sr16", 6, True),
    ],
)
def test_response_and_remission_need_a_clinically_significant_baseline(
    code: str, baseline: int, significant: bool
) -> None:
    c = change(code, baseline=baseline, current=0)
    assert c.baseline_significant is significant
    assert (c.response, c.remission) == ((True, True) if significant else (None, None))


def test_the_issues_phq9_of_2_to_1_is_neither_response_nor_remission() -> None:
    c = change("phq9", baseline=2, current=1)
    assert (c.response, c.remission, c.baseline_significant) == (None, None, False)


def test_a_clinic_sets_its_own_significant_baseline() -> None:
    rules = OutcomeRules(significant_baseline=MappingProxyType({"phq9": 5}))
    assert change("phq9", baseline=5, current=2, rules=rules).response is True


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_a_significant_baseline_must_be_a_positive_whole_number(bad: object) -> None:
    with pytest.raises(ValueError, match="significant_baseline"):
        OutcomeRules(significant_baseline=MappingProxyType({"phq9": bad}))


@pytest.mark.parametrize("bad", [0, -3, 1.5, "30"])
def test_stale_baseline_days_must_be_a_positive_whole_number(bad: object) -> None:
    with pytest.raises(ValueError, match="stale_baseline_days"):
        OutcomeRules(stale_baseline_days=bad)  # type: ignore[arg-type]


def test_remission_needs_no_more_than_a_significant_baseline_without_a_definition() -> None:
    rules = OutcomeRules(remission=MappingProxyType({}), significant_baseline=MappingProxyType({}))
    assert rules.significant("phq9", 1) is True
    assert rules.significant("phq9", 0) is False


# --- CLINICAL.md A11: response -----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "baseline", "current", "responds"),
    [
        ("phq9", 20, 10, True),  # exactly 50%
        ("phq9", 20, 11, False),  # 45%
        ("phq9", 15, 7, True),  # 53.3%
        ("phq9", 15, 8, False),  # 46.7%: the rounded percent must not decide
        ("phq9", 27, 0, True),
        ("phq9", 10, 12, False),  # worse
        ("madrs", 30, 15, True),
        ("madrs", 30, 16, False),
        ("madrs", 59, 29, True),  # 50.8%
        ("madrs", 59, 30, False),  # 49.2%
        ("qids_sr16", 16, 8, True),
        ("qids_sr16", 16, 9, False),
        ("qids_sr16", 6, 3, True),
        ("qids_sr16", 6, 4, False),
    ],
)
def test_response_is_a_fall_of_at_least_half_the_baseline(
    code: str, baseline: int, current: int, responds: bool
) -> None:
    assert change(code, baseline=baseline, current=current).response is responds


@pytest.mark.parametrize("code", ["pcl5", "cadss6"])
def test_response_is_undefined_where_no_percentage_rule_applies(code: str) -> None:
    assert change(code, baseline=15, current=0).response is None


def test_gad7_response_counts_as_in_hull_2022() -> None:
    assert change("gad7", baseline=16, current=8).response is True
    assert change("gad7", baseline=16, current=9).response is False


def test_a_clinic_can_stop_counting_gad7_response() -> None:
    rules = dataclasses.replace(
        DEFAULT_RULES, response_instruments=DEFAULT_RULES.response_instruments - {"gad7"}
    )
    assert change("gad7", baseline=16, current=8, rules=rules).response is None


def test_a_clinic_can_ask_for_a_larger_fall_to_call_it_a_response() -> None:
    rules = dataclasses.replace(DEFAULT_RULES, response_reduction_percent=60)
    assert change("phq9", baseline=20, current=8, rules=rules).response is True
    assert change("phq9", baseline=20, current=9, rules=rules).response is False


# --- CLINICAL.md A11: remission -----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "total", "in_remission"),
    [
        ("phq9", 0, True),
        ("phq9", 4, True),  # PHQ-9 < 5
        ("phq9", 5, False),
        ("madrs", 10, True),  # MADRS <= 10
        ("madrs", 11, False),
        ("qids_sr16", 5, True),  # QIDS-SR16 <= 5
        ("qids_sr16", 6, False),
        ("gad7", 4, True),  # GAD-7 < 5
        ("gad7", 5, False),
    ],
)
def test_remission_follows_each_instruments_threshold(
    code: str, total: int, in_remission: bool
) -> None:
    assert remitted(code, total) is in_remission
    assert change(code, baseline=max_total(code), current=total).remission is in_remission


@pytest.mark.parametrize("code", ["pcl5", "cadss6", "phq2"])
def test_remission_is_undefined_where_a11_has_no_threshold(code: str) -> None:
    assert remitted(code, 0) is None
    assert change(code, baseline=3, current=0).remission is None


def test_a_clinic_can_use_the_madrs_12_remission_threshold_some_trials_use() -> None:
    rules = dataclasses.replace(
        DEFAULT_RULES,
        remission=MappingProxyType({**DEFAULT_RULES.remission, "madrs": ("at_most", 12)}),
    )
    assert remitted("madrs", 12, rules) is True
    assert remitted("madrs", 13, rules) is False


# --- CLINICAL.md A11 and A4: meaningful change and worsening ------------------------------


@pytest.mark.parametrize(
    ("code", "baseline", "current", "meaningful", "worsening"),
    [
        ("phq9", 15, 10, True, False),  # PHQ-9 MCID 5 points (Lowe 2004)
        ("phq9", 15, 11, False, False),
        ("phq9", 10, 15, False, True),  # an increase of the MCID is worsening
        ("phq9", 10, 14, False, False),
        ("phq9", 10, 10, False, False),
        ("pcl5", 50, 40, True, False),  # PCL-5 10 points (A4)
        ("pcl5", 50, 41, False, False),
        ("pcl5", 30, 40, False, True),
        ("pcl5", 30, 39, False, False),
        ("madrs", 30, 10, None, None),  # no MCID in the reference: unknown (G9)
        ("madrs", 10, 40, None, None),
        ("qids_sr16", 5, 20, None, None),
        ("gad7", 8, 16, False, True),  # G9: GAD-7 MCID about 4 (Toussaint 2020)
        ("gad7", 8, 11, False, False),
        ("gad7", 12, 8, True, False),
        ("gad7", 12, 9, False, False),
    ],
)
def test_meaningful_change_and_worsening_use_the_mcid(
    code: str, baseline: int, current: int, meaningful: bool | None, worsening: bool | None
) -> None:
    c = change(code, baseline=baseline, current=current)
    assert c.clinically_meaningful is meaningful
    assert c.worsening is worsening


# --- Input checks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "current", "field"),
    [
        (28, 10, "baseline"),
        (-1, 10, "baseline"),
        (True, 10, "baseline"),
        (20.0, 10, "baseline"),
        (20, 28, "current"),
        (20, float("nan"), "current"),
    ],
)
def test_a_total_outside_the_instrument_is_refused(baseline: int, current: int, field: str) -> None:
    with pytest.raises(ValueError, match=rf"phq9: {field} must be a whole number 0-27"):
        change("phq9", baseline=baseline, current=current)


def test_an_unknown_instrument_is_refused_with_the_known_codes() -> None:
    with pytest.raises(ValueError, match=r"instrument must be one of .*phq9.*not 'phq-9'"):
        change("phq-9", baseline=10, current=5)


@pytest.mark.parametrize("total", [-1, 28, True, 4.0])
def test_remission_of_an_impossible_total_is_refused(total: int) -> None:
    with pytest.raises(ValueError, match="phq9: total must be a whole number 0-27"):
        remitted("phq9", total)


@pytest.mark.parametrize("percent", [0, -50, 100.5, float("nan"), True, "50"])
def test_a_response_threshold_outside_0_to_100_percent_is_refused(percent: Any) -> None:
    with pytest.raises(ValueError, match="response_reduction_percent must be a number"):
        dataclasses.replace(DEFAULT_RULES, response_reduction_percent=percent)


def test_a_response_threshold_of_100_percent_is_allowed() -> None:
    rules = dataclasses.replace(DEFAULT_RULES, response_reduction_percent=100)
    assert change("phq9", baseline=20, current=0, rules=rules).response is True
    assert change("phq9", baseline=20, current=1, rules=rules).response is False


@pytest.mark.parametrize(
    "definition",
    [("under", 5), ("below", 5.0), ("below", True), ("below", -1), "below", ("below",)],
)
def test_a_misspelt_remission_definition_is_refused(definition: Any) -> None:
    with pytest.raises(ValueError, match=r"remission\['phq9'\] must be \('below' or 'at_most'"):
        dataclasses.replace(DEFAULT_RULES, remission=MappingProxyType({"phq9": definition}))


@pytest.mark.parametrize("points", [0, -5, 5.0, True])
def test_an_mcid_must_be_a_whole_number_of_points(points: Any) -> None:
    with pytest.raises(ValueError, match=r"mcid\['phq9'\] must be a whole number of points"):
        dataclasses.replace(DEFAULT_RULES, mcid=MappingProxyType({"phq9": points}))


# --- Observations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at",
    [datetime(2025, 3, 3, 9, 0), date(2025, 3, 3), "2025-03-03T09:00Z"],  # noqa: DTZ001
)
def test_an_observation_needs_an_aware_time(at: Any) -> None:
    with pytest.raises(ValueError, match="at must be an aware datetime"):
        Observation(at=at, total=10)


@pytest.mark.parametrize("total", [-1, True, 10.0, "10", None])
def test_an_observation_total_is_a_whole_number(total: Any) -> None:
    with pytest.raises(ValueError, match="total must be a whole number of at least 0"):
        Observation(at=FIRST_DOSE_AT, total=total)


# --- CLINICAL.md A11: the baseline is the last score before the first dose -----------------


def test_the_baseline_is_the_last_score_before_the_first_dose() -> None:
    observations = scores((7, 9), (-1, 18), (-30, 22), (-2, 20))
    assert find_baseline(observations, first_dose_at=FIRST_DOSE_AT) == Observation(day(-1), 18)


def test_a_score_at_the_instant_of_the_first_dose_is_not_the_baseline() -> None:
    observations = scores((-3, 20), (0, 19))
    assert find_baseline(observations, first_dose_at=FIRST_DOSE_AT) == Observation(day(-3), 20)


def test_there_is_no_baseline_without_a_score_before_the_first_dose() -> None:
    assert find_baseline(scores((0, 19), (7, 9)), first_dose_at=FIRST_DOSE_AT) is None
    assert find_baseline([], first_dose_at=FIRST_DOSE_AT) is None
    assert find_baseline([], first_dose_at=None) is None


def test_before_any_dose_the_latest_score_is_the_baseline_for_now() -> None:
    observations = scores((-10, 22), (-3, 20))
    assert find_baseline(observations, first_dose_at=None) == Observation(day(-3), 20)


def test_the_same_instant_in_another_zone_is_still_the_dose_instant() -> None:
    dose_in_new_york = FIRST_DOSE_AT.astimezone(ZoneInfo("America/New_York"))
    observations = scores((-3, 20), (0, 19))
    assert find_baseline(observations, first_dose_at=dose_in_new_york) == Observation(day(-3), 20)


def test_in_the_repeated_autumn_hour_real_time_decides_what_came_first() -> None:
    # New York repeats 01:00-02:00 on 2 November 2025. 01:45 the first time (EDT,
    # 05:45 UTC) comes before 01:30 the second time (EST, 06:30 UTC), though its wall
    # clock reads later; and 01:30 twice is two instants, not a duplicate.
    new_york = ZoneInfo("America/New_York")
    first_dose_at = datetime(2025, 11, 2, 1, 30, fold=1, tzinfo=new_york)
    first_0130 = Observation(datetime(2025, 11, 2, 1, 30, tzinfo=new_york), 22)
    first_0145 = Observation(datetime(2025, 11, 2, 1, 45, tzinfo=new_york), 20)
    assert find_baseline([first_0145, first_0130], first_dose_at=first_dose_at) == first_0145


def test_a_naive_first_dose_time_is_refused() -> None:
    with pytest.raises(ValueError, match="first_dose_at must be an aware datetime"):
        find_baseline(scores((-3, 20)), first_dose_at=datetime(2025, 3, 3, 9, 0))  # noqa: DTZ001


def test_two_scores_at_the_same_instant_are_refused() -> None:
    with pytest.raises(ValueError, match="observations: two scores at the same time"):
        find_baseline(scores((-3, 20), (-3, 21)), first_dose_at=FIRST_DOSE_AT)


# --- Trajectories ---------------------------------------------------------------------------


def test_a_typical_course_responds_then_remits_and_stays_well() -> None:
    t = trajectory(
        "phq9",
        scores((-3, 20), (7, 14), (14, 9), (21, 4), (28, 6)),
        first_dose_at=FIRST_DOSE_AT,
    )
    assert t.baseline == Observation(day(-3), 20)
    assert [o.total for o in t.follow_ups] == [14, 9, 4, 6]
    assert t.first_response_at == day(14)
    assert t.time_to_response == timedelta(days=14)
    assert t.sustained_response is True
    assert t.first_remission_at == day(21)
    assert t.latest == change("phq9", baseline=20, current=6)
    assert t.ever_worsened is False


def test_a_response_lost_at_a_later_score_is_not_sustained() -> None:
    t = trajectory("phq9", scores((-1, 20), (7, 10), (14, 11), (21, 8)), first_dose_at=day(0))
    assert t.first_response_at == day(7)
    assert t.sustained_response is False


def test_a_patient_who_never_responds_has_no_response_date() -> None:
    t = trajectory("madrs", scores((-1, 30), (7, 25), (14, 20)), first_dose_at=day(0))
    assert t.first_response_at is None
    assert t.time_to_response is None
    assert t.sustained_response is False
    assert t.first_remission_at is None


def test_a_late_response_held_to_the_end_is_sustained() -> None:
    t = trajectory("qids_sr16", scores((-1, 16), (7, 12), (14, 8), (21, 5)), first_dose_at=day(0))
    assert t.first_response_at == day(14)
    assert t.sustained_response is True
    assert t.first_remission_at == day(21)


def test_worsening_at_any_score_is_remembered_after_recovery() -> None:
    t = trajectory("phq9", scores((-1, 12), (7, 17), (14, 5)), first_dose_at=day(0))
    assert t.ever_worsened is True
    assert t.latest is not None
    assert t.latest.worsening is False


def test_scores_before_the_baseline_play_no_part() -> None:
    t = trajectory("phq9", scores((-60, 8), (-1, 20), (7, 12)), first_dose_at=day(0))
    assert t.baseline == Observation(day(-1), 20)
    assert t.ever_worsened is False
    assert t.follow_ups == (Observation(day(7), 12),)


def test_a_score_at_the_dose_instant_is_the_first_score_on_treatment() -> None:
    t = trajectory("phq9", scores((-1, 20), (0, 10)), first_dose_at=day(0))
    assert t.follow_ups == (Observation(day(0), 10),)
    assert t.time_to_response == timedelta(0)


def test_time_to_response_is_elapsed_time_across_a_clock_change() -> None:
    # New York moves its clocks forward on 9 March 2025: 09:00 to 09:00 two days later
    # is 47 hours, not 48.
    new_york = ZoneInfo("America/New_York")
    first_dose_at = datetime(2025, 3, 8, 9, 0, tzinfo=new_york)
    observations = [
        Observation(datetime(2025, 3, 7, 9, 0, tzinfo=new_york), 20),
        Observation(datetime(2025, 3, 10, 9, 0, tzinfo=new_york), 10),
    ]
    t = trajectory("phq9", observations, first_dose_at=first_dose_at)
    assert t.time_to_response == timedelta(hours=47)


def test_before_the_first_dose_there_is_nothing_to_judge() -> None:
    t = trajectory("phq9", scores((-10, 22), (-3, 20)), first_dose_at=None)
    assert t.baseline == Observation(day(-3), 20)
    assert t.follow_ups == ()
    assert t.latest is None
    assert t.sustained_response is None
    assert t.ever_worsened is False


def test_without_a_baseline_scores_on_treatment_are_kept_but_not_judged() -> None:
    t = trajectory("phq9", scores((0, 10), (7, 4)), first_dose_at=day(0))
    assert t.baseline is None
    assert len(t.follow_ups) == 2
    assert t.changes == ()
    assert t.first_response_at is None
    assert t.first_remission_at is None
    assert t.sustained_response is None


def test_an_instrument_without_a_response_definition_has_no_sustained_response() -> None:
    t = trajectory("pcl5", scores((-1, 40), (7, 4)), first_dose_at=day(0))
    assert t.first_response_at is None
    assert t.sustained_response is None
    assert t.first_remission_at is None


def test_a_trajectory_refuses_a_total_beyond_the_instrument() -> None:
    with pytest.raises(
        ValueError, match=r"phq9: total \(at 2025-03-10.*\) must be .* 0-27, not 30"
    ):
        trajectory("phq9", scores((-1, 20), (7, 30)), first_dose_at=day(0))


def test_a_trajectory_refuses_a_naive_first_dose_time() -> None:
    with pytest.raises(ValueError, match="first_dose_at must be an aware datetime"):
        trajectory("phq9", scores((-1, 20)), first_dose_at=datetime(2025, 3, 3))  # noqa: DTZ001


def test_a_trajectory_refuses_an_unknown_instrument() -> None:
    with pytest.raises(ValueError, match="instrument must be one of"):
        trajectory("hamd", scores((-1, 20)), first_dose_at=day(0))


# --- Wilson score intervals (Wilson 1927) ------------------------------------------------


@pytest.mark.parametrize(
    ("count", "n"), [(783, 1247), (407, 1247), (1, 10), (0, 10), (10, 10), (0, 1), (1, 1)]
)
def test_the_wilson_interval_matches_the_roots_of_wilsons_quadratic(count: int, n: int) -> None:
    interval = wilson_interval(count, n)
    assert interval is not None
    expected_low, expected_high = wilson_by_quadratic(count, n)
    assert interval[0] == pytest.approx(expected_low, abs=1e-9)
    assert interval[1] == pytest.approx(expected_high, abs=1e-9)


def test_hull_2022_phq9_response_of_62_8_percent_of_1247_is_about_60_to_65_percent() -> None:
    # CLINICAL.md F: 62.8% of 1,247 is 783 patients.
    assert wilson_interval(783, 1247) == pytest.approx((0.600725, 0.654304), abs=1e-6)


def test_one_in_ten_matches_the_textbook_wilson_interval() -> None:
    assert wilson_interval(1, 10) == pytest.approx((0.0179, 0.4042), abs=1e-4)


def test_none_of_n_starts_at_exactly_zero_and_all_of_n_ends_at_exactly_one() -> None:
    none_of_ten = wilson_interval(0, 10)
    all_of_ten = wilson_interval(10, 10)
    assert none_of_ten is not None
    assert all_of_ten is not None
    assert none_of_ten[0] == 0.0
    assert none_of_ten[1] == pytest.approx(0.277533, abs=1e-6)
    assert all_of_ten[0] == pytest.approx(0.722467, abs=1e-6)
    assert all_of_ten[1] == 1.0


def test_an_empty_cohort_has_no_interval() -> None:
    assert wilson_interval(0, 0) is None
    assert proportion(0, 0) == outcomes.Proportion(count=0, n=0, rate=None, low=None, high=None)


def test_a_proportion_carries_its_rate_and_interval() -> None:
    p = proportion(783, 1247)
    assert (p.count, p.n) == (783, 1247)
    assert p.rate == pytest.approx(0.628, abs=5e-4)
    assert (p.low, p.high) == wilson_interval(783, 1247)


@pytest.mark.parametrize(
    ("count", "n", "message"),
    [
        (11, 10, "count must be a whole number 0-10"),
        (-1, 10, "count must be a whole number 0-10"),
        (True, 10, "count must be a whole number 0-10"),
        (1.0, 10, "count must be a whole number 0-10"),
        (0, -1, "n must be a whole number of at least 0"),
        (1, 10.0, "n must be a whole number of at least 0"),
        (0, False, "n must be a whole number of at least 0"),
    ],
)
def test_an_impossible_count_is_refused(count: int, n: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        wilson_interval(count, n)


# --- Cohort summaries ----------------------------------------------------------------------


def _course(*pairs: tuple[float, int], code: str = "phq9") -> Trajectory:
    return trajectory(code, scores(*pairs), first_dose_at=day(0))


def test_a_cohort_counts_each_patient_once_by_their_latest_score() -> None:
    cohort = [
        _course((-1, 20), (7, 8), (28, 4)),  # responder and remitter
        _course((-1, 20), (7, 8), (28, 12)),  # responded, then lost it: not a responder now
        _course((-1, 10), (28, 16)),  # worsened
        _course((-1, 16), (7, 18), (28, 15)),  # worsened on the way, not at the end
        _course((-1, 20)),  # no score on treatment yet
        trajectory("phq9", scores((-1, 20)), first_dose_at=None),  # not dosed yet
    ]
    s = summarise_cohort("phq9", cohort)
    assert (s.instrument, s.n, s.not_evaluable) == ("phq9", 4, 2)
    assert (s.responders, s.remitters, s.worsened) == (1, 1, 1)
    assert s.response == proportion(1, 4)
    assert s.remission == proportion(1, 4)
    assert s.worsening == proportion(1, 4)


def test_an_empty_cohort_reports_no_rates_rather_than_failing() -> None:
    s = summarise_cohort("phq9", [])
    assert (s.n, s.not_evaluable, s.responders, s.remitters, s.worsened) == (0, 0, 0, 0, 0)
    assert s.response is not None
    assert (s.response.rate, s.response.low, s.response.high) == (None, None, None)


def test_a_cohort_reports_only_the_rates_its_instrument_defines() -> None:
    madrs = summarise_cohort("madrs", [_course((-1, 30), (7, 10), code="madrs")])
    assert madrs.response == proportion(1, 1)
    assert madrs.remission == proportion(1, 1)
    assert (madrs.worsening, madrs.worsened) == (None, None)
    pcl5 = summarise_cohort("pcl5", [_course((-1, 50), (7, 61), code="pcl5")])
    assert (pcl5.response, pcl5.responders, pcl5.remission, pcl5.remitters) == (
        None,
        None,
        None,
        None,
    )
    assert pcl5.worsening == proportion(1, 1)


def test_a_cohort_mixing_instruments_is_refused() -> None:
    with pytest.raises(ValueError, match="trajectories must all be on instrument 'phq9'"):
        summarise_cohort("phq9", [_course((-1, 20), (7, 8)), _course((-1, 16), code="gad7")])


def test_a_cohort_on_an_unknown_instrument_is_refused() -> None:
    with pytest.raises(ValueError, match="instrument must be one of"):
        summarise_cohort("hamd", [])


# --- Properties -------------------------------------------------------------------------------


@st.composite
def baseline_and_current(draw: st.DrawFn) -> tuple[str, int, int]:
    code = draw(st.sampled_from(SCORED_OUTCOMES))
    top = max_total(code)
    return code, draw(st.integers(0, top)), draw(st.integers(0, top))


@given(baseline_and_current())
def test_delta_and_percent_agree_with_baseline_and_current(case: tuple[str, int, int]) -> None:
    code, baseline, current = case
    c = change(code, baseline=baseline, current=current)
    assert c.delta == current - baseline
    if baseline == 0:
        assert c.percent is None
    else:
        assert c.percent is not None
        # Rounded to a tenth: off by at most half a tenth (plus float noise at x.x5).
        assert abs(c.percent - 100 * (current - baseline) / baseline) <= 0.05 + 1e-9
        assert (c.percent < 0, c.percent > 0) == (c.delta < 0, c.delta > 0)


@given(baseline_and_current())
def test_response_is_exactly_a_current_of_at_most_half_the_baseline(
    case: tuple[str, int, int],
) -> None:
    code, baseline, current = case
    response = change(code, baseline=baseline, current=current).response
    if code in RESPONSE_INSTRUMENTS and DEFAULT_RULES.significant(code, baseline):
        assert response is (baseline > 0 and 2 * current <= baseline)
    elif code in RESPONSE_INSTRUMENTS:
        assert response is None  # G9: not applicable below a significant baseline
    else:
        assert response is None


@given(st.sampled_from(RESPONSE_INSTRUMENTS), st.data())
def test_a_lower_current_score_never_loses_a_response(code: str, data: st.DataObject) -> None:
    top = max_total(code)
    baseline = data.draw(st.integers(0, top))
    higher = data.draw(st.integers(0, top))
    lower = data.draw(st.integers(0, higher))
    if change(code, baseline=baseline, current=higher).response:
        assert change(code, baseline=baseline, current=lower).response is True


@given(st.integers(0, 100_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_a_wilson_interval_lies_in_0_to_1_and_holds_the_observed_rate(
    count_and_n: tuple[int, int],
) -> None:
    count, n = count_and_n
    interval = wilson_interval(count, n)
    if n == 0:
        assert interval is None
        return
    assert interval is not None
    low, high = interval
    assert 0.0 <= low <= count / n <= high <= 1.0


@pytest.mark.parametrize(("code", "last_remitting"), sorted(LAST_REMITTING_TOTAL.items()))
@given(data=st.data())
def test_remission_is_every_total_up_to_the_boundary_and_none_above(
    code: str, last_remitting: int, data: st.DataObject
) -> None:
    total = data.draw(st.integers(0, max_total(code)))
    assert remitted(code, total) is (total <= last_remitting)


@pytest.mark.parametrize(("code", "last_remitting"), sorted(LAST_REMITTING_TOTAL.items()))
def test_remission_flips_exactly_at_the_a11_boundary(code: str, last_remitting: int) -> None:
    assert remitted(code, last_remitting) is True
    assert remitted(code, last_remitting + 1) is False


@given(
    st.lists(st.integers(-60, 60), unique=True, max_size=8),
    st.lists(st.integers(0, 27), min_size=8, max_size=8),
)
def test_the_baseline_is_before_the_dose_with_no_other_score_between(
    days: list[int], totals: list[int]
) -> None:
    observations = [Observation(day(d), t) for d, t in zip(days, totals, strict=False)]
    chosen = find_baseline(observations, first_dose_at=FIRST_DOSE_AT)
    before = [o for o in observations if o.at < FIRST_DOSE_AT]
    if not before:
        assert chosen is None
        return
    assert chosen is not None
    assert chosen.at < FIRST_DOSE_AT
    assert all(o.at <= chosen.at for o in before)


@given(st.integers(1, 27), st.lists(st.integers(0, 27), min_size=1, max_size=8))
def test_a_sustained_response_holds_at_every_score_from_the_first_response_on(
    baseline: int, totals: list[int]
) -> None:
    observations = [Observation(day(-1), baseline)] + [
        Observation(day(7 * (i + 1)), t) for i, t in enumerate(totals)
    ]
    t = trajectory("phq9", observations, first_dose_at=day(0))
    responding = [baseline >= 10 and 2 * total <= baseline for total in totals]  # G9
    assert (t.first_response_at is not None) is any(responding)
    if t.sustained_response:
        first = responding.index(True)
        assert all(responding[first:])
        assert t.first_response_at == day(7 * (first + 1))


# --- CLINICAL.md G9: stale baseline, relapse, unknown worsening -----------------------------


@pytest.mark.parametrize(
    ("age", "stale"),
    [
        (timedelta(days=30), False),  # 30 days before the first dose: still current
        (timedelta(days=30, seconds=1), True),
        (timedelta(days=1), False),
    ],
)
def test_a_baseline_older_than_30_days_is_stale(age: timedelta, stale: bool) -> None:
    observations = [Observation(FIRST_DOSE_AT - age, 20), Observation(FIRST_DOSE_AT, 8)]
    t = trajectory("phq9", observations, first_dose_at=FIRST_DOSE_AT)
    assert t.baseline is not None
    assert t.baseline_stale is stale


def test_staleness_is_unknown_without_a_baseline_or_a_dose() -> None:
    assert trajectory("phq9", [], first_dose_at=FIRST_DOSE_AT).baseline_stale is None
    only = [Observation(FIRST_DOSE_AT, 20)]
    assert trajectory("phq9", only, first_dose_at=None).baseline_stale is None


def test_a_response_lost_later_is_a_relapse() -> None:
    totals = [20, 12, 9, 8, 14, 9]  # baseline 20; response at 9 (week 2), lost at 14
    observations = [Observation(day(7 * i - 1), t) for i, t in enumerate(totals)]
    t = trajectory("phq9", observations, first_dose_at=day(0))
    assert t.first_response_at == day(13)
    assert t.relapsed_at == day(27)
    assert t.sustained_response is False


def test_worsening_is_unknown_where_the_instrument_has_no_mcid() -> None:
    observations = [Observation(day(-1), 20), Observation(day(7), 40)]
    t = trajectory("madrs", observations, first_dose_at=day(0))
    assert t.latest is not None
    assert t.latest.worsening is None
    assert t.ever_worsened is None


@given(st.sampled_from(RESPONSE_INSTRUMENTS), st.data())
def test_response_and_remission_apply_exactly_from_a_significant_baseline(
    code: str, data: st.DataObject
) -> None:
    top = max_total(code)
    baseline = data.draw(st.integers(0, top))
    current = data.draw(st.integers(0, top))
    c = change(code, baseline=baseline, current=current)
    least = DEFAULT_RULES.significant_baseline.get(code)
    expected = baseline >= least if least is not None else baseline > LAST_REMITTING_TOTAL[code]
    assert c.baseline_significant is expected
    assert (c.response is None) is not expected
    assert (c.remission is None) is not expected


@given(st.integers(0, 27), st.lists(st.integers(0, 27), min_size=1, max_size=8))
def test_a_relapse_is_the_first_score_after_a_response_that_is_not_one(
    baseline: int, totals: list[int]
) -> None:
    observations = [Observation(day(-1), baseline)] + [
        Observation(day(7 * (i + 1)), t) for i, t in enumerate(totals)
    ]
    t = trajectory("phq9", observations, first_dose_at=day(0))
    responding = [baseline >= 10 and 2 * total <= baseline for total in totals]
    if True not in responding:
        assert t.relapsed_at is None
        return
    first = responding.index(True)
    lost = [i for i in range(first, len(totals)) if not responding[i]]
    assert t.relapsed_at == (day(7 * (lost[0] + 1)) if lost else None)
    assert (t.relapsed_at is None) is bool(t.sustained_response)


@given(st.sampled_from(("phq9", "gad7", "pcl5")), st.data())
def test_worsening_is_a_rise_of_at_least_the_mcid(code: str, data: st.DataObject) -> None:
    top = max_total(code)
    baseline = data.draw(st.integers(0, top))
    current = data.draw(st.integers(0, top))
    assert change(code, baseline=baseline, current=current).worsening is (
        current - baseline >= DEFAULT_RULES.mcid[code]
    )
