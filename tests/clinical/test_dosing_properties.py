"""Dosing properties that hold for every formulation, dose, patient, zone and start date."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from ketacare.clinical import instruments
from ketacare.clinical.dosing import (
    DEFAULT_RULES,
    CapBreach,
    CourseStart,
    DoseAboveLimit,
    DoseCaps,
    DosePlan,
    EsketamineDevice,
    Formulation,
    NasalSpray,
    PastDose,
    Route,
    SessionReport,
    Tablet,
    TabletKind,
    TitrationAction,
    at_home_schedule,
    check_dose,
    esketamine_label_schedule,
    first_session_limit,
    from_per_kg,
    per_kg,
    plan_dose,
    revision_limit,
    suggest_titration,
)
from ketacare.clinical.rules import rules_for
from ketacare.clinical.safety import AdverseEventSeverity
from ketacare.clinical.vitals import BloodPressure

# Zones with both kinds of change, a half-hour change (Lord Howe), the southern
# hemisphere, and none at all.
ZONES = (
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
)


def exact(value: float) -> Fraction:
    return Fraction(repr(float(value)))


# Strengths and volumes as a pharmacy writes them: a few decimals.
strengths = st.integers(min_value=1, max_value=4000).map(lambda n: n / 8)  # 0.125-500 mg
tablets = st.builds(
    Tablet, kind=st.sampled_from(TabletKind), strength_mg=strengths, scored=st.booleans()
)
sprays = st.builds(
    NasalSpray,
    concentration_mg_per_ml=st.integers(min_value=1, max_value=200),
    spray_volume_ml=st.integers(min_value=1, max_value=20).map(lambda n: n / 100),
)
formulations = st.one_of(tablets, sprays, st.just(EsketamineDevice()))
doses_mg = st.floats(min_value=0, max_value=2000, allow_nan=False)
weights_kg = st.floats(min_value=30, max_value=250, allow_nan=False)


# --- Rounding -----------------------------------------------------------------------------


@given(formulations, doses_mg)
def test_deliverable_is_idempotent(formulation: Formulation, dose_mg: float):
    once = formulation.deliverable(dose_mg)
    assert formulation.deliverable(once) == once


@given(formulations, doses_mg)
def test_deliverable_never_exceeds_the_request_by_more_than_half_a_step(
    formulation: Formulation, dose_mg: float
):
    rounded = exact(formulation.deliverable(dose_mg))
    half_step = exact(formulation.step_mg) / 2
    # Halfway rounds down, so even exactly half a step above is never reached.
    assert rounded < exact(dose_mg) + half_step
    assert rounded >= exact(dose_mg) - half_step


@given(formulations, doses_mg, st.floats(min_value=0, max_value=2000, allow_nan=False))
def test_deliverable_never_goes_past_a_cap_and_is_a_whole_number_of_steps(
    formulation: Formulation, dose_mg: float, cap_mg: float
):
    rounded = formulation.deliverable(dose_mg, cap_mg=cap_mg)
    assert exact(rounded) <= exact(cap_mg)
    assert rounded <= formulation.deliverable(dose_mg)
    assert isinstance(formulation.steps(rounded), int)  # the patient can be told what to take
    assert formulation.take(rounded)


# --- mg and mg/kg ----------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=200_000).map(lambda n: n / 100), weights_kg)
def test_mg_per_kg_reads_back_to_the_same_mg(dose_mg: float, weight_kg: float):
    assert from_per_kg(per_kg(dose_mg, weight_kg), weight_kg) == pytest.approx(
        dose_mg, rel=1e-12, abs=1e-12
    )


# --- Caps -------------------------------------------------------------------------------------


@given(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)),  # noqa: DTZ001 - bounds; the drawn times are made aware
    st.lists(st.integers(min_value=0, max_value=14 * 24 * 60), max_size=6),
    st.sampled_from(ZONES),
)
# 02:30 EDT on Sunday 17 March 2024: 7 days earlier on the clock, 02:30, was skipped; a
# dose at 03:15 EDT that night (45 min less than 7 days ago) is in the 7 days.
@example(datetime(2024, 3, 17, 6, 30), [7 * 24 * 60 - 45, 24 * 60], "America/New_York")  # noqa: DTZ001 - made aware in the test
def test_the_session_count_breaks_exactly_when_two_doses_fall_in_the_7_days_on_the_clock(
    wall: datetime, minutes_ago: list[int], zone: str
):
    at = wall.replace(tzinfo=UTC)
    previous = [PastDose(at - timedelta(minutes=m), 1) for m in minutes_ago]
    # The same wall-clock time 7 calendar days earlier, at the earliest instant it names:
    # the first occurrence if repeated; if the clocks skipped it, read with the offset
    # after the change (fold=1: 02:30 on the spring-forward night is 01:30 before it), so
    # that a dose at 03:15 that night, after 02:30 on the clock, stays in the 7 days.
    local = at.astimezone(ZoneInfo(zone))
    week_before = min(
        datetime.combine(
            local.date() - timedelta(days=7), local.time().replace(fold=fold), ZoneInfo(zone)
        ).astimezone(UTC)
        for fold in (0, 1)
    )
    in_window = [p for p in previous if p.at > week_before]
    caps = DoseCaps(max_sessions_per_7_days=2)
    violations = check_dose(caps, dose_mg=1, weight_kg=70, previous=previous, at=at, zone=zone)
    too_many = CapBreach.TOO_MANY_SESSIONS in [v.breach for v in violations]
    assert too_many is (len(in_window) >= 2)


# --- Schedules --------------------------------------------------------------------------------

starts = st.builds(
    CourseStart,
    first_day=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
    time_of_day=st.times(),
    zone=st.sampled_from(ZONES),
)


def exists(day: date, wall: time, zone: str) -> bool:
    """Whether `wall` happens on `day` in `zone` (it does not in a spring-forward gap)."""
    at = datetime.combine(day, wall, tzinfo=ZoneInfo(zone))
    return at.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) == at.replace(
        tzinfo=None
    )


# The reported falsifying case: 02:30 does not exist on Sunday 10 March 2024 in New York.
SPRING_GAP_SUNDAY = CourseStart(date(2024, 3, 10), time(2, 30), "America/New_York")
# The same night as a course's second weekday (a Thursday start), and Lord Howe's
# half-hour gap (02:00 -> 02:30 on Sunday 6 October 2024).
SPRING_GAP_THURSDAY = CourseStart(date(2024, 3, 7), time(2, 30), "America/New_York")
LORD_HOWE_GAP = CourseStart(date(2024, 10, 6), time(2, 15), "Australia/Lord_Howe")


@given(starts, st.integers(min_value=0, max_value=30))
@example(SPRING_GAP_SUNDAY, 0)
@example(SPRING_GAP_THURSDAY, 4)
@example(LORD_HOWE_GAP, 2)
def test_an_at_home_schedule_is_strictly_increasing_in_utc_and_keeps_its_time_of_day(
    start: CourseStart, maintenance_weeks: int
):
    doses = at_home_schedule(start, maintenance_weeks=maintenance_weeks)
    assert len(doses) == 8 + maintenance_weeks
    instants = [d.at.astimezone(UTC) for d in doses]
    assert all(a < b for a, b in itertools.pairwise(instants))
    skipped = False  # whether the clocks skipped an earlier session's time
    for dose in doses:
        assert dose.at.tzinfo == ZoneInfo(start.zone)
        wanted = datetime.combine(dose.at.date(), start.time_of_day.replace(fold=0))
        wall = dose.at.replace(tzinfo=None)
        if not exists(dose.at.date(), start.time_of_day, start.zone):
            # moved forward, by the gap (at most 1 h in these zones), to a time that exists
            assert wanted < wall <= wanted + timedelta(hours=1)
            skipped = True
        elif wall != wanted:
            # The DST edge: keeping the time of day and the caps is impossible here. A
            # session moved forward by a gap comes closer to the next ones (02:30 three
            # days after 03:30 is 71 h, under CLINICAL.md G1's 72 h), so the caps, safety
            # limits, win: a later session is moved forward too, as far as the gap at most,
            # never back, only after a skipped time, and says why in its note.
            assert skipped
            assert wanted < wall <= wanted + timedelta(hours=1)
            assert "a change of the clocks moved an earlier session" in dose.note


@given(starts, st.integers(min_value=0, max_value=30))
@example(SPRING_GAP_SUNDAY, 0)
@example(SPRING_GAP_THURSDAY, 4)
@example(LORD_HOWE_GAP, 2)
def test_an_at_home_schedule_never_breaks_its_own_caps(start: CourseStart, maintenance_weeks: int):
    doses = at_home_schedule(start, maintenance_weeks=maintenance_weeks)
    caps = DEFAULT_RULES.sublingual_oral_caps
    for number, dose in enumerate(doses):
        earlier = [PastDose(d.at, 100) for d in doses[:number]]
        assert not check_dose(
            caps, dose_mg=100, weight_kg=70, previous=earlier, at=dose.at, zone=start.zone
        )
    # The same, counted independently on the wall clock (aware datetimes in one zone
    # subtract as wall-clock times): CLINICAL.md G1's 72 h between doses, and of any three
    # sessions the first has left the 7 days of the third (at most twice weekly, C).
    assert caps.min_interval == timedelta(hours=72)
    assert all(b.at - a.at >= caps.min_interval for a, b in itertools.pairwise(doses))
    assert all(c.at - a.at >= timedelta(days=7) for a, c in zip(doses, doses[2:], strict=False))


@given(
    starts,
    st.sampled_from([56, 84]),
    st.sampled_from([1, 2]),
    st.integers(min_value=0, max_value=30),
)
@example(SPRING_GAP_SUNDAY, 84, 1, 0)
@example(SPRING_GAP_THURSDAY, 84, 1, 0)
@example(LORD_HOWE_GAP, 56, 2, 4)
def test_an_esketamine_schedule_is_strictly_increasing_in_utc_and_within_its_label_caps(
    start: CourseStart, dose_mg: int, every_weeks: int, maintenance_weeks: int
):
    doses = esketamine_label_schedule(
        start,
        dose_mg=dose_mg,
        maintenance_every_weeks=every_weeks,  # type: ignore[arg-type]
        maintenance_weeks=maintenance_weeks,
    )
    instants = [d.at.astimezone(UTC) for d in doses]
    assert all(a < b for a, b in itertools.pairwise(instants))
    assert doses[0].dose_mg == 56
    caps = DEFAULT_RULES.esketamine_caps
    for number, dose in enumerate(doses):
        earlier = [PastDose(d.at, d.dose_mg) for d in doses[:number] if d.dose_mg]
        assert dose.dose_mg is not None
        assert not check_dose(
            caps, dose_mg=dose.dose_mg, weight_kg=70, previous=earlier, at=dose.at, zone=start.zone
        )


# --- Titration --------------------------------------------------------------------------------

cadss6_totals = st.none() | st.integers(min_value=0, max_value=instruments.get("cadss6").max_total)
readings = st.none() | st.tuples(
    st.builds(BloodPressure, st.integers(100, 150), st.integers(60, 95)),
    st.builds(BloodPressure, st.integers(100, 200), st.integers(60, 99)),
)
phq9_totals = st.none() | st.integers(min_value=0, max_value=27)


@st.composite
def plans(draw: st.DrawFn) -> DosePlan:
    """A plan at a dose the formulation can give, within the caps, for any patient."""
    formulation = draw(formulations)
    weight_kg = draw(weights_kg)
    if isinstance(formulation, EsketamineDevice):
        caps = DEFAULT_RULES.esketamine_caps
        dose_mg = float(draw(st.sampled_from([56, 84])))
    else:
        caps = DoseCaps(
            max_mg_per_session=draw(st.integers(50, 400)),
            max_mg_per_kg_per_session=draw(st.none() | st.integers(1, 7)),
        )
        ceiling = caps.session_ceiling_mg(weight_kg)
        assert ceiling is not None
        most_steps = int(ceiling / exact(formulation.step_mg))
        assume(most_steps >= 1)  # at least one step fits under the cap for this patient
        steps = draw(st.integers(min_value=1, max_value=most_steps))
        dose_mg = float(steps * exact(formulation.step_mg))
    route = Route.SUBLINGUAL if isinstance(formulation, Tablet) else Route.INTRANASAL
    return plan_dose(route, formulation, weight_kg=weight_kg, dose_mg=dose_mg, caps=caps)


@st.composite
def reports_at(draw: st.DrawFn, plan: DosePlan) -> list[SessionReport]:
    """Up to four post-session reports, at the plan's dose or a step either side."""
    step = plan.formulation.step_mg
    reports = []
    for n in range(draw(st.integers(0, 4))):
        bp = draw(readings)
        reports.append(
            SessionReport(
                at=datetime(2025, 6, 1, 18, 0, tzinfo=UTC) + timedelta(days=3 * n),
                dose_mg=draw(st.sampled_from([plan.dose_mg, plan.dose_mg + step, step])),
                cadss6_total=draw(cadss6_totals),
                adverse_event=draw(st.none() | st.sampled_from(AdverseEventSeverity)),
                serious_adverse_event=draw(st.booleans()),
                vomited=draw(st.booleans()),
                bp_before=None if bp is None else bp[0],
                bp_after=None if bp is None else bp[1],
            )
        )
    return reports


