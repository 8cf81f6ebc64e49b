"""At-home dosing sessions: the pre-dose checklist and its gate, and the dose.

The gate (`clinical.predose.check_pre_dose`, with the plan's and the clinic's limits)
runs when the checklist is answered and again when the dose is recorded, each time on
the records as they are then (`treatment.gate`): a checklist that passed an hour ago, a
suicidality alert raised since, or a dose recorded on another session all hold the dose.

A failed checklist is stored with its reasons (every blood pressure is kept). A dose the
gate refuses at dose time is not recorded, unless the patient says they have already
taken it: then it is a fact, recorded as taken against the gate, and the care team is
paged. The same for a dose that is not the plan's: what was taken is stored, the
post-dose window starts as for any dose, and the ledger is decremented by it.

The code lives by topic: the checklist (checklist), the dose (dose), and what they and
the window after the dose share (common).
"""

from ketacare.treatment.sessions.checklist import start_session
from ketacare.treatment.sessions.common import (
    finding_from_json,
    finding_json,
    read,
    require_session_actor,
)
from ketacare.treatment.sessions.dose import record_dose_taken

__all__ = [
    "finding_from_json",
    "finding_json",
    "read",
    "record_dose_taken",
    "require_session_actor",
    "start_session",
]
