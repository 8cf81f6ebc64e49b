"""Every questionnaire definition is well formed and carries the codes CLINICAL.md gives."""

from __future__ import annotations

import dataclasses

import pytest

from ketacare.clinical import instruments
from ketacare.clinical.instruments import base, phq9
from ketacare.clinical.instruments.base import Band, Choice, Instrument, Item

ALL_CODES = (
    "phq9",
    "phq2",
    "gad7",
    "pcl5",
    "qids_sr16",
    "madrs",
    "cadss6",
    "cssrs_screen",
    "auditc",
    "dast10",
    "bladder",
)

# Item count and the answer values of each item (CLINICAL.md A1-A10).
SHAPE = {
    "phq9": (9, range(4)),  # plus the unscored difficulty item 10
    "phq2": (2, range(4)),
    "gad7": (7, range(4)),
    "pcl5": (20, range(5)),
    "qids_sr16": (16, range(4)),
    "madrs": (10, range(7)),
    "cadss6": (6, range(5)),
    "cssrs_screen": (7, range(2)),
    "auditc": (3, range(5)),
    "dast10": (10, range(2)),
    "bladder": (4, range(2)),  # G10: four symptoms, yes or no
}

MAX_TOTAL = {
    "phq9": 27,
    "phq2": 6,
    "gad7": 21,
    "pcl5": 80,
    "qids_sr16": 27,
    "madrs": 60,
    "cadss6": 24,
    "cssrs_screen": 7,
    "auditc": 12,
    "dast10": 10,
    "bladder": 4,
}

BAND_LABELS = {
    "phq9": ("minimal", "mild", "moderate", "moderately_severe", "severe"),
    "phq2": ("negative", "positive"),
    "gad7": ("minimal", "mild", "moderate", "severe"),
    "pcl5": ("below_threshold", "probable_ptsd"),
    "qids_sr16": ("none", "mild", "moderate", "severe", "very_severe"),
    "madrs": ("normal", "mild", "moderate", "severe"),
    "cadss6": ("none", "mild", "moderate", "severe"),
    "cssrs_screen": ("none", "low", "moderate", "high"),
    "auditc": ("negative", "positive"),
    "dast10": ("none", "low", "moderate", "substantial", "severe"),
    "bladder": ("none", "symptoms"),
}

SOURCE = {
    "phq9": "A1",
    "phq2": "A2",
    "gad7": "A3",
    "pcl5": "A4",
    "qids_sr16": "A5",
    "madrs": "A6",
    "cadss6": "A7",
    "cssrs_screen": "A8",
    "auditc": "A9",
    "dast10": "A10",
    "bladder": "G10",
}


def test_the_registry_holds_the_eleven_instruments_in_order():
    assert instruments.CODES == ALL_CODES


@pytest.mark.parametrize("code", ALL_CODES)
def test_each_instrument_is_registered_under_its_own_code(code):
    assert instruments.get(code).code == code


def test_an_unknown_instrument_is_a_key_error_naming_the_known_ones():
    with pytest.raises(KeyError, match=r"'phq10'.*phq9, phq2, gad7.*dast10"):
        instruments.get("phq10")
    with pytest.raises(KeyError, match="known instruments are"):
        instruments.score("beck", [0])


@pytest.mark.parametrize("code", ALL_CODES)
def test_items_are_numbered_1_to_n_without_repeats(code):
    numbers = [item.number for item in instruments.get(code).items]
    assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize("code", ALL_CODES)
def test_each_instrument_has_the_published_number_of_scored_items(code):
    count, _ = SHAPE[code]
    assert sum(item.scored for item in instruments.get(code).items) == count


@pytest.mark.parametrize("code", ALL_CODES)
def test_each_item_offers_exactly_the_allowed_values_with_a_label_each(code):
    _, allowed = SHAPE[code]
    for item in instruments.get(code).items:
        assert item.values == tuple(allowed), item.number
        assert all(isinstance(c, Choice) and c.label.strip() for c in item.choices)
        assert len({c.label for c in item.choices}) == len(item.choices), item.number


