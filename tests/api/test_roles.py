"""Roles, write by write: the table of kernel.policy decides, and the API does as it says.

Every write of the API (every operation that is not a GET, but the caller's own tokens)
is tried by every role that may come near a patient of clinic A: the patient themself,
their sitter, and one member of the clinic's staff for each staff role (clinician,
prescriber, pharmacist, coordinator, admin), each holding that one role only.

The oracle is the table itself, read when the test runs (`policy.rule(use_case)`): a
staff member may when their role is in the row's `staff`, the patient when the row says
`own`, the sitter when it says `sitter`. So the test stays right when a row changes.

- A role the row refuses gets a 403 (`forbidden`) and nothing is stored: no row of any
  app's model is added or removed, and the audit log holds no new entry but reads.
- A role the row allows succeeds (2xx), from a world its small "given" brought into the
  state in which the write is valid. Each allowed role tries in its own transaction,
  rolled back afterwards, so that they all find the same world.

Two more tests keep the tables whole: every write operation of the OpenAPI document is
in `WRITES`, and every row of kernel.policy is either tried here or named in
`NOT_AN_API_WRITE` with the reason it is not.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.db import transaction
from django.test import Client

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Role
from ketacare.alerts.models import Notification
from ketacare.alerts.services import raise_alert
from ketacare.api.services import issue_token
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.intake import services as intake
from ketacare.intake.models import Intake
from ketacare.intake.specs import draft
from ketacare.invitations import services as invitations
from ketacare.invitations.models import InvitationChannel
from ketacare.invitations.specs import InviteSpec
from ketacare.kernel import policy
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.phases import Phase
from ketacare.pharmacy.models import RecallTask
from ketacare.pharmacy.recalls import recall_lot
from ketacare.pharmacy.reconcile import reconcile_stock
from ketacare.pharmacy.specs.reconcile import ReconciliationSpec
from ketacare.treatment import services as treatment
from ketacare.treatment.holds import active_holds
from ketacare.treatment.models import CodePurpose, DosingSession, Prescription
from ketacare.treatment.specs.sessions import DoseSpec
from tests import factories as _factories
from tests.api.bodies import BP, CHECKLIST, NEW_PATIENT
from tests.api.conftest import API, ApiClient
from tests.factories import PdmpCheckFactory, shelve
from tests.intake.conftest import COMPLETE
from tests.pharmacy.destroying import destroyed, lot_of
from tests.pharmacy.recalling import OUTCOME, RECALL, recall_spec, the_lot
from tests.pharmacy.receiving import DELIVERY, RETURN, TRANSFER, on_shelf, received
from tests.treatment.helpers import (
    NOW,
    PLAN,
    accept_returns,
    fill,
    plan_for,
    prescribe,
    ready_session,
    rx_spec,
)

# factory_boy is untyped: its factories are called through Any.
factories: Any = _factories

PATIENT, SITTER = policy.PATIENT, policy.SITTER
STAFF = (policy.CLINICIAN, policy.PRESCRIBER, policy.PHARMACIST, policy.COORDINATOR, policy.ADMIN)
ROLES = (PATIENT, SITTER, *STAFF)

PHQ9 = [1, 2, 0, 3, 1, 0, 2, 1, 0]
MADRS = [3, 2, 3, 2, 2, 1, 2, 2, 1, 0]
LOT = {"lot_number": "LOT-2025-02", "expires_on": "2026-01-31"}


def allowed(rule: policy.Rule, role: str) -> bool:
    """The oracle: whether the row lets a holder of `role` (only) act for the patient."""
    if role == PATIENT:
        return rule.own
    if role == SITTER:
        return rule.sitter
    return role in rule.staff


# --- The world: clinic A, the patient, their sitter, one person a staff role ---------------


@dataclass
class World:
    clinic: Clinic
    patient: Patient
    sitter: Sitter
    callers: dict[str, User]  # by role: the people whose calls are judged
    # The people who set the scene (never callers): a prescriber (who is a clinician
    # too, as the factory makes them), a pharmacist and a coordinator.
    prescriber: User
    pharmacist: User
    coordinator: User
    clock: time_machine.Traveller


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """The plan's first day, 18:00 in New York (tests.treatment.helpers.NOW)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(clinic: Clinic, clock: time_machine.Traveller) -> World:
    patient = factories.PatientFactory(clinic=clinic, with_account=True)
    sitter = factories.SitterFactory(clinic=clinic, patients=[patient])
    staff = {
        role: factories.UserFactory(clinic=clinic, is_staff=True, roles=[Role(role)], username=role)
        for role in STAFF
    }
    return World(
        clinic=clinic,
        patient=patient,
        sitter=sitter,
        callers={PATIENT: patient.user, SITTER: sitter.user, **staff},
        prescriber=factories.UserFactory(clinic=clinic, prescriber=True),
        pharmacist=factories.UserFactory(clinic=clinic, pharmacist=True),
        coordinator=factories.UserFactory(clinic=clinic, coordinator=True),
        clock=clock,
    )


