"""Treatment plans: written by a prescriber, validated by clinical.dosing, versioned.

A plan is never edited: `revise_plan` writes version n+1 that supersedes version n,
under the patient's row lock, and a partial unique constraint keeps one current
version per patient. Caps, pre-dose limits and the check-in deadline start from the
clinic's rules (patients.protocol.clinic_rules: the defaults of clinical.rules with the
clinic's protocol) and a plan may only tighten them, never loosen: the defaults are the
top of the published ranges and the clinic's own limits (docs/clinical-defaults.md),
and no patient goes beyond them.

The dose moves gradually (CLINICAL.md G5, clinic's choice; clinical.dosing): while the
patient has taken no dose, or on a change of route, the plan's dose is at most the
first-session share of its session cap; a revision raises it by at most the largest
increase of one revision. Esketamine is never planned for home (CLINICAL.md G4).

The code lives by topic: the plan's rules as the clinical core reads them (rules), the
prescriber's limits checked against the clinic's (limits), the schedule (schedule), the
typical patient's exposure (exposure), a version built and validated (build), and the
use cases that write a version (versions).
"""

from ketacare.treatment.plans.exposure import CAUTIOUS_IV_NOTE, pk_summary
from ketacare.treatment.plans.limits import TIGHTENED
from ketacare.treatment.plans.rules import (
    AT_HOME_KINDS,
    CAP_FIELDS,
    CAP_MG_FIELDS,
    LIMIT_FIELDS,
    active_plan,
    caps_from_json,
    caps_to_json,
    check_in_bounds_for,
    check_in_bounds_min,
    limits_to_json,
    plan_caps,
    plan_safety_rules,
    safety_rules_in_force,
)
from ketacare.treatment.plans.schedule import schedule_parameters
from ketacare.treatment.plans.versions import create_plan, revise_plan

__all__ = [
    "AT_HOME_KINDS",
    "CAP_FIELDS",
    "CAP_MG_FIELDS",
    "CAUTIOUS_IV_NOTE",
    "LIMIT_FIELDS",
    "TIGHTENED",
    "active_plan",
    "caps_from_json",
    "caps_to_json",
    "check_in_bounds_for",
    "check_in_bounds_min",
    "create_plan",
    "limits_to_json",
    "pk_summary",
    "plan_caps",
    "plan_safety_rules",
    "revise_plan",
    "safety_rules_in_force",
    "schedule_parameters",
]
