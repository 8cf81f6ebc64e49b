"""Dosing: what each formulation can give, mg and mg/kg, and writing a dose plan."""

from __future__ import annotations

import math

import pytest

from ketacare.clinical.dosing import (
    AT_HOME_ROUTES,
    DEFAULT_RULES,
    WEIGHT_RANGE_KG,
    DoseCaps,
    DosePlan,
    Drug,
    EsketamineDevice,
    InvalidDosingInput,
    NasalSpray,
    Route,
    Tablet,
    TabletKind,
    default_caps,
    from_per_kg,
    per_kg,
    plan_dose,
)

SCORED_50 = Tablet(TabletKind.SUBLINGUAL_TABLET, strength_mg=50, scored=True)
UNSCORED_50 = Tablet(TabletKind.SUBLINGUAL_TABLET, strength_mg=50, scored=False)
TROCHES_100 = Tablet(TabletKind.TROCHE, strength_mg=100, scored=True)
SPRAY_10 = NasalSpray(concentration_mg_per_ml=100, spray_volume_ml=0.1)  # 10 mg per spray
DEVICE = EsketamineDevice()


# --- One formulation step -------------------------------------------------------------


@pytest.mark.parametrize(
    ("formulation", "step_mg"),
    [
        (SCORED_50, 25.0),  # half a tablet
        (UNSCORED_50, 50.0),  # whole tablets only
        (Tablet(TabletKind.RAPID_DISSOLVE, strength_mg=12.5, scored=True), 6.25),
        (SPRAY_10, 10.0),  # 100 mg/mL x 0.1 mL
        (NasalSpray(concentration_mg_per_ml=50, spray_volume_ml=0.1), 5.0),
        (DEVICE, 28.0),  # CLINICAL.md B, C
    ],
)
def test_one_step_is_half_a_scored_tablet_a_whole_tablet_one_spray_or_one_device(
    formulation, step_mg
):
    assert formulation.step_mg == step_mg


def test_mg_per_spray_is_exact_where_floating_point_is_not():
    # 100 * 0.07 is 7.000000000000001 in floating point; the pharmacy label says 7 mg.
    spray = NasalSpray(concentration_mg_per_ml=100, spray_volume_ml=0.07)
    assert 100 * 0.07 != 7
    assert spray.step_mg == 7.0
    assert spray.deliverable(21) == 21.0
    assert spray.take(21) == "3 sprays"


# --- Rounding to what the formulation can give --------------------------------------------


@pytest.mark.parametrize(
    ("formulation", "requested_mg", "deliverable_mg"),
    [
        # Scored 50 mg tablets: steps of 25 mg; a dose exactly halfway rounds down.
        (SCORED_50, 75, 75.0),
        (SCORED_50, 87.5, 75.0),
        (SCORED_50, 87.6, 100.0),
        (SCORED_50, 12.5, 0.0),
        (SCORED_50, 12.6, 25.0),
        (SCORED_50, 0, 0.0),
        # Unscored 50 mg tablets: whole tablets only.
        (UNSCORED_50, 75, 50.0),
        (UNSCORED_50, 76, 100.0),
        (UNSCORED_50, 24.9, 0.0),
        # Sprays of 10 mg.
        (SPRAY_10, 15, 10.0),
        (SPRAY_10, 15.1, 20.0),
        (SPRAY_10, 34.9, 30.0),
        # Esketamine devices of 28 mg: 70 mg is halfway between 56 and 84.
        (DEVICE, 42, 28.0),
        (DEVICE, 43, 56.0),
        (DEVICE, 70, 56.0),
        (DEVICE, 70.5, 84.0),
    ],
)
def test_a_dose_rounds_to_the_nearest_the_formulation_can_give_and_halfway_rounds_down(
    formulation, requested_mg, deliverable_mg
):
    assert formulation.deliverable(requested_mg) == deliverable_mg


@pytest.mark.parametrize(
    ("formulation", "requested_mg", "cap_mg", "deliverable_mg"),
    [
        (SCORED_50, 290, 290, 275.0),  # the nearest, 300 mg, is above the cap
        (SCORED_50, 300, 300, 300.0),  # exactly at the cap
        (SCORED_50, 287, 299.9, 275.0),
        (SCORED_50, 100, 24.9, 0.0),  # not even one step fits under the cap
        (DEVICE, 84, 83.9, 56.0),
        (SPRAY_10, 49, 45, 40.0),
        (SCORED_50, 60, 1000, 50.0),  # a cap far above changes nothing
    ],
)
def test_rounding_never_goes_up_past_a_cap(formulation, requested_mg, cap_mg, deliverable_mg):
    assert formulation.deliverable(requested_mg, cap_mg=cap_mg) == deliverable_mg


