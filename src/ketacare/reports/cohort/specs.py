"""What a cohort report is asked for: a first-dose date range and optional filters."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from ketacare.kernel.specs import Spec
from ketacare.patients.models import Indication
from ketacare.treatment.models import FormulationKind, Route

# Software bounds, not clinical ones: a range of more than 20 years, or a day outside
# these years, is a typing mistake (and the day after the last must exist).
MAX_RANGE_DAYS = 366 * 20
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


class CohortSpec(Spec):
    """Patients whose first at-home dose falls in [first_dose_from, first_dose_to].

    The dates are days of the clinic's time zone, both included. `indication`, `route`
    and `product` (the formulation) are those of the plan the first dose was taken on;
    None keeps every one. `clinic_id` is for an actor who belongs to no clinic (the
    command line, a platform superuser); staff always see their own clinic.
    """

    first_dose_from: dt.date
    first_dose_to: dt.date
    indication: Indication | None = None
    route: Route | None = None
    product: FormulationKind | None = None
    clinic_id: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _in_order(self) -> CohortSpec:
        for day in (self.first_dose_from, self.first_dose_to):
            if not FIRST_DAY <= day <= LAST_DAY:
                msg = f"Give days from {FIRST_DAY} to {LAST_DAY}, not {day}."
                raise ValueError(msg)
        if self.first_dose_to < self.first_dose_from:
            msg = "The end date is before the start date: give an end on or after the start."
            raise ValueError(msg)
        if (self.first_dose_to - self.first_dose_from).days > MAX_RANGE_DAYS:
            msg = "Give a date range of at most 20 years."
            raise ValueError(msg)
        return self

    def filters(self) -> dict[str, str]:
        """The filters set, by name (for the audit entry and the report's heading)."""
        chosen = {"indication": self.indication, "route": self.route, "product": self.product}
        return {name: str(value) for name, value in chosen.items() if value is not None}
