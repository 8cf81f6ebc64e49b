"""Stored records laid out for reading: labels and words, no decisions.

The intake's answers are JSON in the shape of `intake.answers.IntakeData`. The schema's
field descriptions are written for the API (formats, codes, nulls); a clinician reads
the short labels below instead, and a field without one falls back to its description.
Coded answers show their words; the baseline questionnaires show their total and band,
scored with `ketacare.clinical.instruments`, with each item's answer behind them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ketacare.clinical import instruments
from ketacare.clinical.instruments import auditc
from ketacare.clinical.plausible import TRIAL_WEEKS
from ketacare.intake.answers import INSTRUMENTS, IntakeData
from ketacare.treatment.models import UNIT_NOUNS, Product

YES_NO = {True: "Yes", False: "No"}


# The intake's questions as a clinician reads them, by "section.field"; "{sitter_hours}"
# is the patient's clinic's sitter stay (`intake_sections` fills it in).
LABELS: Mapping[str, str] = {
    "demographics": "Date of birth and weight",
    "demographics.date_of_birth": "Date of birth",
    "demographics.weight_kg": "Weight",
    "medical_history": "Medical history",
    "medical_history.pregnant": "Pregnant now",
    "medical_history.breastfeeding": "Breastfeeding now",
    "medical_history.hypertension": "High blood pressure",
    "medical_history.aneurysmal_vascular_disease_or_avm": (
        "Aneurysm or arteriovenous malformation"
    ),
    "medical_history.intracerebral_haemorrhage_history": "Bleeding in the brain, ever",
    "medical_history.ketamine_hypersensitivity": "Allergic reaction to ketamine, ever",
    "medical_history.unstable_cardiac_disease": "Unstable heart disease",
    "medical_history.unstable_respiratory_disease": "Unstable lung or breathing disease",
    "medical_history.severe_hepatic_disease": "Severe liver disease",
    "medical_history.raised_intraocular_pressure": "Raised pressure in the eye",
    "medical_history.raised_intracranial_pressure": "Raised pressure inside the skull",
    "psychiatric_history": "Psychiatric and substance use history",
    "psychiatric_history.psychotic_disorder": "Psychotic disorder, ever",
    "psychiatric_history.current_mania": "Manic or hypomanic episode now",
    "psychiatric_history.bipolar_disorder": "Bipolar disorder, ever",
    "psychiatric_history.ketamine_use_disorder": "Ketamine use disorder",
    "psychiatric_history.other_substance_use_disorder": "Other substance use disorder",
    "trials": "Antidepressant trials",
    "trials.drug": "Antidepressant",
    "trials.dose": "Highest daily dose",
    "trials.adequate_dose": "Full intended dose",
    "trials.duration_weeks": "At that dose for",
    "trials.outcome": "Outcome",
    "trials.in_current_episode": "In this episode",
    "current_medications": "Medicines taken now",
    "current_medications.name": "Medicine",
    "current_medications.dose": "Dose and how often",
    "current_medications.classes": "Classes",
    "questionnaires": "Baseline questionnaires",
    "home_vitals": "Blood pressure and heart rate at home",
    "home_vitals.systolic_mmhg": "Systolic blood pressure",
    "home_vitals.diastolic_mmhg": "Diastolic blood pressure",
    "home_vitals.heart_rate_bpm": "Heart rate",
    "home": "Sitter, secure storage, no driving",
    "home.sitter_available": "Sober adult stays {sitter_hours} hours after every dose",
    "home.secure_storage": "Medicine locked away between sessions",
    "home.agrees_not_to_drive": "Agrees not to drive until the next day, after sleep",
}
# The units a number is read in, by "section.field".
UNITS: Mapping[str, str] = {
    "demographics.weight_kg": "kg",
    "home_vitals.systolic_mmhg": "mmHg",
    "home_vitals.diastolic_mmhg": "mmHg",
    "home_vitals.heart_rate_bpm": "beats per minute",
}
# Coded answers (the enums of clinical.eligibility) as words.
CHOICE_WORDS: Mapping[str, Mapping[str, str]] = {
    "medical_history.hypertension": {
        "none": "No",
        "controlled": "Yes, controlled",
        "uncontrolled": "Yes, uncontrolled",
    },
    "psychiatric_history.ketamine_use_disorder": {
        "none": "No",
        "history": "In the past",
        "active": "Active now",
    },
    "psychiatric_history.other_substance_use_disorder": {
        "none": "No",
        "history": "In the past",
        "active": "Active now",
    },
    "trials.outcome": {
        "failed": "Did not help enough",
        "responded": "Helped",
        "not_tolerated": "Stopped for side effects",
        "ongoing": "Still taking it",
    },
    "current_medications.classes": {
        "benzodiazepine": "Benzodiazepine",
        "other_cns_depressant": "Other sedating medicine (CNS depressant)",
        "stimulant": "Stimulant",
        "maoi": "MAOI",
    },
}


def unit_word(product: Product, quantity: Decimal | float = 2) -> str:
    """The product's own unit for `quantity` of it: "troche", "8 troches" without the 8."""
    singular, plural = UNIT_NOUNS.get(
        product.formulation_kind, (str(product.ledger_unit.label),) * 2
    )
    return singular if quantity == 1 else plural