@pytest.mark.parametrize(
    ("formulation", "dose_mg", "take"),
    [
        (SCORED_50, 25, "1/2 tablet of 50 mg"),
        (SCORED_50, 50, "1 tablet of 50 mg"),
        (SCORED_50, 75, "1 1/2 tablets of 50 mg"),
        (SCORED_50, 100, "2 tablets of 50 mg"),
        (UNSCORED_50, 150, "3 tablets of 50 mg"),
        (TROCHES_100, 150, "1 1/2 troches of 100 mg"),
        (TROCHES_100, 50, "1/2 troche of 100 mg"),
        (
            Tablet(TabletKind.RAPID_DISSOLVE, 12.5, scored=False),
            12.5,
            "1 rapid-dissolve tablet of 12.5 mg",
        ),
        (
            Tablet(TabletKind.RAPID_DISSOLVE, 12.5, scored=True),
            18.75,
            "1 1/2 rapid-dissolve tablets of 12.5 mg",
        ),
        (SPRAY_10, 10, "1 spray"),
        (SPRAY_10, 30, "3 sprays"),
        (DEVICE, 28, "1 device"),
        (DEVICE, 56, "2 devices"),
        (DEVICE, 84, "3 devices"),
        (SCORED_50, 0, "no dose"),
    ],
)
def test_the_patient_is_told_what_to_take(formulation, dose_mg, take):
    assert formulation.take(dose_mg) == take


@pytest.mark.parametrize(
    ("formulation", "dose_mg"),
    [(UNSCORED_50, 25), (SCORED_50, 30), (SPRAY_10, 15), (DEVICE, 42), (DEVICE, 56.5)],
)
def test_a_dose_the_formulation_cannot_give_is_refused_with_the_nearest_it_can(
    formulation, dose_mg
):
    with pytest.raises(
        InvalidDosingInput, match=r"cannot be given with .* the nearest it can give"
    ):
        formulation.take(dose_mg)


@pytest.mark.parametrize(
    ("formulation", "name"),
    [
        (SCORED_50, "50 mg scored tablets"),
        (UNSCORED_50, "50 mg tablets"),
        (TROCHES_100, "100 mg scored troches"),
        (SPRAY_10, "ketamine nasal spray 100 mg/mL, 0.1 mL per spray (10 mg per spray)"),
        (DEVICE, "esketamine nasal devices (28 mg each)"),
    ],
)
def test_each_formulation_has_a_name_a_prescriber_reads(formulation, name):
    assert formulation.name == name


def test_tablets_and_sprays_are_racemic_ketamine_and_devices_are_esketamine():
    assert SCORED_50.drug is Drug.RACEMIC
    assert SPRAY_10.drug is Drug.RACEMIC
    assert DEVICE.drug is Drug.ESKETAMINE


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Tablet("troche", 50, scored=True), "kind"),
        (lambda: Tablet(TabletKind.TROCHE, 0, scored=True), "strength_mg"),
        (lambda: Tablet(TabletKind.TROCHE, -50, scored=True), "strength_mg"),
        (lambda: Tablet(TabletKind.TROCHE, strength_mg=True, scored=True), "strength_mg"),
        (lambda: Tablet(TabletKind.TROCHE, math.nan, scored=True), "strength_mg"),
        (lambda: Tablet(TabletKind.TROCHE, math.inf, scored=True), "strength_mg"),
        (lambda: Tablet(TabletKind.TROCHE, "50", scored=True), "strength_mg"),
        (lambda: Tablet(TabletKind.TROCHE, 50, scored=1), "scored"),
        (lambda: NasalSpray(0, 0.1), "concentration_mg_per_ml"),
        (lambda: NasalSpray(100, 0), "spray_volume_ml"),
        (lambda: NasalSpray(100, math.nan), "spray_volume_ml"),
        (lambda: SCORED_50.deliverable(-1), "dose_mg"),
        (lambda: SCORED_50.deliverable(dose_mg=True), "dose_mg"),
        (lambda: SCORED_50.deliverable(math.nan), "dose_mg"),
        (lambda: SCORED_50.deliverable(50, cap_mg=-1), "cap_mg"),
        (lambda: SCORED_50.deliverable(50, cap_mg=math.inf), "cap_mg"),
        (lambda: SCORED_50.take(-25), "dose_mg"),
    ],
)
def test_a_formulation_refuses_bad_input_naming_the_field(make, field):
    with pytest.raises(InvalidDosingInput, match=field):
        make()


