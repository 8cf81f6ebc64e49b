"""Dosing decision support: formulations, caps, schedules and titration suggestions.

The prescriber writes the dose. This package says what a formulation can give, checks a
dose against the clinic's caps, lays out the sessions in the patient's time zone, and
suggests (never makes) a change from the post-session reports. Sources: CLINICAL.md B
and C; where they give no number the setting is a ketacare default, marked so in a
comment, and a clinic overrides any of them with `dataclasses.replace(DEFAULT_RULES, ...)`.

    from ketacare.clinical import checks, dosing
    troches = dosing.Tablet(dosing.TabletKind.TROCHE, strength_mg=50, scored=True)
    plan = dosing.plan_dose(dosing.Route.SUBLINGUAL, troches, weight_kg=70, dose_mg_per_kg=1.5)
    plan.dose_mg, plan.take  # 100.0, "2 troches of 50 mg"
    dosing.check_dose(plan.caps, dose_mg=100, weight_kg=70, previous=doses, at=at, zone=zone)
    dosing.at_home_schedule(dosing.CourseStart(day, time(18, 0), zone), maintenance_weeks=4)
    dosing.suggest_titration(plan, sessions, phq9_baseline=20, phq9_current=14)

By topic, each module citing its sources:

- `inputs`: reading numbers, weights and exact amounts (fractions, not floats).
- `formulations`: routes, tablets, sprays and devices; rounding to a product's step;
  esketamine never at home (G4); mg against mg/kg.
- `clock`: the patient's clock, on which days are counted (across a DST change too).
- `rules`: a clinic's caps (`DoseCaps`) and the clinic-overridable defaults
  (`DosingRules`, `default_caps`).
- `violations`: checking a dose against the caps over a rolling 7 days.
- `limits`: the first session and one revision's largest increase (G5).
- `plans`: a prescriber's dose plan, checked and rounded.
- `schedules`: the sessions of a course, at-home and the esketamine label's.
- `titration`: a suggestion from the post-session reports.
- `prescriptions`: how much a prescription may carry, and until when (G8).
- `review`: when the end-of-induction review of benefit is due (C; clinic's choice).
"""

from __future__ import annotations

from ketacare.clinical.dosing.formulations import (
    AT_HOME_ROUTES,
    ESKETAMINE_DEVICE_MG,
    Drug,
    EsketamineDevice,
    Formulation,
    NasalSpray,
    NotForHomeUse,
    Route,
    Tablet,
    TabletKind,
    check_at_home,
    from_per_kg,
    per_kg,
)
from ketacare.clinical.dosing.inputs import WEIGHT_RANGE_KG, InvalidDosingInput
from ketacare.clinical.dosing.limits import (
    DoseAboveLimit,
    DoseLimit,
    first_session_limit,
    revision_limit,
)
from ketacare.clinical.dosing.plans import DosePlan, plan_dose
from ketacare.clinical.dosing.prescriptions import (
    SCHEDULE_III_FILL_MONTHS,
    SCHEDULE_III_MAX_REFILLS,
    PrescriptionNeed,
    last_fill_day,
    prescription_need,
)
from ketacare.clinical.dosing.review import (
    InductionCourse,
    ReviewDue,
    induction_review_due,
    review_due_by_time,
)
from ketacare.clinical.dosing.rules import (
    DEFAULT_RULES,
    DoseCaps,
    DosingRules,
    TitrationAction,
    default_caps,
)
from ketacare.clinical.dosing.schedules import (
    CourseStart,
    Phase,
    ScheduleBreaksCaps,
    ScheduledDose,
    at_home_schedule,
    esketamine_label_schedule,
    schedule,
)
from ketacare.clinical.dosing.titration import SessionReport, Suggestion, suggest_titration
from ketacare.clinical.dosing.violations import (
    ROLLING_DAYS,
    CapBreach,
    PastDose,
    Violation,
    check_dose,
)

__all__ = [
    "AT_HOME_ROUTES",
    "DEFAULT_RULES",
    "ESKETAMINE_DEVICE_MG",
    "ROLLING_DAYS",
    "SCHEDULE_III_FILL_MONTHS",
    "SCHEDULE_III_MAX_REFILLS",
    "WEIGHT_RANGE_KG",
    "CapBreach",
    "CourseStart",
    "DoseAboveLimit",
    "DoseCaps",
    "DoseLimit",
    "DosePlan",
    "DosingRules",
    "Drug",
    "EsketamineDevice",
    "Formulation",
    "InductionCourse",
    "InvalidDosingInput",
    "NasalSpray",
    "NotForHomeUse",
    "PastDose",
    "Phase",
    "PrescriptionNeed",
    "ReviewDue",
    "Route",
    "ScheduleBreaksCaps",
    "ScheduledDose",
    "SessionReport",
    "Suggestion",
    "Tablet",
    "TabletKind",
    "TitrationAction",
    "Violation",
    "at_home_schedule",
    "check_at_home",
    "check_dose",
    "default_caps",
    "esketamine_label_schedule",
    "first_session_limit",
    "from_per_kg",
    "induction_review_due",
    "last_fill_day",
    "per_kg",
    "plan_dose",
    "prescription_need",
    "review_due_by_time",
    "revision_limit",
    "schedule",
    "suggest_titration",
]
