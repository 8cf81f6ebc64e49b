"""The phase machine as pure rules: every legal and every illegal move (no database)."""

from __future__ import annotations

import itertools

import pytest

from ketacare.kernel import policy
from ketacare.patients.phases import (
    DECIDED_BY,
    MADE_ELSEWHERE,
    REASON_REQUIRED,
    TRANSITIONS,
    Phase,
    PhaseTransitionError,
    ReasonRequired,
    TransitionFacts,
    allowed_next,
    check_transition,
)

LEGAL = sorted((src, dst) for src, targets in TRANSITIONS.items() for dst in targets)
ILLEGAL = sorted(
    (src, dst) for src, dst in itertools.product(Phase, Phase) if dst not in TRANSITIONS[src]
)


def facts_for(src: Phase, dst: Phase) -> TransitionFacts:
    """Facts that satisfy every guard, so only the table decides."""
    paused_from = dst if src is Phase.PAUSED and dst is not Phase.DISCHARGED else None
    if src is Phase.PAUSED and paused_from is None:
        paused_from = Phase.MAINTENANCE
    return TransitionFacts(has_current_consent=True, paused_from=paused_from, reason="because")


def test_the_table_matches_the_designed_journey() -> None:
    assert TRANSITIONS[Phase.SCREENING] == {Phase.INTAKE}
    assert TRANSITIONS[Phase.INTAKE] == {Phase.UNDER_REVIEW}
    assert TRANSITIONS[Phase.UNDER_REVIEW] == {Phase.APPROVED, Phase.DECLINED, Phase.INTAKE}
    assert TRANSITIONS[Phase.APPROVED] == {Phase.INDUCTION, Phase.DISCHARGED}
    assert TRANSITIONS[Phase.INDUCTION] == {Phase.MAINTENANCE, Phase.PAUSED, Phase.DISCHARGED}
    assert TRANSITIONS[Phase.MAINTENANCE] == {Phase.PAUSED, Phase.DISCHARGED}
    assert TRANSITIONS[Phase.PAUSED] == {Phase.INDUCTION, Phase.MAINTENANCE, Phase.DISCHARGED}
    assert TRANSITIONS[Phase.DECLINED] == frozenset()
    assert TRANSITIONS[Phase.DISCHARGED] == frozenset()
    assert len(LEGAL) + len(ILLEGAL) == len(Phase) ** 2


@pytest.mark.parametrize(("src", "dst"), LEGAL, ids=[f"{s}->{d}" for s, d in LEGAL])
def test_every_legal_move_is_allowed(src: Phase, dst: Phase) -> None:
    check_transition(src, dst, facts_for(src, dst))


@pytest.mark.parametrize(("src", "dst"), ILLEGAL, ids=[f"{s}->{d}" for s, d in ILLEGAL])
def test_every_illegal_move_names_the_current_phase_and_the_allowed_ones(
    src: Phase, dst: Phase
) -> None:
    with pytest.raises(PhaseTransitionError) as err:
        check_transition(src, dst, facts_for(src, dst))
    message = str(err.value)
    assert f"Cannot move from {src.words} to {dst.words}" in message
    assert "_" not in message  # phases read as words, not codes
    nxt = allowed_next(src, facts_for(src, dst).paused_from)
    if nxt:
        for allowed in nxt:
            assert allowed.words in message
    else:
        assert "final" in message


@pytest.mark.parametrize(("src", "dst"), sorted(p for p in REASON_REQUIRED if p in set(LEGAL)))
def test_moves_that_end_or_interrupt_treatment_need_a_reason(src: Phase, dst: Phase) -> None:
    facts = facts_for(src, dst)
    blank = TransitionFacts(facts.has_current_consent, facts.paused_from, reason="   ")
    with pytest.raises(ReasonRequired, match="needs a reason"):
        check_transition(src, dst, blank)


def test_cannot_go_under_review_without_the_current_consent() -> None:
    with pytest.raises(PhaseTransitionError, match="current version of the treatment consent"):
        check_transition(Phase.INTAKE, Phase.UNDER_REVIEW, TransitionFacts())


@pytest.mark.parametrize("paused_from", [Phase.INDUCTION, Phase.MAINTENANCE])
def test_a_pause_returns_only_to_the_phase_it_came_from(paused_from: Phase) -> None:
    other = Phase.MAINTENANCE if paused_from is Phase.INDUCTION else Phase.INDUCTION
    facts = TransitionFacts(paused_from=paused_from, reason="back")
    check_transition(Phase.PAUSED, paused_from, facts)
    with pytest.raises(
        PhaseTransitionError, match=f"allowed after paused are discharged, {paused_from}"
    ):
        check_transition(Phase.PAUSED, other, facts)


def test_final_phases_say_they_are_final() -> None:
    for final in (Phase.DECLINED, Phase.DISCHARGED):
        with pytest.raises(PhaseTransitionError, match="final"):
            check_transition(final, Phase.INTAKE, TransitionFacts(reason="x"))


def test_phase_errors_are_value_errors() -> None:
    assert issubclass(PhaseTransitionError, ValueError)


def test_every_move_is_decided_by_a_use_case_with_a_row_of_the_policy() -> None:
    assert set(DECIDED_BY) == set(LEGAL)
    for name in {*DECIDED_BY.values(), *MADE_ELSEWHERE}:
        assert policy.rule(name).roles, name
    # Approval, decline and the start of treatment are made only where their facts are.
    assert {DECIDED_BY[(Phase.UNDER_REVIEW, Phase.APPROVED)]} <= set(MADE_ELSEWHERE)
    assert {DECIDED_BY[(Phase.APPROVED, Phase.INDUCTION)]} <= set(MADE_ELSEWHERE)
