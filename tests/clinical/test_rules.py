"""The settings a clinic may change: defaults, ranges, and the rules they make."""

from __future__ import annotations

import math
from datetime import timedelta
from operator import attrgetter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical import dosing, eligibility, outcomes, safety
from ketacare.clinical.rules import (
    BY_NAME,
    DEFAULT,
    SETTINGS,
    InvalidClinicSetting,
    checked,
    rules_for,
)

HOUR = timedelta(hours=1)
SIXTY = timedelta(hours=60)


def test_the_defaults_are_the_clinical_cores_defaults() -> None:
    assert DEFAULT.changed() == {}
    assert DEFAULT.safety == safety.DEFAULT_RULES
    assert DEFAULT.dosing.sublingual_oral_caps == dosing.DEFAULT_RULES.sublingual_oral_caps
    assert DEFAULT.dosing.intranasal_racemic_caps == dosing.DEFAULT_RULES.intranasal_racemic_caps
    assert DEFAULT.dosing.first_session_share_of_cap == 0.5  # CLINICAL.md G5
    assert DEFAULT.dosing.max_increase_per_revision == 0.5  # CLINICAL.md G5
    assert DEFAULT.dosing.safety_rules == DEFAULT.safety


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("min_hours_between_doses", 72),  # CLINICAL.md G1
        ("checklist_valid_minutes", 60),  # G2
        ("bp_remeasure_wait_minutes", 15),  # G2
        ("bp_tries_per_day", 3),  # G2
        ("post_dose_bp_minutes", 40),  # D
        ("observation_minutes", 120),  # D
        ("check_in_window_minutes", 30),
        ("sublingual_oral_max_mg", 300),  # C
        ("intranasal_max_mg", 50),  # G5
        ("first_session_percent_of_cap", 50),  # G5
        ("max_increase_percent", 50),  # G5
        ("prescription_margin_sessions", 0),
        ("pdmp_check_window_days", 30),  # clinic's choice (issue 17)
        ("hold_fill_until_checked_in", 1),  # clinic's choice (issue 17): fail closed
        ("hold_fill_until_questionnaires_done", 1),
        ("hold_fill_while_urgent_alert", 1),
        ("hold_fill_until_count_reconciled", 1),
    ],
)
def test_each_default_is_the_published_number_or_the_documented_choice(
    name: str, value: float
) -> None:
    assert BY_NAME[name].default == value


def test_every_setting_says_where_its_default_comes_from_and_has_a_range() -> None:
    for setting in SETTINGS:
        assert setting.source
        assert setting.least <= setting.default <= setting.most
        assert setting.title
        assert setting.unit
        assert ("clinic's choice" in setting.source) <= setting.clinics_choice


