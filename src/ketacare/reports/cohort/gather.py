"""A clinic's treated patients as `PatientCourse`s, read in a fixed number of queries.

Five queries whatever the size of the cohort: the patients whose first dose falls in the
range, their doses taken (with the plan each was taken on), their questionnaire totals,
their adverse events, and nothing per patient. A patient is keyed by their record's id,
never by a name: the report is numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from ketacare.assessments.models import QuestionnaireResponse
from ketacare.clinical import dosing, outcomes
from ketacare.clinical.outcomes.report import PatientCourse
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.reports.cohort.specs import CohortSpec
from ketacare.treatment.models import DOSED_STATUSES, AdverseEvent, DosingSession
from ketacare.treatment.reviews import induction_sessions

# The instruments the report reads (CLINICAL.md F: Hull 2022 reported PHQ-9 and GAD-7;
# PCL-5 for the PTSD indication, A4).
INSTRUMENTS = ("phq9", "gad7", "pcl5")
# A plan that names no induction sessions: twice weekly for the default induction weeks
# (clinical.dosing.DosingRules.induction_weeks, CLINICAL.md C: "a course of about 4-8").
SESSIONS_PER_WEEK = 2
DEFAULT_INDUCTION_SESSIONS = SESSIONS_PER_WEEK * dosing.DEFAULT_RULES.induction_weeks


@dataclass(frozen=True)
class FirstDose:
    """What the report groups by: the plan the patient's first dose was taken on."""

    indication: str
    route: str
    product: str
    induction_sessions: int


def day_bounds(spec: CohortSpec, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[start of the first day, start of the day after the last) in the clinic's zone."""
    start = dt.datetime.combine(spec.first_dose_from, dt.time.min, tzinfo=zone)
    after = dt.datetime.combine(spec.first_dose_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, after


def cohort_patients(patients: QuerySet[Patient], spec: CohortSpec) -> list[Patient]:
    """The patients (already scoped to the actor and clinic) first dosed in the range."""
    if spec.clinic_id is not None:
        patients = patients.filter(clinic_id=spec.clinic_id)
    zone = ZoneInfo(_zone_of(patients))
    start, after = day_bounds(spec, zone)
    return list(patients.filter(first_dose_at__gte=start, first_dose_at__lt=after).order_by("pk"))


def _zone_of(patients: QuerySet[Patient]) -> str:
    first = patients.select_related("clinic").only("clinic__timezone").first()
    return "UTC" if first is None else first.clinic.timezone


def _doses(ids: Sequence[int]) -> tuple[dict[int, list[dt.datetime]], dict[int, FirstDose]]:
    """Each patient's doses taken, in order, and the plan of the first one."""
    taken: dict[int, list[dt.datetime]] = defaultdict(list)
    first: dict[int, FirstDose] = {}
    sessions = (
        DosingSession.objects.filter(patient_id__in=ids, status__in=DOSED_STATUSES)
        .select_related("plan")
        .order_by("patient_id", "taken_at", "pk")
    )
    for session in sessions:
        if session.taken_at is None:  # pragma: no cover - a dosed session has its time
            continue
        taken[session.patient_id].append(session.taken_at)
        if session.patient_id not in first:
            plan = session.plan
            first[session.patient_id] = FirstDose(
                indication=plan.indication,
                route=plan.route,
                product=plan.formulation_kind,
                induction_sessions=induction_sessions(plan) or DEFAULT_INDUCTION_SESSIONS,
            )
    return taken, first


def _scores(ids: Sequence[int]) -> dict[int, dict[str, list[outcomes.Observation]]]:
    """Each patient's totals per instrument; of two at one instant, the later-stored one."""
    found: dict[int, dict[str, dict[dt.datetime, int]]] = defaultdict(lambda: defaultdict(dict))
    rows = (
        QuestionnaireResponse.objects.filter(patient_id__in=ids, instrument__in=INSTRUMENTS)
        .order_by("patient_id", "recorded_at", "pk")
        .values_list("patient_id", "instrument", "recorded_at", "total")
    )
    for patient_id, instrument, at, total in rows:
        found[patient_id][instrument][at] = total
    return {
        patient_id: {
            code: [outcomes.Observation(at=at, total=total) for at, total in by_time.items()]
            for code, by_time in by_code.items()
        }
        for patient_id, by_code in found.items()
    }


def _adverse_events(ids: Sequence[int]) -> dict[int, list[str]]:
    events: dict[int, list[str]] = defaultdict(list)
    rows = (
        AdverseEvent.objects.filter(patient_id__in=ids)
        .order_by("patient_id", "reported_at", "pk")
        .values_list("patient_id", "severity")
    )
    for patient_id, severity in rows:
        events[patient_id].append(str(severity))
    return events


def _matches(first: FirstDose, spec: CohortSpec) -> bool:
    wanted = (
        (spec.indication, first.indication),
        (spec.route, first.route),
        (spec.product, first.product),
    )
    return all(want is None or str(want) == have for want, have in wanted)


def gather_courses(patients: QuerySet[Patient], spec: CohortSpec) -> list[PatientCourse]:
    """The courses of the patients (scoped by the caller) the spec selects, by record id."""
    cohort = cohort_patients(patients, spec)
    ids = [p.pk for p in cohort]
    doses, first = _doses(ids)
    scores, events = _scores(ids), _adverse_events(ids)
    return [
        _course(patient, doses[patient.pk], first[patient.pk], scores, events)
        for patient in cohort
        if patient.pk in first and _matches(first[patient.pk], spec)
    ]


def _course(
    patient: Patient,
    doses: Iterable[dt.datetime],
    first: FirstDose,
    scores: dict[int, dict[str, list[outcomes.Observation]]],
    events: dict[int, list[str]],
) -> PatientCourse:
    taken = tuple(doses)
    # Discharged before the plan's induction sessions were taken: a dropout (CLINICAL.md
    # F: Hull 2022 assessed after session 4 of a 4-session course).
    early = patient.phase == Phase.DISCHARGED and len(taken) < first.induction_sessions
    return PatientCourse(
        key=str(patient.pk),
        indication=first.indication,
        route=first.route,
        product=first.product,
        doses=taken,
        induction_sessions=first.induction_sessions,
        discharged_early=early,
        scores={code: tuple(obs) for code, obs in scores.get(patient.pk, {}).items()},
        adverse_events=tuple(events.get(patient.pk, ())),
    )
