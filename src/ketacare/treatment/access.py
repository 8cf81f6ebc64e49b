"""Who may do what in treatment, and the checks every use case starts with.

Order (shared design): the role check (403, NotAllowed), then the patient must be
visible to the actor (another clinic's patient is a 404, never a 403), then the
object-level check (a patient acts only for themself, a sitter only for the people
they sit for). Superusers get no pass here: prescribing, dispensing and the ledger of
a controlled substance need the clinical role itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ketacare.accounts.roles import Role
from ketacare.kernel.errors import NotAllowed, NotFound, WrongPhase
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.phases import Phase

if TYPE_CHECKING:
    from ketacare.accounts.models import User

PRESCRIBERS = frozenset({Role.PRESCRIBER})
PHARMACISTS = frozenset({Role.PHARMACIST})
# Staff who handle the controlled substance itself (returns, destruction, witnessing).
HANDLERS = frozenset({Role.PHARMACIST, Role.PRESCRIBER, Role.CLINICIAN})
# Staff who may count the patient's stock or take a loss report (at a visit or by video).
COUNTERS = HANDLERS | {Role.COORDINATOR}
# Staff who may record a session, a check-in or a refill request on the patient's behalf.
SESSION_STAFF = frozenset({Role.COORDINATOR, Role.CLINICIAN})
# Staff who may report an adverse event.
REPORTERS = frozenset({Role.CLINICIAN, Role.PRESCRIBER, Role.COORDINATOR})

# The phases in which a patient is treated (doses, prescriptions, dispensing).
TREATING = frozenset({Phase.APPROVED, Phase.INDUCTION, Phase.MAINTENANCE})
# The phases in which a plan may be written or revised (a paused patient's plan may change).
PLANNING = TREATING | {Phase.PAUSED}


def _words(roles: Iterable[str]) -> str:
    return ", ".join(sorted(roles))


def is_own_record(actor: User, patient: Patient) -> bool:
    return actor.has_role(Role.PATIENT) and patient.user_id == actor.pk


def sitter_of(actor: User, patient: Patient) -> Sitter | None:
    """The actor's sitter record if they sit for `patient`, else None."""
    if not actor.has_role(Role.SITTER):
        return None
    return Sitter.objects.filter(user_id=actor.pk, patients=patient).first()


def _staff_of(actor: User, patient: Patient, roles: frozenset[Role]) -> bool:
    return actor.clinic_id == patient.clinic_id and bool(actor.roles & roles)


def require(  # noqa: PLR0913 - who, for whom, which roles, what, and the two personal roles
    actor: User,
    patient: Patient,
    staff: frozenset[Role],
    what: str,
    *,
    own: bool = False,
    sitter: bool = False,
) -> None:
    """Refuse unless `actor` is staff (`staff` roles) of the patient's clinic.

    With `own`, the patient themself may; with `sitter`, one of their sitters may.
    """
    allowed = set(staff) | ({Role.PATIENT} if own else set()) | ({Role.SITTER} if sitter else set())
    if not actor.roles & allowed:
        raise NotAllowed(f"Only {_words(allowed)} may {what}.")
    if not Patient.objects.visible_to(actor).filter(pk=patient.pk).exists():
        raise NotFound("No such patient.")
    if _staff_of(actor, patient, staff):
        return
    if own and is_own_record(actor, patient):
        return
    if sitter and sitter_of(actor, patient) is not None:
        return
    raise NotAllowed(f"Only {_words(allowed)} of this patient may {what}.")


def require_phase(patient: Patient, phases: frozenset[Phase], what: str) -> None:
    current = patient.phase_enum
    if current not in phases:
        allowed = ", ".join(p.words for p in sorted(phases))
        raise WrongPhase(
            f"Cannot {what} while the patient is {current.words}; "
            f"this needs the patient to be {allowed}."
        )
