"""One patient's whole journey through the API, with HTTP calls only.

From intake to the first PHQ-9 after two at-home sessions: consent, intake, eligibility
review, plan, prescription, dispense, session 1 (the sitter confirms being there; a
failed gate first, a re-measure 15 minutes later, then the dose, the blood pressure at
40 minutes, the release check-in after 2 hours and the sitter's release), session 2
three days later (the sitter runs the checklist), and the
PHQ-9 that falls due a week after the baseline, with its outcome. The people, their
accounts and the clinic's consent text exist beforehand (that is the clinic's set-up,
not the journey), and so does the lot dispensed from (put on the shelf once the product
is known); everything else after signing in goes through /api/v1.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from ketacare.accounts import mfa
from ketacare.accounts.models import User
from ketacare.treatment.models import Prescription
from tests.api.bodies import CHECKLIST
from tests.api.conftest import ApiClient
from tests.factories import (
    PASSWORD,
    ConsentDocumentFactory,
    PatientFactory,
    SitterFactory,
    UserFactory,
    shelve,
)
from tests.intake.conftest import COMPLETE
from tests.mfa import app_code, give_app

# Monday 3 March 2025: intake in the morning in New York, the first dose at 18:00.
MORNING = dt.datetime(2025, 3, 3, 15, 0, tzinfo=dt.UTC)
FIRST_DOSE = dt.datetime(2025, 3, 3, 23, 0, tzinfo=dt.UTC)
SECOND_DOSE = FIRST_DOSE + dt.timedelta(days=3)
A_WEEK_ON = MORNING + dt.timedelta(days=7, hours=1)

CHECK_IN = {
    "feeling": "well",
    "blood_pressure": {"systolic_mmhg": 128, "diastolic_mmhg": 80},
    "cadss6_answers": [1, 0, 1, 0, 0, 0],
    "side_effects": ["nausea"],
}


def sign_in(username: str) -> ApiClient:
    """A token for `username`; staff give a code from their authenticator app too."""
    body = {"username": username, "password": PASSWORD, "name": "journey"}
    user = User.objects.get(username=username)
    if mfa.asks_second_factor(user):
        body["otp"] = app_code(give_app(user))
    response = ApiClient().post("auth/token", body)
    assert response.status_code == 201, response.json()
    return ApiClient(response.json()["token"])


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.json())
    return response.json()


@pytest.fixture
def people(clinic):
    patient = PatientFactory(clinic=clinic, with_account=True, legal_name="Jordan Journey")
    patient.user.username = "jordan"
    patient.user.save()
    SitterFactory(clinic=clinic, patients=[patient], user__username="robin")
    UserFactory(clinic=clinic, prescriber=True, username="priya")
    UserFactory(clinic=clinic, pharmacist=True, username="phil")
    ConsentDocumentFactory(clinic=clinic, published_at=MORNING - dt.timedelta(days=30))
    return patient


@pytest.mark.slow
def test_a_patient_from_intake_to_the_first_phq9_after_two_sessions(people):  # noqa: PLR0915
    with time_machine.travel(MORNING, tick=False) as clock:
        me, prescriber, pharmacist = sign_in("jordan"), sign_in("priya"), sign_in("phil")
        patient_id = ok(me.get("auth/me"))["patient_id"]
        base = f"patients/{patient_id}"
        assert ok(me.get(base))["phase"] == "screening"

        # Consent, then the intake: started, saved, submitted (baseline questionnaires).
        consent = ok(me.get(f"{base}/consent"))
        assert consent["signed"] is False
        ok(
            me.post(
                f"{base}/consents",
                {"document_id": consent["id"], "signature_name": "Jordan Journey"},
            ),
            201,
        )
        intake = ok(me.post(f"{base}/intakes"))
        assert ok(me.get(base))["phase"] == "intake"
        ok(me.put(f"{base}/intakes/{intake['id']}/draft", COMPLETE))
        submitted = ok(me.post(f"{base}/intakes/{intake['id']}/submit"))
        assert submitted["status"] == "submitted"
        assert submitted["eligibility"]["decision"] == "eligible"
        assert submitted["eligibility"]["trd"] is True
        assert ok(me.get(base))["phase"] == "under_review"
        baseline = ok(me.get(f"{base}/questionnaires", query={"instrument": "phq9"}))
        assert [r["total"] for r in baseline["items"]] == [16]

        # The prescriber approves, writes the plan and the prescription; the pharmacist fills.
        review = ok(
            prescriber.post(
                f"{base}/intakes/{intake['id']}/review",
                {"decision": "approve", "justification": ""},
            ),
            201,
        )
        assert review["decision"] == "approve"
        assert ok(me.get(base))["phase"] == "approved"
        plan = ok(
            prescriber.post(
                f"{base}/plans",
                {
                    "route": "sublingual",
                    "formulation": {"kind": "troche", "strength_mg": 50, "scored": True},
                    "dose_mg": 100,
                    "schedule": {
                        "pattern": "at_home",
                        "first_day": "2025-03-03",
                        "time_of_day": "18:00",
                        "maintenance_weeks": 4,
                    },
                },
            ),
            201,
        )
        assert (plan["version"], plan["dose_mg"]) == (1, 100.0)
        assert ok(me.get(f"{base}/plans/current"))["id"] == plan["id"]
        check = {"result": "nothing_of_concern"}
        ok(prescriber.post(f"{base}/pdmp-checks", check), 201)
        prescription = ok(
            prescriber.post(
                f"{base}/prescriptions",
                {
                    "plan_id": plan["id"],
                    "quantity": 8,
                    "refills": 0,
                    "directions": "Hold 2 troches under the tongue for 15 minutes.",
                },
            ),
            201,
        )
        # The lot is on the clinic's shelf (its receipt is not what this journey tests).
        shelve(Prescription.objects.get(pk=prescription["id"]), people.clinic)
        filled = ok(
            pharmacist.post(
                f"{base}/prescriptions/{prescription['id']}/dispenses",
                {"quantity": 8, "lot_number": "LOT-2025-01", "expires_on": "2026-01-31"},
            ),
            201,
        )
        assert filled["fill_number"] == 1
        ledger = ok(me.get(f"{base}/ledger"))
        assert (ledger["balance"], ledger["unit"]) == (8.0, "tablets")

        # Session 1: the sitter confirms being there, from their own sign-in.
        clock.move_to(FIRST_DOSE - dt.timedelta(minutes=20))
        sitter = sign_in("robin")
        assert ok(sitter.post(f"{base}/sitter-presence"), 201)["method"] == "account"
        # A blood pressure over the gate is refused with the reasons...
        refused = me.post(
            f"{base}/sessions", {**CHECKLIST, "systolic_mmhg": 150, "diastolic_mmhg": 95}
        )
        assert refused.status_code == 409
        assert refused.json()["code"] == "pre_dose_gate_failed"
        assert [f["cause"] for f in refused.json()["findings"]] == ["bp_gate_failed"]
        assert refused.json()["session"]["status"] == "gate_failed"
        dose_refused = me.post(
            f"{base}/sessions/{refused.json()['session']['id']}/dose", {"dose_mg": 100}
        )
        assert dose_refused.status_code == 409
        assert dose_refused.json()["code"] == "pre_dose_gate_failed"

        # ...then, rested and re-measured 20 minutes later, the gate passes and the dose
        # is taken once.
        clock.move_to(FIRST_DOSE)
        session = ok(me.post(f"{base}/sessions", CHECKLIST), 201)
        assert session["status"] == "ready"
        key = {"Idempotency-Key": "jordan-dose-1"}
        dosed = ok(me.post(f"{base}/sessions/{session['id']}/dose", {"dose_mg": 100}, headers=key))
        assert dosed["status"] == "dosed"
        retried = me.post(f"{base}/sessions/{session['id']}/dose", {"dose_mg": 100}, headers=key)
        assert retried.status_code == 200
        assert retried["Idempotent-Replayed"] == "true"
        assert ok(me.get(f"{base}/ledger"))["balance"] == 6.0  # 2 troches, taken once
        assert ok(me.get(base))["phase"] == "induction"
        # The blood pressure at 40 minutes, the check-in once the 2 hours have passed.
        clock.move_to(FIRST_DOSE + dt.timedelta(minutes=40))
        reading = {"systolic_mmhg": 131, "diastolic_mmhg": 84}
        assert (
            ok(me.post(f"{base}/sessions/{session['id']}/readings", reading), 201)["high"] is False
        )
        clock.move_to(FIRST_DOSE + dt.timedelta(hours=2, minutes=5))
        check_in = ok(me.post(f"{base}/sessions/{session['id']}/check-in", CHECK_IN), 201)
        assert check_in["late"] is False
        assert check_in["cadss6_total"] == 2
        released = ok(sitter.post(f"{base}/sessions/{session['id']}/release", {"stable": True}))
        assert released["status"] == "released"

        # Session 2, three days later: the sitter runs the checklist, the patient doses.
        clock.move_to(SECOND_DOSE)
        ok(sitter.post(f"{base}/sitter-presence"), 201)
        second = ok(sitter.post(f"{base}/sessions", CHECKLIST), 201)
        ok(me.post(f"{base}/sessions/{second['id']}/dose", {"dose_mg": 100}))
        clock.move_to(SECOND_DOSE + dt.timedelta(minutes=40))
        ok(me.post(f"{base}/sessions/{second['id']}/readings", reading), 201)
        clock.move_to(SECOND_DOSE + dt.timedelta(hours=2))
        ok(
            me.post(
                f"{base}/sessions/{second['id']}/check-in",
                {"feeling": "very_well", "blood_pressure": reading},
            ),
            201,
        )
        ok(sitter.post(f"{base}/sessions/{second['id']}/release", {"stable": True}))
        sessions = ok(me.get(f"{base}/sessions"))
        assert [s["status"] for s in sessions] == ["released", "released", "gate_failed"]
        assert ok(me.get(f"{base}/ledger"))["balance"] == 4.0

        # A week after the baseline the PHQ-9 is due; the patient answers it.
        clock.move_to(A_WEEK_ON)
        due = ok(me.get(f"{base}/questionnaires/due"))
        assert "phq9" in [d["instrument"] for d in due]
        phq9 = ok(
            me.post(
                f"{base}/questionnaires",
                {"instrument": "phq9", "answers": [1, 1, 0, 1, 0, 0, 1, 0, 0]},
                headers={"Idempotency-Key": "jordan-phq9-week-1"},
            ),
            201,
        )
        assert (phq9["total"], phq9["band"]) == (4, "minimal")
        assert "phq9" not in [d["instrument"] for d in ok(me.get(f"{base}/questionnaires/due"))]

        # Its outcome: baseline 16 before the first dose, 4 now: a response and remission.
        outcome = ok(prescriber.get(f"{base}/outcomes/phq9"))
        assert outcome["baseline"]["total"] == 16
        assert dt.datetime.fromisoformat(outcome["first_dose_at"]) == FIRST_DOSE
        assert [o["total"] for o in outcome["follow_ups"]] == [4]
        assert outcome["latest"]["delta"] == -12
        assert outcome["latest"]["response"] is True
        assert outcome["latest"]["remission"] is True
        assert outcome["first_response_at"] is not None
