"""A small cohort built from rows: four patients of one clinic, one of another.

Clinic time zone New York. First doses in January 2026 (the range asked for), except
`late` (March). Days are counted from each patient's first dose.

- `responder` (TRD, sublingual troche): 4 doses (days 0, 3, 7, 10) of a 4-session plan;
  PHQ-9 20 (day -2), 12 (day 4, after session 2), 8 (day 11, after session 4); GAD-7
  12, 9, 5 at the same times. A mild adverse event.
- `dropout` (TRD, sublingual troche): 2 doses (days 0, 3), discharged; PHQ-9 18 (day -1),
  19 (day 4). A moderate adverse event.
- `ptsd` (PTSD, intranasal spray): 4 doses; PHQ-9 14, 6, 4; PCL-5 50, 30, 20.
- `late`: first dose in March, outside the range.
- `elsewhere`: another clinic's patient, dosed in January: never counted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ketacare.accounts.models import Clinic
from ketacare.patients.models import Indication, Patient
from ketacare.patients.phases import Phase
from ketacare.treatment.models import Severity
from tests.factories import (
    AdverseEventFactory,
    DoseTakenFactory,
    PatientFactory,
    ScoreFactory,
    TreatmentPlanFactory,
)

FIRST_DOSE = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York
RANGE = {"first_dose_from": dt.date(2026, 1, 1), "first_dose_to": dt.date(2026, 1, 31)}
DOSE_DAYS = (0, 3, 7, 10)
SPRAY = {
    "route": "intranasal",
    "formulation_kind": "nasal_spray",
    "strength_mg": None,
    "scored": False,
    "concentration_mg_per_ml": Decimal(100),
    "spray_volume_ml": Decimal("0.100"),
    "dose_mg": Decimal(50),
}


def at(day: float, start: dt.datetime = FIRST_DOSE) -> dt.datetime:
    return start + dt.timedelta(days=day)


def patient(clinic: Clinic, phase: Phase, doses: int, *, start: dt.datetime = FIRST_DOSE,
            indication: str = Indication.TRD, **plan: object) -> Patient:  # fmt: skip
    """A patient with a 4-session plan and `doses` doses taken from `start`."""
    who: Patient = PatientFactory(
        clinic=clinic, phase=phase.value, indication=indication, first_dose_at=start
    )
    first_plan = TreatmentPlanFactory(patient=who, **plan)
    for day in DOSE_DAYS[:doses]:
        DoseTakenFactory(plan=first_plan, taken_at=at(day, start))
    return who


def scores(who: Patient, instrument: str, by_day: dict[float, int]) -> None:
    for day, total in by_day.items():
        ScoreFactory(patient=who, instrument=instrument, total=total, recorded_at=at(day))


def build_cohort(clinic: Clinic, other_clinic: Clinic) -> dict[str, Patient]:
    responder = patient(clinic, Phase.INDUCTION, 4)
    scores(responder, "phq9", {-2: 20, 4: 12, 11: 8})
    scores(responder, "gad7", {-2: 12, 4: 9, 11: 5})
    AdverseEventFactory(patient=responder, severity=Severity.MILD, reported_by=_staff(responder))
    dropout = patient(clinic, Phase.DISCHARGED, 2)
    scores(dropout, "phq9", {-1: 18, 4: 19})
    AdverseEventFactory(patient=dropout, severity=Severity.MODERATE, reported_by=_staff(dropout))
    ptsd = patient(clinic, Phase.INDUCTION, 4, indication=Indication.PTSD, **SPRAY)
    scores(ptsd, "phq9", {-1: 14, 4: 6, 11: 4})
    scores(ptsd, "pcl5", {-1: 50, 4: 30, 11: 20})
    late = patient(clinic, Phase.INDUCTION, 1, start=dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC))
    elsewhere = patient(other_clinic, Phase.INDUCTION, 4)
    scores(elsewhere, "phq9", {-1: 22, 4: 2, 11: 1})
    return {
        "responder": responder,
        "dropout": dropout,
        "ptsd": ptsd,
        "late": late,
        "elsewhere": elsewhere,
    }


def _staff(who: Patient) -> object:
    plan = who.treatment_plans.get()
    return plan.created_by


# Paths of PHQ-9 (baseline, after session 2, after session 4) as shares of the baseline:
# most improve, a few stay where they were, a few improve late (the shape of Hull 2022's
# classes, CLINICAL.md F).
PATHS = {"improving": (1.0, 0.6, 0.3), "chronic": (1.0, 1.0, 0.95), "delayed": (1.0, 0.95, 0.5)}
MIX = ("improving",) * 7 + ("chronic", "delayed")


def build_varied(clinic: Clinic, n: int) -> list[Patient]:
    """`n` patients of 4 doses each in January, their PHQ-9 and GAD-7 on the paths above."""
    made = []
    for i in range(n):
        start = FIRST_DOSE + dt.timedelta(days=i % 20, hours=i)
        who = patient(clinic, Phase.INDUCTION, 4, start=start)
        shares = PATHS[MIX[i % len(MIX)]]
        baseline = 14 + i % 10
        for instrument, base in (("phq9", baseline), ("gad7", 10 + i % 8)):
            for day, share in zip((-1, 4, 11), shares, strict=True):
                ScoreFactory(
                    patient=who,
                    instrument=instrument,
                    total=round(base * share),
                    recorded_at=at(day, start),
                )
        made.append(who)
    return made