@pytest.mark.parametrize("code", ALL_CODES)
def test_each_item_has_a_text(code):
    assert all(item.text.strip() for item in instruments.get(code).items)


@pytest.mark.parametrize("code", ALL_CODES)
def test_the_maximum_total_is_the_published_one(code):
    assert instruments.get(code).max_total == MAX_TOTAL[code]


@pytest.mark.parametrize("code", ALL_CODES)
def test_bands_tile_zero_to_the_maximum_without_gaps_or_overlaps(code):
    instrument = instruments.get(code)
    next_low = 0
    for band in instrument.bands:
        assert band.low == next_low, band
        assert band.low <= band.high, band
        next_low = band.high + 1
    assert next_low == instrument.max_total + 1


@pytest.mark.parametrize("code", ALL_CODES)
def test_band_labels_are_the_agreed_ones_from_least_to_most_severe(code):
    assert tuple(b.label for b in instruments.get(code).bands) == BAND_LABELS[code]


@pytest.mark.parametrize("code", ALL_CODES)
def test_each_definition_cites_its_clinical_md_section(code):
    instrument = instruments.get(code)
    assert instrument.source == f"CLINICAL.md {SOURCE[code]}"
    assert instrument.title.strip()
    assert instrument.recall_period.strip()


# CLINICAL.md A1: PHQ-9 item codes.
PHQ9_ITEM_LOINC = (
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
)


def test_phq9_carries_the_loinc_codes_of_a1():
    instrument = instruments.get("phq9")
    assert instrument.loinc_panel == "44249-1"
    assert instrument.loinc_total == "44261-6"
    assert tuple(item.loinc for item in instrument.items[:9]) == PHQ9_ITEM_LOINC
    assert instrument.item(10).loinc == "69722-7"


def test_phq9_item_10_difficulty_is_recorded_but_not_scored():
    item = instruments.get("phq9").item(10)
    assert not item.scored
    assert [c.label for c in item.choices] == [
        "Not difficult at all",
        "Somewhat difficult",
        "Very difficult",
        "Extremely difficult",
    ]


def test_phq2_is_items_1_and_2_of_phq9_with_the_loinc_codes_of_a2():
    instrument = instruments.get("phq2")
    assert instrument.items == instruments.get("phq9").items[:2]
    assert (instrument.loinc_panel, instrument.loinc_total) == ("55757-9", "55758-7")
    assert tuple(item.loinc for item in instrument.items) == ("44250-9", "44255-8")


# CLINICAL.md A1, A2, A3, A8, A9 give these panel and total codes; the others give none.
PANEL_AND_TOTAL_LOINC = {
    "phq9": ("44249-1", "44261-6"),
    "phq2": ("55757-9", "55758-7"),
    "gad7": ("69737-5", "70274-6"),
    "pcl5": (None, None),
    "qids_sr16": (None, None),
    "madrs": (None, None),
    "cadss6": (None, None),
    "cssrs_screen": ("93373-9", None),
    "auditc": (None, "75626-2"),
    "dast10": (None, None),
    "bladder": (None, None),
}


@pytest.mark.parametrize("code", ALL_CODES)
def test_panel_and_total_loinc_codes_are_exactly_the_ones_clinical_md_gives(code):
    instrument = instruments.get(code)
    assert (instrument.loinc_panel, instrument.loinc_total) == PANEL_AND_TOTAL_LOINC[code]


@pytest.mark.parametrize(
    "code",
    ["gad7", "pcl5", "qids_sr16", "madrs", "cadss6", "cssrs_screen", "auditc", "dast10", "bladder"],
)
def test_no_item_code_is_invented_where_clinical_md_gives_none(code):
    assert all(item.loinc is None for item in instruments.get(code).items)