# --- The givens: each brings the world where one write is valid, and names its objects -----

Ids = dict[str, Any]


def _refreshed(world: World) -> Patient:
    world.patient.refresh_from_db()
    return world.patient


def in_phase(phase: Phase, paused_from: Phase | None = None) -> Callable[[World], Ids]:
    """The patient in `phase` (set directly: the moves to it are not what is tested)."""

    def given(world: World) -> Ids:
        Patient.objects.filter(pk=world.patient.pk).update(
            phase=phase.value, paused_from=paused_from.value if paused_from else ""
        )
        _refreshed(world)
        return {}

    return given


def nothing(world: World) -> Ids:
    """A patient in screening, as registered."""
    return {}


def consent_published(world: World) -> Ids:
    """The clinic's consent, for the patient to sign with their legal name."""
    Patient.objects.filter(pk=world.patient.pk).update(legal_name="Pat Patient")
    document = factories.ConsentDocumentFactory(
        clinic=world.clinic, published_at=NOW - dt.timedelta(days=1)
    )
    return {"document": document.pk}


def intake_started(world: World) -> Ids:
    """A draft intake (the patient moved to intake)."""
    started = intake.start_intake(world.coordinator, world.patient)
    _refreshed(world)
    return {"intake": started.pk}


def intake_complete(world: World) -> Ids:
    """A complete draft, and the current consent signed: ready to submit."""
    ids = intake_started(world)
    document = factories.ConsentDocumentFactory(
        clinic=world.clinic, published_at=NOW - dt.timedelta(days=1)
    )
    factories.ConsentFactory(patient=world.patient, document=document)
    started = Intake.objects.get(pk=ids["intake"])
    intake.save_intake_draft(world.coordinator, started, draft(COMPLETE))
    return ids


def intake_submitted(world: World) -> Ids:
    """A submitted intake, eligible, and the patient under review."""
    ids = intake_complete(world)
    intake.submit_intake(world.coordinator, Intake.objects.get(pk=ids["intake"]))
    _refreshed(world)
    return ids


def approved(world: World) -> Ids:
    return in_phase(Phase.APPROVED)(world)


def planned(world: World) -> Ids:
    """Approved, with a plan: 100 mg a session, 50 mg scored troches."""
    approved(world)
    plan = plan_for(world.prescriber, world.patient)
    shelve(plan, world.clinic, lot_number=LOT["lot_number"])  # the lot the dispense rows name
    return {"plan": plan.pk}


def prescribed_by(role: str) -> Callable[[World], Ids]:
    """A prescription of the plan, written by the caller of `role` (its author)."""

    def given(world: World) -> Ids:
        ids = planned(world)
        author = world.callers.get(role, world.prescriber)
        return {**ids, "rx": prescribe(author, world.patient).pk}

    return given


def awaiting_cosign(world: World) -> Ids:
    """More units than the plan needs, with a reason: it waits for a second prescriber."""
    ids = planned(world)
    plan = treatment.active_plan(world.patient)
    assert plan is not None
    PdmpCheckFactory(patient=world.patient, checked_by=world.prescriber)
    written = treatment.write_prescription(
        world.prescriber,
        world.patient,
        rx_spec(
            plan=plan,
            quantity=60,
            refills=0,
            directions="Hold 2 troches under the tongue.",
            quantity_reason="Travelling abroad for two months.",
        ),
    )
    assert written.needs_cosign
    return {**ids, "rx": written.pk}


def dispensed_by(role: str) -> Callable[[World], Ids]:
    """8 troches in the patient's ledger, dispensed by the caller of `role`, else a pharmacist."""

    def given(world: World) -> Ids:
        ids = prescribed_by("")(world)
        pharmacist = world.callers.get(role, world.pharmacist)
        rx = Prescription.objects.get(pk=ids["rx"])
        return {**ids, "dispense": fill(pharmacist, rx).pk}

    return given


stocked = dispensed_by("")


def lot_dispensed(world: World) -> Ids:
    """Stocked: the patient received 8 troches of the lot (recall rows)."""
    return {**stocked(world), "lot": the_lot(world.clinic).pk}