@given(st.data(), plans(), phq9_totals, phq9_totals)
def test_a_suggestion_never_exceeds_the_cap_and_moves_at_most_one_step(
    data: st.DataObject, plan: DosePlan, baseline: int | None, current: int | None
):
    reports = data.draw(reports_at(plan))
    suggestion = suggest_titration(plan, reports, phq9_baseline=baseline, phq9_current=current)
    ceiling = plan.caps.session_ceiling_mg(plan.weight_kg)
    suggested = exact(suggestion.suggested_dose_mg)
    step = exact(plan.formulation.step_mg)
    assert 0 <= suggested <= ceiling
    # One step, or down to no dose below the esketamine label's lowest session dose.
    assert abs(suggested - exact(plan.dose_mg)) <= step or suggested == 0
    assert {
        TitrationAction.STEP_UP: suggested > exact(plan.dose_mg),
        TitrationAction.HOLD: suggested == exact(plan.dose_mg),
        TitrationAction.STEP_DOWN: suggested < exact(plan.dose_mg),
    }[suggestion.action]
    assert suggestion.for_prescriber is True
    assert len(suggestion.reasons) >= 2
    assert suggestion.take == plan.formulation.take(suggestion.suggested_dose_mg)


@given(st.data(), plans(), phq9_totals, phq9_totals, st.integers(10, 100))
def test_a_step_up_never_raises_the_dose_more_than_one_revision_allows(
    data: st.DataObject, plan: DosePlan, baseline: int | None, current: int | None, percent: int
):
    rules = rules_for({"max_increase_percent": percent}).dosing
    reports = data.draw(reports_at(plan))
    suggestion = suggest_titration(
        plan, reports, phq9_baseline=baseline, phq9_current=current, rules=rules
    )
    raised = exact(plan.dose_mg) * (1 + Fraction(percent, 100))
    assert exact(suggestion.suggested_dose_mg) <= raised


