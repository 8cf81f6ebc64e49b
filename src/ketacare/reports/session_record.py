"""The printable record of one at-home dosing session: gathered, scoped and audited.

`session_record(actor, patient, session_id)` reads one session of a patient the actor
may see (kernel.policy "read_session_record": the clinic's staff, the patient
themself), in a bounded number of queries, and records the read in the audit log like
every read of a chart. The words of each part are `session_record_rows`'; the pages
(HTML and PDF) are the workspace's and the portal's.

Times are in the patient's zone, named on the record; never UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ketacare.alerts.models import Alert
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock
from ketacare.kernel.errors import NotFound
from ketacare.patients.access import require
from ketacare.reports import session_record_rows as rows
from ketacare.reports.session_record_rows import Row
from ketacare.treatment.models import (
    AdverseEvent,
    Dispense,
    DosingSession,
    InductionReview,
    PostDoseReading,
)

if TYPE_CHECKING:
    from ketacare.accounts.models import User
    from ketacare.patients.models import Patient

USE_CASE = "read_session_record"


@dataclass(frozen=True)
class SessionRecord:
    """Everything the one-page record shows, already in words."""

    patient_id: int
    session_id: int
    patient_name: str
    date_of_birth: str
    record_number: str
    zone: str
    session_date: str  # the day the session started, in the patient's zone
    status: str
    product: list[Row]
    checklist: list[Row]
    blood_pressure: list[Row]
    sitter: list[Row]
    cadss6: list[Row]
    side_effects: list[Row]
    adverse_events: list[Row]
    reviews: list[Row]
    printed_at: str

    @property
    def filename(self) -> str:
        """The PDF's name: session-record-<date>.pdf (the date in the patient's zone)."""
        return f"session-record-{self.session_date}.pdf"


def _session(actor: User, patient: Patient, session_id: int) -> DosingSession:
    found = (
        DosingSession.objects.visible_to(actor)
        .filter(patient=patient, pk=session_id)
        .select_related(
            "plan",
            "check_in",
            "sitter",
            "sitter_presence__sitter",
            "released_by_sitter",
            "cssrs_response",
            "ledger_event",
        )
        .first()
    )
    if found is None:
        msg = "No such session of this patient."
        raise NotFound(msg)
    return found


def _lot(actor: User, session: DosingSession) -> Dispense | None:
    """The latest dispense to the patient before the dose (or the checklist), voids aside.

    A dose's ledger event does not name a lot: the record shows the lot of the latest
    dispense before it, and says so.
    """
    before = session.taken_at or session.started_at
    return (
        Dispense.objects.visible_to(actor)
        .filter(patient_id=session.patient_id, dispensed_at__lte=before, voided_at__isnull=True)
        .order_by("-dispensed_at", "-pk")
        .first()
    )


def _alerts(actor: User, session: DosingSession) -> list[Alert]:
    """The alerts raised about this session that staff acknowledged or resolved.

    Alerts are for staff: a patient's own record shows none (Alert.visible_to).
    """
    return list(
        Alert.objects.visible_to(actor)
        .filter(patient_id=session.patient_id, detail__session_id=session.pk)
        .exclude(acknowledged_by__isnull=True, resolved_by__isnull=True)
        .select_related("acknowledged_by", "resolved_by")
        .order_by("raised_at", "pk")
    )


def _review(actor: User, session: DosingSession) -> InductionReview | None:
    """The end-of-induction review of the plan this session followed, if one was recorded."""
    return (
        InductionReview.objects.visible_to(actor)
        .filter(patient_id=session.patient_id, plan_id=session.plan_id)
        .select_related("decided_by")
        .first()
    )


def _local(at: datetime, zone: ZoneInfo) -> datetime:
    return at.astimezone(zone)


def session_record(actor: User, patient: Patient, session_id: int) -> SessionRecord:
    """One session's record for `actor`; NotAllowed or NotFound when they may not see it.

    The read is audited as a read of the patient's record (like the chart's).
    """
    require(actor, patient, USE_CASE)
    session = _session(actor, patient, session_id)
    zone = ZoneInfo(patient.timezone)
    readings = list(PostDoseReading.objects.filter(session=session).order_by("recorded_at", "pk"))
    events = list(
        AdverseEvent.objects.visible_to(actor).filter(session=session).order_by("reported_at", "pk")
    )
    check_in = getattr(session, "check_in", None)
    result = SessionRecord(
        patient_id=patient.pk,
        session_id=session.pk,
        patient_name=patient.legal_name,
        date_of_birth=f"{patient.date_of_birth:%Y-%m-%d}",
        record_number=patient.record_number,
        zone=patient.timezone,
        session_date=f"{_local(session.started_at, zone):%Y-%m-%d}",
        status=session.get_status_display(),
        product=rows.product_rows(session, _lot(actor, session), zone),
        checklist=rows.checklist_rows(session),
        blood_pressure=rows.blood_pressure_rows(session, readings, zone),
        sitter=rows.sitter_rows(session, zone),
        cadss6=rows.cadss6_rows(check_in),
        side_effects=rows.side_effect_rows(check_in, zone),
        adverse_events=rows.adverse_event_rows(events, zone),
        reviews=rows.review_rows(_alerts(actor, session), _review(actor, session), zone),
        printed_at=f"{_local(clock.now(), zone):%Y-%m-%d %H:%M}",
    )
    record(
        Event.about(
            AuditAction.READ,
            patient,
            detail={"via": "session record", "session_id": session.pk},
        ),
        actor=actor,
    )
    return result
