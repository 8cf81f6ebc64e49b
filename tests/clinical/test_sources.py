"""Staff pages cite sources by name, not by a section of CLINICAL.md."""

from __future__ import annotations

import pytest

from ketacare.clinical.sources import SECTION_NAMES, cite


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("CLINICAL.md A1", "Kroenke 2001 (PHQ-9)"),
        ("CLINICAL.md A8", "Columbia C-SSRS screener"),
        ("CLINICAL.md G4", "Spravato label (REMS)"),
        ("CLINICAL.md G6", "ACC/AHA 2017 guideline; Spravato label"),
        ("CLINICAL.md G8", "21 CFR 1306.22"),
        ("CLINICAL.md G9", "Hull 2022; Toussaint 2020"),
        # Several sections: each name once, in order.
        (
            "CLINICAL.md D, G4",
            "Spravato label; at-home program criteria; Spravato label (REMS)",
        ),
        ("CLINICAL.md A8, G3", "Columbia C-SSRS screener; Kroenke 2001 (PHQ-9); clinic's choice"),
        # Inside other words, only the citation changes.
        (
            "treatment plan (CLINICAL.md C)",
            "treatment plan (Andrade 2019; Spravato label; ASA guidance)",
        ),
        ("ketacare questionnaire schedule", "ketacare questionnaire schedule"),
        ("", ""),
    ],
)
def test_a_section_is_cited_by_its_sources_names(source: str, named: str) -> None:
    assert cite(source) == named


def test_a_section_without_a_name_is_kept_as_written() -> None:
    assert cite("CLINICAL.md G99") == "G99"


def test_no_name_cites_the_document_itself() -> None:
    assert all("CLINICAL.md" not in name for name in SECTION_NAMES.values())
    for section in SECTION_NAMES:
        assert "CLINICAL.md" not in cite(f"CLINICAL.md {section}")
