"""At-home sessions: the pre-dose gate, the dose, the check-in, adverse events, phases."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError

from ketacare.audit.log import verify
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.kernel.errors import NotAllowed, NotFound, WrongPhase
from ketacare.kernel.specs import read
from ketacare.patients.models import Patient, PhaseChange
from ketacare.patients.phases import Phase, PhaseTransitionError, ReasonRequired
from ketacare.treatment import services
from ketacare.treatment.errors import (
    AlreadyRecorded,
    GateFailed,
    GateOutdated,
    NoActivePlan,
    NotDosed,
    PlanChanged,
)
from ketacare.treatment.models import (
    AdverseEvent,
    DosingSession,
    PostDoseCheckIn,
    SessionStatus,
)
from ketacare.treatment.specs.plans import MoveSpec
from ketacare.treatment.specs.sessions import AdverseEventSpec, CheckInSpec, DoseSpec
from tests.factories import PatientFactory, SitterFactory, UserFactory
from tests.treatment.helpers import (
    CHECK_IN_BP,
    NO_IDEATION,
    NOW,
    after_observation,
    balance,
    fill,
    plan_for,
    prescribe,
    ready_session,
    revision,
)

pytestmark = pytest.mark.django_db


def _dose(actor, session, dose_mg=100, **extra):
    return services.record_dose_taken(actor, session, read(DoseSpec, {"dose_mg": dose_mg, **extra}))


def _phase(patient) -> str:
    patient.refresh_from_db()
    return patient.phase


def _causes(session) -> list[str]:
    return [f["cause"] for f in session.gate_findings]


# --- The pre-dose checklist and its gate --------------------------------------------------


def test_a_passed_checklist_makes_a_session_ready(approved, plan):
    session = ready_session(approved.user, approved)
    assert (session.status, session.gate_findings, session.plan) == ("ready", [], plan)
    assert (session.systolic_mmhg, session.diastolic_mmhg, session.sitter_name) == (
        120,
        80,
        "Robin Sitter",
    )
    assert (session.started_by, session.started_at) == (approved.user, NOW)
    assert session.sitter is not None
    assert session.sitter_presence.sitter == session.sitter
    assert session.cssrs_response.instrument == "cssrs_screen"
    entry = AuditEntry.objects.get(object_type="treatment.DosingSession")
    assert (entry.action, entry.detail) == (AuditAction.CREATE, {"status": "ready"})


def test_a_failed_gate_stores_the_session_with_its_reasons(approved, plan):
    session = ready_session(approved.user, approved, systolic_mmhg=150, diastolic_mmhg=95)
    session.refresh_from_db()
    assert session.status == SessionStatus.GATE_FAILED
    [finding] = session.gate_findings
    assert finding["cause"] == "bp_gate_failed"
    assert finding["severity"] == "warning"
    assert "150/95 mmHg" in finding["message"]
    assert finding["next_step"].startswith("Do not take the dose now")
    assert finding["source"] == "CLINICAL.md D"
    # Every reading is kept, the failed ones too (CLINICAL.md G2).
    assert DosingSession.objects.get().systolic_mmhg == 150


def test_the_gate_lists_every_failed_item(approved, plan):
    session = ready_session(
        approved.user,
        approved,
        sitter_present=False,
        fasted=False,
        no_driving_until_tomorrow=False,
        substances_today=["stimulants", "alcohol"],
        systolic_mmhg=165,
        diastolic_mmhg=85,
    )
    assert _causes(session) == [
        "bp_gate_failed",
        "sitter_absent",
        "not_fasted",
        "driving_planned",
        "interacting_substance",
        "interacting_substance",
    ]
    assert session.gate_findings[0]["severity"] == "urgent"  # the 160/100 hard stop
    assert session.substances_today == ["alcohol", "stimulants"]


def test_the_gate_uses_the_plans_limits(prescriber, approved):
    plan_for(prescriber, approved, pre_dose_limits={"bp_delay_gate": [130, 85]})
    session = ready_session(approved.user, approved, systolic_mmhg=135, diastolic_mmhg=80)
    assert _causes(session) == ["bp_gate_failed"]
    assert "130/85 mmHg" in session.gate_findings[0]["message"]


def test_the_gate_uses_the_plans_heart_rate_limits(prescriber, approved):
    plan_for(prescriber, approved, pre_dose_limits={"heart_rate_max_bpm": 100})
    assert _causes(ready_session(approved.user, approved)) == ["heart_rate_gate_failed"]
    ok = ready_session(approved.user, approved, heart_rate_bpm=72)
    assert (ok.status, ok.heart_rate_bpm) == ("ready", 72)


def test_the_gate_counts_the_doses_of_the_last_7_days(approved, plan, stocked, clock):
    _dose(approved.user, ready_session(approved.user, approved))
    clock.shift(timedelta(days=3))
    _dose(approved.user, ready_session(approved.user, approved))
    clock.shift(timedelta(days=3))
    # Twice weekly (CLINICAL.md C): a third dose within 7 days is refused.
    assert _causes(ready_session(approved.user, approved)) == ["too_many_sessions"]
    clock.shift(timedelta(days=1, minutes=1))
    assert ready_session(approved.user, approved).status == "ready"


def test_the_gate_keeps_the_plans_minimum_interval(prescriber, pharmacist, approved, clock):
    plan_for(prescriber, approved, caps={"min_interval_min": 3 * 24 * 60})
    fill(pharmacist, prescribe(prescriber, approved))
    _dose(approved.user, ready_session(approved.user, approved))
    clock.shift(timedelta(days=2))
    assert _causes(ready_session(approved.user, approved)) == ["dose_too_soon"]


def test_the_sitter_attests_with_their_own_sign_in(approved, plan, sitter):
    session = ready_session(sitter.user, approved)
    assert (session.sitter, session.started_by) == (sitter, sitter.user)
    assert session.sitter_presence.method == "account"


@pytest.mark.parametrize("trait", ["coordinator", "clinician"])
def test_staff_record_a_session_for_the_patient(clinic, approved, plan, trait):
    staff = UserFactory(clinic=clinic, **{trait: True})
    assert ready_session(staff, approved).started_by == staff


@pytest.mark.parametrize("trait", ["pharmacist", "clinic_admin"])
def test_other_staff_do_not_record_sessions(clinic, approved, plan, trait):
    with pytest.raises(NotAllowed):
        ready_session(UserFactory(clinic=clinic, **{trait: True}), approved)
    assert not DosingSession.objects.exists()


def test_others_get_a_404(approved, other_patient, plan, outsider, clinic):
    other_sitter = SitterFactory(clinic=clinic, patients=[other_patient])
    for stranger in (outsider, other_patient.user, other_sitter.user):
        with pytest.raises(NotFound):
            ready_session(stranger, approved)
    assert not DosingSession.objects.exists()


@pytest.mark.parametrize(
    "phase", [Phase.SCREENING, Phase.UNDER_REVIEW, Phase.DECLINED, Phase.DISCHARGED]
)
def test_no_session_outside_treatment(prescriber, clinic, phase):
    patient = PatientFactory(clinic=clinic, with_account=True, phase=phase.value)
    with pytest.raises(WrongPhase):
        ready_session(patient.user, patient)


def test_no_session_while_paused(approved, plan):
    Patient.objects.filter(pk=approved.pk).update(
        phase=Phase.PAUSED.value, paused_from=Phase.INDUCTION.value
    )
    with pytest.raises(WrongPhase):
        ready_session(approved.user, approved)


def test_no_session_without_a_plan(approved):
    with pytest.raises(NoActivePlan):
        ready_session(approved.user, approved)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"systolic_mmhg": 80, "diastolic_mmhg": 120}, "blood_pressure"),  # swapped
        ({"systolic_mmhg": 400}, "blood_pressure"),
        ({"systolic_mmhg": 120.5}, "blood_pressure"),
        ({"heart_rate_bpm": 5}, "heart_rate_bpm"),
        ({"heart_rate_bpm": "fast"}, "heart_rate_bpm"),
        ({"sitter_present": "yes"}, "sitter_present"),
        ({"fasted": None}, "fasted"),
        ({"no_driving_until_tomorrow": 1}, "no_driving_until_tomorrow"),
        ({"substances_today": ["glue"]}, "substances_today"),
        ({"substances_today": "alcohol"}, "substances_today"),
        (
            {"cssrs": {**NO_IDEATION, "wish_to_be_dead": True, "thoughts_with_method": True}},
            "cssrs",
        ),
        ({"cssrs": "no"}, "cssrs"),
        ({"cssrs": {"one": 0}}, "cssrs"),
    ],
)
def test_start_session_refuses_bad_fields_and_stores_nothing(approved, plan, changes, field):
    with pytest.raises(ValidationError) as err:
        ready_session(approved.user, approved, **changes)
    assert field in err.value.message_dict
    assert not DosingSession.objects.exists()


# --- The dose ------------------------------------------------------------------------------


def test_the_dose_taken_decrements_the_ledger_and_sets_the_check_in_deadline(
    approved, plan, stocked
):
    session = _dose(approved.user, ready_session(approved.user, approved))
    session.refresh_from_db()
    assert (session.status, session.dose_mg, session.taken_at) == ("dosed", Decimal(100), NOW)
    assert (session.as_planned, session.against_gate, session.dose_findings) == (True, False, [])
    # CLINICAL.md D: 2 h of observation, then the check-in is due by 2 h 30 min.
    assert session.bp_due_at == NOW + timedelta(minutes=40)
    assert session.observation_ends_at == NOW + timedelta(hours=2)
    assert session.check_in_due_at == NOW + timedelta(hours=2, minutes=30)
    assert (session.dose_recorded_by, session.dose_recorded_at) == (approved.user, NOW)
    event = session.ledger_event
    assert (event.kind, event.quantity, event.balance_after) == ("taken", -2, 6)
    assert balance(approved) == 6


def test_the_first_dose_starts_induction(approved, plan, stocked):
    session = _dose(approved.user, ready_session(approved.user, approved))
    assert _phase(approved) == Phase.INDUCTION
    change = PhaseChange.objects.get(patient=approved, to_phase=Phase.INDUCTION)
    assert (change.from_phase, change.actor) == (Phase.APPROVED, approved.user)
    assert change.reason == f"first dose taken (session {session.pk})"
    moves = AuditEntry.objects.filter(object_type="patients.Patient", action=AuditAction.UPDATE)
    assert [e.detail for e in moves] == [{"phase": ["approved", "induction"]}]
    assert verify().ok


def test_later_doses_leave_the_phase_alone(approved, plan, stocked, clock):
    _dose(approved.user, ready_session(approved.user, approved))
    clock.shift(timedelta(days=3))
    _dose(approved.user, ready_session(approved.user, approved))
    assert _phase(approved) == Phase.INDUCTION
    assert PhaseChange.objects.filter(patient=approved, to_phase=Phase.INDUCTION).count() == 1
    assert balance(approved) == 4


def test_the_first_dose_is_written_on_the_patient_and_later_ones_leave_it(
    approved, plan, stocked, clock
):
    first = _dose(approved.user, ready_session(approved.user, approved))
    clock.shift(timedelta(days=3))
    _dose(approved.user, ready_session(approved.user, approved))
    approved.refresh_from_db()
    assert approved.first_dose_at == first.taken_at == NOW


def test_the_migration_writes_the_first_dose_of_the_doses_on_record(
    approved, other_patient, plan, stocked, clock
):
    first = _dose(approved.user, ready_session(approved.user, approved))
    clock.shift(timedelta(days=3))
    _dose(approved.user, ready_session(approved.user, approved))
    Patient.objects.update(first_dose_at=None)  # as before the field existed
    backfill = import_module("ketacare.treatment.migrations.0007_backfill_first_dose_at")
    backfill.backfill(django_apps, None)
    approved.refresh_from_db()
    other_patient.refresh_from_db()
    assert approved.first_dose_at == first.taken_at
    assert other_patient.first_dose_at is None  # no dose on record


def test_the_plans_deadline_and_half_tablets(prescriber, pharmacist, approved):
    plan_for(prescriber, approved, dose_mg=25, check_in_deadline_min=140)
    # What the plan needs: 12 sessions of half a troche (issue 11, item 14).
    fill(pharmacist, prescribe(prescriber, approved, quantity=6, refills=0), quantity=6)
    session = _dose(approved.user, ready_session(approved.user, approved), dose_mg=25)
    assert session.check_in_due_at == NOW + timedelta(minutes=140)
    assert session.ledger_event.quantity == Decimal("-0.5")
    assert balance(approved) == Decimal("5.5")


def test_a_dose_taken_earlier_is_dated_when_it_was_taken(approved, plan, stocked, clock):
    session = ready_session(approved.user, approved)
    clock.shift(timedelta(minutes=30))
    taken = NOW + timedelta(minutes=10)
    session = _dose(approved.user, session, taken_at=taken)
    assert (session.taken_at, session.check_in_due_at) == (
        taken,
        taken + timedelta(hours=2, minutes=30),
    )
    assert session.dose_recorded_at == NOW + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dose_mg": 0}, "dose_mg"),
        ({"dose_mg": "a lot"}, "dose_mg"),
        ({"taken_at": NOW + timedelta(minutes=5)}, "taken_at"),  # in the future
        ({"taken_at": NOW - timedelta(minutes=5)}, "taken_at"),  # before the checklist
        ({"taken_at": "yesterday"}, "taken_at"),
        ({"dose_mg": 110}, "dose_mg"),  # troches of 50 mg, scored: steps of 25 mg
        ({"already_taken": "yes"}, "already_taken"),
    ],
)
def test_record_dose_refuses_bad_fields_and_stores_nothing(approved, plan, stocked, changes, field):
    session = ready_session(approved.user, approved)
    with pytest.raises(ValidationError) as err:
        services.record_dose_taken(
            approved.user, session, read(DoseSpec, ({"dose_mg": 100} | changes))
        )
    assert field in err.value.message_dict
    session.refresh_from_db()
    assert session.status == "ready"
    assert balance(approved) == 8


def test_the_plans_dose_in_any_number_form_is_accepted(approved, plan, stocked):
    assert _dose(approved.user, ready_session(approved.user, approved), "100.00").status == "dosed"


def test_no_dose_after_a_failed_gate(approved, plan, stocked):
    session = ready_session(approved.user, approved, fasted=False)
    with pytest.raises(GateFailed) as err:
        _dose(approved.user, session)
    assert "not fasted" in err.value.message
    assert balance(approved) == 8
    assert _phase(approved) == Phase.APPROVED


def test_a_dose_is_recorded_once(approved, plan, stocked):
    session = _dose(approved.user, ready_session(approved.user, approved))
    with pytest.raises(AlreadyRecorded):
        _dose(approved.user, session)
    assert balance(approved) == 6


def test_a_dose_on_an_older_checklist_is_refused(approved, plan, stocked):
    first = ready_session(approved.user, approved)
    second = ready_session(approved.user, approved)
    _dose(approved.user, second)
    with pytest.raises(GateOutdated):
        _dose(approved.user, first)
    assert balance(approved) == 6


def test_a_dose_after_the_plan_changed_is_refused(prescriber, approved, plan, stocked):
    session = ready_session(approved.user, approved)
    services.revise_plan(prescriber, plan, revision(dose_mg=125, reason="Step up"))
    with pytest.raises(PlanChanged):
        _dose(approved.user, session, dose_mg=125)
    assert balance(approved) == 8


def test_no_dose_once_paused(prescriber, approved, plan, stocked, clock):
    _dose(approved.user, ready_session(approved.user, approved))
    clock.shift(timedelta(days=3))
    session = ready_session(approved.user, approved)
    services.pause_treatment(prescriber, approved, MoveSpec(reason="Travelling"))
    with pytest.raises(WrongPhase):
        _dose(approved.user, session)


@pytest.mark.usefixtures("plan", "stocked")
def test_who_records_a_dose(clinic, approved, sitter, outsider):
    session = ready_session(approved.user, approved)
    with pytest.raises(NotAllowed):
        _dose(UserFactory(clinic=clinic, pharmacist=True), session)
    with pytest.raises(NotFound):
        _dose(outsider, session)
    assert _dose(sitter.user, session).dose_recorded_by == sitter.user


# --- The check-in ---------------------------------------------------------------------------


@pytest.fixture
def dosed(approved, plan, stocked):
    return _dose(approved.user, ready_session(approved.user, approved))


def _check_in(actor, session, **extra):
    fields = {"feeling": "well", "blood_pressure": CHECK_IN_BP}
    return services.record_check_in(actor, session, read(CheckInSpec, (fields | extra)))


@pytest.fixture
def observed(dosed, clock):
    """The dose of `dosed`, its observation over: the check-in is open."""
    after_observation(clock, dosed)
    return dosed


def test_a_check_in_on_time(approved, observed, clock):
    dosed = observed
    clock.shift(timedelta(minutes=10))
    check_in = _check_in(
        approved.user,
        dosed,
        blood_pressure=(128, 82),
        cadss6_answers=[1, 1, 0, 0, 1, 0],
        side_effects=["nausea", "dizziness", "nausea"],
        notes="Felt floaty for an hour",
    )
    # Nausea and dizziness are graded info (CLINICAL.md G7 and ketacare's own table).
    assert (check_in.feeling, check_in.late) == ("well", False)
    assert [(f["cause"], f["severity"]) for f in check_in.findings] == [("adverse_event", "info")]
    assert (check_in.systolic_mmhg, check_in.diastolic_mmhg) == (128, 82)
    assert check_in.cadss6_answers == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 1, "6": 0}
    assert (check_in.cadss6_total, check_in.cadss6_band) == (3, "mild")
    assert check_in.side_effects == ["nausea", "dizziness"]
    assert check_in.checked_in_at == NOW + timedelta(minutes=130)
    dosed.refresh_from_db()
    assert dosed.status == SessionStatus.CHECKED_IN
    assert AuditEntry.objects.filter(object_type="treatment.PostDoseCheckIn").count() == 1


def test_a_late_check_in_is_marked_late(approved, dosed, clock):
    clock.shift(timedelta(hours=3))
    check_in = _check_in(approved.user, dosed)
    assert check_in.late is True
    assert [f["cause"] for f in check_in.findings] == ["late_check_in"]


def test_a_blood_pressure_rise_and_high_dissociation_are_findings(approved, observed):
    check_in = _check_in(
        approved.user,
        observed,
        blood_pressure={"systolic_mmhg": 165, "diastolic_mmhg": 85},
        cadss6_answers={"1": 4, "2": 4, "3": 3, "4": 3, "5": 3, "6": 1},
    )
    causes = [(f["cause"], f["severity"]) for f in check_in.findings]
    assert causes == [("high_dissociation", "warning"), ("bp_rise_after_dose", "urgent")]
    assert check_in.cadss6_total == 18


def test_other_side_effects_are_described(approved, observed):
    with pytest.raises(ValidationError) as err:
        _check_in(approved.user, observed, side_effects=["other"])
    assert "side_effect_other" in err.value.message_dict
    check_in = _check_in(
        approved.user, observed, side_effects=["other"], side_effect_other="Blurred vision"
    )
    assert (check_in.side_effects, check_in.side_effect_other) == (["other"], "Blurred vision")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"feeling": "meh"}, "feeling"),
        ({"blood_pressure": (80, 120)}, "blood_pressure"),
        ({"blood_pressure": "120/80"}, "blood_pressure"),
        ({"cadss6_answers": [1, 2, 3]}, "cadss6_answers"),
        ({"cadss6_answers": [5, 0, 0, 0, 0, 0]}, "cadss6_answers"),
        ({"cadss6_answers": {"one": 1}}, "cadss6_answers"),
        ({"cadss6_answers": "none"}, "cadss6_answers"),
        ({"side_effects": ["hiccups"]}, "side_effects"),
        ({"side_effect_other": "Itching"}, "side_effect_other"),  # without ticking other
        ({"blood_pressure": None}, "blood_pressure"),  # required (CLINICAL.md D, G4)
    ],
)
def test_record_check_in_refuses_bad_fields_and_stores_nothing(approved, observed, changes, field):
    with pytest.raises(ValidationError) as err:
        _check_in(approved.user, observed, **changes)
    assert field in err.value.message_dict
    assert not PostDoseCheckIn.objects.exists()


def test_a_check_in_needs_a_dose_and_comes_once(approved, plan, stocked, observed, clock):
    clock.shift(timedelta(days=3))
    with pytest.raises(NotDosed):
        _check_in(approved.user, ready_session(approved.user, approved))
    _check_in(approved.user, observed)
    with pytest.raises(AlreadyRecorded):
        _check_in(approved.user, observed)
    assert PostDoseCheckIn.objects.count() == 1


def test_who_records_a_check_in(clinic, approved, observed, outsider, coordinator):
    with pytest.raises(NotAllowed):
        _check_in(UserFactory(clinic=clinic, pharmacist=True), observed)
    with pytest.raises(NotFound):
        _check_in(outsider, observed)
    assert _check_in(coordinator, observed).recorded_by == coordinator


def test_a_check_in_is_allowed_after_a_pause(prescriber, approved, observed):
    services.pause_treatment(prescriber, approved, MoveSpec(reason="Side effects"))
    assert _check_in(approved.user, observed).feeling == "well"


# --- Adverse events ------------------------------------------------------------------------


def _report(actor, patient, **extra):
    fields = {
        "description": "Fainted after the dose",
        "severity": "severe",
        "serious": False,
        "outcome": "resolved",
    }
    return services.report_adverse_event(actor, patient, read(AdverseEventSpec, (fields | extra)))


def test_an_adverse_event_is_graded_by_the_safety_rules(approved, dosed):
    event = _report(approved.user, approved, session_id=dosed.pk, onset_at=NOW)
    assert (event.severity, event.serious, event.outcome, event.session) == (
        "severe",
        False,
        "resolved",
        dosed,
    )
    assert event.finding["cause"] == "adverse_event"
    assert event.finding["severity"] == "urgent"  # severe: urgent (ketacare default)
    assert AuditEntry.objects.filter(object_type="treatment.AdverseEvent").count() == 1


@pytest.mark.parametrize(
    ("severity", "serious", "level"),
    [
        ("mild", False, "info"),
        ("moderate", False, "warning"),
        ("moderate", True, "urgent"),
        ("life_threatening", True, "emergency"),
    ],
)
def test_adverse_event_levels(approved, plan, severity, serious, level):
    event = _report(approved.user, approved, severity=severity, serious=serious)
    assert event.finding["severity"] == level


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": ""}, "description"),
        ({"severity": "grade 3"}, "severity"),
        ({"serious": "no"}, "serious"),
        ({"outcome": "better"}, "outcome"),
        ({"severity": "life_threatening"}, "serious"),  # ICH E2A: serious by definition
        ({"outcome": "fatal"}, "serious"),
        ({"onset_at": NOW + timedelta(hours=1)}, "onset_at"),
    ],
)
def test_report_adverse_event_refuses_bad_fields(approved, plan, changes, field):
    with pytest.raises(ValidationError) as err:
        _report(approved.user, approved, **changes)
    assert field in err.value.message_dict
    assert not AdverseEvent.objects.exists()


def test_the_session_must_be_the_patients(approved, other_patient, dosed, clinic):
    with pytest.raises(ValidationError) as err:
        _report(UserFactory(clinic=clinic, clinician=True), other_patient, session_id=dosed.pk)
    assert "session_id" in err.value.message_dict


def test_who_reports_adverse_events(clinic, approved, plan, sitter, outsider):
    assert _report(sitter.user, approved).reported_by == sitter.user
    assert _report(UserFactory(clinic=clinic, prescriber=True), approved).serious is False
    with pytest.raises(NotAllowed):
        _report(UserFactory(clinic=clinic, pharmacist=True), approved)
    with pytest.raises(NotFound):
        _report(outsider, approved)


# --- Phases ------------------------------------------------------------------------------


def test_the_prescriber_moves_induction_to_maintenance_pauses_and_discharges(
    prescriber, approved, dosed
):
    services.start_maintenance(prescriber, approved, MoveSpec())
    assert _phase(approved) == Phase.MAINTENANCE
    services.pause_treatment(prescriber, approved, MoveSpec(reason="Holiday"))
    assert _phase(approved) == Phase.PAUSED
    services.resume_treatment(prescriber, approved, MoveSpec())
    assert _phase(approved) == Phase.MAINTENANCE
    services.discharge_patient(
        prescriber, approved, MoveSpec(reason="Course complete, in remission")
    )
    assert _phase(approved) == Phase.DISCHARGED
    last = PhaseChange.objects.filter(patient=approved).last()
    assert (last.actor, last.reason) == (prescriber, "Course complete, in remission")


def test_pausing_and_discharging_need_a_reason(prescriber, approved, dosed):
    with pytest.raises(ReasonRequired):
        services.pause_treatment(prescriber, approved, MoveSpec(reason=""))
    with pytest.raises(ReasonRequired):
        services.discharge_patient(prescriber, approved, MoveSpec(reason=" "))
    assert _phase(approved) == Phase.INDUCTION


def test_phase_moves_follow_the_phase_machine(prescriber, approved, plan):
    with pytest.raises(PhaseTransitionError):
        services.start_maintenance(prescriber, approved, MoveSpec())  # approved -> maintenance
    assert _phase(approved) == Phase.APPROVED


def test_only_the_prescriber_moves_treatment_phases(clinic, approved, dosed, outsider):
    clinician = UserFactory(clinic=clinic, clinician=True)
    with pytest.raises(NotAllowed):
        services.start_maintenance(clinician, approved, MoveSpec())
    with pytest.raises(NotAllowed):
        services.pause_treatment(approved.user, approved, MoveSpec(reason="I want a break"))
    other_prescriber = UserFactory(clinic=outsider.clinic, prescriber=True)
    with pytest.raises(NotFound):
        services.discharge_patient(other_prescriber, approved, MoveSpec(reason="x"))
    assert _phase(approved) == Phase.INDUCTION


# --- Scoping --------------------------------------------------------------------------------


def test_sessions_check_ins_and_adverse_events_are_scoped(
    approved, other_patient, observed, sitter, outsider
):
    dosed = observed
    _check_in(approved.user, dosed)
    _report(approved.user, approved, session_id=dosed.pk)
    colleague = UserFactory(clinic=approved.clinic, clinician=True)
    for model in (DosingSession, PostDoseCheckIn, AdverseEvent):
        for user in (approved.user, sitter.user, colleague):
            assert model.objects.visible_to(user).count() == 1
        for user in (other_patient.user, outsider, None):
            assert not model.objects.visible_to(user).exists()