# --- How far a plan's dose may go (CLINICAL.md G5) --------------------------------------------

racemic = st.one_of(tablets, sprays)
shares = st.integers(25, 100)  # the range a clinic may choose (clinical.rules)
limit_caps = st.builds(
    DoseCaps,
    max_mg_per_session=st.integers(10, 450),
    max_mg_per_kg_per_session=st.none() | st.integers(1, 7),
)


# Weights as the record holds them: one decimal place (30.0-250.0 kg).
recorded_weights_kg = st.integers(300, 2500).map(lambda n: n / 10)


@given(limit_caps, recorded_weights_kg, shares)
def test_the_first_session_limit_is_its_share_of_the_ceiling_never_above_the_cap(
    caps: DoseCaps, weight_kg: float, percent: int
):
    rules = rules_for({"first_session_percent_of_cap": percent}).dosing
    limit = first_session_limit(caps, weight_kg, rules)
    ceiling = caps.session_ceiling_mg(weight_kg)
    assert limit is not None
    assert ceiling is not None
    assert exact(limit.most_mg) <= exact(ceiling)
    assert exact(limit.most_mg) == exact(ceiling) * Fraction(percent, 100)


@given(st.integers(1, 2000).map(lambda n: n / 4), limit_caps, weights_kg, st.integers(10, 100))
def test_the_revision_limit_is_never_above_the_cap_nor_the_share_nor_below_the_dose_under_it(
    current_mg: float, caps: DoseCaps, weight_kg: float, percent: int
):
    rules = rules_for({"max_increase_percent": percent}).dosing
    most = exact(revision_limit(current_mg, caps, weight_kg, rules).most_mg)
    ceiling = exact(caps.session_ceiling_mg(weight_kg) or 0)
    assert most <= ceiling
    assert most <= exact(current_mg) * (1 + Fraction(percent, 100))
    assert most >= min(exact(current_mg), ceiling)


@given(racemic, weights_kg, st.integers(1, 600).map(lambda n: n / 2), st.integers(1, 300), shares)
def test_an_accepted_revision_never_raises_more_than_the_share_nor_a_first_dose_its_share(
    formulation: Formulation,
    weight_kg: float,
    current_mg: float,
    written_mg: int,
    percent: int,
):
    rules = rules_for(
        {"first_session_percent_of_cap": percent, "max_increase_percent": percent}
    ).dosing
    caps = DoseCaps(max_mg_per_session=300, max_mg_per_kg_per_session=7)
    first = first_session_limit(caps, weight_kg, rules)
    assert first is not None
    route = Route.SUBLINGUAL if isinstance(formulation, Tablet) else Route.INTRANASAL
    for limit in (first, revision_limit(current_mg, caps, weight_kg, rules)):
        try:
            plan = plan_dose(
                route,
                formulation,
                weight_kg=weight_kg,
                dose_mg=written_mg,
                caps=caps,
                limits=[limit],
            )
        except DoseAboveLimit:
            assert exact(written_mg) > exact(limit.most_mg)
        except ValueError:  # above the cap, or too small for the product: not this test's
            continue
        else:
            assert exact(plan.dose_mg) <= exact(limit.most_mg)
