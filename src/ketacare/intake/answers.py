"""The answers an intake holds: its sections, as pydantic models (intake.facts reads them).

`IntakeData` is a complete intake; a draft is the same shape with any part missing
(`ketacare.intake.specs` checks both and carries them to the use cases).

The medicine (scores, bands, flags, eligibility rules) stays in `ketacare.clinical`; this
module only reads the instrument definitions and calls the scorers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

import pydantic
from django.core.exceptions import ValidationError
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic import model_validator as pydantic_model_validator

from ketacare.clinical import plausible
from ketacare.clinical.eligibility import (
    DisorderStatus,
    Hypertension,
    MedicationClass,
    TrialOutcome,
)
from ketacare.clinical.instruments import auditc
from ketacare.clinical.vitals import BloodPressure, HeartRate, check_diastolic, check_systolic
from ketacare.patients.models import WEIGHT_MAX_KG, WEIGHT_MIN_KG, Patient

# The baseline questionnaires of the intake, by instrument code (CLINICAL.md A).
INSTRUMENTS = ("phq9", "gad7", "cssrs_screen", "auditc", "dast10", "pcl5")
# The PCL-5 is the baseline only when the patient is treated for PTSD (CLINICAL.md A4).
PTSD_ONLY = frozenset({"pcl5"})

# Scores the clinic's clinicians rate, never the patient (issue 14), by their path in an
# intake, with the words an intake that still gives one is refused in (intake.specs).
# `intake.services.rate_intake` records them at the eligibility review.
STAFF_RATED: Mapping[str, str] = {
    "maudsley": "The Maudsley staging is rated by the clinic's clinicians at the "
    "eligibility review, not entered in the intake.",
    "questionnaires.madrs": "The MADRS is rated by the clinic's clinicians at the "
    "eligibility review, not answered in the intake.",
}
# Intakes saved before that change may hold a "maudsley" section the patient entered.
# It is kept as stored (a submitted intake is a record) but never read again: every
# reader of stored answers goes through `patient_answers`, so such a draft can still be
# completed and submitted, and its Maudsley stage comes from the staff's rating only.
LEGACY_SECTIONS = frozenset({"maudsley"})


def _date_only(value: object) -> object:
    # A datetime or a number would be coerced to a date by pydantic; a calendar date
    # is either a date or its ISO text ("1985-06-15").
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date | str):
        raise ValueError("Give a calendar date as YYYY-MM-DD.")  # noqa: TRY004 - see _not_a_bool
    return value


def _not_a_bool(value: object) -> object:
    if isinstance(value, bool):
        # pydantic turns a ValueError (not a TypeError) into a field error.
        raise ValueError("Give a number, not true or false.")  # noqa: TRY004
    return value


StrictBool = Annotated[bool, pydantic.Strict()]
StrictInt = Annotated[int, pydantic.Strict()]
Text = Annotated[str, pydantic.Strict(), pydantic.StringConstraints(strip_whitespace=True)]
Name = Annotated[
    str, pydantic.Strict(), pydantic.StringConstraints(strip_whitespace=True, min_length=1)
]
CalendarDate = Annotated[dt.date, BeforeValidator(_date_only)]


def _dose_with_amount(value: str) -> str:
    # "lots" is not a dose: the reviewer needs the amount (clinical.plausible).
    if value and not plausible.has_amount(value):
        raise ValueError("Write the dose with its amount, for example 150 mg.")
    return value


def _plausible_weeks(value: float) -> float:
    # A trial longer than a lifetime is a typing error (the 1e+23 weeks).
    weeks = plausible.TRIAL_WEEKS
    if weeks.impossible(value):
        raise ValueError(f"Give the number of weeks, from {weeks.low:g} to {weeks.high:g}.")
    return value


DoseText = Annotated[Name, AfterValidator(_dose_with_amount)]
OptionalDoseText = Annotated[Text, AfterValidator(_dose_with_amount)]
TrialWeeks = Annotated[
    float,
    BeforeValidator(_not_a_bool),
    pydantic.Strict(),
    Field(allow_inf_nan=False),
    AfterValidator(_plausible_weeks),
]


class _Section(BaseModel):
    # Unknown keys are refused (a typo must not silently drop an answer).
    model_config = ConfigDict(extra="forbid")


def _patient_field_check(name: str, value: Any) -> Any:
    """Check a demographic value with the validators of the Patient model's field."""
    try:
        # get_field() is typed as a field or a relation; these names are plain fields.
        Patient._meta.get_field(name).clean(value, None)  # type: ignore[union-attr]
    except ValidationError as error:
        codes = {e.code for e in error.error_list}
        if name == "weight_kg" and codes & {"min_value", "max_value"}:
            # Django's "Ensure this value is ..." in the patient's words.
            raise ValueError(
                f"Give your weight in kilograms, from {WEIGHT_MIN_KG} to {WEIGHT_MAX_KG}."
            ) from None
        raise ValueError(" ".join(error.messages)) from None
    return value