def amount(product: Product, quantity: Decimal | float) -> str:
    """A quantity in the product's unit: "8 troches", "1 troche", "7.5 troches"."""
    return f"{plain_number(quantity)} {unit_word(product, quantity)}"


def plain_number(value: Decimal | float) -> str:
    """8.0 as "8", 8.50 as "8.5"."""
    return f"{Decimal(str(value)).normalize():f}"


@dataclass(frozen=True)
class QuestionnaireAnswers:
    """One baseline questionnaire of the intake: its score and each item's answer."""

    code: str
    title: str
    total: int | None
    max_total: int
    band: str
    items: list[tuple[int, str, str]] = field(default_factory=list)  # number, text, answer
    problem: str = ""  # why it could not be scored


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)  # label, answer
    headers: list[str] = field(default_factory=list)  # a list of items: a table
    items: list[list[str]] = field(default_factory=list)
    questionnaires: list[QuestionnaireAnswers] = field(default_factory=list)


def _words(value: Any, key: str = "") -> str:
    if isinstance(value, bool):
        return YES_NO[value]
    if value is None or value == "":
        return "Not answered"
    if isinstance(value, list):
        return ", ".join(_words(v, key) for v in value) or "None"
    return _coded(value, key)


def _coded(value: Any, key: str) -> str:
    """A coded or measured answer in words: "Did not help enough", "8 weeks", "72 mmHg"."""
    choices = CHOICE_WORDS.get(key, {})
    if str(value) in choices:
        return choices[str(value)]
    if key == "trials.duration_weeks" and isinstance(value, int | float):
        weeks = plain_number(value)
        said = f"{weeks} week{'' if weeks == '1' else 's'}"
        # Possible but unusual (clinical.plausible): the reviewer checks with the patient.
        return (
            f"{said} (unusually long: check with the patient)"
            if TRIAL_WEEKS.unusual(value)
            else said
        )
    if key in UNITS:
        return f"{value} {UNITS[key]}"
    return str(value).replace("_", " ")


def _label(model: type[BaseModel], key: str, sitter_hours: str | None) -> str:
    if key in LABELS:
        # Without the clinic's number, none rather than a default that may not be its own.
        return LABELS[key].format(sitter_hours=sitter_hours or "the clinic's")
    info = model.model_fields.get(key.rsplit(".", 1)[-1])
    name = key.rsplit(".", 1)[-1]
    return (info.description if info and info.description else name.replace("_", " ")).rstrip(".")