# --- mg and mg/kg ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dose_mg", "weight_kg", "mg_per_kg"),
    [(140, 70, 2.0), (35, 70, 0.5), (300, 42.5, 300 / 42.5), (0, 80, 0.0), (7.5, 30, 0.25)],
)
def test_a_dose_reads_in_mg_and_in_mg_per_kg(dose_mg, weight_kg, mg_per_kg):
    assert per_kg(dose_mg, weight_kg) == pytest.approx(mg_per_kg, rel=1e-12)


@pytest.mark.parametrize(
    ("mg_per_kg", "weight_kg", "dose_mg"),
    [(0.5, 70, 35.0), (7, 40, 280.0), (0.1, 70, 7.0), (1.5, 250, 375.0), (2.5, 30, 75.0)],
)
def test_a_dose_in_mg_per_kg_reads_back_in_mg_exactly(mg_per_kg, weight_kg, dose_mg):
    assert from_per_kg(mg_per_kg, weight_kg) == dose_mg


@pytest.mark.parametrize("weight_kg", [WEIGHT_RANGE_KG[0], WEIGHT_RANGE_KG[1], 30.0, 249.9])
def test_weights_from_30_to_250_kg_are_accepted(weight_kg):
    assert per_kg(60, weight_kg) > 0


@pytest.mark.parametrize("weight_kg", [29.9, 250.1, 0, -70, True, math.nan, math.inf, "70", None])
def test_a_weight_outside_30_to_250_kg_or_not_a_number_is_refused(weight_kg):
    with pytest.raises(InvalidDosingInput, match=r"weight_kg must be a number 30-250 kg"):
        per_kg(60, weight_kg)
    with pytest.raises(InvalidDosingInput, match=r"weight_kg"):
        from_per_kg(1, weight_kg)


@pytest.mark.parametrize("bad", [-1, True, math.nan, "1"])
def test_a_negative_or_non_numeric_dose_is_refused_in_either_unit(bad):
    with pytest.raises(InvalidDosingInput, match=r"dose_mg must be a number of mg"):
        per_kg(bad, 70)
    with pytest.raises(InvalidDosingInput, match=r"dose_mg_per_kg must be a number of mg/kg"):
        from_per_kg(bad, 70)


# --- Default caps by formulation (CLINICAL.md C) ------------------------------------------


def test_tablets_take_the_sublingual_oral_caps_at_the_top_of_the_published_range():
    caps = default_caps(SCORED_50)
    assert caps is DEFAULT_RULES.sublingual_oral_caps
    assert (caps.max_mg_per_session, caps.max_mg_per_kg_per_session) == (300, 7)
    assert (caps.max_mg_per_7_days, caps.max_mg_per_kg_per_7_days) == (600, 14)
    assert caps.max_sessions_per_7_days == 2
    assert "not a recommended dose" in caps.source


def test_racemic_spray_is_capped_at_50_mg_a_session_and_100_mg_in_7_days():
    # CLINICAL.md G5: racemic intranasal depression studies used 50 mg (Lapidus 2014).
    caps = default_caps(SPRAY_10)
    assert caps is DEFAULT_RULES.intranasal_racemic_caps
    assert caps.max_mg_per_session == 50
    assert caps.max_mg_per_kg_per_session is None
    assert caps.max_mg_per_7_days == 100
    assert caps.max_sessions_per_7_days == 2
    assert "CLINICAL.md G5" in caps.source


def test_esketamine_devices_take_the_label_caps_56_to_84_mg_per_session():
    caps = default_caps(DEVICE)
    assert (caps.min_mg_per_session, caps.max_mg_per_session) == (56, 84)
    assert caps.max_mg_per_7_days == 168
    assert caps.max_sessions_per_7_days == 2


def test_default_caps_refuse_something_that_is_not_a_formulation():
    with pytest.raises(InvalidDosingInput, match=r"formulation must be a Tablet"):
        default_caps("50 mg tablets")  # type: ignore[arg-type]


# --- Writing a dose plan -------------------------------------------------------------------