def lot_recalled(world: World) -> Ids:
    """The lot recalled by a pharmacist: the patient's recall task is open."""
    ids = lot_dispensed(world)
    recall_lot(world.pharmacist, the_lot(world.clinic), recall_spec())
    return {**ids, "task": RecallTask.objects.get(lot_id=ids["lot"]).pk}


def sitter_confirmed(world: World) -> Ids:
    """Stocked, and the sitter has confirmed being with the patient just now."""
    ids = stocked(world)
    treatment.confirm_sitter_presence(world.callers[SITTER], world.patient)
    return ids


def ready(world: World) -> Ids:
    """A session whose checklist passed the gate: the dose may be taken."""
    ids = stocked(world)
    session = ready_session(world.callers[PATIENT], world.patient)
    assert session.status == "ready", session.gate_findings
    return {**ids, "session": session.pk}


def dosed(world: World) -> Ids:
    """The dose taken just now (the first: the patient is in induction)."""
    ids = ready(world)
    session = DosingSession.objects.get(pk=ids["session"])
    treatment.record_dose_taken(world.callers[PATIENT], session, DoseSpec(dose_mg=100))
    _refreshed(world)
    return ids


def induction_over(world: World) -> Ids:
    """Dosed, and 28 days since the first dose: the end-of-induction review is due."""
    ids = dosed(world)
    world.clock.move_to(NOW + dt.timedelta(days=28))
    return ids


def reading_due(world: World) -> Ids:
    """Dosed, 40 minutes ago: the blood pressure after the dose is due."""
    ids = dosed(world)
    world.clock.move_to(NOW + dt.timedelta(minutes=40))
    return ids


def check_in_open(world: World) -> Ids:
    """Dosed, and the observation over: the release check-in is open."""
    ids = dosed(world)
    ends = DosingSession.objects.get(pk=ids["session"]).observation_ends_at
    assert ends is not None
    world.clock.move_to(ends + dt.timedelta(minutes=5))
    return ids


def _texted_code(world: World, purpose: CodePurpose, session: DosingSession | None) -> str:
    """A coordinator asks for a code; the text in the outbox holds it."""
    sent = treatment.send_sitter_code(
        world.coordinator, world.patient, world.sitter, purpose=purpose, session=session
    )
    text = Notification.objects.get(send_key=f"sitter-code:{sent.pk}")
    found = re.search(r"code is (\d{6})", text.body)
    assert found is not None, text.body
    return found.group(1)


def release_code_sent(world: World) -> Ids:
    """Dosed; a release code texted to the sitter (to end the window on the patient's device)."""
    ids = dosed(world)
    session = DosingSession.objects.get(pk=ids["session"])
    code = _texted_code(world, CodePurpose.RELEASE, session)
    return {**ids, "sitter": world.sitter.pk, "code": code}


def sitter_registered(world: World) -> Ids:
    """Stocked, and the sitter registered for the patient."""
    return {**stocked(world), "sitter": world.sitter.pk}


def presence_code_sent(world: World) -> Ids:
    """A presence code texted to the sitter."""
    ids = sitter_registered(world)
    return {**ids, "code": _texted_code(world, CodePurpose.PRESENCE, None)}


def suicidality_hold(world: World) -> Ids:
    """The patient answered PHQ-9 item 9 (thoughts of self-harm): dosing is held."""
    ids = planned(world)
    answers = [*PHQ9[:8], 2]
    submit_questionnaire(world.callers[PATIENT], world.patient, questionnaire("phq9", answers))
    assert [h.hold for h in active_holds(world.patient, NOW)] == ["suicidality"]
    return ids


def alert_open(world: World) -> Ids:
    """An open urgent alert about the patient."""
    alert = raise_alert(
        patient=world.patient,
        cause="adverse_event",
        severity="urgent",
        subject="test:1",
        title="Adverse event reported",
        message="",
    )
    return {"alert": alert.pk}


def fill_held(world: World) -> Ids:
    """A prescription whose first fill is held by an open urgent alert (staged dispensing)."""
    return {**prescribed_by("")(world), **alert_open(world)}


def password_not_set(world: World) -> Ids:
    """The patient's account was made before they set a password (it signs in by token)."""
    user = world.patient.user
    assert user is not None
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return {}


def new_sitter(world: World) -> Ids:
    """A sitter of the patient with a phone on file and no sign-in yet."""
    sitter = factories.SitterFactory(
        clinic=world.clinic, patients=[world.patient], user=None, name="Nia Newsitter"
    )
    return {"sitter": sitter.pk}