class Demographics(_Section):
    """Date of birth and weight; a clinician's review applies them to the patient record.

    Sex at birth is not asked again: the clinic's record holds it (and the AUDIT-C
    cut-off follows it, as `assessments` scores it).
    """

    date_of_birth: CalendarDate = Field(description="Date of birth, YYYY-MM-DD.")
    weight_kg: Annotated[Decimal, BeforeValidator(_not_a_bool)] = Field(
        description="Body weight in kilograms, at most one decimal place "
        f"({WEIGHT_MIN_KG}-{WEIGHT_MAX_KG})."
    )

    @field_validator("date_of_birth", "weight_kg")
    @classmethod
    def _as_the_patient_record_checks(cls, value: Any, info: pydantic.ValidationInfo) -> Any:
        return _patient_field_check(str(info.field_name), value)


class MedicalHistory(_Section):
    """The medical checklist: each question answered yes (true) or no (false)."""

    pregnant: StrictBool = Field(description="Pregnant now.")
    breastfeeding: StrictBool = Field(description="Breastfeeding now.")
    hypertension: Hypertension = Field(
        description="High blood pressure diagnosed: none, controlled or uncontrolled."
    )
    aneurysmal_vascular_disease_or_avm: StrictBool = Field(
        description="Aneurysm (brain, chest, abdomen or elsewhere) or arteriovenous malformation."
    )
    intracerebral_haemorrhage_history: StrictBool = Field(
        description="Ever had bleeding in the brain."
    )
    ketamine_hypersensitivity: StrictBool = Field(
        description="Ever had an allergic reaction to ketamine."
    )
    unstable_cardiac_disease: StrictBool = Field(
        description="Heart disease that is not stable (e.g. recent heart attack, angina at rest)."
    )
    unstable_respiratory_disease: StrictBool = Field(
        description="Lung or breathing disease that is not stable."
    )
    severe_hepatic_disease: StrictBool = Field(description="Severe liver disease.")
    raised_intraocular_pressure: StrictBool = Field(
        description="Raised pressure in the eye (e.g. glaucoma)."
    )
    raised_intracranial_pressure: StrictBool = Field(
        description="Raised pressure inside the skull."
    )


class PsychiatricHistory(_Section):
    """Psychiatric and substance-use history."""

    psychotic_disorder: StrictBool = Field(
        description="Ever diagnosed with a psychotic disorder (e.g. schizophrenia)."
    )
    current_mania: StrictBool = Field(description="A manic or hypomanic episode now.")
    bipolar_disorder: StrictBool = Field(description="Ever diagnosed with bipolar disorder.")
    ketamine_use_disorder: DisorderStatus = Field(
        description="Ketamine use disorder: none, history (past) or active (now)."
    )
    other_substance_use_disorder: DisorderStatus = Field(
        description="Other substance use disorder (alcohol, drugs): none, history or active."
    )


class AntidepressantTrialAnswer(_Section):
    """One antidepressant the patient has taken for depression."""

    drug: Name = Field(description="The antidepressant's name, e.g. sertraline.")
    dose: DoseText = Field(description="The highest daily dose taken, as text, e.g. '150 mg'.")
    adequate_dose: StrictBool = Field(
        description="Whether that dose was the full dose the prescriber intended."
    )
    duration_weeks: TrialWeeks = Field(description="How many weeks it was taken at that dose.")
    outcome: TrialOutcome = Field(
        description="How it ended: failed, responded, not_tolerated or ongoing."
    )
    in_current_episode: StrictBool = Field(
        description="Whether it was taken during the current episode of depression."
    )


class CurrentMedication(_Section):
    """One medication the patient takes now."""

    name: Name = Field(description="The medication's name.")
    dose: OptionalDoseText = Field("", description="Dose and how often, as text (optional).")
    classes: list[MedicationClass] = Field(
        default_factory=list,
        description=(
            "Which of these classes it belongs to, if any: benzodiazepine, "
            "other_cns_depressant, stimulant, maoi (empty for none)."
        ),
    )


Answers = list[StrictInt | None]
_ANSWERS = (
    "Answers in item order (item 1 first), each the value of the chosen option as the "
    "instrument defines it; null for an item not answered yet."
)


