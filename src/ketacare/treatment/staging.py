"""Staged dispensing: the holds on a prescription's next fill, and their release.

The facts are counted here for many patients at once (a fixed number of queries, so
the pharmacy queue stays bounded); which of them hold, and in what words, is
clinical.staging's rule, and which holds apply is the clinic's protocol (its
`hold_fill_*` settings, all on by default: fail closed; docs/clinical-defaults.md).

- A session without its check-in: a dosed session with no post-dose check-in.
- An overdue questionnaire: an open `questionnaire_overdue` alert, which the worker's
  tick raises from the questionnaire schedule (assessments.jobs) and resolves once
  answered; read from the alerts so a whole queue costs one query.
- An urgent alert: an urgent or emergency alert about the patient not yet resolved.
- A pill count not reconciled: the patient's latest count differed from the ledger (a
  count-mismatch diversion finding) and no count since has matched.

A prescriber releases one held fill with a note (`release_held_fill`); the release lets
that fill be dispensed despite its holds, and is kept and audited.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Max

from ketacare.alerts.models import Alert, AlertCause, AlertSeverity, AlertStatus
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.clinical import staging
from ketacare.clinical.staging import FillFacts, FillHolds
from ketacare.kernel import usecase
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import require
from ketacare.patients.protocol import clinic_rules
from ketacare.treatment.dispensing.fills import Fill, locked_prescription, next_fill
from ketacare.treatment.errors import FillHeld, FillNotHeld
from ketacare.treatment.models import (
    DOSED_STATUSES,
    DiversionFinding,
    DiversionKind,
    DosingSession,
    FillRelease,
    LedgerEvent,
    LedgerEventKind,
    Prescription,
)
from ketacare.treatment.specs.staging import FillReleaseSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User

_URGENT = (AlertSeverity.URGENT, AlertSeverity.EMERGENCY)


def _counts(rows: Iterable[int]) -> Counter[int]:
    return Counter(rows)


def _unreconciled(patient_ids: list[int]) -> Counter[int]:
    """Patients whose latest pill count differed from the ledger (two queries)."""
    latest = (
        LedgerEvent.objects.filter(patient_id__in=patient_ids, kind=LedgerEventKind.COUNTED)
        .values("patient_id")
        .annotate(last=Max("pk"))
        .values_list("last", flat=True)
    )
    return _counts(
        DiversionFinding.objects.filter(
            kind=DiversionKind.COUNT_MISMATCH, ledger_event_id__in=list(latest)
        ).values_list("patient_id", flat=True)
    )


def facts_for(patient_ids: Iterable[int]) -> dict[int, FillFacts]:
    """Each patient's facts for their next fill, in five queries whatever their number."""
    ids = sorted(set(patient_ids))
    unchecked = _counts(
        DosingSession.objects.filter(
            patient_id__in=ids, status__in=DOSED_STATUSES, check_in__isnull=True
        ).values_list("patient_id", flat=True)
    )
    alerts = Alert.objects.filter(patient_id__in=ids).exclude(status=AlertStatus.RESOLVED)
    overdue = _counts(
        alerts.filter(cause=AlertCause.QUESTIONNAIRE_OVERDUE).values_list("patient_id", flat=True)
    )
    urgent = _counts(alerts.filter(severity__in=_URGENT).values_list("patient_id", flat=True))
    counts = _unreconciled(ids)
    return {pk: FillFacts(unchecked[pk], overdue[pk], urgent[pk], counts[pk]) for pk in ids}


def holds_for(prescriptions: Iterable[Prescription]) -> dict[int, FillHolds]:
    """The holds on each prescription's next fill (a released fill has none), by its pk.

    A fixed number of queries: the facts, the releases, one protocol per clinic.
    """
    rxs = list(prescriptions)
    facts = facts_for(rx.patient_id for rx in rxs)
    released = set(
        FillRelease.objects.filter(prescription_id__in=[rx.pk for rx in rxs]).values_list(
            "prescription_id", "fill_number"
        )
    )
    applying = {
        clinic: staging.applying(clinic_rules(clinic).values)
        for clinic in {rx.patient.clinic_id for rx in rxs}
    }
    return {
        rx.pk: FillHolds({})
        if (rx.pk, rx.fills_dispensed + 1) in released
        else staging.fill_holds(facts[rx.patient_id], applying[rx.patient.clinic_id])
        for rx in rxs
    }


def require_unheld(rx: Prescription, fill: Fill) -> None:
    """Refuse (FillHeld) a new fill held by its conditions and not released by a prescriber."""
    if not fill.new:  # a fill begun was let go already: its parts follow
        return
    if FillRelease.objects.filter(prescription_id=rx.pk, fill_number=fill.number).exists():
        return
    holds = holds_for([rx])[rx.pk]
    if holds.held:
        raise FillHeld(holds.message())


@use_case("release_held_fill")
def release_held_fill(
    actor: User, prescription: Prescription, spec: FillReleaseSpec
) -> FillRelease:
    """A prescriber lets the prescription's next fill be dispensed despite its holds, with a note.

    Refused (FillNotHeld) when the next fill has no hold, is begun already, or none is left.
    """
    require(actor, prescription.patient, "release_held_fill")
    rx = locked_prescription(prescription.pk)
    fill = next_fill(rx)
    holds = holds_for([rx])[rx.pk]
    if fill is None or not fill.new or not holds.held:
        raise FillNotHeld(
            "The next fill of this prescription is not held: the pharmacist can dispense it "
            "without a release."
        )
    release = FillRelease.objects.create(
        patient_id=rx.patient_id,
        prescription=rx,
        fill_number=fill.number,
        holds=list(holds.reasons.values()),
        note=spec.note.strip(),
        released_by=actor,
    )
    usecase.note(
        Event.about(
            AuditAction.CREATE,
            release,
            detail={"fill": fill.number, "holds": [str(h) for h in holds.reasons]},
        )
    )
    return release
