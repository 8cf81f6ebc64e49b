"""The pages of the intake, one section (or questionnaire) a step, and each step's forms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from django import forms
from django.forms import formset_factory

from ketacare.clinical import instruments
from ketacare.intake import answers as intake_answers
from ketacare.patients.models import Indication, Patient
from ketacare.web.portal.intake.sections import (
    ROW_SECTIONS,
    SECTIONS,
    RowFormSet,
    SectionForm,
    initial_value,
)
from ketacare.web.portal.questionnaires import InstrumentForm


@dataclass(frozen=True)
class Step:
    key: str  # a section of IntakeData, "q-<instrument>", or "review"
    title: str
    intro: str = ""

    @property
    def instrument(self) -> str | None:
        return self.key.removeprefix("q-") if self.key.startswith("q-") else None


def steps_for(patient: Patient) -> list[Step]:
    """The pages of this patient's intake; the PCL-5 only for PTSD (intake.answers)."""
    codes = [
        code
        for code in intake_answers.INSTRUMENTS
        if code not in intake_answers.PTSD_ONLY or patient.indication == Indication.PTSD
    ]
    return [
        Step("demographics", "About you"),
        Step("medical_history", "Your physical health"),
        Step("psychiatric_history", "Your mental health history"),
        Step(
            "trials",
            "Antidepressants you have taken",
            "List every antidepressant you have taken for depression. If you have never "
            "taken one, leave the form empty and save.",
        ),
        Step(
            "current_medications",
            "Medicines you take now",
            "List every medicine you take now. If you take none, leave the form empty and save.",
        ),
        *(Step(f"q-{code}", instruments.get(code).title) for code in codes),
        Step(
            "home_vitals",
            "Blood pressure at home",
            "Sit quietly for 5 minutes, then measure your blood pressure and pulse.",
        ),
        Step("home", "Your home and your sitter"),
        Step("review", "Check and send"),
    ]


class StepState(StrEnum):
    """What the list of sections says of a section (in words, not only a tick)."""

    NOT_STARTED = ""
    SAVED = "saved"  # saved in the draft, and nothing missing in it
    UNFINISHED = "unfinished"  # saved in the draft, but a question is not answered yet


def step_saved(step: Step, data: Mapping[str, Any]) -> bool:
    if step.instrument is not None:
        return step.instrument in data.get("questionnaires", {})
    return step.key in data


def build(
    step: Step, data: Mapping[str, Any], post: Any | None, *, sitter_hours: str
) -> tuple[list[forms.Form], RowFormSet | None]:
    """The forms of a step, bound to `post` or filled from the draft.

    `sitter_hours`: the patient's clinic's sitter stay (web.common.sitter_hours_for).
    """
    if step.instrument is not None:
        definition = instruments.get(step.instrument)
        stored = data.get("questionnaires", {}).get(step.instrument) or []
        initial = {
            f"item_{item.number}": str(value)
            for item, value in zip(definition.items, stored, strict=False)
            if value is not None
        }
        return [InstrumentForm(definition, post, initial=initial, draft=True)], None
    model = SECTIONS[step.key]
    if step.key in ROW_SECTIONS:
        factory = formset_factory(SectionForm, formset=RowFormSet, extra=1, can_delete=True)
        rows = [
            {k: initial_value(v) for k, v in row.items()}
            for row in data.get(step.key, [])
            if isinstance(row, Mapping)
        ]
        formset = cast(
            "RowFormSet",
            factory(
                post,
                initial=rows,
                prefix=step.key,
                form_kwargs={"section": step.key, "model": model, "sitter_hours": sitter_hours},
            ),
        )
        return list(formset.forms), formset
    stored = data.get(step.key, {})
    initial = (
        {k: initial_value(v) for k, v in stored.items()} if isinstance(stored, Mapping) else {}
    )
    form = SectionForm(
        post, initial=initial, section=step.key, model=model, sitter_hours=sitter_hours
    )
    return [form], None


def step_json(step: Step, built: list[forms.Form], formset: RowFormSet | None) -> Any:
    if formset is not None:
        return formset.rows_json()
    form = built[0]
    if isinstance(form, InstrumentForm):
        answers = form.answers()
        return [answers.get(item.number) for item in form.instrument.items]
    assert isinstance(form, SectionForm)  # noqa: S101 - build made it
    return form.section_json()


def merged(data: Mapping[str, Any], step: Step, value: Any) -> dict[str, Any]:
    """The draft with the step's answers; a legacy section it held is left out.

    (A "maudsley" section saved before the staff rated it, intake.answers.LEGACY_SECTIONS:
    the patient's next save drops it rather than being refused for it.)
    """
    merged = dict(intake_answers.patient_answers(data))
    if step.instrument is not None:
        merged["questionnaires"] = {**merged.get("questionnaires", {}), step.instrument: value}
    else:
        merged[step.key] = value
    return merged
