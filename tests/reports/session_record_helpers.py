"""A dosing session with one of everything its printable record shows, and a bare one.

The full session: checklist with a sitter's confirmation, the dose from a dispensed lot,
a high reading at about 40 minutes (its alert acknowledged by the clinician), the
release check-in with CADSS-6 and a side effect, an adverse event and the sitter's
release. The bare one: a checklist without a sitter that failed its gate.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import time_machine

from ketacare.accounts.models import Clinic, User
from ketacare.alerts import services as alert_services
from ketacare.alerts.models import Alert
from ketacare.alerts.specs import AcknowledgeSpec
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment import services
from ketacare.treatment.models import DosingSession
from ketacare.treatment.specs.sessions import (
    AdverseEventSpec,
    CheckInSpec,
    ReadingSpec,
    ReleaseSpec,
)
from tests.factories import SitterFactory
from tests.treatment.helpers import NOW, plan_for, ready_session
from tests.web.workspace.conftest import first_dose, make_patient

DOSED_AT = NOW - timedelta(days=2)


def full_session(
    clinic: Clinic, clinician: User, prescriber: User, pharmacist: User
) -> DosingSession:
    patient = make_patient(
        clinic,
        "Jo Journey",
        with_account=True,
        phase=Phase.APPROVED.value,
        timezone="America/New_York",
    )
    sid = SitterFactory(clinic=clinic, patients=[patient], name="Sid Sitter")
    session = first_dose(prescriber, pharmacist, patient, DOSED_AT)
    assert sid.user is not None
    after_the_dose(patient, sid.user, session, DOSED_AT, release_note="All fine.")
    with time_machine.travel(DOSED_AT + timedelta(hours=2, minutes=10), tick=False):
        for alert in Alert.objects.filter(patient=patient, detail__session_id=session.pk):
            alert_services.acknowledge_alert(clinician, alert, AcknowledgeSpec(note="Called."))
    session.refresh_from_db()
    return session


def bare_session(prescriber: User, patient: Patient) -> DosingSession:
    """A checklist without a sitter: the gate fails; nothing after it."""
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        plan_for(prescriber, patient)
        return ready_session(patient.user, patient, with_sitter=False, sitter_present=False)


def after_the_dose(
    patient: Patient,
    sitter: User,
    session: DosingSession,
    at: datetime,
    *,
    release_note: str = "",
) -> None:
    """The hours after a dose taken `at`: a high reading at 40 min, the check-in at 2 h.

    The check-in has CADSS-6 and nausea, with a mild adverse event; the sitter releases
    at 2 h 10.
    """
    assert patient.user is not None
    with time_machine.travel(at + timedelta(minutes=40), tick=False):
        services.record_post_dose_reading(
            patient.user, session, ReadingSpec(systolic_mmhg=150, diastolic_mmhg=95)
        )
    with time_machine.travel(at + timedelta(hours=2), tick=False):
        services.record_check_in(
            patient.user,
            session,
            CheckInSpec(
                feeling="okay",
                blood_pressure=[131, 84],
                cadss6_answers=[1, 1, 0, 0, 1, 0],
                side_effects=["nausea"],
            ),
        )
        services.report_adverse_event(
            patient.user,
            patient,
            AdverseEventSpec(
                description="Felt faint for a minute.",
                severity="mild",
                serious=False,
                outcome="resolved",
                session_id=session.pk,
            ),
        )
    with time_machine.travel(at + timedelta(hours=2, minutes=10), tick=False):
        services.release_session(sitter, session, ReleaseSpec(stable=True, note=release_note))
