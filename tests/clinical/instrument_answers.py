"""Answer sheets for instrument tests: built to reach a wanted total, or drawn at random."""

from __future__ import annotations

from hypothesis import strategies as st

from ketacare.clinical import instruments
from ketacare.clinical.instruments import dast10, qids_sr16


def _fill(maxima: list[int], total: int) -> list[int]:
    """Values no higher than `maxima`, filled from the first, that add up to `total`."""
    values = []
    for maximum in maxima:
        value = min(maximum, total)
        values.append(value)
        total -= value
    assert total == 0, "the wanted total is above the instrument's maximum"
    return values


def answers_for_total(code: str, total: int) -> list[int]:
    """Answers in item order (scored items only) whose total is `total`."""
    instrument = instruments.get(code)
    scored = [item for item in instrument.items if item.scored]
    if code == "qids_sr16":
        # The total is the sum of domain scores: reach it through each domain's first item.
        firsts = [numbers[0] for numbers in qids_sr16.DOMAINS.values()]
        per_domain = _fill([3] * len(firsts), total)
        by_item = dict(zip(firsts, per_domain, strict=True))
        return [by_item.get(item.number, 0) for item in scored]
    values = _fill([max(item.values) for item in scored], total)
    if code == "dast10":
        # The scorer reverses item 3, so the raw answer is the opposite of its score.
        return [1 - v if n in dast10.REVERSED_ITEMS else v for n, v in enumerate(values, start=1)]
    return values


def consistent_cssrs(values: list[int]) -> list[int]:
    """C-SSRS answers with the skip logic applied: no follow-up yes after a no."""
    q1, q2, q3, q4, q5, q6, q6_recent = values
    if not q2:
        q3 = q4 = q5 = 0
    if not q6:
        q6_recent = 0
    return [q1, q2, q3, q4, q5, q6, q6_recent]


@st.composite
def valid_answers(draw: st.DrawFn, code: str) -> list[int]:
    """Any complete, valid answer sheet for `code`, in item order (scored items only)."""
    instrument = instruments.get(code)
    values = [draw(st.sampled_from(item.values)) for item in instrument.items if item.scored]
    return consistent_cssrs(values) if code == "cssrs_screen" else values


# Keyword context an instrument needs to be scored at all.
REQUIRED_CONTEXT = {"auditc": {"sex": "female"}}