def drafts_of_each(world: World) -> Ids:
    """Each caller has a draft note of their own (only its author edits, signs or discards it).

    `draft` is by role: each caller acts on theirs (`_as`).
    """
    drafts = {
        role: factories.NoteFactory(patient=world.patient, author=user).pk
        for role, user in world.callers.items()
    }
    return {"draft": drafts}


def note_signed(world: World) -> Ids:
    """The prescriber has signed a note on the patient's chart."""
    note = factories.NoteFactory(patient=world.patient, author=world.prescriber, signed=True)
    return {"note": note.pk}


def sitter_invited(world: World) -> Ids:
    """A coordinator has invited a new sitter of the patient by text message."""
    ids = new_sitter(world)
    sitter = Sitter.objects.get(pk=ids["sitter"])
    spec = InviteSpec(channel=InvitationChannel.SMS)
    invitation = invitations.invite_sitter(world.coordinator, world.patient, sitter, spec)
    return {"invitation": invitation.pk}


def receipt_pending(world: World) -> Ids:
    """A delivery recorded by the pharmacist who is no caller: a second person verifies it."""
    return {"receipt": received(world.pharmacist).pk}


def lot_on_shelf(world: World) -> Ids:
    """100 troches of lot KC-1001 on the clinic's shelf (received and verified)."""
    return {"lot": on_shelf(world.pharmacist, world.prescriber).lot_id}


def discrepancy_open(world: World) -> Ids:
    """A lot counted 2 short by the pharmacist who is no caller: a discrepancy to explain."""
    lot = on_shelf(world.pharmacist, world.prescriber).lot
    spec = ReconciliationSpec(counts={lot.pk: 98})
    reconcile_stock(world.pharmacist, world.clinic, spec)
    return {"discrepancy": lot.discrepancies.get().pk}


def lot_to_destroy(world: World) -> Ids:
    """A lot on the shelf; the witnesses: the pharmacist and the prescriber who are no callers."""
    return {"lot": lot_of(world.clinic).pk, "second_witness": world.prescriber.pk}


def destructions_to_confirm(world: World) -> Ids:
    """Destructions by the pharmacist who is no caller, each naming a witness caller (by role).

    Only a named witness confirms: each caller who may witness confirms the one naming them.
    """
    lot = lot_of(world.clinic)
    mine = {
        role: destroyed(world.pharmacist, lot, world.callers[role], world.prescriber).pk
        for role in (policy.PHARMACIST, policy.PRESCRIBER, policy.CLINICIAN)
    }
    return {"destruction": {role: mine.get(role, mine[policy.CLINICIAN]) for role in ROLES}}


# --- The table: each write, the use case (row) that decides it, and its given ------------------


@dataclass(frozen=True)
class Write:
    name: str  # the test id
    method: str
    path: str  # under /api/v1/; {p} is the patient, other {names} the given's ids
    body: dict[str, Any] | None
    use_case: str  # the row of kernel.policy that decides who may
    given: Callable[[World], Ids]


def _phase(source: Phase, target: Phase, use_case: str, **given: Phase) -> Write:
    return Write(
        f"POST phase {source.value}->{target.value}",
        "POST",
        "patients/{p}/phase",
        {"target": target.value, "reason": "The team decided so."},
        use_case,
        in_phase(source, **given),
    )


def returns_accepted(world: World) -> Ids:
    """Stocked, at a clinic that takes back patients' units (an authorised collector)."""
    ids = stocked(world)
    accept_returns(world.clinic)
    return ids


def _ledger(kind: str, use_case: str, **extra: Any) -> Write:
    body = {"kind": kind, "quantity": 2, **extra}
    given = returns_accepted if kind in {"returned", "destroyed"} else stocked
    return Write(
        f"POST ledger/events {kind}", "POST", "patients/{p}/ledger/events", body, use_case, given
    )