def test_the_cadss6_items_are_the_six_of_the_full_scale_named_in_a7():
    from ketacare.clinical.instruments import cadss6  # noqa: PLC0415 - one test needs it

    assert cadss6.FULL_SCALE_ITEMS == (1, 2, 6, 7, 15, 22)
    assert len(cadss6.INSTRUMENT.items) == len(cadss6.FULL_SCALE_ITEMS)


def test_the_package_re_exports_the_shared_shapes():
    assert instruments.Instrument is Instrument
    assert instruments.InvalidAnswers is base.InvalidAnswers
    assert (
        frozenset({"suicidality", "positive_screen", "probable_ptsd", "provisional_ptsd_dx"})
        == instruments.FLAGS
    )


# The building blocks in base.py.


def test_looking_up_an_item_that_is_not_on_the_form_is_a_key_error():
    with pytest.raises(KeyError):
        phq9.INSTRUMENT.item(11)


def test_choices_are_valued_in_order_from_the_start_given():
    assert base.choices("No", "Yes") == (Choice(0, "No"), Choice(1, "Yes"))
    assert base.choices("Once", "Twice", start=1) == (Choice(1, "Once"), Choice(2, "Twice"))


def test_a_definition_whose_bands_leave_a_gap_cannot_band_that_total():
    gappy = dataclasses.replace(phq9.INSTRUMENT, bands=(Band("low", 0, 4), Band("high", 6, 27)))
    assert base.band_for(gappy, 6) == "high"
    with pytest.raises(AssertionError, match="no band holds 5"):
        base.band_for(gappy, 5)


def test_a_score_made_without_a_band_takes_it_from_the_definition():
    item = Item(number=1, text="Q", choices=base.choices("No", "Yes"))
    tiny = Instrument(
        code="tiny",
        title="Tiny",
        recall_period="today",
        items=(item,),
        bands=(Band("no", 0, 0), Band("yes", 1, 1)),
        max_total=1,
    )
    made = base.make_score(tiny, {1: 1}, 1)
    assert (made.band, dict(made.subscales), made.flags, dict(made.answers)) == (
        "yes",
        {},
        frozenset(),
        {1: 1},
    )
    assert base.make_score(tiny, {1: 1}, 1, band="override").band == "override"


@pytest.mark.parametrize("value", [31, 33])
def test_a_clinic_setting_in_range_is_accepted(value):
    base.check_setting("pcl5", "probable_ptsd_cutoff", value, range(31, 34))


@pytest.mark.parametrize("value", [30, 34, True, 32.0, "32", None])
def test_a_clinic_setting_out_of_range_or_not_a_whole_number_is_refused(value):
    with pytest.raises(
        ValueError, match=r"pcl5: probable_ptsd_cutoff must be a whole number 31-33"
    ):
        base.check_setting("pcl5", "probable_ptsd_cutoff", value, range(31, 34))


@pytest.mark.parametrize("code", ALL_CODES)
def test_scores_are_read_only(code):
    instrument = instruments.get(code)
    answers = [0] * sum(item.scored for item in instrument.items)
    context = {"sex": "male"} if code == "auditc" else {}
    result = instruments.score(code, answers, **context)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.total = 99  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.answers[1] = 3  # type: ignore[index]


def test_only_the_c_ssrs_follow_up_questions_are_asked_after_a_yes():
    # CLINICAL.md A8: Q3-Q5 only after a yes to Q2; the 3-month part of Q6 after a yes to Q6.
    gates = {
        (code, item.number): item.asked_only_if
        for code in instruments.CODES
        for item in instruments.get(code).items
        if item.asked_only_if is not None
    }
    assert gates == {
        ("cssrs_screen", 3): 2,
        ("cssrs_screen", 4): 2,
        ("cssrs_screen", 5): 2,
        ("cssrs_screen", 7): 6,
    }
    assert instruments.NOT_ASKED == 0
