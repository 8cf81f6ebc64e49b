"""The patient's questionnaires: fill one in, and see what the score means.

The form only collects an answer per item (every scored item required, an item asked
only after a yes to another as the instrument's `asked_only_if` says, CLINICAL.md A8);
scoring (once, AUDIT-C's cut-off from the record), the flags and the alerts are
`ketacare.assessments.services.submit_questionnaire`'s. A suicidal answer shows the
clinic's crisis numbers before anything else (`crisis_resources`, read off the stored
score).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ketacare.assessments import specs as assessment_specs
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.assessments.services import CLINICIAN_RATED, crisis_resources, submit_questionnaire
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical import instruments
from ketacare.kernel.errors import DomainError
from ketacare.web.common import current_user, own_patient
from ketacare.web.portal.forms.base import plain_words
from ketacare.web.refusals import show_refusal

YES = 1  # a yes/no item's "yes" (C-SSRS)

# What each questionnaire asks about, in plain words, for the result page.
ABOUT: Mapping[str, str] = {
    "phq9": "how much low mood and the problems that come with it have bothered you",
    "phq2": "low mood and loss of interest, as a short screen",
    "gad7": "how much worry and anxiety have bothered you",
    "pcl5": "how much problems after a very stressful experience have bothered you",
    "qids_sr16": "symptoms of depression",
    "cadss6": "feeling detached or unreal during and after a session",
    "cssrs_screen": "thoughts of suicide and of harming yourself",
    "auditc": "how much alcohol you drink",
    "dast10": "use of drugs other than alcohol",
}
SCREENS = frozenset({"cssrs_screen", "auditc", "dast10", "phq2"})


def _field_name(number: int) -> str:
    return f"item_{number}"


class ItemField(forms.TypedChoiceField):
    """One question: its answers as radio buttons, valued as the instrument scores them."""

    def __init__(self, item: instruments.Item, *, asked_if: int | None, draft: bool) -> None:
        self.number = item.number
        self.asked_if = None if asked_if is None else _field_name(asked_if)
        # An unscored item (PHQ-9 item 10, CLINICAL.md A1) may always be left out.
        self.optional = not item.scored
        missing = f"Question {item.number} is not answered: choose one answer."
        super().__init__(
            label=item.text,
            choices=[(str(c.value), c.label) for c in item.choices],
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect,
            # A follow-up question is required only when it is asked (checked in clean()).
            required=item.scored and asked_if is None and not draft,
            error_messages={"required": missing},
        )
        self.missing = missing


class InstrumentForm(forms.Form):
    """A questionnaire's items; `answers()` gives {item number: value} for the service.

    With `draft` (the intake's saved drafts) any item may be left out.
    """

    optional_marked = True  # "(optional)" on an unscored item, no mark on the others

    def __init__(
        self, instrument: instruments.Instrument, *args: Any, draft: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.draft = draft
        for item in instrument.items:
            # Asked only after a yes to another item (C-SSRS, CLINICAL.md A8).
            field = ItemField(item, asked_if=item.asked_only_if, draft=draft)
            self.fields[_field_name(item.number)] = field
        plain_words(self)

    def item_fields(self) -> list[ItemField]:
        return [f for f in self.fields.values() if isinstance(f, ItemField)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for field in self.item_fields():
            if field.asked_if is None:
                continue
            name = _field_name(field.number)
            if cleaned.get(field.asked_if) == YES:
                if cleaned.get(name) is None and not self.draft:
                    self.add_error(name, field.missing)
            elif cleaned.get(field.asked_if) is not None:
                cleaned[name] = instruments.NOT_ASKED  # not asked after a no
        return cleaned

    def answers(self) -> dict[int, int]:
        """The answers given, by item number (call after is_valid())."""
        return {
            f.number: value
            for f in self.item_fields()
            if (value := self.cleaned_data.get(_field_name(f.number))) is not None
        }


def _instrument(code: str) -> instruments.Instrument:
    """The questionnaire a patient may fill in; 404 for unknown and clinician-rated ones."""
    if code not in instruments.CODES or code in CLINICIAN_RATED:
        raise Http404("No such questionnaire.")
    return instruments.get(code)


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire(request: HttpRequest, instrument: str) -> HttpResponse:
    user = current_user(request)
    patient = own_patient(user)
    definition = _instrument(instrument)
    form = InstrumentForm(definition, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                response = submit_questionnaire(
                    user, patient, assessment_specs.questionnaire(definition.code, form.answers())
                )
            except (DomainError, ValidationError) as refusal:
                status = show_refusal(form, refusal)
            else:
                return redirect("portal-questionnaire-result", response_id=response.pk)
    context = {"patient": patient, "instrument": definition, "form": form}
    return render(request, "web/portal/forms/questionnaire.html", context, status=status)


def band_words(band: str) -> str:
    return band.replace("_", " ")


def _band_range(response: QuestionnaireResponse) -> tuple[int, int] | None:
    for band in instruments.get(response.instrument).bands:
        if band.label == response.band:
            return band.low, band.high
    return None


@login_required
@require_GET
def questionnaire_result(request: HttpRequest, response_id: int) -> HttpResponse:
    user = current_user(request)
    patient = own_patient(user)
    response = get_object_or_404(
        QuestionnaireResponse.objects.visible_to(user).select_related("patient__clinic"),
        pk=response_id,
        patient=patient,
    )
    record(Event.about(AuditAction.READ, response, detail={"via": "portal result"}))
    definition = instruments.get(response.instrument)
    context = {
        "patient": patient,
        "response": response,
        "instrument": definition,
        "crisis": crisis_resources(response),
        "band": band_words(response.band),
        "band_range": _band_range(response),
        "about": ABOUT.get(response.instrument, ""),
        "is_screen": response.instrument in SCREENS,
    }
    return render(request, "web/portal/forms/questionnaire_result.html", context)