WRITES: list[Write] = [
    Write("POST patients", "POST", "patients", NEW_PATIENT, "register_patient", nothing),
    # The phase endpoint: each move is decided by the use case that owns it.
    _phase(Phase.SCREENING, Phase.INTAKE, "move_patient"),
    _phase(Phase.UNDER_REVIEW, Phase.INTAKE, "return_intake"),
    _phase(Phase.INDUCTION, Phase.MAINTENANCE, "start_maintenance"),
    _phase(Phase.INDUCTION, Phase.PAUSED, "pause_treatment"),
    _phase(Phase.PAUSED, Phase.INDUCTION, "resume_treatment", paused_from=Phase.INDUCTION),
    _phase(Phase.INDUCTION, Phase.DISCHARGED, "discharge_patient"),
    Write(
        "POST consents",
        "POST",
        "patients/{p}/consents",
        {"document_id": "{document}", "signature_name": "Pat Patient"},
        "sign_consent",
        consent_published,
    ),
    Write("POST intakes", "POST", "patients/{p}/intakes", None, "start_intake", nothing),
    Write(
        "PUT intakes/{intake}/draft",
        "PUT",
        "patients/{p}/intakes/{intake}/draft",
        {"home": {"sitter_available": True}},
        "save_intake_draft",
        intake_started,
    ),
    Write(
        "POST intakes/{intake}/submit",
        "POST",
        "patients/{p}/intakes/{intake}/submit",
        None,
        "submit_intake",
        intake_complete,
    ),
    Write(
        "POST intakes/{intake}/staff-ratings",
        "POST",
        "patients/{p}/intakes/{intake}/staff-ratings",
        {"maudsley": {"duration": 2, "severity": 3, "treatment_failures": 4}, "madrs": MADRS},
        "rate_intake",
        intake_submitted,
    ),
    Write(
        "POST intakes/{intake}/review",
        "POST",
        "patients/{p}/intakes/{intake}/review",
        {"decision": "approve", "justification": ""},
        "review_intake",
        intake_submitted,
    ),
    Write(
        "POST questionnaires phq9",
        "POST",
        "patients/{p}/questionnaires",
        {"instrument": "phq9", "answers": PHQ9},
        "submit_questionnaire",
        nothing,
    ),
    Write(
        "POST questionnaires madrs",
        "POST",
        "patients/{p}/questionnaires",
        {"instrument": "madrs", "answers": MADRS},
        "rate_questionnaire",
        nothing,
    ),
    Write(
        "POST plans",
        "POST",
        "patients/{p}/plans",
        PLAN,
        "create_plan",
        approved,
    ),
    Write(
        "POST plans/{plan}/revisions",
        "POST",
        "patients/{p}/plans/{plan}/revisions",
        {"reason": "Little response at 100 mg.", "dose_mg": 150},
        "revise_plan",
        planned,
    ),
    Write(
        "POST prescriptions",
        "POST",
        "patients/{p}/prescriptions",
        {"plan_id": "{plan}", "quantity": 4, "refills": 0, "directions": "2 troches."},
        "write_prescription",
        planned,
    ),
    Write(
        "POST pdmp-checks",
        "POST",
        "patients/{p}/pdmp-checks",
        {"result": "nothing_of_concern"},
        "record_pdmp_check",
        approved,
    ),
    Write(
        "POST prescriptions/{rx}/dispenses",
        "POST",
        "patients/{p}/prescriptions/{rx}/dispenses",
        {"quantity": 8, **LOT},
        "dispense",
        prescribed_by(""),
    ),
    Write(
        "POST prescriptions/{rx}/release-hold",
        "POST",
        "patients/{p}/prescriptions/{rx}/release-hold",
        {"note": "Seen by video today; the alert is in hand."},
        "release_held_fill",
        fill_held,
    ),
    Write(
        "POST prescriptions/{rx}/cosign",
        "POST",
        "patients/{p}/prescriptions/{rx}/cosign",
        None,
        "cosign_prescription",
        awaiting_cosign,
    ),
    Write(
        "POST prescriptions/{rx}/void",
        "POST",
        "patients/{p}/prescriptions/{rx}/void",
        {"reason": "Wrong directions"},
        "void_prescription",
        prescribed_by(policy.PRESCRIBER),
    ),
    Write(
        "POST prescriptions/{rx}/corrections",
        "POST",
        "patients/{p}/prescriptions/{rx}/corrections",
        {"reason": "Fewer units", "quantity": 4, "refills": 0, "directions": "2 troches."},
        "correct_prescription",
        prescribed_by(policy.PRESCRIBER),
    ),
    Write(
        "POST dispenses/{dispense}/void",
        "POST",
        "patients/{p}/dispenses/{dispense}/void",
        {"reason": "Wrong patient"},
        "void_dispense",
        dispensed_by(policy.PHARMACIST),
    ),
    Write(
        "POST dispenses/{dispense}/corrections",
        "POST",
        "patients/{p}/dispenses/{dispense}/corrections",
        {"reason": "Lot typo", "quantity": 8, **LOT},
        "correct_dispense",
        dispensed_by(policy.PHARMACIST),
    ),
    Write(
        "POST induction-review",
        "POST",
        "patients/{p}/induction-review",
        {"benefit": "partial", "decision": "continue_to_maintenance"},
        "record_induction_review",
        induction_over,
    ),
    # The ledger endpoint: each kind of event is its own use case.
    _ledger("returned", "record_returned_units"),
    _ledger("destroyed", "record_destroyed_units", witness_id="{witness}"),
    _ledger("lost_or_stolen", "report_units_lost", note="Lost on the bus on Monday."),
    _ledger("disposed", "record_disposed_units", note="Taken to the pharmacy's kiosk."),
    _ledger("counted", "record_pill_count"),
    Write(
        "POST sessions",
        "POST",
        "patients/{p}/sessions",
        CHECKLIST,
        "start_session",
        sitter_confirmed,
    ),
    Write(
        "POST sessions/{ready}/dose",
        "POST",
        "patients/{p}/sessions/{session}/dose",
        {"dose_mg": 100},
        "record_dose_taken",
        ready,
    ),
    Write(
        "POST sessions/{dosed}/readings",
        "POST",
        "patients/{p}/sessions/{session}/readings",
        BP,
        "record_post_dose_reading",
        reading_due,
    ),
    Write(
        "POST sessions/{dosed}/check-in",
        "POST",
        "patients/{p}/sessions/{session}/check-in",
        {"feeling": "well", "blood_pressure": BP},
        "record_check_in",
        check_in_open,
    ),
    Write(
        "POST sessions/{dosed}/release",
        "POST",
        "patients/{p}/sessions/{session}/release",
        {"stable": False, "note": "Drowsy still.", "sitter_id": "{sitter}", "code": "{code}"},
        "release_session",
        release_code_sent,
    ),
    Write(
        "POST sitter-presence",
        "POST",
        "patients/{p}/sitter-presence",
        None,
        "confirm_sitter_presence",
        stocked,
    ),
    Write(
        "POST sitter-codes",
        "POST",
        "patients/{p}/sitter-codes",
        {"sitter_id": "{sitter}"},
        "send_sitter_code",
        sitter_registered,
    ),
    Write(
        "POST sitter-presence/code",
        "POST",
        "patients/{p}/sitter-presence/code",
        {"sitter_id": "{sitter}", "code": "{code}"},
        "confirm_presence_with_code",
        presence_code_sent,
    ),
    Write(
        "POST dosing-clearances",
        "POST",
        "patients/{p}/dosing-clearances",
        {"hold": "suicidality", "note": "Reviewed by phone: no plan, no intent."},
        "clear_for_dosing",
        suicidality_hold,
    ),
    Write(
        "POST adverse-events",
        "POST",
        "patients/{p}/adverse-events",
        {"description": "Nausea", "severity": "mild", "serious": False, "outcome": "resolved"},
        "report_adverse_event",
        nothing,
    ),
    Write(
        "POST alerts/{alert}/acknowledge",
        "POST",
        "alerts/{alert}/acknowledge",
        {"note": "On it."},
        "acknowledge_alert",
        alert_open,
    ),
    Write(
        "POST alerts/{alert}/resolve",
        "POST",
        "alerts/{alert}/resolve",
        {"note": "Called the patient: settled."},
        "resolve_alert",
        alert_open,
    ),
    # Portal invitations: staff give the patient and the sitters a sign-in.
    Write(
        "POST invitations",
        "POST",
        "patients/{p}/invitations",
        {"channel": "sms"},
        "invite_patient",
        password_not_set,
    ),
    Write(
        "POST sitters/{sitter}/invitations",
        "POST",
        "patients/{p}/sitters/{sitter}/invitations",
        {"channel": "sms"},
        "invite_sitter",
        new_sitter,
    ),
    Write(
        "POST invitations/{invitation}/resend",
        "POST",
        "patients/{p}/invitations/{invitation}/resend",
        None,
        "resend_invitation",
        sitter_invited,
    ),
    Write(
        "POST invitations/{invitation}/revoke",
        "POST",
        "patients/{p}/invitations/{invitation}/revoke",
        None,
        "revoke_invitation",
        sitter_invited,
    ),
    # Clinician notes: the clinical team drafts; each author edits, signs or discards theirs.
    Write(
        "POST notes",
        "POST",
        "patients/{p}/notes",
        {"kind": "phone_call", "body": "Called: sleeping better."},
        "draft_note",
        nothing,
    ),
    Write(
        "PATCH notes/{draft}",
        "PATCH",
        "patients/{p}/notes/{draft}",
        {"body": "Called twice: sleeping better."},
        "edit_note",
        drafts_of_each,
    ),
    Write(
        "POST notes/{draft}/sign",
        "POST",
        "patients/{p}/notes/{draft}/sign",
        None,
        "sign_note",
        drafts_of_each,
    ),
    Write(
        "DELETE notes/{draft}",
        "DELETE",
        "patients/{p}/notes/{draft}",
        None,
        "discard_note",
        drafts_of_each,
    ),
    Write(
        "POST notes/{note}/addenda",
        "POST",
        "patients/{p}/notes/{note}/addenda",
        {"body": "Correction: the call was on Tuesday."},
        "add_note_addendum",
        note_signed,
    ),
    # Recalls (issue 17): a lot recalled, and the call to a patient who received it.
    Write(
        "POST stock/lots/{lot}/recall",
        "POST",
        "stock/lots/{lot}/recall",
        RECALL,
        "recall_lot",
        lot_dispensed,
    ),
    Write(
        "POST stock/recall-tasks/{task}/done",
        "POST",
        "stock/recall-tasks/{task}/done",
        {"outcome": OUTCOME},
        "complete_recall_task",
        lot_recalled,
    ),
    # The caller's own reminders: the patient and the sitter choose theirs, staff none.
    Write(
        "PUT me/contact-preferences",
        "PUT",
        "me/contact-preferences",
        {"channels": "sms", "quiet_from": "22:00", "quiet_until": "07:00"},
        "change_contact_preferences",
        nothing,
    ),
    # The clinic's stock: receipts by two people, transfers and returns (issue 17).
    Write("POST stock/receipts", "POST", "stock/receipts", DELIVERY, "receive_stock", nothing),
    Write(
        "POST stock/receipts/{receipt}/verify",
        "POST",
        "stock/receipts/{receipt}/verify",
        {"counted": 100},
        "verify_receipt",
        receipt_pending,
    ),
    Write(
        "POST stock/receipts/{receipt}/reject",
        "POST",
        "stock/receipts/{receipt}/reject",
        {"reason": "Seal broken"},
        "reject_receipt",
        receipt_pending,
    ),
    Write(
        "POST stock/lots/{lot}/transfers",
        "POST",
        "stock/lots/{lot}/transfers",
        TRANSFER,
        "transfer_stock",
        lot_on_shelf,
    ),
    Write(
        "POST stock/lots/{lot}/supplier-returns",
        "POST",
        "stock/lots/{lot}/supplier-returns",
        RETURN,
        "return_stock_to_supplier",
        lot_on_shelf,
    ),
    # Counts of the shelf, their discrepancies, and losses of the clinic's stock.
    Write(
        "POST stock/reconciliations",
        "POST",
        "stock/reconciliations",
        {"counts": {"{lot}": 98}},
        "reconcile_stock",
        lot_on_shelf,
    ),
    Write(
        "POST stock/discrepancies/{discrepancy}/explain",
        "POST",
        "stock/discrepancies/{discrepancy}/explain",
        {"explanation": "Two troches were on the second shelf."},
        "explain_stock_discrepancy",
        discrepancy_open,
    ),
    Write(
        "POST stock/lots/{lot}/losses",
        "POST",
        "stock/lots/{lot}/losses",
        {"quantity": 2, "what_happened": "A box is missing from the safe."},
        "report_stock_lost",
        lot_on_shelf,
    ),
    # Destruction of the clinic's stock, before two witnesses who each confirm it.
    Write(
        "POST stock/lots/{lot}/destructions",
        "POST",
        "stock/lots/{lot}/destructions",
        {
            "quantity": 2,
            "method": "chemical_digestion",
            "reason": "expired",
            "first_witness_id": "{witness}",
            "second_witness_id": "{second_witness}",
        },
        "destroy_stock",
        lot_to_destroy,
    ),
    Write(
        "POST stock/destructions/{destruction}/confirm",
        "POST",
        "stock/destructions/{destruction}/confirm",
        None,
        "witness_destruction",
        destructions_to_confirm,
    ),
]

