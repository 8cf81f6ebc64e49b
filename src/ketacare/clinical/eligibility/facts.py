"""The intake facts an eligibility review reads, and the checks on them.

What intake established about a patient (CLINICAL.md C, D): every contraindication
answered (an unasked question is not a "no"), the antidepressant trials, the home
situation the at-home program needs, screens, the blood pressure and the clinician's
Maudsley domain scores. Nothing is coerced: a plain string is not an enum member, a
datetime is not a calendar date.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import cast

from ketacare.clinical.vitals import BloodPressure


class InvalidIntake(ValueError):
    """Intake facts that cannot be assessed; the message names the field and allowed values."""


class DisorderStatus(StrEnum):
    """Whether a disorder is absent, in the patient's history, or active now."""

    NONE = "none"
    HISTORY = "history"
    ACTIVE = "active"


class Hypertension(StrEnum):
    """The patient's hypertension diagnosis, as the referring clinician records it."""

    NONE = "none"
    CONTROLLED = "controlled"
    UNCONTROLLED = "uncontrolled"


class MedicationClass(StrEnum):
    """Current medication classes that CLINICAL.md D lists as relative contraindications."""

    BENZODIAZEPINE = "benzodiazepine"
    OTHER_CNS_DEPRESSANT = "other_cns_depressant"
    STIMULANT = "stimulant"
    MAOI = "maoi"


class Dast10Band(StrEnum):
    """DAST-10 bands (CLINICAL.md A10), in increasing order."""

    NONE = "none"  # 0
    LOW = "low"  # 1-2
    MODERATE = "moderate"  # 3-5
    SUBSTANTIAL = "substantial"  # 6-8
    SEVERE = "severe"  # 9-10


_DAST10_ORDER = tuple(Dast10Band)


class CssrsRisk(StrEnum):
    """The C-SSRS screener's triage (CLINICAL.md A8), in increasing order."""

    NONE = "none"
    LOW = "low"  # wish to be dead, or thoughts (Q1/Q2) only
    MODERATE = "moderate"  # thoughts with a method, or behaviour more than 3 months ago
    HIGH = "high"  # intent, a plan, or behaviour within 3 months


class TrialOutcome(StrEnum):
    """How an antidepressant trial ended (or that it has not ended)."""

    FAILED = "failed"
    RESPONDED = "responded"
    NOT_TOLERATED = "not_tolerated"
    ONGOING = "ongoing"


# --- input checks ------------------------------------------------------------------


def _check_yes_no(name: str, value: object) -> None:
    if type(value) is not bool:
        raise InvalidIntake(f"{name} must be True or False, not {value!r}.")


def _check_whole_number(name: str, value: object, *, minimum: int) -> None:
    if type(value) is not int or value < minimum:
        raise InvalidIntake(f"{name} must be a whole number >= {minimum}, not {value!r}.")