class Questionnaires(_Section):
    """The baseline questionnaires (scored with `ketacare.clinical.instruments`)."""

    phq9: Answers = Field(description=f"PHQ-9 (9 items; item 10 optional). {_ANSWERS}")
    gad7: Answers = Field(description=f"GAD-7 (7 items). {_ANSWERS}")
    cssrs_screen: Answers = Field(
        description=f"C-SSRS screener (7 yes=1/no=0 items: Q1-Q5, Q6 ever, Q6 in 3 months). "
        f"{_ANSWERS}"
    )
    auditc: Answers = Field(description=f"AUDIT-C (3 items). {_ANSWERS}")
    dast10: Answers = Field(description=f"DAST-10 (10 yes=1/no=0 items). {_ANSWERS}")
    pcl5: Answers | None = Field(
        None, description=f"PCL-5 (20 items), required when the indication is PTSD. {_ANSWERS}"
    )


class HomeVitals(_Section):
    """A blood pressure and heart rate measured at home, seated and at rest."""

    systolic_mmhg: StrictInt = Field(description="Systolic blood pressure, mmHg.")
    diastolic_mmhg: StrictInt = Field(description="Diastolic blood pressure, mmHg.")
    heart_rate_bpm: StrictInt = Field(description="Heart rate, beats per minute.")

    @field_validator("systolic_mmhg", "diastolic_mmhg", "heart_rate_bpm")
    @classmethod
    def _each_plausible(cls, value: int, info: pydantic.ValidationInfo) -> int:
        # Each number alone, so that a draft holding part of the section is checked too.
        {
            "systolic_mmhg": check_systolic,
            "diastolic_mmhg": check_diastolic,
            "heart_rate_bpm": HeartRate,
        }[str(info.field_name)](value)
        return value

    @pydantic_model_validator(mode="after")
    def _plausible(self) -> HomeVitals:
        # The plausibility checks of the clinical core (ValueError naming the number).
        BloodPressure(self.systolic_mmhg, self.diastolic_mmhg)
        HeartRate(self.heart_rate_bpm)
        return self


class HomeAnswers(_Section):
    """What the at-home program needs at home (CLINICAL.md C, D)."""

    sitter_available: StrictBool = Field(
        description="An adult who will stay, sober, after every dose for the clinic's sitter "
        "stay: at least 2 hours (CLINICAL.md D), longer where the clinic observes longer."
    )
    secure_storage: StrictBool = Field(
        description="A place to keep the medicine locked away between sessions."
    )
    agrees_not_to_drive: StrictBool = Field(
        description="Agrees not to drive after a dose until the next day, after sleep."
    )


class IntakeData(_Section):
    """A complete intake, as a patient (or a coordinator for them) submits it.

    Only what the patient answers: the scores the clinic's staff rate (STAFF_RATED) are
    not part of it.
    """

    demographics: Demographics = Field(description="Date of birth and weight.")
    medical_history: MedicalHistory = Field(description="The medical checklist.")
    psychiatric_history: PsychiatricHistory = Field(
        description="Psychosis, mania, bipolar disorder, substance use disorders."
    )
    trials: list[AntidepressantTrialAnswer] = Field(
        description="Every antidepressant trial (empty if none was ever taken)."
    )
    current_medications: list[CurrentMedication] = Field(
        description="Every medication taken now (empty if none)."
    )
    questionnaires: Questionnaires = Field(description="The baseline questionnaires.")
    home_vitals: HomeVitals = Field(description="Blood pressure and heart rate at home.")
    home: HomeAnswers = Field(description="Sitter, secure storage, no driving.")


def patient_answers(data: Any) -> Any:
    """Stored answers without the legacy sections the patient may no longer give."""
    if not isinstance(data, Mapping):
        return data
    return {k: v for k, v in data.items() if k not in LEGACY_SECTIONS}


# --- the questionnaires given ---------------------------------------------------------


def baseline_questionnaires(
    intake: IntakeData, *, sex_at_birth: str
) -> list[tuple[str, dict[int, int], dict[str, Any]]]:
    """(instrument, {item number: value}, scoring context) for each questionnaire given.

    `sex_at_birth` is the patient record's: the AUDIT-C cut-off follows it.
    """
    result = []
    for code in INSTRUMENTS:
        answers: Answers | None = getattr(intake.questionnaires, code)
        if answers is None:
            continue
        numbered = {n: v for n, v in enumerate(answers, start=1) if v is not None}
        context = {"sex": auditc.cutoff_sex(sex_at_birth)} if code == "auditc" else {}
        result.append((code, numbered, context))
    return result
