"""The sources a finding cites, by name: what a clinician reads instead of a section.

Code cites CLINICAL.md by section ("CLINICAL.md G4"); the stored `source` of a finding,
an alert or a setting keeps that (tests and the audit read it). The pages name the
published sources of each section instead, as CLINICAL.md names them; where a section
has no published number the default is the clinic's own, and the name says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

CLINIC_CHOICE = "clinic's choice"

# Each section of CLINICAL.md, by the sources it names (never a source it does not).
SECTION_NAMES: Mapping[str, str] = {
    "A1": "Kroenke 2001 (PHQ-9)",
    "A2": "Kroenke 2003 (PHQ-2)",
    "A3": "Spitzer 2006 (GAD-7)",
    "A4": "Blevins 2015 (PCL-5)",
    "A5": "Rush 2003 (QIDS-SR16)",
    "A6": "MADRS (Snaith bands)",
    "A7": "Rodrigues 2021 (CADSS-6)",
    "A8": "Columbia C-SSRS screener",
    "A9": "AUDIT-C",
    "A10": "DAST-10",
    "A11": "Response and remission definitions; Lowe 2004",
    "B": "Kamp 2020; Chong 2009; Yanagihara 2003",
    "C": "Andrade 2019; Spravato label; ASA guidance",
    "D": "Spravato label; at-home program criteria",
    "E": "LOINC; SNOMED CT",
    "F": "Hull 2022",
    "G1": f"Spravato label; {CLINIC_CHOICE}",
    "G2": f"Spravato label; {CLINIC_CHOICE}",
    "G3": f"Kroenke 2001 (PHQ-9); Columbia C-SSRS screener; {CLINIC_CHOICE}",
    "G4": "Spravato label (REMS)",
    "G5": f"Lapidus 2014; Hull 2022; {CLINIC_CHOICE}",
    "G6": "ACC/AHA 2017 guideline; Spravato label",
    "G7": f"Spravato label; {CLINIC_CHOICE}",
    "G8": "21 CFR 1306.22",
    "G9": "Hull 2022; Toussaint 2020",
    "G10": f"Spravato label; {CLINIC_CHOICE}",
    "G11": "Ketalar label",
}

# "CLINICAL.md D, G6, G7": the document's name and its sections, one or more.
_CITATION = re.compile(r"CLINICAL\.md ((?:[A-G]\d{0,2})(?:, ?[A-G]\d{0,2})*)")


def _names(sections: str) -> str:
    names: list[str] = []
    for section in (part.strip() for part in sections.split(",")):
        for name in SECTION_NAMES.get(section, section).split("; "):
            if name not in names:
                names.append(name)
    return "; ".join(names)


def cite(source: str) -> str:
    """`source` with each CLINICAL.md section named by its sources; other words as they are.

    "CLINICAL.md G4" -> "Spravato label (REMS)"; "treatment plan (CLINICAL.md C)" ->
    "treatment plan (Andrade 2019; Spravato label; ASA guidance)".
    """
    return _CITATION.sub(lambda match: _names(match.group(1)), source)