def test_a_plan_written_in_mg_that_the_tablets_can_give_is_kept_as_written():
    plan = plan_dose(Route.SUBLINGUAL, SCORED_50, weight_kg=70, dose_mg=75)
    assert plan.dose_mg == 75.0
    assert plan.dose_mg_per_kg == pytest.approx(75 / 70)
    assert plan.take == "1 1/2 tablets of 50 mg"
    assert plan.notes == ()
    assert plan.caps is DEFAULT_RULES.sublingual_oral_caps


def test_a_plan_written_in_mg_per_kg_is_rounded_to_the_tablets_and_says_so():
    plan = plan_dose(Route.SUBLINGUAL, SCORED_50, weight_kg=70, dose_mg_per_kg=1.5)  # 105 mg
    assert plan.dose_mg == 100.0
    assert plan.take == "2 tablets of 50 mg"
    assert len(plan.notes) == 1
    assert "1.5 mg/kg (105 mg at 70 kg) rounded to 100 mg (2 tablets of 50 mg)" in plan.notes[0]


def test_a_plan_is_never_rounded_up_past_the_mg_per_kg_cap():
    # 7 mg/kg at 41.43 kg is 290.01 mg: 290 mg is allowed, but the nearest half tablet
    # (300 mg) is not, so the plan rounds down to 275 mg.
    plan = plan_dose(Route.ORAL, SCORED_50, weight_kg=41.43, dose_mg=290)
    assert plan.dose_mg == 275.0
    assert plan.notes


@pytest.mark.parametrize(
    ("weight_kg", "written"),
    [
        (70, {"dose_mg": 301}),  # above 300 mg
        (40, {"dose_mg": 281}),  # above 7 mg/kg (280 mg)
        (40, {"dose_mg_per_kg": 7.1}),
    ],
)
def test_a_plan_written_above_the_session_cap_is_refused_not_lowered(weight_kg, written):
    with pytest.raises(InvalidDosingInput, match=r"above the session cap"):
        plan_dose(Route.SUBLINGUAL, SCORED_50, weight_kg=weight_kg, **written)


@pytest.mark.parametrize(
    ("formulation", "weight_kg", "dose_mg"),
    [
        (UNSCORED_50, 70, 300),  # 300 mg, the mg cap
        (Tablet(TabletKind.TROCHE, 20, scored=False), 40, 280),  # 7 mg/kg at 40 kg
    ],
)
def test_a_plan_exactly_at_the_session_cap_is_allowed(formulation, weight_kg, dose_mg):
    plan = plan_dose(Route.SUBLINGUAL, formulation, weight_kg=weight_kg, dose_mg=dose_mg)
    assert plan.dose_mg == dose_mg
    assert plan.notes == ()


def test_a_plan_too_small_for_the_formulation_is_refused():
    with pytest.raises(
        InvalidDosingInput, match=r"too small .* smallest dose it can give is 50 mg"
    ):
        plan_dose(Route.SUBLINGUAL, UNSCORED_50, weight_kg=70, dose_mg=20)


@pytest.mark.parametrize("written", [{}, {"dose_mg": 50, "dose_mg_per_kg": 1}])
def test_a_plan_needs_the_dose_in_mg_or_in_mg_per_kg_but_not_both(written):
    with pytest.raises(InvalidDosingInput, match=r"dose_mg or as dose_mg_per_kg"):
        plan_dose(Route.SUBLINGUAL, SCORED_50, weight_kg=70, **written)


@pytest.mark.parametrize("route", [Route.IV, Route.IM])
def test_an_iv_or_im_plan_is_refused_in_the_at_home_program(route):
    with pytest.raises(InvalidDosingInput, match=r"not for the at-home program"):
        plan_dose(route, SCORED_50, weight_kg=70, dose_mg=50)


def test_the_at_home_routes_are_sublingual_oral_and_intranasal():
    assert set(AT_HOME_ROUTES) == {Route.SUBLINGUAL, Route.ORAL, Route.INTRANASAL}
    # The same names as ketacare.clinical.pk uses, so a plan can be previewed there.
    assert [str(r) for r in Route] == ["iv", "im", "intranasal", "sublingual", "oral"]


@pytest.mark.parametrize(
    ("route", "formulation"),
    [
        (Route.INTRANASAL, SCORED_50),
        (Route.SUBLINGUAL, SPRAY_10),
        (Route.ORAL, DEVICE),
    ],
)
def test_a_formulation_is_only_given_by_its_own_routes(route, formulation):
    with pytest.raises(InvalidDosingInput, match=r"cannot be given"):
        plan_dose(route, formulation, weight_kg=70, dose_mg=56)