# Rows of kernel.policy that are writes but no write of the API runs, and why. (The rows
# of reads, "read_..." and "see_...", are not writes.)
NOT_AN_API_WRITE: dict[str, str] = {
    "list_sittings": "a read: the sitter's own list of the people they sit for (GET /sitting)",
    "issue_token": "the caller's own token: anyone signed in (signed_in), no role",
    "revoke_token": "the caller's own token: anyone signed in (signed_in), no role",
    "set_up_second_factor": "the caller's own second factor, on the web (web.signin)",
    "renew_recovery_codes": "the caller's own recovery codes, on the web (web.signin)",
    "turn_off_second_factor": "the caller's own second factor, on the web (web.signin)",
    "create_lead": "the public self-screen (web)",
    "set_lead_status": "the self-screen's leads, on the staff pages (web)",
    "add_lead_note": "the self-screen's leads, on the staff pages (web)",
    "register_lead": "the self-screen's leads: convert to patient (web)",
    "accept_invitation": "the invitee sets a password on the link's page (web, public)",
    "request_password_reset": 'the sign-in page\'s "Forgot your password?" (web, public)',
    "reset_password": "the password reset link's page (web, public)",
    "update_patient": "the record's page (web) and the admin",
    "add_sitter": "the record's page (web)",
    "publish_consent": "the admin",
    "change_protocol": "the clinic's protocol page (web)",
    "configure_questionnaire_schedule": "the admin",
    "request_refill": "the patient's portal (web)",
    "export_records": "the Exports page (web) and `ketacare export`: files, not a record",
    "export_research": "the Exports page (web) and `ketacare export --research`",
    "download_own_record": "the patient's portal: their record as a page, PDF or FHIR (web)",
}
READ = re.compile(r"^(read|see)_")