@pytest.mark.parametrize(
    ("changes", "path", "expected"),
    [
        ({"min_hours_between_doses": 48}, "safety.min_interval_between_doses", timedelta(hours=48)),
        (
            {"min_hours_between_doses": 60},
            "dosing.intranasal_racemic_caps.min_interval",
            SIXTY,
        ),
        ({"checklist_valid_minutes": 30}, "safety.checklist_valid_for", timedelta(minutes=30)),
        ({"bp_remeasure_wait_minutes": 20}, "safety.bp_remeasure_wait", timedelta(minutes=20)),
        ({"bp_tries_per_day": 2}, "safety.bp_tries_per_day", 2),
        ({"sitter_confirmation_valid_minutes": 60}, "safety.sitter_confirmation_valid_for", HOUR),
        ({"post_dose_bp_minutes": 45}, "safety.post_dose_bp_due", timedelta(minutes=45)),
        ({"post_dose_bp_grace_minutes": 10}, "safety.post_dose_bp_grace", timedelta(minutes=10)),
        ({"observation_minutes": 180}, "safety.check_in_deadline", timedelta(hours=3, minutes=30)),
        ({"observation_minutes": 180}, "safety.sitter_stay", timedelta(hours=3)),
        ({"check_in_window_minutes": 60}, "safety.check_in_deadline", timedelta(hours=3)),
        ({"sublingual_oral_max_mg": 450}, "dosing.sublingual_oral_caps.max_mg_per_7_days", 900),
        ({"intranasal_max_mg": 80}, "dosing.intranasal_racemic_caps.max_mg_per_session", 80),
        ({"first_session_percent_of_cap": 100}, "dosing.first_session_share_of_cap", 1.0),
        ({"max_increase_percent": 25}, "dosing.max_increase_per_revision", 0.25),
        ({"prescription_margin_sessions": 2}, "dosing.prescription_margin_sessions", 2),
    ],
)
def test_each_setting_changes_the_rule_it_names(
    changes: dict[str, Any], path: str, expected: Any
) -> None:
    clinic = rules_for(changes)
    assert attrgetter(path)(clinic) == expected
    assert clinic.changed() == changes


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"min_hours_between_doses": 24}, "outside what a clinic may choose, 48-72 hours"),
        # Longer than the twice-weekly schedule's 3-day gap would refuse every course.
        ({"min_hours_between_doses": 96}, "48-72 hours"),
        ({"observation_minutes": 60}, "120-480 minutes"),  # never under 2 h (D)
        ({"sublingual_oral_max_mg": 600}, "25-450 mg"),  # G5
        ({"bp_tries_per_day": 2.5}, "give a whole number of readings"),
        ({"bp_tries_per_day": True}, "give a whole number"),
        ({"intranasal_max_mg": math.nan}, "give a whole number"),
        ({"intranasal_max_mg": "80"}, "give a whole number"),
        ({"no_limit": 1}, "Unknown setting no_limit"),
    ],
)
def test_a_clinic_cannot_choose_outside_the_range_or_no_limit(
    changes: dict[str, Any], words: str
) -> None:
    with pytest.raises(InvalidClinicSetting, match=words):
        rules_for(changes)


def test_settings_come_as_names_and_numbers() -> None:
    with pytest.raises(InvalidClinicSetting, match="names and numbers"):
        checked([("bp_tries_per_day", 2)])  # type: ignore[arg-type]
    assert checked({"bp_tries_per_day": 2.0}) == {"bp_tries_per_day": 2}


@pytest.mark.parametrize(
    ("name", "old", "new", "looser"),
    [
        ("min_hours_between_doses", 72, 48, True),
        ("min_hours_between_doses", 72, 96, False),
        ("intranasal_max_mg", 50, 80, True),
        ("intranasal_max_mg", 50, 40, False),
        ("observation_minutes", 180, 120, True),
        ("bp_tries_per_day", 3, 3, False),
    ],
)
def test_the_way_a_setting_loosens_is_known(
    name: str, old: float, new: float, looser: bool
) -> None:
    assert BY_NAME[name].loosens(old, new) is looser


def test_a_non_whole_setting_keeps_its_fraction() -> None:
    setting = BY_NAME["intranasal_max_mg"]
    fractional = type(setting)(**{**setting.__dict__, "whole": False})
    assert fractional.allowed(52.5) == 52.5


@given(st.sampled_from(SETTINGS), st.floats(allow_nan=True, allow_infinity=True))
def test_whatever_a_clinic_types_is_either_a_value_in_range_or_refused(
    setting: Any, value: float
) -> None:
    try:
        kept = setting.allowed(value)
    except InvalidClinicSetting:
        return
    assert setting.least <= kept <= setting.most
    rules_for({setting.name: kept})


def test_every_clinic_reads_the_published_eligibility_and_outcome_rules_through_its_rules() -> None:
    clinic = rules_for({"min_hours_between_doses": 48})
    assert clinic.eligibility is eligibility.DEFAULT_RULES
    assert clinic.outcomes is outcomes.DEFAULT_RULES
