"""The phases of a patient's treatment and the rules for moving between them.

Pure Python (no Django) so the whole table is tested without a database; the
services in `patients.services` apply it to stored patients under a row lock.

    screening -> intake -> under_review -> approved | declined
    under_review -> intake            (returned for more information)
    approved -> induction -> maintenance
    induction | maintenance -> paused -> (back to the phase it was paused from)
    approved | induction | maintenance | paused -> discharged

Each move is a decision of one use case (`DECIDED_BY`), and so of the roles in its
row of kernel.policy: opening intake and sending it to review are the record's; the
clinical decisions (approve or decline, start, continue, pause or stop treatment) are a
clinician's or prescriber's, and two of them are made only where their facts are:
approval and decline in the eligibility review, the start of treatment with the first
dose.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Phase(enum.StrEnum):
    SCREENING = "screening"
    INTAKE = "intake"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    DECLINED = "declined"
    INDUCTION = "induction"
    MAINTENANCE = "maintenance"
    PAUSED = "paused"
    DISCHARGED = "discharged"

    @property
    def words(self) -> str:
        """The phase as it reads inside a sentence: "under review"."""
        return self.value.replace("_", " ")

    @property
    def label(self) -> str:
        """The phase as a heading or badge: "Under review"."""
        return self.words.capitalize()


TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    Phase.SCREENING: frozenset({Phase.INTAKE}),
    Phase.INTAKE: frozenset({Phase.UNDER_REVIEW}),
    Phase.UNDER_REVIEW: frozenset({Phase.APPROVED, Phase.DECLINED, Phase.INTAKE}),
    Phase.APPROVED: frozenset({Phase.INDUCTION, Phase.DISCHARGED}),
    Phase.DECLINED: frozenset(),
    Phase.INDUCTION: frozenset({Phase.MAINTENANCE, Phase.PAUSED, Phase.DISCHARGED}),
    Phase.MAINTENANCE: frozenset({Phase.PAUSED, Phase.DISCHARGED}),
    Phase.PAUSED: frozenset({Phase.INDUCTION, Phase.MAINTENANCE, Phase.DISCHARGED}),
    Phase.DISCHARGED: frozenset(),
}

# Moves that must say why (they end, interrupt or send back someone's treatment).
REASON_REQUIRED: frozenset[tuple[Phase, Phase]] = frozenset(
    {(Phase.UNDER_REVIEW, Phase.DECLINED), (Phase.UNDER_REVIEW, Phase.INTAKE)}
    | {(src, Phase.PAUSED) for src in Phase}
    | {(src, Phase.DISCHARGED) for src in Phase}
)


# The use case (a row of kernel.policy) that decides each move.
DECIDED_BY: dict[tuple[Phase, Phase], str] = {
    (Phase.SCREENING, Phase.INTAKE): "move_patient",
    (Phase.INTAKE, Phase.UNDER_REVIEW): "move_patient",
    (Phase.UNDER_REVIEW, Phase.APPROVED): "review_intake",
    (Phase.UNDER_REVIEW, Phase.DECLINED): "review_intake",
    (Phase.UNDER_REVIEW, Phase.INTAKE): "return_intake",
    (Phase.APPROVED, Phase.INDUCTION): "record_dose_taken",
    (Phase.INDUCTION, Phase.MAINTENANCE): "start_maintenance",
    (Phase.PAUSED, Phase.INDUCTION): "resume_treatment",
    (Phase.PAUSED, Phase.MAINTENANCE): "resume_treatment",
    **{(src, Phase.PAUSED): "pause_treatment" for src in (Phase.INDUCTION, Phase.MAINTENANCE)},
    **{
        (src, Phase.DISCHARGED): "discharge_patient"
        for src in (Phase.APPROVED, Phase.INDUCTION, Phase.MAINTENANCE, Phase.PAUSED)
    },
}

# Moves made only inside another use case, never as a move of their own: why, and where.
MADE_ELSEWHERE: dict[str, str] = {
    "review_intake": (
        "Approving or declining treatment is a clinician's decision: a clinician or "
        "prescriber makes it in the eligibility review of the patient's submitted intake."
    ),
    "record_dose_taken": (
        "Treatment starts when the first dose is recorded, under the plan and "
        "prescription a prescriber wrote; it is not moved by hand."
    ),
}


def decided_by(current: Phase, target: Phase) -> str | None:
    """The use case that decides `current -> target` (None: not a move the rules know)."""
    return DECIDED_BY.get((current, target))


class PhaseTransitionError(ValueError):
    """A move between phases that the rules do not allow, with the reason why."""


class ReasonRequired(PhaseTransitionError):
    """The move is allowed, but only with a written reason."""


@dataclass(frozen=True)
class TransitionFacts:
    """What the guards need to know about the patient beyond the phase."""

    has_current_consent: bool = False
    paused_from: Phase | None = None
    reason: str = ""


def allowed_next(current: Phase, paused_from: Phase | None = None) -> frozenset[Phase]:
    """The phases `current` may move to (a pause only returns where it came from)."""
    nxt = TRANSITIONS[current]
    if current is Phase.PAUSED and paused_from is not None:
        nxt = frozenset(p for p in nxt if p in {paused_from, Phase.DISCHARGED})
    return nxt


def _names(phases: frozenset[Phase]) -> str:
    return ", ".join(p.words for p in sorted(phases)) if phases else "none (this phase is final)"


def check_transition(current: Phase, target: Phase, facts: TransitionFacts) -> None:
    """Raise PhaseTransitionError unless `current -> target` is allowed for these facts."""
    nxt = allowed_next(current, facts.paused_from)
    if target not in nxt:
        raise PhaseTransitionError(
            f"Cannot move from {current.words} to {target.words}: "
            f"the phases allowed after {current.words} are {_names(nxt)}."
        )
    if (current, target) in REASON_REQUIRED and not facts.reason.strip():
        raise ReasonRequired(
            f"Moving from {current.words} to {target.words} needs a reason; none was given."
        )
    if target is Phase.UNDER_REVIEW and not facts.has_current_consent:
        raise PhaseTransitionError(
            f"Cannot move from {current.words} to {target.words}: the patient has not signed "
            "the current version of the treatment consent."
        )
