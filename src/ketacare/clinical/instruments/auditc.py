"""AUDIT-C, the three alcohol-consumption questions of the AUDIT (public domain). CLINICAL.md A9.

The positive cut-off depends on sex, so `score()` needs `sex="female"` or `sex="male"`;
`cutoff_sex` decides which from the patient's record (one policy for every face).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ketacare.clinical.instruments.base import (
    POSITIVE_SCREEN,
    Band,
    Instrument,
    InvalidAnswers,
    Item,
    Score,
    band_for,
    check_setting,
    choices,
    make_score,
    normalise,
)

MAX_TOTAL = 12  # CLINICAL.md A9: three items 0-4
SEXES = ("female", "male")


@dataclass(frozen=True)
class AuditCRules:
    """Clinic-overridable AUDIT-C positive-screen cut-offs by sex (CLINICAL.md A9)."""

    positive_from_female: int = 3  # CLINICAL.md A9: >= 3 for women
    positive_from_male: int = 4  # CLINICAL.md A9: >= 4 for men

    def __post_init__(self) -> None:
        allowed = range(1, MAX_TOTAL + 1)
        check_setting("auditc", "positive_from_female", self.positive_from_female, allowed)
        check_setting("auditc", "positive_from_male", self.positive_from_male, allowed)


DEFAULT_RULES = AuditCRules()

# Public-domain wording (WHO AUDIT questions 1-3) with the values 0-4 of CLINICAL.md A9.
_ITEMS = (
    Item(
        number=1,
        text="How often do you have a drink containing alcohol?",
        choices=choices(
            "Never",
            "Monthly or less",
            "2 to 4 times a month",
            "2 to 3 times a week",
            "4 or more times a week",
        ),
    ),
    Item(
        number=2,
        text="How many drinks containing alcohol do you have on a typical day when you are "
        "drinking?",
        choices=choices("1 or 2", "3 or 4", "5 or 6", "7 to 9", "10 or more"),
    ),
    Item(
        number=3,
        text="How often do you have six or more drinks on one occasion?",
        choices=choices("Never", "Less than monthly", "Monthly", "Weekly", "Daily or almost daily"),
    ),
)


def bands(sex: str, rules: AuditCRules = DEFAULT_RULES) -> tuple[Band, ...]:
    """The AUDIT-C bands for a patient of `sex` ("female" or "male") under `rules`."""
    female = _checked_sex(sex) == "female"
    cutoff = rules.positive_from_female if female else rules.positive_from_male
    return (Band("negative", 0, cutoff - 1), Band("positive", cutoff, MAX_TOTAL))


def _checked_sex(sex: object) -> str:
    allowed = ", ".join(SEXES)
    if sex is None:
        raise InvalidAnswers(
            f"auditc: sex is required (the cut-off differs by sex); allowed values are {allowed}."
        )
    if not isinstance(sex, str) or sex not in SEXES:
        raise InvalidAnswers(f"auditc: sex is {sex!r}; allowed values are {allowed}.")
    return sex


def cutoff_sex(sex_at_birth: str | None, stated: object = None) -> str:
    """Whose cut-off applies to a patient whose record gives `sex_at_birth`.

    CLINICAL.md A9 gives one cut-off for women and one for men. A record of female or
    male decides, and a `stated` sex must agree with it. Otherwise (intersex, not
    recorded) a stated "female" or "male" is used, and with none the women's (lower)
    cut-off: ketacare's choice (docs/clinical-defaults.md), so that a borderline screen
    reaches the reviewing clinician rather than passing unseen.
    """
    if stated is not None:
        _checked_sex(stated)
    if sex_at_birth in SEXES:
        if stated is not None and stated != sex_at_birth:
            raise InvalidAnswers(
                f"The patient's record gives sex at birth {sex_at_birth}, which AUDIT-C uses; "
                f"{stated!r} contradicts it. Leave it out or correct the record."
            )
        return str(sex_at_birth)
    return "female" if stated is None else str(stated)


INSTRUMENT = Instrument(
    code="auditc",
    title="AUDIT-C alcohol screen",
    # The AUDIT's stated window (CLINICAL.md A9 does not state one).
    recall_period="the past year",
    items=_ITEMS,
    # A definition holds one set of bands: these are for women, the lower cut-off
    # (CLINICAL.md A9). score() applies the cut-off for the patient's sex.
    bands=bands("female"),
    max_total=MAX_TOTAL,
    loinc_total="75626-2",  # CLINICAL.md A9
    source="CLINICAL.md A9",
)


def score(
    answers: Sequence[int] | Mapping[int, int],
    *,
    sex: str | None = None,
    rules: AuditCRules = DEFAULT_RULES,
) -> Score:
    """Score an AUDIT-C: the total of the three items, positive at the cut-off for `sex`."""
    sex_bands = bands(_checked_sex(sex), rules)  # the cut-off depends on sex
    given = normalise(INSTRUMENT, answers)
    total = sum(given.values())
    band = band_for(replace(INSTRUMENT, bands=sex_bands), total)
    flags = frozenset({POSITIVE_SCREEN}) if band == "positive" else frozenset()
    return make_score(INSTRUMENT, given, total, band=band, flags=flags)