# --- Calling -----------------------------------------------------------------------------------


def _fill(template: Any, ids: Ids) -> Any:
    """The body with "{name}" replaced by the id (a whole "{name}" keeps the id's type)."""
    if isinstance(template, str):
        whole = re.fullmatch(r"\{(\w+)\}", template)
        return ids[whole.group(1)] if whole else template.format(**ids)
    if isinstance(template, dict):
        return {_fill(k, ids): _fill(v, ids) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, ids) for v in template]
    return template


def _as(role: str, ids: Ids) -> Ids:
    """The ids `role` acts on: an id given by role (each caller's own draft) is theirs."""
    return {k: v[role] if isinstance(v, dict) else v for k, v in ids.items()}


def _call(client: ApiClient, write: Write, ids: Ids) -> Any:
    body = {} if write.body is None else _fill(write.body, ids)
    return client.request(write.method, write.path.format(**ids), body)


def _stored() -> dict[str, int]:
    """Rows of every model of the project, and the audit entries that are not reads."""
    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model.__module__.startswith("ketacare.") and model is not AuditEntry
    }
    reads = (AuditAction.READ, AuditAction.LIST)
    counts["audit entries but reads"] = AuditEntry.objects.exclude(action__in=reads).count()
    return counts


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """Whatever the block stores is undone at its end.

    A savepoint, not an atomic block: a use case opens a durable one, which Django lets
    open directly inside the test's transaction only (not inside another atomic block).
    """
    point = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(point)


