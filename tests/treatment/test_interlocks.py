"""The at-home safety interlocks, each through the real services in the situation it closes.

Each test drives the situation that used to get through (the old main passed the dose).

Numbers are the items of the at-home safety issue: 1 spacing, 2 the checklist's age,
3 blood-pressure holds, 4 suicidality holds, 5 C-SSRS at every checklist, 7 a dose that
is not the plan's, 9 the observation window, 10 a high reading after the dose, 11 how
the patient is at the check-in, 12 the substances, 13 the sitter.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ketacare.accounts.models import RoleGrant
from ketacare.accounts.roles import Role
from ketacare.alerts.models import Alert, AlertStatus, Notification
from ketacare.alerts.services import resolve_alert
from ketacare.alerts.specs import ResolveSpec
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.audit.log import verify
from ketacare.kernel.errors import NotAllowed
from ketacare.kernel.specs import read
from ketacare.patients.phases import Phase
from ketacare.patients.protocol import change_protocol
from ketacare.patients.specs import ProtocolSpec
from ketacare.treatment import queries, services
from ketacare.treatment.errors import GateFailed, GateOutdated, NotYet, WrongSitter
from ketacare.treatment.gate import day_start
from ketacare.treatment.models import (
    DiversionFinding,
    DosingClearance,
    DosingSession,
    PostDoseReading,
    SitterCode,
    SitterPresence,
)
from ketacare.treatment.sitting import CODE_TRIES
from ketacare.treatment.specs.sessions import CheckInSpec, DoseSpec, ReadingSpec, ReleaseSpec
from tests.factories import PatientFactory, SitterFactory, UserFactory
from tests.treatment.helpers import (
    CHECK_IN_BP,
    NO_IDEATION,
    NOW,
    after_observation,
    balance,
    clearance,
    fill,
    plan_for,
    prescribe,
    ready_session,
    sitter_here,
)

pytestmark = pytest.mark.django_db

PHQ9_ITEM_9 = [1, 1, 1, 1, 1, 1, 1, 1, 1]


def _dose(actor, session, dose_mg=100, **extra):
    return services.record_dose_taken(actor, session, read(DoseSpec, {"dose_mg": dose_mg, **extra}))


def _causes(session) -> list[str]:
    return [f["cause"] for f in session.gate_findings]


def _alerts(cause) -> list[tuple[str, str]]:
    rows = Alert.objects.filter(cause=cause).exclude(status=AlertStatus.RESOLVED)
    return [(a.severity, a.status) for a in rows]


@pytest.fixture
def dosed(approved, plan, stocked):
    return _dose(approved.user, ready_session(approved.user, approved))


# --- 1. Spacing: 72 h between doses, one a calendar day, checked again at the dose ---------


def test_1_a_second_dose_three_hours_later_is_held(approved, dosed, clock):
    clock.shift(timedelta(hours=3))
    session = ready_session(approved.user, approved)
    assert session.status == "gate_failed"
    assert _causes(session) == ["dose_today_already", "dose_too_soon"]
    assert "You have already taken a dose today" in session.gate_findings[0]["next_step"]


def test_1_the_next_day_is_still_too_soon(approved, dosed, clock):
    clock.shift(timedelta(hours=20))
    assert _causes(ready_session(approved.user, approved)) == ["dose_too_soon"]
    clock.shift(timedelta(hours=52))  # 72 h after the first dose
    assert ready_session(approved.user, approved).status == "ready"


def test_1_a_clinic_may_set_48_hours_in_its_protocol(
    clinic_admin, prescriber, pharmacist, approved, clock
):
    change_protocol(
        clinic_admin,
        approved.clinic,
        ProtocolSpec(changes={"min_hours_between_doses": 48}, reason="Medical director: 48 h"),
    )
    plan_for(prescriber, approved)  # the plan's caps start from the clinic's protocol
    fill(pharmacist, prescribe(prescriber, approved))
    _dose(approved.user, ready_session(approved.user, approved))
    clock.shift(timedelta(hours=47))
    assert _causes(ready_session(approved.user, approved)) == ["dose_too_soon"]
    clock.shift(timedelta(hours=1))
    assert ready_session(approved.user, approved).status == "ready"


def test_1_the_spacing_is_checked_again_when_the_dose_is_recorded(approved, plan, stocked):
    first = ready_session(approved.user, approved)
    second = ready_session(approved.user, approved)
    _dose(approved.user, second)
    with pytest.raises(GateOutdated):
        _dose(approved.user, first)
    assert balance(approved) == 6


# --- 2. A passed checklist expires; the dose runs every gate again --------------------------


@pytest.mark.parametrize(
    ("minutes", "held"),
    [
        (60, []),
        (61, ["checklist_expired"]),
        # 12 hours later the sitter's confirmation has run out too (2 h by default).
        (12 * 60, ["sitter_absent", "checklist_expired"]),
    ],
)
@pytest.mark.usefixtures("plan", "stocked")
def test_2_a_checklist_authorises_a_dose_for_60_minutes(approved, clock, minutes, held):
    session = ready_session(approved.user, approved)
    clock.shift(timedelta(minutes=minutes))
    if not held:
        assert _dose(approved.user, session).status == "dosed"
        return
    with pytest.raises(GateFailed) as err:
        _dose(approved.user, session)
    assert [f.cause for f in err.value.findings] == held
    assert "Do the checklist again" in err.value.findings[-1].next_step
    session.refresh_from_db()
    assert (session.status, balance(approved)) == ("ready", 8)


# --- 3. Blood pressure: the hard stop holds the day; a re-measure waits; 3 tries ----------


def test_3_after_a_hard_stop_a_normal_reading_seconds_later_does_not_pass(
    approved, plan, stocked, clock, clinician
):
    stopped = ready_session(approved.user, approved, systolic_mmhg=165, diastolic_mmhg=100)
    assert _causes(stopped) == ["bp_gate_failed"]
    assert _alerts("bp_gate_failed") == [("urgent", "open")]
    clock.shift(timedelta(seconds=30))
    again = ready_session(approved.user, approved, systolic_mmhg=128, diastolic_mmhg=82)
    assert _causes(again) == ["bp_hard_stop_today"]
    clock.shift(timedelta(hours=4))
    assert _causes(ready_session(approved.user, approved)) == ["bp_hard_stop_today"]
    # Only a clinician lifts it; the clearance resolves the alert.
    services.clear_for_dosing(
        clinician,
        approved,
        clearance(hold="blood_pressure", note="Called: cuff too small; 126/80 now."),
    )
    assert _alerts("bp_gate_failed") == []
    assert ready_session(approved.user, approved).status == "ready"
    # Every reading is kept.
    assert list(DosingSession.objects.values_list("systolic_mmhg", flat=True).order_by("pk")) == [
        165,
        128,
        120,
        120,
    ]


def test_3_after_a_delay_gate_failure_a_re_measure_waits_15_minutes(approved, plan, stocked, clock):
    ready_session(approved.user, approved, systolic_mmhg=150, diastolic_mmhg=95)
    clock.shift(timedelta(minutes=5))
    assert _causes(ready_session(approved.user, approved)) == ["bp_remeasure_too_soon"]
    clock.shift(timedelta(minutes=10))
    assert ready_session(approved.user, approved).status == "ready"


def test_3_three_readings_over_the_limit_end_the_days_tries(approved, plan, stocked, clock):
    for _ in range(2):
        assert _causes(ready_session(approved.user, approved, systolic_mmhg=148)) == [
            "bp_gate_failed"
        ]
        clock.shift(timedelta(minutes=15))
    third = ready_session(approved.user, approved, systolic_mmhg=148)
    assert _causes(third) == ["bp_gate_failed", "bp_tries_used"]
    clock.shift(timedelta(minutes=15))
    assert _causes(ready_session(approved.user, approved)) == ["bp_tries_used"]


def test_3_only_clinicians_clear_a_hold_with_a_note(approved, plan, coordinator, clinician):
    with pytest.raises(NotAllowed):
        services.clear_for_dosing(
            coordinator, approved, clearance(hold="blood_pressure", note="ok")
        )
    with pytest.raises(Exception, match="note"):
        services.clear_for_dosing(clinician, approved, clearance(hold="blood_pressure", note=" "))
    assert not DosingClearance.objects.exists()


# --- 4. Suicidality holds the dose until a clinician clears it ------------------------------


def test_4_an_open_suicidality_alert_from_the_morning_holds_the_evening_dose(
    approved, plan, stocked, clock, clinician
):
    submit_questionnaire(
        approved.user, approved, questionnaire(instrument="phq9", answers=PHQ9_ITEM_9)
    )
    assert _alerts("suicidality") == [("urgent", "open")]
    clock.shift(timedelta(hours=9))
    held = ready_session(approved.user, approved)
    assert _causes(held)[0] == "suicidality_hold"
    assert "thoughts of death or suicide" in held.gate_findings[0]["next_step"]
    services.clear_for_dosing(
        clinician,
        approved,
        clearance(hold="suicidality", note="Spoke with her: passive thoughts, safe."),
    )
    assert _alerts("suicidality") == []
    assert ready_session(approved.user, approved).status == "ready"


def test_4_a_flag_after_the_checklist_holds_the_dose_at_dose_time(approved, plan, stocked, clock):
    session = ready_session(approved.user, approved)
    clock.shift(timedelta(minutes=5))
    submit_questionnaire(
        approved.user, approved, questionnaire(instrument="phq9", answers=PHQ9_ITEM_9)
    )
    with pytest.raises(GateFailed) as err:
        _dose(approved.user, session)
    assert err.value.findings[0].cause == "suicidality_hold"
    assert balance(approved) == 8


def test_4_a_resolved_alert_still_holds_until_a_clinicians_clearance(
    approved, plan, stocked, clock, clinician
):
    submit_questionnaire(
        approved.user, approved, questionnaire(instrument="phq9", answers=PHQ9_ITEM_9)
    )
    resolve_alert(
        clinician, Alert.objects.get(cause="suicidality"), ResolveSpec(note="Called; safe.")
    )
    # The flag since the last clinician review still holds: only a clearance lifts it.
    assert _causes(ready_session(approved.user, approved)) == ["suicidality_hold"]


# --- 5. The C-SSRS screen is asked at every checklist; ideation is at least urgent --------


def test_5_c_ssrs_ideation_at_the_checklist_is_urgent_and_holds_the_dose(approved, plan, stocked):
    session = ready_session(
        approved.user, approved, cssrs={**NO_IDEATION, "suicidal_thoughts": True}
    )
    assert _causes(session) == ["suicidality_hold"]
    assert session.cssrs_response.band == "low"
    assert _alerts("suicidality") == [("urgent", "open")]


def test_5_a_c_ssrs_low_questionnaire_is_urgent_too(approved, plan):
    submit_questionnaire(
        approved.user,
        approved,
        questionnaire(instrument="cssrs_screen", answers=[1, 0, 0, 0, 0, 0, 0]),
    )
    assert _alerts("suicidality") == [("urgent", "open")]


def test_5_behaviour_since_the_last_contact_is_an_emergency(approved, plan, stocked):
    session = ready_session(approved.user, approved, cssrs={**NO_IDEATION, "behaviour": True})
    assert _causes(session) == ["suicidality_hold"]
    assert _alerts("suicidality") == [("emergency", "open")]


# --- 7. A dose that is not the plan's is a fact: stored, paged, window, ledger ----------------


@pytest.mark.parametrize(
    ("dose_mg", "severity", "troches"),
    [(300, "urgent", 6), (50, "urgent", 1), (350, "emergency", 7)],
)
@pytest.mark.usefixtures("plan", "stocked")
def test_7_a_dose_not_as_planned_is_stored_and_pages(approved, dose_mg, severity, troches):
    session = _dose(approved.user, ready_session(approved.user, approved), dose_mg=dose_mg)
    session.refresh_from_db()
    assert (session.status, session.dose_mg, session.as_planned) == (
        "dosed",
        Decimal(dose_mg),
        False,
    )
    assert session.planned_dose_mg == Decimal(100)
    assert session.check_in_due_at == NOW + timedelta(hours=2, minutes=30)
    assert balance(approved) == 8 - troches
    assert _alerts("dose_outside_plan") == [(severity, "open")]
    assert approved.__class__.objects.get(pk=approved.pk).phase == Phase.INDUCTION


def test_7_a_dose_beyond_the_ledger_is_stored_with_a_diversion_finding(approved, plan, stocked):
    session = _dose(approved.user, ready_session(approved.user, approved), dose_mg=500)
    assert session.status == "dosed"
    assert balance(approved) == 0
    finding = DiversionFinding.objects.get(kind="dose_beyond_ledger")
    assert (finding.expected, finding.quantity) == (Decimal(8), Decimal(2))
    assert _alerts("ledger_discrepancy") == [("warning", "open")]


def test_7_a_dose_taken_although_the_gate_held_it_is_recorded_and_pages(
    approved, plan, stocked, clock
):
    session = ready_session(approved.user, approved)
    clock.shift(timedelta(hours=2))
    with pytest.raises(GateFailed):
        _dose(approved.user, session)
    taken = _dose(approved.user, session, already_taken=True)
    assert (taken.status, taken.against_gate) == ("dosed", True)
    assert [f["cause"] for f in taken.dose_findings] == ["dose_against_gate"]
    assert _alerts("dose_against_gate") == [("urgent", "open")]
    assert balance(approved) == 6


def test_7_a_dose_taken_after_a_hard_stop_is_an_emergency(approved, plan, stocked):
    session = ready_session(approved.user, approved, systolic_mmhg=170, diastolic_mmhg=104)
    taken = _dose(approved.user, session, already_taken=True)
    assert taken.against_gate
    assert _alerts("dose_against_gate") == [("emergency", "open")]


# --- 9. The observation window --------------------------------------------------------------


def test_9_a_check_in_one_minute_after_the_dose_is_refused(approved, dosed, clock):
    clock.shift(timedelta(minutes=1))
    with pytest.raises(NotYet) as err:
        services.record_check_in(
            approved.user, dosed, CheckInSpec(feeling="well", blood_pressure=CHECK_IN_BP)
        )
    assert "The check-in opens at 20:00" in err.value.message  # 2 h after 18:00 New York
    dosed.refresh_from_db()
    assert dosed.status == "dosed"


def test_9_the_check_in_needs_a_blood_pressure(approved, dosed, clock):
    after_observation(clock, dosed)
    with pytest.raises(Exception, match="blood_pressure"):
        services.record_check_in(
            approved.user, dosed, CheckInSpec(feeling="well", blood_pressure=None)
        )
    check_in = services.record_check_in(
        approved.user, dosed, CheckInSpec(feeling="well", blood_pressure=CHECK_IN_BP)
    )
    reading = PostDoseReading.objects.get(at_check_in=True)
    assert (reading.systolic_mmhg, check_in.systolic_mmhg) == (124, 124)


def test_9_the_40_minute_reading_and_the_sitters_release_end_the_window(
    approved, dosed, clock, sitter
):
    assert dosed.bp_due_at == NOW + timedelta(minutes=40)
    clock.shift(timedelta(minutes=40))
    reading = services.record_post_dose_reading(
        approved.user, dosed, ReadingSpec(systolic_mmhg=132, diastolic_mmhg=84)
    )
    assert (reading.high, reading.finding) == (False, {})
    with pytest.raises(NotYet):
        services.release_session(sitter.user, dosed, ReleaseSpec(stable=True))
    after_observation(clock, dosed)
    services.record_check_in(
        approved.user, dosed, CheckInSpec(feeling="well", blood_pressure=CHECK_IN_BP)
    )
    released = services.release_session(
        sitter.user, dosed, ReleaseSpec(stable=True, note="Chatting, fine")
    )
    assert (released.status, released.release_stable, released.released_by_sitter) == (
        "released",
        True,
        sitter,
    )
    assert verify().ok


def test_9_an_evening_dose_released_after_midnight_is_still_todays_session(
    approved, dosed, clock, sitter
):
    after_observation(clock, dosed)
    services.record_check_in(
        approved.user, dosed, CheckInSpec(feeling="well", blood_pressure=CHECK_IN_BP)
    )
    # The next day has begun on the patient's clock when the sitter ends the window.
    midnight = day_start(approved, timezone.now()) + timedelta(days=1)
    clock.move_to(midnight + timedelta(minutes=10))
    services.release_session(sitter.user, dosed, ReleaseSpec(stable=True))
    shown = queries.todays_session(approved, timezone.now())
    assert shown is not None
    assert (shown.pk, shown.status) == (dosed.pk, "released")
    # The day after, it is not today's any more.
    assert queries.todays_session(approved, midnight + timedelta(days=1, minutes=10)) is None


def test_9_a_sitter_who_cannot_confirm_the_patient_is_stable_pages_the_clinic(
    approved, dosed, clock, sitter
):
    clock.shift(timedelta(minutes=50))
    services.release_session(
        sitter.user, dosed, ReleaseSpec(stable=False, note="Will not wake properly")
    )
    assert _alerts("sitter_not_released") == [("urgent", "open")]
    dosed.refresh_from_db()
    assert (dosed.status, dosed.release_stable) == ("dosed", False)


def test_9_only_the_patients_eligible_sitter_releases(approved, dosed, clock, clinic):
    after_observation(clock, dosed)
    services.record_check_in(
        approved.user, dosed, CheckInSpec(feeling="well", blood_pressure=CHECK_IN_BP)
    )
    with pytest.raises(WrongSitter):
        services.release_session(approved.user, dosed, ReleaseSpec(stable=True))
    stranger = SitterFactory(clinic=clinic, patients=[PatientFactory(clinic=clinic)])
    with pytest.raises(Exception):  # noqa: B017, PT011 - not theirs: 404 or not allowed
        services.release_session(stranger.user, dosed, ReleaseSpec(stable=True))


# --- 10. A high reading after the dose -------------------------------------------------------


def test_10_a_crisis_reading_is_an_emergency_with_call_emergency_services(approved, dosed, clock):
    clock.shift(timedelta(minutes=40))
    reading = services.record_post_dose_reading(
        approved.user, dosed, ReadingSpec(systolic_mmhg=200, diastolic_mmhg=125)
    )
    assert reading.finding["severity"] == "emergency"
    assert "Call the emergency number now" in reading.finding["next_step"]
    assert _alerts("hypertensive_crisis") == [("emergency", "open")]


def test_10_above_the_gate_asks_for_a_re_measure_and_pages_if_it_stays_high(approved, dosed, clock):
    clock.shift(timedelta(minutes=40))
    first = services.record_post_dose_reading(
        approved.user, dosed, ReadingSpec(systolic_mmhg=150, diastolic_mmhg=92)
    )
    dosed.refresh_from_db()
    assert first.finding["severity"] == "warning"
    assert dosed.remeasure_due_at == NOW + timedelta(minutes=55)
    assert _alerts("bp_rise_after_dose") == [("warning", "open")]
    clock.shift(timedelta(minutes=15))
    services.record_post_dose_reading(
        approved.user, dosed, ReadingSpec(systolic_mmhg=151, diastolic_mmhg=93)
    )
    assert _alerts("bp_rise_after_dose") == [("urgent", "open")]
    clock.shift(timedelta(minutes=15))
    services.record_post_dose_reading(
        approved.user, dosed, ReadingSpec(systolic_mmhg=130, diastolic_mmhg=84)
    )
    dosed.refresh_from_db()
    assert dosed.remeasure_due_at is None


# --- 11. How the patient is at the check-in ------------------------------------------------


@pytest.fixture
def observed(dosed, clock):
    after_observation(clock, dosed)
    return dosed


@pytest.mark.parametrize(
    ("feeling", "effects", "severity"),
    [
        ("very_unwell", [], "urgent"),
        ("okay", ["marked_sedation"], "urgent"),
        ("okay", ["vomiting"], "warning"),
        ("unwell", ["chest_pain"], "emergency"),
        ("okay", ["trouble_breathing"], "emergency"),
        ("okay", ["loss_of_consciousness"], "emergency"),
    ],
)
def test_11_the_check_in_report_is_graded_and_pages(approved, observed, feeling, effects, severity):
    dosed = observed
    services.record_check_in(
        approved.user,
        dosed,
        CheckInSpec(feeling=feeling, side_effects=effects, blood_pressure=CHECK_IN_BP),
    )
    assert _alerts("adverse_event") == [(severity, "open")]


# --- 12. The substances of CLINICAL.md D --------------------------------------------------


@pytest.mark.parametrize(
    "substance",
    ["opioids", "gabapentinoids", "z_drugs", "sedating_antihistamines", "cannabis", "maois"],
)
def test_12_every_interacting_substance_holds_the_dose(approved, plan, substance):
    session = ready_session(approved.user, approved, substances_today=[substance])
    assert _causes(session) == ["interacting_substance"]


# --- 13. The sitter --------------------------------------------------------------------------


def test_13_a_typed_name_is_not_a_sitter(approved, plan, stocked):
    # The patient has no sitter on file and says one is present: no dose.
    session = ready_session(approved.user, approved, with_sitter=False)
    assert _causes(session) == ["sitter_absent"]
    assert "confirmed" in session.gate_findings[0]["next_step"]


def test_13_the_patients_own_account_cannot_be_their_sitter(approved, plan, clinic):
    # The case: the patient's own account (given the sitter role too) on file as
    # their sitter.
    RoleGrant.objects.create(user=approved.user, role=Role.SITTER)
    approved.user.forget_roles()
    own = SitterFactory(clinic=clinic, patients=[approved], user=approved.user)
    with pytest.raises(WrongSitter):
        services.confirm_sitter_presence(approved.user, approved)
    SitterPresence.objects.create(patient=approved, sitter=own, confirmed_by=approved.user)
    session = ready_session(approved.user, approved, with_sitter=False)
    assert _causes(session) == ["sitter_absent"]
    assert "own account" in session.gate_findings[0]["message"]


def test_13_an_unconfirmed_adult_may_not_sit(approved, plan, clinic):
    young = SitterFactory(clinic=clinic, patients=[approved], adult_confirmed=False)
    with pytest.raises(WrongSitter, match="adult"):
        services.confirm_sitter_presence(young.user, approved)


def test_13_a_sitter_without_a_sign_in_confirms_with_a_texted_code(approved, plan, stocked, clinic):
    phoneonly = SitterFactory(clinic=clinic, patients=[approved], user=None, phone="+15550001111")
    row = services.send_sitter_code(approved.user, approved, phoneonly)
    text = Notification.objects.get(send_key=f"sitter-code:{row.pk}")
    assert (text.channel, text.address, text.alert) == ("sms", "+15550001111", None)
    code = text.body.split("your code is ")[1][:6]
    assert approved.legal_name not in text.body  # no health detail leaves by text
    presence = services.confirm_presence_with_code(approved.user, approved, phoneonly, code=code)
    assert (presence.method, presence.sitter) == ("code", phoneonly)
    session = ready_session(approved.user, approved, with_sitter=False)
    assert (session.status, session.sitter) == ("ready", phoneonly)


def test_13_a_wrong_code_counts_and_five_end_it(approved, plan, clinic):
    phoneonly = SitterFactory(clinic=clinic, patients=[approved], user=None)
    row = services.send_sitter_code(approved.user, approved, phoneonly)
    for _ in range(CODE_TRIES):
        with pytest.raises(WrongSitter):
            services.confirm_presence_with_code(approved.user, approved, phoneonly, code="000000")
    row.refresh_from_db()
    assert row.attempts == CODE_TRIES
    assert not SitterPresence.objects.exists()


def test_13_a_code_is_sent_once_a_minute_and_only_for_the_patients_sitters(
    approved, other_patient, plan, clinic, clock
):
    mine = SitterFactory(clinic=clinic, patients=[approved], user=None)
    theirs = SitterFactory(clinic=clinic, patients=[other_patient], user=None)
    services.send_sitter_code(approved.user, approved, mine)
    with pytest.raises(WrongSitter, match="A code was sent"):
        services.send_sitter_code(approved.user, approved, mine)
    with pytest.raises(WrongSitter, match="not registered"):
        services.send_sitter_code(approved.user, approved, theirs)
    with pytest.raises(NotAllowed):
        services.send_sitter_code(UserFactory(clinic=clinic, pharmacist=True), approved, mine)
    clock.shift(timedelta(minutes=1))
    services.send_sitter_code(approved.user, approved, mine)
    assert SitterCode.objects.count() == 2


def test_13_a_confirmation_counts_for_two_hours(approved, plan, stocked, clock):
    sitter_here(approved)
    clock.shift(timedelta(hours=2, minutes=1))
    session = ready_session(approved.user, approved, with_sitter=False)
    assert _causes(session) == ["sitter_absent"]
    assert "too long ago" in session.gate_findings[0]["next_step"]
