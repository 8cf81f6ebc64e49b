"""The intake schema: documented fields, partial checks, conversion to IntakeFacts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from ketacare.clinical.eligibility import (
    Dast10Band,
    DisorderStatus,
    Hypertension,
    MedicationClass,
    TrialOutcome,
)
from ketacare.clinical.instruments import auditc
from ketacare.intake.answers import IntakeData, baseline_questionnaires
from ketacare.intake.facts import to_facts
from ketacare.intake.specs import check_draft, check_submission
from tests.intake.conftest import COMPLETE, complete


def _properties(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    models = [("IntakeData", schema), *schema.get("$defs", {}).items()]
    return [
        (model, name, prop)
        for model, definition in models
        for name, prop in definition.get("properties", {}).items()
    ]


def test_every_field_is_documented():
    schema = IntakeData.model_json_schema()
    undocumented = [
        f"{model}.{name}"
        for model, name, prop in _properties(schema)
        if not prop.get("description")
    ]
    assert undocumented == []
    assert len(_properties(schema)) > 40


@pytest.mark.parametrize("data", [{}, COMPLETE, {"demographics": {"weight_kg": Decimal("70.5")}}])
def test_a_draft_may_be_incomplete(data):
    check_draft(data)


@pytest.mark.parametrize(
    "check", [check_draft, lambda d: check_submission(d, indication="trd", sex_at_birth="male")]
)
def test_an_intake_is_an_object_of_sections(check):
    with pytest.raises(ValidationError) as err:
        check(["not", "sections"])
    assert set(err.value.message_dict) == {"data"}


def test_a_draft_takes_python_dates():
    check_draft({"demographics": {"date_of_birth": dt.date(1985, 6, 15)}})
    with pytest.raises(ValidationError) as err:
        check_draft({"demographics": {"date_of_birth": dt.datetime(1985, 6, 15, tzinfo=dt.UTC)}})
    assert set(err.value.message_dict) == {"demographics.date_of_birth"}


def test_null_is_an_unanswered_question():
    check_draft({"home": {"sitter_available": None}, "home_vitals": None})
    with pytest.raises(ValidationError) as err:
        check_submission(
            complete(home__sitter_available=None), indication="trd", sex_at_birth="female"
        )
    assert err.value.message_dict == {"home.sitter_available": ["This field is required."]}


def test_phq9_item_10_is_optional_but_checked():
    check_submission(
        complete(questionnaires__phq9=[0] * 9 + [3]), indication="trd", sex_at_birth="male"
    )
    with pytest.raises(ValidationError) as err:
        check_draft({"questionnaires": {"phq9": [0] * 9 + [4]}})
    assert set(err.value.message_dict) == {"questionnaires.phq9.9"}


def test_auditc_cut_off_follows_the_record_and_is_lower_when_unknown():
    assert auditc.cutoff_sex("male") == "male"
    assert [auditc.cutoff_sex(s) for s in ("female", "intersex", "unknown")] == ["female"] * 3


def test_baseline_questionnaires_number_the_answered_items():
    answers = check_submission(complete(), indication="trd", sex_at_birth="intersex")
    found = {
        code: (numbered, context)
        for code, numbered, context in baseline_questionnaires(answers, sex_at_birth="intersex")
    }
    assert set(found) == {"phq9", "gad7", "cssrs_screen", "auditc", "dast10"}
    assert found["auditc"] == ({1: 1, 2: 0, 3: 0}, {"sex": "female"})
    assert found["phq9"][1] == {}


def test_to_facts_reads_every_answer():
    data = complete(
        current_medications=[
            {"name": "lorazepam", "classes": ["benzodiazepine"]},
            {"name": "methylphenidate", "classes": ["stimulant"]},
            {"name": "clonazepam", "classes": ["benzodiazepine"]},
        ],
        medical_history__hypertension="controlled",
        psychiatric_history__ketamine_use_disorder="history",
        questionnaires__auditc=[2, 1, 0],
        questionnaires__dast10=[1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
    )
    answers = check_submission(data, indication="trd", sex_at_birth="female")
    facts = to_facts(answers, assessed_on=dt.date(2025, 3, 10), sex_at_birth="female")
    assert facts.date_of_birth == dt.date(1985, 6, 15)
    assert facts.current_medications == frozenset(
        {MedicationClass.BENZODIAZEPINE, MedicationClass.STIMULANT}
    )
    assert facts.hypertension is Hypertension.CONTROLLED
    assert facts.ketamine_use_disorder is DisorderStatus.HISTORY
    assert [(t.drug, t.duration_weeks, t.outcome) for t in facts.antidepressant_trials] == [
        ("sertraline", 8.0, TrialOutcome.FAILED),
        ("venlafaxine", 10.5, TrialOutcome.FAILED),
    ]
    assert facts.audit_c_positive is True  # 3 >= 3 for women (CLINICAL.md A9)
    assert facts.dast10_band is Dast10Band.LOW  # yes, yes, "can always stop": 2
    assert (facts.blood_pressure.systolic_mmhg, facts.blood_pressure.diastolic_mmhg) == (122, 78)
    assert facts.maudsley is None
    male = to_facts(answers, assessed_on=dt.date(2025, 3, 10), sex_at_birth="male")
    assert male.audit_c_positive is False  # 3 < 4 for men
