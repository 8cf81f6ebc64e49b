"""The cohort outcome report over the API: numbers of the caller's clinic, no names.

`GET /api/v1/reports/cohort?from=YYYY-MM-DD&to=YYYY-MM-DD[&indication=&route=&product=]`:
patients whose first at-home dose fell in the range (days of the clinic's time zone,
both included). Clinicians, prescribers and the clinic's administrators (kernel.policy
`read_cohort_report`); other roles 403. Each call is one audit entry.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from ketacare.api.access import actor
from ketacare.api.schemas import ERRORS, MAX_ID
from ketacare.clinical.outcomes.report import CohortReport
from ketacare.kernel import specs
from ketacare.patients.models import Indication
from ketacare.reports.cohort.queries import cohort_report_for
from ketacare.reports.cohort.specs import MAX_WINDOW_DAYS, CohortSpec
from ketacare.treatment.models import FormulationKind, Route

router = Router(tags=["reports"])


class CohortQuery(Schema):
    model_config = ConfigDict(populate_by_name=True)

    first_dose_from: dt.date = Field(alias="from", description="First dose on or after this day.")
    first_dose_to: dt.date = Field(alias="to", description="First dose on or before this day.")
    indication: Indication | None = Field(default=None, description="Only this indication.")
    route: Route | None = Field(default=None, description="Only this route.")
    product: FormulationKind | None = Field(default=None, description="Only this product.")
    window_days: int | None = Field(
        default=None,
        ge=1,
        le=MAX_WINDOW_DAYS,
        description="Days after a session that a score still counts for it (clinic's "
        "choice; default 7).",
    )
    clinic_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The clinic (a platform superuser only)."
    )


class CohortReportOut(Schema):
    clinic_id: int = Field(description="The clinic reported on.")
    clinic_name: str = Field(description="Its name.")
    first_dose_from: dt.date = Field(description="First dose on or after this day.")
    first_dose_to: dt.date = Field(description="First dose on or before this day.")
    filters: dict[str, str] = Field(description="The filters applied, by name.")
    report: CohortReport = Field(
        description="Counts, baselines, rates with 95% Wilson intervals per instrument, "
        "endpoint and analysis (itt, completer), adverse events, trajectory classes."
    )
    definitions: list[str] = Field(description="How each number is defined, in words.")


@router.get(
    "/cohort", response={200: CohortReportOut, **ERRORS}, summary="The cohort outcome report"
)
def cohort_report(request: HttpRequest, query: Query[CohortQuery]) -> CohortReportOut:
    """The cohort outcome report of the caller's clinic (numbers only, no names)."""
    spec = specs.read(CohortSpec, query.model_dump(exclude_none=True))
    result = cohort_report_for(actor(request), spec, via="api")
    return CohortReportOut(
        clinic_id=result.clinic.pk,
        clinic_name=result.clinic.name,
        first_dose_from=result.spec.first_dose_from,
        first_dose_to=result.spec.first_dose_to,
        filters=result.spec.filters(),
        report=result.report,
        definitions=list(result.definitions),
    )
