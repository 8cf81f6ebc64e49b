"""A patient's own record, to read and to keep: their details, plan, doses, scores, events.

One use case (`download_own_record`): the patient themself, and only for their own
record (another patient's is NotFound, as if it did not exist). Each look or download
leaves one audit entry: a read for the page, an export for a file taken away (the
printable copy). The faces draw it; this module only gathers it, in a fixed number of
queries whatever the length of the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ketacare.accounts.models import User
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.clinical import instruments
from ketacare.kernel.errors import NotFound
from ketacare.kernel.usecase import note, use_case
from ketacare.patients.models import Patient
from ketacare.treatment.models import DOSED_STATUSES, AdverseEvent, DosingSession, TreatmentPlan

PAGE = "page"
FORMATS = (PAGE, "pdf")


@dataclass(frozen=True)
class Dose:
    taken_at: datetime
    dose_mg: Decimal
    as_planned: bool


@dataclass(frozen=True)
class Score:
    questionnaire: str
    recorded_at: datetime
    total: int
    most: int
    band: str


@dataclass(frozen=True)
class Happening:
    """An adverse event as the patient reported it (or their care team did)."""

    reported_at: datetime
    description: str
    severity: str
    outcome: str


@dataclass(frozen=True)
class OwnRecord:
    patient: Patient
    plan: TreatmentPlan | None
    doses: tuple[Dose, ...]
    scores: tuple[Score, ...]
    events: tuple[Happening, ...]


@use_case("download_own_record")
def own_record(actor: User, patient: Patient, *, form: str = PAGE) -> OwnRecord:
    """The patient's record, for them alone; `form` is how they take it (page or pdf)."""
    if patient.user_id is None or patient.user_id != actor.pk or form not in FORMATS:
        raise NotFound("No such record.")
    action = AuditAction.READ if form == PAGE else AuditAction.EXPORT
    note(Event.about(action, patient, detail={"via": "portal own record", "format": form}))
    return OwnRecord(
        patient=patient,
        plan=TreatmentPlan.objects.filter(patient=patient, is_current=True).first(),
        doses=_doses(patient),
        scores=_scores(patient),
        events=_events(patient),
    )


def _doses(patient: Patient) -> tuple[Dose, ...]:
    dosed = DosingSession.objects.filter(patient=patient, status__in=DOSED_STATUSES)
    return tuple(
        Dose(s.taken_at, s.dose_mg, s.as_planned)
        for s in dosed.order_by("taken_at", "pk").only("taken_at", "dose_mg", "as_planned")
        if s.taken_at is not None and s.dose_mg is not None  # a dosed session has both
    )


def _scores(patient: Patient) -> tuple[Score, ...]:
    responses = QuestionnaireResponse.objects.filter(patient=patient).order_by("recorded_at", "pk")
    found = []
    for code, at, total, band in responses.values_list(
        "instrument", "recorded_at", "total", "band"
    ):
        instrument = instruments.get(code)
        words = band.replace("_", " ")  # "moderately_severe" reads "moderately severe"
        found.append(Score(instrument.title, at, total, instrument.max_total, words))
    return tuple(found)


def _events(patient: Patient) -> tuple[Happening, ...]:
    events = AdverseEvent.objects.filter(patient=patient).order_by("reported_at", "pk")
    return tuple(
        Happening(e.reported_at, e.description, e.get_severity_display(), e.get_outcome_display())
        for e in events
    )
