"""Properties that hold for any answers: totals in range, bands in order, bad input refused."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical import instruments
from ketacare.clinical.instruments import InvalidAnswers, auditc, cadss6, pcl5
from ketacare.clinical.instruments.base import PROBABLE_PTSD, band_for
from tests.clinical.instrument_answers import valid_answers

ALL_CODES = instruments.CODES
# The C-SSRS band is a triage read from *which* questions were answered yes, not from the
# total; its own properties are in test_instrument_scoring_rules.py.
TOTAL_BANDED = tuple(code for code in ALL_CODES if code != "cssrs_screen")


@st.composite
def context(draw: st.DrawFn, code: str) -> dict[str, Any]:
    """Any valid keyword context for `code`."""
    if code == "auditc":
        return {"sex": draw(st.sampled_from(auditc.SEXES))}
    if code == "pcl5":
        cutoff = draw(st.integers(31, 33))
        return {"rules": dataclasses.replace(pcl5.DEFAULT_RULES, probable_ptsd_cutoff=cutoff)}
    return {}


def definition_bands(code: str, ctx: dict[str, Any]) -> tuple[instruments.Band, ...]:
    """The bands a score under `ctx` is read against."""
    if code == "auditc":
        return auditc.bands(ctx["sex"])
    if code == "pcl5":
        return pcl5.bands(ctx["rules"])
    return instruments.get(code).bands


def rank(code: str, ctx: dict[str, Any], label: str) -> int:
    return [b.label for b in definition_bands(code, ctx)].index(label)


@pytest.mark.parametrize("code", ALL_CODES)
@given(data=st.data())
def test_any_valid_answers_score_a_total_between_0_and_the_maximum(code, data):
    ctx = data.draw(context(code))
    result = instruments.score(code, data.draw(valid_answers(code)), **ctx)
    assert 0 <= result.total <= instruments.get(code).max_total
    assert result.band in {b.label for b in instruments.get(code).bands}
    assert result.flags <= instruments.FLAGS
    assert all(0 <= v <= result.total for v in result.subscales.values())


@pytest.mark.parametrize("code", TOTAL_BANDED)
@given(data=st.data())
def test_the_band_is_the_one_whose_range_holds_the_total(code, data):
    ctx = data.draw(context(code))
    result = instruments.score(code, data.draw(valid_answers(code)), **ctx)
    bands = definition_bands(code, ctx)
    holding = [b for b in bands if b.low <= result.total <= b.high]
    assert [b.label for b in holding] == [result.band]


@pytest.mark.parametrize("code", TOTAL_BANDED)
@given(data=st.data())
def test_a_higher_total_never_has_a_lower_band(code, data):
    ctx = data.draw(context(code))
    first = instruments.score(code, data.draw(valid_answers(code)), **ctx)
    second = instruments.score(code, data.draw(valid_answers(code)), **ctx)
    low, high = sorted((first, second), key=lambda s: s.total)
    assert rank(code, ctx, low.band) <= rank(code, ctx, high.band)


@pytest.mark.parametrize("code", TOTAL_BANDED)
def test_band_ranks_rise_with_the_total_over_the_whole_range(code):
    definition = instruments.get(code)
    labels = [b.label for b in definition.bands]
    ranks = [labels.index(band_for(definition, t)) for t in range(definition.max_total + 1)]
    assert ranks == sorted(ranks)


@given(
    mild=st.integers(1, 22),
    moderate_gap=st.integers(1, 11),
    severe_gap=st.integers(1, 11),
    totals=st.lists(st.integers(0, 24), min_size=2, max_size=2),
)
def test_any_valid_cadss6_bands_tile_0_to_24_and_rise_with_the_total(
    mild, moderate_gap, severe_gap, totals
):
    moderate, severe = mild + moderate_gap, mild + moderate_gap + severe_gap
    if severe > 24:
        with pytest.raises(ValueError, match=r"cadss6: (moderate|severe)_from"):
            cadss6.Cadss6Rules(mild_from=mild, moderate_from=moderate, severe_from=severe)
        return
    rules = cadss6.Cadss6Rules(mild_from=mild, moderate_from=moderate, severe_from=severe)
    bands = cadss6.bands(rules)
    assert [b.low for b in bands[1:]] == [b.high + 1 for b in bands[:-1]]
    assert (bands[0].low, bands[-1].high) == (0, 24)
    labels = [b.label for b in bands]
    low, high = sorted(totals)
    answers_low = [min(4, max(0, low - 4 * i)) for i in range(6)]
    answers_high = [min(4, max(0, high - 4 * i)) for i in range(6)]
    band_low = instruments.score("cadss6", answers_low, rules=rules).band
    band_high = instruments.score("cadss6", answers_high, rules=rules).band
    assert labels.index(band_low) <= labels.index(band_high)


@pytest.mark.parametrize("code", ALL_CODES)
@given(data=st.data())
def test_a_mapping_scores_the_same_as_the_list_in_item_order(code, data):
    ctx = data.draw(context(code))
    answers = data.draw(valid_answers(code))
    as_mapping = dict(enumerate(answers, start=1))
    assert instruments.score(code, answers, **ctx) == instruments.score(code, as_mapping, **ctx)
    assert dict(instruments.score(code, answers, **ctx).answers) == as_mapping


@given(data=st.data())
def test_pcl5_flags_probable_ptsd_exactly_from_the_cut_off(data):
    ctx = data.draw(context("pcl5"))
    result = instruments.score("pcl5", data.draw(valid_answers("pcl5")), **ctx)
    at_or_above = result.total >= ctx["rules"].probable_ptsd_cutoff
    assert (PROBABLE_PTSD in result.flags) is at_or_above


def not_an_allowed_value(allowed: tuple[int, ...]) -> st.SearchStrategy[object]:
    return st.one_of(
        st.integers().filter(lambda v: v not in allowed),
        st.booleans(),
        st.floats(allow_nan=True),
        st.text(max_size=3),
        st.none(),
        st.decimals(allow_nan=False).filter(lambda d: d == d.to_integral_value()),
    )


@pytest.mark.parametrize("code", ALL_CODES)
@given(data=st.data())
def test_any_invalid_answer_is_refused_naming_its_item(code, data):
    ctx = data.draw(context(code))
    answers: list[object] = list(data.draw(valid_answers(code)))
    index = data.draw(st.integers(0, len(answers) - 1))
    number = index + 1
    answers[index] = data.draw(not_an_allowed_value(instruments.get(code).item(number).values))
    with pytest.raises(InvalidAnswers, match=rf"^{code}: item {number} is .*allowed values are "):
        instruments.score(code, answers, **ctx)


@pytest.mark.parametrize("code", ALL_CODES)
@given(data=st.data())
def test_a_list_of_any_other_length_is_refused(code, data):
    definition = instruments.get(code)
    lengths = {len(definition.items), sum(item.scored for item in definition.items)}
    length = data.draw(st.integers(0, 30).filter(lambda n: n not in lengths))
    with pytest.raises(InvalidAnswers, match=rf"^{code}: expected .* answers in item order"):
        instruments.score(code, [0] * length, **data.draw(context(code)))


@given(answers=st.lists(st.sampled_from((0, 1)), min_size=7, max_size=7))
def test_cssrs_answers_are_scored_only_when_the_skip_logic_holds(answers):
    _q1, q2, q3, q4, q5, q6, q6_recent = answers
    consistent = (q2 or not (q3 or q4 or q5)) and (q6 or not q6_recent)
    if consistent:
        assert instruments.score("cssrs_screen", answers).total == sum(answers)
    else:
        with pytest.raises(InvalidAnswers, match="is asked only after a yes"):
            instruments.score("cssrs_screen", answers)


@given(sex=st.one_of(st.text(), st.integers(), st.none()).filter(lambda s: s not in auditc.SEXES))
def test_auditc_refuses_any_sex_but_female_or_male(sex):
    with pytest.raises(InvalidAnswers, match="allowed values are female, male"):
        instruments.score("auditc", [0, 0, 0], sex=sex)
