"""What a cohort report is asked for: a first-dose date range and optional filters."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from ketacare.clinical.outcomes.report import DEFAULT_REPORT_RULES, ReportRules
from ketacare.kernel.specs import Spec
from ketacare.patients.models import Indication
from ketacare.treatment.models import FormulationKind, Route

# Software bounds, not clinical ones: a range of more than 20 years, or a day outside
# these years, is a typing mistake (and the day after the last must exist).
MAX_RANGE_DAYS = 366 * 20
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
# The window after a session in which a score counts for it: clinic's choice (CLINICAL.md
# G9; the default is the clinical core's). At most four weeks: Hull 2022's sessions were
# weekly, so a longer window would reach past the next session's week.
MAX_WINDOW_DAYS = 28


class CohortSpec(Spec):
    """Patients whose first at-home dose falls in [first_dose_from, first_dose_to].

    The dates are days of the clinic's time zone, both included. `indication`, `route`
    and `product` (the formulation) are those of the plan the first dose was taken on;
    None keeps every one. `window_days`: how long after a session a score still counts as
    that session's (clinic's choice, CLINICAL.md G9). `clinic_id` is for an actor who
    belongs to no clinic (the command line, a platform superuser); staff always see
    their own clinic.
    """

    first_dose_from: dt.date
    first_dose_to: dt.date
    indication: Indication | None = None
    route: Route | None = None
    product: FormulationKind | None = None
    window_days: int = Field(default=DEFAULT_REPORT_RULES.window_days, ge=1, le=MAX_WINDOW_DAYS)
    clinic_id: int | None = Field(default=None, ge=1)

    def report_rules(self) -> ReportRules:
        """The report's rules: the clinical core's, with this window."""
        return ReportRules(
            window_days=self.window_days,
            endpoint_sessions=DEFAULT_REPORT_RULES.endpoint_sessions,
            max_classes=DEFAULT_REPORT_RULES.max_classes,
            class_instrument=DEFAULT_REPORT_RULES.class_instrument,
        )

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
        named = {name: str(value) for name, value in chosen.items() if value is not None}
        if self.window_days != DEFAULT_REPORT_RULES.window_days:
            named["window_days"] = str(self.window_days)
        return named
