"""The default demo (20 patients): each patient's journey, replayed through the services.

Loaded once for the module at a fixed moment (a history that crosses the November DST
change), so the records do not depend on the day the suite runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client

from ketacare.accounts.models import User
from ketacare.alerts.models import (
    Alert,
    AlertCause,
    AlertSeverity,
    AlertStatus,
    Channel,
    Notification,
)
from ketacare.api.services import issue_token
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.assessments.queries import outcome_summary
from ketacare.audit.log import verify
from ketacare.audit.models import AuditEntry
from ketacare.demo.clinic import PHASE_PATTERN
from ketacare.demo.journeys import DEMO_LEADS, HIGH_BP, INDUCTION, TEMPLATES, Course, template_for
from ketacare.demo.management.commands import demo as demo_command
from ketacare.intake.models import (
    EligibilityReview,
    Intake,
    IntakeStatus,
    ReviewDecision,
    ScreeningLead,
)
from ketacare.patients.models import Indication, Patient, PhaseChange
from ketacare.patients.phases import TRANSITIONS, Phase
from ketacare.treatment.models import (
    AdverseEvent,
    Dispense,
    DiversionFinding,
    DiversionKind,
    DosingSession,
    LedgerAccount,
    LedgerEvent,
    LedgerEventKind,
    PostDoseCheckIn,
    Prescription,
    SessionStatus,
    TreatmentPlan,
)
from ketacare.treatment.plans import plan_caps
from tests.api.conftest import ApiClient
from tests.demo_helpers import demo_once, run_demo
from tests.factories import UserFactory

NOW = dt.datetime(2025, 12, 10, 17, 0, tzinfo=dt.UTC)
TREATED = (Phase.INDUCTION, Phase.MAINTENANCE, Phase.PAUSED, Phase.DISCHARGED)

_default_demo = demo_once(at=NOW)


@pytest.fixture
def demo(_default_demo, db) -> str:
    return _default_demo


def patients_in(phase: Phase) -> list[Patient]:
    return list(Patient.objects.filter(phase=phase).select_related("user").order_by("pk"))


def first_dose_at(patient: Patient) -> dt.datetime:
    found = (
        DosingSession.objects.filter(patient=patient, taken_at__isnull=False)
        .order_by("taken_at")
        .first()
    )
    assert found is not None
    assert found.taken_at is not None
    return found.taken_at


def test_every_patient_walked_to_the_phase_of_the_pattern(demo) -> None:
    assert "Loaded Demo Ketamine Clinic: 20 patients" in demo
    assert "(20 with their treatment journey replayed)" in demo
    patients = list(Patient.objects.order_by("pk"))
    assert [p.phase for p in patients] == [phase.value for phase in PHASE_PATTERN]
    for patient in patients:
        history = list(PhaseChange.objects.filter(patient=patient).order_by("at", "pk"))
        # Registered in screening, then only moves the phase machine allows, in order.
        assert (history[0].from_phase, history[0].to_phase) == ("", Phase.SCREENING)
        for before, after in itertools.pairwise(history):
            assert after.from_phase == before.to_phase
            assert Phase(after.to_phase) in TRANSITIONS[Phase(after.from_phase)]
            assert after.at >= before.at
        assert history[-1].to_phase == patient.phase
        assert patient.phase_since == history[-1].at


def test_the_journeys_happen_in_the_past_up_to_the_load(demo) -> None:
    registered = PhaseChange.objects.filter(to_phase=Phase.SCREENING).values_list("at", flat=True)
    assert set(registered) == {dt.datetime(2025, 7, 23, 17, 0, tzinfo=dt.UTC)}  # 20 weeks ago
    assert PhaseChange.objects.filter(at__gt=NOW).count() == 0
    assert DosingSession.objects.filter(started_at__gt=NOW).count() == 0
    assert QuestionnaireResponse.objects.filter(recorded_at__gt=NOW).count() == 0
    # Nothing is left half done but the present moment: no checklist waits, and every dose
    # has its check-in and its sitter's release except one taken 2 h 35 min - 2 h 55 min
    # before the load (the check-in opened after the 2 h observation, due 30 min later).
    assert not DosingSession.objects.filter(status=SessionStatus.READY)
    assert not DosingSession.objects.filter(status=SessionStatus.CHECKED_IN)
    awaiting = DosingSession.objects.get(status=SessionStatus.DOSED)
    assert awaiting.patient.phase == Phase.INDUCTION
    assert awaiting.taken_at is not None
    assert awaiting.check_in_due_at == awaiting.taken_at + dt.timedelta(hours=2, minutes=30)
    assert awaiting.post_dose_readings.exists()  # the 40-minute reading was taken
    assert (
        dt.timedelta(hours=2, minutes=35)
        <= NOW - awaiting.taken_at
        <= dt.timedelta(hours=2, minutes=55)
    )


def test_intake_patients_have_an_open_draft(demo) -> None:
    for patient in patients_in(Phase.INTAKE):
        intakes = list(Intake.objects.filter(patient=patient))
        assert [i.status for i in intakes] == [IntakeStatus.DRAFT]
        assert intakes[0].data["demographics"]["date_of_birth"] == str(patient.date_of_birth)
    # One filled in by the patient (after signing the consent), one by a coordinator.
    starters = PhaseChange.objects.filter(to_phase=Phase.INTAKE, patient__phase=Phase.INTAKE)
    assert sorted(c.actor.username for c in starters) == ["coordinator", "patient03"]


def test_under_review_patients_have_a_submitted_intake_with_its_assessment(demo) -> None:
    decisions = []
    for patient in patients_in(Phase.UNDER_REVIEW):
        submitted = Intake.objects.get(patient=patient)
        assert submitted.status == IntakeStatus.SUBMITTED
        assert submitted.submitted_by == patient.user
        assert submitted.eligibility is not None
        decisions.append(submitted.eligibility["decision"])
        assert not EligibilityReview.objects.filter(patient=patient).exists()
        assert patient.consents.count() == 1
        baseline = set(
            QuestionnaireResponse.objects.filter(patient=patient).values_list(
                "instrument", flat=True
            )
        )
        assert {"phq9", "gad7", "cssrs_screen", "auditc", "dast10"} <= baseline
        assert ("pcl5" in baseline) == (patient.indication == Indication.PTSD)
    # Controlled hypertension is a caution the reviewer will have to justify.
    assert sorted(decisions) == ["eligible", "eligible", "needs_review"]


def test_the_declined_patient_was_declined_for_an_exclusion_with_a_reason(demo) -> None:
    (patient,) = patients_in(Phase.DECLINED)
    review = EligibilityReview.objects.get(patient=patient)
    assert review.decision == ReviewDecision.DECLINE
    assert review.justification
    assert review.eligibility["decision"] == "ineligible"
    assert "psychotic_disorder" in {f["code"] for f in review.eligibility["findings"]}


def test_approved_patients_have_plan_prescription_and_stock_but_no_dose(demo) -> None:
    for patient in patients_in(Phase.APPROVED):
        plan = TreatmentPlan.objects.get(patient=patient, is_current=True)
        (dispense,) = Dispense.objects.filter(patient=patient)
        assert LedgerAccount.objects.get(patient=patient).balance == dispense.quantity
        assert not DosingSession.objects.filter(patient=patient).exists()
        first = dt.datetime.fromisoformat(plan.schedule["sessions"][0]["at"])
        assert first > NOW  # the first session is still to come
    # The caution (a benzodiazepine) was approved with a written justification.
    justified = EligibilityReview.objects.filter(patient__phase=Phase.APPROVED).exclude(
        justification=""
    )
    assert justified.count() == 1


@pytest.mark.parametrize("phase", TREATED)
def test_treated_patients_have_sessions_check_ins_and_scores_after_the_first_dose(
    demo, phase
) -> None:
    for patient in patients_in(phase):
        assert TreatmentPlan.objects.filter(patient=patient, is_current=True).exists()
        assert Dispense.objects.filter(patient=patient).exists()
        # Every dose: the blood pressure after it, the check-in, the sitter's release.
        dosed = DosingSession.objects.filter(patient=patient, status=SessionStatus.RELEASED)
        assert dosed.count() >= 2
        assert PostDoseCheckIn.objects.filter(patient=patient, session__in=dosed).count() == (
            dosed.count()
        )
        assert all(s.sitter_present and s.sitter_name and s.sitter_presence for s in dosed)
        assert all(s.post_dose_readings.filter(at_check_in=False).exists() for s in dosed)
        assert all(s.release_stable and s.released_by_sitter for s in dosed)
        after_first_dose = QuestionnaireResponse.objects.filter(
            patient=patient, instrument="phq9", recorded_at__gt=first_dose_at(patient)
        )
        assert after_first_dose.exists()


def test_every_dose_is_the_plan_s_dose_within_its_caps(demo) -> None:
    sessions = DosingSession.objects.filter(taken_at__isnull=False).select_related(
        "plan", "patient"
    )
    assert sessions.count() > 50
    for session in sessions:
        plan = session.plan
        assert session.dose_mg == plan.dose_mg
        caps = plan_caps(plan)
        ceiling = caps.session_ceiling_mg(float(plan.weight_kg))
        assert ceiling is None or float(plan.dose_mg) <= ceiling
        assert plan.weight_kg == session.patient.weight_kg  # the weight from the record


def test_maintenance_follows_the_eight_sessions_of_induction(demo) -> None:
    moves = PhaseChange.objects.filter(to_phase=Phase.MAINTENANCE).select_related("patient")
    assert moves.count() == 5  # the 4 in maintenance and the paused one
    for move in moves:
        before = DosingSession.objects.filter(patient=move.patient, taken_at__lt=move.at)
        assert before.count() == INDUCTION
        assert move.actor.username == "dr.rivera"


def test_outcomes_show_responders_remission_and_non_responders(demo) -> None:
    outcomes = {}
    for patient in Patient.objects.filter(phase__in=TREATED).select_related("user"):
        trajectory = outcome_summary(patient, "phq9")
        assert trajectory is not None
        assert trajectory.baseline is not None
        assert 15 <= trajectory.baseline.total <= 24
        assert trajectory.latest is not None
        outcomes[patient.user.username] = trajectory
    responders = [t for t in outcomes.values() if t.latest and t.latest.response]
    remitted = [t for t in outcomes.values() if t.first_remission_at is not None]
    # Non-responders: every score on treatment within 20% of the baseline.
    non_responders = [
        t for t in outcomes.values() if all(abs(c.delta) <= 0.2 * c.baseline for c in t.changes)
    ]
    assert len(responders) >= 4
    assert remitted
    assert len(non_responders) >= 2
    for trajectory in non_responders:
        assert all(not c.response for c in trajectory.changes)


def test_the_ledger_balance_is_dispensed_minus_taken_minus_returned(demo) -> None:
    for account in LedgerAccount.objects.all():
        events = LedgerEvent.objects.filter(patient_id=account.patient_id)

        def total(kind: LedgerEventKind, events=events) -> Decimal:
            return events.filter(kind=kind).aggregate(s=Sum("quantity"))["s"] or Decimal(0)

        dispensed = total(LedgerEventKind.DISPENSED)
        taken = -total(LedgerEventKind.TAKEN)
        returned = -total(LedgerEventKind.RETURNED)
        gone = (
            -total(LedgerEventKind.DESTROYED)
            - total(LedgerEventKind.LOST_OR_STOLEN)
            - total(LedgerEventKind.DISPOSED)
        )
        assert account.balance == dispensed - taken - returned - gone
        assert taken == sum(
            s.plan.ledger_units(float(s.dose_mg))
            for s in DosingSession.objects.filter(
                patient_id=account.patient_id, taken_at__isnull=False
            )
        )


def test_pill_counts_match_but_one_which_is_a_diversion_finding(demo) -> None:
    counts = LedgerEvent.objects.filter(kind=LedgerEventKind.COUNTED)
    assert counts.count() >= 4
    (finding,) = DiversionFinding.objects.all()
    assert finding.kind == DiversionKind.COUNT_MISMATCH
    assert finding.expected is not None
    assert finding.counted == finding.expected - 1
    assert counts.exclude(findings__isnull=False).count() == counts.count() - 1


def test_the_dropouts_stop_with_a_reason(demo) -> None:
    (paused,) = patients_in(Phase.PAUSED)
    assert paused.paused_from == Phase.MAINTENANCE
    assert PhaseChange.objects.get(patient=paused, to_phase=Phase.PAUSED).reason
    (discharged,) = patients_in(Phase.DISCHARGED)
    assert PhaseChange.objects.get(patient=discharged, to_phase=Phase.DISCHARGED).reason
    assert DosingSession.objects.filter(patient=discharged, taken_at__isnull=False).count() == 3
    # The adverse event that made them stop, and the leftover taken to a take-back (the
    # demo clinic takes nothing back: 21 CFR 1317, its protocol's default).
    assert AdverseEvent.objects.filter(patient=discharged, severity="moderate").exists()
    assert LedgerEvent.objects.filter(patient=discharged, kind=LedgerEventKind.DISPOSED).exists()
    assert LedgerAccount.objects.get(patient=discharged).balance == 0


def test_a_failed_gate_is_retried_later_the_same_day(demo) -> None:
    failed = DosingSession.objects.filter(status=SessionStatus.GATE_FAILED)
    assert failed.exists()
    for session in failed:
        assert (session.systolic_mmhg, session.diastolic_mmhg) == HIGH_BP
        assert session.gate_findings[0]["cause"] == "bp_gate_failed"
        retry = (
            DosingSession.objects.filter(patient=session.patient, started_at__gt=session.started_at)
            .order_by("started_at")
            .first()
        )
        assert retry is not None
        assert retry.status == SessionStatus.RELEASED
        assert retry.started_at - session.started_at < dt.timedelta(hours=3)


def test_check_ins_record_side_effects_and_dissociation(demo) -> None:
    check_ins = list(PostDoseCheckIn.objects.all())
    effects = Counter(e for c in check_ins for e in c.side_effects)
    assert effects["nausea"] > 0
    assert effects["dizziness"] > 0
    assert all(c.cadss6_total is not None for c in check_ins)
    assert any(c.cadss6_total and c.cadss6_total >= 3 for c in check_ins)
    assert sum(c.late for c in check_ins) < len(check_ins) / 5


def test_products_most_tablets_some_spray_no_esketamine(demo) -> None:
    plans = TreatmentPlan.objects.filter(is_current=True)
    kinds = Counter(plans.values_list("formulation_kind", flat=True))
    tablets = kinds["sublingual_tablet"] + kinds["troche"]
    assert tablets > kinds["nasal_spray"] > 0
    # CLINICAL.md G4: esketamine is never dispensed for home use (Spravato REMS).
    assert not Prescription.objects.filter(formulation_kind="esketamine_device").exists()


def test_prescriptions_carry_what_the_plan_needs_and_no_co_sign(demo) -> None:
    assert Prescription.objects.exists()
    assert not Prescription.objects.filter(needs_cosign=True).exists()
    # A step up brings a prescription for what the plan still needs, dispensed at once.
    stepped = TreatmentPlan.objects.filter(version__gt=1).values_list("patient", flat=True)
    assert Prescription.objects.filter(patient__in=stepped, refills=0).exists()


def test_the_audit_chain_verifies_and_reads_in_time_order(demo) -> None:
    result = verify()
    assert result.ok
    assert result.checked == AuditEntry.objects.count()
    times = list(AuditEntry.objects.order_by("seq").values_list("at", flat=True))
    assert times == sorted(times)
    # The staff and the patients act under their own names, the load as the command.
    labels = set(AuditEntry.objects.values_list("actor_label", flat=True))
    assert {"command:demo", "dr.rivera", "pharmacist", "coordinator", "patient15"} <= labels


def test_the_templates_cover_the_phase_pattern() -> None:
    assert [t.phase for t in TEMPLATES] == list(PHASE_PATTERN)
    courses = {template_for(i).course for i in range(40)}
    assert {Course.RESPONDER, Course.REMITTER, Course.NON_RESPONDER} <= courses


@pytest.mark.slow
def test_the_same_seed_gives_the_same_journeys(demo) -> None:
    run_demo("--clinic", "Copy")

    def journeys(clinic: str) -> list[tuple[object, ...]]:
        rows = []
        for patient in Patient.objects.filter(clinic__name=clinic).order_by("pk"):
            scores = QuestionnaireResponse.objects.filter(patient=patient).order_by(
                "recorded_at", "instrument"
            )
            sessions = DosingSession.objects.filter(patient=patient).order_by("started_at")
            rows.append(
                (
                    patient.phase,
                    [(r.instrument, r.total) for r in scores],
                    [(s.status, s.dose_mg, s.started_at) for s in sessions],
                )
            )
        return rows

    assert journeys("Copy") == journeys("Demo Ketamine Clinic")


@pytest.mark.slow
def test_patients_beyond_the_limit_keep_the_bulk_records(demo, monkeypatch) -> None:
    monkeypatch.setattr(demo_command, "JOURNEY_LIMIT", 20)
    output = run_demo("--patients", "25", "--clinic", "Load test")
    assert "25 patients" in output
    assert "(20 with their treatment journey replayed)" in output
    load = Patient.objects.filter(clinic__name="Load test").order_by("pk")
    walked, bulk = list(load[:20]), list(load[20:])
    assert [p.phase for p in load] == [PHASE_PATTERN[i % 20].value for i in range(25)]
    assert all(Intake.objects.filter(patient=p).exists() for p in walked[2:])
    assert not Intake.objects.filter(patient__in=bulk).exists()
    for patient in bulk:  # placed in their phase with a history of their own
        last = PhaseChange.objects.filter(patient=patient).order_by("at", "pk").last()
        assert last is not None
        assert last.to_phase == patient.phase
    assert verify().ok


def _worker_once() -> str:
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    return out.getvalue()


def test_the_worker_raises_the_demo_s_present_moment_visible_through_the_api(demo) -> None:
    """`ketacare worker --once` right after the load: a missed check-in, overdue PHQ-9."""
    before = set(Alert.objects.values_list("pk", flat=True))
    first = _worker_once()
    assert "missed check-ins raised: 1," in first
    raised = Alert.objects.exclude(pk__in=before)
    missed = Alert.objects.get(cause=AlertCause.MISSED_CHECK_IN)
    assert missed.pk not in before
    assert (missed.status, missed.severity) == (AlertStatus.OPEN, AlertSeverity.URGENT)
    awaiting = DosingSession.objects.get(status=SessionStatus.DOSED)
    assert missed.patient_id == awaiting.patient_id
    sent = {
        (n.channel, n.recipient_label, n.address) for n in Notification.objects.filter(alert=missed)
    }
    # The demo roster: dr.chen on call (level 1) is paged; dr.rivera, the medical
    # director, only if nobody acknowledges in time.
    chen = User.objects.get(username="dr.chen")
    rivera = User.objects.get(username="dr.rivera")
    assert (Channel.EMAIL, "dr.chen", chen.email) in sent
    assert (Channel.EMAIL, "dr.rivera", rivera.email) not in sent
    sitters = awaiting.patient.sitters.all()
    assert any((Channel.SMS, f"sitter {s.name}", s.phone) in sent for s in sitters)
    overdue = raised.filter(cause=AlertCause.QUESTIONNAIRE_OVERDUE)
    assert overdue.filter(detail__instrument="phq9").exists()
    assert set(overdue.values_list("patient__phase", flat=True)) == {Phase.MAINTENANCE}
    assert set(raised.values_list("cause", flat=True)) == {
        AlertCause.MISSED_CHECK_IN,
        AlertCause.QUESTIONNAIRE_OVERDUE,
    }
    assert set(raised.values_list("status", flat=True)) == {AlertStatus.OPEN}
    # A second run raises nothing new.
    count = Alert.objects.count()
    second = _worker_once()
    assert "missed check-ins raised: 0," in second
    assert "overdue questionnaires raised: 0," in second
    assert Alert.objects.count() == count

    def listed(api: ApiClient) -> set[int]:
        response = api.get("alerts", query={"limit": 100})
        assert response.status_code == 200, response.json()
        return {a["id"] for a in response.json()["items"]}

    _, token = issue_token(rivera, name="test")
    assert set(raised.values_list("pk", flat=True)) <= listed(ApiClient(token))
    session = Client()
    session.force_login(chen)
    assert set(raised.values_list("pk", flat=True)) <= listed(ApiClient(client=session))
    elsewhere = UserFactory(clinician=True)  # a clinician of another clinic
    _, token = issue_token(elsewhere, name="test")
    assert listed(ApiClient(token)) == set()


def test_the_screening_list_holds_leads_from_the_public_self_screen(demo) -> None:
    leads = ScreeningLead.objects.order_by("pk")
    assert [lead.name for lead in leads] == [name for name, *_ in DEMO_LEADS]
    # Judged by the self-screen's own rules: a candidate, one with too few failed trials
    # (talk to your doctor), and one with thoughts of self-harm flagged for a call today.
    assert [lead.result for lead in leads] == [
        "may_be_candidate",
        "talk_to_doctor",
        "talk_to_doctor",
    ]
    assert [lead.suicidal_thoughts for lead in leads] == [False, False, True]
    assert all(lead.reasons for lead in leads)


# --- Issue 11 (items 6 and 8): the plan rules ----------------------------------------------------


def test_no_esketamine_is_planned_prescribed_dispensed_or_dosed_and_both_routes_remain(
    demo,
) -> None:
    plans = TreatmentPlan.objects.filter(is_current=True)
    assert set(plans.values_list("formulation_kind", flat=True)) <= {
        "sublingual_tablet",
        "troche",
        "nasal_spray",
    }
    assert set(plans.values_list("route", flat=True)) == {"sublingual", "intranasal"}
    # CLINICAL.md G4: esketamine is never planned, prescribed, dispensed or dosed at home.
    assert not TreatmentPlan.objects.filter(drug="esketamine").exists()
    assert not Prescription.objects.filter(drug="esketamine").exists()
    assert not Dispense.objects.filter(prescription__drug="esketamine").exists()
    assert not DosingSession.objects.filter(plan__drug="esketamine").exists()


def test_every_dose_keeps_to_the_caps_the_first_session_and_one_revisions_limits(demo) -> None:
    # CLINICAL.md G5: spray at most 50 mg; a first session at most half the session cap
    # (25 mg spray, 150 mg tablets at these weights); one revision at most +50%.
    revisions = 0
    for plan in TreatmentPlan.objects.filter(drug="racemic").select_related("supersedes"):
        cap = 50 if plan.route == "intranasal" else 300
        assert plan.dose_mg <= cap
        if plan.version == 1:
            assert plan.dose_mg <= cap / 2
        else:
            assert plan.supersedes is not None
            assert plan.dose_mg <= plan.supersedes.dose_mg * Decimal("1.5")
            revisions += 1
    assert revisions > 0  # the step-ups of the demo were accepted
    for session in DosingSession.objects.filter(taken_at__isnull=False).select_related("plan"):
        assert session.dose_mg == session.plan.dose_mg
