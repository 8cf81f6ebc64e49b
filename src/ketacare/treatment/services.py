"""Treatment use cases: one function each, one transaction, one audit entry.

The web views, the API and commands call these names; the code lives by topic in
plans, dispensing, ledger, sessions (the checklist and the dose), window (after the
dose), sitting (the sitter's proof of presence), holds, phase_moves and reviews (the
end-of-induction review).
"""

from ketacare.treatment.adverse_events import report_adverse_event
from ketacare.treatment.dispensing import (
    correct_dispense,
    dispense,
    request_refill,
    void_dispense,
)
from ketacare.treatment.holds import clear_for_dosing
from ketacare.treatment.ledger import ledger_balance, record_ledger_event
from ketacare.treatment.pdmp import record_pdmp_check
from ketacare.treatment.phase_moves import (
    discharge_patient,
    pause_treatment,
    resume_treatment,
    start_maintenance,
)
from ketacare.treatment.plans import (
    active_plan,
    create_plan,
    plan_caps,
    plan_safety_rules,
    revise_plan,
)
from ketacare.treatment.prescriptions import (
    correct_prescription,
    cosign_prescription,
    plan_need,
    void_prescription,
    write_prescription,
)
from ketacare.treatment.reviews import record_induction_review
from ketacare.treatment.sessions import record_dose_taken, start_session
from ketacare.treatment.sitting import (
    confirm_presence_with_code,
    confirm_sitter_presence,
    send_sitter_code,
)
from ketacare.treatment.staging import release_held_fill
from ketacare.treatment.window import record_check_in, record_post_dose_reading, release_session

__all__ = [
    "active_plan",
    "clear_for_dosing",
    "confirm_presence_with_code",
    "confirm_sitter_presence",
    "correct_dispense",
    "correct_prescription",
    "cosign_prescription",
    "create_plan",
    "discharge_patient",
    "dispense",
    "ledger_balance",
    "pause_treatment",
    "plan_caps",
    "plan_need",
    "plan_safety_rules",
    "record_check_in",
    "record_dose_taken",
    "record_induction_review",
    "record_ledger_event",
    "record_pdmp_check",
    "record_post_dose_reading",
    "release_held_fill",
    "release_session",
    "report_adverse_event",
    "request_refill",
    "resume_treatment",
    "revise_plan",
    "send_sitter_code",
    "start_maintenance",
    "start_session",
    "void_dispense",
    "void_prescription",
    "write_prescription",
]