def _item_model(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    annotation = model.model_fields[name].annotation
    for arg in getattr(annotation, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _choice_label(item: instruments.Item, value: object) -> str:
    for choice in item.choices:
        if choice.value == value:
            return f"{choice.label} ({choice.value})"
    return _words(value)


def questionnaire_answers(
    given: Mapping[str, Any], *, sex_at_birth: str
) -> list[QuestionnaireAnswers]:
    """Each baseline questionnaire answered: total and band, and every item in words."""
    result = []
    for code in INSTRUMENTS:
        answers = given.get(code)
        if not isinstance(answers, list):
            continue
        instrument = instruments.get(code)
        items = [
            (
                item.number,
                item.text,
                _choice_label(item, answers[index]) if index < len(answers) else "Not answered",
            )
            for index, item in enumerate(instrument.items)
        ]
        numbered = {n: v for n, v in enumerate(answers, start=1) if v is not None}
        context = {"sex": auditc.cutoff_sex(sex_at_birth)} if code == "auditc" else {}
        try:
            score = instruments.score(code, numbered, **context)
        except instruments.InvalidAnswers as error:
            scored: dict[str, Any] = {"total": None, "band": "", "problem": str(error)}
        else:
            scored = {"total": score.total, "band": words(score.band)}
        result.append(
            QuestionnaireAnswers(
                code=code,
                title=instrument.title,
                max_total=instrument.max_total,
                items=items,
                **scored,
            )
        )
    return result


def intake_sections(
    data: dict[str, Any], *, sex_at_birth: str = "", sitter_hours: str | None = None
) -> list[Section]:
    """The intake's answers by section, in the order the schema asks them.

    `sitter_hours`: the patient's clinic's sitter stay (web.common.sitter_hours_for), which
    the home section's question named.
    """
    sections = []
    for name in IntakeData.model_fields:
        if name not in data or data[name] is None:
            continue
        title = _label(IntakeData, name, sitter_hours)
        model = _item_model(IntakeData, name)
        value = data[name]
        if name == "questionnaires" and isinstance(value, dict):
            answers = questionnaire_answers(value, sex_at_birth=sex_at_birth)
            sections.append(Section(title=title, questionnaires=answers))
        elif isinstance(value, list) and model is not None:
            names = list(model.model_fields)
            sections.append(
                Section(
                    title=title,
                    headers=[_label(model, f"{name}.{n}", sitter_hours) for n in names],
                    items=[[_words(item.get(n), f"{name}.{n}") for n in names] for item in value],
                )
            )
        elif isinstance(value, dict):
            labels = model or IntakeData
            rows = [
                (
                    _label(labels, f"{name}.{key}", sitter_hours)
                    if key in labels.model_fields
                    else key,
                    _words(answer, f"{name}.{key}"),
                )
                for key, answer in value.items()
            ]
            sections.append(Section(title=title, rows=rows))
        else:
            sections.append(Section(title=title, rows=[(title, _words(value, name))]))
    return sections


def intake_weight_kg(data: Mapping[str, Any]) -> Decimal | None:
    """The weight the intake gives (the review copies it to the record), if any."""
    demographics = data.get("demographics")
    weight = demographics.get("weight_kg") if isinstance(demographics, Mapping) else None
    try:
        return None if weight is None or isinstance(weight, bool) else Decimal(str(weight))
    except ArithmeticError:
        return None


def findings_by_severity(eligibility: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The stored findings grouped: exclusion, caution, info (as clinical.eligibility)."""
    grouped: dict[str, list[dict[str, Any]]] = {"exclusion": [], "caution": [], "info": []}
    for finding in eligibility.get("findings", []):
        grouped.setdefault(finding["severity"], []).append(finding)
    return grouped


@dataclass(frozen=True)
class MedicineShown:
    """A current medicine as the stored assessment recognised it, in words."""

    name: str
    recognised: bool
    what: str = ""  # "Benzodiazepine (lorazepam)"
    classes: str = ""  # the eligibility classes it counts as, in words; "" for none


def medicines_shown(eligibility: Mapping[str, Any]) -> list[MedicineShown] | None:
    """The current medicines the assessment read; None for one stored before it did."""
    stored = eligibility.get("medicines")
    if not isinstance(stored, list):
        return None
    class_words = CHOICE_WORDS["current_medications.classes"]
    return [
        MedicineShown(
            name=m["name"],
            recognised=m["recognised"],
            what="; ".join(
                f"{group} ({generic})"
                for group, generic in zip(m["groups"], m["generics"], strict=True)
            ),
            classes=", ".join(class_words.get(c, words(c)) for c in m["classes"]),
        )
        for m in stored
    ]


def words(value: str) -> str:
    """A stored code as words: "moderately_severe" -> "Moderately severe"."""
    return value.replace("_", " ").capitalize()
