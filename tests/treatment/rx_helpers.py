"""What the prescription tests need beyond helpers.py: doses on record, a clinic's margin.

A dose is put on record through the ledger and a session row, not through the pre-dose
gate: these tests are about prescriptions and dispensing, and what they need of a dose
is that it was taken (the plan's sessions left) and that its units left the ledger.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ketacare.accounts.models import Clinic, User
from ketacare.patients.models import Patient
from ketacare.patients.protocol import change_protocol
from ketacare.patients.specs import ProtocolSpec
from ketacare.treatment import ledger, services
from ketacare.treatment.models import (
    DosingSession,
    Feeling,
    LedgerEventKind,
    PostDoseCheckIn,
    SessionStatus,
    TreatmentPlan,
)
from tests.factories import UserFactory


def dose_on_record(patient: Patient) -> DosingSession:
    """A dose of the current plan taken now: a dosed session and its `taken` ledger event."""
    plan = services.active_plan(patient)
    assert plan is not None
    assert patient.user is not None
    now = timezone.now()
    with transaction.atomic():
        event = ledger.post(
            ledger.locked_account(patient),
            kind=LedgerEventKind.TAKEN,
            change=-plan.ledger_units(float(plan.dose_mg)),
            actor=patient.user,
            note="Dose on record for a test.",
        )
        if patient.first_dose_at is None:  # as the dose service writes it
            patient.first_dose_at = now
            patient.save(update_fields=["first_dose_at"])
        return DosingSession.objects.create(
            patient=patient,
            plan=plan,
            status=SessionStatus.DOSED,
            sitter_present=True,
            sitter_name="Robin Sitter",
            fasted=True,
            no_driving_until_tomorrow=True,
            systolic_mmhg=120,
            diastolic_mmhg=80,
            started_by=patient.user,
            started_at=now,
            dose_mg=plan.dose_mg,
            taken_at=now,
            check_in_due_at=now + timedelta(minutes=plan.check_in_deadline_min),
            ledger_event=event,
            dose_recorded_by=patient.user,
            dose_recorded_at=now,
        )


def checked_in(session: DosingSession) -> DosingSession:
    """The session's post-dose check-in on record (a held fill waits for it, staged dispensing)."""
    assert session.patient.user is not None
    PostDoseCheckIn.objects.create(
        session=session,
        patient=session.patient,
        feeling=Feeling.WELL,
        recorded_by=session.patient.user,
    )
    session.status = SessionStatus.CHECKED_IN
    session.save(update_fields=["status"])
    return session


def set_margin(clinic: Clinic, sessions: int) -> None:
    """The clinic's protocol gives prescriptions `sessions` spare sessions' worth of units."""
    admin: User = UserFactory(clinic=clinic, clinic_admin=True)
    change_protocol(
        admin,
        clinic,
        ProtocolSpec(
            changes={"prescription_margin_sessions": sessions},
            reason="Spare sessions for travel days.",
        ),
    )


def legacy_esketamine_plan(plan: TreatmentPlan) -> TreatmentPlan:
    """`plan` made an esketamine device plan, as one written before at-home plans refused it.

    `create_plan` and `revise_plan` now refuse esketamine (CLINICAL.md G4), so the row is
    changed directly: the product of a plan already in the database.
    """
    TreatmentPlan.objects.filter(pk=plan.pk).update(
        drug="esketamine",
        formulation_kind="esketamine_device",
        strength_mg=None,
        scored=False,
        dose_mg=56,
    )
    plan.refresh_from_db()
    return plan
