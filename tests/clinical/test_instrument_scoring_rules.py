"""The scoring rule of each instrument that is more than a plain sum."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from ketacare.clinical import instruments
from ketacare.clinical.instruments import auditc, cadss6, cssrs_screen, pcl5, qids_sr16
from ketacare.clinical.instruments.base import (
    PROBABLE_PTSD,
    PROVISIONAL_PTSD_DX,
    SUICIDALITY,
    InvalidAnswers,
    band_for,
)
from tests.clinical.instrument_answers import consistent_cssrs

# PHQ-9 (CLINICAL.md A1) ---------------------------------------------------------------


def test_phq9_sums_items_1_to_9():
    result = instruments.score("phq9", [1, 2, 0, 3, 1, 0, 2, 1, 0])
    assert (result.total, result.band) == (10, "moderate")


@pytest.mark.parametrize("difficulty", [0, 3])
def test_phq9_item_10_difficulty_is_kept_but_not_added_to_the_total(difficulty):
    answers = [3, 3, 3, 3, 3, 3, 3, 3, 3, difficulty]
    result = instruments.score("phq9", answers)
    assert result.total == 27
    assert result.answers[10] == difficulty


def test_phq9_can_be_scored_without_item_10():
    result = instruments.score("phq9", dict.fromkeys(range(1, 10), 1))
    assert result.total == 9
    assert 10 not in result.answers


def test_a_list_and_a_mapping_of_the_same_answers_score_the_same():
    answers = [1, 2, 0, 3, 1, 0, 2, 1, 0]
    mapping = dict(enumerate(answers, start=1))
    assert instruments.score("phq9", answers) == instruments.score("phq9", mapping)


# QIDS-SR16 (CLINICAL.md A5) ------------------------------------------------------------

QIDS_DOMAINS = {
    "sleep": (1, 2, 3, 4),
    "sad_mood": (5,),
    "appetite_weight": (6, 7, 8, 9),
    "concentration": (10,),
    "self_view": (11,),
    "suicidal_ideation": (12,),
    "interest": (13,),
    "energy": (14,),
    "psychomotor": (15, 16),
}


def qids(**answered: int) -> dict[int, int]:
    """QIDS answers, all 0 except `item_<n>=value`."""
    values = {int(key.removeprefix("item_")): value for key, value in answered.items()}
    return {n: values.get(n, 0) for n in range(1, 17)}


def test_qids_has_the_nine_domains_of_a5():
    assert dict(qids_sr16.DOMAINS) == QIDS_DOMAINS
    assert set(instruments.score("qids_sr16", qids()).subscales) == set(QIDS_DOMAINS)


@pytest.mark.parametrize(
    ("domain", "item"), [(d, n) for d, numbers in QIDS_DOMAINS.items() for n in numbers]
)
def test_each_qids_item_scores_in_its_own_domain(domain, item):
    result = instruments.score("qids_sr16", qids(**{f"item_{item}": 2}))
    assert result.subscales == {d: 2 if d == domain else 0 for d in QIDS_DOMAINS}
    assert result.total == 2


@pytest.mark.parametrize(("domain", "items"), QIDS_DOMAINS.items())
def test_a_qids_domain_scores_its_highest_item_not_their_sum(domain, items):
    answers = qids(**{f"item_{n}": 3 for n in items})
    assert instruments.score("qids_sr16", answers).subscales[domain] == 3


@pytest.mark.parametrize(
    ("answers", "domain", "expected"),
    [
        (qids(item_1=1, item_2=3, item_3=2, item_4=0), "sleep", 3),
        (qids(item_6=2, item_9=1), "appetite_weight", 2),
        (qids(item_15=1, item_16=2), "psychomotor", 2),
    ],
)
def test_a_qids_domain_is_its_highest_item(answers, domain, expected):
    assert instruments.score("qids_sr16", answers).subscales[domain] == expected


def test_qids_total_is_the_sum_of_domains_capped_at_27():
    result = instruments.score("qids_sr16", [3] * 16)
    assert result.subscales == dict.fromkeys(QIDS_DOMAINS, 3)
    assert (result.total, result.band) == (27, "very_severe")


# PCL-5 (CLINICAL.md A4) ----------------------------------------------------------------

CLUSTERS = {"B": range(1, 6), "C": range(6, 8), "D": range(8, 15), "E": range(15, 21)}


def pcl(values: dict[int, int] | None = None) -> list[int]:
    """PCL-5 answers, all 0 except the given {item: value}."""
    values = values or {}
    return [values.get(n, 0) for n in range(1, 21)]


def test_pcl5_subscales_are_the_sums_of_the_b_c_d_e_clusters():
    answers = list(range(5)) * 4  # items 1-20 answered 0,1,2,3,4,0,1,...
    result = instruments.score("pcl5", answers)
    expected = {name: sum(answers[n - 1] for n in items) for name, items in CLUSTERS.items()}
    assert result.subscales == expected
    assert sum(result.subscales.values()) == result.total == 40


# The least that meets the cluster rule: 1 B, 1 C, 2 D and 2 E items at 2 or more.
JUST_ENOUGH = {1: 2, 6: 2, 8: 2, 9: 2, 15: 2, 16: 2}


@pytest.mark.parametrize(
    ("case", "answers", "diagnosis"),
    [
        ("one B, one C, two D, two E endorsed", JUST_ENOUGH, True),
        ("no B item endorsed", {**JUST_ENOUGH, 1: 1}, False),
        ("no C item endorsed", {**JUST_ENOUGH, 6: 1}, False),
        ("only one D item endorsed", {**JUST_ENOUGH, 9: 1}, False),
        ("only one E item endorsed", {**JUST_ENOUGH, 16: 1}, False),
        (
            "endorsed items in other places of each cluster",
            {5: 4, 7: 3, 13: 2, 14: 2, 19: 2, 20: 4},
            True,
        ),
        ("every item at 1 (not endorsed)", dict.fromkeys(range(1, 21), 1), False),
    ],
)
def test_pcl5_provisional_diagnosis_needs_1_b_1_c_2_d_and_2_e_items_at_2_or_more(
    case, answers, diagnosis
):
    result = instruments.score("pcl5", pcl(answers))
    assert (PROVISIONAL_PTSD_DX in result.flags) is diagnosis, case


def test_the_pcl5_provisional_diagnosis_does_not_depend_on_the_total():
    result = instruments.score("pcl5", pcl(JUST_ENOUGH))
    assert (result.total, result.band) == (12, "below_threshold")
    assert result.flags == {PROVISIONAL_PTSD_DX}


def test_a_high_pcl5_total_without_avoidance_is_probable_ptsd_but_no_provisional_diagnosis():
    answers = pcl({n: 0 if n in CLUSTERS["C"] else 4 for n in range(1, 21)})
    result = instruments.score("pcl5", answers)
    assert (result.total, result.band) == (72, "probable_ptsd")
    assert result.flags == {PROBABLE_PTSD}


@pytest.mark.parametrize("cutoff", [30, 34, 0, True, 33.0, "33", None])
def test_a_pcl5_cut_off_outside_31_to_33_is_refused(cutoff):
    with pytest.raises(
        ValueError, match=r"pcl5: probable_ptsd_cutoff must be a whole number 31-33"
    ):
        pcl5.Pcl5Rules(probable_ptsd_cutoff=cutoff)


# C-SSRS screener (CLINICAL.md A8) ------------------------------------------------------

CSSRS_TRIAGE = [
    # Q1, Q2, Q3, Q4, Q5, Q6 ever, Q6 within 3 months
    ("all no", [0, 0, 0, 0, 0, 0, 0], "none"),
    ("wish to be dead only", [1, 0, 0, 0, 0, 0, 0], "low"),
    ("suicidal thoughts only", [0, 1, 0, 0, 0, 0, 0], "low"),
    ("wish to be dead and suicidal thoughts", [1, 1, 0, 0, 0, 0, 0], "low"),
    ("thoughts with a method", [1, 1, 1, 0, 0, 0, 0], "moderate"),
    ("behaviour more than 3 months ago", [0, 0, 0, 0, 0, 1, 0], "moderate"),
    ("wish to be dead and old behaviour", [1, 0, 0, 0, 0, 1, 0], "moderate"),
    ("method and old behaviour", [1, 1, 1, 0, 0, 1, 0], "moderate"),
    ("intent", [0, 1, 0, 1, 0, 0, 0], "high"),
    ("plan with intent", [0, 1, 0, 0, 1, 0, 0], "high"),
    ("behaviour within 3 months", [0, 0, 0, 0, 0, 1, 1], "high"),
    ("every answer yes", [1, 1, 1, 1, 1, 1, 1], "high"),
]


@pytest.mark.parametrize(("case", "answers", "triage"), CSSRS_TRIAGE)
def test_cssrs_triage_follows_which_questions_are_answered_yes(case, answers, triage):
    result = instruments.score("cssrs_screen", answers)
    assert result.band == triage, case
    assert result.total == sum(answers)
    assert (SUICIDALITY in result.flags) is (triage in {"moderate", "high"})


@pytest.mark.parametrize(
    ("answers", "item", "gate"),
    [
        ([0, 0, 1, 0, 0, 0, 0], 3, 2),
        ([1, 0, 0, 1, 0, 0, 0], 4, 2),
        ([1, 0, 0, 0, 1, 0, 0], 5, 2),
        ([0, 0, 0, 0, 0, 0, 1], 7, 6),
    ],
)
def test_a_cssrs_follow_up_answered_yes_after_a_no_is_refused(answers, item, gate):
    with pytest.raises(
        InvalidAnswers, match=rf"item {item} is 1 \(yes\) but item {gate} is 0.*allowed value is 0"
    ):
        instruments.score("cssrs_screen", answers)


VALID_CSSRS = sorted(
    {tuple(consistent_cssrs(list(p))) for p in itertools.product((0, 1), repeat=7)}
)
RANK = {label: rank for rank, label in enumerate(cssrs_screen.TRIAGE)}


def test_cssrs_definition_bands_are_the_least_triage_each_number_of_yes_answers_implies():
    least: dict[int, int] = {}
    for answers in VALID_CSSRS:
        result = instruments.score("cssrs_screen", list(answers))
        least[result.total] = min(least.get(result.total, 99), RANK[result.band])
    definition = instruments.get("cssrs_screen")
    assert {t: RANK[band_for(definition, t)] for t in least} == least


def test_adding_a_yes_answer_never_lowers_the_cssrs_triage():
    for answers in VALID_CSSRS:
        before = RANK[instruments.score("cssrs_screen", list(answers)).band]
        for n, value in enumerate(answers):
            raised = tuple(1 if i == n else v for i, v in enumerate(answers))
            if value == 0 and raised in VALID_CSSRS:
                after = RANK[instruments.score("cssrs_screen", list(raised)).band]
                assert after >= before, (answers, raised)


# AUDIT-C (CLINICAL.md A9) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "female", "male"),
    [
        ([1, 1, 0], "negative", "negative"),  # 2
        ([1, 1, 1], "positive", "negative"),  # 3: positive for women only
        ([2, 1, 1], "positive", "positive"),  # 4
        ([4, 4, 4], "positive", "positive"),  # 12
    ],
)
def test_auditc_is_read_with_the_cut_off_for_the_patients_sex(answers, female, male):
    assert instruments.score("auditc", answers, sex="female").band == female
    assert instruments.score("auditc", answers, sex="male").band == male


@pytest.mark.parametrize("sex", [None, "", "other", "Female", "F", 1, True])
def test_auditc_without_a_sex_it_can_read_is_refused_naming_the_allowed_values(sex):
    with pytest.raises(InvalidAnswers, match=r"auditc: sex .*allowed values are female, male"):
        instruments.score("auditc", [1, 1, 1], sex=sex)


def test_auditc_cannot_be_scored_without_sex():
    with pytest.raises(InvalidAnswers, match="sex is required"):
        instruments.score("auditc", [0, 0, 0])


# One policy for whose cut-off applies, for every face (CLINICAL.md A9; ketacare's choice
# for a record that gives neither: the women's, lower, cut-off).
@pytest.mark.parametrize(
    ("recorded", "stated", "applied"),
    [
        ("female", None, "female"),
        ("male", None, "male"),
        ("male", "male", "male"),
        ("intersex", None, "female"),
        ("unknown", None, "female"),
        (None, None, "female"),
        ("intersex", "male", "male"),
        ("unknown", "female", "female"),
    ],
)
def test_auditc_takes_the_record_s_sex_else_a_stated_one_else_the_lower_cut_off(
    recorded, stated, applied
):
    assert auditc.cutoff_sex(recorded, stated) == applied


def test_a_stated_sex_may_not_contradict_the_record():
    with pytest.raises(InvalidAnswers, match=r"record gives sex at birth female.*'male'"):
        auditc.cutoff_sex("female", "male")


@pytest.mark.parametrize("stated", ["", "other", "Female", 1])
def test_a_stated_sex_it_cannot_read_is_refused(stated):
    with pytest.raises(InvalidAnswers, match="allowed values are female, male"):
        auditc.cutoff_sex("unknown", stated)


def test_a_clinic_can_set_its_own_auditc_cut_offs():
    rules = dataclasses.replace(auditc.DEFAULT_RULES, positive_from_male=5, positive_from_female=4)
    assert instruments.score("auditc", [2, 1, 1], sex="male", rules=rules).band == "negative"
    assert instruments.score("auditc", [1, 1, 1], sex="female", rules=rules).band == "negative"
    assert instruments.score("auditc", [2, 1, 1], sex="female", rules=rules).band == "positive"


@pytest.mark.parametrize(
    ("field", "value"),
    [("positive_from_female", 0), ("positive_from_male", 13), ("positive_from_male", "4")],
)
def test_an_auditc_cut_off_outside_1_to_12_is_refused(field, value):
    with pytest.raises(ValueError, match=rf"auditc: {field} must be a whole number 1-12"):
        auditc.AuditCRules(**{field: value})


# DAST-10 (CLINICAL.md A10) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "raw_answers", "total", "band"),
    [
        ("all no: only the no to item 3 counts", [0] * 10, 1, "low"),
        ("all no but yes to item 3", [0, 0, 1, 0, 0, 0, 0, 0, 0, 0], 0, "none"),
        ("all yes: the yes to item 3 does not count", [1] * 10, 9, "severe"),
        ("all yes but no to item 3", [1, 1, 0, 1, 1, 1, 1, 1, 1, 1], 10, "severe"),
        ("yes to items 1 and 2, no to item 3", [1, 1, 0, 0, 0, 0, 0, 0, 0, 0], 3, "moderate"),
    ],
)
def test_dast10_counts_item_3_when_the_answer_is_no(case, raw_answers, total, band):
    result = instruments.score("dast10", raw_answers)
    assert (result.total, result.band) == (total, band), case


def test_dast10_keeps_the_patients_own_answers():
    raw = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert list(instruments.score("dast10", raw).answers.values()) == raw


# CADSS-6 (CLINICAL.md A7; bands are ketacare clinic defaults) ---------------------------


def test_cadss6_total_is_the_sum_of_its_six_items():
    assert instruments.score("cadss6", [0, 1, 2, 3, 4, 0]).total == 10


@pytest.mark.parametrize(
    ("settings", "field", "allowed"),
    [
        ({"mild_from": 0}, "mild_from", "1-22"),
        ({"mild_from": True}, "mild_from", "1-22"),
        ({"mild_from": 9}, "moderate_from", "10-23"),
        ({"moderate_from": 17}, "severe_from", "18-24"),
        ({"severe_from": 25}, "severe_from", "10-24"),
        ({"moderate_from": 8.5}, "moderate_from", "2-23"),
    ],
)
def test_cadss6_bands_must_rise_in_order_within_0_to_24(settings, field, allowed):
    with pytest.raises(ValueError, match=rf"cadss6: {field} must be a whole number {allowed}"):
        cadss6.Cadss6Rules(**settings)
