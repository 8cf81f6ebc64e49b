"""How far a plan's dose may go: the first session, one revision, and at home at all.

CLINICAL.md G5 (clinic's choice): a ketamine-naive patient's first session is at most
half the route's session cap; one plan revision raises the dose by at most 50% and never
above the cap. G4: esketamine is never for home use.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from ketacare.clinical.dosing import (
    DEFAULT_RULES,
    DoseAboveLimit,
    DoseCaps,
    DoseLimit,
    EsketamineDevice,
    InvalidDosingInput,
    NasalSpray,
    NotForHomeUse,
    Route,
    Tablet,
    TabletKind,
    check_at_home,
    first_session_limit,
    plan_dose,
    revision_limit,
)

ORAL = DEFAULT_RULES.sublingual_oral_caps  # 300 mg, 7 mg/kg a session
SPRAY_CAPS = DEFAULT_RULES.intranasal_racemic_caps  # 50 mg a session
TROCHES_50 = Tablet(TabletKind.TROCHE, strength_mg=50, scored=True)  # steps of 25 mg
TABLETS_80 = Tablet(TabletKind.SUBLINGUAL_TABLET, strength_mg=80, scored=True)  # of 40 mg
SPRAY_10 = NasalSpray(concentration_mg_per_ml=100, spray_volume_ml=0.1)  # 10 mg a spray
SOURCE = "CLINICAL.md G5, clinic's choice"


def rules(**changes: Any) -> Any:
    return dataclasses.replace(DEFAULT_RULES, **changes)


# --- The first session of a ketamine-naive patient ------------------------------------------


@pytest.mark.parametrize(
    ("caps", "weight_kg", "changes", "most_mg", "words"),
    [
        (ORAL, 70, {}, 150, "half the 300 mg session cap"),
        (ORAL, 40, {}, 140, "half the 280 mg session cap, 7 mg/kg at 40 kg"),
        (SPRAY_CAPS, 70, {}, 25, "half the 50 mg session cap"),
        (ORAL, 70, {"first_session_share_of_cap": 0.6}, 180, "60% of the 300 mg session cap"),
        (ORAL, 70, {"first_session_share_of_cap": 1}, 300, "100% of the 300 mg session cap"),
        (
            DoseCaps(max_mg_per_kg_per_session=2),
            75,
            {},
            75,
            "half the 150 mg session cap, 2 mg/kg at 75 kg",
        ),
    ],
)
def test_a_first_session_is_at_most_a_share_of_the_session_ceiling(
    caps, weight_kg, changes, most_mg, words
):
    limit = first_session_limit(caps, weight_kg, rules(**changes))
    assert limit is not None
    assert limit.most_mg == most_mg
    assert limit.why.startswith(f"A first session is at most {most_mg} mg (")
    assert f"({words}) for a patient who has not had ketamine here" in limit.why
    assert limit.next_step == "Start lower and titrate."
    assert limit.source == SOURCE


def test_the_first_session_refusal_names_the_numbers_and_the_next_step():
    limit = first_session_limit(ORAL, 70)
    assert limit is not None
    assert limit.refusal("200 mg") == (
        "A first session is at most 150 mg (half the 300 mg session cap) for a patient who "
        "has not had ketamine here; 200 mg is more. Start lower and titrate."
    )


def test_caps_without_a_session_ceiling_set_no_first_session_limit():
    assert first_session_limit(DoseCaps(max_sessions_per_7_days=2), 70) is None


# --- One revision --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current_mg", "caps", "weight_kg", "changes", "expected"),
    [
        (100, ORAL, 70, {}, (150, "at most 50%: from 100 mg, at most 150 mg")),
        (200, ORAL, 70, {}, (300, "at most 50%: from 200 mg, at most 300 mg")),
        (
            250,
            ORAL,
            70,
            {},
            (
                300,
                "at most 50% and never above the 300 mg session cap: from 250 mg, at most 300 mg",
            ),
        ),
        (
            200,
            ORAL,
            40,
            {},
            (280, "never above the 280 mg session cap, 7 mg/kg at 40 kg: from 200 mg, at most 280"),
        ),
        (20, SPRAY_CAPS, 70, {}, (30, "at most 50%: from 20 mg, at most 30 mg")),
        (40, SPRAY_CAPS, 70, {}, (50, "never above the 50 mg session cap: from 40 mg")),
        (100, ORAL, 70, {"max_increase_per_revision": 0.25}, (125, "at most 25%: from 100 mg")),
        (1000, DoseCaps(), 70, {}, (1500, "at most 50%: from 1000 mg, at most 1500 mg")),
        (12.5, ORAL, 70, {}, (18.75, "from 12.5 mg, at most 18.75 mg")),
    ],
)
def test_one_revision_raises_the_dose_by_at_most_its_share_and_never_above_the_cap(
    current_mg, caps, weight_kg, changes, expected
):
    most_mg, why = expected
    limit = revision_limit(current_mg, caps, weight_kg, rules(**changes))
    assert limit.most_mg == most_mg
    assert limit.why.startswith("One revision raises the dose by ")
    assert why in limit.why
    assert limit.source == SOURCE


def test_the_revision_refusal_names_the_numbers_and_the_next_step():
    assert revision_limit(100, ORAL, 70).refusal("300 mg") == (
        "One revision raises the dose by at most 50%: from 100 mg, at most 150 mg; 300 mg is "
        "more. Raise it in steps, one revision at a time."
    )
    assert revision_limit(250, ORAL, 70).next_step == "Keep the dose within the cap."


def test_a_revision_from_above_a_lowered_cap_may_only_reach_the_cap():
    # The clinic lowered its cap to 200 mg after the plan was written at 250 mg.
    assert revision_limit(250, DoseCaps(max_mg_per_session=200), 70).most_mg == 200


# --- Writing a dose within the limits --------------------------------------------------------


def test_a_first_plan_above_the_first_session_limit_is_refused_in_the_prescribers_words():
    limit = first_session_limit(ORAL, 70)
    assert limit is not None
    with pytest.raises(DoseAboveLimit) as refused:
        plan_dose(Route.SUBLINGUAL, TROCHES_50, weight_kg=70, dose_mg=200, limits=[limit])
    assert str(refused.value) == (
        "A first session is at most 150 mg (half the 300 mg session cap) for a patient who "
        "has not had ketamine here; 200 mg is more. Start lower and titrate. "
        "(CLINICAL.md G5, clinic's choice)"
    )
    assert isinstance(refused.value, InvalidDosingInput)


@pytest.mark.parametrize(
    ("written", "limit_of", "accepted"),
    [
        ({"dose_mg": 150}, "first", True),  # exactly half the cap
        ({"dose_mg": 175}, "first", False),
        ({"dose_mg": 300}, "first", False),
        ({"dose_mg_per_kg": 2}, "first", True),  # 140 mg at 70 kg
        ({"dose_mg_per_kg": 2.5}, "first", False),  # 175 mg
        ({"dose_mg": 150}, "revision", True),  # 100 -> 150 mg: +50%
        ({"dose_mg": 175}, "revision", False),  # +75%
        ({"dose_mg": 300}, "revision", False),  # the 100 -> 300 mg in one revision
        ({"dose_mg": 50}, "revision", True),  # a step down is never limited
    ],
)
def test_a_written_dose_above_a_limit_is_refused_not_lowered(written, limit_of, accepted):
    limit = first_session_limit(ORAL, 70) if limit_of == "first" else revision_limit(100, ORAL, 70)
    assert limit is not None
    if accepted:
        plan = plan_dose(Route.SUBLINGUAL, TROCHES_50, weight_kg=70, limits=[limit], **written)
        assert plan.dose_mg <= limit.most_mg
    else:
        with pytest.raises(DoseAboveLimit, match=r" is more\. "):
            plan_dose(Route.SUBLINGUAL, TROCHES_50, weight_kg=70, limits=[limit], **written)


def test_a_dose_written_in_mg_per_kg_is_named_as_written():
    limit = first_session_limit(ORAL, 70)
    assert limit is not None
    with pytest.raises(DoseAboveLimit, match=r"; 2\.5 mg/kg \(175 mg at 70 kg\) is more\."):
        plan_dose(Route.SUBLINGUAL, TROCHES_50, weight_kg=70, dose_mg_per_kg=2.5, limits=[limit])


def test_rounding_never_goes_up_past_a_limit_and_says_which():
    # Half tablets of 40 mg: 150 mg is 3.75 halves, nearest 160 mg, but the limit is 150 mg.
    limit = first_session_limit(ORAL, 70)
    assert limit is not None
    plan = plan_dose(Route.SUBLINGUAL, TABLETS_80, weight_kg=70, dose_mg=150, limits=[limit])
    assert plan.dose_mg == 120
    (note,) = plan.notes
    assert note == (
        "150 mg rounded to 120 mg (1 1/2 tablets of 80 mg), the nearest dose 80 mg scored "
        "tablets can give without going above this step's limit of 150 mg."
    )
    # Without the limit, the same dose rounds to the nearest, 160 mg, under the cap.
    assert plan_dose(Route.SUBLINGUAL, TABLETS_80, weight_kg=70, dose_mg=150).dose_mg == 160


def test_the_lowest_of_several_limits_holds_and_the_cap_still_comes_first():
    first, revision = first_session_limit(SPRAY_CAPS, 70), revision_limit(10, SPRAY_CAPS, 70)
    assert first is not None
    limits = [first, revision]  # 25 and 15 mg
    assert plan_dose(Route.INTRANASAL, SPRAY_10, weight_kg=70, dose_mg=10, limits=limits)
    with pytest.raises(DoseAboveLimit, match=r"from 10 mg, at most 15 mg; 20 mg is more"):
        plan_dose(Route.INTRANASAL, SPRAY_10, weight_kg=70, dose_mg=20, limits=limits)
    with pytest.raises(InvalidDosingInput, match=r"above the session cap of 50 mg"):
        plan_dose(Route.INTRANASAL, SPRAY_10, weight_kg=70, dose_mg=500, limits=limits)


# --- Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: first_session_limit(None, 70), "caps must be a DoseCaps"),  # type: ignore[arg-type]
        (lambda: first_session_limit(ORAL, 70, rules=None), "rules must be a DosingRules"),  # type: ignore[arg-type]
        (lambda: first_session_limit(ORAL, 300), "weight_kg"),
        (lambda: revision_limit(0, ORAL, 70), "current_dose_mg"),
        (lambda: revision_limit(math.nan, ORAL, 70), "current_dose_mg"),
        (lambda: revision_limit(True, ORAL, 70), "current_dose_mg"),  # noqa: FBT003 - a bad dose
        (lambda: revision_limit(100, {"max": 300}, 70), "caps must be a DoseCaps"),  # type: ignore[arg-type]
        (lambda: revision_limit(100, ORAL, 70, rules=0), "rules must be a DosingRules"),  # type: ignore[arg-type]
        (lambda: revision_limit(100, ORAL, 20), "weight_kg"),
        (
            lambda: plan_dose(Route.ORAL, TROCHES_50, weight_kg=70, dose_mg=50, limits=[150]),  # type: ignore[list-item]
            "limits must be a list of DoseLimit",
        ),
        (
            lambda: plan_dose(Route.ORAL, TROCHES_50, weight_kg=70, dose_mg=50, limits=None),  # type: ignore[arg-type]
            "limits must be a list of DoseLimit",
        ),
        (lambda: DoseLimit(-1, "why", "next"), "most_mg"),
        (lambda: DoseLimit(100, "", "next"), "why must be text"),
        (lambda: DoseLimit(100, "why", None), "next_step must be text"),  # type: ignore[arg-type]
        (lambda: DoseLimit(100, "why", "next", source=" "), "source must be text"),
    ],
)
def test_the_limits_refuse_bad_input_naming_it(call, message):
    with pytest.raises(InvalidDosingInput, match=message):
        call()


# --- Never at home: esketamine (CLINICAL.md G4) ------------------------------------------------


def test_esketamine_is_never_for_home_use():
    with pytest.raises(NotForHomeUse, match=r"REMS-certified healthcare setting") as refused:
        check_at_home(EsketamineDevice())
    assert "never dispensed for use at home (Spravato REMS)" in str(refused.value)
    assert "Choose racemic ketamine tablets, troches or nasal spray" in str(refused.value)


@pytest.mark.parametrize("formulation", [TROCHES_50, TABLETS_80, SPRAY_10])
def test_racemic_tablets_troches_and_sprays_are_for_home_use(formulation):
    check_at_home(formulation)


def test_at_home_refuses_something_that_is_not_a_formulation():
    with pytest.raises(InvalidDosingInput, match=r"formulation must be a Formulation"):
        check_at_home("esketamine")  # type: ignore[arg-type]
