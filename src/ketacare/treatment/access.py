"""The phases in which treatment's use cases may run, and the check they start with.

Who may run a use case is a row of kernel.policy (checked by the use-case wrapper) and
the object rule of ketacare.patients.access; this module adds only what treatment
needs beyond them: the phases of care a dose, a fill or a plan belongs to.
"""

from __future__ import annotations

from ketacare.kernel.errors import WrongPhase
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase

# The phases in which a patient is treated (doses, prescriptions, dispensing).
TREATING = frozenset({Phase.APPROVED, Phase.INDUCTION, Phase.MAINTENANCE})
# The phases in which a plan may be written or revised (a paused patient's plan may change).
PLANNING = TREATING | {Phase.PAUSED}


def require_phase(patient: Patient, phases: frozenset[Phase], what: str) -> None:
    current = patient.phase_enum
    if current not in phases:
        allowed = ", ".join(p.words for p in sorted(phases))
        raise WrongPhase(
            f"Cannot {what} while the patient is {current.words}; "
            f"this needs the patient to be {allowed}."
        )
