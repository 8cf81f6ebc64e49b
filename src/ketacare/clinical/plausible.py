"""What an entered value may plausibly be, in one place: refuse the impossible, note the unusual.

These are checks against typing errors and made-up entries, not clinical thresholds;
CLINICAL.md gives no number for them, so each is ketacare's choice (listed in
docs/clinical-defaults.md). The faces and the services read them from here, so a form,
the API and a command refuse alike and in the patient's words.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Plausible:
    """A number's possible range, and above which it is unusual enough to check."""

    low: float
    high: float
    unusual_above: float

    def impossible(self, value: float) -> bool:
        return not self.low <= value <= self.high

    def unusual(self, value: float) -> bool:
        return value > self.unusual_above


# Weeks on one antidepressant at one dose: a lifetime at most (100 years); more than 10
# years is unusual enough for the reviewing clinician to check with the patient.
TRIAL_WEEKS = Plausible(low=0, high=100 * 52, unusual_above=10 * 52)
# A plan's first day: not before today, and at most about 6 months ahead (a later one is
# most likely a mistyped year).
PLAN_START_MAX_DAYS_AHEAD = 183

_DIGIT = re.compile(r"\d")


def has_amount(text: str) -> bool:
    """Whether a dose written as text gives a number ("150 mg", "0.5mg at night")."""
    return bool(_DIGIT.search(text))


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years of age on `day` (a birthday on 29 February counts on 1 March)."""
    years = day.year - born.year
    return years - 1 if (day.month, day.day) < (born.month, born.day) else years


def plan_start_problem(first_day: dt.date, today: dt.date) -> str:
    """Why a plan cannot start on `first_day`, in the prescriber's words ("" if it can)."""
    if first_day < today:
        return "The first day is in the past: choose today or a later day."
    if (first_day - today).days > PLAN_START_MAX_DAYS_AHEAD:
        return "The first day is more than 6 months ahead: check the year."
    return ""


def same_name(a: str, b: str) -> bool:
    """The same name, whatever the case, accents' composition and spacing."""
    return _folded(a) == _folded(b)


def _folded(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())
