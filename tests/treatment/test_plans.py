"""Treatment plans: written by a prescriber, validated by clinical.dosing, versioned."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ketacare.audit.log import verify
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinical import dosing, pk
from ketacare.kernel.errors import NotAllowed, NotFound, WrongPhase
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment import plans, services
from ketacare.treatment.errors import PlanExists, PlanSuperseded, StockOnHand
from ketacare.treatment.models import LedgerAccount, LedgerUnit, TreatmentPlan
from tests.factories import PatientFactory, SitterFactory, UserFactory
from tests.treatment.helpers import (
    SCHEDULE,
    accept_returns,
    balance,
    ledger_spec,
    plan_for,
    revision,
)

pytestmark = pytest.mark.django_db

# Racemic nasal spray of 10 mg a spray, 20 mg: within a first session's 25 mg (half the
# 50 mg cap, CLINICAL.md G5).
SPRAY: dict[str, Any] = {
    "route": "intranasal",
    "formulation": {"kind": "nasal_spray", "concentration_mg_per_ml": 100, "spray_volume_ml": 0.1},
    "dose_mg": 20,
}


def test_create_plan_stores_version_1_with_the_dose_caps_limits_schedule_and_pk(
    prescriber, approved
):
    plan = plan_for(prescriber, approved)
    assert (plan.version, plan.is_current, plan.supersedes) == (1, True, None)
    assert (plan.route, plan.drug, plan.formulation_kind) == ("sublingual", "racemic", "troche")
    assert (plan.strength_mg, plan.scored) == (Decimal(50), True)
    assert plan.indication == approved.indication
    assert plan.dose_mg == Decimal(100)
    assert plan.weight_kg == Decimal(70)
    assert plan.dose_mg_per_kg == Decimal("1.429")  # 100 mg / 70 kg, shown
    assert plan.take == "2 troches of 50 mg"
    assert plan.dose_notes == []
    # The clinic's default sublingual caps (clinical.dosing) and pre-dose limits (safety).
    assert plan.caps == plans.caps_to_json(dosing.DEFAULT_RULES.sublingual_oral_caps)
    assert plan.pre_dose_limits["bp_delay_gate"] == [140, 90]
    assert plan.pre_dose_limits["bp_hard_stop"] == [160, 100]
    assert plan.pre_dose_limits["fasting_required"] is True
    # The clinic's check-in deadline: 2 h of observation (CLINICAL.md D), then 30 min.
    assert (plan.check_in_deadline_min, plan.sitter_required) == (150, True)
    assert plan.created_by == prescriber


def test_the_schedule_is_laid_out_by_clinical_dosing_in_the_patients_zone(prescriber, approved):
    plan = plan_for(prescriber, approved)
    sessions = plan.schedule["sessions"]
    # Twice weekly for 4 weeks (8 sessions), then weekly for the 4 maintenance weeks.
    assert len(sessions) == 12
    assert [s["phase"] for s in sessions].count("induction") == 8
    assert sessions[0]["at"] == "2025-03-03T18:00:00-05:00"
    # Across the spring-forward change the sessions stay at 18:00 on the patient's clock.
    assert sessions[2]["at"] == "2025-03-10T18:00:00-04:00"
    assert plans.schedule_parameters(plan) == SCHEDULE


def test_the_pk_summary_is_clinical_pk_for_the_plans_dose(prescriber, approved):
    plan = plan_for(prescriber, approved)
    profile = pk.simulate("sublingual", 100, weight_kg=70)
    iv = pk.equivalent_dose("sublingual", 100, "iv", weight_kg=70, match="auc")
    summary = plan.pk_summary
    assert summary["cmax_ng_ml"] == pytest.approx(profile.cmax_ng_ml, abs=0.05)
    assert summary["auc_ng_h_ml"] == pytest.approx(profile.auc_ng_h_ml, abs=0.05)
    assert summary["tmax_h"] == pytest.approx(profile.tmax_h, abs=0.005)
    # The IV equivalent stored is the cautious dose, beside the typical patient's and the
    # range between simulated patients.
    assert summary["iv_equivalent_mg"] == pytest.approx(iv.dose_mg, abs=0.05)
    assert summary["iv_equivalent_typical_mg"] == pytest.approx(iv.typical_mg, abs=0.05)
    assert summary["iv_equivalent_5_95_mg"] == [
        pytest.approx(iv.low_mg, abs=0.05),
        pytest.approx(iv.high_mg, abs=0.05),
    ]
    assert summary["iv_equivalent_mg"] < summary["iv_equivalent_typical_mg"]


def test_the_pk_summary_says_which_bioavailability_the_iv_equivalent_used(prescriber, approved):
    note = plan_for(prescriber, approved).pk_summary["note"]
    assert plans.CAUTIOUS_IV_NOTE in note
    # Sublingual read at its lowest published figure, so the IV dose is not overestimated.
    assert "Sublingual bioavailability taken as 0.24, the lowest published" in note
    assert "so the dose is not overestimated" in note


def test_the_pk_summary_has_no_iv_equivalent_for_esketamine():
    summary = plans.pk_summary("intranasal", "esketamine", 56, 70)
    profile = pk.simulate("intranasal", 56, weight_kg=70, formulation="esketamine")
    assert summary["cmax_ng_ml"] == pytest.approx(profile.cmax_ng_ml, abs=0.05)
    assert summary["iv_equivalent_mg"] is None
    assert summary["iv_equivalent_typical_mg"] is None
    assert summary["iv_equivalent_5_95_mg"] is None
    assert "No IV equivalent for esketamine." in summary["note"]
    assert plans.CAUTIOUS_IV_NOTE not in summary["note"]


def test_create_plan_writes_one_audit_entry_and_opens_the_ledger(prescriber, approved):
    plan = plan_for(prescriber, approved)
    entries = AuditEntry.objects.filter(object_type="treatment.TreatmentPlan")
    assert [(e.action, e.actor_id, e.patient_id) for e in entries] == [
        (AuditAction.CREATE, prescriber.pk, approved.pk)
    ]
    assert entries[0].detail == {"version": 1}
    assert plan.ledger_unit == LedgerUnit.TABLETS
    assert LedgerAccount.objects.get(patient=approved).unit == LedgerUnit.TABLETS
    assert balance(approved) == 0
    assert verify().ok


def test_a_dose_in_mg_per_kg_is_rounded_to_what_the_product_gives(prescriber, approved):
    plan = plan_for(prescriber, approved, dose_mg=None, dose_mg_per_kg=1.5)
    # 1.5 mg/kg x 70 kg = 105 mg; half troches give steps of 25 mg: 100 mg.
    assert plan.dose_mg == Decimal(100)
    assert len(plan.dose_notes) == 1
    assert "rounded to 100 mg" in plan.dose_notes[0]


def test_a_nasal_spray_plan_counts_sprays(prescriber, approved):
    plan = plan_for(
        prescriber,
        approved,
        route="intranasal",
        formulation={
            "kind": "nasal_spray",
            "concentration_mg_per_ml": 100,
            "spray_volume_ml": "0.1",
        },
        dose_mg=20,
    )
    assert (plan.take, plan.ledger_unit) == ("2 sprays", "sprays")
    assert plan.ledger_units(20) == Decimal(2)
    assert plan.caps == plans.caps_to_json(dosing.DEFAULT_RULES.intranasal_racemic_caps)


def test_a_plan_may_tighten_the_caps_and_limits(prescriber, approved):
    plan = plan_for(
        prescriber,
        approved,
        caps={"max_mg_per_session": 200, "min_interval_min": 72 * 60},
        pre_dose_limits={"bp_delay_gate": [130, 85], "heart_rate_max_bpm": 110},
        check_in_deadline_min=135,
        reason="Cautious start",
    )
    assert plan.caps["max_mg_per_session"] == 200
    assert plan.caps["min_interval_min"] == 72 * 60
    assert plan.caps["source"].endswith("tightened for this patient by the prescriber")
    assert services.plan_caps(plan).min_interval.total_seconds() == 72 * 3600
    rules = services.plan_safety_rules(plan)
    assert (rules.bp_delay_gate.systolic_mmhg, rules.bp_delay_gate.diastolic_mmhg) == (130, 85)
    assert rules.heart_rate_max_bpm == 110
    assert rules.check_in_deadline.total_seconds() == 135 * 60
    assert plan.reason == "Cautious start"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"route": "iv"}, "route"),
        ({"route": "intranasal"}, "route"),  # troches are not given intranasally
        ({"formulation": {"kind": "lozenge"}}, "formulation.kind"),
        ({"formulation": {"kind": "troche"}}, "formulation.strength_mg"),
        ({"formulation": {"kind": "troche", "strength_mg": "50.125"}}, "formulation.strength_mg"),
        (
            {"formulation": {"kind": "troche", "strength_mg": 50, "scored": "yes"}},
            "formulation.scored",
        ),
        (
            {"formulation": {"kind": "esketamine_device", "strength_mg": 28}},
            "formulation.strength_mg",
        ),
        ({"formulation": "troche"}, "formulation"),
        ({"dose_mg": 400}, "dose_mg"),  # above the 300 mg session cap (CLINICAL.md C)
        ({"dose_mg": 0}, "dose_mg"),
        ({"dose_mg": True}, "dose_mg"),
        ({"dose_mg": None}, "dose_mg"),
        ({"dose_mg_per_kg": 1.5}, "dose_mg"),  # both
        ({"dose_mg": None, "dose_mg_per_kg": 8}, "dose_mg_per_kg"),  # above 7 mg/kg
        ({"dose_mg": 10}, "dose_mg"),  # rounds to no dose with 25 mg steps
        ({"schedule": {**SCHEDULE, "pattern": "daily"}}, "schedule.pattern"),
        ({"schedule": {**SCHEDULE, "pattern": "esketamine_label"}}, "schedule.pattern"),
        ({"schedule": {**SCHEDULE, "first_day": "someday"}}, "schedule.first_day"),
        ({"schedule": {**SCHEDULE, "time_of_day": "25:00"}}, "schedule.time_of_day"),
        ({"schedule": {**SCHEDULE, "maintenance_weeks": -1}}, "schedule.maintenance_weeks"),
        ({"schedule": None}, "schedule"),
        ({"caps": {"max_mg_per_session": 400}}, "caps.max_mg_per_session"),
        ({"caps": {"max_sessions_per_7_days": 3}}, "caps.max_sessions_per_7_days"),
        ({"caps": {"max_sessions_per_7_days": None}}, "caps.max_sessions_per_7_days"),
        ({"caps": {"max_sessions_per_7_days": 1.5}}, "caps.max_sessions_per_7_days"),
        ({"caps": {"max_doses": 3}}, "caps.max_doses"),
        ({"caps": {"min_interval_min": 10 * 24 * 60}}, "schedule"),  # the schedule breaks it
        ({"caps": {"max_mg_per_session": 50}}, "dose_mg"),  # the dose is above the new cap
        ({"caps": [300]}, "caps"),
        ({"pre_dose_limits": {"bp_delay_gate": [150, 95]}}, "pre_dose_limits.bp_delay_gate"),
        ({"pre_dose_limits": {"bp_hard_stop": None}}, "pre_dose_limits.bp_hard_stop"),
        ({"pre_dose_limits": {"bp_hard_stop": [160]}}, "pre_dose_limits.bp_hard_stop"),
        ({"pre_dose_limits": {"fasting_required": False}}, "pre_dose_limits.fasting_required"),
        (
            {"pre_dose_limits": {"heart_rate_min_bpm": 100, "heart_rate_max_bpm": 90}},
            "pre_dose_limits.heart_rate_min_bpm",
        ),
        ({"pre_dose_limits": {"heart_rate_max_bpm": 0}}, "pre_dose_limits.heart_rate_max_bpm"),
        ({"pre_dose_limits": {"spo2_min": 92}}, "pre_dose_limits.spo2_min"),
        ({"check_in_deadline_min": 151}, "check_in_deadline_min"),  # after the clinic's 150
        ({"check_in_deadline_min": 120}, "check_in_deadline_min"),  # not after the observation
        ({"check_in_deadline_min": 0}, "check_in_deadline_min"),
        ({"route": "intranasal", "formulation": {"kind": "esketamine_device"}}, "formulation"),
        ({"sitter_required": False}, "sitter_required"),
        ({"indication": "flu"}, "indication"),
    ],
)
def test_create_plan_refuses_bad_fields_and_stores_nothing(prescriber, approved, changes, field):
    with pytest.raises(ValidationError) as err:
        plan_for(prescriber, approved, **changes)
    assert field in err.value.message_dict, err.value.message_dict
    assert not TreatmentPlan.objects.exists()
    assert not LedgerAccount.objects.exists()
    assert not AuditEntry.objects.exists()


def test_create_plan_reports_every_bad_field_at_once(prescriber, approved):
    # What the command's fields are (the spec) is read before the clinic's rules...
    with pytest.raises(ValidationError) as err:
        plan_for(prescriber, approved, dose_mg=0, check_in_deadline_min=0, indication="x")
    assert {"dose_mg", "check_in_deadline_min", "indication"} <= set(err.value.message_dict)
    # ...and what the clinic's rules refuse is reported at once too.
    with pytest.raises(ValidationError) as err:
        plan_for(prescriber, approved, dose_mg=400, check_in_deadline_min=151)
    assert {"dose_mg", "check_in_deadline_min"} <= set(err.value.message_dict)


@pytest.mark.parametrize("trait", ["clinician", "pharmacist", "coordinator", "clinic_admin"])
def test_only_prescribers_write_plans(clinic, approved, trait):
    actor = UserFactory(clinic=clinic, **{trait: True})
    with pytest.raises(NotAllowed):
        plan_for(actor, approved)
    assert not TreatmentPlan.objects.exists()


def test_patients_and_sitters_do_not_write_plans(clinic, approved):
    sitter = SitterFactory(clinic=clinic, patients=[approved])
    for actor in (approved.user, sitter.user):
        with pytest.raises(NotAllowed):
            plan_for(actor, approved)


def test_another_clinics_prescriber_gets_a_404(other_prescriber, approved):
    with pytest.raises(NotFound):
        plan_for(other_prescriber, approved)
    assert not TreatmentPlan.objects.exists()


@pytest.mark.parametrize(
    "phase", [Phase.SCREENING, Phase.INTAKE, Phase.UNDER_REVIEW, Phase.DECLINED, Phase.DISCHARGED]
)
def test_plans_are_written_only_once_the_patient_is_approved(prescriber, clinic, phase):
    patient = PatientFactory(clinic=clinic, phase=phase.value)
    with pytest.raises(WrongPhase):
        plan_for(prescriber, patient)
    assert not TreatmentPlan.objects.exists()


def test_a_second_plan_is_refused_a_change_is_a_revision(prescriber, plan, approved):
    with pytest.raises(PlanExists):
        plan_for(prescriber, approved)
    assert TreatmentPlan.objects.count() == 1


def test_revise_plan_writes_version_2_and_keeps_version_1(prescriber, plan, approved):
    revised = services.revise_plan(
        prescriber, plan, revision(dose_mg=125, reason="Titration: no response")
    )
    plan.refresh_from_db()
    assert (revised.version, revised.supersedes, revised.is_current) == (2, plan, True)
    assert plan.is_current is False
    assert plan.dose_mg == Decimal(100)  # never edited in place
    assert revised.dose_mg == Decimal(125)
    assert revised.take == "2 1/2 troches of 50 mg"
    assert revised.pk_summary["iv_equivalent_mg"] > plan.pk_summary["iv_equivalent_mg"]
    # What was not given is kept.
    assert plans.schedule_parameters(revised) == SCHEDULE
    assert (revised.caps, revised.pre_dose_limits) == (plan.caps, plan.pre_dose_limits)
    assert revised.reason == "Titration: no response"
    assert services.active_plan(approved) == revised
    entry = AuditEntry.objects.filter(object_type="treatment.TreatmentPlan").last()
    assert entry.detail == {"version": 2, "supersedes": 1}


def test_revise_plan_keeps_tightened_caps_of_the_same_product(prescriber, approved):
    plan = plan_for(prescriber, approved, caps={"max_mg_per_session": 200})
    revised = services.revise_plan(prescriber, plan, revision(dose_mg=75, reason="Step down"))
    assert revised.caps["max_mg_per_session"] == 200
    with pytest.raises(ValidationError) as err:
        services.revise_plan(prescriber, revised, revision(dose_mg=225, reason="Step up again"))
    assert "above the session cap of 200 mg" in err.value.message_dict["dose_mg"][0]


def test_a_revision_needs_a_reason(prescriber, plan):
    with pytest.raises(ValidationError) as err:
        services.revise_plan(prescriber, plan, revision(dose_mg=125, reason=" "))
    assert "reason" in err.value.message_dict
    assert TreatmentPlan.objects.count() == 1


def test_only_the_current_version_is_revised(prescriber, plan):
    services.revise_plan(prescriber, plan, revision(dose_mg=125, reason="Step up"))
    with pytest.raises(PlanSuperseded):
        services.revise_plan(prescriber, plan, revision(dose_mg=75, reason="Stale screen"))
    assert TreatmentPlan.objects.count() == 2


def test_revise_plan_refuses_other_roles_and_clinics(plan, clinic, other_prescriber):
    clinician = UserFactory(clinic=clinic, clinician=True)
    with pytest.raises(NotAllowed):
        services.revise_plan(clinician, plan, revision(dose_mg=125, reason="Step up"))
    with pytest.raises(NotFound):
        services.revise_plan(other_prescriber, plan, revision(dose_mg=125, reason="Step up"))
    assert TreatmentPlan.objects.count() == 1


def test_revise_plan_refuses_a_discharged_patient(prescriber, plan, approved):
    Patient.objects.filter(pk=approved.pk).update(phase=Phase.DISCHARGED.value)
    with pytest.raises(WrongPhase):
        services.revise_plan(prescriber, plan, revision(dose_mg=125, reason="Step up"))


def test_the_product_changes_only_with_an_empty_ledger(prescriber, pharmacist, approved, stocked):
    accept_returns(approved.clinic)
    plan = services.active_plan(approved)
    new_product = {"formulation": {"kind": "sublingual_tablet", "strength_mg": 100}}
    with pytest.raises(StockOnHand):
        services.revise_plan(prescriber, plan, revision(reason="Switch product", **new_product))
    assert TreatmentPlan.objects.count() == 1
    services.record_ledger_event(
        pharmacist, approved, ledger_spec("returned", 8, note="Returned to switch product")
    )
    revised = services.revise_plan(
        prescriber, plan, revision(reason="Switch product", **new_product)
    )
    assert (revised.formulation_kind, revised.take) == ("sublingual_tablet", "1 tablet of 100 mg")


def test_a_new_product_without_caps_takes_its_own_default_caps(prescriber, approved):
    plan = plan_for(prescriber, approved, caps={"max_mg_per_session": 200})
    revised = services.revise_plan(prescriber, plan, revision(reason="Switch to spray", **SPRAY))
    assert revised.caps == plans.caps_to_json(dosing.DEFAULT_RULES.intranasal_racemic_caps)
    assert LedgerAccount.objects.get(patient=approved).unit == LedgerUnit.SPRAYS


def test_the_database_holds_one_current_version_per_patient(prescriber, plan):
    duplicate = TreatmentPlan.objects.get(pk=plan.pk)
    duplicate.pk, duplicate.version = None, 2
    duplicate.supersedes = plan
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_the_database_requires_a_sitter(plan):
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentPlan.objects.filter(pk=plan.pk).update(sitter_required=False)


def test_active_plan_is_none_before_the_first_plan(approved):
    assert services.active_plan(approved) is None


def test_plans_are_visible_to_their_clinic_the_patient_and_sitter_only(
    plan, approved, other_patient, clinic, outsider
):
    sitter = SitterFactory(clinic=clinic, patients=[approved])
    colleague = UserFactory(clinic=clinic, pharmacist=True)
    for user in (colleague, approved.user, sitter.user):
        assert list(TreatmentPlan.objects.visible_to(user)) == [plan]
    for user in (outsider, other_patient.user, None):
        assert not TreatmentPlan.objects.visible_to(user).exists()
