"""A dose plan can be previewed with the pharmacokinetic model: the same route names."""

from __future__ import annotations

import pytest

from ketacare.clinical import pk
from ketacare.clinical.dosing import (
    Drug,
    EsketamineDevice,
    NasalSpray,
    Route,
    Tablet,
    TabletKind,
    plan_dose,
)


def test_dosing_and_pk_name_the_routes_and_the_drugs_alike():
    assert sorted(Route) == sorted(pk.ROUTES)
    assert sorted(Drug) == sorted(pk.FORMULATIONS)


@pytest.mark.parametrize(
    ("route", "formulation", "dose_mg"),
    [
        (Route.SUBLINGUAL, Tablet(TabletKind.TROCHE, 50, scored=True), 100),
        (Route.ORAL, Tablet(TabletKind.SUBLINGUAL_TABLET, 100, scored=False), 200),
        (Route.INTRANASAL, NasalSpray(100, 0.1), 50),
        (Route.INTRANASAL, EsketamineDevice(), 56),
    ],
)
def test_a_plan_previews_as_a_plasma_profile(route, formulation, dose_mg):
    plan = plan_dose(route, formulation, weight_kg=70, dose_mg=dose_mg)
    profile = pk.simulate(
        plan.route, plan.dose_mg, weight_kg=plan.weight_kg, formulation=plan.formulation.drug
    )
    assert (profile.route, profile.dose_mg, profile.formulation) == (
        route,
        dose_mg,
        formulation.drug,
    )
    assert profile.cmax_ng_ml > 0
