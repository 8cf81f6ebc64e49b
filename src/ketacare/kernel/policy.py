"""Who may do what: one table, use case -> roles, that every service and page consults.

Each row names the staff roles (of the patient's clinic) that may run the use case,
and whether the patient themself (`own`) or one of their sitters (`sitter`) may. The
use-case wrapper (kernel.usecase) checks the roles before anything is read; the
service then checks the object (the patient is visible to the actor; their own
record; a sitter only for the people they sit for: `patients.scoping`). The web
shows a link only when `may(user, use_case)`.

Roles are written as the values of accounts.roles.Role (the kernel sits below
accounts). A use case not in the table cannot be declared (kernel.usecase refuses it
at import), so a new one is always given its row here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ketacare.kernel.errors import NotAllowed

PATIENT = "patient"
SITTER = "sitter"
CLINICIAN = "clinician"
PRESCRIBER = "prescriber"
PHARMACIST = "pharmacist"
COORDINATOR = "coordinator"
ADMIN = "admin"


@dataclass(frozen=True)
class Rule:
    what: str  # the use case in words, for a refusal: "Only pharmacist may <what>."
    staff: frozenset[str]
    own: bool = False
    sitter: bool = False

    @property
    def roles(self) -> frozenset[str]:
        personal = {PATIENT} if self.own else set()
        return self.staff | personal | ({SITTER} if self.sitter else set())


def _rule(what: str, *staff: str, own: bool = False, sitter: bool = False) -> Rule:
    return Rule(what, frozenset(staff), own=own, sitter=sitter)


# Each app's rows, in the order of the journey. Names are the services' names.
_PATIENTS: dict[str, Rule] = {}
_INTAKE: dict[str, Rule] = {}
_ASSESSMENTS: dict[str, Rule] = {}
_ALERTS: dict[str, Rule] = {}
_TREATMENT_PLANS: dict[str, Rule] = {}
_TREATMENT_PHARMACY: dict[str, Rule] = {}
_TREATMENT_SESSIONS: dict[str, Rule] = {}

RULES: dict[str, Rule] = {
    **_PATIENTS,
    **_INTAKE,
    **_ASSESSMENTS,
    **_ALERTS,
    **_TREATMENT_PLANS,
    **_TREATMENT_PHARMACY,
    **_TREATMENT_SESSIONS,
}


def rule(use_case: str) -> Rule:
    try:
        return RULES[use_case]
    except KeyError:
        msg = f"{use_case!r} has no row in kernel.policy.RULES: say who may run it"
        raise LookupError(msg) from None


def words(roles: Iterable[str]) -> str:
    return ", ".join(sorted(str(r) for r in roles))


def _roles_of(user: Any) -> frozenset[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(str(r) for r in user.roles)


def require_role(user: Any, rule: Rule) -> None:
    """Refuse (NotAllowed) unless `user` holds one of the roles `rule` names."""
    if not _roles_of(user) & rule.roles:
        raise NotAllowed(f"Only {words(rule.roles)} may {rule.what}.")


def may(user: Any, use_case: str) -> bool:
    """Whether `user`'s roles allow `use_case` (a page's link; the object is checked later)."""
    return bool(_roles_of(user) & rule(use_case).roles)
