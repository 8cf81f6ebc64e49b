"""The forms of the intake, built from the sections of `ketacare.intake.answers.IntakeData`.

Nothing is required in a draft: the checks are the submission's (`checks`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, get_args, get_origin

import pydantic
from django import forms
from django.forms import BaseFormSet

from ketacare.intake import answers as intake_answers
from ketacare.web.portal.forms.base import plain_words
from ketacare.web.portal.intake.labels import CHOICE_LABELS, ISO_DATE, YES_NO, question


def _choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    words = CHOICE_LABELS.get(enum.__name__, {})
    return [(m.value, words.get(m.value, m.value.replace("_", " ").capitalize())) for m in enum]


def _form_field(label: str, annotation: Any) -> forms.Field:  # noqa: PLR0911 - one per type
    """A draft's field (nothing required) for one schema field's type."""
    if annotation is bool:
        return forms.TypedChoiceField(
            label=label,
            choices=YES_NO,
            coerce=lambda value: value == "yes",
            empty_value=None,
            widget=forms.RadioSelect,
            required=False,
        )
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return forms.ChoiceField(
            label=label, choices=_choices(annotation), widget=forms.RadioSelect, required=False
        )
    if get_origin(annotation) is list:
        (member,) = get_args(annotation)
        return forms.MultipleChoiceField(
            label=label,
            choices=_choices(member),
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )
    numeric = {"inputmode": "decimal"}
    if annotation is int:
        return forms.IntegerField(
            label=label, required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
        )
    if annotation is float:
        return forms.FloatField(label=label, required=False, widget=forms.TextInput(numeric))
    if annotation is Decimal:
        return forms.DecimalField(label=label, required=False, widget=forms.TextInput(numeric))
    if annotation is dt.date:
        # A date box (type="date") takes and gives the ISO date whatever the language,
        # and shows it in the phone's own format: so no format hint, which could differ.
        return forms.DateField(
            label=label,
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        )
    return forms.CharField(label=label, required=False, max_length=200)


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def initial_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


class SectionForm(forms.Form):
    """One section (or one row of a list section) of IntakeData, nothing required.

    `sitter_hours`: the patient's clinic's sitter stay, which the home section asks about.
    """

    def __init__(
        self,
        *args: Any,
        section: str,
        model: type[pydantic.BaseModel],
        sitter_hours: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.section = section
        for name, info in model.model_fields.items():
            asked = question(f"{section}.{name}", sitter_hours=sitter_hours)
            label = asked if asked is not None else (info.description or name)
            self.fields[name] = _form_field(label, info.annotation)
        plain_words(self)

    def section_json(self) -> dict[str, Any]:
        """The answers given (call after is_valid()); an unanswered question is left out."""
        return {
            name: _to_json(value)
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and name != "DELETE"
        }


class RowFormSet(BaseFormSet[SectionForm]):
    """The rows of a list section: those given, one blank row to add another."""

    def add_fields(self, form: SectionForm, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this one"

    def rows_json(self) -> tuple[list[dict[str, Any]], list[int]]:
        """The rows to keep, and the index of each row's form (to put errors back)."""
        rows, indices = [], []
        for index, form in enumerate(self.forms):
            blank = index >= self.initial_form_count() and not form.has_changed()
            if blank or (self.can_delete and form.cleaned_data.get("DELETE")):
                continue
            row = form.section_json()
            if row:
                rows.append(row)
                indices.append(index)
        return rows, indices


SECTIONS: Mapping[str, type[pydantic.BaseModel]] = {
    "demographics": intake_answers.Demographics,
    "medical_history": intake_answers.MedicalHistory,
    "psychiatric_history": intake_answers.PsychiatricHistory,
    "trials": intake_answers.AntidepressantTrialAnswer,
    "current_medications": intake_answers.CurrentMedication,
    "home_vitals": intake_answers.HomeVitals,
    "home": intake_answers.HomeAnswers,
}
ROW_SECTIONS = frozenset({"trials", "current_medications"})
