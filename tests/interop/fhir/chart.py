"""A patient's chart with one of each FHIR source row, at known instants (UTC).

plan-weight 2025-01-05 09:00, PHQ-9 2025-01-10 10:00, GAD-7 2025-02-10 10:00,
PCL-5 2025-03-01 10:00, C-SSRS 2025-03-03 08:00 (gate answered no), pre-dose
session 2025-03-03 09:00 (BP and heart rate), post-dose reading 09:40, check-in 11:00.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from ketacare.assessments.models import QuestionnaireResponse
from ketacare.patients.models import Patient
from ketacare.treatment.models import DosingSession, Feeling, PostDoseCheckIn, PostDoseReading
from tests.factories import DoseTakenFactory, ScoreFactory, TreatmentPlanFactory


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@dataclass
class Chart:
    patient: Patient
    plan_id: int
    phq9: QuestionnaireResponse
    gad7: QuestionnaireResponse
    pcl5: QuestionnaireResponse
    cssrs: QuestionnaireResponse
    session: DosingSession
    reading: PostDoseReading
    check_in: PostDoseCheckIn

    def observation_ids(self) -> list[str]:
        """Every Observation id of the chart, in time order."""
        return [
            f"plan-{self.plan_id}-weight",
            f"qr-{self.phq9.pk}-total",
            f"qr-{self.gad7.pk}-total",
            f"qr-{self.pcl5.pk}-total",
            f"qr-{self.cssrs.pk}-total",
            f"session-{self.session.pk}-bp",
            f"session-{self.session.pk}-hr",
            f"reading-{self.reading.pk}-bp",
            f"checkin-{self.check_in.pk}-bp",
        ]


def _score(patient: Patient, instrument: str, answers: list[int], when: str, total: int) -> Any:
    return ScoreFactory(
        patient=patient,
        instrument=instrument,
        answers={str(i + 1): v for i, v in enumerate(answers)},
        total=total,
        band="moderate",
        recorded_at=at(when),
    )


def chart_of(patient: Patient) -> Chart:
    plan = TreatmentPlanFactory(patient=patient, weight_kg=Decimal("71.5"))
    plan.created_at = at("2025-01-05T09:00")
    plan.save(update_fields=["created_at"])
    phq9 = _score(patient, "phq9", [1, 2, 1, 1, 1, 1, 1, 1, 0, 1], "2025-01-10T10:00", 9)
    gad7 = _score(patient, "gad7", [1] * 7, "2025-02-10T10:00", 7)
    pcl5 = _score(patient, "pcl5", [1] * 20, "2025-03-01T10:00", 20)
    cssrs = _score(patient, "cssrs_screen", [0, 0, 0, 0, 0, 0, 0], "2025-03-03T08:00", 0)
    session = DoseTakenFactory(plan=plan, taken_at=at("2025-03-03T09:00"), heart_rate_bpm=72)
    reading = PostDoseReading.objects.create(
        session=session,
        patient=patient,
        systolic_mmhg=130,
        diastolic_mmhg=85,
        high=False,
        recorded_by=plan.created_by,
        recorded_at=at("2025-03-03T09:40"),
    )
    check_in = PostDoseCheckIn.objects.create(
        session=session,
        patient=patient,
        feeling=Feeling.WELL,
        systolic_mmhg=122,
        diastolic_mmhg=78,
        recorded_by=plan.created_by,
        checked_in_at=at("2025-03-03T11:00"),
    )
    return Chart(patient, plan.pk, phq9, gad7, pcl5, cssrs, session, reading, check_in)


def valid(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource, once the fhir.resources R4B model of its type has read it."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def ids(bundle: dict[str, Any], mode: str = "match") -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == mode]