def test_a_route_must_be_a_route_not_its_name():
    with pytest.raises(InvalidDosingInput, match=r"route must be one of iv, im, intranasal"):
        plan_dose("sublingual", SCORED_50, weight_kg=70, dose_mg=50)  # type: ignore[arg-type]


def test_a_plan_refuses_something_that_is_not_a_formulation():
    with pytest.raises(InvalidDosingInput, match=r"formulation must be a Tablet"):
        plan_dose(Route.SUBLINGUAL, "tablets", weight_kg=70, dose_mg=50)  # type: ignore[arg-type]


def test_a_plan_refuses_caps_that_are_not_caps():
    with pytest.raises(InvalidDosingInput, match=r"caps must be a DoseCaps"):
        plan_dose(Route.SUBLINGUAL, SCORED_50, weight_kg=70, dose_mg=50, caps={"max": 1})  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -50, True, math.nan])
def test_a_plan_refuses_a_dose_that_is_not_a_positive_number(bad):
    with pytest.raises(InvalidDosingInput, match=r"dose_mg"):
        plan_dose(Route.SUBLINGUAL, SCORED_50, weight_kg=70, dose_mg=bad)


def test_an_esketamine_plan_is_56_or_84_mg_by_the_label_caps():
    assert plan_dose(Route.INTRANASAL, DEVICE, weight_kg=70, dose_mg=56).take == "2 devices"
    assert plan_dose(Route.INTRANASAL, DEVICE, weight_kg=70, dose_mg=84).take == "3 devices"
    with pytest.raises(InvalidDosingInput, match=r"below the lowest session dose of 56 mg"):
        plan_dose(Route.INTRANASAL, DEVICE, weight_kg=70, dose_mg=28)
    with pytest.raises(InvalidDosingInput, match=r"above the session cap of 84 mg"):
        plan_dose(Route.INTRANASAL, DEVICE, weight_kg=70, dose_mg=112)


@pytest.mark.parametrize("dose_mg", [60, 100, 500])
def test_a_racemic_spray_plan_above_50_mg_is_refused(dose_mg):
    assert plan_dose(Route.INTRANASAL, SPRAY_10, weight_kg=70, dose_mg=50).take == "5 sprays"
    with pytest.raises(InvalidDosingInput, match=r"above the session cap of 50 mg at 70 kg"):
        plan_dose(Route.INTRANASAL, SPRAY_10, weight_kg=70, dose_mg=dose_mg)


def test_a_clinic_that_sets_another_spray_cap_gets_it():
    caps = DoseCaps(max_mg_per_session=100, max_sessions_per_7_days=2)
    plan = plan_dose(Route.INTRANASAL, SPRAY_10, weight_kg=70, dose_mg=100, caps=caps)
    assert plan.take == "10 sprays"


def test_a_plan_made_directly_is_checked_like_a_written_one():
    caps = DEFAULT_RULES.sublingual_oral_caps
    assert DosePlan(Route.SUBLINGUAL, SCORED_50, 70, 75, caps).take == "1 1/2 tablets of 50 mg"
    with pytest.raises(InvalidDosingInput, match=r"cannot be given with 50 mg tablets"):
        DosePlan(Route.SUBLINGUAL, UNSCORED_50, 70, 75, caps)
    with pytest.raises(InvalidDosingInput, match=r"The dose, 350 mg, is above the cap of 300 mg"):
        DosePlan(Route.SUBLINGUAL, SCORED_50, 70, 350, caps)
    with pytest.raises(InvalidDosingInput, match=r"caps must be a DoseCaps"):
        DosePlan(Route.SUBLINGUAL, SCORED_50, 70, 75, None)  # type: ignore[arg-type]
    with pytest.raises(InvalidDosingInput, match=r"notes must be a tuple of text"):
        DosePlan(Route.SUBLINGUAL, SCORED_50, 70, 75, caps, notes=["rounded"])  # type: ignore[arg-type]
    with pytest.raises(InvalidDosingInput, match=r"weight_kg"):
        DosePlan(Route.SUBLINGUAL, SCORED_50, 20, 75, caps)


def test_a_plan_whose_dose_breaks_its_own_7_day_cap_is_refused():
    caps = DoseCaps(max_mg_per_session=300, max_mg_per_7_days=100)
    with pytest.raises(InvalidDosingInput, match=r"7-day total with it, 150 mg"):
        plan_dose(Route.SUBLINGUAL, SCORED_50, weight_kg=70, dose_mg=150, caps=caps)