def _clients(world: World) -> dict[str, ApiClient]:
    return {
        role: ApiClient(issue_token(user, name="test")[1]) for role, user in world.callers.items()
    }


@pytest.mark.parametrize("write", WRITES, ids=[w.name for w in WRITES])
def test_roles(world: World, write: Write) -> None:
    rule = policy.rule(write.use_case)
    clients = _clients(world)
    # The witness of a destruction: a pharmacist of the clinic who is none of the callers.
    ids = {"p": world.patient.pk, "witness": world.pharmacist.pk, **write.given(world)}
    refused = [role for role in ROLES if not allowed(rule, role)]
    permitted = [role for role in ROLES if allowed(rule, role)]
    for role in refused:
        before = _stored()
        response = _call(clients[role], write, _as(role, ids))
        assert response.status_code == 403, (role, response.status_code, response.json())
        assert response.json()["code"] == "forbidden", (role, response.json())
        assert _stored() == before, role
    for role in permitted:
        with rolled_back():
            response = _call(clients[role], write, _as(role, ids))
            assert 200 <= response.status_code < 300, (role, response.status_code, response.json())


def test_every_write_of_the_api_is_in_the_table(client: Client) -> None:
    document = client.get(f"{API}/openapi.json").json()
    own_tokens = {("POST", "auth/token"), ("DELETE", "auth/token")}  # rows signed_in: no role
    documented = {
        (method.upper(), re.sub(r"\{\w+\}", "{}", path.removeprefix(f"{API}/")))
        for path, operations in document["paths"].items()
        for method in operations
        if method != "get"
    } - own_tokens
    tabled = {(w.method, re.sub(r"\{\w+\}", "{}", w.path)) for w in WRITES}
    assert documented == tabled


def test_every_write_row_of_the_policy_is_tried_or_said_why_not() -> None:
    tried = {w.use_case for w in WRITES}
    writes = {name for name in policy.RULES if not READ.match(name)}
    assert not tried & set(NOT_AN_API_WRITE)
    assert tried | set(NOT_AN_API_WRITE) == writes
