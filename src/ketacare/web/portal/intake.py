"""The patient's own intake, one section a page, saved as a draft after each.

The shape of the answers is `ketacare.intake.schemas.IntakeData`: each page's form is
built from its section's pydantic model and gives that section's JSON. Starting,
saving and submitting are `ketacare.intake.services`' (the checks, the phase moves,
the eligibility assessment); errors come back by path ("trials.0.dose",
"questionnaires.phq9.2") and are put next to the field they name. A suicidal answer
in the baseline PHQ-9 or C-SSRS shows the clinic's crisis numbers at once, on every
page of the intake.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, cast, get_args, get_origin

import pydantic
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ketacare.accounts.models import User
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical import instruments, safety
from ketacare.intake import schemas, services
from ketacare.intake.models import Intake, IntakeStatus
from ketacare.kernel.errors import DomainError
from ketacare.patients import services as patient_services
from ketacare.patients.models import Indication, Patient
from ketacare.patients.phases import Phase
from ketacare.web.common import SITTER_HOURS, current_user, own_patient
from ketacare.web.portal.questionnaires import InstrumentForm

YES_NO = (("yes", "Yes"), ("no", "No"))
ISO_DATE = "%Y-%m-%d"  # the value of an <input type="date">, whatever the language
NOT_ANSWERED = "Not answered yet: please answer this question."
# Where the submission was refused: the pages show its errors next to their fields.
TRIED_KEY = "intake_submit_tried"

# The questions as the patient reads them (the schema's descriptions are the API's).
LABELS: Mapping[str, str] = {
    "demographics.date_of_birth": "Your date of birth",
    "demographics.weight_kg": "Your weight in kilograms",
    "medical_history.pregnant": "Are you pregnant?",
    "medical_history.breastfeeding": "Are you breastfeeding?",
    "medical_history.hypertension": "Have you been told you have high blood pressure?",
    "medical_history.aneurysmal_vascular_disease_or_avm": (
        "Have you ever had an aneurysm (a bulging blood vessel) or an arteriovenous malformation?"
    ),
    "medical_history.intracerebral_haemorrhage_history": (
        "Have you ever had bleeding in the brain?"
    ),
    "medical_history.ketamine_hypersensitivity": (
        "Have you ever had an allergic reaction to ketamine?"
    ),
    "medical_history.unstable_cardiac_disease": (
        "Do you have heart disease that is not stable (for example a recent heart attack, "
        "or chest pain at rest)?"
    ),
    "medical_history.unstable_respiratory_disease": (
        "Do you have lung or breathing disease that is not stable?"
    ),
    "medical_history.severe_hepatic_disease": "Do you have severe liver disease?",
    "medical_history.raised_intraocular_pressure": (
        "Have you been told the pressure in your eyes is raised (for example glaucoma)?"
    ),
    "medical_history.raised_intracranial_pressure": (
        "Have you been told the pressure inside your skull is raised?"
    ),
    "psychiatric_history.psychotic_disorder": (
        "Have you ever been diagnosed with a psychotic illness, such as schizophrenia?"
    ),
    "psychiatric_history.current_mania": "Are you having a manic or hypomanic episode now?",
    "psychiatric_history.bipolar_disorder": "Have you ever been diagnosed with bipolar disorder?",
    "psychiatric_history.ketamine_use_disorder": "Have you had a problem with ketamine use?",
    "psychiatric_history.other_substance_use_disorder": (
        "Have you had a problem with alcohol or other drugs?"
    ),
    "trials.drug": "Name of the antidepressant",
    "trials.dose": "The highest daily dose you took (for example 150 mg)",
    "trials.adequate_dose": "Was that the full dose your prescriber intended?",
    "trials.duration_weeks": "How many weeks did you take it at that dose?",
    "trials.outcome": "How did it go?",
    "trials.in_current_episode": "Did you take it during this episode of depression?",
    "current_medications.name": "Name of the medicine",
    "current_medications.dose": "Dose and how often (optional)",
    "current_medications.classes": "Is it one of these? Tick any that apply.",
    "home_vitals.systolic_mmhg": "Blood pressure: the top number (systolic), in mmHg",
    "home_vitals.diastolic_mmhg": "Blood pressure: the bottom number (diastolic), in mmHg",
    "home_vitals.heart_rate_bpm": "Heart rate (pulse), beats per minute",
    "home.sitter_available": (
        f"Will an adult stay with you, sober, for at least {SITTER_HOURS} hours after every dose?"
    ),
    "home.secure_storage": "Can you keep the medicine locked away between sessions?",
    "home.agrees_not_to_drive": (
        "Do you agree not to drive after a dose until the next day, after sleep?"
    ),
}
CHOICE_LABELS: Mapping[str, Mapping[str, str]] = {
    "Hypertension": {
        "none": "No",
        "controlled": "Yes, and treatment keeps it under control",
        "uncontrolled": "Yes, and it is not under control",
    },
    "DisorderStatus": {"none": "No", "history": "In the past, not now", "active": "Yes, now"},
    "TrialOutcome": {
        "failed": "It did not help enough",
        "responded": "It helped",
        "not_tolerated": "I stopped because of side effects",
        "ongoing": "I am still taking it",
    },
    "MedicationClass": {
        "benzodiazepine": "A benzodiazepine (for example diazepam or lorazepam)",
        "other_cns_depressant": "Another sedating medicine (for example strong painkillers)",
        "stimulant": "A stimulant (for example for ADHD)",
        "maoi": "An MAOI antidepressant (for example phenelzine)",
    },
}


# --- forms built from the schema's sections -----------------------------------------------


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


def _initial(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


class SectionForm(forms.Form):
    """One section (or one row of a list section) of IntakeData, nothing required."""

    def __init__(
        self, *args: Any, section: str, model: type[pydantic.BaseModel], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.section = section
        for name, info in model.model_fields.items():
            label = LABELS.get(f"{section}.{name}", info.description or name)
            self.fields[name] = _form_field(label, info.annotation)

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
    "demographics": schemas.Demographics,
    "medical_history": schemas.MedicalHistory,
    "psychiatric_history": schemas.PsychiatricHistory,
    "trials": schemas.AntidepressantTrialAnswer,
    "current_medications": schemas.CurrentMedication,
    "home_vitals": schemas.HomeVitals,
    "home": schemas.HomeAnswers,
}
ROW_SECTIONS = frozenset({"trials", "current_medications"})


# --- the steps -------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    key: str  # a section of IntakeData, "q-<instrument>", or "review"
    title: str
    intro: str = ""

    @property
    def instrument(self) -> str | None:
        return self.key.removeprefix("q-") if self.key.startswith("q-") else None


def steps_for(patient: Patient) -> list[Step]:
    """The pages of this patient's intake; the PCL-5 only for PTSD (intake.schemas)."""
    codes = [
        code
        for code in schemas.INSTRUMENTS
        if code not in schemas.PTSD_ONLY or patient.indication == Indication.PTSD
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


def _step_saved(step: Step, data: Mapping[str, Any]) -> bool:
    if step.instrument is not None:
        return step.instrument in data.get("questionnaires", {})
    return step.key in data


def step_states(
    patient: Patient, intake: Intake, steps: Sequence[Step]
) -> list[tuple[Step, StepState]]:
    """Each step with its state: saved, unfinished (what submitting would refuse), or not."""
    missing = {_step_of(path) for path in _submission_errors(intake, patient)}

    def state(step: Step) -> StepState:
        if step.key == "review" or not _step_saved(step, intake.data):
            return StepState.NOT_STARTED
        return StepState.UNFINISHED if step.key in missing else StepState.SAVED

    return [(step, state(step)) for step in steps]


# --- errors by path ----------------------------------------------------------------------


def _by_path(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {str(path): list(messages) for path, messages in error.message_dict.items()}
    return {"data": list(error.messages)}


def _step_of(path: str) -> str:
    section, _, rest = path.partition(".")
    if section == "questionnaires":
        return f"q-{rest.split('.')[0]}" if rest else "review"
    return section if section in SECTIONS else "review"


def _add_error(form: forms.Form, field: str | None, message: str) -> None:
    if not hasattr(form, "cleaned_data"):
        form.cleaned_data = {}  # an unbound form: add_error reads it
    form.add_error(field if field in form.fields else None, message)


def _put_errors(
    step: Step, forms_: Sequence[forms.Form], errors: Mapping[str, list[str]], rows: list[int]
) -> list[str]:
    """Put each error of this step on its form and field; return those left over."""
    left: list[str] = []
    for path, messages in errors.items():
        if _step_of(path) != step.key:
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
    if message == schemas.REQUIRED:
        return NOT_ANSWERED if field is not None else "This part is not filled in yet."
    return message


def _question(path: str) -> str | None:
    """The question a path names, as the patient read it ("Are you pregnant?")."""
    parts = path.split(".")
    if parts[0] == "questionnaires" and len(parts) > 2:  # noqa: PLR2004 - questionnaires.code.i
        return f"Question {int(parts[2]) + 1}"
    if parts[0] in ROW_SECTIONS and len(parts) > 2 and parts[1].isdigit():  # noqa: PLR2004
        label = LABELS.get(f"{parts[0]}.{parts[2]}")
        return None if label is None else f"{label} (number {int(parts[1]) + 1})"
    return LABELS.get(".".join(parts[:2])) if len(parts) > 1 else None


def _summary_line(titles: Mapping[str, str], path: str, message: str) -> tuple[str, str, str]:
    """(step title, what is wrong, link to the field) for the summary of a refused submission."""
    step = _step_of(path)
    question = _question(path)
    field = _field_id(path)
    words = _section_message(field, message)
    return (
        titles.get(step, "Your intake"),
        words if not question else f"{question}{' ' if question.endswith('?') else ': '}{words}",
        _step_url(step) + (f"#{field}" if field else ""),
    )


def _field_id(path: str) -> str | None:
    parts = path.split(".")
    if parts[0] == "questionnaires" and len(parts) > 2:  # noqa: PLR2004 - questionnaires.code.i
        return f"id_item_{int(parts[2]) + 1}"
    if parts[0] in ROW_SECTIONS and len(parts) > 2 and parts[1].isdigit():  # noqa: PLR2004
        return f"id_{parts[0]}-{parts[1]}-{parts[2]}"
    return f"id_{parts[1]}" if len(parts) > 1 and parts[0] in SECTIONS else None


# --- the pages ---------------------------------------------------------------------------


def _draft(patient: Patient) -> Intake | None:
    found: Intake | None = Intake.objects.filter(patient=patient, status=IntakeStatus.DRAFT).first()
    return found


def _crisis(data: Mapping[str, Any]) -> bool:
    """Whether the baseline answers so far show suicidality (clinical.safety)."""
    given = data.get("questionnaires", {})
    for code in ("phq9", "cssrs_screen"):
        answers = given.get(code)
        if not isinstance(answers, list):
            continue
        definition = instruments.get(code)
        # Unanswered items count as 0 here: a flag raised by the answers given stands.
        numbered = {
            item.number: answers[i] if i < len(answers) and isinstance(answers[i], int) else 0
            for i, item in enumerate(definition.items)
            if item.scored
        }
        try:
            score = instruments.score(code, numbered)
        except instruments.InvalidAnswers:
            continue
        if safety.check_suicidality(score) is not None:
            return True
    return False


def _build(
    step: Step, data: Mapping[str, Any], post: Any | None
) -> tuple[list[forms.Form], RowFormSet | None]:
    """The forms of a step, bound to `post` or filled from the draft."""
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
            {k: _initial(v) for k, v in row.items()}
            for row in data.get(step.key, [])
            if isinstance(row, Mapping)
        ]
        formset = cast(
            "RowFormSet",
            factory(
                post,
                initial=rows,
                prefix=step.key,
                form_kwargs={"section": step.key, "model": model},
            ),
        )
        return list(formset.forms), formset
    stored = data.get(step.key, {})
    initial = {k: _initial(v) for k, v in stored.items()} if isinstance(stored, Mapping) else {}
    return [SectionForm(post, initial=initial, section=step.key, model=model)], None


def _step_json(step: Step, built: list[forms.Form], formset: RowFormSet | None) -> Any:
    if formset is not None:
        return formset.rows_json()
    form = built[0]
    if isinstance(form, InstrumentForm):
        answers = form.answers()
        return [answers.get(item.number) for item in form.instrument.items]
    assert isinstance(form, SectionForm)  # noqa: S101 - _build made it
    return form.section_json()


def _merged(data: Mapping[str, Any], step: Step, value: Any) -> dict[str, Any]:
    merged = dict(data)
    if step.instrument is not None:
        merged["questionnaires"] = {**merged.get("questionnaires", {}), step.instrument: value}
    else:
        merged[step.key] = value
    return merged


def _submission_errors(intake: Intake, patient: Patient) -> dict[str, list[str]]:
    try:
        schemas.check_submission(
            intake.data, indication=patient.indication, sex_at_birth=patient.sex_at_birth
        )
    except ValidationError as error:
        return _by_path(error)
    return {}


def _step_url(key: str) -> str:
    return f"{reverse('portal-intake')}?step={key}"


def _save_step(
    request: HttpRequest, user: User, intake: Intake, step: Step, steps: list[Step]
) -> HttpResponse | tuple[list[forms.Form], RowFormSet | None, list[str]]:
    built, formset = _build(step, intake.data, request.POST)
    valid = formset.is_valid() if formset is not None else built[0].is_valid()
    if not valid:
        return built, formset, []
    value = _step_json(step, built, formset)
    rows: list[int] = []
    if formset is not None:
        value, rows = value
    try:
        services.save_intake_draft(user, intake, data=_merged(intake.data, step, value))
    except ValidationError as error:
        left = _put_errors(step, built, _by_path(error), rows)
        return built, formset, left
    except DomainError as refusal:  # submitted meanwhile, or the phase moved on
        return built, formset, [refusal.message]
    if request.POST.get("action") == "add":
        return redirect(_step_url(step.key))
    if request.POST.get("action") == "later":
        return redirect(reverse("portal-intake"))
    after = steps[[s.key for s in steps].index(step.key) + 1]
    return redirect(_step_url(after.key))


def _submit(
    request: HttpRequest, user: User, intake: Intake, patient: Patient
) -> HttpResponse | list[tuple[str, str, str]]:
    """Submit; on refusal the errors as (step title, message, link) for the summary."""
    try:
        services.submit_intake(user, intake)
    except ValidationError as error:
        request.session[TRIED_KEY] = intake.pk
        titles = {s.key: s.title for s in steps_for(patient)}
        return [
            _summary_line(titles, path, message)
            for path, messages in _by_path(error).items()
            for message in messages
        ]
    except DomainError as refusal:
        link = reverse("portal-consent") if refusal.field == "consent" else _step_url("review")
        return [("Consent" if refusal.field == "consent" else "Your intake", refusal.message, link)]
    request.session.pop(TRIED_KEY, None)
    return redirect("portal-intake-submitted")


def _start_page(request: HttpRequest, user: User, patient: Patient) -> HttpResponse:
    """No draft: start one (POST), or say where the intake is."""
    can_start = patient.phase_enum in (Phase.SCREENING, Phase.INTAKE)
    if request.method == "POST" and can_start and "step" not in request.POST:
        services.start_intake(user, patient)
        return redirect(_step_url("demographics"))
    if patient.intakes.filter(status=IntakeStatus.SUBMITTED).exists() and not can_start:
        return redirect("portal-intake-submitted")
    context = {"patient": patient, "can_start": can_start}
    return render(request, "web/portal/forms/intake_start.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    patient = own_patient(user)
    draft = _draft(patient)
    if draft is None:
        return _start_page(request, user, patient)
    steps = steps_for(patient)
    by_key = {s.key: s for s in steps}
    step = by_key.get(request.GET.get("step") or request.POST.get("step") or "")
    if step is None:
        return _overview(request, draft, patient, steps)
    record(Event.about(AuditAction.READ, draft, detail={"via": "portal intake", "step": step.key}))
    status = 200
    left: list[str] = []
    summary: list[tuple[str, str, str]] = []
    built: list[forms.Form] = []
    formset: RowFormSet | None = None
    if step.key == "review":
        if request.method == "POST":
            outcome = _submit(request, user, draft, patient)
            if isinstance(outcome, HttpResponse):
                return outcome
            summary, status = outcome, 400
    elif request.method == "POST":
        outcome_or_forms = _save_step(request, user, draft, step, steps)
        if isinstance(outcome_or_forms, HttpResponse):
            return outcome_or_forms
        built, formset, left = outcome_or_forms
        status = 400
    else:
        built, formset = _build(step, draft.data, None)
        if request.session.get(TRIED_KEY) == draft.pk:
            errors = _submission_errors(draft, patient)
            left = _put_errors(step, built, errors, list(range(len(built))))
    _describe_errors(built)
    context = {
        "patient": patient,
        "intake": draft,
        "has_errors": bool(left) or any(form.errors for form in built),
        "steps": step_states(patient, draft, steps),
        "step": step,
        "forms": built,
        "formset": formset,
        "left": left,
        "summary": summary,
        "crisis": _crisis(draft.data),
        "consent": patient_services.current_consent_document(patient.clinic_id),
        "consent_signed": patient_services.has_current_consent(patient),
    }
    template = "intake_review.html" if step.key == "review" else "intake_step.html"
    return render(request, f"web/portal/forms/{template}", context, status=status)


def _describe_errors(built: Sequence[forms.Form]) -> None:
    """Tie each field's error to its input (aria-invalid, aria-describedby)."""
    for form in built:
        for name in form.errors:
            if name in form.fields:
                attrs = form.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{form[name].auto_id}_error"


def _overview(
    request: HttpRequest, draft: Intake, patient: Patient, steps: list[Step]
) -> HttpResponse:
    record(Event.about(AuditAction.READ, draft, detail={"via": "portal intake"}))
    states = step_states(patient, draft, steps)
    next_step = next(
        (s for s, state in states if state != StepState.SAVED and s.key != "review"), steps[-1]
    )
    context = {
        "patient": patient,
        "intake": draft,
        "steps": states,
        "next_step": next_step,
        "crisis": _crisis(draft.data),
    }
    return render(request, "web/portal/forms/intake_overview.html", context)


@login_required
@require_GET
def submitted(request: HttpRequest) -> HttpResponse:
    patient = own_patient(current_user(request))
    return render(request, "web/portal/forms/intake_submitted.html", {"patient": patient})
