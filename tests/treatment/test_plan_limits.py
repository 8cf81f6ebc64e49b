"""Issue 11 (items 6 and 8): how far a plan's dose may go, esketamine, the check-in deadline.

Driven through the real services: create_plan and revise_plan, with the clinic's rules
(patients.protocol.clinic_rules) and, for "after a dose", a session the sitter confirms,
the gate passes and the patient doses in.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditEntry
from ketacare.clinical import dosing, rules
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.protocol import change_protocol
from ketacare.patients.specs import ProtocolSpec
from ketacare.treatment import plans, services
from ketacare.treatment.models import LedgerAccount, TreatmentPlan
from tests.factories import PatientFactory
from tests.treatment.helpers import (
    SCHEDULE,
    TROCHES,
    accept_returns,
    ledger_spec,
    plan_for,
    revision,
)
from tests.treatment.plan_helpers import dose_once

pytestmark = pytest.mark.django_db

SPRAY_10 = {"kind": "nasal_spray", "concentration_mg_per_ml": 100, "spray_volume_ml": 0.1}
SPRAY: dict[str, Any] = {"route": "intranasal", "formulation": SPRAY_10}
ESKETAMINE: dict[str, Any] = {
    "route": "intranasal",
    "formulation": {"kind": "esketamine_device"},
    "dose_mg": 56,
}
REMS = "never dispensed for use at home (Spravato REMS)"


def refusal(excinfo: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    (message,) = excinfo.value.message_dict[field]
    return message


def protocol(clinic: Clinic, admin: User, **changes: object) -> None:
    change_protocol(
        admin, clinic, ProtocolSpec(changes=changes, reason="Medical director's decision")
    )


@pytest.fixture
def dosed(approved: Patient, plan: TreatmentPlan, stocked: object, sitter: Sitter) -> Patient:
    """The patient has taken their first dose (100 mg) of the plan, with their sitter."""
    dose_once(approved, 100)
    return approved


# --- Per-route caps, from the clinic's rules (item 8) ------------------------------------------


def test_a_500_mg_spray_plan_is_refused_at_the_50_mg_session_cap(prescriber, approved):
    with pytest.raises(ValidationError) as err:
        plan_for(prescriber, approved, **SPRAY, dose_mg=500)
    assert "above the session cap of 50 mg at 70 kg" in refusal(err, "dose_mg")
    assert "CLINICAL.md G5" in refusal(err, "dose_mg")
    assert not TreatmentPlan.objects.exists()
    assert not AuditEntry.objects.filter(object_type="treatment.TreatmentPlan").exists()


def test_a_spray_plan_takes_the_clinics_intranasal_caps(prescriber, approved):
    plan = plan_for(prescriber, approved, **SPRAY, dose_mg=20)
    assert (plan.caps["max_mg_per_session"], plan.caps["max_mg_per_7_days"]) == (50, 100)
    assert plan.caps["min_interval_min"] == 72 * 60  # CLINICAL.md G1


def test_a_clinic_that_loosened_its_intranasal_cap_in_its_protocol_gets_it(
    prescriber, approved, clinic, clinic_admin
):
    protocol(clinic, clinic_admin, intranasal_max_mg=100)
    # Half the clinic's 100 mg cap for a first session: 50 mg, refused under the default.
    plan = plan_for(prescriber, approved, **SPRAY, dose_mg=50)
    assert (plan.caps["max_mg_per_session"], plan.caps["max_mg_per_7_days"]) == (100, 200)
    assert plan.take == "5 sprays"


def test_a_plan_may_still_only_tighten_the_clinics_loosened_cap(
    prescriber, approved, clinic, clinic_admin
):
    protocol(clinic, clinic_admin, intranasal_max_mg=100)
    with pytest.raises(ValidationError) as err:
        plan_for(prescriber, approved, **SPRAY, dose_mg=20, caps={"max_mg_per_session": 120})
    assert refusal(err, "caps.max_mg_per_session") == (
        "120 is looser than the clinic's cap of 100."
    )
    plan = plan_for(prescriber, approved, **SPRAY, dose_mg=20, caps={"max_mg_per_session": 80})
    assert plan.caps["max_mg_per_session"] == 80


def test_a_clinic_that_lowered_its_sublingual_cap_gets_it(
    prescriber, approved, clinic, clinic_admin
):
    protocol(clinic, clinic_admin, sublingual_oral_max_mg=200)
    plan = plan_for(prescriber, approved, dose_mg=100)
    assert (plan.caps["max_mg_per_session"], plan.caps["max_mg_per_kg_per_session"]) == (200, 7)
    with pytest.raises(ValidationError) as err:
        services.revise_plan(prescriber, plan, revision(dose_mg=125, reason="Step up"))
    assert "at most 100 mg (half the 200 mg session cap)" in refusal(err, "dose_mg")


def test_the_sublingual_session_cap_is_300_mg_and_7_mg_per_kg(prescriber, approved):
    plan = plan_for(prescriber, approved, formulation=TROCHES)
    assert (plan.caps["max_mg_per_session"], plan.caps["max_mg_per_kg_per_session"]) == (300, 7)
    assert plan.caps == plans.caps_to_json(rules.DEFAULT.dosing.sublingual_oral_caps)


# --- The first (ketamine-naive) session (item 8) --------------------------------------------


def test_a_300_mg_first_sublingual_plan_is_refused_in_the_prescribers_words(prescriber, approved):
    with pytest.raises(ValidationError) as err:
        plan_for(prescriber, approved, dose_mg=300)
    assert refusal(err, "dose_mg") == (
        "A first session is at most 150 mg (half the 300 mg session cap) for a patient who "
        "has not had ketamine here; 300 mg is more. Start lower and titrate. "
        "(CLINICAL.md G5, clinic's choice)"
    )
    assert not TreatmentPlan.objects.exists()
    assert not LedgerAccount.objects.exists()


@pytest.mark.parametrize(
    ("written", "accepted"),
    [
        ({"dose_mg": 150}, True),  # exactly half the 300 mg cap
        ({"dose_mg": 175}, False),
        ({"dose_mg": 200}, False),
        ({"dose_mg": None, "dose_mg_per_kg": 2}, True),  # 140 mg at 70 kg, rounded to 150
        ({"dose_mg": None, "dose_mg_per_kg": 2.5}, False),  # 175 mg
    ],
)
def test_a_first_plan_is_at_most_half_the_session_cap(prescriber, approved, written, accepted):
    if accepted:
        assert plan_for(prescriber, approved, **written).dose_mg <= 150
    else:
        with pytest.raises(ValidationError) as err:
            plan_for(prescriber, approved, **written)
        field = "dose_mg" if written["dose_mg"] else "dose_mg_per_kg"
        assert refusal(err, field).startswith("A first session is at most 150 mg")
        assert not TreatmentPlan.objects.exists()


def test_the_first_session_limit_follows_the_plans_tightened_cap(prescriber, approved):
    with pytest.raises(ValidationError) as err:
        plan_for(prescriber, approved, dose_mg=100, caps={"max_mg_per_session": 150})
    assert "at most 75 mg (half the 150 mg session cap)" in refusal(err, "dose_mg")


def test_the_first_session_limit_follows_the_weight(prescriber, clinic):
    light = PatientFactory(clinic=clinic, phase="approved", weight_kg=Decimal(40))
    with pytest.raises(ValidationError) as err:
        plan_for(prescriber, light, dose_mg=150)
    assert refusal(err, "dose_mg").startswith(
        "A first session is at most 140 mg (half the 280 mg session cap, 7 mg/kg at 40 kg)"
    )


def test_a_clinic_may_choose_another_first_session_share(
    prescriber, approved, clinic, clinic_admin
):
    protocol(clinic, clinic_admin, first_session_percent_of_cap=60)
    assert plan_for(prescriber, approved, dose_mg=175).dose_mg == 175  # at most 180 mg
    with pytest.raises(ValidationError) as err:
        services.revise_plan(
            prescriber, services.active_plan(approved), revision(dose_mg=200, reason="x")
        )
    assert "at most 180 mg (60% of the 300 mg session cap)" in refusal(err, "dose_mg")


def test_before_the_first_dose_a_revision_keeps_to_the_first_session_limit(prescriber, plan):
    accepted = services.revise_plan(prescriber, plan, revision(dose_mg=150, reason="Start higher"))
    assert accepted.dose_mg == 150
    with pytest.raises(ValidationError) as err:
        services.revise_plan(prescriber, accepted, revision(dose_mg=175, reason="Higher still"))
    assert refusal(err, "dose_mg").startswith("A first session is at most 150 mg")
    assert TreatmentPlan.objects.count() == 2


# --- The largest increase of one revision (item 8) ---------------------------------------------


def test_after_a_dose_a_revision_from_100_to_300_mg_is_refused_and_nothing_is_stored(
    prescriber, dosed
):
    plan = services.active_plan(dosed)
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as err:
        services.revise_plan(prescriber, plan, revision(dose_mg=300, reason="No response"))
    assert refusal(err, "dose_mg") == (
        "One revision raises the dose by at most 50%: from 100 mg, at most 150 mg; 300 mg is "
        "more. Raise it in steps, one revision at a time. (CLINICAL.md G5, clinic's choice)"
    )
    assert TreatmentPlan.objects.count() == 1
    assert AuditEntry.objects.count() == entries


def test_after_a_dose_a_revision_from_100_to_150_mg_is_accepted(prescriber, dosed):
    revised = services.revise_plan(
        prescriber, services.active_plan(dosed), revision(dose_mg=150, reason="No response")
    )
    assert (revised.version, revised.dose_mg, revised.take) == (2, 150, "3 troches of 50 mg")


def test_after_a_dose_the_increase_limit_alone_refuses_175_mg(prescriber, dosed):
    # 175 mg is within the 300 mg cap; only the +50% limit refuses it.
    with pytest.raises(ValidationError) as err:
        services.revise_plan(
            prescriber, services.active_plan(dosed), revision(dose_mg=175, reason="x")
        )
    assert refusal(err, "dose_mg").startswith("One revision raises the dose by at most 50%")


def test_each_revision_is_limited_from_the_current_version(prescriber, dosed):
    second = services.revise_plan(
        prescriber, services.active_plan(dosed), revision(dose_mg=150, reason="Step up")
    )
    third = services.revise_plan(prescriber, second, revision(dose_mg=225, reason="Step up again"))
    assert third.dose_mg == 225
    fourth = services.revise_plan(prescriber, third, revision(dose_mg=300, reason="To the cap"))
    assert fourth.dose_mg == 300  # +33%, exactly the cap


def test_a_step_down_is_never_limited(prescriber, dosed):
    revised = services.revise_plan(
        prescriber, services.active_plan(dosed), revision(dose_mg=25, reason="Too dissociative")
    )
    assert revised.dose_mg == 25


def test_a_clinic_may_choose_a_smaller_largest_increase(prescriber, dosed, clinic, clinic_admin):
    protocol(clinic, clinic_admin, max_increase_percent=25)
    plan = services.active_plan(dosed)
    with pytest.raises(ValidationError) as err:
        services.revise_plan(prescriber, plan, revision(dose_mg=150, reason="Step up"))
    assert "at most 25%: from 100 mg, at most 125 mg; 150 mg is more" in refusal(err, "dose_mg")
    assert (
        services.revise_plan(prescriber, plan, revision(dose_mg=125, reason="Step up")).dose_mg
        == 125
    )


def test_a_revision_to_another_route_starts_at_that_routes_first_session_limit(
    prescriber, pharmacist, dosed
):
    accept_returns(dosed.clinic)
    balance = services.ledger_balance(dosed)
    services.record_ledger_event(
        pharmacist, dosed, ledger_spec("returned", balance, note="Returned to switch product")
    )
    plan = services.active_plan(dosed)
    with pytest.raises(ValidationError) as err:
        services.revise_plan(
            prescriber, plan, revision(reason="Switch to spray", **SPRAY, dose_mg=30)
        )
    assert refusal(err, "dose_mg").startswith(
        "A first session is at most 25 mg (half the 50 mg session cap) for a patient new to "
        "the intranasal route (doses by another route do not carry over); 30 mg is more."
    )
    revised = services.revise_plan(
        prescriber, plan, revision(reason="Switch to spray", **SPRAY, dose_mg=20)
    )
    assert (revised.route, revised.take) == ("intranasal", "2 sprays")


# --- Esketamine is never planned for home (item 6) ---------------------------------------------


def test_esketamine_is_refused_at_create_with_the_rems_reason(prescriber, approved):
    with pytest.raises(ValidationError) as err:
        plan_for(prescriber, approved, **ESKETAMINE)
    assert REMS in refusal(err, "formulation")
    assert refusal(err, "formulation") == str(dosing_refusal())
    assert not TreatmentPlan.objects.exists()
    assert not LedgerAccount.objects.exists()


def test_esketamine_is_refused_at_revise(prescriber, approved, plan):
    with pytest.raises(ValidationError) as err:
        services.revise_plan(
            prescriber, plan, revision(reason="Switch to esketamine", **ESKETAMINE)
        )
    assert REMS in refusal(err, "formulation")
    assert TreatmentPlan.objects.count() == 1
    assert services.active_plan(approved) == plan


def test_the_esketamine_label_schedule_is_refused_for_an_at_home_plan(prescriber, approved):
    with pytest.raises(ValidationError) as err:
        plan_for(prescriber, approved, schedule={**SCHEDULE, "pattern": "esketamine_label"})
    assert "never used at home" in refusal(err, "schedule.pattern")


def dosing_refusal() -> str:
    try:
        dosing.check_at_home(dosing.EsketamineDevice())
    except dosing.NotForHomeUse as refused:
        return str(refused)
    raise AssertionError("esketamine was accepted for home use")  # pragma: no cover


# --- The check-in deadline (item 4) --------------------------------------------------------


def test_the_default_check_in_deadline_is_the_clinics_after_the_observation(prescriber, approved):
    plan = plan_for(prescriber, approved)
    assert plan.check_in_deadline_min == 150  # 2 h observation (CLINICAL.md D) + 30 min
    assert plans.check_in_bounds_for(approved) == (120, 150)


@pytest.mark.parametrize(
    ("minutes", "accepted"),
    [(60, False), (120, False), (121, True), (150, True), (151, False), (180, False)],
)
def test_a_plans_check_in_deadline_comes_after_the_observation_and_by_the_clinics(
    prescriber, approved, minutes, accepted
):
    if accepted:
        assert plan_for(prescriber, approved, check_in_deadline_min=minutes)
    else:
        with pytest.raises(ValidationError) as err:
            plan_for(prescriber, approved, check_in_deadline_min=minutes)
        message = refusal(err, "check_in_deadline_min")
        assert "the clinic's deadline of 150 min" in message
        assert not TreatmentPlan.objects.exists()


def test_a_check_in_before_the_end_of_the_observation_is_refused_in_words(prescriber, approved):
    with pytest.raises(ValidationError) as err:
        plan_for(prescriber, approved, check_in_deadline_min=120)
    assert refusal(err, "check_in_deadline_min") == (
        "The check-in is accepted only after the 120-minute observation (CLINICAL.md D), so "
        "it cannot be due by 120 min: give more than 120 min, up to the clinic's deadline of "
        "150 min (120 min of observation and 30 min to check in, the clinic's choice)."
    )


def test_a_clinics_longer_window_and_observation_move_the_deadline(
    prescriber, approved, clinic, clinic_admin
):
    protocol(clinic, clinic_admin, observation_minutes=180, check_in_window_minutes=60)
    plan = plan_for(prescriber, approved)
    assert plan.check_in_deadline_min == 240
    with pytest.raises(ValidationError):
        services.revise_plan(prescriber, plan, revision(check_in_deadline_min=150, reason="Sooner"))


def test_plan_safety_rules_start_from_the_clinics_rules(prescriber, approved, clinic, clinic_admin):
    protocol(clinic, clinic_admin, min_hours_between_doses=48, checklist_valid_minutes=30)
    plan = plan_for(
        prescriber,
        approved,
        pre_dose_limits={"bp_delay_gate": [130, 85]},
        check_in_deadline_min=140,
    )
    safety_rules = services.plan_safety_rules(plan)
    assert safety_rules.min_interval_between_doses == timedelta(hours=48)
    assert safety_rules.checklist_valid_for == timedelta(minutes=30)
    assert (
        safety_rules.bp_delay_gate.systolic_mmhg,
        safety_rules.bp_delay_gate.diastolic_mmhg,
    ) == (
        130,
        85,
    )
    assert safety_rules.check_in_deadline == timedelta(minutes=140)
    assert safety_rules.observation_minimum == timedelta(hours=2)


def test_a_deadline_that_no_longer_fits_the_clinics_rules_gives_way_to_the_clinics(
    prescriber, approved, clinic, clinic_admin
):
    plan = plan_for(prescriber, approved, check_in_deadline_min=140)
    # The clinic lengthens its observation to 3 h: 140 min would come before its end.
    protocol(clinic, clinic_admin, observation_minutes=180)
    assert services.plan_safety_rules(plan).check_in_deadline == timedelta(minutes=210)
    # A plan written before the observation rule, due 120 min after the dose.
    TreatmentPlan.objects.filter(pk=plan.pk).update(check_in_deadline_min=120)
    plan.refresh_from_db()
    assert services.plan_safety_rules(plan).check_in_deadline == timedelta(minutes=210)


def test_the_models_default_deadline_is_the_default_clinics():
    field = TreatmentPlan._meta.get_field("check_in_deadline_min")
    assert field.default == 150
    assert rules.DEFAULT.safety.check_in_deadline == timedelta(minutes=150)
