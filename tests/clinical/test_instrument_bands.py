"""Every band boundary of every instrument, on both sides of each cut-off.

The totals are written out from CLINICAL.md, not read back from the definitions,
so a wrong band in a definition fails here.
"""

from __future__ import annotations

import dataclasses

import pytest

from ketacare.clinical import instruments
from ketacare.clinical.instruments import auditc, base, cadss6, pcl5
from tests.clinical.instrument_answers import answers_for_total

# (instrument, total, band): the lowest and highest total of every band.
BOUNDARIES = [
    # CLINICAL.md A1
    ("phq9", 0, "minimal"),
    ("phq9", 4, "minimal"),
    ("phq9", 5, "mild"),
    ("phq9", 9, "mild"),
    ("phq9", 10, "moderate"),
    ("phq9", 14, "moderate"),
    ("phq9", 15, "moderately_severe"),
    ("phq9", 19, "moderately_severe"),
    ("phq9", 20, "severe"),
    ("phq9", 27, "severe"),
    # CLINICAL.md A2
    ("phq2", 0, "negative"),
    ("phq2", 2, "negative"),
    ("phq2", 3, "positive"),
    ("phq2", 6, "positive"),
    # CLINICAL.md A3
    ("gad7", 0, "minimal"),
    ("gad7", 4, "minimal"),
    ("gad7", 5, "mild"),
    ("gad7", 9, "mild"),
    ("gad7", 10, "moderate"),
    ("gad7", 14, "moderate"),
    ("gad7", 15, "severe"),
    ("gad7", 21, "severe"),
    # CLINICAL.md A4 (default cut-off 33)
    ("pcl5", 0, "below_threshold"),
    ("pcl5", 32, "below_threshold"),
    ("pcl5", 33, "probable_ptsd"),
    ("pcl5", 80, "probable_ptsd"),
    # CLINICAL.md A5
    ("qids_sr16", 0, "none"),
    ("qids_sr16", 5, "none"),
    ("qids_sr16", 6, "mild"),
    ("qids_sr16", 10, "mild"),
    ("qids_sr16", 11, "moderate"),
    ("qids_sr16", 15, "moderate"),
    ("qids_sr16", 16, "severe"),
    ("qids_sr16", 20, "severe"),
    ("qids_sr16", 21, "very_severe"),
    ("qids_sr16", 27, "very_severe"),
    # CLINICAL.md A6 (Snaith)
    ("madrs", 0, "normal"),
    ("madrs", 6, "normal"),
    ("madrs", 7, "mild"),
    ("madrs", 19, "mild"),
    ("madrs", 20, "moderate"),
    ("madrs", 34, "moderate"),
    ("madrs", 35, "severe"),
    ("madrs", 60, "severe"),
    # ketacare clinic defaults for CADSS-6 (CLINICAL.md A7 has no cut-offs)
    ("cadss6", 0, "none"),
    ("cadss6", 1, "mild"),
    ("cadss6", 8, "mild"),
    ("cadss6", 9, "moderate"),
    ("cadss6", 16, "moderate"),
    ("cadss6", 17, "severe"),
    ("cadss6", 24, "severe"),
    # CLINICAL.md A10
    ("dast10", 0, "none"),
    ("dast10", 1, "low"),
    ("dast10", 2, "low"),
    ("dast10", 3, "moderate"),
    ("dast10", 5, "moderate"),
    ("dast10", 6, "substantial"),
    ("dast10", 8, "substantial"),
    ("dast10", 9, "severe"),
    ("dast10", 10, "severe"),
]


@pytest.mark.parametrize(("code", "total", "band"), BOUNDARIES)
def test_a_total_falls_in_its_published_band(code, total, band):
    result = instruments.score(code, answers_for_total(code, total))
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(("code", "total", "band"), BOUNDARIES)
def test_the_definition_bands_agree_with_the_published_table(code, total, band):
    assert base.band_for(instruments.get(code), total) == band


# CLINICAL.md A9: positive from 3 for women and from 4 for men.
AUDITC_BOUNDARIES = [
    ("female", 0, "negative"),
    ("female", 2, "negative"),
    ("female", 3, "positive"),
    ("female", 12, "positive"),
    ("male", 0, "negative"),
    ("male", 3, "negative"),
    ("male", 4, "positive"),
    ("male", 12, "positive"),
]


@pytest.mark.parametrize(("sex", "total", "band"), AUDITC_BOUNDARIES)
def test_an_auditc_total_is_banded_by_the_cut_off_for_the_patients_sex(sex, total, band):
    result = instruments.score("auditc", answers_for_total("auditc", total), sex=sex)
    assert (result.total, result.band) == (total, band)


def test_the_auditc_definition_shows_the_bands_for_women():
    assert instruments.get("auditc").bands == auditc.bands("female")


# CLINICAL.md A4: the probable-PTSD cut-off may be set anywhere in 31-33.
@pytest.mark.parametrize(
    ("cutoff", "total", "band"),
    [
        (31, 30, "below_threshold"),
        (31, 31, "probable_ptsd"),
        (32, 31, "below_threshold"),
        (32, 32, "probable_ptsd"),
        (33, 32, "below_threshold"),
        (33, 33, "probable_ptsd"),
    ],
)
def test_a_clinic_can_move_the_pcl5_cut_off_within_31_to_33(cutoff, total, band):
    rules = dataclasses.replace(pcl5.DEFAULT_RULES, probable_ptsd_cutoff=cutoff)
    result = instruments.score("pcl5", answers_for_total("pcl5", total), rules=rules)
    assert result.band == band
    assert ("probable_ptsd" in result.flags) is (band == "probable_ptsd")


CLINIC_CADSS = cadss6.Cadss6Rules(mild_from=2, moderate_from=5, severe_from=10)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "none"),
        (1, "none"),
        (2, "mild"),
        (4, "mild"),
        (5, "moderate"),
        (9, "moderate"),
        (10, "severe"),
        (24, "severe"),
    ],
)
def test_a_clinic_can_set_its_own_cadss6_bands(total, band):
    result = instruments.score("cadss6", answers_for_total("cadss6", total), rules=CLINIC_CADSS)
    assert result.band == band


def test_cadss6_default_bands_split_1_to_24_into_three_equal_parts():
    sizes = [b.high - b.low + 1 for b in cadss6.bands()]
    assert sizes == [1, 8, 8, 8]
    assert cadss6.bands() == instruments.get("cadss6").bands
