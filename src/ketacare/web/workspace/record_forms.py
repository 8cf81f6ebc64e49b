"""The forms of a patient's record in the workspace: register or edit it, move its phase.

Each builds the patients app's spec (`patients.specs`); the service checks nothing of a
field's shape again.
"""

from __future__ import annotations

from typing import Any

from django import forms

from ketacare.accounts.models import User
from ketacare.kernel import policy, specs
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase, allowed_next
from ketacare.patients.services import PATIENT_FIELDS
from ketacare.patients.specs import PatientSpec, PhaseMoveSpec


class PatientForm(forms.ModelForm[Patient]):
    class Meta:
        model = Patient
        fields = PATIENT_FIELDS
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}

    def spec(self) -> PatientSpec:
        return specs.read(PatientSpec, {name: self.cleaned_data[name] for name in PATIENT_FIELDS})


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
        self.fields["target"].choices = [  # type: ignore[attr-defined]
            ("", "Choose the next phase"),
            *((p.value, p.label) for p in sorted(allowed)),
        ]

    def spec(self) -> PhaseMoveSpec:
        return specs.read(PhaseMoveSpec, self.cleaned_data)


def phase_context(
    user: User, patient: Patient, move_form: PhaseMoveForm | None = None
) -> dict[str, Any]:
    """The chart's record card: the phase, its move form for those who may, its history."""
    allowed = allowed_next(patient.phase_enum, patient.paused_from_enum)
    return {
        "move_form": move_form or PhaseMoveForm(allowed=allowed),
        "can_move": bool(allowed) and policy.may(user, "move_patient"),
        "is_final": not allowed,
        "can_edit": policy.may(user, "update_patient"),
        "history": patient.phase_changes.select_related("actor"),
    }
