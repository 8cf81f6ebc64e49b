"""The law each record cites, by the clinic's jurisdiction (patients.models.Jurisdiction).

A record names its sections and forms from this table only, so another jurisdiction's
records are one row away. The United States row cites 21 CFR (the DEA's regulations).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ketacare.patients.models import Jurisdiction, PatientReturns


@dataclass(frozen=True)
class Law:
    """Where each record's duty is written, and the words the records use for it."""

    authority: str
    registration: str  # the registrant's number, as the records label it
    schedule: str  # the schedule of ketamine and its isomers
    schedule_source: str
    inventory: str
    count_rule: str  # estimated or exact count
    exact_count_above: int  # units in a container above which the count must be exact
    business_hours_rule: str
    destruction_form: str
    destruction: str
    loss_form: str
    loss: str
    loss_deadline: str
    loss_filing: str
    dispensing: str
    prescription: str
    returns: str
    records_kept: str
    paper: str  # the page size of the PDFs


US = Law(
    authority="DEA",
    registration="DEA registration number",
    # Ketamine, its salts, isomers and salts of isomers (esketamine): 21 CFR 1308.13(c)(7).
    schedule="Schedule III",
    schedule_source="21 CFR 1308.13(c)(7)",
    inventory="21 CFR 1304.11",
    # 21 CFR 1304.11(e)(3): Schedule III-V may be an estimated count unless the container
    # holds more than 1,000 tablets or capsules, then an exact count.
    count_rule=(
        "Schedule III may be an estimated count, unless the container holds more than "
        "1,000 units: then an exact count (21 CFR 1304.11(e)(3))."
    ),
    exact_count_above=1000,
    # 21 CFR 1304.11(a): the inventory states whether it was taken at the opening or the
    # close of business.
    business_hours_rule="21 CFR 1304.11(a)",
    destruction_form="DEA Form 41",
    destruction="21 CFR 1304.21(e), 1317.95",
    loss_form="DEA Form 106",
    loss="21 CFR 1301.76(b)",
    loss_deadline=(
        "Notify the DEA Field Division Office in writing within one business day of the "
        "discovery of a theft or significant loss (21 CFR 1301.76(b))."
    ),
    loss_filing="DRAFT: to be filed by the registrant through the DEA's system",
    dispensing="21 CFR 1304.22(c)",
    prescription="21 CFR 1306.05(a)",
    returns="21 CFR 1317",
    # 21 CFR 1304.04(a): every inventory and record kept for at least two years.
    records_kept="Keep this record for at least two years (21 CFR 1304.04(a)).",
    paper="letter",
)

LAWS: Mapping[str, Law] = {Jurisdiction.US: US}

# How the records' header says what the clinic does with a patient's returned units.
RETURNS_WORDS: Mapping[str, str] = {
    PatientReturns.NOT_ACCEPTED: (
        "Patient returns not accepted: patients use an authorised collector"
    ),
    PatientReturns.AUTHORISED_COLLECTOR: (
        "Patient returns accepted for destruction by an authorised collector"
    ),
}


def law_of(jurisdiction: str) -> Law:
    return LAWS[jurisdiction]