def _check_weeks(name: str, value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidIntake(f"{name} must be a finite number of weeks >= 0, not {value!r}.")


def _check_member(name: str, value: object, enum: type[StrEnum]) -> None:
    # A plain string equal to a member's value is not the member: nothing is coerced.
    if not isinstance(value, enum):
        allowed = ", ".join(m.value for m in enum)
        raise InvalidIntake(f"{name} must be a {enum.__name__} ({allowed}), not {value!r}.")


def _check_instance(name: str, value: object, kind: type) -> None:
    if not isinstance(value, kind):
        raise InvalidIntake(f"{name} must be a {kind.__name__}, not {value!r}.")


def _check_collection(name: str, value: object, container: type, kind: type) -> None:
    # isinstance(value, container) makes value a tuple or frozenset: iterable.
    if not isinstance(value, container) or not all(
        isinstance(v, kind) for v in cast("Iterable[object]", value)
    ):
        raise InvalidIntake(
            f"{name} must be a {container.__name__} of {kind.__name__}, not {value!r}."
        )


def _check_date(name: str, value: object) -> None:
    # A datetime is a date subclass; naive or aware, it is ambiguous about the calendar
    # day it means, so only a plain date is accepted.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidIntake(f"{name} must be a calendar date (not a datetime), not {value!r}.")


@dataclass(frozen=True, kw_only=True)
class AntidepressantTrial:
    """One antidepressant trial as the patient's history records it."""

    drug: str
    adequate_dose: bool
    duration_weeks: float
    outcome: TrialOutcome
    in_current_episode: bool

    def __post_init__(self) -> None:
        if not isinstance(self.drug, str) or not self.drug.strip():
            raise InvalidIntake(f"drug must be the antidepressant's name, not {self.drug!r}.")
        where = f"antidepressant trial of {self.drug}"
        _check_yes_no(f"{where}: adequate_dose", self.adequate_dose)
        _check_weeks(f"{where}: duration_weeks", self.duration_weeks)
        _check_member(f"{where}: outcome", self.outcome, TrialOutcome)
        _check_yes_no(f"{where}: in_current_episode", self.in_current_episode)


@dataclass(frozen=True, kw_only=True)
class HomeSituation:
    """What the at-home program needs at the patient's home (CLINICAL.md C, D)."""

    # CLINICAL.md C, D: an adult, sober sitter present for every session, >= 2 h after dosing.
    sitter_available: bool
    # ketacare program rule: tablets and sprays kept locked away between sessions. Not a
    # CLINICAL.md number; it serves the "vigilance for diversion" principle of C.
    secure_storage: bool
    # CLINICAL.md D: no driving until the next day after sleep.
    agrees_not_to_drive: bool

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            _check_yes_no(f"home.{field.name}", getattr(self, field.name))


# CLINICAL.md D (Fekadu 2018): domain ranges, lowest to highest; total 3-15. The staff
# rating of an intake offers and checks these (intake.ratings).
MAUDSLEY_RANGES = {"duration": (1, 3), "severity": (1, 5), "treatment_failures": (1, 7)}


@dataclass(frozen=True, kw_only=True)
class MaudsleyDomains:
    """The three Maudsley domain scores as the clinician rated them (Fekadu 2018).

    CLINICAL.md D gives only each domain's range, not how to score it from raw facts
    (episode duration, severity, treatments), so the clinician scores the domains.
    """

    duration: int  # CLINICAL.md D: 1-3
    severity: int  # CLINICAL.md D: 1-5
    treatment_failures: int  # CLINICAL.md D: up to 7 (at least 1, as the total starts at 3)

    def __post_init__(self) -> None:
        for name, (low, high) in MAUDSLEY_RANGES.items():
            value = getattr(self, name)
            if type(value) is not int or not low <= value <= high:
                raise InvalidIntake(
                    f"maudsley.{name} must be a whole number {low}-{high}, not {value!r}."
                )


@dataclass(frozen=True, kw_only=True)
class IntakeFacts:
    """What intake established about a patient, for the eligibility review.

    Every contraindication must be answered (no defaults: an unasked question is not a
    "no"). Screens, the blood pressure and the Maudsley domains are None when not done.
    """

    date_of_birth: date
    assessed_on: date
    home: HomeSituation
    pregnant: bool
    breastfeeding: bool
    psychotic_disorder: bool
    current_mania: bool
    bipolar_disorder: bool
    ketamine_use_disorder: DisorderStatus
    other_substance_use_disorder: DisorderStatus
    aneurysmal_vascular_disease_or_avm: bool
    intracerebral_haemorrhage_history: bool
    ketamine_hypersensitivity: bool
    hypertension: Hypertension
    unstable_cardiac_disease: bool
    unstable_respiratory_disease: bool
    severe_hepatic_disease: bool
    raised_intraocular_pressure: bool
    raised_intracranial_pressure: bool
    current_medications: frozenset[MedicationClass]
    antidepressant_trials: tuple[AntidepressantTrial, ...]
    audit_c_positive: bool | None = None
    dast10_band: Dast10Band | None = None
    cssrs_risk: CssrsRisk | None = None
    blood_pressure: BloodPressure | None = None
    maudsley: MaudsleyDomains | None = None

    def __post_init__(self) -> None:
        age_in_years(self.date_of_birth, self.assessed_on)  # validates both dates
        # Annotations are strings here (postponed evaluation): every yes/no fact is a bool.
        for field in dataclasses.fields(self):
            if field.type == "bool":
                _check_yes_no(field.name, getattr(self, field.name))
        _check_instance("home", self.home, HomeSituation)
        _check_member("ketamine_use_disorder", self.ketamine_use_disorder, DisorderStatus)
        _check_member(
            "other_substance_use_disorder", self.other_substance_use_disorder, DisorderStatus
        )
        _check_member("hypertension", self.hypertension, Hypertension)
        _check_collection(
            "current_medications", self.current_medications, frozenset, MedicationClass
        )
        _check_collection(
            "antidepressant_trials", self.antidepressant_trials, tuple, AntidepressantTrial
        )
        if self.audit_c_positive is not None:
            _check_yes_no("audit_c_positive", self.audit_c_positive)
        if self.dast10_band is not None:
            _check_member("dast10_band", self.dast10_band, Dast10Band)
        if self.cssrs_risk is not None:
            _check_member("cssrs_risk", self.cssrs_risk, CssrsRisk)
        if self.blood_pressure is not None:
            _check_instance("blood_pressure", self.blood_pressure, BloodPressure)
        if self.maudsley is not None:
            _check_instance("maudsley", self.maudsley, MaudsleyDomains)


def age_in_years(date_of_birth: date, assessed_on: date) -> int:
    """Completed years of age on a date; a birthday counts from its first day.

    Someone born on 29 February turns a year older on 1 March in non-leap years.
    """
    _check_date("date_of_birth", date_of_birth)
    _check_date("assessed_on", assessed_on)
    if assessed_on < date_of_birth:
        raise InvalidIntake(
            f"assessed_on {assessed_on.isoformat()} is before "
            f"date_of_birth {date_of_birth.isoformat()}."
        )
    birthday_not_yet = (assessed_on.month, assessed_on.day) < (
        date_of_birth.month,
        date_of_birth.day,
    )
    return assessed_on.year - date_of_birth.year - int(birthday_not_yet)
