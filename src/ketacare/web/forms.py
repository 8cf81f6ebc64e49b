from __future__ import annotations

from typing import Any

from django import forms

from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.patients.services import PATIENT_FIELDS


class PatientForm(forms.ModelForm[Patient]):
    class Meta:
        model = Patient
        fields = PATIENT_FIELDS
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}


class _PhaseField(forms.ChoiceField):
    """Offers the allowed moves, but lets any known phase through to the phase rules.

    Their refusal names the current phase and the allowed ones (e.g. from a stale page);
    the generic "Select a valid choice" would not.
    """

    def valid_value(self, value: Any) -> bool:
        return value in {p.value for p in Phase}


class PhaseMoveForm(forms.Form):
    target = _PhaseField(label="Move to")
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed to decline, return to intake, pause or discharge.",
    )

    def __init__(self, *args: Any, allowed: frozenset[Phase], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No move is preselected: a slip of the Enter key must not discharge anyone.
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)  # noqa: S101 - declared just above
        target.choices = [
            ("", "Choose the next phase"),
            *((p.value, p.label) for p in sorted(allowed)),
        ]

    @property
    def target_phase(self) -> Phase:
        return Phase(self.cleaned_data["target"])


class PatientFilterForm(forms.Form):
    phase = forms.ChoiceField(
        required=False, choices=[("", "All phases"), *((p.value, p.label) for p in Phase)]
    )
    q = forms.CharField(required=False, label="Name", max_length=100)
