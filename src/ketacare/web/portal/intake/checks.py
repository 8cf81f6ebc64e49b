"""What submitting would refuse, by path ("trials.0.dose", "questionnaires.phq9.2").

Each error is put next to the field it names, or summarised with a link to it; the list
of steps says which are unfinished.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from ketacare.intake import specs as intake_specs
from ketacare.intake.models import Intake
from ketacare.patients.models import Patient
from ketacare.web.portal.intake.labels import NOT_ANSWERED, question
from ketacare.web.portal.intake.sections import ROW_SECTIONS, SECTIONS
from ketacare.web.portal.intake.steps import Step, StepState, step_saved


def step_states(
    patient: Patient, intake: Intake, steps: Sequence[Step]
) -> list[tuple[Step, StepState]]:
    """Each step with its state: saved, unfinished (what submitting would refuse), or not."""
    missing = {step_of(path) for path in submission_errors(intake, patient)}

    def state(step: Step) -> StepState:
        if step.key == "review" or not step_saved(step, intake.data):
            return StepState.NOT_STARTED
        return StepState.UNFINISHED if step.key in missing else StepState.SAVED

    return [(step, state(step)) for step in steps]


def by_path(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {str(path): list(messages) for path, messages in error.message_dict.items()}
    return {"data": list(error.messages)}


def step_of(path: str) -> str:
    section, _, rest = path.partition(".")
    if section == "questionnaires":
        return f"q-{rest.split('.')[0]}" if rest else "review"
    return section if section in SECTIONS else "review"


def _add_error(form: forms.Form, field: str | None, message: str) -> None:
    if not hasattr(form, "cleaned_data"):
        form.cleaned_data = {}  # an unbound form: add_error reads it
    form.add_error(field if field in form.fields else None, message)


def put_errors(
    step: Step, forms_: Sequence[forms.Form], errors: Mapping[str, list[str]], rows: list[int]
) -> list[str]:
    """Put each error of this step on its form and field; return those left over."""
    left: list[str] = []
    for path, messages in errors.items():
        if step_of(path) != step.key:
            continue
        parts = path.split(".")
        target: forms.Form | None = forms_[0] if forms_ else None
        field: str | None = None
        if step.instrument is not None and len(parts) > 2:  # noqa: PLR2004 - questionnaires.code.i
            field = f"item_{int(parts[2]) + 1}"
        elif step.key in ROW_SECTIONS and len(parts) > 1 and parts[1].isdigit():
            row = int(parts[1])
            index = rows[row] if row < len(rows) else None
            target = forms_[index] if index is not None and index < len(forms_) else None
            field = parts[2] if len(parts) > 2 else None  # noqa: PLR2004 - section.row.field
        elif len(parts) > 1:
            field = parts[1]
        for message in messages:
            if target is None:
                left.append(message)
            else:
                _add_error(target, field, _section_message(field, message))
    return left


def _section_message(field: str | None, message: str) -> str:
    if message == intake_specs.REQUIRED:
        return NOT_ANSWERED if field is not None else "This part is not filled in yet."
    return message


def _question(path: str, sitter_hours: str) -> str | None:
    """The question a path names, as the patient read it ("Are you pregnant?")."""
    parts = path.split(".")
    if parts[0] == "questionnaires" and len(parts) > 2:  # noqa: PLR2004 - questionnaires.code.i
        return f"Question {int(parts[2]) + 1}"
    if parts[0] in ROW_SECTIONS and len(parts) > 2 and parts[1].isdigit():  # noqa: PLR2004
        label = question(f"{parts[0]}.{parts[2]}", sitter_hours=sitter_hours)
        return None if label is None else f"{label} (number {int(parts[1]) + 1})"
    if len(parts) > 1:
        return question(".".join(parts[:2]), sitter_hours=sitter_hours)
    return None


def summary_line(
    titles: Mapping[str, str], path: str, message: str, *, sitter_hours: str
) -> tuple[str, str, str]:
    """(step title, what is wrong, link to the field) for the summary of a refused submission.

    `sitter_hours`: the patient's clinic's sitter stay, as the home section asked it.
    """
    step = step_of(path)
    asked = _question(path, sitter_hours)
    field = _field_id(path)
    words = _section_message(field, message)
    return (
        titles.get(step, "Your intake"),
        words if not asked else f"{asked}{' ' if asked.endswith('?') else ': '}{words}",
        step_url(step) + (f"#{field}" if field else ""),
    )


def _field_id(path: str) -> str | None:
    parts = path.split(".")
    if parts[0] == "questionnaires" and len(parts) > 2:  # noqa: PLR2004 - questionnaires.code.i
        return f"id_item_{int(parts[2]) + 1}"
    if parts[0] in ROW_SECTIONS and len(parts) > 2 and parts[1].isdigit():  # noqa: PLR2004
        return f"id_{parts[0]}-{parts[1]}-{parts[2]}"
    return f"id_{parts[1]}" if len(parts) > 1 and parts[0] in SECTIONS else None


def submission_errors(intake: Intake, patient: Patient) -> dict[str, list[str]]:
    try:
        intake_specs.check_submission(
            intake.data, indication=patient.indication, sex_at_birth=patient.sex_at_birth
        )
    except ValidationError as error:
        return by_path(error)
    return {}


def step_url(key: str) -> str:
    return f"{reverse('portal-intake')}?step={key}"
